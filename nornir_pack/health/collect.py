"""Taking a host's health snapshot, over SNMP where it is configured, else NAPALM getters.

The one place that decides how a host is read, so the health task, the runbook and a
rollout's post-check (``HealthPostCheck``) always read a host the same way.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from ..backends import device_errors
from ..backends.napalm import PLUGIN as NAPALM
from ..backends.napalm import NapalmBackend
from ..exceptions import DeviceError
from .model import SOURCE_NAPALM, HealthReport, HealthSettings, InterfaceState, Snapshot, compare
from .settings import host_settings, snmp_configured, snmp_target

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host


def take_snapshot(host: Host, config: Config, settings: HealthSettings | None = None) -> Snapshot:
    """The host's health now: over SNMP when it has ``snmp_port``/``snmp``, else NAPALM.

    Raises:
        UsageError: the host's ``snmp``, ``snmp_port`` or ``health`` data is malformed.
        DeviceUnreachable: the device did not answer (within the SNMP deadline).
        DeviceError: the device answered with an error.
    """
    if snmp_configured(host):
        return snmp_snapshot(host, settings or host_settings(host, config))
    return napalm_snapshot(host, config)


def snmp_snapshot(host: Host, settings: HealthSettings) -> Snapshot:
    """Uptime, interfaces, CPU and memory over SNMP (``health.snmp``).

    Raises:
        UsageError: the host's ``snmp_port`` or ``snmp`` is missing or malformed.
        DeviceUnreachable: no answer within the deadline, or the credentials were refused.
        DeviceError: the agent answered with an error.
    """
    target = snmp_target(host)
    # pysnmp takes a third of a second to import: only runs that poll SNMP pay for it
    from . import snmp  # noqa: PLC0415

    return snmp.poll(target, settings)


def napalm_snapshot(host: Host, config: Config) -> Snapshot:
    """Uptime and interfaces from NAPALM ``get_facts`` and ``get_interfaces`` (NAPALM's
    getters have no portable CPU or memory figure: those checks are skipped).

    Raises:
        DeviceUnreachable, DeviceError: as the NAPALM backend reports them.
    """
    driver = NapalmBackend(host, config).driver  # logs in, checks the device's identity
    with device_errors(host, NAPALM, "reading facts (get_facts)"):
        facts: dict[str, Any] = driver.get_facts()
    with device_errors(host, NAPALM, "reading interfaces (get_interfaces)"):
        interfaces: dict[str, Any] = driver.get_interfaces()
    uptime = facts.get("uptime")
    described = (facts.get("vendor"), facts.get("model"), facts.get("os_version"))
    return Snapshot(
        host=host.name,
        source=SOURCE_NAPALM,
        taken_at=time.time(),
        # NAPALM says -1 when the driver cannot tell
        uptime=float(uptime) if isinstance(uptime, (int, float)) and uptime >= 0 else None,
        interfaces=tuple(
            InterfaceState(str(name), bool(data.get("is_enabled")), bool(data.get("is_up")))
            for name, data in interfaces.items()
        ),
        name=str(facts.get("hostname") or ""),
        description=" ".join(str(part) for part in described if part),
    )


class HealthPostCheck:
    """A post-check for a change: ``before`` snapshots a host before its change, ``check``
    after it fails unless interfaces that were up are still up, the uptime did not reset,
    and CPU and memory are within their thresholds (``model.compare``).

    One instance serves a whole run; hosts are kept apart by name, across threads::

        guard = HealthPostCheck()
        guard.before(task.host, task.nornir.config)
        ...  # commit the change
        guard.check(task.host, task.nornir.config)  # raises DeviceError when it hurt
    """

    def __init__(self, settings: HealthSettings | None = None) -> None:
        self.settings = settings
        self._before: dict[str, Snapshot] = {}
        self._lock = threading.Lock()

    def before(self, host: Host, config: Config) -> Snapshot:
        """Snapshot the host before its change and keep it for ``after``."""
        snapshot = take_snapshot(host, config, self.settings)
        with self._lock:
            self._before[host.name] = snapshot
        return snapshot

    def after(self, host: Host, config: Config) -> HealthReport:
        """Snapshot the host again and compare with its snapshot from ``before``.

        Raises:
            DeviceError: no snapshot was taken before (or it was taken of another host).
        """
        with self._lock:
            before = self._before.get(host.name)
        if before is None:
            raise DeviceError(
                f"health post-check of host '{host.name}': no snapshot from before the change"
            )
        settings = self.settings or host_settings(host, config)
        return compare(before, take_snapshot(host, config, settings), settings)

    def check(self, host: Host, config: Config) -> HealthReport:
        """``after``, raising when the change hurt the device's health.

        Raises:
            DeviceError: ``health post-check failed: <each failed check and why>``.
        """
        report = self.after(host, config)
        if not report.healthy:
            raise DeviceError(f"health post-check failed: {report.reasons()}")
        return report
