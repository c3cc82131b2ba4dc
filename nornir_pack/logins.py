"""How hosts log in during a run: a cap on logins in flight, retries, and where each host is.

AAA servers and sshd's ``MaxStartups`` drop bursts of logins, so the runner caps how many
logins are in progress at once and retries a connection that failed for a transient reason
(never a refused password: retrying that only locks the account). The runner sets the policy
for the length of a run; the backends log in through ``login`` and say what each host is doing
through ``mark_step``, which is what a host that runs out of time is reported as doing.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from . import greenlets

T = TypeVar("T")

# A library exception whose class (or a base class) has one of these names is a refused login.
_AUTH_NAMES = re.compile(r"Auth")


@dataclass(frozen=True)
class LoginPolicy:
    """``max_logins``: logins in progress at once (None: no cap); ``connect_retries``: further
    attempts after a failed connection; ``backoff``: seconds before the first retry, doubled
    for each next one, with jitter so that retries of many hosts do not arrive together."""

    max_logins: int | None = None
    connect_retries: int = 0
    backoff: float = 0.5


class LoginGate:
    """At most ``size`` logins at once, for worker threads and host greenlets alike.

    A thread waits on an event; a host greenlet on the connection loop must not block that
    loop's thread, so it is suspended on a future instead (``nornir_pack.greenlets``). A
    login that ends hands its place to the longest waiting one.
    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[Callable[[], None]] = deque()  # how to wake each waiter

    @contextmanager
    def place(self) -> Iterator[_Place]:
        """A place for one login, given back when the block ends (or earlier)."""
        self.acquire()
        place = _Place(self)
        try:
            yield place
        finally:
            place.give_back()

    def acquire(self) -> None:
        on_loop = greenlets.in_host_greenlet()
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            if on_loop:
                loop = asyncio.get_running_loop()
                handed: asyncio.Future[None] = loop.create_future()
                self._waiting.append(lambda: _hand_over(loop, handed))
            else:
                event = threading.Event()
                self._waiting.append(event.set)
        if on_loop:
            greenlets.wait(handed)
        else:
            event.wait()

    def release(self) -> None:
        with self._lock:
            if not self._waiting:
                self._free += 1
                return
            wake = self._waiting.popleft()
        wake()  # the place goes to the waiter, never back to the pool


class _Place:
    """One login's place in a LoginGate, given back once."""

    def __init__(self, gate: LoginGate) -> None:
        self._gate: LoginGate | None = gate
        self._lock = threading.Lock()

    def give_back(self) -> None:
        with self._lock:
            gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()


# The place of the login in progress in this thread or host greenlet (each has its own context).
_place: ContextVar[_Place | None] = ContextVar("nornir_pack_login_place", default=None)


def _hand_over(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Wake a host greenlet waiting for a place (from any thread)."""

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    loop.call_soon_threadsafe(wake)


class _Current:
    """The policy in force and its gate: one run at a time per process sets them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.policy = LoginPolicy()
        self.gate: LoginGate | None = None
        self.steps: dict[str, str] = {}


_current = _Current()


@contextmanager
def login_policy(policy: LoginPolicy) -> Iterator[None]:
    """Apply ``policy`` to every login until the block ends (the runner's run)."""
    with _current.lock:
        previous = (_current.policy, _current.gate)
        _current.policy = policy
        _current.gate = LoginGate(policy.max_logins) if policy.max_logins else None
    try:
        yield
    finally:
        with _current.lock:
            _current.policy, _current.gate = previous


def authenticated() -> Callable[[], None]:
    """What a backend calls (from any thread) once the device has accepted the login's
    credentials: the rest of the session's set-up (channel, terminal, shell) no longer holds
    a place under ``max_logins``, which counts what AAA servers and sshd's MaxStartups
    count. A backend that never calls it holds its place until the connection is open."""
    place = _place.get()
    return place.give_back if place is not None else _nothing


def _nothing() -> None:
    return None


def is_auth_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the credentials were refused (never worth a retry).

    scrapli raises its ScrapliAuthenticationFailed for a connect that timed out too ("timed
    out opening connection to device"), from the TimeoutError: a failure caused by the
    network is worth its retry whatever its name."""
    if isinstance(exc.__cause__, OSError):  # TimeoutError and socket errors among them
        return False
    return any(_AUTH_NAMES.search(cls.__name__) for cls in type(exc).__mro__)


def login(host: str, connect: Callable[[], T]) -> T:
    """Run ``connect`` within the login cap, retrying transient failures with backoff."""
    policy, gate = _current.policy, _current.gate
    doing = step_of(host)  # what the login is for: the host goes back to it once logged in
    attempt = 0
    while True:
        mark_step(host, "logging in" if attempt == 0 else f"logging in (retry {attempt})")
        try:
            with gate.place() if gate is not None else nullcontext() as place:
                token = _place.set(place)
                try:
                    connection = connect()
                finally:
                    _place.reset(token)
            mark_step(host, doing)
            return connection
        except Exception as exc:
            if attempt >= policy.connect_retries or is_auth_failure(exc):
                raise
        delay = policy.backoff * (2**attempt) * random.uniform(0.5, 1.5)
        attempt += 1
        if greenlets.in_host_greenlet():
            greenlets.wait(asyncio.sleep(delay))  # the other hosts on the loop go on
        else:
            time.sleep(delay)


def mark_step(host: str, step: str) -> None:
    """Record what ``host`` is doing now, for a timeout message."""
    _current.steps[host] = step


def step_of(host: str) -> str:
    """What ``host`` was last doing (``starting`` before its first step)."""
    return _current.steps.get(host, "starting")


def forget(host: str) -> None:
    _current.steps.pop(host, None)
