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
import contextvars
import functools
import importlib
import os
import re
import sys
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from re import Pattern
from typing import TYPE_CHECKING, Any, TypeVar, cast

import asyncssh
from asyncssh import SSHClientConnectionOptions
from asyncssh.misc import ConnectionLost
from scrapli import AsyncScrapli, Scrapli
from scrapli.channel import AsyncChannel
from scrapli.decorators import _get_timeout_message, _handle_timeout, timeout_wrapper
from scrapli.driver.core.arista_eos.async_driver import eos_on_open
from scrapli.driver.core.cisco_iosxe.async_driver import iosxe_on_open
from scrapli.exceptions import ScrapliConnectionError, ScrapliConnectionNotOpened
from scrapli.transport.plugins.asyncssh.transport import AsyncsshTransport

from .. import greenlets, logins
from . import sshconfig, sshoptions

if TYPE_CHECKING:
    from nornir.core.configuration import Config

T = TypeVar("T")
Operation = TypeVar("Operation", bound=Callable[..., Coroutine[Any, Any, Any]])

# SSH ciphers in the order the asyncssh sessions offer them: asyncssh's own defaults with
# AES-GCM first. asyncssh builds a new ChaCha20 cipher for every packet (about 13 us against
# 2 us for AES-GCM, whose keys it keeps); both are AEAD ciphers that OpenSSH, IOS-XE and EOS
# offer, and a device without AES-GCM still gets the rest of the list.
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
)

# SSH authentication methods in the order the asyncssh sessions try them: a password before
# keyboard-interactive, as netmiko (paramiko) does, where scrapli puts keyboard-interactive
# first. Both send the same password; keyboard-interactive takes a second round trip to the
# device (and its AAA server) per login. A device that offers only keyboard-interactive
# still gets it.
PREFERRED_AUTH = ("publickey", "password", "keyboard-interactive")

# Seconds a new session waits for the prompt the device prints on its own after login, before
# it sends a return to ask for it (scrapli always asks).
LOGIN_PROMPT_WAIT = 2.0

CONNECTION_NAME = "nornir_pack_scrapli"
ASYNC_TRANSPORTS = frozenset({"asyncssh", "asynctelnet"})


class _OptionsInline(ThreadPoolExecutor):
    """The connection loop's default executor, which builds asyncssh's connection options
    in the calling thread.

    asyncssh prepares every connection's options in the loop's executor, in case reading an
    SSH config or key file blocks. Here the shared SSH config is parsed once
    (``nornir_pack.backends.sshconfig``) and what is left is Python work of a fraction of a
    millisecond (at most a read of a small local key file), which a hand-off to a thread and
    back made cost more: built here, a thousand-host backup takes 0.9x the time (and most
    sessions' options are copies, ``nornir_pack.backends.sshoptions``). Anything else
    (asyncio's ``getaddrinfo`` of a host name, which may wait on DNS) still runs on a thread;
    two of them, as more would only fight the loop for the GIL.
    """

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        built = fn.func if isinstance(fn, functools.partial) else fn
        if not (isinstance(built, type) and issubclass(built, SSHClientConnectionOptions)):
            return super().submit(fn, *args, **kwargs)
        future: Future[T] = Future()
        try:
            if isinstance(fn, functools.partial) and not args and not kwargs:
                future.set_result(cast(T, sshoptions.build(fn)))  # asyncssh's own call
            else:
                future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller gets it, as from a thread
            future.set_exception(exc)
        return future


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
                loop.set_default_executor(
                    _OptionsInline(max_workers=2, thread_name_prefix="nornir-pack-ssh")
                )
                threading.Thread(
                    target=loop.run_forever, name="nornir-pack-scrapli", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result: in this thread, or, from a
        host's greenlet on the loop (``nornir_pack.greenlets``), suspended until it is in."""
        if greenlets.in_host_greenlet():
            return greenlets.wait(coroutine)
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def start(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Start ``coroutine`` on the loop without waiting for it."""
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)


LOOP = _LoopThread()

# When the channel operation under way runs out (the loop's clock), for the reads inside it.
_OPERATION_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "nornir_pack_operation_deadline", default=None
)


def operation_timeout(operation: Operation) -> Operation:
    """scrapli's ``timeout_wrapper`` for a channel operation, bounded by a timer, not a task.

    scrapli bounds each operation by ``timeout_ops`` with ``asyncio.wait_for``, which on
    Python 3.11 runs it in a task of its own: three more loop callbacks and a timer per
    command. ``asyncio.timeout_at`` gives the same bound in the caller's task, and a timeout
    ends the same way (the transport closed, ScrapliTimeout with scrapli's message). The
    deadline is kept for the reads inside (``TimerReadTransport.read``).
    """
    if sys.version_info < (3, 11):  # no asyncio.timeout_at: scrapli's own wrapper
        return cast(Operation, timeout_wrapper(operation))

    @functools.wraps(operation)
    async def bounded(channel: AsyncChannel, *args: Any, **kwargs: Any) -> Any:
        timeout = channel._base_channel_args.timeout_ops
        if not timeout:
            return await operation(channel, *args, **kwargs)
        deadline = asyncio.get_running_loop().time() + timeout
        token = _OPERATION_DEADLINE.set(deadline)
        try:
            async with asyncio.timeout_at(deadline):
                return await operation(channel, *args, **kwargs)
        except TimeoutError:
            message = _get_timeout_message(func_name=operation.__name__)
            _handle_timeout(transport=channel.transport, logger=channel.logger, message=message)
        finally:
            _OPERATION_DEADLINE.reset(token)

    return cast(Operation, bounded)


def echo_end(buf: bytes, channel_input: str) -> int | None:
    """Where the device's echo of ``channel_input`` ends in ``buf``; None until it is there.

    Compared as scrapli compares it (case, whitespace and backspaces aside, so an echo that
    wrapped still counts), and found in place so that what the device printed before it (a
    stale prompt) is skipped.
    """
    wanted = channel_input.encode()
    if not wanted.strip():
        return 0
    direct = buf.lower().find(wanted.lower())
    if direct >= 0:
        return direct + len(wanted)
    squeezed = b"".join(wanted.lower().split())
    if squeezed not in b"".join(buf.lower().replace(b"\x08", b"").split()):
        return None
    kept, where = bytearray(), []
    for index, byte in enumerate(buf.lower()):
        if chr(byte).isspace() or byte == 0x08:
            continue
        kept.append(byte)
        where.append(index)
    return where[bytes(kept).find(squeezed) + len(squeezed) - 1] + 1


class OneWriteChannel(AsyncChannel):
    """scrapli's channel, sending each input and its return in one SSH packet.

    scrapli writes an input, waits for its echo, then writes the return: two packets each way
    and a round trip per command, and a return before each command to ask for a prompt it
    has just read. At a thousand hosts on one event loop that packet work is most of the
    loop's time. Here an input goes out with its return, as netmiko and a person's terminal
    send it, and the reply is read past the echo (so stale output before it is never taken
    for the reply); the prompt that ended the last reply answers ``get_prompt`` until
    something else is written, and the first ``get_prompt`` after login reads the prompt
    the device prints on its own. Results are the ones scrapli's own methods return;
    ``eager`` sends (banners) go through scrapli's code unchanged.
    """

    shown_prompt: str | None = None  # the prompt that ended the last reply; None once written
    awaiting_login_prompt = False  # the device's own first prompt is still to be read

    def write(self, channel_input: str, redacted: bool = False) -> None:
        self.shown_prompt = None
        super().write(channel_input=channel_input, redacted=redacted)

    @property
    def _prompt(self) -> Pattern[bytes]:
        return self._get_prompt_pattern(class_pattern=self._base_channel_args.comms_prompt_pattern)

    def _remember_prompt(self, buf: bytes, match: re.Match[bytes] | None = None) -> str | None:
        """Remember the prompt that ends ``buf`` (``match``: already found there)."""
        if match is None:
            match = self._prompt.search(self._process_read_buf(read_buf=BytesIO(buf)))
        self.shown_prompt = match.group(0).decode().strip() if match else None
        return self.shown_prompt

    async def _reply(
        self,
        channel_input: str,
        prompts: list[Pattern[bytes]],
        *,
        echoed: bool,
        hidden: bool,
        ahead: tuple[str, ...] = (),
    ) -> tuple[bytes, int, re.Match[bytes]]:
        """Write ``channel_input`` and its return at once (after the lines ``ahead``, in the
        same packet); read until one of ``prompts`` ends what follows its echo. Returns
        everything read, where the reply starts and the prompt found."""
        return_char = self._base_channel_args.comms_return_char
        lines = "".join(line + return_char for line in (*ahead, channel_input))
        self.write(channel_input=lines, redacted=hidden)
        buf, start = b"", None if echoed else 0
        while True:
            buf += await self.read()
            if start is None:
                start = echo_end(buf, channel_input)
                if start is None:
                    continue
            tail = self._process_read_buf(read_buf=BytesIO(buf[start:]))
            for prompt in prompts:
                match = prompt.search(tail)
                if match is not None:
                    return buf, start, match

    @operation_timeout
    async def send_input(
        self,
        channel_input: str,
        *,
        strip_prompt: bool = True,
        eager: bool = False,
        eager_input: bool = False,
    ) -> tuple[bytes, bytes]:
        if eager or eager_input or self._base_channel_args.comms_roughly_match_inputs:
            sent: tuple[bytes, bytes] = await super().send_input(
                channel_input, strip_prompt=strip_prompt, eager=eager, eager_input=eager_input
            )
            return sent
        self._pre_send_input(channel_input=channel_input)
        async with self._channel_lock():
            buf, start, match = await self._reply(
                channel_input, [self._prompt], echoed=True, hidden=False
            )
        reply = buf[start:]
        self._remember_prompt(reply, match)
        return reply, self._process_output(buf=reply, strip_prompt=strip_prompt)

    @operation_timeout
    async def send_lines(self, lines: tuple[str, ...]) -> bytes:
        """Type ``lines`` at once, as a person pasting them, and read until the prompt after
        the last one: for commands answered by a prompt alone, whose replies are not read
        one by one (the terminal settings a session starts with). What was read."""
        *ahead, last = lines
        self._pre_send_input(channel_input=last)
        async with self._channel_lock():
            buf, start, match = await self._reply(
                last, [self._prompt], echoed=True, hidden=False, ahead=tuple(ahead)
            )
        self._remember_prompt(buf[start:], match)
        return buf

    @operation_timeout
    async def send_inputs_interact(
        self,
        interact_events: list[tuple[str, str, bool | None]],
        *,
        interaction_complete_patterns: list[str] | None = None,
    ) -> tuple[bytes, bytes]:
        self._pre_send_inputs_interact(interact_events=interact_events)
        class_pattern = self._base_channel_args.comms_prompt_pattern
        buf = b""
        async with self._channel_lock():
            for channel_input, response, *rest in interact_events:
                hidden = bool(rest and rest[0])
                patterns = [response, *(interaction_complete_patterns or [])]
                prompts = [self._get_prompt_pattern(class_pattern, pattern) for pattern in patterns]
                echoed = bool(response) and not hidden
                read, _, _ = await self._reply(channel_input, prompts, echoed=echoed, hidden=hidden)
                buf += read
        self._remember_prompt(buf)
        return buf, self._process_output(buf=buf, strip_prompt=False)

    @operation_timeout
    async def get_prompt(self) -> str:
        if self.shown_prompt is not None:
            return self.shown_prompt
        if self.awaiting_login_prompt:
            self.awaiting_login_prompt = False
            with contextlib.suppress(asyncio.TimeoutError):
                buf = await _within(LOGIN_PROMPT_WAIT, self._read_until_prompt())
                prompt = self._remember_prompt(buf)
                if prompt is not None:
                    return prompt
        return str(await super().get_prompt())


async def _within(seconds: float, awaitable: Coroutine[Any, Any, T]) -> T:
    """``asyncio.wait_for`` without the task it makes on Python 3.11."""
    if sys.version_info < (3, 11):
        return await asyncio.wait_for(awaitable, seconds)
    async with asyncio.timeout(seconds):
        return await awaitable


class TimerReadTransport(AsyncsshTransport):
    """scrapli's asyncssh transport, whose reads are bounded by a timer, not a task.

    scrapli bounds every read by ``timeout_transport`` with ``asyncio.wait_for``, which on
    Python 3.11 wraps each read in a task of its own: about 19 reads per host per backup,
    a large part of scrapli's own time on the loop at a thousand hosts. ``asyncio.timeout``
    gives the same bound with a timer; a read that runs out closes the transport and raises
    scrapli's ScrapliTimeout, as scrapli's does. A read inside a channel operation whose
    deadline comes first (``timeout_ops`` no longer than ``timeout_transport``, as by
    default) needs no timer at all: the operation's would always fire first.
    """

    async def read(self) -> bytes:
        if sys.version_info < (3, 11):  # no asyncio.timeout: scrapli's own read
            return cast(bytes, await super().read())
        if not self.stdout:
            raise ScrapliConnectionNotOpened
        if self.stdout.at_eof():
            raise ScrapliConnectionError("transport at EOF; no more data to be read")
        timeout = self._base_transport_args.timeout_transport or None
        deadline = _OPERATION_DEADLINE.get()
        if timeout and deadline and deadline <= asyncio.get_running_loop().time() + timeout:
            timeout = None  # the operation's own timer bounds this read
        try:
            if timeout is None:
                buf: bytes = await self.stdout.read(65535)
            else:
                async with asyncio.timeout(timeout):
                    buf = await self.stdout.read(65535)
        except TimeoutError:
            _handle_timeout(self, self.logger, _get_timeout_message("read"))
        except ConnectionLost as exc:
            msg = (
                "encountered EOF reading from transport; typically means the device closed the "
                "connection"
            )
            self.logger.critical(msg)
            raise ScrapliConnectionError(msg) from exc
        return buf


def _privilege_levels(platform: str | None) -> dict[str, Any] | None:
    """The platform's privilege levels in a dict of the session's own, the levels shared.

    scrapli deep-copies its core platforms' levels for every session (a fifth of a
    millisecond each), though nothing changes a level once made; a session that registers an
    EOS configuration session adds it to its own dict only. None for other platforms.
    """
    levels = _platform_levels(platform)
    return dict(levels) if levels is not None else None


@functools.cache
def _platform_levels(platform: str | None) -> dict[str, Any] | None:
    """scrapli's own privilege levels of a core platform (looked up once per platform)."""
    if not platform or not platform.isidentifier():
        return None
    try:
        module = importlib.import_module(f"scrapli.driver.core.{platform}.base_driver")
    except ImportError:
        return None
    levels = getattr(module, "PRIVS", None)
    return levels if isinstance(levels, dict) else None


class _Client(asyncssh.SSHClient):
    """asyncssh's client, saying when the device has accepted the credentials: the login's
    place under ``max_logins`` is given back then (``logins.authenticated``).

    With a password to send, it skips the ``none`` request asyncssh (like OpenSSH) makes
    first to learn the device's methods: a round trip per login that netmiko's paramiko does
    not make either. The first method tried is then the first of ``preferred_auth``; a device
    that refuses it still names the methods it takes, and asyncssh goes on from those."""

    def __init__(self, on_authenticated: Callable[[], None], *, has_password: bool = False) -> None:
        self._on_authenticated = on_authenticated
        self._has_password = has_password

    def connection_made(self, conn: asyncssh.SSHClientConnection) -> None:
        preferred = getattr(conn, "_preferred_auth", None)
        if self._has_password and preferred and getattr(conn, "_auth_methods", None) == [b"none"]:
            conn._auth_methods = list(preferred)

    def auth_completed(self) -> None:
        self._on_authenticated()


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
            LOOP.run(_on_open(self.connection, on_open))

    def send_command(self, command: str, **options: Any) -> Any:
        return LOOP.run(self.connection.send_command(command, **options))

    def send_configs(self, configs: list[str], **options: Any) -> Any:
        return LOOP.run(self.connection.send_configs(configs, **options))

    def get_prompt(self) -> str:
        shown = getattr(self.connection.channel, "shown_prompt", None)
        if shown is not None:  # the prompt that ended the last reply: no trip to the loop
            return str(shown)
        return str(LOOP.run(self.connection.get_prompt()))

    def close(self) -> None:
        if self.connection.isalive():
            LOOP.run(_log_out(self.connection))


# The terminal settings scrapli's own on_open of a platform sends, one command and one round
# trip at a time, once it has the platform's default privilege level.
_TERMINAL_SETTINGS = {
    iosxe_on_open: ("terminal length 0", "terminal width 512"),
    eos_on_open: ("terminal length 0", "terminal width 32767"),
}


async def _on_open(connection: AsyncScrapli, on_open: Any) -> None:
    """scrapli's on_open, its terminal settings typed at once: the second setting no longer
    waits a round trip for the first's prompt (a thousand-host backup: 0.97x the time).
    Devices read type-ahead line by line, as when a person pastes lines; scrapli ignores
    what these commands print, and so does this. Any other on_open runs as it is."""
    settings = _TERMINAL_SETTINGS.get(on_open)
    channel = connection.channel
    if settings is None or not isinstance(channel, OneWriteChannel):
        await on_open(connection)
        return
    await connection.acquire_priv(desired_priv=connection.default_desired_privilege_level)
    await channel.send_lines(settings)


def _found_ssh_config(configured: Any) -> Any:
    """The SSH config file scrapli resolves ``configured`` to (the file named, else
    ~/.ssh/config, else /etc/ssh/ssh_config; True: the latter two), found here by os.path.
    scrapli probes each candidate with pathlib, a third of a session's construction when the
    first is missing; given the file it finds, it probes once. Unchanged when none is found
    (or for ``False``, no file), so scrapli decides as before."""
    if configured is False or not isinstance(configured, (str, bool)):
        return configured
    for candidate in (
        "" if configured is True else configured,
        "~/.ssh/config",
        "/etc/ssh/ssh_config",
    ):
        if candidate and os.path.isfile(os.path.expanduser(candidate)):
            return str(Path(candidate).expanduser())
    return configured


def _close_quietly(transport: Any) -> None:
    """Close the transport of a login that failed, as a device would drop it. scrapli's
    paramiko transport closes its SSH session and socket only once a channel is open, so
    those are closed here too (a login that failed before opening them has nothing to close)."""
    parts = [getattr(transport, name, None) for name in ("session", "socket")]
    for closable in (transport, *parts):
        if closable is not None:
            with contextlib.suppress(Exception):
                closable.close()


async def _on_loop(function: Callable[..., T], *args: Any) -> T:
    return function(*args)


async def _log_out(connection: AsyncScrapli) -> None:
    """Close the SSH session. scrapli's own on_close asks for the prompt to regain
    privilege and types ``exit``: packets and a round trip per host for a line the device
    frees anyway when the SSH connection closes."""
    connection.on_close = None
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
        ssh_config = configuration.ssh.config_file if configuration is not None else False
        parameters: dict[str, Any] = {
            "host": hostname,
            "auth_username": username or "",
            "auth_password": password or "",
            "port": port or 22,
            "ssh_config_file": ssh_config,
            "platform": platform,
            "transport": "asyncssh",
            **(extras or {}),
        }
        if parameters["transport"] not in ASYNC_TRANSPORTS:
            connection = Scrapli(**parameters)
            try:
                connection.open()
            except BaseException:
                _close_quietly(connection.transport)  # scrapli leaves it open: an ssh process
                raise
            self.connection = connection
            return
        transport_options = dict(parameters.get("transport_options") or {})
        asyncssh_options: dict[str, Any] = {
            "encryption_algs": list(PREFERRED_CIPHERS),
            "preferred_auth": list(PREFERRED_AUTH),
        }
        asyncssh_options.update(transport_options.get("asyncssh") or {})  # the user's win
        parameters["transport_options"] = {**transport_options, "asyncssh": asyncssh_options}
        if "privilege_levels" not in parameters:
            parameters["privilege_levels"] = _privilege_levels(parameters.get("platform"))
        parameters["ssh_config_file"] = _found_ssh_config(parameters["ssh_config_file"])
        if "client_factory" not in asyncssh_options:  # the login's place ends at its auth
            asyncssh_options["client_factory"] = functools.partial(
                _Client, logins.authenticated(), has_password=bool(password)
            )
        session = AsyncScrapli(**parameters)
        if session.ssh_config_file and not {"config", "options"} & asyncssh_options.keys():
            shared = sshconfig.shared_options(session.ssh_config_file)
            if shared is not None:  # the transport reads these at open()
                asyncssh_options.update(options=shared, config=())
        channel = session.channel
        channel.__class__ = OneWriteChannel  # a subclass with no state of its own to set up
        if type(session.transport) is AsyncsshTransport:
            session.transport.__class__ = TimerReadTransport  # likewise
        assert isinstance(channel, OneWriteChannel)
        channel.awaiting_login_prompt = True
        on_open, session.on_open = session.on_open, None  # run by after_login()
        try:
            LOOP.run(session.open())
        except BaseException:
            LOOP.run(_on_loop(_close_quietly, session.transport))  # telnet's refused login
            raise
        self.connection = SyncScrapli(session, on_open)

    def close(self) -> None:
        self.connection.close()
