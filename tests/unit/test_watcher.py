"""The live progress view: counts, rate, slowest in flight and last failed, from counters."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from nornir.core.inventory import Host
from nornir.core.task import MultiResult, Result

from nornir_pack.exceptions import DeviceError
from nornir_pack.runner import RunWatcher
from nornir_pack.tasks.boundary import failed


def task(hosts: int) -> Any:
    """What the processor reads of a Nornir Task: its name and the number of hosts."""
    return SimpleNamespace(
        name="backup",
        nornir=SimpleNamespace(
            inventory=SimpleNamespace(hosts={f"h{i}": None for i in range(hosts)})
        ),
    )


def outcome(result: Result) -> MultiResult:
    result.name = "backup"
    multi = MultiResult("backup")
    multi.append(result)
    return multi


def test_the_view_counts_outcomes_and_names_slow_and_failed_hosts() -> None:
    watcher = RunWatcher(io.StringIO(), live=False)
    watcher.task_started(task(1000))
    hosts = [Host(f"h{i}") for i in range(5)]
    for host in hosts:
        watcher.task_instance_started(task(1000), host)
    watcher.task_instance_completed(task(1000), hosts[0], outcome(Result(hosts[0], changed=True)))
    bad = failed(hosts[1], DeviceError("the device refused 'x'"))
    watcher.task_instance_completed(task(1000), hosts[1], outcome(bad))
    text = "\n".join(str(line) for line in watcher.view().renderables)  # type: ignore[attr-defined]
    assert "backup: 2/1000 hosts (1 changed, 1 failed)" in text
    assert "hosts/s" in text and "s left" in text
    assert "slowest in flight: h2" in text
    assert "last failed: h1" in text
    assert set(watcher.finished) == {"h0", "h1"}


def test_plain_mode_prints_one_line_per_host() -> None:
    stream = io.StringIO()
    watcher = RunWatcher(stream, live=False)
    watcher.task_started(task(1))
    host = Host("r1")
    watcher.task_instance_started(task(1), host)
    watcher.task_instance_completed(task(1), host, outcome(Result(host)))
    assert stream.getvalue().startswith("r1: backup ok (")
