"""Back up the running config of every selected host to ``<backup_dir>/<host>.cfg``.

Volatile lines are dropped and secrets sanitised, so a file changes only when the config does.
Settings under ``user_defined.nornir_pack`` in config.yaml:
  backup_dir  folder for the files, relative to config.yaml's folder (default ``backups``)
  backup_git  commit the folder to git once per run, naming the changed hosts (default false)

Before any login, ``preflight`` checks that backup_dir can be created and written and, with
backup_git, that git is installed and does not ignore the folder.

Run: ``nornir-pack run backup [-c CONFIG] [--lab]``.
"""

from __future__ import annotations

from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.inventory import settings
from nornir_pack.paths import pack_path
from nornir_pack.preflight import check_backup
from nornir_pack.tasks import backup_config, changed_hosts, commit_backups


def preflight(nr: Nornir, *, config: Path = Path("config.yaml")) -> None:
    """A folder that cannot be written fails every host, and a git problem is found only
    after every device was read: both are refused before the first login."""
    check_backup(nr, config)


def run(nr: Nornir, *, plugin: str | None = None) -> AggregatedResult:
    """Back up every host; optionally commit the backups to git once for the whole run."""
    backup_dir = pack_path(nr.config, "backup_dir")
    results = nr.run(task=backup_config, name="backup", backup_dir=backup_dir, plugin=plugin)
    if settings(nr).get("backup_git"):
        commit_backups(backup_dir, changed_hosts(results, "backup"))
    return results
