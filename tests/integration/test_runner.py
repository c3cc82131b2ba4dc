"""nornir-pack's runner against the lab: login cap, retries, per-host deadline, each on the
connection loop (scrapli: hosts as greenlets) and on worker threads (netmiko)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from nornir.core.task import MultiResult, Task
from scrapli.exceptions import ScrapliAuthenticationFailed

from nornir_pack import greenlets
from nornir_pack.backends.aio import ScrapliConnection
from nornir_pack.lab import Knobs, Lab
from nornir_pack.runners import PackRunner
from nornir_pack.tasks import backup_config
from tests.conftest import PASSWORD, DeviceFactory
from tests.integration.lab_nornir import build_nornir, host_entry

# scrapli's hosts run as greenlets on its event loop; netmiko's on worker threads
LANES = pytest.mark.parametrize("plugin", ["scrapli", "netmiko"])


@greenlets.on_loop  # only records: safe in a host's greenlet
class WhereTasksRan:
    """Nornir processor: the thread each host's task ran on."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}

    def task_started(self, task: Task) -> None: ...
    def task_completed(self, task: Task, result: Any) -> None: ...
    def task_instance_completed(self, task: Task, host: Any, result: MultiResult) -> None: ...
    def subtask_instance_started(self, task: Task, host: Any) -> None: ...
    def subtask_instance_completed(self, task: Task, host: Any, result: MultiResult) -> None: ...

    def task_instance_started(self, task: Task, host: Any) -> None:
        self.threads[host.name] = threading.current_thread().name


class WhereTasksRanUnmarked(WhereTasksRan):
    """The same processor, not marked: as a processor of the user's own that may block."""

    nornir_pack_on_loop = False


def backup(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    devices: list,
    runner: PackRunner,
    plugin: str = "scrapli",
    *,
    processors: list[Any] | None = None,
    host_plugins: dict[str, str] | None = None,
):
    """Back up ``devices`` over ``plugin`` (a host of ``host_plugins`` over its own)."""
    chosen = host_plugins or {}
    nr = build_nornir(
        tmp_path / "inventory",
        {device.name: host_entry(device, chosen.get(device.name)) for device in devices},
        defaults_data={"nornir_pack": {"plugin": plugin}},
    ).with_runner(runner)
    if processors:
        nr = nr.with_processors(processors)
    return nr.run(task=backup_config, backup_dir=str(tmp_path / "backups"))


def test_hosts_run_as_greenlets_on_the_loop_only_when_every_host_talks_through_it(
    tmp_path: Path, make_device: DeviceFactory
) -> None:
    devices = [make_device(platform) for platform in ("cisco_ios", "arista_eos") * 2]
    names = sorted(device.name for device in devices)
    runs = {
        "scrapli": ("scrapli", None, WhereTasksRan),
        "netmiko": ("netmiko", None, WhereTasksRan),
        "mixed": ("scrapli", {names[0]: "netmiko"}, WhereTasksRan),  # one host on threads
        "own processor": ("scrapli", None, WhereTasksRanUnmarked),  # it might block the loop
    }
    for label, (plugin, host_plugins, processor) in runs.items():
        where = processor()
        result = backup(
            tmp_path / label,
            devices,
            PackRunner(),
            plugin,
            processors=[where],
            host_plugins=host_plugins,
        )
        assert not result.failed, {h: r.result for h, r in result.items() if r.failed}
        assert sorted(where.threads) == names
        threads = set(where.threads.values())
        if label == "scrapli":
            assert threads == {"nornir-pack-scrapli"}, threads  # the connection loop's thread
        else:
            assert "nornir-pack-scrapli" not in threads, threads
            assert all(name.startswith("nornir-pack-") for name in threads), threads


def test_nornirs_close_connections_closes_loop_sessions_on_the_loop(
    tmp_path: Path, make_device: DeviceFactory
) -> None:
    devices = [make_device(platform) for platform in ("cisco_ios", "arista_eos")]
    nr = build_nornir(
        tmp_path / "inventory",
        {device.name: host_entry(device) for device in devices},
        defaults_data={"nornir_pack": {"plugin": "scrapli"}},
    ).with_runner(PackRunner())
    assert not nr.run(task=backup_config, backup_dir=str(tmp_path / "backups")).failed
    where = WhereTasksRan()
    nr.with_processors([where]).close_connections()
    assert set(where.threads.values()) == {"nornir-pack-scrapli"}, where.threads
    assert all(not host.connections for host in nr.inventory.hosts.values())


@LANES
@pytest.mark.parametrize(("cap", "within"), [(5, True), (None, False)])
def test_max_logins_caps_the_logins_the_lab_sees_at_once(  # noqa: PLR0917  (fixtures)
    tmp_path: Path,
    lab: Lab,
    make_device: DeviceFactory,
    plugin: str,
    cap: int | None,
    within: bool,
) -> None:
    devices = [make_device("cisco_ios") for _ in range(20)]
    lab.call(lambda: setattr(lab.logins, "peak", 0))
    result = backup(tmp_path, devices, PackRunner(num_workers=20, max_logins=cap), plugin)
    assert not result.failed, {h: r.result for h, r in result.items() if r.failed}
    peak = lab.call(lambda: lab.logins.peak)
    assert (peak <= 5) is within, peak  # without the cap, 20 workers log in together


@LANES
def test_a_refused_connection_is_retried_until_it_gets_in(
    tmp_path: Path, make_device: DeviceFactory, plugin: str
) -> None:
    device = make_device("cisco_ios", knobs=Knobs(refuse_connections=2))
    result = backup(tmp_path, [device], PackRunner(connect_retries=3, retry_backoff=0.05), plugin)
    assert not result.failed, result[device.name].result
    assert device.connections == 3

    again = make_device("cisco_ios", knobs=Knobs(refuse_connections=2))
    result = backup(tmp_path, [again], PackRunner(connect_retries=1, retry_backoff=0.05), plugin)
    assert result.failed
    assert again.connections == 2


@pytest.mark.parametrize("transport", ["asyncssh", "system", "paramiko"])
def test_a_refused_login_leaves_nothing_open_on_the_device(
    lab: Lab, make_device: DeviceFactory, transport: str
) -> None:
    # scrapli leaves the ssh process (system) or the SSH session (paramiko) of a refused login
    # open, and the device counts it as a login in progress until its own timeout
    device = make_device("cisco_ios", knobs=Knobs(reject_auth=True))
    before = lab.call(lambda: lab.logins.in_progress)
    extras = {"transport": transport, "auth_strict_key": False}
    with pytest.raises(ScrapliAuthenticationFailed):
        ScrapliConnection().open("127.0.0.1", "admin", PASSWORD, device.port, "cisco_iosxe", extras)
    deadline = time.monotonic() + 10  # the device sees the close a moment later
    while lab.call(lambda: lab.logins.in_progress) != before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lab.call(lambda: lab.logins.in_progress) == before


@LANES
def test_wrong_credentials_are_never_retried(
    tmp_path: Path, make_device: DeviceFactory, plugin: str
) -> None:
    device = make_device("cisco_ios", password="not-the-inventory-password")
    result = backup(tmp_path, [device], PackRunner(connect_retries=3, retry_backoff=0.05), plugin)
    assert result.failed
    assert "Auth" in str(result[device.name].result)
    assert device.connections == 1


@LANES
def test_a_hung_device_fails_within_host_timeout_and_the_others_finish(
    tmp_path: Path, make_device: DeviceFactory, plugin: str
) -> None:
    # answers the login (enable, terminal length, terminal width), then nothing
    hung = make_device("cisco_ios", knobs=Knobs(hang_after=3))
    others = [make_device("cisco_ios"), make_device("arista_eos")]
    started = time.monotonic()
    result = backup(tmp_path, [hung, *others], PackRunner(host_timeout=3), plugin)
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 2, elapsed
    assert result[hung.name].failed
    message = str(result[hung.name].result)
    assert message.startswith("host timeout: not finished 3 s after it started"), message
    assert f"reading the running config over {plugin}" in message
    assert not any(result[device.name].failed for device in others)
