"""Polling a device's health over SNMP with PySNMP's asyncio API, every host on one event loop.

Each Nornir worker thread hands its host's poll to the one background event loop that the
scrapli backend already runs (``backends.aio``) and waits for the snapshot, so a thousand hosts
polled by a hundred workers are a hundred coroutines on one loop, not a hundred loops. Tasks
stay plain synchronous Nornir tasks.

One poll is three requests: a GET of the system group and ifNumber, a GETBULK of the interface
table sized by ifNumber, and a GETBULK of the platform's CPU and memory objects (``RESOURCES``;
both vendors' for a platform it does not name). Every answer is decoded by pyasn1 at a cost per
variable, and at a hundred hosts at once that cost is what fills the socket's buffer, so a poll
asks for no row it does not need. Every request waits ``timeout`` seconds and is sent again
``retries`` times; a device that does not answer (wrong address, port, community or key: an
agent stays silent to those) fails after one request's deadline.

SNMP engines are kept per set of credentials: PySNMP keys v3 users by name, so two hosts with
one user name but different keys must not share an engine. An engine takes about a tenth of a
second to build, on the loop: a fleet that shares its credentials builds one, a fleet with a key
per device one per device.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
)
from pysnmp.hlapi.v3arch.asyncio import auth as usm
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from ..backends.aio import LOOP
from ..exceptions import DeviceError, DeviceUnreachable
from .model import SOURCE_SNMP, HealthSettings, InterfaceState, Snapshot
from .settings import Credentials, SnmpTarget, SnmpV2c

Oid = tuple[int, ...]


def _oid(text: str) -> Oid:
    return tuple(int(part) for part in text.split("."))


# SNMPv2-MIB system group (scalars)
SYS_DESCR = _oid("1.3.6.1.2.1.1.1.0")
SYS_UPTIME = _oid("1.3.6.1.2.1.1.3.0")  # hundredths of a second since the agent (re)started
SYS_NAME = _oid("1.3.6.1.2.1.1.5.0")
IF_NUMBER = _oid("1.3.6.1.2.1.2.1.0")  # IF-MIB: how many rows ifTable has
# IF-MIB ifTable / ifXTable columns, indexed by ifIndex
IF_DESCR = _oid("1.3.6.1.2.1.2.2.1.2")
IF_ADMIN = _oid("1.3.6.1.2.1.2.2.1.7")
IF_OPER = _oid("1.3.6.1.2.1.2.2.1.8")
IF_NAME = _oid("1.3.6.1.2.1.31.1.1.1.1")
STATUS_UP = 1  # ifAdminStatus/ifOperStatus up(1); anything else is not carrying traffic
# CPU, percent busy: Cisco's 5-minute average per CPU, else HOST-RESOURCES per processor
CPM_CPU_5MIN = _oid("1.3.6.1.4.1.9.9.109.1.1.1.1.8")  # CISCO-PROCESS-MIB cpmCPUTotal5minRev
HR_PROCESSOR_LOAD = _oid("1.3.6.1.2.1.25.3.3.1.2")  # HOST-RESOURCES-MIB hrProcessorLoad
# Memory: Cisco's pools (used, free bytes), else HOST-RESOURCES storage of type RAM
CISCO_POOL_USED = _oid("1.3.6.1.4.1.9.9.48.1.1.1.5")  # CISCO-MEMORY-POOL-MIB
CISCO_POOL_FREE = _oid("1.3.6.1.4.1.9.9.48.1.1.1.6")
HR_STORAGE_TYPE = _oid("1.3.6.1.2.1.25.2.3.1.2")
HR_STORAGE_SIZE = _oid("1.3.6.1.2.1.25.2.3.1.5")
HR_STORAGE_USED = _oid("1.3.6.1.2.1.25.2.3.1.6")
HR_STORAGE_RAM = _oid("1.3.6.1.2.1.25.2.1.2")

INTERFACE_COLUMNS = (IF_DESCR, IF_ADMIN, IF_OPER)
CISCO_RESOURCES = (CPM_CPU_5MIN, CISCO_POOL_USED, CISCO_POOL_FREE)
HOST_RESOURCES = (HR_PROCESSOR_LOAD, HR_STORAGE_TYPE, HR_STORAGE_SIZE, HR_STORAGE_USED)
# platform -> the columns its agent keeps CPU and memory in
RESOURCES: Mapping[str, tuple[Oid, ...]] = {
    "cisco_ios": CISCO_RESOURCES,
    "arista_eos": HOST_RESOURCES,
}
MAX_REPETITIONS = 50  # rows per column in one GETBULK answer, at most
RESOURCE_ROWS = 4  # CPU and memory tables are short: a few CPUs, pools or storage areas
MAX_REQUESTS = 200  # per walk: an agent that never ends a table cannot hold a host forever
SLACK = 1.0  # seconds PySNMP's timer may add to a request's own deadline

AUTH: Mapping[str, Any] = {
    "md5": usm.USM_AUTH_HMAC96_MD5,
    "sha": usm.USM_AUTH_HMAC96_SHA,
    "sha224": usm.USM_AUTH_HMAC128_SHA224,
    "sha256": usm.USM_AUTH_HMAC192_SHA256,
    "sha384": usm.USM_AUTH_HMAC256_SHA384,
    "sha512": usm.USM_AUTH_HMAC384_SHA512,
}
PRIV: Mapping[str, Any] = {
    "des": usm.USM_PRIV_CBC56_DES,
    "3des": usm.USM_PRIV_CBC168_3DES,
    "aes": usm.USM_PRIV_CFB128_AES,
    "aes192": usm.USM_PRIV_CFB192_AES,
    "aes256": usm.USM_PRIV_CFB256_AES,
    "aes192-blumenthal": usm.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "aes256-blumenthal": usm.USM_PRIV_CFB256_AES_BLUMENTHAL,
}

# Requests in flight on one loop at most: answers that pyasn1 cannot decode as fast as they
# come wait in the socket's buffer, and past it they are lost (a timeout, then a retry); 200
# polls at once lost some, with this cap none. A request waiting for its turn has not started
# its timeout; a silent agent holds its turn for one deadline.
MAX_IN_FLIGHT = 128

# (loop, credentials) -> engine, and loop -> gate; each touched only on its loop's thread
_ENGINES: dict[tuple[asyncio.AbstractEventLoop, Credentials], SnmpEngine] = {}
_GATES: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def poll(target: SnmpTarget, settings: HealthSettings) -> Snapshot:
    """Poll one host on the shared event loop and wait for its snapshot (any thread).

    Raises:
        DeviceUnreachable: no answer within the deadline, or the agent refused the credentials.
        DeviceError: the agent answered with an error.
    """
    return LOOP.run(poll_async(target, settings))


async def poll_async(target: SnmpTarget, settings: HealthSettings) -> Snapshot:
    """The snapshot of one host: system group, interfaces, CPU and memory."""
    session = _Session(
        target,
        settings,
        _engine(target.credentials),
        _auth(target.credentials),
        await UdpTransportTarget.create(
            (target.address, target.port), timeout=settings.timeout, retries=settings.retries
        ),
    )
    system = await session.get(SYS_UPTIME, SYS_NAME, SYS_DESCR, IF_NUMBER)
    count = system.get(IF_NUMBER)
    rows = int(count) + 1 if count is not None else MAX_REPETITIONS  # +1: the table's end
    interfaces = await session.walk(INTERFACE_COLUMNS, rows)
    columns = RESOURCES.get(target.platform, CISCO_RESOURCES + HOST_RESOURCES)
    resources = await session.walk(columns, RESOURCE_ROWS)
    uptime = system.get(SYS_UPTIME)
    return Snapshot(
        host=target.host,
        source=SOURCE_SNMP,
        taken_at=time.time(),
        uptime=None if uptime is None else int(uptime) / 100,
        interfaces=interface_states(interfaces),
        cpu=cpu_percent(resources),
        memory=memory_percent(resources),
        name=_text(system.get(SYS_NAME)),
        description=_text(system.get(SYS_DESCR)),
    )


def _engine(credentials: Credentials) -> SnmpEngine:
    """The running loop's engine for these credentials (its socket belongs to the loop)."""
    key = (asyncio.get_running_loop(), credentials)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = SnmpEngine()
    return engine


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(MAX_IN_FLIGHT)
    return gate


def _auth(credentials: Credentials) -> CommunityData | UsmUserData:
    if isinstance(credentials, SnmpV2c):
        return CommunityData(credentials.community, mpModel=1)
    if not credentials.auth_key:
        return UsmUserData(credentials.user)
    return UsmUserData(
        credentials.user,
        authKey=credentials.auth_key,
        privKey=credentials.priv_key or None,
        authProtocol=AUTH[credentials.auth_protocol],
        privProtocol=PRIV[credentials.priv_protocol] if credentials.priv_key else usm.USM_PRIV_NONE,
    )


@dataclass
class _Session:
    target: SnmpTarget
    settings: HealthSettings
    engine: SnmpEngine
    auth: CommunityData | UsmUserData
    transport: UdpTransportTarget

    @property
    def where(self) -> str:
        version = self.target.credentials.version
        return f"SNMP {version} to {self.target.address}:{self.target.port}"

    async def _request(self, coroutine: Any, what: str) -> Sequence[Any]:
        """One request's answer (its var-binds), or the reason it has none as a DeviceError."""
        limit = self.settings.deadline + SLACK
        async with _gate():
            try:
                indication, status, _, var_binds = await asyncio.wait_for(coroutine, limit)
            except asyncio.TimeoutError:
                indication, status, _, var_binds = "timeout", 0, 0, ()
        if indication:
            raise self._no_answer(str(indication), what)
        if status:
            text = status.prettyPrint() if hasattr(status, "prettyPrint") else str(status)
            raise DeviceError(f"{self.where}: the agent answered {what} with error {text}")
        return list(var_binds)

    def _no_answer(self, indication: str, what: str) -> DeviceUnreachable:
        settings = self.settings
        if "timeout" in indication.lower() or "no snmp response" in indication.lower():
            tries = settings.retries + 1
            return DeviceUnreachable(
                f"{self.where}: no answer to {what} within {settings.deadline:g} s "
                f"({tries} {'try' if tries == 1 else 'tries'} of {settings.timeout:g} s): check "
                "snmp_port, that the agent runs, and the credentials (an agent does not answer "
                "a wrong community or key)"
            )
        return DeviceUnreachable(
            f"{self.where}: {what} failed: {indication}: check the snmp credentials"
        )

    async def get(self, *oids: Oid) -> dict[Oid, Any]:
        """The values of scalars; a missing object is left out."""
        var_binds = await self._request(
            get_cmd(
                self.engine,
                self.auth,
                self.transport,
                ContextData(),
                *(ObjectType(ObjectIdentity(oid)) for oid in oids),
                lookupMib=False,
            ),
            "a GET of the system group",
        )
        values = {}
        for name, value in var_binds:
            if not _absent(value):
                values[tuple(name)] = value
        return values

    async def walk(self, columns: Sequence[Oid], rows: int) -> dict[Oid, dict[Oid, Any]]:
        """Every row of each column (column -> index -> value), walked side by side with
        GETBULK, ``rows`` at a time, until each column's successors leave it."""
        repetitions = max(1, min(rows, MAX_REPETITIONS))
        found: dict[Oid, dict[Oid, Any]] = {column: {} for column in columns}
        last = {column: column for column in columns}  # columns still being walked
        for _ in range(MAX_REQUESTS):
            if not last:
                break
            walking = list(last)
            var_binds = await self._request(
                bulk_cmd(
                    self.engine,
                    self.auth,
                    self.transport,
                    ContextData(),
                    0,
                    repetitions,
                    *(ObjectType(ObjectIdentity(last[c])) for c in walking),
                    lookupMib=False,
                ),
                "a GETBULK walk",
            )
            if not var_binds:
                break
            ended: set[Oid] = set()
            for position, (name, value) in enumerate(var_binds):
                column = walking[position % len(walking)]
                if column in ended:
                    continue
                oid = tuple(name)
                inside = oid[: len(column)] == column and oid > last[column]
                if isinstance(value, EndOfMibView) or _absent(value) or not inside:
                    ended.add(column)
                    continue
                found[column][oid[len(column) :]] = value
                last[column] = oid
            for column in ended:
                last.pop(column, None)
        return found


def _absent(value: Any) -> bool:
    return isinstance(value, (NoSuchObject, NoSuchInstance, EndOfMibView))


def _text(value: Any) -> str:
    if value is None:
        return ""
    raw = value.asOctets() if hasattr(value, "asOctets") else str(value).encode()
    return bytes(raw).decode("utf-8", "replace").strip()


# ------------------------------------------------------------------ reading the tables
def interface_states(rows: Mapping[Oid, Mapping[Oid, Any]]) -> tuple[InterfaceState, ...]:
    """Interfaces in ifIndex order, named by ifDescr as the config names them (IOS's ifName
    is the short form, ``Gi1``), else by ifName when that was read."""
    states = []
    admin, oper = rows.get(IF_ADMIN, {}), rows.get(IF_OPER, {})
    names, descriptions = rows.get(IF_NAME, {}), rows.get(IF_DESCR, {})
    for index in sorted(set(admin) | set(oper)):
        name = _text(descriptions.get(index)) or _text(names.get(index)) or f"ifIndex {index[0]}"
        states.append(
            InterfaceState(
                name,
                admin_up=int(admin.get(index, 0)) == STATUS_UP,
                oper_up=int(oper.get(index, 0)) == STATUS_UP,
            )
        )
    return tuple(states)


def cpu_percent(rows: Mapping[Oid, Mapping[Oid, Any]]) -> float | None:
    """The busiest CPU's load: Cisco's 5-minute average, else HOST-RESOURCES' (a minute)."""
    for column in (CPM_CPU_5MIN, HR_PROCESSOR_LOAD):
        loads = [int(value) for value in rows.get(column, {}).values()]
        if loads:
            return float(max(loads))
    return None


def memory_percent(rows: Mapping[Oid, Mapping[Oid, Any]]) -> float | None:
    """Used share of memory: Cisco's pools together, else HOST-RESOURCES storage of type RAM."""
    used_rows, free_rows = rows.get(CISCO_POOL_USED, {}), rows.get(CISCO_POOL_FREE, {})
    if used_rows:
        used = sum(int(v) for v in used_rows.values())
        total = used + sum(int(v) for v in free_rows.values())
        return 100.0 * used / total if total else None
    types, sizes, used_units = (
        rows.get(HR_STORAGE_TYPE, {}),
        rows.get(HR_STORAGE_SIZE, {}),
        rows.get(HR_STORAGE_USED, {}),
    )
    ram = [index for index, kind in types.items() if tuple(kind) == HR_STORAGE_RAM]
    size = sum(int(sizes.get(index, 0)) for index in ram)
    used = sum(int(used_units.get(index, 0)) for index in ram)
    return 100.0 * used / size if size else None
