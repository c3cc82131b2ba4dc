"""The runner's garbage-collector settings for a run (runners.fewer_collections)."""

from __future__ import annotations

import gc
import weakref

from nornir_pack.runners import RUN_GC_THRESHOLD, fewer_collections


def test_a_run_collects_less_and_puts_the_settings_back() -> None:
    before = gc.get_threshold()
    survivor = [object()]  # alive before the run: frozen out of collection during it
    with fewer_collections():
        assert gc.get_threshold() == RUN_GC_THRESHOLD
        assert gc.get_freeze_count() > 0
        with fewer_collections():  # a rollout's wave inside a run, or another thread's run
            assert gc.get_threshold() == RUN_GC_THRESHOLD
        assert gc.get_threshold() == RUN_GC_THRESHOLD  # the outer run still going
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert survivor


class _Cycle:
    """Garbage only the collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_what_a_run_leaves_is_not_walked_when_it_ends_but_still_collected() -> None:
    younger_due = gc.get_threshold()[1] + 1
    with fewer_collections():
        kept = _Cycle()
        left = weakref.ref(kept)
        for _ in range(younger_due):  # as many young collections as a long run makes
            gc.collect(0)
        del kept  # garbage the run leaves in an older generation
    generations: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        allocated = [[] for _ in range(5 * gc.get_threshold()[0])]  # a young collection due
    finally:
        gc.callbacks.remove(seen)
    assert allocated
    assert generations  # the young generation was collected as Python does...
    assert max(generations) == 0  # ...without walking what the run left
    assert left() is not None
    gc.collect()
    assert left() is None  # Python's next full collection frees it
