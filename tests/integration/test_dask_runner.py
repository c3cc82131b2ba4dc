"""The dask runner against real Dask processes and lab devices, all on 127.0.0.1.

The tests start ``dask scheduler`` and ``dask worker`` (the real command lines, one thread and
no nanny per worker, so that killing a worker's process kills the worker), serve lab devices
from the session's lab, and run ``nornir-pack run ... --runner dask`` as a user would. A
worker is killed mid-batch once the lab has seen a login on a host that worker started (the
workers report each host they start on the scheduler, which the test reads as a client).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.lab import Device, Lab
from nornir_pack.runners.batch import EVENT_TOPIC_PREFIX
from tests.conftest import SECRET, free_port
from tests.integration.lab_nornir import host_entry

distributed = pytest.importorskip("distributed")

DASK = Path(sys.executable).parent / "dask"
PASSWORD = "Dask-Pw-7731kq"  # only in the environment: the inventory says ${NP_DASK_PASSWORD}
ENV = {**os.environ, "NP_DASK_PASSWORD": PASSWORD}
_serial = itertools.count(1)
START_TIMEOUT = 60.0


# ------------------------------------------------------------------ the cluster
@dataclass
class Cluster:
    address: str
    processes: dict[str, subprocess.Popen[bytes]]  # "scheduler" and each worker by name
    client: Any  # a distributed.Client of the test, to watch the scheduler
    logs: Path

    def worker_address(self, name: str) -> str:
        for address, info in self.client.scheduler_info()["workers"].items():
            if info.get("name") == name:
                return str(address)
        raise AssertionError(f"no worker {name}")

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def started_hosts(self) -> dict[str, str]:
        """Host -> worker address, from the "host started" events of every run so far."""
        started = {}
        for topic, events in self.client.get_events().items():
            if str(topic).startswith(EVENT_TOPIC_PREFIX):
                for _, message in events:
                    started[message["host"]] = message["worker"]
        return started


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, env=ENV, cwd=log.parent
        )


def start_cluster(logs: Path, workers: dict[str, str]) -> Cluster:
    """A scheduler and a worker per name, with its ``--resources`` ("" for none)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = {
        "scheduler": _spawn(
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            logs / "scheduler.log",
        )
    }
    for name, resources in workers.items():
        args = ["worker", address, "--name", name, "--nthreads", "1", "--no-nanny"]
        args += ["--host", "127.0.0.1", "--no-dashboard"]
        if resources:
            args += ["--resources", resources]
        processes[name] = _spawn(args, logs / f"worker-{name}.log")
    client = distributed.Client(address, timeout=START_TIMEOUT, set_as_default=False)
    client.wait_for_workers(len(workers), timeout=START_TIMEOUT)
    return Cluster(address, processes, client, logs)


def stop_cluster(cluster: Cluster) -> None:
    """The scheduler stops its workers and itself (SIGTERM makes a worker wait for a
    scheduler that may be gone first)."""
    with contextlib.suppress(Exception):
        cluster.client.shutdown()
    cluster.client.close()
    for process in cluster.processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def cluster_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Cluster]]:
    started: list[Cluster] = []

    def start(workers: dict[str, str]) -> Cluster:
        started.append(start_cluster(tmp_path_factory.mktemp("dask"), workers))
        return started[-1]

    yield start
    for cluster in started:
        stop_cluster(cluster)


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two workers, each the only one offering its site's resource (for placement)."""
    cluster = start_cluster(
        tmp_path_factory.mktemp("dask"), {"alpha": "site-a=1", "beta": "site-b=1"}
    )
    yield cluster
    stop_cluster(cluster)


# ------------------------------------------------------------------ devices and the project
def serve(lab: Lab, count: int, latency: float = 0.0) -> list[Device]:
    devices = []
    for index in range(count):
        platform = "arista_eos" if index % 2 else "cisco_ios"
        name = f"dask{next(_serial)}-{'sw' if index % 2 else 'r'}{index}"
        device = lab.add_device(name, platform, password=PASSWORD, secret=SECRET)
        device.knobs.latency = latency
        devices.append(device)
    return devices


def write_project(
    folder: Path,
    devices: list[Device],
    runner: dict[str, Any],
    data: Callable[[int], dict[str, Any]] = lambda index: {},
) -> Path:
    hosts = {
        device.name: host_entry(device, **{"site": "lab", **data(index)})
        for index, device in enumerate(devices)
    }
    defaults = {
        "username": "admin",
        "password": "${NP_DASK_PASSWORD}",
        "connection_options": {
            "scrapli": {"extras": {"auth_secondary": SECRET, "auth_strict_key": False}},
        },
    }
    inventory = folder / "inventory"
    inventory.mkdir(parents=True, exist_ok=True)
    groups = {"lab": {"data": {"role": "lab"}}}
    for name, content in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (inventory / f"{name}.yaml").write_text(yaml.safe_dump(content))
    config = {
        "inventory": {
            "plugin": "SimpleInventory",
            "options": {
                "host_file": "inventory/hosts.yaml",
                "group_file": "inventory/groups.yaml",
                "defaults_file": "inventory/defaults.yaml",
            },
            "transform_function": "nornir_pack_credentials",
        },
        "runner": {"plugin": "dask", "options": {"timeout": 120, **runner}},
        "logging": {"enabled": False},
        "user_defined": {"nornir_pack": {"backup_dir": "backups", "plugin": "scrapli"}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return folder / "config.yaml"


def command(config: Path, *args: str) -> list[str]:
    report = config.parent / "report.json"
    return [sys.executable, "-m", "nornir_pack.cli", "run", *args, "-c", str(config), "--json",
            str(report)]  # fmt: skip


def run(config: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        command(config, *args), capture_output=True, text=True, timeout=300, env=ENV, check=False
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    return done.returncode, json.loads((config.parent / "report.json").read_text()), output


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {host["name"]: host for host in report["hosts"]}


def assert_backed_up_once(config: Path, devices: list[Device], report: dict[str, Any]) -> None:
    hosts = by_name(report)
    assert sorted(hosts) == sorted(d.name for d in devices)  # each exactly once
    for device in devices:
        assert hosts[device.name]["status"] == "changed", hosts[device.name]
        text = (config.parent / "backups" / f"{device.name}.cfg").read_text()
        assert f"hostname {device.name}" in text


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert SECRET not in text


# ------------------------------------------------------------------ the tests
def test_backup_spreads_40_hosts_over_both_workers(
    tmp_path: Path, lab: Lab, shared_cluster: Cluster
) -> None:
    devices = serve(lab, 40)
    config = write_project(tmp_path, devices, {})
    code, report, output = run(config, "backup", "--runner", "dask", "--scheduler",
                               shared_cluster.address)  # fmt: skip
    assert code == 0, output
    assert_backed_up_once(config, devices, report)
    assert all(device.logins == 1 for device in devices)  # each host ran exactly once
    workers = {host["worker"] for host in report["hosts"]}
    assert workers == {
        shared_cluster.worker_address("alpha"),
        shared_cluster.worker_address("beta"),
    }
    logs = "".join(p.read_text() for p in shared_cluster.logs.iterdir())
    assert_no_secret(output, (config.parent / "report.json").read_text(), logs)


def test_placement_runs_each_site_on_its_workers(
    tmp_path: Path, lab: Lab, shared_cluster: Cluster
) -> None:
    devices = serve(lab, 12)
    config = write_project(
        tmp_path,
        devices,
        {"placement": "site", "batch_size": 2},
        data=lambda index: {"site": "a" if index < 6 else "b"},
    )
    code, report, output = run(config, "backup", "--scheduler", shared_cluster.address)
    assert code == 0, output
    hosts = by_name(report)
    alpha = shared_cluster.worker_address("alpha")
    beta = shared_cluster.worker_address("beta")
    for index, device in enumerate(devices):
        assert hosts[device.name]["worker"] == (alpha if index < 6 else beta), device.name


def test_embedded_local_cluster_backs_up_every_host(tmp_path: Path, lab: Lab) -> None:
    devices = serve(lab, 40)
    config = write_project(tmp_path, devices, {"local_workers": 2})
    code, report, output = run(config, "backup")  # config.yaml: runner dask, no scheduler
    assert code == 0, output
    assert_backed_up_once(config, devices, report)
    assert all(device.logins == 1 for device in devices)
    assert len({host["worker"] for host in report["hosts"]}) == 2
    assert_no_secret(output)


def test_unreachable_scheduler_is_one_line_and_exit_2_before_any_login(
    tmp_path: Path, lab: Lab
) -> None:
    devices = serve(lab, 2)
    config = write_project(tmp_path, devices, {"connect_timeout": 1})
    address = f"tcp://127.0.0.1:{free_port()}"
    done = subprocess.run(
        command(config, "backup", "--scheduler", address),
        capture_output=True, text=True, timeout=60, env=ENV, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"nornir-pack: error: dask scheduler {address} is unreachable")
    assert all(device.logins == 0 for device in devices)


def _kill_mid_batch(cluster: Cluster, devices: list[Device], victim: str) -> list[str]:
    """Once a host the victim worker started has logged in, kill the worker; the victim's
    started hosts."""
    address = cluster.worker_address(victim)
    names = {device.name: device for device in devices}
    deadline = time.monotonic() + START_TIMEOUT
    pause = threading.Event()
    while time.monotonic() < deadline:
        started = cluster.started_hosts()
        mine = [host for host, worker in started.items() if worker == address and host in names]
        if any(names[host].logins for host in mine):
            cluster.kill(victim)
            return mine
        pause.wait(0.05)  # a bounded poll of the scheduler and the lab
    raise AssertionError("the victim worker never logged in to a host")


def test_worker_killed_during_backup_its_hosts_are_retried_elsewhere(
    tmp_path: Path, lab: Lab, cluster_factory: Callable[..., Cluster]
) -> None:
    cluster = cluster_factory({"alpha": "", "beta": ""})
    devices = serve(lab, 8, latency=0.2)
    config = write_project(tmp_path, devices, {"batch_size": 4, "num_workers": 4})
    process = subprocess.Popen(
        command(config, "backup", "--scheduler", cluster.address),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
    )  # fmt: skip
    lost = _kill_mid_batch(cluster, devices, "alpha")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    assert_backed_up_once(config, devices, report)
    hosts = by_name(report)
    beta = cluster.worker_address("beta")
    assert lost and all(hosts[name]["worker"] == beta for name in lost)


def test_worker_killed_during_deploy_commit_is_never_replayed(
    tmp_path: Path, lab: Lab, cluster_factory: Callable[..., Cluster]
) -> None:
    cluster = cluster_factory({"alpha": "", "beta": ""})
    devices = serve(lab, 8, latency=0.2)
    config = write_project(tmp_path, devices, {"batch_size": 4, "num_workers": 4})
    process = subprocess.Popen(
        command(config, "deploy", "--commit", "--scheduler", cluster.address),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
    )  # fmt: skip
    lost = _kill_mid_batch(cluster, devices, "alpha")
    logins_at_kill = {device.name: device.logins for device in devices}
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    hosts = by_name(json.loads((tmp_path / "report.json").read_text()))
    assert sorted(hosts) == sorted(d.name for d in devices)
    lost_batch = [name for name, host in hosts.items() if host["status"] == "failed"]
    assert set(lost) <= set(lost_batch)
    for name in lost_batch:
        assert "worker lost; device state unknown, check it" in hosts[name]["message"]
    for device in devices:
        if device.name in lost_batch:  # no login after the kill: never replayed
            assert device.logins == logins_at_kill[device.name], device.name
        else:
            assert hosts[device.name]["status"] == "changed", hosts[device.name]
