"""Commit-confirm on every plugin x platform: the device's own timer reverts what nobody
confirms, with no further login by the tool; a confirmed change survives the timer and is saved.

A device minute lasts ``MINUTE`` real seconds (lab knob ``minute_seconds``), so a "1 minute"
revert timer fires in well under a second; waits poll the device with a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nornir.core import Nornir

from nornir_pack.backends import ConfigBackend, DeviceError, for_host
from nornir_pack.lab import Device, Knobs, Lab
from tests.conftest import DeviceFactory, configure, own_file_prompt_quiet
from tests.integration.lab_nornir import build_nornir, host_entry

PLUGINS = ["netmiko", "scrapli", "napalm"]
PLATFORMS = ["cisco_ios", "arista_eos"]
FAST_MINUTE = 2.0  # fires soon after the change: long enough only to verify it
SLOW_MINUTE = 2.0  # long enough to confirm in; the test then waits it out
CHANGE = "ntp server 10.0.0.5\n"
CUT_LINE = "logging host 10.66.66.66"  # with the knob below, this line locks logins out


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@dataclass
class Box:
    lab: Lab
    device: Device
    nr: Nornir
    plugin: str

    def backend(self) -> ConfigBackend:
        """A backend over the host, as a task gets it (a new object each time)."""
        host = self.nr.inventory.hosts[self.device.name]
        task = type("T", (), {"host": host, "nornir": self.nr})()
        return for_host(task, self.plugin)  # type: ignore[arg-type]

    def running(self) -> str:
        return self.lab.call(self.device.running_text)

    def reverted_to(self, before: str) -> bool:
        return self.running() == before

    def startup(self) -> str:
        return self.lab.call(lambda: self.device.startup)

    def logins(self) -> int:
        return self.lab.call(lambda: self.device.logins + self.device.connections)

    def timer_running(self) -> bool:
        def check() -> bool:
            sessions = self.device.sessions.values()
            return self.device.rollback_timer is not None or any(
                s.state == "pendingCommitTimer" for s in sessions
            )

        return self.lab.call(check)

    def close(self) -> None:
        self.nr.close_connections(on_good=True, on_failed=True)


@pytest.fixture(params=PLUGINS)
def plugin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def boot(
    lab: Lab, make_device: DeviceFactory, tmp_path: Path, plugin: str, platform: str
) -> Iterator[Callable[..., Box]]:
    boxes: list[Box] = []

    def factory(minute: float, **knobs: object) -> Box:
        # the IOS seed has the archive a revert timer needs
        device = make_device(platform, knobs=Knobs(minute_seconds=minute, **knobs))  # type: ignore[arg-type]
        if plugin == "napalm":
            own_file_prompt_quiet(lab, device)
        nr = build_nornir(tmp_path / device.name, {device.name: host_entry(device, plugin)})
        box = Box(lab, device, nr, plugin)
        boxes.append(box)
        return box

    yield factory
    for box in boxes:
        box.close()


def test_unconfirmed_change_is_reverted_by_the_device_alone(boot: Callable[..., Box]) -> None:
    box = boot(FAST_MINUTE)
    before, startup = box.running(), box.startup()
    backend = box.backend()

    backend.apply_pending(CHANGE, revert_after=60)

    assert "ntp server 10.0.0.5" in box.running()
    backend.close()
    logins = box.logins()
    assert wait_until(lambda: box.reverted_to(before)), "the device did not revert"
    assert box.logins() == logins  # reverted with no further login by the tool
    assert not box.timer_running()
    assert box.startup() == startup  # nothing was saved


def test_confirmed_change_survives_the_timer_and_is_saved(boot: Callable[..., Box]) -> None:
    box = boot(SLOW_MINUTE)
    backend = box.backend()

    backend.apply_pending(CHANGE, revert_after=60)
    assert backend.pending()
    if box.plugin != "napalm":  # the CLI plugins confirm over a new connection and object
        backend.close()
        backend = box.backend()
    backend.confirm()

    after = box.running()
    assert "ntp server 10.0.0.5" in after
    assert not box.timer_running()
    time.sleep(SLOW_MINUTE * 1.5)  # past the timer: nothing reverts
    assert box.running() == after
    assert box.startup() == after
    if box.plugin != "napalm":
        assert not box.backend().pending()


def test_refused_line_leaves_nothing_pending(boot: Callable[..., Box]) -> None:
    box = boot(SLOW_MINUTE, reject_lines=(r"^logging host 10\.9\.9\.9",))
    before = box.running()
    backend = box.backend()

    with pytest.raises(DeviceError, match=r"10\.9\.9\.9"):
        backend.apply_pending(CHANGE + "logging host 10.9.9.9\n", revert_after=60)

    assert box.running() == before
    assert not box.timer_running()


def test_a_change_that_cuts_logins_is_reverted_by_the_device(boot: Callable[..., Box]) -> None:
    box = boot(FAST_MINUTE * 2, cut_logins_on=(rf"^{CUT_LINE}$",))
    before = box.running()
    backend = box.backend()

    try:
        backend.apply_pending(f"{CUT_LINE}\n", revert_after=60)  # verified over its session
    except DeviceError as exc:
        # NAPALM eos speaks eAPI: each request is a new HTTP connection, so even the check
        # after the commit is locked out, and only the device's own timer can undo it
        assert (box.plugin, box.device.platform.name) == ("napalm", "arista_eos"), exc
        assert "reverts by its own timer" in str(exc)
    backend.close()

    with pytest.raises(DeviceError):
        box.backend().running_config()  # new logins fail: the line locks us out
    assert wait_until(lambda: box.reverted_to(before)), "the device did not revert"
    fresh = box.backend()
    assert CUT_LINE not in fresh.running_config()  # logins work again
    fresh.close()


@pytest.mark.parametrize("plugin", ["netmiko", "scrapli"])
def test_ios_without_archive_says_what_the_timer_needs(
    lab: Lab, make_device: DeviceFactory, tmp_path: Path, plugin: str
) -> None:
    device = make_device("cisco_ios")
    configure(lab, device, "no archive")
    nr = build_nornir(tmp_path / device.name, {device.name: host_entry(device, plugin)})
    box = Box(lab, device, nr, plugin)
    before = box.running()
    try:
        with pytest.raises(DeviceError, match=r"archive.*path flash:archive"):
            box.backend().apply_pending(CHANGE, revert_after=60)
        assert box.running() == before
    finally:
        box.close()


def test_napalm_ios_without_file_prompt_quiet_says_what_it_needs(
    lab: Lab, make_device: DeviceFactory, tmp_path: Path
) -> None:
    device = make_device("cisco_ios")
    nr = build_nornir(tmp_path / device.name, {device.name: host_entry(device, "napalm")})
    box = Box(lab, device, nr, "napalm")
    before, startup = box.running(), box.startup()
    try:
        with pytest.raises(DeviceError, match=r"needs 'file prompt quiet' in the device's config"):
            box.backend().apply_pending(CHANGE, revert_after=60)
        assert box.running() == before  # refused before NAPALM touched anything
        assert box.startup() == startup
        assert not box.timer_running()
    finally:
        box.close()
