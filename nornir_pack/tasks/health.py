"""Health checks as Nornir tasks: uptime, interfaces, CPU and memory against thresholds.

SNMP where the host has ``snmp_port`` and ``snmp`` (PySNMP, every host on one event loop, see
``nornir_pack.health.snmp``), NAPALM ``get_facts``/``get_interfaces`` elsewhere; both give
the same typed ``HealthReport``, judged by the same rules (``nornir_pack.health.model``).
"""

from __future__ import annotations

from nornir.core.task import Result, Task

from ..health import (
    HealthSettings,
    evaluate,
    host_settings,
    napalm_snapshot,
    snmp_configured,
    snmp_snapshot,
)
from .boundary import read_only, task_boundary


def _health(task: Task, settings: HealthSettings | None, snmp: bool | None) -> Result:
    """The host's report as its result; an unhealthy host fails (reading changes nothing)."""
    host, config = task.host, task.nornir.config
    chosen = settings or host_settings(host, config)
    use_snmp = snmp_configured(host) if snmp is None else snmp
    snapshot = snmp_snapshot(host, chosen) if use_snmp else napalm_snapshot(host, config)
    report = evaluate(snapshot, chosen)
    return Result(host=host, changed=False, failed=not report.healthy, result=report)


@read_only
@task_boundary
def check_health(task: Task, settings: HealthSettings | None = None) -> Result:
    """Nornir task: the host's ``HealthReport`` as Result.result, over SNMP where the host
    has ``snmp_port``/``snmp``, else NAPALM getters. The host fails when a check fails
    (``report.summary()`` says which and why) or the device does not answer in time.

    ``settings`` (thresholds, SNMP timeout and retries) default to config.yaml's
    ``user_defined.nornir_pack.health`` overridden by the data ``health`` of the defaults,
    the host's groups and the host.
    """
    return _health(task, settings, snmp=None)


@read_only
@task_boundary
def snmp_health(task: Task, settings: HealthSettings | None = None) -> Result:
    """Nornir task: ``check_health`` over SNMP only; a host without ``snmp_port`` and
    ``snmp`` data fails, naming the setting to add."""
    return _health(task, settings, snmp=True)


@read_only
@task_boundary
def napalm_health(task: Task, settings: HealthSettings | None = None) -> Result:
    """Nornir task: ``check_health`` over NAPALM getters, even where SNMP is configured
    (NAPALM has no portable CPU or memory figure: those checks are skipped)."""
    return _health(task, settings, snmp=False)
