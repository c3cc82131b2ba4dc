"""EOS configuration sessions, shared by every SSH and eAPI client of a device.

A session is a private copy of the running config that lines are applied to until it is
committed (the copy becomes the running config, atomically) or aborted. NAPALM eos loads a
candidate as ``configure session napalm_N`` / ``rollback clean-config`` / lines / ``end`` over
eAPI and treats another client's ``pending`` session as a lock; scrapli_cfg does the same over
SSH. ``commit timer`` reverts unless the session is committed again in time.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from dataclasses import dataclass
from typing import Any

from .config import ConfigEngine, ConfigNode, render
from .device import Device
from .filesystem import merge_text, parse_file, read, resolve
from .shell import ARG, REST, Command, Shell, register, register_json

_EOS = frozenset({"arista_eos"})
MAX_PENDING = 5
MAX_COMPLETED = 1

PENDING, TIMER, COMPLETED = "pending", "pendingCommitTimer", "completed"


@dataclass
class ConfigSession:
    """One named configuration session and what its commit timer needs."""

    name: str
    root: ConfigNode
    user: str
    state: str = PENDING
    completed: float = 0.0  # wall clock time of the commit
    commit_by: float | None = None  # device uptime when the commit timer runs out
    before: ConfigNode | None = None  # the running config a timed commit reverts to
    handle: asyncio.TimerHandle | None = None


def uptime(device: Device) -> float:
    return time.monotonic() - device.booted


def _session_name(shell: Shell, args: list[str]) -> str | None:
    """``named X`` from the arguments, else the session this shell is in."""
    words = [word.lower() for word in args]
    if "named" in words[:-1]:
        return args[words.index("named") + 1]
    return shell.session


def _missing(name: str) -> str:
    return f"% Session {name} does not exist\n"


# -- entering, committing, aborting
def _configure_session(shell: Shell, args: list[str]) -> str:
    device = shell.device
    name = args[0] if args else f"session{int(time.time() * 1000) % 10**9}"
    action = [word.lower() for word in args[1:]]
    if action and "commit".startswith(action[0]):
        return commit(shell, name, _timer_seconds(action[1:]))
    if action and "abort".startswith(action[0]):
        return abort(shell, name)
    if action:
        return shell.error("invalid", ["configure", "session", *args], 3)
    session = device.sessions.get(name)
    if session is None:
        pending = sum(s.state == PENDING for s in device.sessions.values())
        if pending >= MAX_PENDING:
            return (
                "% Maximum number of pending sessions has been reached. "
                "Please commit or abort previous sessions before creating a new one\n"
            )
        session = ConfigSession(name, device.running.copy(), shell.user)
        device.sessions[name] = session
    elif session.state != PENDING:
        return f"% Cannot enter session {name} (session state is {session.state})\n"
    shell.engine = ConfigEngine(device.platform, session.root)
    shell.session = name
    return ""


def _timer_seconds(words: list[str]) -> float | None:
    if not words or words[0] != "timer":
        return None
    parts = (words[1] if len(words) > 1 else "").split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    hours, minutes, seconds = (int(part) for part in parts)
    return float(hours * 3600 + minutes * 60 + seconds)


def commit(shell: Shell, name: str, timer: float | None = None) -> str:
    """Make the session the running config; with a timer, revert unless committed again."""
    device = shell.device
    session = device.sessions.get(name)
    if session is None or session.state not in (PENDING, TIMER):
        return _missing(name)
    if shell.session == name:
        shell.engine, shell.session = None, None
    if session.state == TIMER:  # the confirming commit
        _finish(device, session)
        return ""
    before = device.running.copy()
    device.replace_running(session.root.copy(), shell.user)
    if not timer:
        _finish(device, session)
        return ""
    session.state, session.before = TIMER, before
    delay = timer * device.knobs.minute_seconds / 60
    session.commit_by = uptime(device) + delay
    try:
        session.handle = asyncio.get_running_loop().call_later(delay, _expire, device, session)
    except RuntimeError:  # driven directly, not served: nothing to count with
        session.handle = None
    return ""


def _finish(device: Device, session: ConfigSession) -> None:
    if session.handle is not None:
        session.handle.cancel()
    session.state, session.completed = COMPLETED, time.time()
    session.commit_by, session.before, session.handle = None, None, None
    completed = [s for s in device.sessions.values() if s.state == COMPLETED]
    for old in sorted(completed, key=lambda s: s.completed)[:-MAX_COMPLETED]:
        del device.sessions[old.name]


def _expire(device: Device, session: ConfigSession) -> None:
    if session.state == TIMER and session.before is not None:
        device.replace_running(session.before, session.user)
        device.sessions.pop(session.name, None)


def abort(shell: Shell, name: str) -> str:
    """Drop a session; a timed commit not yet confirmed is rolled back."""
    device = shell.device
    session = device.sessions.get(name)
    if shell.session == name:
        shell.engine, shell.session = None, None
    if session is None or session.state == COMPLETED:
        return ""
    if session.state == TIMER:
        if session.handle is not None:
            session.handle.cancel()
        if session.before is not None:
            device.replace_running(session.before, shell.user)
    del device.sessions[name]
    return ""


# -- commands inside a session
def _in_session(shell: Shell) -> bool:
    return shell.session is not None and shell.session in shell.device.sessions


def _commit_here(shell: Shell, args: list[str]) -> str:
    if not _in_session(shell):
        return shell.device.platform.invalid_input + "\n"
    assert shell.session is not None
    return commit(shell, shell.session, _timer_seconds([w.lower() for w in args]))


def _abort_here(shell: Shell, args: list[str]) -> str:
    if not _in_session(shell):
        return shell.device.platform.invalid_input + "\n"
    assert shell.session is not None
    return abort(shell, shell.session)


def _rollback_clean(shell: Shell, args: list[str]) -> str:
    if not _in_session(shell):
        return shell.device.platform.invalid_input + "\n"
    assert shell.session is not None and shell.engine is not None
    shell.device.sessions[shell.session].root.children.clear()
    shell.engine = ConfigEngine(shell.device.platform, shell.device.sessions[shell.session].root)
    return ""


def _copy_to_session(shell: Shell, args: list[str]) -> str:
    """``copy <file> session-config`` inside a session: the file's lines go into the session
    (after ``rollback clean-config``, the file becomes the whole candidate)."""
    if not _in_session(shell):
        return shell.device.platform.invalid_input + "\n"
    assert shell.session is not None
    device = shell.device
    location = resolve(device, args[0])
    text = None if location is None else read(device, location)
    if text is None:
        return f"% Error: file {args[0]} does not exist\n"
    root = device.sessions[shell.session].root
    complaints = merge_text(shell, text, root)
    shell.engine = ConfigEngine(device.platform, root)  # back at the top of the session
    return complaints + device.platform.copy_reply.format(size=len(text.encode()))


# -- show commands
def _show_session_config(shell: Shell, args: list[str]) -> str:
    device = shell.device
    name = _session_name(shell, args)
    if name is None:
        return "% Not currently in a configuration session\n"
    session = device.sessions.get(name)
    if session is None:
        return _missing(name)
    body = render(session.root, device.platform)
    if "diffs" not in (word.lower() for word in args):
        return device.show_running().replace(device.running_text(), "") + body
    diff = difflib.unified_diff(
        device.running_text().splitlines(),
        body.splitlines(),
        "system:/running-config",
        f"session:/{name}-session-config",
        lineterm="",
    )
    return "".join(line + "\n" for line in diff)


def sessions_view(shell: Shell, args: list[str]) -> dict[str, Any]:
    """``show configuration sessions [detail]`` as JSON, in the pre-4.32 layout NAPALM reads."""
    entries: dict[str, Any] = {}
    for session in shell.device.sessions.values():
        entry: dict[str, Any] = {"state": session.state, "description": "", "instances": {}}
        if session.state == COMPLETED:
            entry["completedTime"] = session.completed
        if session.commit_by is not None:
            entry["commitBy"] = session.commit_by
        entries[session.name] = entry
    return {"sessions": entries, "maxSavedSessions": MAX_COMPLETED, "maxOpenSessions": MAX_PENDING}


def _show_sessions(shell: Shell, args: list[str]) -> str:
    lines = [
        f"Maximum number of completed sessions: {MAX_COMPLETED}",
        f"Maximum number of pending sessions: {MAX_PENDING}",
        "",
        "  Name                 State                User       Terminal",
        "  -------------------- -------------------- ---------- --------",
    ]
    for session in shell.device.sessions.values():
        mark = "*" if session.name == shell.session else " "
        lines.append(f"{mark} {session.name:<20} {session.state:<20} {session.user:<10}")
    return "\n".join(lines) + "\n"


# -- configure replace (EOS: atomic, nothing changes when a line is refused)
def _configure_replace(shell: Shell, args: list[str]) -> str:
    device = shell.device
    location = resolve(device, args[0])
    text = None if location is None else read(device, location)
    if text is None:
        return f"% Error: file {args[0]} does not exist\n"
    root, errors = parse_file(device, text)
    if errors:
        bad = errors[0]
        return f"% Invalid input (at token 0: '{bad.line.split()[0]}') at line {bad.line_number}\n"
    device.replace_running(root, shell.user)
    return ""


register(
    Command(("configure", "session", REST), _configure_session, platforms=_EOS),
    Command(("configure", "replace", ARG, REST), _configure_replace, platforms=_EOS),
    Command(("show", "session-config", REST), _show_session_config, platforms=_EOS),
    Command(("show", "configuration", "sessions", REST), _show_sessions, platforms=_EOS),
)
register(
    Command(("commit", REST), _commit_here, platforms=_EOS),
    Command(("abort",), _abort_here, platforms=_EOS),
    Command(("rollback", "clean-config"), _rollback_clean, platforms=_EOS),
    Command(("copy", ARG, "session-config"), _copy_to_session, platforms=_EOS),
    config_mode=True,
)
register_json(("show", "configuration", "sessions", REST), sessions_view)
