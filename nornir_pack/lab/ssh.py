"""SSH front end of the lab: asyncssh sessions that feed keystrokes to a device's shell.

The terminal behaviour here is what the real clients depend on: the first prompt is printed
without waiting for input, each character is echoed as soon as the CLI reads it (never while a
command is still running, so type-ahead stays in order), ``\\r``, ``\\n`` and ``\\r\\n`` are one
Enter, NUL bytes are ignored, and a command's output and the next prompt go out in one write.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncssh

from .device import Device
from .shell import Shell

# Exec-channel programs other than CLI commands (SCP, for instance): prefix -> coroutine.
ExecHandler = Callable[["CliSession", str], Awaitable[int]]
EXEC_HANDLERS: dict[str, ExecHandler] = {}

_CTRL_C, _CTRL_Z, _BACKSPACE, _DELETE = 0x03, 0x1A, 0x08, 0x7F


class LoginGauge:
    """Logins in progress across the lab (TCP accepted, authentication not yet done) and the
    most seen at once: what an AAA server or sshd's MaxStartups would count."""

    def __init__(self) -> None:
        self.in_progress = 0
        self.peak = 0

    def begin(self) -> None:
        self.in_progress += 1
        self.peak = max(self.peak, self.in_progress)

    def end(self) -> None:
        self.in_progress -= 1


class LabSSHServer(asyncssh.SSHServer):
    """Password authentication against the device's credentials, then CLI sessions."""

    def __init__(
        self, device: Device, live: set[asyncssh.SSHServerConnection], gauge: LoginGauge
    ) -> None:
        self.device = device
        self._live = live
        self._gauge = gauge
        self._logging_in = False
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._live.add(conn)
        device = self.device
        device.connections += 1
        if device.connections <= device.knobs.refuse_connections or device.logins_cut():
            conn.abort()  # before the handshake, as a full MaxStartups or a management ACL does
            return
        self._logging_in = True
        self._gauge.begin()

    def auth_completed(self) -> None:
        self._login_over()

    def connection_lost(self, exc: Exception | None) -> None:
        self._login_over()
        if self._conn is not None:
            self._live.discard(self._conn)

    def _login_over(self) -> None:
        if self._logging_in:
            self._logging_in = False
            self._gauge.end()

    def begin_auth(self, username: str) -> bool:
        return True  # always ask: the first "none" attempt fails and password is offered

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        device = self.device
        device.logins += 1
        if device.knobs.reject_auth:
            return False
        user_ok = hmac.compare_digest(username.encode(), device.username.encode())
        password_ok = hmac.compare_digest(password.encode(), device.password.encode())
        return user_ok and password_ok

    def session_requested(self) -> CliSession:
        assert self._conn is not None
        return CliSession(self.device, self._conn)


class CliSession(asyncssh.SSHServerSession[bytes]):
    """One SSH channel: an interactive shell, or a single exec command."""

    def __init__(self, device: Device, conn: asyncssh.SSHServerConnection) -> None:
        self.device = device
        self.conn = conn
        self.user: str = conn.get_extra_info("username") or device.username
        self.shell = Shell(device, self.user)
        self.inbox = bytearray()
        self.wake = asyncio.Event()
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._exec: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._line = bytearray()
        self._after_cr = False
        self._commands = 0
        self._hung = False
        self._closed = False

    @property
    def chan(self) -> asyncssh.SSHServerChannel[bytes]:
        assert self._chan is not None
        return self._chan

    # -- asyncssh callbacks
    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: object, term_modes: object) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self._exec = command
        return True

    def session_started(self) -> None:
        if self._exec is not None:
            self._task = asyncio.create_task(self._run_exec(self._exec))
            return
        self.write(self.shell.greeting())
        self._task = asyncio.create_task(self._run_shell())

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.inbox += data
        self.wake.set()

    def eof_received(self) -> bool:
        self.wake.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    # -- output
    def write(self, text: str) -> None:
        if not self._closed:
            self.chan.write(text.replace("\n", "\r\n").encode())

    async def read_bytes(self, count: int) -> bytes:
        """Read exactly ``count`` bytes of channel input (for exec programs such as SCP)."""
        while len(self.inbox) < count:
            if self._closed:
                raise ConnectionError("channel closed")
            self.wake.clear()
            await self.wake.wait()
        data = bytes(self.inbox[:count])
        del self.inbox[:count]
        return data

    async def read_line(self) -> bytes:
        """Read channel input up to and including ``\\n``."""
        while b"\n" not in self.inbox:
            if self._closed:
                raise ConnectionError("channel closed")
            self.wake.clear()
            await self.wake.wait()
        end = self.inbox.index(b"\n") + 1
        data = bytes(self.inbox[:end])
        del self.inbox[:end]
        return data

    # -- input processing
    async def _run_exec(self, command: str) -> None:
        status = 0
        try:
            handler = next(
                (h for prefix, h in EXEC_HANDLERS.items() if command.startswith(prefix)), None
            )
            if handler is not None:
                status = await handler(self, command)
            else:
                self.shell.privileged = True
                self.write(self.shell.run(command))
        except (ConnectionError, asyncio.CancelledError):
            return
        if not self._closed:
            self.chan.exit(status)

    async def _run_shell(self) -> None:
        try:
            while not self._closed:
                if not self.inbox:
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                data = bytes(self.inbox)
                self.inbox.clear()
                await self._feed(data)
        except asyncio.CancelledError:
            pass

    async def _feed(self, data: bytes) -> None:
        echo = bytearray()
        for position, byte in enumerate(data):
            if self._hung or self._closed:
                return
            if byte == 0:
                continue
            if byte == 0x0A and self._after_cr:
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0D, 0x0A):
                self._flush(echo)
                # bytes after this Enter are echoed only once the command has answered
                self.inbox[:0] = data[position + 1 :]
                await self._enter()
                return
            if byte in (_CTRL_C, _CTRL_Z):
                self._line.clear()
                self._flush(echo)
                self.write(self.shell.interrupt())
            elif byte in (_BACKSPACE, _DELETE):
                if self._line:
                    self._line.pop()
                    if self.shell.echo:
                        echo += b"\b \b"
            else:
                self._line.append(byte)
                if self.shell.echo:
                    echo.append(byte)
        self._flush(echo)

    def _flush(self, echo: bytearray) -> None:
        if echo and not self._closed:
            self.chan.write(bytes(echo))
        echo.clear()

    async def _enter(self) -> None:
        line = self._line.decode("utf-8", errors="replace")
        self._line.clear()
        if line.strip() and not self.shell.answering:
            self._commands += 1
            knobs = self.device.knobs
            dropped = knobs.drop_lines and knobs.drops(line.strip())
            if dropped or (knobs.drop_after is not None and self._commands > knobs.drop_after):
                self._closed = True
                self.conn.abort()
                return
            if knobs.hang_after is not None and self._commands > knobs.hang_after:
                self._hung = True
                return
            if knobs.latency:
                await asyncio.sleep(knobs.latency)
        reply = self.shell.handle(line)
        self.write(reply.text)
        if reply.close:
            self._closed = True
            self.chan.exit(0)


@functools.cache
def lab_host_key() -> asyncssh.SSHKey:
    """One Ed25519 host key for every lab device, generated once and kept in the user's cache.

    Generating a key per device would cost seconds at 1,000 devices, and a key that survives
    restarts keeps clients that cache host keys happy.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nornir-pack"
    path = cache / "lab_host_key"
    try:
        return asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError):
        key = asyncssh.generate_private_key("ssh-ed25519")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        key.write_private_key(path)
        path.chmod(0o600)
    except OSError:
        pass  # a read-only home still gets a working (if not persistent) key
    return key


async def serve(
    device: Device,
    address: str,
    live: set[asyncssh.SSHServerConnection],
    gauge: LoginGauge | None = None,
) -> asyncssh.SSHAcceptor:
    """Listen for SSH on the device's port (0 picks a free one and records it).

    Open connections are kept in ``live`` so that the lab can close them when it stops;
    ``gauge`` counts logins in progress across the devices that share it.
    """
    shared = gauge or LoginGauge()
    acceptor = await asyncssh.create_server(
        lambda: LabSSHServer(device, live, shared),
        address,
        device.port,
        server_host_keys=[lab_host_key()],
        encoding=None,
        reuse_address=True,
        login_timeout=60,
    )
    device.port = acceptor.get_port()
    return acceptor
