"""Health as data: a snapshot of a device, the checks judged on it, and before/after comparison.

Pure functions over frozen values: no Nornir, no SNMP, no I/O. The SNMP poller and the NAPALM
getters both produce a ``Snapshot``; ``evaluate`` judges one against the thresholds, and
``compare`` judges the one taken after a change against the one taken before it (the post-check
of a rollout), so the same rules hold whichever way the numbers were read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SOURCE_SNMP, SOURCE_NAPALM = "snmp", "napalm"
CHECK_OK, CHECK_FAILED, CHECK_SKIPPED = "ok", "failed", "skipped"
CHECKS = ("uptime", "interfaces", "cpu", "memory")
DEFAULT_CPU = 80.0  # percent busy (5-minute average) a healthy device stays at or below
DEFAULT_MEMORY = 90.0  # percent of memory used a healthy device stays at or below
DEFAULT_TIMEOUT = 2.0  # seconds one SNMP request waits for its answer
DEFAULT_RETRIES = 1  # SNMP requests sent again after a timeout
# sysUpTime counts hundredths of a second in 32 bits: it wraps after about 497 days, and a
# lower value after the wrap is not a reboot.
UPTIME_WRAP = 2**32 / 100


@dataclass(frozen=True)
class InterfaceState:
    """One interface: whether it is configured up (admin) and whether it carries traffic (oper)."""

    name: str
    admin_up: bool
    oper_up: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "admin_up": self.admin_up, "oper_up": self.oper_up}


@dataclass(frozen=True)
class Snapshot:
    """What one poll of a device found; ``None`` where the source had no answer to give."""

    host: str
    source: str  # SOURCE_SNMP or SOURCE_NAPALM
    taken_at: float  # time.time() of the poll, so that a comparison knows the time between
    uptime: float | None = None  # seconds since the device booted
    interfaces: tuple[InterfaceState, ...] = ()
    cpu: float | None = None  # percent busy, the device's 5-minute average where it has one
    memory: float | None = None  # percent of memory used
    name: str = ""  # the name the device gives itself (sysName, NAPALM hostname)
    description: str = ""  # sysDescr, or the NAPALM vendor/model/OS version

    @property
    def up_interfaces(self) -> frozenset[str]:
        """Interfaces both configured up and carrying traffic."""
        return frozenset(i.name for i in self.interfaces if i.admin_up and i.oper_up)

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "source": self.source,
            "taken_at": self.taken_at,
            "uptime": self.uptime,
            "cpu": self.cpu,
            "memory": self.memory,
            "name": self.name,
            "description": self.description,
            "interfaces": [i.to_dict() for i in self.interfaces],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Snapshot:
        """The snapshot ``to_dict`` wrote (kept between a rollout's pre- and post-check)."""
        return cls(
            host=str(data["host"]),
            source=str(data["source"]),
            taken_at=float(data["taken_at"]),
            uptime=_optional_float(data.get("uptime")),
            cpu=_optional_float(data.get("cpu")),
            memory=_optional_float(data.get("memory")),
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            interfaces=tuple(
                InterfaceState(str(i["name"]), bool(i["admin_up"]), bool(i["oper_up"]))
                for i in data.get("interfaces") or ()
            ),
        )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds and polling options, from config.yaml's ``health`` and host data ``health``."""

    cpu: float = DEFAULT_CPU
    memory: float = DEFAULT_MEMORY
    ignore_interfaces: tuple[str, ...] = ()  # never judged (e.g. a port known to be unused)
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

    @property
    def deadline(self) -> float:
        """The longest one SNMP request may take, retries included."""
        return self.timeout * (self.retries + 1)


@dataclass(frozen=True)
class Check:
    """One check of one host: ok, failed, or skipped when the source cannot tell."""

    name: str
    status: str  # CHECK_OK, CHECK_FAILED or CHECK_SKIPPED
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class HealthReport:
    """The checks of one host, with the snapshot they judged (and the one before, if compared)."""

    host: str
    source: str
    checks: tuple[Check, ...]
    snapshot: Snapshot
    before: Snapshot | None = field(default=None)

    @property
    def healthy(self) -> bool:
        return not self.failed_checks

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == CHECK_FAILED)

    def reasons(self) -> str:
        """Each failed check and why, ``<check>: <reason>``, in one line ("" when healthy)."""
        return "; ".join(f"{c.name}: {c.message}" for c in self.failed_checks)

    def summary(self) -> str:
        """One line: ``healthy``, or ``unhealthy:`` and each failed check's reason."""
        return "healthy" if self.healthy else f"unhealthy: {self.reasons()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "source": self.source,
            "summary": self.summary(),
            "checks": [c.to_dict() for c in self.checks],
            "snapshot": self.snapshot.to_dict(),
            "before": None if self.before is None else self.before.to_dict(),
        }


# ------------------------------------------------------------------ judging one snapshot
def evaluate(snapshot: Snapshot, settings: HealthSettings | None = None) -> HealthReport:
    """Judge one snapshot: every interface configured up is up, CPU and memory at or below
    their thresholds; uptime is reported (one snapshot cannot tell a reboot).

    >>> snap = Snapshot("r1", "snmp", 0.0, uptime=90.0, cpu=97.0, memory=40.0,
    ...                 interfaces=(InterfaceState("Gi1", True, True),))
    >>> evaluate(snap).summary()
    'unhealthy: cpu: 97% is above the 80% threshold'
    """
    chosen = settings or HealthSettings()
    interfaces = _judged(snapshot.interfaces, chosen)
    if not snapshot.interfaces:
        interface_check = Check("interfaces", CHECK_SKIPPED, f"{snapshot.source}: none reported")
    else:
        down = [i.name for i in interfaces if i.admin_up and not i.oper_up]
        shut = sum(not i.admin_up for i in interfaces)
        up = sum(i.admin_up and i.oper_up for i in interfaces)
        if down:
            interface_check = Check(
                "interfaces", CHECK_FAILED, f"{_names(down)} configured up but down"
            )
        else:
            interface_check = Check(
                "interfaces", CHECK_OK, f"{up} up, {shut} shut down, none down unexpectedly"
            )
    uptime = (
        Check("uptime", CHECK_OK, f"up {duration(snapshot.uptime)}")
        if snapshot.uptime is not None
        else Check("uptime", CHECK_SKIPPED, f"{snapshot.source}: not reported")
    )
    checks = (
        uptime,
        interface_check,
        _threshold("cpu", snapshot.cpu, chosen.cpu, snapshot.source),
        _threshold("memory", snapshot.memory, chosen.memory, snapshot.source),
    )
    return HealthReport(snapshot.host, snapshot.source, checks, snapshot)


def _judged(interfaces: Iterable[InterfaceState], settings: HealthSettings) -> list[InterfaceState]:
    ignored = {name.lower() for name in settings.ignore_interfaces}
    return [i for i in interfaces if i.name.lower() not in ignored]


def _threshold(name: str, value: float | None, limit: float, source: str) -> Check:
    if value is None:
        return Check(name, CHECK_SKIPPED, f"{source}: not reported")
    if value > limit:
        return Check(
            name, CHECK_FAILED, f"{_percent(value)} is above the {_percent(limit)} threshold"
        )
    return Check(name, CHECK_OK, f"{_percent(value)} (threshold {_percent(limit)})")


# ------------------------------------------------------------------ before and after a change
def compare(
    before: Snapshot, after: Snapshot, settings: HealthSettings | None = None
) -> HealthReport:
    """Judge a change by its snapshots: every interface up before is still up, the uptime did
    not go back (the device did not reboot), CPU and memory after it are at or below their
    thresholds. An interface that was already down is not the change's fault.

    >>> up = (InterfaceState("Gi1", True, True), InterfaceState("Gi2", True, True))
    >>> before = Snapshot("r1", "snmp", 0.0, uptime=3600.0, cpu=10.0, interfaces=up)
    >>> after = Snapshot("r1", "snmp", 60.0, uptime=3660.0, cpu=12.0,
    ...                  interfaces=(up[0], InterfaceState("Gi2", False, False)))
    >>> compare(before, after).summary()
    'unhealthy: interfaces: Gi2 was up before the change and is now shut down'
    """
    chosen = settings or HealthSettings()
    checks = (
        _uptime_kept(before, after),
        _interfaces_kept(before, after, chosen),
        _threshold("cpu", after.cpu, chosen.cpu, after.source),
        _threshold("memory", after.memory, chosen.memory, after.source),
    )
    return HealthReport(after.host, after.source, checks, after, before)


def _uptime_kept(before: Snapshot, after: Snapshot) -> Check:
    if before.uptime is None or after.uptime is None:
        source = before.source if before.uptime is None else after.source
        return Check("uptime", CHECK_SKIPPED, f"{source}: not reported")
    elapsed = max(0.0, after.taken_at - before.taken_at)
    wrapped = before.source == SOURCE_SNMP and before.uptime + elapsed >= UPTIME_WRAP
    if after.uptime < before.uptime and not wrapped:
        return Check(
            "uptime",
            CHECK_FAILED,
            f"reset from {duration(before.uptime)} to {duration(after.uptime)}: "
            "the device restarted",
        )
    return Check("uptime", CHECK_OK, f"up {duration(after.uptime)}, no restart")


def _interfaces_kept(before: Snapshot, after: Snapshot, settings: HealthSettings) -> Check:
    ignored = {name.lower() for name in settings.ignore_interfaces}
    were_up = sorted(n for n in before.up_interfaces if n.lower() not in ignored)
    if not were_up:
        return Check("interfaces", CHECK_SKIPPED, "none was up before the change")
    now = {i.name: i for i in after.interfaces}
    lost = []
    for name in were_up:
        state = now.get(name)
        if state is None:
            lost.append(f"{name} was up before the change and is now gone")
        elif not state.admin_up:
            lost.append(f"{name} was up before the change and is now shut down")
        elif not state.oper_up:
            lost.append(f"{name} was up before the change and is now down")
    if lost:
        return Check("interfaces", CHECK_FAILED, "; ".join(lost))
    return Check("interfaces", CHECK_OK, f"the {len(were_up)} up before the change are still up")


# ------------------------------------------------------------------ words
def duration(seconds: float) -> str:
    """A human reading of seconds.

    >>> duration(42.4), duration(3725), duration(93784)
    ('42 s', '1 h 2 min', '1 d 2 h')
    """
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _percent(value: float) -> str:
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def _names(names: list[str], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")
