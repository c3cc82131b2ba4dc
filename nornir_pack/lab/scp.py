"""The SCP server side of a simulated device: ``scp -t`` (upload) and ``scp -f`` (download).

NAPALM ios uploads candidate configs with netmiko's ``FileTransfer`` (the ``scp`` package over
a second SSH connection), then checks the MD5 with ``verify /md5``. Uploads are stored under the
target path the client asked for, not the name on the ``C`` line, as IOS does; a platform that
needs a config line for SCP (IOS ``ip scp server enable``) refuses without it.
"""

from __future__ import annotations

import re
import shlex

from .filesystem import FILE, ROOT, resolve
from .ssh import EXEC_HANDLERS, CliSession

_OK, _ERROR = b"\x00", b"\x01"
_C_LINE = re.compile(rb"^C([0-7]{4}) (\d+) (.+)\n$")


class _Refused(Exception):
    """The transfer cannot go on; the message goes back to the client after ``\\x01``."""


async def _line_or_eof(session: CliSession) -> bytes | None:
    """The next control line, or None when the client closed its side (end of the transfer).

    ``eof_received`` wakes the session without adding input, which is how EOF is told apart.
    """
    while b"\n" not in session.inbox:
        before = len(session.inbox)
        session.wake.clear()
        await session.wake.wait()
        if len(session.inbox) == before:
            return None
    end = session.inbox.index(b"\n") + 1
    line = bytes(session.inbox[:end])
    del session.inbox[:end]
    return line


async def _receive(session: CliSession, target: str) -> int:
    """``scp -t``: acknowledge, then take files until the client closes its side."""
    device = session.device
    location = resolve(device, target)
    if location is None or location.kind not in (FILE, ROOT):
        raise _Refused(f"scp: {target}: No such file or directory")
    session.chan.write(_OK)
    while True:
        line = await _line_or_eof(session)
        if line is None:
            return 0
        if line.startswith((b"T", b"D", b"E")):  # times and directories: nothing to keep
            session.chan.write(_OK)
            continue
        match = _C_LINE.match(line)
        if match is None:
            raise _Refused("scp: protocol error: expected a C line")
        size = int(match.group(2))
        session.chan.write(_OK)
        data = await session.read_bytes(size + 1)
        name = location.name if location.kind == FILE else match.group(3).decode()
        device.files[name] = data[:size]
        device.uploads.append(name)
        session.chan.write(_OK)


async def _send(session: CliSession, source: str) -> int:
    """``scp -f``: wait for the client's go, send one file, wait for its acknowledgement."""
    location = resolve(session.device, source)
    data = session.device.files.get(location.name) if location is not None else None
    if location is None or data is None:
        raise _Refused(f"scp: {source}: No such file or directory")
    await session.read_bytes(1)
    # the last part of the path as the client asked for it: OpenSSH checks that it matches
    name = source.rsplit("/", 1)[-1]
    session.chan.write(f"C0644 {len(data)} {name}\n".encode())
    if await session.read_bytes(1) != _OK:
        return 1
    session.chan.write(data + _OK)
    await session.read_bytes(1)
    return 0


async def serve_scp(session: CliSession, command: str) -> int:
    """Run one ``scp`` exec request; the exit status goes back to the client."""
    words = shlex.split(command)
    required = session.device.platform.scp_server_line
    try:
        if required is not None and session.device.running.child(required) is None:
            raise _Refused("scp: SCP server is not enabled")
        path = next((w for w in words[1:] if not w.startswith("-")), "")
        if "-t" in words:
            return await _receive(session, path)
        if "-f" in words:
            return await _send(session, path)
        raise _Refused("scp: usage: scp -t|-f <path>")
    except _Refused as refused:
        session.chan.write(_ERROR + str(refused).encode() + b"\n")
        return 1


EXEC_HANDLERS["scp "] = serve_scp
