"""nornir-pack's Nornir runner: throttled logins, retries, a deadline per host, safe Ctrl-C.

Nornir's ThreadedRunner starts every host at once and waits for each forever. At hundreds of
devices that means bursts of logins that AAA servers and sshd's ``MaxStartups`` drop, and one
hung device holding the whole run. This runner (plugin name ``nornir_pack``, the default of a
config that names no runner) keeps Nornir's contract, ``run(task, hosts) -> AggregatedResult``,
and adds:

- ``max_logins``: logins in progress at once; ``connect_retries`` with exponential backoff and
  jitter (a refused password is never retried) — see ``nornir_pack.logins``;
- ``host_timeout``: a host that has not finished this many seconds after it started fails,
  saying which step it was in, its connections are closed, and the run moves on;
- ``task_timeout``: the whole ``nr.run`` ends by then, every unfinished host failed;
- a rollout (``canary``, ``wave_size``, ``max_fail``, ``pause``, ``on_wave_fail``, ``wave_by``,
  ``confirm_timeout``, ``post_checks``): a change task goes out wave by wave and a failed wave
  is rolled back — see ``nornir_pack.rollout``;
- Ctrl-C or SIGTERM: hosts not started yet are not started (reported ``interrupted``, nothing
  done on them); hosts in flight finish what they were doing (a change is committed, verified
  and saved, or rolled back), then the interrupt goes on to the command, which writes the
  reports; a second Ctrl-C aborts at once, naming the hosts that may be mid-change.

Workers are daemon threads, so a device that never answers cannot keep the process alive. When
the task is marked for it and every host talks through the scrapli event loop, the workers are
coroutines on that loop instead, each running its hosts' tasks as greenlets
(``nornir_pack.greenlets``): no thread per host hands the GIL to the loop for every command.
"""

from __future__ import annotations

import gc
import logging
import queue
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from nornir.core.processor import Processors
from nornir.core.task import AggregatedResult, MultiResult, Result, Task

from .. import greenlets
from ..exceptions import (
    DeviceUnreachable,
    Interrupted,
    NornirPackError,
    NotStarted,
    RolledBack,
    UsageError,
)
from ..logins import LoginPolicy, forget, login_policy, step_of
from ..postchecks import resolve as resolve_checks
from ..rollout import (
    ROLLOUT_STEP,
    OnWaveFail,
    RolloutOptions,
    Wave,
    commits,
    plan_waves,
    rollout,
    runs_without_waves,
    wave_failed,
)

if TYPE_CHECKING:
    from nornir.core.inventory import Host

log = logging.getLogger("nornir_pack")

# File descriptors a host may hold during a run: its connection (a socket, and a pipe or two
# for OpenSSH-based transports) plus, with ``--lab``, the device's listeners and server side.
FILES_PER_HOST = 6
FILES_SPARE = 256
_WAKE = ("", None)  # put on the done queue to wake the collecting thread


@dataclass(frozen=True)
class RunnerOptions:
    """The runner's options, as config.yaml's ``runner.options`` or the command line set them."""

    num_workers: int = 100
    max_logins: int | None = 20
    connect_retries: int = 2
    retry_backoff: float = 0.5
    host_timeout: float | None = 30.0
    task_timeout: float | None = None

    def __post_init__(self) -> None:
        checks = (
            ("num_workers", self.num_workers, 1),
            ("max_logins", self.max_logins, 1),
            ("connect_retries", self.connect_retries, 0),
            ("retry_backoff", self.retry_backoff, 0),
            ("host_timeout", self.host_timeout, 0),
            ("task_timeout", self.task_timeout, 0),
        )
        for name, value, least in checks:
            if value is None and name in ("max_logins", "host_timeout", "task_timeout"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
                raise UsageError(
                    f"runner option {name} is {value!r}: use a number of at least {least}"
                    + (" (or null for none)" if name != "num_workers" else "")
                )


class PackRunner:
    """The ``nornir_pack`` runner plugin (see the module docstring)."""

    def __init__(
        self,
        *,
        num_workers: int = 100,
        max_logins: int | None = 20,
        connect_retries: int = 2,
        retry_backoff: float = 0.5,
        host_timeout: float | None = 30.0,
        task_timeout: float | None = None,
        canary: int = 0,
        wave_size: int | str | None = None,
        max_fail: float | str = 0.0,
        pause: float = 0.0,
        on_wave_fail: OnWaveFail = "rollback-wave",
        wave_by: str | None = None,
        confirm_timeout: float | None = None,
        post_checks: Sequence[Any] = (),
        stop: threading.Event | None = None,
    ) -> None:
        self.options = RunnerOptions(
            num_workers, max_logins, connect_retries, retry_backoff, host_timeout, task_timeout
        )
        self.rollout = RolloutOptions(
            canary,
            wave_size,
            max_fail,
            pause,
            on_wave_fail,
            wave_by,
            confirm_timeout,
            resolve_checks(post_checks),
        )
        # every wave of every rolled-out task of this runner's runs, for the reports
        self.waves: list[Wave] = []
        # Set from outside (the Dask runner's batch, when its client was interrupted): start
        # no more hosts, as a first Ctrl-C does. Not a config option.
        self.stop = stop

    def run(self, task: Task, hosts: list[Host]) -> AggregatedResult:
        options = self.options
        ensure_open_files(len(hosts) * FILES_PER_HOST + FILES_SPARE)
        policy = LoginPolicy(options.max_logins, options.connect_retries, options.retry_backoff)
        with login_policy(policy), rollout(self.rollout), fewer_collections():
            if not self.rollout.waves or runs_without_waves(task):
                return _Run(task, hosts, options, self.stop).wait()
            return _Rollout(self, task, hosts).run()


class _Run:
    """One ``nr.run``: worker threads take hosts from a queue; the caller's thread collects
    results, enforces the deadlines and takes the Ctrl-C."""

    def __init__(
        self,
        task: Task,
        hosts: list[Host],
        options: RunnerOptions,
        stop: threading.Event | None = None,
    ) -> None:
        self.task = task
        self.options = options
        self.remaining = {host.name: host for host in hosts}
        self.started: dict[str, float] = {}
        # (start time, host) in the order hosts started: the oldest still running is at the
        # front once finished ones are dropped, so the next deadline costs O(1), not O(hosts)
        self.start_order: deque[tuple[float, str]] = deque()
        self.todo: queue.SimpleQueue[Host] = queue.SimpleQueue()
        self.done: queue.SimpleQueue[tuple[str, MultiResult | None]] = queue.SimpleQueue()
        self.stop = stop if stop is not None else threading.Event()
        self.interrupts = 0
        self.result = AggregatedResult(task.name)
        for host in hosts:
            self.todo.put(host)
        workers = min(options.num_workers, len(hosts))
        if workers and runs_on_loop(task, hosts):
            from ..backends.aio import LOOP  # noqa: PLC0415  (scrapli: only for its hosts)

            for _ in range(workers):
                LOOP.start(self._work_on_loop())
        else:
            for number in range(workers):
                name = f"nornir-pack-{number}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        self.ends = (
            time.monotonic() + options.task_timeout if options.task_timeout is not None else None
        )

    def _next(self) -> Host | None:
        """The next host to start; None when there is none left (or the run is stopping,
        whose hosts are then reported as never started)."""
        while True:
            try:
                host = self.todo.get_nowait()
            except queue.Empty:
                return None
            if not self.stop.is_set():
                return host
            self.done.put((host.name, None))  # never started

    def _run_host(self, host: Host) -> None:
        started = self.started[host.name] = time.monotonic()
        self.start_order.append((started, host.name))
        try:
            outcome: MultiResult | None = self.task.copy().start(host)
        except BaseException as exc:  # Task.start catches Exception; this is the rest
            error = DeviceUnreachable(f"the host's task stopped: {exc!r}")
            outcome = failed_result(self.task, host, error)
        finally:
            forget(host.name)
        self.done.put((host.name, outcome))

    def _work(self) -> None:
        """A worker thread: one host after another."""
        while (host := self._next()) is not None:
            self._run_host(host)

    async def _work_on_loop(self) -> None:
        """A worker on the connection loop: one host after another, each host's task in a
        greenlet of its own (``nornir_pack.greenlets``)."""
        while (host := self._next()) is not None:
            await greenlets.run(self._run_host, host)

    def wait(self) -> AggregatedResult:
        with self._ctrl_c():
            while self.remaining:
                try:
                    name, outcome = self.done.get(timeout=self._wait_for())
                except queue.Empty:
                    self._expire()
                    continue
                self._collect(name, outcome)
        if self.interrupts:
            raise KeyboardInterrupt
        return self.result

    @contextmanager
    def _ctrl_c(self) -> Iterator[None]:
        """The first Ctrl-C (or SIGTERM) stops starting hosts and lets those in flight finish;
        a second Ctrl-C aborts at once, naming the hosts that may be mid-change. A handler,
        not KeyboardInterrupt: an exception raised inside the queue's wait could lose a
        finished host's result."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupt(signum: int, frame: FrameType | None) -> None:
            self.interrupts += 1
            self.stop.set()
            in_flight = sorted(name for name in self.remaining if name in self.started)
            announce_interrupt(self.interrupts, signum, in_flight, "starting no more hosts")
            self.done.put(_WAKE)  # SimpleQueue.put is safe in a signal handler

        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _collect(self, name: str, outcome: MultiResult | None) -> None:
        host = self.remaining.pop(name, None)
        if host is None:
            return  # a wake-up, or a host already failed by its deadline
        if outcome is None:
            error = Interrupted("interrupted before it started: nothing was done on it")
            outcome = failed_result(self.task, host, error)
        self.result[name] = outcome

    def _wait_for(self) -> float:
        """Seconds until the next deadline (a running host's, or the task's)."""
        now = time.monotonic()
        limit = self.options.host_timeout
        deadlines = [] if self.ends is None else [self.ends]
        if limit is not None:
            deadlines.append(now + limit)  # a host that starts now cannot expire sooner
            while self.start_order and self.start_order[0][1] not in self.remaining:
                self.start_order.popleft()
            if self.start_order:
                deadlines.append(self.start_order[0][0] + limit)
        return max(0.0, min(deadlines) - now) if deadlines else 3600.0

    def _expire(self) -> None:
        now = time.monotonic()
        limit = self.options.host_timeout
        for name, host in list(self.remaining.items()):
            started = self.started.get(name)
            if self.ends is not None and now >= self.ends:
                reason = (
                    f"task timeout: the task did not end within {self.options.task_timeout:g} s"
                )
                where = f" (the host was {step_of(name)})" if started is not None else ""
                error = DeviceUnreachable(reason + where)
            elif started is not None and limit is not None and now >= started + limit:
                error = DeviceUnreachable(
                    f"host timeout: not finished {limit:g} s after it started, while "
                    f"{step_of(name)}; its connections were closed (raise host_timeout if the "
                    "device is only slow)"
                )
            else:
                continue
            del self.remaining[name]
            if started is None:
                self.stop.set()  # the task is over: start no more hosts
            self.result[name] = failed_result(self.task, host, error)
            _abandon(host)


def runs_on_loop(task: Task, hosts: Sequence[Host]) -> bool:
    """Whether this run's hosts run as greenlets on the connection loop rather than on
    worker threads: the task is marked for it (``greenlets.on_loop``), so is every processor
    that is not nornir-pack's own (a processor of yours runs in the host's greenlet too, and
    one that posts to a chat or a database would stall every host), and every host talks to
    its device through that loop. A run with any other host keeps its threads."""
    marked = greenlets.may_run_on_loop(task.task, task.params, task.global_dry_run)
    if not marked and not _closes_connections(task):
        return False
    if not all(_loop_safe(processor) for processor in task.processors):
        return False
    from ..backends import on_connection_loop  # noqa: PLC0415  (the runner sits below them)

    plugin = task.params.get("plugin")
    return all(on_connection_loop(host, task.nornir.config, plugin) for host in hosts)


def _closes_connections(task: Task) -> bool:
    """Whether ``task`` is Nornir's own ``close_connections`` task (the end of every run):
    it only closes sessions, and a session on the loop closes without a thread."""
    return task.task.__qualname__ == "Nornir.close_connections.<locals>.close_connections_task"


def _loop_safe(processor: object) -> bool:
    return type(processor).__module__.startswith("nornir_pack.") or bool(
        getattr(processor, greenlets.ON_LOOP, False)
    )


def announce_interrupt(count: int, signum: int, in_flight: list[str], stopping: str) -> None:
    """Say what an interrupt does: the first stops starting hosts (``stopping`` says how),
    a second Ctrl-C aborts at once, naming the hosts that may be mid-change.

    Raises:
        KeyboardInterrupt: on the second Ctrl-C.
    """
    if count > 1 and signum == signal.SIGINT:
        print(
            "aborted: these hosts may be mid-change, check them: "
            + (", ".join(in_flight) or "none"),
            file=sys.stderr,
            flush=True,
        )
        raise KeyboardInterrupt
    print(
        f"interrupted: {stopping}; {len(in_flight)} in flight finish what they are doing "
        "(Ctrl-C again to abort at once)",
        file=sys.stderr,
        flush=True,
    )


def failed_result(task: Task, host: Host, error: Exception) -> MultiResult:
    """A host's failed result, shown to the processors as if its task had ended."""
    task = task.copy()
    task.host = host
    failed = Result(host=host, failed=True, result=str(error), exception=error, name=task.name)
    multi = MultiResult(task.name)
    multi.append(failed)
    task.processors.task_instance_completed(task, host, multi)
    return multi


class _Rollout:
    """One ``nr.run`` of a change task, wave by wave (see ``nornir_pack.rollout``)."""

    def __init__(self, runner: PackRunner, task: Task, hosts: list[Host]) -> None:
        self.runner = runner
        self.task = task
        self.options = runner.rollout
        order = {name: index for index, name in enumerate(task.nornir.inventory.hosts)}
        self.hosts = {host.name: host for host in sorted(hosts, key=lambda h: order[h.name])}
        self.waves = plan_waves(list(self.hosts.values()), self.options)
        runner.waves.extend(self.waves)
        self.result = AggregatedResult(task.name)

    def run(self) -> AggregatedResult:
        failed_wave: Wave | None = None
        for index, wave in enumerate(self.waves):
            if failed_wave is not None:
                self._hold(wave, NotStarted(_held_reason(failed_wave)))
                continue
            try:
                if index and self.options.pause:
                    threading.Event().wait(self.options.pause)  # Ctrl-C ends the wait
                hosts = self._hosts(wave.hosts)
                outcome = _Run(self.task, hosts, self.runner.options, self.runner.stop).wait()
            except KeyboardInterrupt:
                wave.status = "interrupted"
                for later in self.waves[index + 1 :]:
                    self._hold(later, Interrupted("interrupted before its wave started"))
                raise
            self.result.update(outcome)
            wave.failed = [name for name in wave.hosts if outcome[name].failed]
            if not wave_failed(wave, self.options):
                wave.status = "passed"
                continue
            wave.status, failed_wave = "failed", wave
            budget = (
                "" if wave.label == "canary" else f" (max-fail {self.options.failure_budget:g}%)"
            )
            wave.reason = f"{len(wave.failed)} of {len(wave.hosts)} hosts failed{budget}"
            self._roll_back(wave)
        return self.result

    def _hosts(self, names: list[str]) -> list[Host]:
        return [self.hosts[name] for name in names]

    def _hold(self, wave: Wave, error: NornirPackError) -> None:
        """Report a wave's hosts as not started, saying why."""
        wave.status = "not started"
        wave.reason = str(error)
        for host in self._hosts(wave.hosts):
            self.result[host.name] = failed_result(self.task, host, error)

    def _roll_back(self, failed_wave: Wave) -> None:
        """Undo the commits of the failed wave (or of every wave so far), each verified."""
        if self.options.on_wave_fail == "stop":
            return
        waves = [failed_wave]
        if self.options.on_wave_fail == "rollback-all":
            waves = [w for w in self.waves if w.status in ("passed", "failed")]
        by_wave = {name: wave for wave in waves for name in wave.hosts}
        committed = commits(by_wave)
        if not committed:
            return
        from ..tasks.deploy import undo_commit  # noqa: PLC0415 (the runner sits below the tasks)

        undo = Task(
            undo_commit,
            nornir=self.task.nornir,
            global_dry_run=False,
            processors=Processors(),
            name="rollback",
            reason=f"wave {failed_wave.number} failed: {failed_wave.reason}",
        )
        outcome = _Run(undo, self._hosts(list(committed)), self.runner.options, None).wait()
        for name in committed:  # in inventory order
            step = outcome[name][0]
            setattr(step, ROLLOUT_STEP, True)  # reported after the host's own steps
            self.result[name].append(step)
            undone = isinstance(step.exception, RolledBack)
            (by_wave[name].rolled_back if undone else by_wave[name].rollback_failed).append(name)


def _held_reason(failed_wave: Wave) -> str:
    return (
        f"not started: wave {failed_wave.number} failed ({failed_wave.reason}), "
        "so the rollout stopped before this host's wave"
    )


def _abandon(host: Host) -> None:
    """Close a timed-out host's connections from a side thread: closing the socket is what
    wakes its worker, and a close that blocks on a dead device must not block the run."""

    def close() -> None:
        for name in list(host.connections):
            try:
                host.close_connection(name)
            except Exception:  # a dead session's close fails; dropping it is the point
                host.connections.pop(name, None)

    threading.Thread(target=close, name=f"nornir-pack-close-{host.name}", daemon=True).start()


# Python's garbage collector during a run: the youngest generation is collected every this
# many allocations (Python's default is 700), the older ones as Python does.
RUN_GC_THRESHOLD = (50_000, 20, 100)
_gc_lock = threading.Lock()
_gc_runs: list[tuple[int, int, int]] = []  # the thresholds each run in progress found


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while hosts run, and never walk what existed before.

    A run allocates millions of short-lived objects (SSH packets, parsed config trees) on top
    of a heap of long-lived ones (the inventory, the libraries, results so far). At Python's
    default thresholds the collector walks that heap again and again: a third of compliance's
    time per host at a thousand hosts. The objects alive when the first run starts are
    frozen out of collection, and the youngest generation is collected every 50,000
    allocations; both are undone when the last run in progress (runs nest, and threads may
    run their own) ends. What the run leaves then (its results, and the config trees of a
    compliance run, cyclic garbage: some 330,000 objects at a thousand hosts) goes to the
    oldest generation, for Python's next full collection: restoring the thresholds with the
    younger generations full collected it there and then, 0.45 s after every host was done.
    """
    with _gc_lock:
        if not _gc_runs:
            gc.freeze()
        _gc_runs.append(gc.get_threshold())
        gc.set_threshold(*RUN_GC_THRESHOLD)
    try:
        yield
    finally:
        with _gc_lock:
            first = _gc_runs[0]
            _gc_runs.pop()
            if not _gc_runs:
                gc.freeze()  # empties the younger generations and zeroes their counts
                gc.set_threshold(*first)
                gc.unfreeze()  # everything to the oldest generation


def ensure_open_files(needed: int) -> None:
    """Raise the soft open-files limit to ``needed`` (up to the hard limit), or say it cannot."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if target < needed:
        log.warning(
            "open files limit is %d, below the %d this run may need: raise it (ulimit -n %d)",
            target,
            needed,
            needed,
        )


__all__ = [
    "PackRunner",
    "RunnerOptions",
    "announce_interrupt",
    "ensure_open_files",
    "failed_result",
]
