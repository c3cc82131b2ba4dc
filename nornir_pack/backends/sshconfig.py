"""One parse of an SSH config file that says the same for every host, shared by all sessions.

scrapli hands asyncssh the path of the SSH config file (Nornir's ``ssh.config_file``, else the
system's ``/etc/ssh/ssh_config``), and asyncssh parses it again for every connection, because
``Host`` and ``Match`` blocks and ``%h`` tokens may say something different for each host: at
a thousand hosts that is a thousand parses of the same file. A file whose only blocks are
``Host *`` (as the system default is), with no ``Match``, no ``%`` token and no host
canonicalisation, says the same for every host; it is parsed once, and each session starts
from that parse (asyncssh's own ``options=``). Any other file is parsed per host, as before.
An edit to the file or to a file it includes is picked up by the next session.

A ``SendEnv`` line (Debian's default file has ``SendEnv LANG LC_*``) is looked up in this
process's environment at that one parse, not on every session's channel: asyncssh matches
each pattern against every environment variable per channel, and the environment the run
started with is the one it sends.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import asyncssh
from asyncssh.misc import encode_env, lookup_env

# Lines of an SSH config file that may make it say something different for each host.
_PER_HOST_KEYWORDS = re.compile(r"match|canonical\w*", re.IGNORECASE)
_MAX_INCLUDE_DEPTH = 16  # OpenSSH's own limit


@dataclass(frozen=True)
class _Parsed:
    stamps: tuple[tuple[str, int], ...]  # every file read, with its modification time
    patterns: tuple[str, ...]  # the Include patterns, globbed again to see new files
    options: asyncssh.SSHClientConnectionOptions | None  # None: parse per host


_lock = threading.Lock()
_parsed: dict[str, _Parsed] = {}


def shared_options(path: str) -> asyncssh.SSHClientConnectionOptions | None:
    """asyncssh options holding the one parse of ``path``, or None when the file may say
    something different for each host (or cannot be read): then asyncssh parses it itself."""
    with _lock:
        known = _parsed.get(path)
    if known is not None and _unchanged(known):
        return known.options
    parsed = _parse(path)
    with _lock:
        _parsed[path] = parsed
    return parsed.options


def is_shared(options: object) -> bool:
    """Whether ``options`` is one of the shared parses (the same for every host)."""
    with _lock:
        return any(parsed.options is options for parsed in _parsed.values())


def _unchanged(parsed: _Parsed) -> bool:
    files = {name for pattern in parsed.patterns for name in glob.glob(pattern)}
    if not files <= {name for name, _ in parsed.stamps}:
        return False  # an Include now finds a file it did not
    return all(_stamp(name) == stamp for name, stamp in parsed.stamps)


def _stamp(name: str) -> int:
    try:
        return os.stat(name).st_mtime_ns
    except OSError:
        return -1


def _parse(path: str) -> _Parsed:
    stamps: list[tuple[str, int]] = []
    patterns: list[str] = []
    same_for_all = _same_for_every_host(path, stamps, patterns, depth=0)
    options = None
    if same_for_all:
        try:
            options = _with_env_resolved(asyncssh.SSHClientConnectionOptions(config=[path]), path)
        except Exception:  # asyncssh says what is wrong when it parses per host
            options = None
    return _Parsed(tuple(stamps), tuple(patterns), options)


def _with_env_resolved(
    options: asyncssh.SSHClientConnectionOptions, path: str
) -> asyncssh.SSHClientConnectionOptions:
    """``options`` with its ``SendEnv`` patterns looked up once: the variables they match,
    with ``SetEnv``'s values over them, as asyncssh would send them on each channel."""
    if not options.send_env:
        return options
    env = dict(lookup_env(options.send_env))
    env.update(encode_env(options.env or {}))
    return asyncssh.SSHClientConnectionOptions(config=[path], send_env=None, env=env)


def _same_for_every_host(
    path: str, stamps: list[tuple[str, int]], patterns: list[str], depth: int
) -> bool:
    """Whether the file (and what it includes) has only ``Host *`` blocks, no ``Match``, no
    ``%`` token and no canonicalisation; records every file read and Include pattern."""
    stamps.append((path, _stamp(path)))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "%" in line:
            return False
        keyword, *others = re.split(r"\s*=\s*|\s+", line, maxsplit=1)
        rest = others[0] if others else ""
        if _PER_HOST_KEYWORDS.fullmatch(keyword):
            return False
        if keyword.lower() == "host" and rest.split() != ["*"]:
            return False
        if keyword.lower() == "include" and not _includes_same(rest, stamps, patterns, depth):
            return False
    return True


def _includes_same(
    rest: str, stamps: list[tuple[str, int]], patterns: list[str], depth: int
) -> bool:
    if depth >= _MAX_INCLUDE_DEPTH:
        return False
    for word in rest.split():
        pattern = os.path.expanduser(word.strip("\"'"))
        if not os.path.isabs(pattern):
            return False  # resolved against ~/.ssh or /etc/ssh by the reader: not guessed
        patterns.append(pattern)
        for name in sorted(glob.glob(pattern)):
            if not _same_for_every_host(name, stamps, patterns, depth + 1):
                return False
    return True
