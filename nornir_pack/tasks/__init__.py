"""Plain Nornir task functions: backup, render, deploy, NAPALM diff/commit, compliance, health,
file transfer.

Each takes ``task`` first and returns a ``Result``; a device problem fails that host with a
one-line message and never raises. Use them from any Nornir object::

    from nornir_pack.tasks import backup_config
    nr.run(task=backup_config, backup_dir="backups")

Tasks that only read (backup, compliance, health, render; deploy as a dry run) are marked
``read_only``: a runner may run them again on a host whose first attempt was lost with its
worker. Mark your own read-only tasks with ``@read_only``; an unmarked task is a change.
"""

from .backup import backup_config, changed_hosts, commit_backups
from .boundary import is_read_only, read_only, read_only_when_dry_run
from .compliance import check_compliance
from .deploy import deploy_config
from .health import check_health, napalm_health, snmp_health
from .napalm import napalm_commit, napalm_diff
from .render import render_config
from .transfer import transfer_file

__all__ = [
    "backup_config",
    "changed_hosts",
    "check_compliance",
    "check_health",
    "commit_backups",
    "deploy_config",
    "is_read_only",
    "napalm_commit",
    "napalm_diff",
    "napalm_health",
    "read_only",
    "read_only_when_dry_run",
    "render_config",
    "snmp_health",
    "transfer_file",
]
