"""The ``dask`` runner: host batches on a Dask cluster, each batch run by nornir-pack's runner.

Nornir's runners run every host in one process. This one (plugin name ``dask``, extra
``nornir-pack[dask]``) splits the hosts into batches, sends each batch to a worker of a
Dask ``distributed`` scheduler (or of an embedded ``LocalCluster`` of worker processes), where
``batch.run_batch`` rebuilds the Nornir object and runs the batch with ``PackRunner`` (its
login throttle, retries and deadlines). Results come back as plain data and are merged into one
``AggregatedResult`` on the client, which feeds its processors as a local run would: progress,
reports and exit codes do not know the difference.

Faults: a worker that dies mid-batch makes the scheduler run the batch again elsewhere. The
batch records on the scheduler that it started, before touching any device, so the second run
knows it is one: a read-only task (``nornir_pack.tasks.read_only``) runs once more, a change
refuses and its hosts fail with "worker lost; device state unknown, check it" (never replayed).
An unreachable scheduler is a ``UsageError`` found by ``preflight``, before any login;
``timeout`` bounds the whole run, whatever the cluster does.
"""

from __future__ import annotations

import logging
import math
import queue
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import TYPE_CHECKING, Any

from nornir.core.task import AggregatedResult, MultiResult
from nornir.plugins.runners import SerialRunner

from ..exceptions import DeviceUnreachable, LibraryError, UsageError, WorkerLost
from ..inventory import inventory_documents
from ..paths import config_file
from ..tasks.boundary import is_read_only
from . import RunnerOptions, announce_interrupt
from .batch import (
    EVENT_TOPIC_PREFIX,
    LOST_CHANGE,
    LOST_TWICE,
    Batch,
    HostOutcome,
    TaskRef,
    failed_outcome,
    rebuild,
    run_batch,
)

if TYPE_CHECKING:
    from distributed import Client, Future
    from nornir.core import Nornir
    from nornir.core.inventory import Host
    from nornir.core.task import Task

log = logging.getLogger("nornir_pack")

MAX_AUTO_BATCH = 50  # hosts per batch when batch_size is not set
INSTALL_HINT = "install it with: pip install 'nornir-pack[dask]'"


class DaskRunner:
    """The ``dask`` runner plugin (see the module docstring).

    Options (``runner.options`` in config.yaml): ``scheduler`` (address of a running
    scheduler; none: an embedded LocalCluster of ``local_workers`` processes), ``batch_size``
    (hosts per Dask task; none: spread over the workers' threads, at most 50),
    ``placement`` (a host data key: host data ``site: a`` runs only on workers with the
    resource ``site-a``), ``resources`` (Dask resources every batch needs), ``timeout``
    (seconds the whole run may take), ``connect_timeout`` (seconds to reach the scheduler),
    and the local runner's options, which each batch's runner uses on its worker.
    """

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        batch_size: int | None = None,
        local_workers: int = 2,
        placement: str | None = None,
        resources: dict[str, float] | None = None,
        timeout: float | None = None,
        connect_timeout: float = 5.0,
        **local: Any,
    ) -> None:
        unknown = sorted(set(local) - set(RunnerOptions.__dataclass_fields__))
        if unknown:
            raise UsageError(
                f"runner option {unknown[0]} is not an option of the dask runner: use "
                "scheduler, batch_size, local_workers, placement, resources, timeout, "
                "connect_timeout, or the nornir_pack runner's options"
            )
        self.local = RunnerOptions(**local)  # checked here, used on the workers
        _check_number("batch_size", batch_size, 1, none=True)
        _check_number("local_workers", local_workers, 1)
        _check_number("timeout", timeout, 0, none=True)
        _check_number("connect_timeout", connect_timeout, 0)
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
            raise UsageError(
                f"runner option scheduler is {scheduler!r}: give an address, e.g. "
                "tcp://10.0.0.5:8786, or leave it out for an embedded cluster"
            )
        if placement is not None and (not isinstance(placement, str) or not placement):
            raise UsageError(f"runner option placement is {placement!r}: name a host data key")
        if resources is not None and (
            not isinstance(resources, dict)
            or not all(
                isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
                for k, v in resources.items()
            )
        ):
            raise UsageError(
                f"runner option resources is {resources!r}: map resource names to amounts, "
                "e.g. {network: 1}"
            )
        self.scheduler = scheduler
        self.batch_size = batch_size
        self.local_workers = local_workers
        self.placement = placement
        self.resources = dict(resources or {})
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._client: Client | None = None
        self._cluster: Any = None

    # -- the cluster
    def connect(self) -> Client:
        """The client of the scheduler, or of an embedded LocalCluster started now.

        Raises:
            UsageError: dask is not installed, or the scheduler cannot be reached.
        """
        if self._client is not None:
            return self._client
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(f"the dask runner needs dask[distributed]: {INSTALL_HINT}") from None
        if self.scheduler is None:
            self._cluster = LocalCluster(
                n_workers=self.local_workers,
                threads_per_worker=1,  # a worker runs one batch at a time (see the README)
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster, set_as_default=False)
            return self._client
        try:
            client = Client(self.scheduler, timeout=self.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UsageError(
                f"dask scheduler {self.scheduler} is unreachable ({reason}): start it "
                "(dask scheduler) or fix --scheduler / runner.options.scheduler"
            ) from None
        try:
            client.wait_for_workers(1, timeout=self.connect_timeout)
        except TimeoutError:
            client.close()
            raise UsageError(
                f"dask scheduler {self.scheduler} has no worker: start one with "
                f"dask worker {self.scheduler}"
            ) from None
        self._client = client
        return client

    def preflight(self, nr: Nornir) -> None:
        """Before any login: the scheduler answers and has a worker, the Nornir object comes
        from a config file the workers can rebuild it from, and every placement resource the
        hosts need is offered by some worker.

        Raises:
            UsageError: one of those is not so (exit 2 on the command line).
        """
        if config_file(nr.config) is None:
            raise UsageError(
                "the dask runner rebuilds the Nornir object on its workers from config.yaml: "
                "build it with nornir_pack.load_nornir(path) (or nornir-pack run)"
            )
        client = self.connect()
        if self.scheduler is None:
            return
        offered = {
            name
            for worker in client.scheduler_info()["workers"].values()
            for name in (worker.get("resources") or {})
        }
        needed: dict[str, list[str]] = {}
        for host in nr.inventory.hosts.values():
            for name in self._resources_of(host):
                needed.setdefault(name, []).append(host.name)
        missing = sorted(set(needed) - offered)
        if missing:
            hosts = needed[missing[0]]
            shown = ", ".join(hosts[:3]) + (f" and {len(hosts) - 3} more" if len(hosts) > 3 else "")
            raise UsageError(
                f"no worker of dask scheduler {self.scheduler} offers resource "
                f"'{missing[0]}', which hosts {shown} need: start one with "
                f"dask worker {self.scheduler} --resources {missing[0]}=1"
            )

    def close(self) -> None:
        """Close the client and, when this runner started it, the embedded cluster."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            with suppress(Exception):
                client.close()
        if cluster is not None:
            with suppress(Exception):
                cluster.close()

    # -- a run
    def run(self, task: Task, hosts: list[Host]) -> AggregatedResult:
        if not hosts:
            return AggregatedResult(task.name)
        if task.task.__qualname__.startswith("Nornir.close_connections."):
            # nr.close_connections(): the connections are the workers' (each batch closes its
            # own); any this process opened itself are closed here
            return SerialRunner().run(task, hosts)
        self.preflight(task.nornir)
        return _DaskRun(self, self.connect(), task, hosts).wait()

    def _resources_of(self, host: Host) -> dict[str, float]:
        wanted = dict(self.resources)
        if self.placement is not None:
            value = host.get(self.placement)
            if value is not None and value != "":
                wanted[f"{self.placement}-{value}"] = 1
        return wanted

    def batch_size_for(self, count: int, client: Client) -> int:
        """``batch_size``, else the hosts spread over twice the workers' threads (so a
        worker that finishes early takes more), at most ``MAX_AUTO_BATCH``."""
        if self.batch_size is not None:
            return self.batch_size
        workers = client.scheduler_info()["workers"].values()
        threads = sum(int(w.get("nthreads", 1)) for w in workers) or 1
        return max(1, min(MAX_AUTO_BATCH, math.ceil(count / (2 * threads))))


def _check_number(name: str, value: Any, least: float, *, none: bool = False) -> None:
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
        raise UsageError(
            f"runner option {name} is {value!r}: use a number of at least {least:g}"
            + (" (or null for none)" if none else "")
        )


class _DaskRun:
    """One ``nr.run`` on the cluster: batches submitted at once; the caller's thread merges
    results as batches finish, feeds the processors, enforces ``timeout`` and takes Ctrl-C."""

    def __init__(self, runner: DaskRunner, client: Client, task: Task, hosts: list[Host]) -> None:
        self.runner = runner
        self.client = client
        self.task = task
        self.hosts = {host.name: host for host in hosts}
        self.result = AggregatedResult(task.name)
        self.run_id = uuid.uuid4().hex[:12]
        self.events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.shown_started: set[str] = set()
        self.pending: dict[str, Batch] = {}  # future key -> batch
        self.futures: dict[str, Future[list[HostOutcome]]] = {}
        self.resubmitted: set[int] = set()
        self.interrupts = 0
        self.ends = time.monotonic() + runner.timeout if runner.timeout is not None else None
        self.read_only = is_read_only(task.task, task.params, task.global_dry_run)
        self.batches = self._batches(hosts)
        self.topic = f"{EVENT_TOPIC_PREFIX}{self.run_id}"
        client.subscribe_topic(self.topic, self._on_started)
        for batch in self.batches:
            self._submit(batch)

    def _batches(self, hosts: list[Host]) -> list[Batch]:
        path = config_file(self.task.nornir.config)
        assert path is not None  # preflight refused a Nornir object without one
        read = inventory_documents(path)
        config, documents = read if read is not None else (None, {})
        host_documents = documents.get("host_file") or {}
        ref = TaskRef.of(self.task.task)
        groups: dict[tuple[tuple[str, float], ...], list[str]] = {}
        for host in hosts:
            key = tuple(sorted(self.runner._resources_of(host).items()))
            groups.setdefault(key, []).append(host.name)
        size = self.runner.batch_size_for(len(hosts), self.client)
        batches: list[Batch] = []
        for names in groups.values():
            for start in range(0, len(names), size):
                chunk = tuple(names[start : start + size])
                wanted = set(chunk)
                own = {
                    **documents,
                    "host_file": {k: v for k, v in host_documents.items() if str(k) in wanted},
                }
                batches.append(
                    Batch(
                        run_id=self.run_id,
                        index=len(batches),
                        hosts=chunk,
                        config_file=str(path),
                        config=config,
                        documents=own if config is not None else {},
                        task=ref,
                        name=self.task.name,
                        params=dict(self.task.params),
                        dry_run=bool(self.task.global_dry_run),
                        read_only=self.read_only,
                        runner_options=vars(self.runner.local).copy(),
                    )
                )
        return batches

    def _submit(self, batch: Batch, *, again: bool = False) -> None:
        resources = None
        if self.runner.scheduler is not None:  # the embedded cluster runs every host
            resources = self.runner._resources_of(self.hosts[batch.hosts[0]]) or None
        key = f"nornir-pack-{self.run_id}-{batch.index}{'-again' if again else ''}"
        future = self.client.submit(
            run_batch, batch, key=key, pure=False, retries=0, resources=resources
        )
        self.pending[key] = batch
        self.futures[key] = future
        future.add_done_callback(lambda done: self.events.put(("done", done.key)))

    def _on_started(self, event: tuple[float, Any]) -> None:
        """A worker's "host started" event (on the client's event loop thread)."""
        message = event[1]
        if isinstance(message, dict):
            self.events.put(("started", str(message.get("host", ""))))

    # -- waiting
    def wait(self) -> AggregatedResult:
        try:
            with self._ctrl_c():
                while self.pending:
                    timeout = None if self.ends is None else max(0.0, self.ends - time.monotonic())
                    try:
                        kind, value = self.events.get(timeout=timeout)
                    except queue.Empty:
                        self._expire()
                        break
                    if kind == "started":
                        self._show_started(value)
                    elif kind == "done":
                        self._finished(value)
                    elif kind == "interrupt":
                        self._stop_workers()
        finally:
            self._clean_up()
        if self.interrupts:
            raise KeyboardInterrupt
        return self.result

    def _finished(self, key: str) -> None:
        batch = self.pending.pop(key, None)
        future = self.futures.pop(key, None)
        if batch is None or future is None:
            return
        try:
            if future.status == "finished":
                outcomes: list[HostOutcome] = future.result()
            else:
                outcomes = self._failed_batch(batch, future)
        finally:
            future.release()  # a result kept on a worker would be recomputed if it died
        for outcome in outcomes:
            self._merge(outcome)

    def _failed_batch(self, batch: Batch, future: Future[list[HostOutcome]]) -> list[HostOutcome]:
        """A batch that did not return: its worker died more times than the scheduler
        allows, or it could not run at all (nornir-pack missing on the worker)."""
        try:
            error: BaseException | None = future.exception()
        except Exception as exc:  # cancelled
            error = exc
        lost = type(error).__name__ == "KilledWorker"
        if lost and batch.index not in self.resubmitted:
            started = self._started_on_scheduler(batch)
            if self.read_only or not started:
                self.resubmitted.add(batch.index)
                self._submit(batch, again=True)
                return []
        if lost:
            reason: BaseException = WorkerLost(LOST_TWICE if self.read_only else LOST_CHANGE)
        else:
            reason = LibraryError(
                f"the batch failed on the Dask cluster: {type(error).__name__}: {error} "
                "(is nornir-pack installed on every worker?)"
            )
        return [failed_outcome(name, reason, name=self.task.name) for name in batch.hosts]

    def _started_on_scheduler(self, batch: Batch) -> bool:
        from distributed import Event

        try:
            return bool(Event(f"{batch.token}-started", client=self.client).is_set())
        except Exception:
            return True  # cannot tell: assume the worst

    def _merge(self, outcome: HostOutcome) -> None:
        host = self.hosts.get(outcome.host)
        if host is None or outcome.host in self.result:
            return
        self._show_started(outcome.host)
        multi = rebuild(outcome, host, self.task.name)
        self.result[outcome.host] = multi
        self._processors_completed(host, multi)

    def _show_started(self, name: str) -> None:
        host = self.hosts.get(name)
        if host is None or name in self.shown_started or name in self.result:
            return
        self.shown_started.add(name)
        task = self.task.copy()
        task.host = host
        self.task.processors.task_instance_started(task, host)

    def _processors_completed(self, host: Host, multi: MultiResult) -> None:
        task = self.task.copy()
        task.host = host
        self.task.processors.task_instance_completed(task, host, multi)

    def _expire(self) -> None:
        """``timeout`` passed: every host not back fails; a change's host that had started
        may be mid-change, and says so. Workers start no more hosts of this run."""
        self._stop_workers()
        limit = self.runner.timeout or 0
        for key, batch in list(self.pending.items()):
            future = self.futures.pop(key)
            future.cancel()
            self.pending.pop(key)
            for name in batch.hosts:
                unknown = not self.read_only and name in self.shown_started
                error = DeviceUnreachable(
                    f"dask runner timeout: not finished within {limit:g} s"
                    + ("; device state unknown, check it" if unknown else "")
                )
                self._merge(failed_outcome(name, error, name=self.task.name))

    def _stop_workers(self) -> None:
        """Tell the workers to start no more hosts of this run (the first Ctrl-C)."""
        from distributed import Event

        with suppress(Exception):
            Event(f"{self.topic}-stop", client=self.client).set()

    def _clean_up(self) -> None:
        """Forget this run's flags and topic on the scheduler (a long-lived scheduler serves
        many runs)."""
        from distributed import Event

        with suppress(Exception):
            self.client.unsubscribe_topic(self.topic)
        names = [f"{self.topic}-stop"]
        for batch in self.batches:
            names += [f"{batch.token}-started", f"{batch.token}-retried"]
        for name in names:
            with suppress(Exception):
                Event(name, client=self.client).clear()
        for future in self.futures.values():
            with suppress(Exception):
                future.cancel()

    @contextmanager
    def _ctrl_c(self) -> Iterator[None]:
        """The first Ctrl-C (or SIGTERM) makes the workers start no more hosts; the hosts in
        flight finish and come back, the others come back ``interrupted``. A second Ctrl-C
        aborts at once, naming the hosts that may be mid-change."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupt(signum: int, frame: FrameType | None) -> None:
            self.interrupts += 1
            in_flight = sorted(self.shown_started - set(self.result))
            announce_interrupt(
                self.interrupts, signum, in_flight, "the workers start no more hosts"
            )
            self.events.put(("interrupt", None))  # SimpleQueue.put is safe in a handler

        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


__all__ = ["DaskRunner"]
