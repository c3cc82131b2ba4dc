"""Atomic replace and commit-confirm for the CLI backends (netmiko, scrapli), as data + flow.

A replace typed line by line can cut its own session half-way (the removed line may be the one
that lets the pusher in); real devices replace atomically from a file instead. So the candidate
goes to flash over SCP (``transfer.FileTransfer``) and the device swaps it in: IOS ``configure
replace flash:F force``, EOS a configuration session loaded with ``rollback clean-config`` and
``copy flash:F session-config``, then committed.

Commit-confirm arms a timer on the device itself, so a change that breaks management access is
undone by the device with no further login: IOS ``configure terminal revert timer N`` (merge)
or ``configure replace ... revert trigger error timer N`` (replace), later ``configure
confirm``; EOS ``commit timer hh:mm:ss`` on a session, later the session committed again. IOS
timers count whole minutes (rounded up, at least one). Confirming needs nothing of the
committing session: IOS has one timer, and an EOS session awaiting its confirm is found by its
state when the backend object that made it is gone.
"""

from __future__ import annotations

import contextlib
import math
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from ..diff import sanitize
from ..exceptions import DeviceError, TransferFailed
from .transfer import FileTransfer, RemoteFile

if TYPE_CHECKING:
    from . import CliBackend

CANDIDATE_FILE = "nornir-pack-candidate.cfg"
SESSION_PREFIX = "nornir-pack-"


@dataclass(frozen=True)
class CommitCommands:
    """A platform's commands for atomic replace and commit-confirm.

    Placeholders: ``{file}`` the uploaded candidate (``flash:name``), ``{minutes}`` an IOS timer,
    ``{hms}`` an EOS timer (``hh:mm:ss``), ``{session}`` an EOS configuration session.
    """

    session: bool  # changes go through a named configuration session (EOS)
    begin_pending: str  # enters config mode with the change's revert timer armed / the session
    replace: str  # replaces the running config from {file} (IOS); "" = through the session
    replace_pending: str  # the same with the revert timer armed
    replace_lines: tuple[str, ...]  # in the session: make {file} the whole candidate (EOS)
    commit: str  # commits the session (EOS); confirms a timed commit as well
    commit_pending: str  # commits the session with its revert timer
    confirm: str
    revert_now: str
    abort: str  # drops a session that was never committed
    show_pending: str
    pending_pattern: re.Pattern[str]  # matches the output while a change awaits confirmation
    replace_done: str  # what a successful replace prints ("" = prints nothing)


_IOS = CommitCommands(
    session=False,
    begin_pending="configure terminal revert timer {minutes}",
    replace="configure replace {file} force",
    replace_pending="configure replace {file} force revert trigger error timer {minutes}",
    replace_lines=(),
    commit="",
    commit_pending="",
    confirm="configure confirm",
    revert_now="configure revert now",
    abort="",
    show_pending="show archive config rollback timer",
    pending_pattern=re.compile(r"Timer type:|Timer value:"),
    replace_done="Rollback Done",
)
_EOS = CommitCommands(
    session=True,
    begin_pending="configure session {session}",
    replace="",
    replace_pending="",
    replace_lines=("rollback clean-config", "copy {file} session-config"),
    commit="configure session {session} commit",
    commit_pending="configure session {session} commit timer {hms}",
    confirm="configure session {session} commit",
    revert_now="configure session {session} abort",
    abort="configure session {session} abort",
    show_pending="show configuration sessions",
    pending_pattern=re.compile(r"^[\s*]*(\S+)\s+pendingCommitTimer\b", re.MULTILINE),
    replace_done="",
)
COMMIT_COMMANDS: Mapping[str, CommitCommands] = {
    "cisco_ios": _IOS,
    "cisco_xe": _IOS,
    "arista_eos": _EOS,
}
# What a refused replace or commit prints (any case), beyond the platform's error strings.
_FAILED = ("%", "failed", "error", "not a valid config file")


def timer_minutes(seconds: float) -> int:
    """An IOS revert timer: whole minutes, rounded up, at least one.

    >>> timer_minutes(1), timer_minutes(60), timer_minutes(61)
    (1, 1, 2)
    """
    return max(1, math.ceil(seconds / 60))


def timer_hms(seconds: float) -> str:
    """An EOS commit timer, ``hh:mm:ss``, rounded up to whole seconds, at least one.

    >>> timer_hms(90.2)
    '00:01:31'
    """
    total = max(1, math.ceil(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def commands_for(backend: CliBackend) -> CommitCommands:
    commands = COMMIT_COMMANDS.get(backend.platform)
    if commands is None:  # CLI_PLATFORMS and this table list the same platforms
        raise DeviceError(f"platform '{backend.platform}' has no atomic replace or revert timer")
    return commands


def merge_pending(backend: CliBackend, lines: str, revert_after: float) -> None:
    """Merge ``lines`` (a remediation) with the revert timer armed: IOS arms ``configure
    terminal revert timer`` and types them in that config session; EOS types them into a new
    session and commits it with a timer. Nothing to change: nothing is armed."""
    commands = commands_for(backend)
    pushed = [line for line in lines.splitlines() if line.strip()]
    backend.pending_session, backend.armed = None, False
    if not pushed:
        return
    backend.check_reached()
    _refuse_second_pending(backend)
    session = f"{SESSION_PREFIX}{secrets.token_hex(4)}" if commands.session else ""
    values = {
        "minutes": timer_minutes(revert_after),
        "hms": timer_hms(revert_after),
        "session": session,
    }
    backend.enter(commands.begin_pending.format(**values))
    if commands.session:
        backend.pending_session = session
    else:
        backend.armed = True
    try:
        backend.push_lines(pushed)
        if commands.session:
            backend.exec_checked(commands.commit_pending.format(**values))
            backend.armed = True
    except DeviceError as exc:
        undo(backend, exc)


def replace(backend: CliBackend, candidate: str, revert_after: float | None) -> None:
    """Replace the running config with ``candidate`` atomically from a file on flash, with
    the revert timer armed when ``revert_after`` is given.

    Raises:
        TransferFailed: the candidate could not be uploaded (nothing changed).
        DeviceError: the device refused the replace (a pending one is taken back first).
    """
    backend.pending_session, backend.armed = None, False
    backend.check_reached()
    if revert_after is not None:
        _refuse_second_pending(backend)
    with uploaded(backend, candidate) as remote:
        replace_from(backend, remote, revert_after)


def replace_from(backend: CliBackend, remote: RemoteFile, revert_after: float | None) -> None:
    """Replace the running config with the file ``remote`` (see ``replace``)."""
    commands = commands_for(backend)
    session = f"{SESSION_PREFIX}{secrets.token_hex(4)}" if commands.session else ""
    values = {
        "file": remote.path,
        "minutes": timer_minutes(revert_after or 60),
        "hms": timer_hms(revert_after or 60),
        "session": session,
    }
    if not commands.session:
        template = commands.replace if revert_after is None else commands.replace_pending
        command = template.format(**values)
        output = backend.send_exec(command)
        lowered = output.lower()
        if any(marker in lowered for marker in _FAILED) or (
            commands.replace_done.lower() not in lowered
        ):
            said = _refusal(output, backend.platform)
            raise DeviceError(f"the device refused '{command}': {said}")
        backend.armed = revert_after is not None
        return
    backend.enter(commands.begin_pending.format(**values))
    backend.pending_session = session
    try:
        backend.push_lines([line.format(**values) for line in commands.replace_lines])
        finish = commands.commit if revert_after is None else commands.commit_pending
        backend.exec_checked(finish.format(**values))
    except DeviceError as exc:
        undo(backend, exc)
    backend.armed = revert_after is not None
    if revert_after is None:
        backend.pending_session = None


def _refusal(output: str, platform: str) -> str:
    """What a refused IOS replace says, in one line, secrets sanitised: the commands it
    failed to apply (between its ``********`` lines) when it lists them, else its answer."""
    lines = [sanitize(line.strip(), platform) for line in output.splitlines() if line.strip()]
    marks = [index for index, line in enumerate(lines) if set(line) == {"*"}]
    if len(marks) >= 2:
        lines = lines[marks[0] + 1 : marks[1]]
    said = "; ".join(lines) or "no answer"
    return said if len(said) <= 400 else said[:397] + "..."


@contextlib.contextmanager
def uploaded(backend: CliBackend, candidate: str) -> Iterator[RemoteFile]:
    """The candidate on the device's flash (SCP, MD5 checked), deleted afterwards.

    The file ends in ``end``, so that both platforms read it as a whole config.

    Raises:
        TransferFailed: the upload failed; the device's config is untouched.
    """
    text = candidate if candidate.endswith("\n") else candidate + "\n"
    if not any(line.strip() == "end" for line in text.splitlines()[-3:]):
        text += "end\n"
    remote = RemoteFile("flash:", CANDIDATE_FILE)
    with FileTransfer(backend.host, backend.plugin) as transfer:
        try:
            transfer.put(text.encode(), remote)
        except DeviceError as exc:
            raise TransferFailed(f"uploading the candidate for an atomic replace: {exc}") from None
        try:
            yield remote
        finally:
            with contextlib.suppress(DeviceError):  # best effort: a leftover file harms nothing
                transfer.delete(remote)


def _refuse_second_pending(backend: CliBackend) -> None:
    """One change awaiting confirmation at a time: a second timer would confirm or revert
    the first one's change with it."""
    if is_pending(backend):
        raise DeviceError(
            "a change already awaits confirmation on the device (a revert timer runs): "
            "confirm it or revert it first"
        )


def undo(backend: CliBackend, cause: DeviceError) -> NoReturn:
    """Take back a change that failed half-way, then raise ``cause``: revert now when the
    timer is armed, else abort the session. Over a new connection when the old one broke;
    if the device cannot be reached, its own timer (when armed) reverts it, and the error
    says so."""
    try:
        if backend.armed:
            revert_now(backend)
        elif backend.pending_session is not None:
            commands = commands_for(backend)
            backend.exec_checked(commands.abort.format(session=backend.pending_session))
            backend.pending_session = None
    except DeviceError as exc:
        if backend.armed:
            raise type(cause)(
                f"{cause}; reverting at once failed ({exc}): the device reverts by its own timer"
            ) from None
        raise type(cause)(f"{cause}; undoing it failed: {exc}") from None
    raise cause


def pending_sessions(backend: CliBackend) -> list[str]:
    """Names of the sessions awaiting confirmation (EOS), or ``[""]`` while IOS's timer runs."""
    commands = commands_for(backend)
    output = backend.send_exec(commands.show_pending)
    if not commands.session:
        return [""] if commands.pending_pattern.search(output) else []
    return [str(name) for name in commands.pending_pattern.findall(output)]


def is_pending(backend: CliBackend) -> bool:
    """Whether a change awaits confirmation (a revert timer runs) on the device."""
    return bool(pending_sessions(backend))


_NOTHING_PENDING = (
    "no change awaits confirmation on the device: its revert timer has fired (the change "
    "was undone) or nothing was committed with a timer"
)


def _session_to_confirm(backend: CliBackend) -> str:
    """The EOS session awaiting confirmation: this backend's, else the only one of ours."""
    names = pending_sessions(backend)
    if backend.pending_session is not None:
        if backend.pending_session in names:
            return backend.pending_session
        raise DeviceError(_NOTHING_PENDING)
    ours = [name for name in names if name.startswith(SESSION_PREFIX)]
    if len(ours) == 1:
        return ours[0]
    if not ours:
        raise DeviceError(_NOTHING_PENDING)
    raise DeviceError(f"several changes await confirmation ({', '.join(ours)}): confirm by hand")


def confirm(backend: CliBackend) -> None:
    """Confirm the pending change (the timer stops), then save the running config."""
    _on_pending(backend, commands_for(backend).confirm)
    backend.save()


def revert_now(backend: CliBackend) -> None:
    """Undo the pending change now instead of waiting for the device's timer."""
    _on_pending(backend, commands_for(backend).revert_now)


def _on_pending(backend: CliBackend, command: str) -> None:
    """Run ``command`` (confirm, or revert now) on the pending change: on the EOS session that
    holds it, or on IOS's archive timer; DeviceError when nothing is pending."""
    if commands_for(backend).session:
        backend.exec_checked(command.format(session=_session_to_confirm(backend)))
    else:
        output = backend.send_exec(command)
        if "%" in output:
            raise DeviceError(f"{_NOTHING_PENDING} ('{command}': {output.strip()})")
    backend.pending_session, backend.armed = None, False


__all__ = [
    "CANDIDATE_FILE",
    "COMMIT_COMMANDS",
    "CommitCommands",
    "confirm",
    "is_pending",
    "merge_pending",
    "replace",
    "replace_from",
    "revert_now",
    "timer_hms",
    "timer_minutes",
    "undo",
    "uploaded",
]
