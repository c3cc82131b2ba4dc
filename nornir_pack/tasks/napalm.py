"""NAPALM-native diff and commit, with commit-confirm that confirms only after a post-check.

``napalm_commit(revert_in=N)`` fixes the classic footgun (a ``revert_in`` that is never
confirmed always reverts): it commits with the revert timer, reconnects and reads the running
config (and runs the run's post-checks), confirms only when they pass, and otherwise leaves the
change to the device's revert timer. It shares deploy's flow (``tasks.deploy.Change``), so a
NAPALM commit and a CLI commit are post-checked, confirmed and rolled back alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nornir.core.task import Result, Task

from ..backends import Mode, sanitize_diff
from ..backends.napalm import NapalmBackend
from ..exceptions import DeviceError, NornirPackError
from .boundary import failed, read_only, task_boundary
from .deploy import Change, checks_of, confirm_timeout_of, refuse_redacted


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
    *,
    post_checks: Sequence[Any] | None = None,
) -> Result:
    """Nornir task: commit ``config`` through NAPALM, verify it, roll back on failure.

    ``config`` is merged unless ``replace=True``: a forgotten argument must not replace a
    whole config with a fragment. After the commit the startup config equals the running
    config. The commit is post-checked over a new connection (``post_checks``, see
    ``nornir_pack.postchecks``) and rolled back when a check fails. With ``revert_in``
    (seconds; default: the run's ``--confirm-timeout``) the commit is NAPALM's commit-confirm:
    confirmed only once the post-checks pass, else left to the device's revert timer. A dry
    run loads, compares and discards (leaving nothing on the device), and reports
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
    change = Change(backend, config, mode, snapshot, task.nornir.config)
    try:
        status = change.commit(checks_of(post_checks), confirm_timeout_of(revert_in))
    except DeviceError as exc:
        return failed(host, exc, diff=shown)
    summary["native_diff"] = sanitize_diff(backend.native_diff_committed, platform)
    return Result(host=host, changed=True, diff=shown, result={**summary, "status": status})
