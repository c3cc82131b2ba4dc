"""Plain Nornir task functions: backup, render, deploy, NAPALM diff/commit, compliance.

Each takes ``task`` first and returns a ``Result``; a device problem fails that host with a
one-line message and never raises. Use them from any Nornir object::

    from nornir_pack.tasks import backup_config
    nr.run(task=backup_config, backup_dir="backups")
"""

from .backup import backup_config, changed_hosts, commit_backups
from .compliance import check_compliance
from .deploy import deploy_config
from .napalm import napalm_commit, napalm_diff
from .render import render_config

__all__ = [
    "backup_config",
    "changed_hosts",
    "check_compliance",
    "commit_backups",
    "deploy_config",
    "napalm_commit",
    "napalm_diff",
    "render_config",
]
