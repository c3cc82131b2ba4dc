"""Synchronous host tasks as greenlets on an event loop (nornir_pack.greenlets), and the login
gate they share with worker threads (nornir_pack.logins.LoginGate)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest

from nornir_pack import greenlets
from nornir_pack.logins import LoginGate


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def on(loop: asyncio.AbstractEventLoop, *tasks: object) -> list[object]:
    """Run each synchronous ``task`` in a host greenlet of ``loop``, all at once; results."""

    async def all_of_them() -> list[object]:
        return list(await asyncio.gather(*(greenlets.run(task) for task in tasks)))  # type: ignore[arg-type]

    return asyncio.run_coroutine_threadsafe(all_of_them(), loop).result(10)


async def echo(value: object, turns: int = 1) -> object:
    for _ in range(turns):
        await asyncio.sleep(0)
    return value


def test_a_synchronous_task_waits_for_coroutines_and_the_others_run_meanwhile(
    loop: asyncio.AbstractEventLoop,
) -> None:
    order: list[str] = []

    def task(name: str) -> str:
        assert greenlets.in_host_greenlet()
        for step in range(3):
            greenlets.wait(echo(None, turns=1))
            order.append(f"{name}{step}")
        return name.upper()

    assert on(loop, lambda: task("a"), lambda: task("b")) == ["A", "B"]
    # interleaved: one host's wait lets the other go on
    assert order.index("b0") < order.index("a2")
    assert sorted(order) == ["a0", "a1", "a2", "b0", "b1", "b2"]


def test_an_awaited_failure_is_raised_in_the_task_and_can_be_handled(
    loop: asyncio.AbstractEventLoop,
) -> None:
    async def refuse() -> None:
        await asyncio.sleep(0)
        raise ConnectionResetError("dropped")

    def handles() -> str:
        try:
            greenlets.wait(refuse())
        except ConnectionResetError as exc:
            return f"handled {exc}"
        return "not raised"

    def lets_it_through() -> None:
        greenlets.wait(refuse())

    assert on(loop, handles) == ["handled dropped"]
    with pytest.raises(ConnectionResetError):
        on(loop, lets_it_through)


def test_wait_outside_a_host_greenlet_is_refused() -> None:
    assert not greenlets.in_host_greenlet()
    coroutine = echo(1)
    with pytest.raises(RuntimeError, match="outside a host greenlet"):
        greenlets.wait(coroutine)
    coroutine.close()


def test_a_dry_run_mark_lets_only_a_dry_run_on_the_loop() -> None:
    @greenlets.on_loop_when_dry_run
    def change() -> None: ...

    @greenlets.on_loop
    def read() -> None: ...

    def unmarked() -> None: ...

    assert greenlets.may_run_on_loop(read, {}, global_dry_run=False)
    assert not greenlets.may_run_on_loop(unmarked, {}, global_dry_run=True)
    assert greenlets.may_run_on_loop(change, {}, global_dry_run=True)
    assert not greenlets.may_run_on_loop(change, {}, global_dry_run=False)
    assert greenlets.may_run_on_loop(change, {"dry_run": True}, global_dry_run=False)
    assert not greenlets.may_run_on_loop(change, {"dry_run": False}, global_dry_run=True)


def test_the_login_gate_caps_greenlets_and_threads_together(
    loop: asyncio.AbstractEventLoop,
) -> None:
    gate = LoginGate(2)
    lock = threading.Lock()
    inside = peak = finished = 0
    threads_in = threading.Semaphore(0)
    release_threads = threading.Event()

    def log_in(hold: Callable[[], object]) -> None:
        nonlocal inside, peak, finished
        with gate.place():
            with lock:
                inside += 1
                peak = max(peak, inside)
            hold()
            with lock:
                inside -= 1
                finished += 1

    def thread_holds() -> None:
        threads_in.release()
        release_threads.wait()

    # two threads take both places and hold them until the greenlets queue behind them
    threads = [threading.Thread(target=log_in, args=(thread_holds,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in threads:
        assert threads_in.acquire(timeout=10)

    def on_loop() -> None:
        log_in(lambda: greenlets.wait(echo(None, turns=3)))

    async def six() -> None:
        hosts = [asyncio.ensure_future(greenlets.run(on_loop)) for _ in range(6)]
        await asyncio.sleep(0)  # each greenlet ran until the full gate suspended it
        assert (inside, finished) == (2, 0)
        release_threads.set()  # the threads' places go to the greenlets, two at a time
        await asyncio.gather(*hosts)

    asyncio.run_coroutine_threadsafe(six(), loop).result(10)
    for thread in threads:
        thread.join(10)
    assert finished == 8
    assert peak == 2


def test_a_blocking_call_from_a_host_greenlet_runs_off_the_loop_while_others_go_on(
    loop: asyncio.AbstractEventLoop,
) -> None:
    release = threading.Event()
    where: dict[str, str] = {}

    def slow_write() -> str:
        where["write"] = threading.current_thread().name
        assert release.wait(10)  # blocks until the other host has run
        return "written"

    def writer() -> object:
        return greenlets.blocking(slow_write)

    def other() -> str:
        where["other"] = threading.current_thread().name
        release.set()  # runs while the writer's call is still blocked
        return "ran"

    assert on(loop, writer, other) == ["written", "ran"]
    assert where["write"].startswith("nornir-pack-files")
    assert greenlets.blocking(threading.current_thread) is threading.current_thread()
