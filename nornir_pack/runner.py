"""Watching a run: per-host timing and live progress, as a Nornir processor.

A runbook may call ``nr.run`` several times (render, then deploy); the processor adds up each
host's time across those calls. On a terminal it draws one live panel: hosts done of the total,
the count of each outcome, the rate and an ETA, the slowest hosts in flight and the last failed
ones. Every event costs O(1); the panel is drawn by rich's own refresh (a few times a second)
from counters, never as a table of every host, so a thousand hosts cost what ten do. Elsewhere
(CI logs) it prints one plain line per host as it finishes, which reads well in a log file.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import IO, TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from .report import BAD_STATUSES, host_status

if TYPE_CHECKING:
    from nornir.core.inventory import Host
    from nornir.core.task import AggregatedResult, MultiResult, Task

SHOWN = 3  # slowest in-flight hosts and last failed hosts shown in the live panel


class RunWatcher:
    """Nornir processor: times hosts and reports progress."""

    def __init__(self, stream: IO[str] | None = None, live: bool | None = None) -> None:
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.live = self.console.is_terminal if live is None else live
        self.durations: dict[str, float] = {}
        # each host's last finished top-level task: what a report shows of a run that stopped
        self.finished: dict[str, MultiResult] = {}
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}  # hosts in flight -> when they started
        self._outcomes: Counter[str] = Counter()
        self._failed: deque[str] = deque(maxlen=SHOWN)
        self._task_name = ""
        self._total = 0
        self._done = 0
        self._task_began = time.monotonic()
        self._display: Live | None = None

    # -- Nornir processor protocol
    def task_started(self, task: Task) -> None:
        with self._lock:
            self._task_name = task.name
            self._total = len(task.nornir.inventory.hosts)
            self._done = 0
            self._outcomes.clear()
            self._task_began = time.monotonic()
        if self.live and self._display is None:
            self._display = Live(_Panel(self), console=self.console, refresh_per_second=4)
            self._display.start()

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        return None

    def task_instance_started(self, task: Task, host: Host) -> None:
        with self._lock:
            self._started[host.name] = time.monotonic()

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        outcome = host_status(result)
        with self._lock:
            started = self._started.pop(host.name, time.monotonic())
            elapsed = time.monotonic() - started
            self.durations[host.name] = self.durations.get(host.name, 0.0) + elapsed
            self.finished[host.name] = result
            self._done += 1
            self._outcomes[outcome] += 1
            if outcome in BAD_STATUSES:
                self._failed.append(host.name)
        if not self.live:
            # plain text straight to the stream (one line at a time, whatever thread ends a
            # host): rich's Console.out cost more than the rest of the host's bookkeeping
            line = f"{host.name}: {task.name} {outcome} ({elapsed:.1f} s)\n"
            with self._lock:
                self.console.file.write(line)
                self.console.file.flush()

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        return None

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        return None

    # -- display
    def close(self) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None

    def view(self) -> RenderableType:
        """The live panel, from counters (drawn a few times a second, not per event)."""
        with self._lock:
            now = time.monotonic()
            done, total, name = self._done, self._total, self._task_name
            outcomes = ", ".join(f"{n} {s}" for s, n in sorted(self._outcomes.items()))
            elapsed = now - self._task_began
            slowest = sorted(self._started.items(), key=lambda item: item[1])[:SHOWN]
            failed = list(self._failed)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = f", about {(total - done) / rate:.0f} s left" if rate and done < total else ""
        lines = [
            Text(f"{name}: {done}/{total} hosts ({outcomes or 'none done yet'})"),
            Text(f"{rate:.1f} hosts/s, {elapsed:.0f} s{eta}", style="dim"),
        ]
        if slowest:
            hosts = ", ".join(f"{host} {now - began:.0f} s" for host, began in slowest)
            lines.append(Text(f"slowest in flight: {hosts}", style="dim"))
        if failed:
            lines.append(Text(f"last failed: {', '.join(failed)}", style="red"))
        return Group(*lines)


class _Panel:
    """Renders the watcher's current view whenever rich refreshes the live display."""

    def __init__(self, watcher: RunWatcher) -> None:
        self.watcher = watcher

    def __rich__(self) -> RenderableType:
        return self.watcher.view()
