"""Plain Nornir task functions: backup, render, deploy, NAPALM diff/commit, compliance, health,
file transfer.

Each takes ``task`` first and returns a ``Result``; a device problem fails that host with a
one-line message and never raises. Use them from any Nornir object::

    from nornir_pack.tasks import backup_config
    nr.run(task=backup_config, backup_dir="backups")
"""

from .backup import backup_config, changed_hosts, commit_backups
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
    "napalm_commit",
    "napalm_diff",
    "napalm_health",
    "render_config",
    "snmp_health",
    "transfer_file",
]
