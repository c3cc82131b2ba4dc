"""Back up the running config of every selected host to ``<backup_dir>/<host>.cfg``.

Volatile lines are dropped and secrets sanitised, so a file changes only when the config does.
Settings under ``user_defined.nornir_pack`` in config.yaml:
  backup_dir  folder for the files (default ``backups``)
  backup_git  commit the folder to git once per run, naming the changed hosts (default false)

Run: ``nornir-pack run backup [--lab]`` or ``python runbooks/backup.py [--lab]``.
"""

from __future__ import annotations

import sys

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.cli import run_runbook_file
from nornir_pack.inventory import settings
from nornir_pack.tasks import backup_config, changed_hosts, commit_backups


def run(nr: Nornir, *, plugin: str | None = None) -> AggregatedResult:
    """Back up every host; optionally commit the backups to git once for the whole run."""
    options = settings(nr)
    backup_dir = str(options.get("backup_dir", "backups"))
    results = nr.run(task=backup_config, name="backup", backup_dir=backup_dir, plugin=plugin)
    if options.get("backup_git"):
        commit_backups(backup_dir, changed_hosts(results, "backup"))
    return results


if __name__ == "__main__":
    sys.exit(run_runbook_file(__file__))
