"""Back up running configs: cleaned, sanitised, written atomically, optionally committed to git."""

from __future__ import annotations

import difflib
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from nornir.core.task import AggregatedResult, Result, Task

from ..backends import for_host
from ..diff import sanitize
from ..exceptions import NornirPackError, UsageError
from ..files import write_atomic
from ..greenlets import blocking, on_loop
from ..paths import pack_path
from .boundary import read_only, task_boundary


def backup_path(backup_dir: str | Path, host_name: str) -> Path:
    """``<backup_dir>/<host>.cfg``; a host name that is not a plain file name is refused."""
    if not host_name or Path(host_name).name != host_name or host_name in (".", ".."):
        raise UsageError(f"host '{host_name}': name cannot be used as a backup file name")
    return Path(backup_dir) / f"{host_name}.cfg"


@on_loop
@read_only
@task_boundary
def backup_config(
    task: Task, backup_dir: str | Path | None = None, plugin: str | None = None
) -> Result:
    """Nornir task: save the host's running config to ``<backup_dir>/<host>.cfg``.

    ``backup_dir`` defaults to config.yaml's ``backup_dir`` setting, else ``backups``; a
    relative one resolves against config.yaml's folder (``nornir_pack.paths``).

    Volatile lines (timestamps, byte counts) are removed and secrets sanitised, so the file
    changes only when the config does: ``changed`` is True only then, and ``diff`` is the
    unified diff against the previous backup.
    """
    host = task.host
    path = backup_path(pack_path(task.nornir.config, "backup_dir", backup_dir), host.name)
    backend = for_host(task, plugin)
    running = backend.running_config()
    content = sanitize(running, backend.platform)
    if not content.endswith("\n"):
        content += "\n"
    previous = _previous_backup(path)
    if previous == content:
        return Result(host=host, changed=False, diff="", result=str(path))
    if previous is None:
        diff = first_backup_diff(path.name, content)
    else:
        diff = "".join(
            difflib.unified_diff(
                sanitize(previous, backend.platform).splitlines(keepends=True),
                content.splitlines(keepends=True),
                fromfile=f"a/{path.name}",
                tofile=f"b/{path.name}",
            )
        )
    try:
        write_atomic(path, content, fsync=lambda fd: blocking(os.fsync, fd))
    except OSError as exc:
        raise NornirPackError(f"{path}: cannot write backup: {exc.strerror or exc}") from None
    return Result(host=host, changed=True, diff=diff, result=str(path))


def first_backup_diff(name: str, content: str) -> str:
    """The unified diff of a first backup, every line added, as difflib writes it against
    ``/dev/null`` (without difflib matching the text against nothing: a thousand new
    backups a run)."""
    lines = content.splitlines(keepends=True)
    if not lines:
        return ""
    added = "1" if len(lines) == 1 else f"1,{len(lines)}"
    return "".join(
        [f"--- /dev/null\n+++ b/{name}\n@@ -0,0 +{added} @@\n", *("+" + line for line in lines)]
    )


def _previous_backup(path: Path) -> str | None:
    """The last backup's text, None when there is none; unreadable is the host's failure."""
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise NornirPackError(
            f"{path}: cannot read the previous backup ({reason}): fix or remove the file"
        ) from None


# ------------------------------------------------------------------ git, once per run
def changed_hosts(result: AggregatedResult, task_name: str = "backup_config") -> list[str]:
    """Hosts whose ``task_name`` result (at any depth) reports a changed backup."""
    names = []
    for host, multi in result.items():
        if any(r.name == task_name and r.changed and not r.failed for r in multi):
            names.append(host)
    return sorted(names)


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("git is not installed: install it or drop the commit option") from None


def commit_backups(
    backup_dir: str | Path, hosts: Iterable[str], message: str | None = None
) -> str | None:
    """Commit the backup folder (and nothing else) to git; return the commit id, or None.

    The folder becomes a repository of its own unless it already sits in one. Call it once
    after the run with ``changed_hosts(result)``: the message lists those hosts.
    """
    folder = Path(backup_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if _git(folder, "rev-parse", "--is-inside-work-tree").returncode != 0:
        _checked(_git(folder, "init", "--quiet"), folder, "git init")
    changed = sorted(set(hosts))
    _checked(_git(folder, "add", "--all", "--", "."), folder, "git add")
    if _git(folder, "diff", "--cached", "--quiet", "--", ".").returncode == 0:
        return None
    summary = message or (
        f"Backup: {len(changed)} host(s) changed: {', '.join(changed)}"
        if changed
        else "Backup: no host changed"
    )
    identity: list[str] = []
    if not _git(folder, "config", "user.email").stdout.strip():
        identity = ["-c", "user.name=nornir-pack", "-c", "user.email=nornir-pack@localhost"]
    _checked(
        _git(folder, *identity, "commit", "--quiet", "-m", summary, "--", "."), folder, "commit"
    )
    return _checked(_git(folder, "rev-parse", "HEAD"), folder, "git rev-parse").stdout.strip()


def _checked(
    done: subprocess.CompletedProcess[str], folder: Path, what: str
) -> subprocess.CompletedProcess[str]:
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise NornirPackError(f"{folder}: {what} failed: {detail[0] if detail else 'no output'}")
    return done
