"""Device health: snapshots over SNMP (PySNMP, asyncio) or NAPALM getters, thresholds, and
the before/after comparison a change's post-check runs.

``model`` is pure (snapshots, checks, ``evaluate``, ``compare``); ``settings`` reads the
inventory's ``snmp_port``/``snmp`` and the ``health`` thresholds; ``snmp`` polls with PySNMP on
one event loop; ``collect`` picks SNMP or NAPALM for a host and offers ``HealthPostCheck``.
The Nornir tasks are in ``nornir_pack.tasks.health``, the runbook in
``nornir_pack.runbooks.health``.
"""

from .collect import HealthPostCheck, napalm_snapshot, snmp_snapshot, take_snapshot
from .model import (
    CHECK_FAILED,
    CHECK_OK,
    CHECK_SKIPPED,
    Check,
    HealthReport,
    HealthSettings,
    InterfaceState,
    Snapshot,
    compare,
    evaluate,
)
from .settings import host_settings, parse_credentials, snmp_configured, snmp_target

__all__ = [
    "CHECK_FAILED",
    "CHECK_OK",
    "CHECK_SKIPPED",
    "Check",
    "HealthPostCheck",
    "HealthReport",
    "HealthSettings",
    "InterfaceState",
    "Snapshot",
    "compare",
    "evaluate",
    "host_settings",
    "napalm_snapshot",
    "parse_credentials",
    "snmp_configured",
    "snmp_snapshot",
    "snmp_target",
    "take_snapshot",
]
