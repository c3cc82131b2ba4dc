"""NAPALM tasks leave the device as they promise: merged by default, nothing left behind.

The real NAPALM drivers (ios over SSH/SCP, eos over eAPI) against the lab. Every check reads
the device's own state through ``Lab.call``: its flash files, its EOS configuration sessions,
its IOS revert timer, and its running and startup configs, which must be equal after every
commit and rollback (NAPALM ios saves while its own ``file prompt quiet`` is configured and
removes that line from the running config only when it closes). A commit with a revert
timer needs the device's own ``file prompt quiet`` on IOS, which must stay; one that is not
confirmed is undone by the device's timer, and must leave the device as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nornir.core import Nornir
from nornir.core.task import Result

from nornir_pack.backends import DeviceError
from nornir_pack.backends.napalm import NapalmBackend
from nornir_pack.lab import Device, Knobs, Lab
from nornir_pack.tasks import napalm_commit, napalm_diff
from tests.conftest import DeviceFactory, own_file_prompt_quiet
from tests.integration.lab_nornir import build_nornir, host_entry
from tests.integration.test_commit_confirm import wait_until

PLATFORMS = ["cisco_ios", "arista_eos"]
MODES = ["merge", "replace"]
FILE_PROMPT_QUIET = "file prompt quiet"
KEPT_FILE = "notes.txt"  # on flash before every test: a task must leave it alone
# NAPALM's rollback point, written by every commit and read by its rollback(): kept.
ROLLBACK_POINTS = {"rollback_config.txt", "rollback-0"}
CANDIDATE_FILES = {"candidate_config.txt", "merge_config.txt"}

# A fragment: one NTP server added, one description changed, one loopback added.
FRAGMENT = {
    "cisco_ios": (
        "ntp server 10.0.0.5\n"
        "interface Loopback0\n description changed by napalm\n"
        "interface Loopback7\n description added by napalm\n ip address 10.7.7.7 255.255.255.255\n"
    ),
    "arista_eos": (
        "ntp server 10.0.0.5\n"
        "interface Loopback0\n   description changed by napalm\n"
        "interface Loopback7\n   description added by napalm\n   ip address 10.7.7.7/32\n"
    ),
}


@dataclass(frozen=True)
class State:
    """What a task could leave behind on a device."""

    files: frozenset[str]
    sessions: dict[str, str]  # EOS configuration session -> state
    revert_pending: bool  # IOS replace or merge waiting for `configure confirm`
    running: str
    startup: str


@dataclass
class Target:
    lab: Lab
    device: Device
    nr: Nornir

    @property
    def platform(self) -> str:
        return self.device.platform.name

    def state(self) -> State:
        device = self.device

        def read() -> State:
            return State(
                files=frozenset(device.files),
                sessions={name: s.state for name, s in device.sessions.items()},
                revert_pending=device.rollback_timer is not None,
                running=device.running_text(),
                startup=device.startup,
            )

        return self.lab.call(read)

    def run(self, task: Callable[..., Result], **kwargs: Any) -> Result:
        return self.nr.run(task=task, on_failed=True, **kwargs)[self.device.name][0]

    def replace_candidate(self) -> str:
        """The whole running config with the fragment's NTP server and a description changed."""
        running = self.state().running
        assert "ntp server 10.0.0.99" in running
        changed = running.replace("ntp server 10.0.0.99", "ntp server 10.0.0.5")
        return changed.replace("description Uplink to core", "description replaced by napalm")


TargetFactory = Callable[..., Target]


@pytest.fixture(params=PLATFORMS)
def make_target(
    request: pytest.FixtureRequest, lab: Lab, make_device: DeviceFactory, tmp_path: Path
) -> Iterator[TargetFactory]:
    """A fresh device with a file of its own on flash, behind a one-host Nornir (napalm)."""
    built: list[Nornir] = []
    platform = str(request.param)

    def factory(*, dry_run: bool = False, knobs: Knobs | None = None) -> Target:
        device = make_device(platform, knobs=knobs or Knobs())
        lab.call(lambda: device.files.__setitem__(KEPT_FILE, b"kept across tasks\n"))
        folder = tmp_path / f"inventory-{len(built)}"
        nr = build_nornir(folder, {device.name: host_entry(device, "napalm")}, dry_run=dry_run)
        built.append(nr)
        return Target(lab, device, nr)

    yield factory
    for nr in built:
        nr.close_connections(on_good=True, on_failed=True)


def config_for(target: Target, mode: str) -> dict[str, Any]:
    if mode == "replace":
        return {"config": target.replace_candidate(), "replace": True}
    return {"config": FRAGMENT[target.platform]}


def assert_saved_and_clean(state: State, *, own_quiet: bool = False) -> None:
    """Startup equals running, with `file prompt quiet` only where the device has its own
    (``own_quiet``: NAPALM's taken out, the device's kept); nothing pending."""
    assert (FILE_PROMPT_QUIET in state.running) is own_quiet
    assert (FILE_PROMPT_QUIET in state.startup) is own_quiet
    assert state.startup == state.running
    assert not state.revert_pending
    assert all(s == "completed" for s in state.sessions.values()), state.sessions


def frozen(host: Any, connection: Any) -> str:
    """A post-check that fails every host."""
    return "this host is frozen"


def assert_no_candidate_left(before: State, after: State) -> None:
    assert KEPT_FILE in after.files
    assert not (after.files & CANDIDATE_FILES), after.files
    assert after.files - before.files <= ROLLBACK_POINTS


# ------------------------------------------------------------------ defaults
def test_commit_and_diff_merge_unless_told_to_replace(make_target: TargetFactory) -> None:
    target = make_target()
    before = target.state()

    diff = target.run(napalm_diff, config=FRAGMENT[target.platform])
    commit = target.run(napalm_commit, config=FRAGMENT[target.platform])

    for result in (diff, commit):
        assert not result.failed, result.result
        assert result.result["mode"] == "merge"
        removed = [line for line in result.diff.splitlines() if line.lstrip().startswith("-")]
        assert all("description" in line for line in removed), result.diff
    after = target.state()
    gone = set(before.running.splitlines()) - set(after.running.splitlines())
    # Only the Loopback0 description the fragment changes is replaced; the rest stays.
    assert len(gone) == 1 and "description" in gone.pop()
    assert "ntp server 10.0.0.5" in after.running
    assert "ntp server 10.0.0.99" in after.running  # a replace would have removed it
    assert "description added by napalm" in after.running


# ------------------------------------------------------------------ commits
@pytest.mark.parametrize("mode", MODES)
def test_commit_leaves_startup_equal_to_running(make_target: TargetFactory, mode: str) -> None:
    target = make_target()
    before = target.state()

    result = target.run(napalm_commit, **config_for(target, mode))

    assert not result.failed, result.result
    assert result.changed and result.result["status"] == "committed"
    after = target.state()
    assert "ntp server 10.0.0.5" in after.running
    assert_saved_and_clean(after)
    assert_no_candidate_left(before, after)


def test_commit_confirmed_after_post_check_leaves_startup_equal_to_running(
    make_target: TargetFactory,
) -> None:
    target = make_target()
    quiet = own_file_prompt_quiet(target.lab, target.device)
    before = target.state()

    result = target.run(napalm_commit, config=FRAGMENT[target.platform], revert_in=60)

    assert not result.failed, result.result
    assert result.result["status"] == "committed and confirmed"
    after = target.state()
    assert "ntp server 10.0.0.5" in after.running
    assert_saved_and_clean(after, own_quiet=quiet)
    assert_no_candidate_left(before, after)


def test_timer_revert_after_failed_post_check_leaves_startup_equal_to_running(
    make_target: TargetFactory,
) -> None:
    target = make_target(knobs=Knobs(minute_seconds=3.0))  # the 1-minute timer: 3 s
    quiet = own_file_prompt_quiet(target.lab, target.device)
    before = target.state()

    result = target.run(
        napalm_commit, config=FRAGMENT[target.platform], revert_in=60, post_checks=[frozen]
    )

    assert result.failed
    assert "this host is frozen" in str(result.result)
    assert "ntp server 10.0.0.5" in target.state().running  # left to the device's timer
    reverted = wait_until(lambda: target.state().running == before.running)
    assert reverted, "the device did not revert"
    after = target.state()
    assert after.startup == before.startup  # nothing was saved
    assert_saved_and_clean(after, own_quiet=quiet)
    assert_no_candidate_left(before, after)


# ------------------------------------------------------------------ rollbacks
def test_native_rollback_after_failed_verify_leaves_startup_equal_to_running(
    make_target: TargetFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_target()
    before = target.state()

    def verify_fails(backend: NapalmBackend, candidate: str, mode: str) -> None:
        raise DeviceError("the running config does not match the candidate: injected")

    monkeypatch.setattr(NapalmBackend, "verify", verify_fails)
    result = target.run(napalm_commit, config=FRAGMENT[target.platform])

    assert result.failed
    assert "injected" in str(result.result)
    after = target.state()
    assert after.running == before.running  # NAPALM's own rollback undid the commit
    assert_saved_and_clean(after)
    assert_no_candidate_left(before, after)


def test_refused_line_rolls_back_and_leaves_startup_equal_to_running(
    make_target: TargetFactory,
) -> None:
    target = make_target(knobs=Knobs(reject_lines=(r"^\s*logging host 10\.9\.9\.9",)))
    before = target.state()
    # The NTP line is accepted before the refused one: the rollback must undo it.
    candidate = "ntp server 10.0.0.5\nlogging host 10.9.9.9\n"

    result = target.run(napalm_commit, config=candidate)

    assert result.failed
    assert "logging host 10.9.9.9" in str(result.result)
    after = target.state()
    assert after.running == before.running
    assert after.startup == before.startup
    assert_saved_and_clean(after)
    assert_no_candidate_left(before, after)


# ------------------------------------------------------------------ nothing left behind
@pytest.mark.parametrize("mode", MODES)
def test_diff_leaves_the_device_exactly_as_it_was(make_target: TargetFactory, mode: str) -> None:
    target = make_target()
    before = target.state()

    result = target.run(napalm_diff, **config_for(target, mode))

    assert not result.failed, result.result
    assert "ntp server 10.0.0.5" in result.result["native_diff"]
    after = target.state()
    assert after == before  # files, sessions, timer, running and startup
    assert FILE_PROMPT_QUIET not in after.running + after.startup


@pytest.mark.parametrize("mode", MODES)
def test_commit_dry_run_leaves_the_device_exactly_as_it_was(
    make_target: TargetFactory, mode: str
) -> None:
    target = make_target(dry_run=True)
    before = target.state()

    result = target.run(napalm_commit, **config_for(target, mode))

    assert not result.failed, result.result
    assert result.changed is False and result.result["status"] == "dry run"
    assert "ntp server 10.0.0.5" in result.result["native_diff"]
    after = target.state()
    assert after == before
    assert FILE_PROMPT_QUIET not in after.running + after.startup
