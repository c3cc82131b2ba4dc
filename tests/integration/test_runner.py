"""nornir-pack's runner against the lab: login cap, retries, per-host deadline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nornir_pack.lab import Knobs, Lab
from nornir_pack.runners import PackRunner
from nornir_pack.tasks import backup_config
from tests.conftest import DeviceFactory
from tests.integration.lab_nornir import build_nornir, host_entry


def backup(tmp_path: Path, devices: list, runner: PackRunner, **defaults_data: object):  # type: ignore[no-untyped-def]
    nr = build_nornir(
        tmp_path / "inventory",
        {device.name: host_entry(device) for device in devices},
        defaults_data=dict(defaults_data) or None,
    ).with_runner(runner)
    return nr.run(task=backup_config, backup_dir=str(tmp_path / "backups"))


@pytest.mark.parametrize(("cap", "within"), [(5, True), (None, False)])
def test_max_logins_caps_the_logins_the_lab_sees_at_once(
    tmp_path: Path, lab: Lab, make_device: DeviceFactory, cap: int | None, within: bool
) -> None:
    devices = [make_device("cisco_ios") for _ in range(20)]
    lab.call(lambda: setattr(lab.logins, "peak", 0))
    result = backup(tmp_path, devices, PackRunner(num_workers=20, max_logins=cap))
    assert not result.failed, {h: r.result for h, r in result.items() if r.failed}
    peak = lab.call(lambda: lab.logins.peak)
    assert (peak <= 5) is within, peak  # without the cap, 20 workers log in together


def test_a_refused_connection_is_retried_until_it_gets_in(
    tmp_path: Path, make_device: DeviceFactory
) -> None:
    device = make_device("cisco_ios", knobs=Knobs(refuse_connections=2))
    result = backup(tmp_path, [device], PackRunner(connect_retries=3, retry_backoff=0.05))
    assert not result.failed, result[device.name].result
    assert device.connections == 3

    again = make_device("cisco_ios", knobs=Knobs(refuse_connections=2))
    result = backup(tmp_path, [again], PackRunner(connect_retries=1, retry_backoff=0.05))
    assert result.failed
    assert again.connections == 2


def test_wrong_credentials_are_never_retried(tmp_path: Path, make_device: DeviceFactory) -> None:
    device = make_device("cisco_ios", password="not-the-inventory-password")
    result = backup(tmp_path, [device], PackRunner(connect_retries=3, retry_backoff=0.05))
    assert result.failed
    assert "Auth" in str(result[device.name].result)
    assert device.connections == 1


def test_a_hung_device_fails_within_host_timeout_and_the_others_finish(
    tmp_path: Path, make_device: DeviceFactory
) -> None:
    # answers the login (enable, terminal length, terminal width), then nothing
    hung = make_device("cisco_ios", knobs=Knobs(hang_after=3))
    others = [make_device("cisco_ios"), make_device("arista_eos")]
    started = time.monotonic()
    result = backup(tmp_path, [hung, *others], PackRunner(host_timeout=3))
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 2, elapsed
    assert result[hung.name].failed
    message = str(result[hung.name].result)
    assert message.startswith("host timeout: not finished 3 s after it started"), message
    assert "reading the running config over scrapli" in message
    assert not any(result[device.name].failed for device in others)
