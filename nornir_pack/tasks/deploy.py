"""Deploy a config safely: snapshot, normalised diff, dry run, commit, verify, roll back."""

from __future__ import annotations

from typing import Any

from nornir.core.task import Result, Task

from ..backends import ConfigBackend, DeviceError, check_mode, for_host, sanitize_diff
from ..diff import REDACTED
from ..exceptions import NornirPackError, UsageError
from .render import render


def deploy_config(
    task: Task,
    config: str | None = None,
    mode: str = "merge",
    plugin: str | None = None,
    dry_run: bool | None = None,
    *,
    template_dir: str = "runbooks/templates",
    template: str | None = None,
) -> Result:
    """Nornir task: make the device run ``config`` (or the host's rendered template).

    Result.diff is the normalised diff, the same whichever plugin, secrets sanitised. A dry run
    (``dry_run`` or the Nornir default) reads only and reports ``changed=False``. Otherwise the
    change is committed, verified and saved; on any failure the device is rolled back to the
    snapshot taken first, that is verified too, and the host fails saying what was undone.
    Running it again with the same config changes nothing and reports ``changed=False``.
    """
    host = task.host
    try:
        chosen_mode = check_mode(mode)
        candidate = config if config is not None else render(host, template_dir, template)
        refuse_redacted(candidate)
        backend = for_host(task, plugin)
        snapshot = backend.running_config()
        diff = backend.diff(candidate, chosen_mode, running=snapshot)
    except NornirPackError as exc:
        return Result(host=host, failed=True, result=str(exc))
    shown = sanitize_diff(diff, backend.platform)
    summary: dict[str, Any] = {"plugin": backend.plugin, "mode": chosen_mode}
    if not diff:
        return Result(host=host, changed=False, diff="", result={**summary, "status": "in sync"})
    if task.is_dry_run(dry_run):
        return Result(host=host, changed=False, diff=shown, result={**summary, "status": "dry run"})
    try:
        backend.apply(candidate, chosen_mode, running=snapshot)
        backend.save()
    except DeviceError as exc:
        message = roll_back(backend, snapshot, exc)
        return Result(host=host, failed=True, changed=False, diff=shown, result=message)
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


def roll_back(backend: ConfigBackend, snapshot: str, cause: DeviceError) -> str:
    """Restore the snapshot after a failed change; the message says what was undone."""
    over = f" over {backend.plugin}"
    failed = f"deploy failed{'' if over in str(cause) else over}: {cause}"
    try:
        undone = str(backend.rollback(snapshot))
    except NornirPackError as exc:
        backend.close()
        return (
            f"{failed}; ROLLBACK FAILED: {exc}; "
            "the running config may differ from the pre-change snapshot: check the device"
        )
    backend.close()
    shown = sanitize_diff(undone, backend.platform).strip()
    if not shown:
        return (
            f"{failed}; nothing left to undo: "
            "running config verified equal to the pre-change snapshot"
        )
    return (
        f"{failed}; rolled back to the pre-change snapshot, "
        f"undoing:\n{shown}\nrunning config verified equal to the snapshot"
    )
