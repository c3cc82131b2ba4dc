"""The runner's garbage-collector settings for a run (runners.fewer_collections)."""

from __future__ import annotations

import gc

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
