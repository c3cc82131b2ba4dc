"""Back up each host, then deploy its intended config: an example of a runbook that chains steps.

One grouping task per host runs the steps as subtasks, so a host whose backup failed is never
deployed, and each step is a row of the reports. A dry run unless ``--commit``. Run:
``nornir-pack run backup_then_deploy --lab`` or ``python runbooks/backup_then_deploy.py --lab``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult, Result, Task

from nornir_pack.cli import run_runbook_file
from nornir_pack.paths import pack_path
from nornir_pack.preflight import check_backup, check_deploy_mode, check_templates
from nornir_pack.tasks import backup_config, deploy_config


def preflight(nr: Nornir, *, config: Path = Path("config.yaml")) -> None:
    """Before any login, refuse what would fail every host: the backup folder (backup_dir),
    the deploy mode (deploy_mode), a template that does not load (template_dir)."""
    check_backup(nr, config)
    check_deploy_mode(nr, config)
    check_templates(nr, pack_path(nr.config, "template_dir"))


def backup_then_deploy(task: Task, mode: str, plugin: str | None, commit: bool) -> Result:
    """One host: back up (config.yaml's backup_dir), then deploy; a failed step ends the host."""
    task.run(task=backup_config, plugin=plugin)
    task.run(task=deploy_config, mode=mode, plugin=plugin, dry_run=not commit)
    return Result(host=task.host)


def run(nr: Nornir, *, plugin: str | None = None, commit: bool = False) -> AggregatedResult:
    """Every selected host, each on its own: backup, then deploy (a dry run unless commit)."""
    mode = check_deploy_mode(nr, "config.yaml")
    return nr.run(task=backup_then_deploy, mode=mode, plugin=plugin, commit=commit)


if __name__ == "__main__":
    sys.exit(run_runbook_file(__file__))
