"""Hosts as greenlets on the connection loop: plain synchronous tasks without a thread each.

The scrapli backend keeps every host's session on one event loop (``backends/aio.py``). Run
on worker threads, a thousand hosts hand the GIL back and forth with that loop for every
command: at fleet size the hand-offs cost about an eighth of a backup's time. For a task that
does its device I/O only through nornir-pack's backends, the runner instead runs each host's
task in a greenlet on the loop's own thread. The task is the same synchronous code; where it
would wait for the loop (``wait``), its greenlet is suspended and the loop serves the other
hosts until the awaited result is in. No task is rewritten and no async twin exists.

A task marked ``on_loop`` must not block on anything else (a socket, a subprocess, a lock
another host's greenlet holds): it would stall every host of the run. Reading and writing
local files is fine.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import greenlet

from .marks import WHEN_DRY_RUN, has_mark

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# Attribute of a task function that may run as a greenlet on the loop (see ``on_loop``).
ON_LOOP = "nornir_pack_on_loop"


class HostGreenlet(greenlet.greenlet):
    """One host's task, run by ``run`` on the event loop's thread."""


def in_host_greenlet() -> bool:
    """Whether the caller is a host's task running on the loop (``wait`` must be used)."""
    return isinstance(greenlet.getcurrent(), HostGreenlet)


def wait(awaitable: Awaitable[T]) -> T:
    """From a host greenlet: suspend it until ``awaitable`` is done on the loop; its result
    (or its exception, raised here)."""
    current = greenlet.getcurrent()
    if not isinstance(current, HostGreenlet) or current.parent is None:
        raise RuntimeError("greenlets.wait() called outside a host greenlet")
    return cast(T, current.parent.switch(awaitable))


# Threads for the blocking calls of host greenlets (``blocking``): an fsync on a slow disk
# takes milliseconds, which the loop's own thread must not spend.
BLOCKING_THREADS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def blocking(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)``, called on a thread of its own when the caller is a host greenlet (so
    the loop serves the other hosts meanwhile), else called here."""
    if not in_host_greenlet():
        return func(*args)
    global _pool  # noqa: PLW0603  (one pool per process, made on first use)
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(BLOCKING_THREADS, thread_name_prefix="nornir-pack-files")
    return wait(asyncio.get_running_loop().run_in_executor(_pool, func, *args))


async def run(func: Callable[..., T], *args: Any) -> T:
    """Run ``func(*args)`` in a new host greenlet on this loop, awaiting for it whatever it
    ``wait``s for; its return value (or its exception)."""
    host_greenlet = HostGreenlet(func)
    pending = host_greenlet.switch(*args)
    while not host_greenlet.dead:
        try:
            value = await pending
        except BaseException:  # the awaited call's failure is the task's to handle
            pending = host_greenlet.throw(*sys.exc_info())
        else:
            pending = host_greenlet.switch(value)
    return cast(T, pending)


def on_loop(func: F) -> F:
    """Mark a task, or a Nornir processor class, that may run as a greenlet on the loop (see
    the module docstring)."""
    setattr(func, ON_LOOP, True)
    return func


def on_loop_when_dry_run(func: F) -> F:
    """Mark a change task whose dry run may run on the loop (its commit may upload files,
    wait for timers and call the user's post-checks, so it keeps its thread)."""
    setattr(func, ON_LOOP, WHEN_DRY_RUN)
    return func


def may_run_on_loop(func: Callable[..., Any], params: dict[str, Any], global_dry_run: bool) -> bool:
    """Whether ``func`` with ``params`` is marked to run on the loop (see ``on_loop``); the
    dry run is the task's ``dry_run`` argument, else the run's."""
    return has_mark(func, ON_LOOP, params, global_dry_run)
