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

import importlib
from typing import TYPE_CHECKING, Any

from .boundary import is_read_only, read_only, read_only_when_dry_run

if TYPE_CHECKING:
    from .backup import backup_config, changed_hosts, commit_backups
    from .compliance import check_compliance
    from .deploy import deploy_config
    from .health import check_health, napalm_health, snmp_health
    from .napalm import napalm_commit, napalm_diff
    from .render import render_config
    from .transfer import transfer_file

# Each task's module, imported when the task is first named: a backup run does not pay for
# Jinja2, the compliance rules or SNMP, which only other tasks need.
_MODULES = {
    "backup_config": "backup",
    "changed_hosts": "backup",
    "commit_backups": "backup",
    "check_compliance": "compliance",
    "deploy_config": "deploy",
    "check_health": "health",
    "napalm_health": "health",
    "snmp_health": "health",
    "napalm_commit": "napalm",
    "napalm_diff": "napalm",
    "render_config": "render",
    "transfer_file": "transfer",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


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
