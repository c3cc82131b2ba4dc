"""Watching a run: per-host timing and live progress, as a Nornir processor.

A runbook may call ``nr.run`` several times (render, then deploy); the processor adds up each
host's time across those calls and shows one line per host. On a terminal it draws a rich
progress bar with each host's status; elsewhere (CI logs) it prints one plain line per host as
it finishes, which reads well in a log file.
"""

from __future__ import annotations

import threading
import time
from typing import IO, TYPE_CHECKING

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .report import host_status

if TYPE_CHECKING:
    from nornir.core.inventory import Host
    from nornir.core.task import AggregatedResult, MultiResult, Task


class RunWatcher:
    """Nornir processor: times hosts and reports progress."""

    def __init__(self, stream: IO[str] | None = None, live: bool | None = None) -> None:
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.live = self.console.is_terminal if live is None else live
        self.durations: dict[str, float] = {}
        self.status: dict[str, str] = {}
        # each host's last finished top-level task: what a report shows of a run that stopped
        self.finished: dict[str, MultiResult] = {}
        self._started: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._task_name = ""
        self._display: Live | None = None
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._bar_task = self._bar.add_task("hosts", total=0)

    # -- Nornir processor protocol
    def task_started(self, task: Task) -> None:
        with self._lock:
            self._task_name = task.name
            for name in task.nornir.inventory.hosts:
                self.status[name] = "waiting"
            self._bar.reset(
                self._bar_task, total=len(task.nornir.inventory.hosts), description=task.name
            )
        if self.live and self._display is None:
            self._display = Live(self._view(), console=self.console, refresh_per_second=8)
            self._display.start()

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        self._refresh()

    def task_instance_started(self, task: Task, host: Host) -> None:
        with self._lock:
            self._started[(task.name, host.name)] = time.monotonic()
            self.status[host.name] = f"{task.name}…"
        self._refresh()

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        with self._lock:
            started = self._started.pop((task.name, host.name), time.monotonic())
            elapsed = time.monotonic() - started
            self.durations[host.name] = self.durations.get(host.name, 0.0) + elapsed
            self.finished[host.name] = result
            outcome = host_status(result)
            self.status[host.name] = f"{task.name}: {outcome}"
            self._bar.advance(self._bar_task)
        if not self.live:
            self.console.print(f"{host.name}: {task.name} {outcome} ({elapsed:.1f} s)")
        self._refresh()

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        with self._lock:
            self.status[host.name] = f"{task.name}…"
        self._refresh()

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        return None

    # -- display
    def close(self) -> None:
        if self._display is not None:
            self._display.update(self._view())
            self._display.stop()
            self._display = None

    def _refresh(self) -> None:
        if self._display is not None:
            self._display.update(self._view())

    def _view(self) -> Group:
        return Group(self._bar.get_renderable(), self._table())

    def _table(self) -> Table:
        with self._lock:
            table = Table()
            table.add_column("host")
            table.add_column("status")
            for name, status in sorted(self.status.items()):
                table.add_row(name, status)
        return table
