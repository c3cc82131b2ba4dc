"""One batch of hosts on a Dask worker, and the plain data that goes there and back.

What travels to a worker is a ``Batch``: host names, the config.yaml settings and inventory
documents to build the same Nornir object there (``${VAR}`` in them expand from the worker's
environment, so no expanded secret crosses the wire unless the inventory file holds it), the
task by import name and its arguments, and the local runner's options. What comes back is a
``HostOutcome`` per host: each step's result as plain values, the exception as its class name
and text, and which worker ran it. The client turns those back into Nornir ``Result`` objects
on its own hosts (``rebuild``), so processors and reports see an ordinary run.

This module imports no Dask at import time: the worker side asks ``distributed`` for its
worker and the run's events only inside ``run_batch``.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pickle
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nornir.core.task import MultiResult, Result

from .. import logguard
from ..exceptions import LibraryError, NornirPackError, UsageError, WorkerLost
from ..inventory import load_nornir, nornir_from_documents
from . import PackRunner

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.inventory import Host
    from nornir.core.task import AggregatedResult, Task

# Topic prefix of the per-run events workers log to the scheduler ("host started").
EVENT_TOPIC_PREFIX = "nornir-pack-run-"
LOST_CHANGE = "worker lost; device state unknown, check it"
LOST_TWICE = "worker lost twice while running this host's batch; not run a third time"
STOP_POLL = 1.0  # seconds between a running batch's looks at its run's stop flag


@dataclass(frozen=True)
class TaskRef:
    """A task function by import name, so a worker imports its own copy.

    ``file`` is where a team runbook's module was loaded from (it is not on ``sys.path``):
    a worker with the project at the same path loads it from there.
    """

    module: str
    qualname: str
    file: str | None = None

    @classmethod
    def of(cls, func: Callable[..., Any]) -> TaskRef:
        """The reference of a module-level task function.

        Raises:
            UsageError: ``func`` is a lambda, a closure or a method a worker cannot import.
        """
        module = getattr(func, "__module__", None)
        qualname = getattr(func, "__qualname__", None)
        if not module or not qualname or "<" in qualname or module == "__main__":
            raise UsageError(
                f"task {qualname or func!r} cannot run on Dask workers: they import tasks "
                "by name, so define it at the top level of an importable module"
            )
        loaded = sys.modules.get(module)
        file = getattr(loaded, "__file__", None)
        return cls(module, qualname, str(Path(file).resolve()) if file else None)

    def load(self) -> Callable[..., Any]:
        """Import the task on this worker.

        Raises:
            UsageError: the module or the function is not there.
        """
        try:
            module = sys.modules.get(self.module) or importlib.import_module(self.module)
        except ImportError:
            module = self._from_file()
        target: Any = module
        for part in self.qualname.split("."):
            target = getattr(target, part, None)
        if not callable(target):
            raise UsageError(f"task {self.module}:{self.qualname} not found on the worker")
        return target  # type: ignore[no-any-return]

    def _from_file(self) -> Any:
        if self.file is None or not Path(self.file).is_file():
            raise UsageError(
                f"task module {self.module} cannot be imported on the worker: install it "
                f"there{f' or put {self.file} at the same path' if self.file else ''}"
            )
        spec = importlib.util.spec_from_file_location(self.module, self.file)
        if spec is None or spec.loader is None:
            raise UsageError(f"{self.file}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[self.module] = module
        spec.loader.exec_module(module)
        return module


@dataclass(frozen=True, repr=False)
class Batch:
    """Everything a worker needs to run ``task`` on ``hosts`` (see the module docstring).

    Its repr names no value: Dask logs a failed task with its arguments, and the documents
    may hold whatever the inventory files hold.
    """

    run_id: str
    index: int
    hosts: tuple[str, ...]
    config_file: str
    config: dict[str, Any] | None  # None: the worker loads config_file itself
    documents: dict[str, Any]
    task: TaskRef
    name: str
    params: dict[str, Any]
    dry_run: bool
    read_only: bool
    runner_options: dict[str, Any]

    def __repr__(self) -> str:
        return f"<nornir-pack batch {self.index} of run {self.run_id}: {len(self.hosts)} hosts>"

    @property
    def token(self) -> str:
        """Names this batch's attempt flags on the scheduler."""
        return f"{EVENT_TOPIC_PREFIX}{self.run_id}-batch-{self.index}"

    @property
    def topic(self) -> str:
        return f"{EVENT_TOPIC_PREFIX}{self.run_id}"

    @property
    def stop_flag(self) -> str:
        return f"{EVENT_TOPIC_PREFIX}{self.run_id}-stop"


@dataclass(frozen=True)
class PlainResult:
    """One Nornir ``Result`` as plain values."""

    name: str | None
    result: Any
    changed: bool = False
    diff: str = ""
    failed: bool = False
    exception: str | None = None  # "module:qualname" of the exception's class
    message: str | None = None  # str(exception)
    severity: int = logging.INFO


@dataclass(frozen=True)
class HostOutcome:
    """One host's results from a worker: its steps, and who ran it, on which attempt."""

    host: str
    results: tuple[PlainResult, ...]
    worker: str
    attempt: int = 1
    seconds: float = 0.0
    started: bool = True  # False: the host never started (interrupted, or its batch refused)


@dataclass
class _Claim:
    attempt: int = 1
    refusal: str | None = None  # why this attempt must not run its hosts
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ on the worker
def run_batch(batch: Batch) -> list[HostOutcome]:
    """Run ``batch`` on this Dask worker with nornir-pack's runner; never raises.

    A batch the scheduler runs again after its worker died finds its attempt flag set: a
    change task then refuses to touch its hosts (each fails with ``LOST_CHANGE``), a
    read-only one runs once more, and never a third time.
    """
    from distributed import Event, get_worker

    worker = get_worker()
    address = str(worker.address)
    claim = _claim(batch, Event)
    if claim.refusal is not None:
        return [_refused(name, address, claim) for name in batch.hosts]
    stop = threading.Event()
    done = threading.Event()
    flag = Event(batch.stop_flag)
    if flag.is_set():  # interrupted before this batch started: its hosts are not started
        stop.set()
    threading.Thread(target=_watch_stop, args=(flag, stop, done), daemon=True).start()
    try:
        return _run(batch, address, claim.attempt, stop, worker.log_event)
    except Exception as exc:  # a batch that cannot start fails its hosts, it never raises
        error = (
            exc
            if isinstance(exc, NornirPackError)
            else LibraryError(
                logguard.clean(f"the batch did not run on {address}: {type(exc).__name__}: {exc}")
            )
        )
        failure = _plain_failure(batch.name, error, str(error))
        return [
            HostOutcome(name, (failure,), address, claim.attempt, started=False)
            for name in batch.hosts
        ]
    finally:
        done.set()


def _claim(batch: Batch, event: Callable[[str], Any]) -> _Claim:
    """Record that this batch starts, on the scheduler, before any device is touched."""
    started = event(f"{batch.token}-started")
    if not started.is_set():
        started.set()
        return _Claim()
    if not batch.read_only:
        return _Claim(attempt=2, refusal=LOST_CHANGE)
    retried = event(f"{batch.token}-retried")
    if not retried.is_set():
        retried.set()
        return _Claim(attempt=2)
    return _Claim(attempt=3, refusal=LOST_TWICE)


def _watch_stop(flag: Any, stop: threading.Event, done: threading.Event) -> None:
    """Relay the client's Ctrl-C (the run's stop flag on the scheduler) to this batch."""
    while True:
        try:
            if flag.is_set():
                stop.set()
                return
        except Exception:  # the scheduler went away: the batch ends on its own deadlines
            return
        if done.wait(STOP_POLL):  # a local wait: no request left pending on the scheduler
            return


def _refused(name: str, worker: str, claim: _Claim) -> HostOutcome:
    error = WorkerLost(claim.refusal or LOST_CHANGE)
    return HostOutcome(
        name, (_plain_failure(None, error, str(error)),), worker, claim.attempt, started=False
    )


def _run(
    batch: Batch,
    worker: str,
    attempt: int,
    stop: threading.Event,
    log_event: Callable[[str, Any], None],
) -> list[HostOutcome]:
    nr = _nornir(batch).with_runner(PackRunner(**batch.runner_options, stop=stop))
    reporter = _StartReporter(batch.topic, worker, log_event)
    nr = nr.with_processors([reporter])
    nr.data.dry_run = batch.dry_run
    task = batch.task.load()
    try:
        result = nr.run(task=task, name=batch.name, raise_on_error=False, **batch.params)
    finally:
        nr.close_connections(on_good=True, on_failed=True)
    outcomes = []
    for name in batch.hosts:
        multi = result.get(name)
        steps = tuple(_plain(r) for r in multi) if multi is not None else ()
        outcomes.append(
            HostOutcome(
                name,
                steps,
                worker,
                attempt,
                reporter.seconds.get(name, 0.0),
                started=name in reporter.seconds,
            )
        )
    return outcomes


def _nornir(batch: Batch) -> Nornir:
    """The client's Nornir object, rebuilt here with only this batch's hosts."""
    quiet = {"logging": {"enabled": False}, "runner": {"plugin": "nornir_pack", "options": {}}}
    if batch.config is None:  # an inventory plugin of its own: the worker needs the files
        wanted = set(batch.hosts)
        return load_nornir(batch.config_file, **quiet).filter(
            filter_func=lambda host: host.name in wanted
        )
    return nornir_from_documents(batch.config_file, batch.config, batch.documents, **quiet)


class _StartReporter:
    """Nornir processor on the worker: tells the client each host as it starts (a Dask event
    on the run's topic, for its progress view) and times each host."""

    def __init__(self, topic: str, worker: str, log_event: Callable[[str, Any], None]) -> None:
        self.topic = topic
        self.worker = worker
        self.log_event = log_event
        self.began: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def task_started(self, task: Task) -> None:
        return None

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        return None

    def task_instance_started(self, task: Task, host: Host) -> None:
        self.began[host.name] = time.monotonic()
        try:
            self.log_event(self.topic, {"host": host.name, "worker": self.worker})
        except Exception:  # progress only: never the reason a host fails
            return

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        began = self.began.get(host.name, time.monotonic())
        self.seconds[host.name] = time.monotonic() - began

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        return None

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        return None


def _plain(result: Result) -> PlainResult:
    exception = result.exception
    return PlainResult(
        name=result.name,
        result=_plain_value(result.result),
        changed=bool(result.changed),
        diff=str(result.diff or ""),
        failed=bool(result.failed),
        exception=_class_name(exception) if exception is not None else None,
        message=str(exception) if exception is not None else None,
        severity=int(result.severity_level),
    )


def _plain_failure(name: str | None, error: BaseException, text: str) -> PlainResult:
    return PlainResult(
        name=name,
        result=text,
        failed=True,
        exception=_class_name(error),
        message=text,
        severity=logging.ERROR,
    )


def _class_name(exception: BaseException) -> str:
    cls = type(exception)
    return f"{cls.__module__}:{cls.__qualname__}"


_PLAIN_TYPES = (str, int, float, bool, type(None))


def _plain_value(value: Any) -> Any:
    """A result value that can travel: plain data as is; an object that pickles (a
    ComplianceReport, a HealthReport) as itself, the client has the same classes; anything
    else (a connection, a generator) as its text."""
    if isinstance(value, _PLAIN_TYPES):
        return value
    try:
        pickle.dumps(value)
    except Exception:
        return str(value)
    return value


# ------------------------------------------------------------------ on the client
class RemoteTaskError(Exception):
    """An exception a task raised on a worker whose class the client cannot rebuild; its
    class name is the original's, so reports show what it was."""


_REMOTE_CLASSES: dict[str, type[RemoteTaskError]] = {}


def rebuild_exception(class_name: str, message: str) -> BaseException:
    """The exception a worker reported: nornir-pack's own class when it is one (reports tell
    a refusal from an unreachable device by class), else a ``RemoteTaskError`` named after
    the original."""
    module, _, qualname = class_name.partition(":")
    cls: Any = None
    if module.startswith("nornir_pack"):
        try:
            cls = importlib.import_module(module)
            for part in qualname.split("."):
                cls = getattr(cls, part)
        except (ImportError, AttributeError):
            cls = None
    if isinstance(cls, type) and issubclass(cls, NornirPackError):
        try:
            return cls(message)
        except TypeError:
            pass
    remote = _REMOTE_CLASSES.get(class_name)
    if remote is None:
        name = qualname.rsplit(".", 1)[-1] or "RemoteTaskError"
        remote = type(name, (RemoteTaskError,), {"__module__": module or __name__})
        _REMOTE_CLASSES[class_name] = remote
    return remote(message)


def rebuild(outcome: HostOutcome, host: Host, task_name: str) -> MultiResult:
    """The host's ``MultiResult`` on the client, each ``Result`` carrying ``worker``."""
    multi = MultiResult(task_name)
    for plain in outcome.results or (PlainResult(task_name, None),):
        exception = (
            rebuild_exception(plain.exception, plain.message or "")
            if plain.exception is not None
            else None
        )
        result = Result(
            host=host,
            result=plain.result,
            changed=plain.changed,
            diff=plain.diff,
            failed=plain.failed,
            exception=exception,
            severity_level=plain.severity,
            name=plain.name or task_name,
            worker=outcome.worker,
            attempt=outcome.attempt,
        )
        multi.append(result)
    return multi


def failed_outcome(
    host: str, error: BaseException, worker: str = "", *, name: str | None = None
) -> HostOutcome:
    """A host the client fails itself (worker lost, timeout, interrupted)."""
    return HostOutcome(host, (_plain_failure(name, error, str(error)),), worker, started=False)
