"""Check every selected host's health: uptime, interfaces, CPU and memory.

Over SNMP where a host has data ``snmp_port`` and ``snmp`` (PySNMP, all hosts on one event
loop), else over NAPALM ``get_facts``/``get_interfaces`` (no CPU or memory figure: those checks
are skipped). Each check is reported per host (one JUnit case per host x check with
``--junit``); an unhealthy host, or one that does not answer, makes the run exit 1.
Thresholds: ``user_defined.nornir_pack.health`` in config.yaml (``cpu`` 80 and ``memory`` 90
percent by default, ``ignore_interfaces``, SNMP ``timeout`` and ``retries``), overridden by
data ``health`` on the defaults, groups and hosts.

Before any poll, ``preflight`` refuses a malformed ``snmp`` block, an unknown protocol, a bad
threshold, and a host with only one of ``snmp``/``snmp_port``.

Run: ``nornir-pack run health [-c CONFIG] [--lab] [--junit out.xml]``.
"""

from __future__ import annotations

from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.preflight import check_health
from nornir_pack.tasks import check_health as health_task


def preflight(nr: Nornir, *, config: Path = Path("config.yaml")) -> None:
    """Bad SNMP credentials or thresholds would fail every host: refuse them before any poll."""
    check_health(nr, config)


def run(nr: Nornir) -> AggregatedResult:
    """Check each host's health (SNMP where configured, else NAPALM getters)."""
    return nr.run(task=health_task, name="health")
