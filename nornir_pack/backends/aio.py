"""Scrapli on one event loop for every host: the connection behind the scrapli backend.

nornir_scrapli's connection is the synchronous Scrapli, whose default ``system`` transport
forks an OpenSSH client per host: at a thousand devices the forks of a large Python process
cost more than the devices take to answer. Here every host's session is an ``AsyncScrapli``
over asyncssh, all of them on one event loop in one background thread, and each Nornir worker
thread drives its host through a small synchronous facade that waits on the loop. Tasks stay
plain Nornir tasks, and there is no async twin of any of them.

A host whose scrapli options name a synchronous transport (``system``, ``paramiko``, ``ssh2``,
``telnet``) gets the synchronous Scrapli instead, exactly as nornir_scrapli would build it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from scrapli import AsyncScrapli, Scrapli

if TYPE_CHECKING:
    from nornir.core.configuration import Config

T = TypeVar("T")

CONNECTION_NAME = "nornir_pack_scrapli"
ASYNC_TRANSPORTS = frozenset({"asyncssh", "asynctelnet"})


class _LoopThread:
    """One event loop in a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="nornir-pack-scrapli", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result in this thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


_LOOP = _LoopThread()


class SyncScrapli:
    """The synchronous face of an AsyncScrapli session: the calls the backend makes."""

    def __init__(self, connection: AsyncScrapli, on_open: Any = None) -> None:
        self.connection = connection
        self._on_open = on_open

    def after_login(self) -> None:
        """The platform's on-open commands (privilege, terminal width and length): run once
        the login is over, so that the run's cap on logins in progress covers only logins."""
        on_open, self._on_open = self._on_open, None
        if on_open is not None:
            _LOOP.run(on_open(self.connection))

    def send_command(self, command: str, **options: Any) -> Any:
        return _LOOP.run(self.connection.send_command(command, **options))

    def send_configs(self, configs: list[str], **options: Any) -> Any:
        return _LOOP.run(self.connection.send_configs(configs, **options))

    def get_prompt(self) -> str:
        return str(_LOOP.run(self.connection.get_prompt()))

    def close(self) -> None:
        if self.connection.isalive():
            _LOOP.run(_log_out(self.connection))


async def _log_out(connection: AsyncScrapli) -> None:
    """``exit``, then close the session. scrapli's own on_close first asks for the prompt to
    regain privilege, one more round trip per host for a line the device frees anyway when
    the SSH channel closes."""
    connection.on_close = None
    with contextlib.suppress(Exception):  # a session already gone is closed below all the same
        connection.channel.write(channel_input="exit")
        connection.channel.send_return()
    await connection.close()


class ScrapliConnection:
    """Nornir connection plugin ``nornir_pack_scrapli`` (options are the host's ``scrapli``)."""

    connection: Any

    def open(  # noqa: PLR0917  (Nornir calls connection plugins with these, in this order)
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        settings = configuration.dict() if configuration is not None else {}
        parameters: dict[str, Any] = {
            "host": hostname,
            "auth_username": username or "",
            "auth_password": password or "",
            "port": port or 22,
            "ssh_config_file": settings.get("ssh", {}).get("config_file", False),
            "platform": platform,
            "transport": "asyncssh",
            **(extras or {}),
        }
        if parameters["transport"] not in ASYNC_TRANSPORTS:
            connection = Scrapli(**parameters)
            connection.open()
            self.connection = connection
            return
        session = AsyncScrapli(**parameters)
        on_open, session.on_open = session.on_open, None  # run by after_login()
        _LOOP.run(session.open())
        self.connection = SyncScrapli(session, on_open)

    def close(self) -> None:
        self.connection.close()
