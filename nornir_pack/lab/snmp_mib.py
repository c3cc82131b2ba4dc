"""What a lab device's SNMP agent reports: its objects, in OID order, from the device's state.

The system group, IF-MIB's ifTable and ifXTable (interfaces from the running config, admin
status from ``shutdown``, oper status from that and the ``interface_down`` knob, counters that
grow while a link is up), CPU and memory in each platform's MIB. Values are read when asked,
so a config change, a knob or a reboot shows at the next request. Pure logic over the device:
no sockets here (lab/snmp.py speaks the protocol).
"""

from __future__ import annotations

import bisect
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pysnmp.proto import rfc1902

from .config import ConfigNode
from .device import Device

Oid = tuple[int, ...]
Value = Any  # a pysnmp (pyasn1) SNMP value: rfc1902.Integer32, OctetString, Counter64...

SYSTEM: Oid = (1, 3, 6, 1, 2, 1, 1)
IF_NUMBER: Oid = (1, 3, 6, 1, 2, 1, 2, 1, 0)
IF_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
CPM_CPU_TOTAL_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1)  # CISCO-PROCESS-MIB
MEMORY_POOL_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1)  # CISCO-MEMORY-POOL-MIB
HR_MEMORY_SIZE: Oid = (1, 3, 6, 1, 2, 1, 25, 2, 2, 0)
HR_STORAGE_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 25, 2, 3, 1)
HR_STORAGE_RAM: Oid = (1, 3, 6, 1, 2, 1, 25, 2, 1, 2)
HR_PROCESSOR_LOAD: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2)

COUNTER32 = 2**32
COUNTER64 = 2**64


@dataclass(frozen=True)
class SnmpPlatform:
    """How one platform's agent describes itself and where it keeps CPU and memory."""

    enterprise: int  # the SNMP engine ID's enterprise number
    sys_object_id: Oid
    sys_descr: Callable[[Device], str]
    sys_services: int
    cpu_oids: tuple[Oid, ...]  # each answers the CPU load in percent
    cpu_type: Callable[[int], Value]  # the SYNTAX of those objects
    memory_mib: str  # "cisco-memory-pool" or "host-resources"
    # interface name prefix -> ifName's short form (IOS ifName is "Gi1"; EOS keeps the name)
    short_names: tuple[tuple[str, str], ...] = ()
    loopback_mtu: int = 1514
    loopback_speed: int = 8_000_000_000


def _ios_descr(device: Device) -> str:
    """sysDescr as IOS XE sends it: the second to fifth lines of ``show version``."""
    lines = device.platform.show_version.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Cisco IOS Software"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Compiled"))
    return "\r\n".join(lines[start : end + 1])


def _eos_descr(device: Device) -> str:
    return (
        f"Arista Networks EOS version {device.platform.os_version} running on an "
        f"Arista Networks {device.platform.model}"
    )


SNMP_PLATFORMS: dict[str, SnmpPlatform] = {
    "cisco_ios": SnmpPlatform(
        enterprise=9,
        sys_object_id=(1, 3, 6, 1, 4, 1, 9, 1, 1537),  # ciscoCSR1000v
        sys_descr=_ios_descr,
        sys_services=78,
        # cpmCPUTotal5secRev, 1minRev, 5minRev of cpmCPUTotalIndex 1
        cpu_oids=tuple((*CPM_CPU_TOTAL_ENTRY, column, 1) for column in (6, 7, 8)),
        cpu_type=rfc1902.Gauge32,
        memory_mib="cisco-memory-pool",
        short_names=(
            ("GigabitEthernet", "Gi"),
            ("TenGigabitEthernet", "Te"),
            ("FastEthernet", "Fa"),
            ("Ethernet", "Et"),
            ("Loopback", "Lo"),
            ("Port-channel", "Po"),
            ("Tunnel", "Tu"),
            ("Vlan", "Vl"),
        ),
    ),
    "arista_eos": SnmpPlatform(
        enterprise=30065,
        sys_object_id=(1, 3, 6, 1, 4, 1, 30065, 1, 3011, 7048, 427, 3648),  # aristaProducts
        sys_descr=_eos_descr,
        sys_services=14,
        cpu_oids=((*HR_PROCESSOR_LOAD, 1),),  # hrProcessorLoad of hrDeviceIndex 1
        cpu_type=rfc1902.Integer32,
        memory_mib="host-resources",
        loopback_mtu=65535,
        loopback_speed=0,
    ),
}

# ifType by name prefix (IANAifType); anything else is ethernetCsmacd (6)
_IF_TYPES = (("Loopback", 24), ("Vlan", 53), ("Port-", 161), ("Tunnel", 131))


@dataclass
class _Link:
    """One interface's running counters, advanced at each read while the link is up."""

    index: int
    rate: int  # octets per second each way while up
    in_octets: float = 0.0  # fractions kept, so that frequent reads still see growth
    out_octets: float = 0.0
    read_at: float = 0.0
    up: bool | None = None
    last_change: int = 0  # sysUpTime (hundredths) when the oper status last changed


@dataclass
class MibState:
    """A device's SNMP memory between requests: ifIndex per interface name (kept for the
    device's life, as the device keeps it), counters, and the boot they belong to."""

    links: dict[str, _Link] = field(default_factory=dict)
    boots: int = 0
    shape: tuple[str, ...] | None = None  # the interface names the cached tree was built for
    tree: list[tuple[Oid, Callable[[Snapshot], Value]]] = field(default_factory=list)
    oids: list[Oid] = field(default_factory=list)


@dataclass
class Interface:
    name: str
    node: ConfigNode
    link: _Link
    admin_up: bool
    oper_up: bool


class Snapshot:
    """The device as one request sees it: every value of one response comes from one moment."""

    def __init__(self, device: Device, state: MibState, now: float | None = None) -> None:
        self.device = device
        self.spec = SNMP_PLATFORMS[device.platform.name]
        booted = device.booted  # reads (and clears) the reboot knob
        if state.boots != device.boots:  # a reboot: counters start again
            state.boots = device.boots
            for link in state.links.values():
                link.in_octets = link.out_octets = link.last_change = 0
                link.read_at = booted
                link.up = None
        self.now = time.monotonic() if now is None else now
        self.uptime = int((self.now - booted) * 100)  # TimeTicks: hundredths of a second
        down = {name.lower() for name in device.knobs.interface_down}
        self.interfaces: dict[str, Interface] = {}
        for node in device.running.children:
            if not node.text.startswith("interface "):
                continue
            name = node.text.split()[1]
            link = state.links.get(name) or state.links.setdefault(
                name,
                _Link(index=len(state.links) + 1, rate=_rate(device, name), read_at=booted),
            )
            admin_up = node.child("shutdown") is None
            oper_up = admin_up and name.lower() not in down
            _advance(link, self.now, oper_up, self.uptime)
            self.interfaces[name] = Interface(name, node, link, admin_up, oper_up)

    def cpu(self) -> int:
        load = self.device.knobs.cpu
        if load is None:
            return 3 + zlib.crc32(self.device.name.encode()) % 8
        return round(load)


def _rate(device: Device, name: str) -> int:
    if name.startswith("Loopback"):
        return 0
    return 10_000 + zlib.crc32(f"{device.name}/{name}".encode()) % 90_000


def _advance(link: _Link, now: float, up: bool, uptime: int) -> None:
    if link.up and now > link.read_at:
        grown = (now - link.read_at) * link.rate
        link.in_octets += grown
        link.out_octets += grown * 0.75
    if link.up is not None and link.up != up:
        link.last_change = uptime
    link.read_at = now
    link.up = up


# -- the objects: each column reads one value from the snapshot
def _setting(device: Device, prefix: str) -> str:
    node = next((n for n in device.running.children if n.text.startswith(prefix)), None)
    return node.text[len(prefix) :].strip() if node else ""


def _description(node: ConfigNode) -> str:
    for child in node.children:
        if child.text.startswith("description "):
            return child.text.split(maxsplit=1)[1]
    return ""


def _mtu(s: Snapshot, i: Interface) -> int:
    for child in i.node.children:
        words = child.text.split()
        if words[:1] == ["mtu"] and len(words) == 2 and words[1].isdigit():
            return int(words[1])
    return s.spec.loopback_mtu if i.name.startswith("Loopback") else 1500


def _speed(s: Snapshot, i: Interface) -> int:
    return s.spec.loopback_speed if i.name.startswith("Loopback") else 1_000_000_000


def _short_name(s: Snapshot, name: str) -> str:
    for prefix, short in s.spec.short_names:
        if name.startswith(prefix):
            return short + name[len(prefix) :]
    return name


def _mac(s: Snapshot, i: Interface) -> bytes:
    if i.name.startswith("Loopback"):
        return b""
    base = bytes.fromhex("525400" + s.device.serial[:6].lower())
    return base[:5] + bytes([(base[5] + i.link.index) % 256])


def _status(up: bool) -> rfc1902.Integer32:
    return rfc1902.Integer32(1 if up else 2)  # up(1), down(2)


def _octets(octets: float, wrap: int) -> int:
    return int(octets) % wrap


def _packets(octets: float, wrap: int) -> int:
    return int(octets // 400) % wrap


IfColumn = Callable[[Snapshot, Interface], Value]

IF_COLUMNS: dict[int, IfColumn] = {
    1: lambda s, i: rfc1902.Integer32(i.link.index),  # ifIndex
    2: lambda s, i: rfc1902.OctetString(i.name),  # ifDescr
    3: lambda s, i: rfc1902.Integer32(
        next((t for p, t in _IF_TYPES if i.name.startswith(p)), 6)
    ),  # ifType
    4: lambda s, i: rfc1902.Integer32(_mtu(s, i)),  # ifMtu
    5: lambda s, i: rfc1902.Gauge32(min(_speed(s, i), COUNTER32 - 1)),  # ifSpeed
    6: lambda s, i: rfc1902.OctetString(_mac(s, i)),  # ifPhysAddress
    7: lambda s, i: _status(i.admin_up),  # ifAdminStatus
    8: lambda s, i: _status(i.oper_up),  # ifOperStatus
    9: lambda s, i: rfc1902.TimeTicks(i.link.last_change),  # ifLastChange
    10: lambda s, i: rfc1902.Counter32(_octets(i.link.in_octets, COUNTER32)),  # ifInOctets
    11: lambda s, i: rfc1902.Counter32(_packets(i.link.in_octets, COUNTER32)),  # ifInUcastPkts
    13: lambda s, i: rfc1902.Counter32(0),  # ifInDiscards
    14: lambda s, i: rfc1902.Counter32(0),  # ifInErrors
    16: lambda s, i: rfc1902.Counter32(_octets(i.link.out_octets, COUNTER32)),  # ifOutOctets
    17: lambda s, i: rfc1902.Counter32(_packets(i.link.out_octets, COUNTER32)),
    19: lambda s, i: rfc1902.Counter32(0),  # ifOutDiscards
    20: lambda s, i: rfc1902.Counter32(0),  # ifOutErrors
}
IFX_COLUMNS: dict[int, IfColumn] = {
    1: lambda s, i: rfc1902.OctetString(_short_name(s, i.name)),  # ifName
    6: lambda s, i: rfc1902.Counter64(_octets(i.link.in_octets, COUNTER64)),  # ifHCInOctets
    7: lambda s, i: rfc1902.Counter64(_packets(i.link.in_octets, COUNTER64)),
    10: lambda s, i: rfc1902.Counter64(_octets(i.link.out_octets, COUNTER64)),  # ifHCOutOctets
    11: lambda s, i: rfc1902.Counter64(_packets(i.link.out_octets, COUNTER64)),
    15: lambda s, i: rfc1902.Gauge32(_speed(s, i) // 1_000_000),  # ifHighSpeed
    18: lambda s, i: rfc1902.OctetString(_description(i.node)),  # ifAlias
}

Getter = Callable[[Snapshot], Value]

_SYSTEM: dict[int, Getter] = {
    1: lambda s: rfc1902.OctetString(s.spec.sys_descr(s.device)),
    2: lambda s: rfc1902.ObjectIdentifier(s.spec.sys_object_id),
    3: lambda s: rfc1902.TimeTicks(s.uptime % COUNTER32),
    4: lambda s: rfc1902.OctetString(_setting(s.device, "snmp-server contact ")),
    5: lambda s: rfc1902.OctetString(s.device.hostname),
    6: lambda s: rfc1902.OctetString(_setting(s.device, "snmp-server location ")),
    7: lambda s: rfc1902.Integer32(s.spec.sys_services),
}


def _memory_kib(device: Device, label: str) -> int:
    for line in device.platform.show_version.splitlines():
        if line.startswith(f"{label}:"):
            return int(line.split()[-2])
    return 0


# CISCO-MEMORY-POOL-MIB pools: (index, name, size in bytes, share in use)
_IOS_POOLS = ((1, "Processor", 2_121_552_896, 0.16), (2, "I/O", 3_145_728, 0.42))


def _constant(value: Value) -> Getter:
    return lambda s: value


def _memory(platform: SnmpPlatform) -> list[tuple[Oid, Getter]]:
    if platform.memory_mib == "cisco-memory-pool":
        rows: list[tuple[Oid, Getter]] = []
        for index, name, size, share in _IOS_POOLS:
            in_use = int(size * share)
            rows += [
                ((*MEMORY_POOL_ENTRY, 2, index), _constant(rfc1902.OctetString(name))),
                ((*MEMORY_POOL_ENTRY, 4, index), _constant(rfc1902.Integer32(1))),  # valid
                ((*MEMORY_POOL_ENTRY, 5, index), _constant(rfc1902.Gauge32(in_use))),
                ((*MEMORY_POOL_ENTRY, 6, index), _constant(rfc1902.Gauge32(size - in_use))),
            ]
        return rows

    def total(s: Snapshot) -> int:
        return _memory_kib(s.device, "Total memory")

    def used(s: Snapshot) -> int:
        return total(s) - _memory_kib(s.device, "Free memory")

    ram = 1  # hrStorageIndex
    return [
        (HR_MEMORY_SIZE, lambda s: rfc1902.Integer32(total(s))),  # KiB
        ((*HR_STORAGE_ENTRY, 1, ram), _constant(rfc1902.Integer32(ram))),
        ((*HR_STORAGE_ENTRY, 2, ram), _constant(rfc1902.ObjectIdentifier(HR_STORAGE_RAM))),
        ((*HR_STORAGE_ENTRY, 3, ram), _constant(rfc1902.OctetString("RAM"))),
        ((*HR_STORAGE_ENTRY, 4, ram), _constant(rfc1902.Integer32(1024))),  # allocation unit
        ((*HR_STORAGE_ENTRY, 5, ram), lambda s: rfc1902.Integer32(total(s))),
        ((*HR_STORAGE_ENTRY, 6, ram), lambda s: rfc1902.Integer32(used(s))),
    ]


def _cell(name: str, read: IfColumn) -> Getter:
    return lambda s: read(s, s.interfaces[name])


def _build(snapshot: Snapshot) -> list[tuple[Oid, Getter]]:
    spec = snapshot.spec
    rows: list[tuple[Oid, Getter]] = [((*SYSTEM, c, 0), g) for c, g in _SYSTEM.items()]
    rows.append((IF_NUMBER, lambda s: rfc1902.Integer32(len(s.interfaces))))
    for entry, columns in ((IF_ENTRY, IF_COLUMNS), (IFX_ENTRY, IFX_COLUMNS)):
        for column, read in columns.items():
            for name, interface in snapshot.interfaces.items():
                rows.append(((*entry, column, interface.link.index), _cell(name, read)))
    rows += [(oid, lambda s: s.spec.cpu_type(s.cpu())) for oid in spec.cpu_oids]
    rows += _memory(spec)
    rows.sort(key=lambda row: row[0])
    return rows


class Mib:
    """One device's objects, answering GET and GETNEXT by OID.

    The tree is rebuilt only when the device's interfaces change; values are read from a
    ``Snapshot`` taken per request.
    """

    def __init__(self, device: Device) -> None:
        self.device = device
        self.state = MibState()

    def snapshot(self) -> Snapshot:
        snapshot = Snapshot(self.device, self.state)
        shape = tuple(snapshot.interfaces)
        if shape != self.state.shape:
            self.state.tree = _build(snapshot)
            self.state.oids = [oid for oid, _ in self.state.tree]
            self.state.shape = shape
        return snapshot

    def get(self, snapshot: Snapshot, oid: Oid) -> Value | None:
        """The value at exactly ``oid``, or None (noSuchObject/noSuchInstance)."""
        at = bisect.bisect_left(self.state.oids, oid)
        if at < len(self.state.oids) and self.state.oids[at] == oid:
            return self.state.tree[at][1](snapshot)
        return None

    def next(self, snapshot: Snapshot, oid: Oid) -> tuple[Oid, Value] | None:
        """The first object after ``oid`` and its value, or None (endOfMibView)."""
        at = bisect.bisect_right(self.state.oids, oid)
        if at == len(self.state.oids):
            return None
        found, read = self.state.tree[at]
        return found, read(snapshot)

    def knows(self, oid: Oid) -> bool:
        """Whether ``oid`` lies under an object type the agent has (noSuchInstance rather
        than noSuchObject): an instance OID's type is all but its last arc, or two for
        tables indexed by one integer, as all of ours are."""
        at = bisect.bisect_left(self.state.oids, oid[:-1])
        return at < len(self.state.oids) and self.state.oids[at][: len(oid) - 1] == oid[:-1]


__all__ = ["SNMP_PLATFORMS", "Mib", "MibState", "Oid", "Snapshot", "SnmpPlatform"]
