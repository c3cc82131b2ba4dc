"""Deploy a config safely: snapshot, normalised diff, dry run, commit, verify, roll back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nornir.core.task import Result, Task

from .. import postchecks, rollout
from ..backends import ConfigBackend, Mode, check_mode, for_host, sanitize_diff
from ..diff import REDACTED
from ..exceptions import DeviceError, RollbackFailed, RolledBack, UsageError
from ..greenlets import on_loop_when_dry_run
from ..paths import pack_path
from .boundary import as_device_error, failed, read_only_when_dry_run, task_boundary
from .render import render


@on_loop_when_dry_run
@read_only_when_dry_run
@task_boundary
def deploy_config(
    task: Task,
    config: str | None = None,
    mode: str = "merge",
    plugin: str | None = None,
    dry_run: bool | None = None,
    *,
    template_dir: str | Path | None = None,
    template: str | None = None,
    confirm_timeout: float | None = None,
    post_checks: Sequence[Any] | None = None,
) -> Result:
    """Nornir task: make the device run ``config`` (or the host's template rendered from
    ``template_dir``, as ``render_config`` does).

    Result.diff is the normalised diff, the same whichever plugin, secrets sanitised. A dry run
    (``dry_run`` or the Nornir default) reads only and reports ``changed=False``. Otherwise the
    change is committed, verified, post-checked over a new connection (``post_checks``: see
    ``nornir_pack.postchecks``) and saved; on any failure the device is rolled back to the
    snapshot taken first, that is verified too, and the host fails saying what was undone.
    With ``confirm_timeout`` (seconds) the change is committed with a device-side revert timer
    and confirmed only once the post-checks pass; if they fail, or the device cannot be
    reached again, the device reverts by itself when the timer fires. Both default to the
    run's rollout options (``--confirm-timeout``, ``--post-check``).
    Running it again with the same config changes nothing and reports ``changed=False``.
    """
    host = task.host
    chosen_mode = check_mode(mode)
    if config is None:
        folder = pack_path(task.nornir.config, "template_dir", template_dir)
        candidate = render(host, folder, template)
    else:
        candidate = config
    refuse_redacted(candidate)
    backend = for_host(task, plugin)
    snapshot = backend.running_config()
    diff = backend.diff(candidate, chosen_mode, running=snapshot)
    shown = sanitize_diff(diff, backend.platform)
    summary: dict[str, Any] = {"plugin": backend.plugin, "mode": chosen_mode}
    if not diff:
        return Result(host=host, changed=False, diff="", result={**summary, "status": "in sync"})
    if task.is_dry_run(dry_run):
        return Result(host=host, changed=False, diff=shown, result={**summary, "status": "dry run"})
    change = Change(backend, candidate, chosen_mode, snapshot, task.nornir.config)
    timeout = confirm_timeout_of(confirm_timeout)
    try:
        status = change.commit(checks_of(post_checks), timeout)
    except DeviceError as exc:
        return failed(host, exc, diff=shown)
    return Result(host=host, changed=True, diff=shown, result={**summary, "status": status})


def confirm_timeout_of(given: float | None) -> float | None:
    """The task's ``confirm_timeout``, else the run's rollout option."""
    if given is not None:
        return given
    options = rollout.active()
    return options.confirm_timeout if options is not None else None


def checks_of(given: Sequence[Any] | None) -> tuple[Any, ...]:
    """The task's ``post_checks`` (names resolved), else the run's rollout option."""
    if given is not None:
        return postchecks.resolve(given)
    options = rollout.active()
    return options.post_checks if options is not None else ()


class Change:
    """Committing one host's change the safe way, whichever plugin: post-checked over a new
    connection, confirmed within a device-side timer or rolled back to ``snapshot``."""

    def __init__(
        self, backend: ConfigBackend, candidate: str, mode: Mode, snapshot: str, config: Any
    ) -> None:
        self.backend = backend
        self.candidate = candidate
        self.mode = mode
        self.snapshot = snapshot
        self.config = config

    def commit(self, checks: tuple[Any, ...], confirm_timeout: float | None) -> str:
        """Commit, check and (with a timer) confirm; returns the status to report.

        Raises:
            DeviceError: the host failed, with what was undone or what the device will undo.
        """
        backend, host = self.backend, self.backend.host
        postchecks.before_change(checks, host, self.config)
        if confirm_timeout is not None:
            return self._commit_confirmed(checks, confirm_timeout)
        try:
            backend.apply(self.candidate, self.mode, running=self.snapshot)
            postchecks.after_change(backend, self.candidate, self.mode, checks, self.config)
            backend.save()
        except Exception as exc:  # whatever broke the change, the device goes back
            raise roll_back(backend, self.snapshot, as_device_error(exc, host, "deploy")) from None
        rollout.record_commit(host, backend.plugin, self.snapshot)
        return "committed"

    def _commit_confirmed(self, checks: tuple[Any, ...], timeout: float) -> str:
        backend, host = self.backend, self.backend.host
        try:
            backend.apply_pending(
                self.candidate, self.mode, running=self.snapshot, revert_after=timeout
            )
        except Exception as exc:
            cause = as_device_error(exc, host, "deploy")
            if backend.armed:  # committed, and it could not be taken back: the timer will
                raise self._left_to_timer(cause, timeout) from None
            # refused before the timer mattered: undo it now, verified
            raise roll_back(backend, self.snapshot, cause) from None
        try:
            postchecks.after_change(backend, self.candidate, self.mode, checks, self.config)
        except DeviceError as exc:
            raise self._left_to_timer(exc, timeout) from None
        try:
            backend.confirm()
        except Exception as exc:
            cause = as_device_error(exc, host, "confirming the change")
            raise self._left_to_timer(cause, timeout) from None
        rollout.record_commit(host, backend.plugin, self.snapshot)
        return "committed and confirmed"

    def _left_to_timer(self, cause: DeviceError, timeout: float) -> DeviceError:
        """Close the session without logging in again (the change stays pending) and return
        the host's error: ``cause``, and that the device's timer restores it."""
        self.backend.close()
        return type(cause)(
            f"{cause}\nnot confirmed: the device restores its pre-change config by itself when "
            f"its revert timer fires (within {timeout:g} s, whole minutes on IOS)"
        )


@task_boundary
def undo_commit(task: Task, reason: str) -> Result:
    """Nornir task the rollout runs on a committed host of a failed wave: restore the
    snapshot recorded at its commit, verified, and fail the host as ``RolledBack``."""
    host = task.host
    commit = rollout.commits([host.name]).get(host.name)
    if commit is None:
        raise DeviceError("nothing to roll back: no commit was recorded for this host")
    backend = for_host(task, commit.plugin)
    try:
        undone = backend.rollback(commit.snapshot)
    except Exception as exc:
        backend.close()
        cause = as_device_error(exc, host, "rollback")
        return failed(
            host,
            RollbackFailed(
                f"{reason}; rolling back its committed change failed: {cause}\n"
                "the running config may differ from the pre-change snapshot: check the device"
            ),
        )
    backend.close()
    rollout.forget_commit(host.name)
    shown = sanitize_diff(undone, backend.platform).strip()
    message = f"rolled back: {reason}; running config verified equal to the pre-change snapshot" + (
        f", undoing:\n{shown}" if shown else ""
    )
    return Result(
        host=host,
        failed=True,
        changed=True,
        diff=sanitize_diff(undone, backend.platform),
        result=message,
        exception=RolledBack(message),
    )


def refuse_redacted(candidate: str) -> None:
    """Refuse a config copied from a sanitised backup, diff or report.

    Pushing ``enable secret 0 <redacted>`` would set the secret to that very text.
    """
    for number, line in enumerate(candidate.splitlines(), start=1):
        if REDACTED in line:
            raise UsageError(
                f"config line {number} contains the placeholder {REDACTED} (from a sanitised "
                "backup, diff or report): put the real value back or leave the line out"
            )


def roll_back(backend: ConfigBackend, snapshot: str, cause: DeviceError) -> DeviceError:
    """Restore the snapshot after a failed change.

    Returns the error the host fails with: of the cause's class, saying what was undone, or
    RollbackFailed with what the rollback could not undo.
    """
    over = f" over {backend.plugin}"
    message = f"deploy failed{'' if over in str(cause) else over}: {cause}"
    try:
        undone = str(backend.rollback(snapshot))
    except Exception as exc:  # a rollback that breaks in any way leaves the device unknown
        backend.close()
        reason = as_device_error(exc, backend.host, "rollback")
        return RollbackFailed(
            f"{message}\nROLLBACK FAILED: {reason}\n"
            "the running config may differ from the pre-change snapshot: check the device"
        )
    backend.close()
    shown = sanitize_diff(undone, backend.platform).strip()
    if not shown:
        return type(cause)(
            f"{message}\nnothing left to undo: "
            "running config verified equal to the pre-change snapshot"
        )
    return type(cause)(
        f"{message}\nrolled back to the pre-change snapshot, "
        f"undoing:\n{shown}\nrunning config verified equal to the snapshot"
    )
