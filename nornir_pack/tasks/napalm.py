"""NAPALM-native diff and commit, with commit-confirm that confirms only after a post-check.

``napalm_commit(revert_in=N)`` fixes the classic footgun (a ``revert_in`` that is never
confirmed always reverts): it commits with the revert timer, reconnects and reads the running
config, confirms only when that shows the change, and otherwise reverts at once rather than
leaving the device to the timer. No path leaves a candidate loaded or a session pending.
"""

from __future__ import annotations

from typing import Any

from nornir.core.task import Result, Task

from ..backends import Mode, intended_config, sanitize_diff
from ..backends.napalm import NapalmBackend
from ..diff import normalised_diff
from ..exceptions import DeviceError, NornirPackError
from .boundary import as_device_error, failed, read_only, task_boundary
from .deploy import refuse_redacted, roll_back


def _mode(replace: bool) -> Mode:
    return "replace" if replace else "merge"


@read_only
@task_boundary
def napalm_diff(task: Task, config: str, replace: bool = False) -> Result:
    """Nornir task: what committing ``config`` would change, without changing anything.

    ``config`` is merged unless ``replace=True`` (as nornir_napalm's ``napalm_configure``):
    a fragment must never read as "delete everything else". Result.diff is the normalised
    diff (the same as every other plugin shows); the driver's own diff is kept beside it in
    ``result["native_diff"]``. The candidate is always discarded and leaves nothing on the
    device (no file on flash:, no open session).
    """
    mode = _mode(replace)
    try:
        backend = NapalmBackend(task.host, task.nornir.config)
        diff = backend.diff(config, mode)
        native = backend.native_diff(config, mode)
    except NornirPackError as exc:
        return failed(task.host, exc)
    platform = backend.platform
    return Result(
        host=task.host,
        changed=False,
        diff=sanitize_diff(diff, platform),
        result={"plugin": "napalm", "mode": mode, "native_diff": sanitize_diff(native, platform)},
    )


@task_boundary
def napalm_commit(
    task: Task,
    config: str,
    replace: bool = False,
    revert_in: int | None = None,
    dry_run: bool | None = None,
) -> Result:
    """Nornir task: commit ``config`` through NAPALM, verify it, roll back on failure.

    ``config`` is merged unless ``replace=True``: a forgotten argument must not replace a
    whole config with a fragment. After the commit the startup config equals the running
    config. With ``revert_in`` (seconds) the commit is confirmed only once a new connection
    reads the change back; otherwise it is reverted at once and the host fails. A dry run
    loads, compares and discards (leaving nothing on the device), and reports
    ``changed=False``.
    """
    host = task.host
    mode = _mode(replace)
    try:
        refuse_redacted(config)
        backend = NapalmBackend(host, task.nornir.config)
        snapshot = backend.running_config()
        diff = backend.diff(config, mode, running=snapshot)
    except NornirPackError as exc:
        return failed(host, exc)
    platform = backend.platform
    shown = sanitize_diff(diff, platform)
    summary: dict[str, Any] = {"plugin": "napalm", "mode": mode}
    if not diff:
        return Result(host=host, changed=False, diff="", result={**summary, "status": "in sync"})
    if task.is_dry_run(dry_run):
        try:
            native = backend.native_diff(config, mode)
        except NornirPackError as exc:
            return failed(host, exc, diff=shown)
        summary["native_diff"] = sanitize_diff(native, platform)
        return Result(host=host, changed=False, diff=shown, result={**summary, "status": "dry run"})
    try:
        native = backend.commit(config, mode, revert_in=revert_in)
        summary["native_diff"] = sanitize_diff(native, platform)
        if revert_in is None:
            backend.verify(config, mode)
        else:
            _confirm_after_post_check(backend, config, mode)
    except Exception as exc:  # whatever broke the commit, the device goes back to the snapshot
        cause = as_device_error(exc, host, "napalm_commit")
        return failed(host, roll_back(backend, snapshot, cause), diff=shown)
    status = "committed" if revert_in is None else "committed and confirmed"
    return Result(host=host, changed=True, diff=shown, result={**summary, "status": status})


def _confirm_after_post_check(backend: NapalmBackend, config: str, mode: Mode) -> None:
    """Confirm a pending commit only when a fresh connection sees it; else revert it now."""
    try:
        fresh = backend.fresh_running_config()
        intended = intended_config(fresh, config, mode, backend.platform)
        remaining = normalised_diff(fresh, intended, backend.platform)
        if remaining:
            raise DeviceError(
                "post-check: the running config read over a new connection does not show "
                f"the change; still different:\n{sanitize_diff(remaining, backend.platform)}"
            )
        backend.confirm()
    except DeviceError as exc:
        try:
            backend.revert_now()
        except DeviceError as revert_exc:
            raise DeviceError(
                f"{exc}; reverting the pending commit failed too ({revert_exc}): "
                "the device reverts it when the timer expires"
            ) from None
        raise
