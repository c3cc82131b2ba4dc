"""Files to and from a device's flash over SCP, on a Paramiko SSH connection of its own.

Real devices take files (images, replace candidates) over SCP and check them with their own
MD5 command; this module does both on one extra SSH connection, whichever plugin the host
uses, with that plugin's credentials: SCP (the ``scp`` package, as netmiko's FileTransfer
uses) for the bytes, and SSH exec channels for ``dir`` (free space), ``verify /md5`` and
``delete``. Keeping it apart from the CLI session means a transfer never disturbs the
session that configures the device, and the session keeps working while a replace cuts new
logins. paramiko and scp are imported when a file is transferred: paramiko (with invoke) costs
0.1 s at the start of every run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ..exceptions import DeviceError, DeviceUnreachable, UsageError
from ..platforms import host_platform
from ..redaction import Redactor

if TYPE_CHECKING:
    import paramiko
    from nornir.core.inventory import Host
    from scp import SCPClient


@dataclass(frozen=True)
class FileSystemCommands:
    """How a platform names its flash and checks, measures and deletes files on it."""

    default: str  # the file system a bare name is on
    known: tuple[str, ...]  # file systems a remote path may name
    md5: str  # ``{path}``; the output has ``= <hex>``
    free: str  # ``{fs}``; the output has ``<n> bytes free``
    delete: str  # ``{path}``; removes without a question
    scp_hint: str  # what to configure when the device refuses SCP


FILE_SYSTEMS: Mapping[str, FileSystemCommands] = {
    "cisco_ios": FileSystemCommands(
        "flash:",
        ("flash:", "bootflash:"),
        "verify /md5 {path}",
        "dir {fs}",
        "delete /force {path}",
        "enable the SCP server with 'ip scp server enable'",
    ),
    "arista_eos": FileSystemCommands(
        "flash:",
        ("flash:",),
        "verify /md5 {path}",
        "dir {fs}",
        "delete {path}",
        "check that the user may run scp (AAA) and that SSH is enabled",
    ),
}
FILE_SYSTEMS = {**FILE_SYSTEMS, "cisco_xe": FILE_SYSTEMS["cisco_ios"]}

_NAME = re.compile(r"^[A-Za-z0-9_.+\-]+(?:/[A-Za-z0-9_.+\-]+)*$")
_MD5 = re.compile(r"=\s*([0-9a-fA-F]{32})\b")
_FREE = re.compile(r"(\d+) bytes free")
_TIMEOUT = 30.0


@dataclass(frozen=True)
class RemoteFile:
    """A file on the device: its file system (``flash:``) and its name there."""

    filesystem: str
    name: str

    @property
    def path(self) -> str:
        return f"{self.filesystem}{self.name}"


def remote_file(text: str, platform: str) -> RemoteFile:
    """Parse ``flash:name``, ``flash:/name`` or ``name`` (on the default file system).

    Raises:
        UsageError: an empty name, an unknown file system, ``..`` or odd characters.

    >>> remote_file("flash:/candidate.cfg", "cisco_ios").path
    'flash:candidate.cfg'
    """
    commands = file_system_commands(platform)
    filesystem, _, name = text.rpartition(":")
    filesystem = (filesystem + ":").lower() if filesystem else commands.default
    name = name.lstrip("/")
    if (
        filesystem not in commands.known
        or not _NAME.match(name)
        or ".." in name.split("/")
        or name.startswith(".")
    ):
        raise UsageError(
            f"remote path '{text}' is not a file on the device: use "
            f"{' or '.join(commands.known)} and a file name, e.g. {commands.default}backup.cfg"
        )
    return RemoteFile(filesystem, name)


def file_system_commands(platform: str) -> FileSystemCommands:
    commands = FILE_SYSTEMS.get(platform)
    if commands is None:
        raise UsageError(
            f"platform '{platform}' has no file transfer: use one of {', '.join(FILE_SYSTEMS)}"
        )
    return commands


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def ssh_port(host: Host, plugin: str) -> int:
    """The SSH port for ``plugin``'s credentials: its own port, except NAPALM on EOS, whose
    port is eAPI's (HTTP) unless its transport is SSH."""
    params = host.get_connection_parameters(plugin)
    optional = (params.extras or {}).get("optional_args") or {}
    eapi = plugin == "napalm" and host_platform(host) == "arista_eos"
    if eapi and optional.get("transport") != "ssh":
        return int(host.port or 22)
    return int(params.port or host.port or 22)


class FileTransfer:
    """One SSH connection to a host's device for SCP and file commands; a context manager.

    Every failure is a DeviceError (DeviceUnreachable when the device cannot be reached or
    logged in to); the host's passwords never appear in a message.
    """

    def __init__(self, host: Host, plugin: str, timeout: float = _TIMEOUT) -> None:
        self.host = host
        self.plugin = plugin
        self.platform = host_platform(host)
        self.commands = file_system_commands(self.platform)
        self.timeout = timeout
        self._client: paramiko.SSHClient | None = None

    # -- connection
    def __enter__(self) -> FileTransfer:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        import paramiko  # noqa: PLC0415 (only when a file is transferred: 0.1 s at start-up)

        params = self.host.get_connection_parameters(self.plugin)
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # as netmiko does
        port = ssh_port(self.host, self.plugin)
        try:
            client.connect(
                hostname=params.hostname or self.host.hostname or "",
                port=port,
                username=params.username,
                password=params.password,
                look_for_keys=False,
                allow_agent=False,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
            )
        except Exception as exc:
            client.close()
            raise DeviceUnreachable(
                f"file transfer: cannot log in over SSH to {params.hostname}:{port}: "
                f"{self._clean(exc)}"
            ) from None
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    @property
    def transport(self) -> paramiko.Transport:
        if self._client is None:
            self.open()
        assert self._client is not None
        transport = self._client.get_transport()
        if transport is None or not transport.is_active():
            raise DeviceUnreachable("file transfer: the SSH connection to the device is closed")
        return transport

    # -- commands
    def run(self, command: str) -> str:
        """One exec command's output (an SSH exec channel, as ``ssh device "cmd"``)."""
        try:
            channel = self.transport.open_session(timeout=self.timeout)
            channel.settimeout(self.timeout)
            channel.exec_command(command)
            chunks = []
            while True:
                data = channel.recv(65536)
                if not data:
                    break
                chunks.append(data)
            channel.close()
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceUnreachable(
                f"file transfer: '{command}' failed: {self._clean(exc)}"
            ) from None
        return b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")

    def md5(self, remote: RemoteFile) -> str | None:
        """The device's MD5 of the file, or None when there is no such file."""
        output = self.run(self.commands.md5.format(path=remote.path))
        match = _MD5.search(output)
        if match is not None:
            return match.group(1).lower()
        if "No such file" in output or "Error opening" in output or "does not exist" in output:
            return None
        raise DeviceError(f"file transfer: cannot read the MD5 of {remote.path}: {output.strip()}")

    def free_bytes(self, remote: RemoteFile) -> int:
        output = self.run(self.commands.free.format(fs=remote.filesystem))
        match = _FREE.search(output)
        if match is None:
            raise DeviceError(
                f"file transfer: cannot read the free space of {remote.filesystem}: "
                f"{output.strip()[:200]}"
            )
        return int(match.group(1))

    def delete(self, remote: RemoteFile) -> None:
        output = self.run(self.commands.delete.format(path=remote.path))
        if "%" in output and "No such file" not in output:
            raise DeviceError(f"file transfer: cannot delete {remote.path}: {output.strip()}")

    # -- transfers
    def put(self, data: bytes, remote: RemoteFile, *, check_space: bool = True) -> None:
        """Upload ``data`` to ``remote`` and check the device's MD5 of what it stored.

        Raises:
            DeviceError: not enough free space, SCP refused, or the MD5 differs.
        """
        if check_space:
            free = self.free_bytes(remote)
            if free < len(data):
                raise DeviceError(
                    f"file transfer: {remote.path} needs {len(data)} bytes, "
                    f"{remote.filesystem} has {free} free"
                )
        with self._scp(remote, "uploading") as scp:
            scp.putfo(io.BytesIO(data), remote.path, size=len(data))
        stored = self.md5(remote)
        if stored != md5_bytes(data):
            raise DeviceError(
                f"file transfer: the device's MD5 of {remote.path} is {stored}, "
                f"not {md5_bytes(data)}: the upload is corrupt"
            )

    def get(self, remote: RemoteFile, local: Path, expected_md5: str) -> int:
        """Download ``remote`` to ``local`` (atomically: a temporary file, checked, renamed).

        Returns the bytes received.

        Raises:
            DeviceError: SCP refused, or what arrived does not have the device's MD5.
        """
        handle, temporary = tempfile.mkstemp(prefix=f".{local.name}.", dir=local.parent)
        os.close(handle)
        try:
            with self._scp(remote, "downloading") as scp:
                scp.get(remote.path, temporary)
            data = Path(temporary).read_bytes()
            if md5_bytes(data) != expected_md5:
                raise DeviceError(
                    f"file transfer: {remote.path} arrived with MD5 {md5_bytes(data)}, "
                    f"the device says {expected_md5}: the download is corrupt"
                )
            os.replace(temporary, local)
            return len(data)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)

    @contextlib.contextmanager
    def _scp(self, remote: RemoteFile, doing: str) -> Iterator[SCPClient]:
        """An SCP session over the transport; what SCP refused is the device's DeviceError,
        any other failure DeviceUnreachable, saying what was ``doing``."""
        from scp import SCPClient, SCPException  # noqa: PLC0415 (loads paramiko: see open)

        try:
            with SCPClient(self.transport, socket_timeout=self.timeout) as scp:
                yield scp
        except SCPException as exc:
            raise self._refused(exc, remote) from None
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceUnreachable(
                f"file transfer: {doing} {remote.path} failed: {self._clean(exc)}"
            ) from None

    def _refused(self, exc: Exception, remote: RemoteFile) -> DeviceError:
        text = self._clean(exc)
        hint = f": {self.commands.scp_hint}" if "not enabled" in text.lower() else ""
        return DeviceError(f"file transfer: the device refused SCP of {remote.path} ({text}){hint}")

    def _clean(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        return Redactor.from_host(self.host)(text)


__all__ = [
    "FILE_SYSTEMS",
    "FileSystemCommands",
    "FileTransfer",
    "RemoteFile",
    "md5_bytes",
    "remote_file",
    "ssh_port",
]
