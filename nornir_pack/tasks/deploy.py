"""Deploy a config safely: snapshot, normalised diff, dry run, commit, verify, roll back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nornir.core.task import Result, Task

from ..backends import ConfigBackend, check_mode, for_host, sanitize_diff
from ..diff import REDACTED
from ..exceptions import DeviceError, RollbackFailed, UsageError
from ..paths import pack_path
from .boundary import as_device_error, failed, read_only_when_dry_run, task_boundary
from .render import render


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
) -> Result:
    """Nornir task: make the device run ``config`` (or the host's template rendered from
    ``template_dir``, as ``render_config`` does).

    Result.diff is the normalised diff, the same whichever plugin, secrets sanitised. A dry run
    (``dry_run`` or the Nornir default) reads only and reports ``changed=False``. Otherwise the
    change is committed, verified and saved; on any failure the device is rolled back to the
    snapshot taken first, that is verified too, and the host fails saying what was undone.
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
    try:
        backend.apply(candidate, chosen_mode, running=snapshot)
        backend.save()
    except Exception as exc:  # whatever broke the change, the device goes back to the snapshot
        cause = as_device_error(exc, host, "deploy")
        return failed(host, roll_back(backend, snapshot, cause), diff=shown)
    return Result(host=host, changed=True, diff=shown, result={**summary, "status": "committed"})


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
