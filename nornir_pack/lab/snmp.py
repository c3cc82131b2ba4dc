"""A lab device's SNMP agent: v2c and v3 USM (SHA, AES-128) over UDP, one endpoint per device.

Access comes from the device's own running config, read at each request (parsed again only
when its ``snmp-server`` lines change): ``snmp-server community X RO|RW`` for v2c,
``snmp-server group G v3 priv|auth|noauth`` and ``snmp-server user U G v3 auth sha K1 priv
aes [128] K2`` for v3, in IOS and EOS syntax alike. So a deployed SNMP change is what opens or
closes the agent, and a device without SNMP config answers nothing, as a real one.

Why not pysnmp's own command responder: it needs one ``SnmpEngine`` per device (engine IDs and
USM users are per engine), and an engine costs ~0.13 s and ~1.1 MiB to build, i.e. two minutes
and 1.1 GiB for 1000 devices (``benchmarks/lab_scale.py`` measures it). This agent reuses
pysnmp's message codecs, its USM HMAC-SHA-96 and AES-CFB-128 services and key localisation,
and keeps only the dispatch: one asyncio datagram endpoint per device on the lab's loop.

What a request gets that does not match (wrong or unknown community, user, key, or a security
level below the user's group) is no answer at all: the client times out. Engine discovery and
time synchronisation (RFC 3414 reports) are answered whenever SNMP is configured.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha1
from typing import Any, cast

from pyasn1.codec.ber import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pysnmp.proto import error as snmp_error
from pysnmp.proto import rfc1905
from pysnmp.proto.api import v2c
from pysnmp.proto.api.verdec import decode_message_version
from pysnmp.proto.mpmod.rfc3412 import ScopedPDU, SNMPv3Message
from pysnmp.proto.secmod.rfc3414 import localkey
from pysnmp.proto.secmod.rfc3414.auth.hmacsha import HmacSha
from pysnmp.proto.secmod.rfc3414.service import UsmSecurityParameters
from pysnmp.proto.secmod.rfc3826.priv.aes import Aes

from .device import Device
from .snmp_mib import SNMP_PLATFORMS, Mib, Oid, Snapshot

log = logging.getLogger(__name__)

V2C, V3 = 1, 3
MAX_BULK_VARBINDS = 128  # per GETBULK answer, as pysnmp's responder caps it (at 64)
TIME_WINDOW = 150  # seconds, RFC 3414 3.2.7
USM_STATS = (1, 3, 6, 1, 6, 3, 15, 1, 1)
NOT_IN_TIME_WINDOWS: Oid = (*USM_STATS, 2, 0)
UNKNOWN_ENGINE_IDS: Oid = (*USM_STATS, 4, 0)
NO_ACCESS = 6  # error-status of a SET: the lab's agent is read-only
FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 0x01, 0x02, 0x04
LEVELS = {"noauth": 0, "auth": FLAG_AUTH, "priv": FLAG_AUTH | FLAG_PRIV}

_SHA = HmacSha()
_AES = Aes()


@dataclass(frozen=True)
class User:
    """A v3 user as the agent checks it: its keys localised to the device's engine ID."""

    name: str
    flags: int  # the security level its group requires, as msgFlags bits
    auth_key: bytes = b""
    priv_key: bytes = b""


@dataclass(frozen=True)
class Access:
    """Who may read the agent, from the ``snmp-server`` lines of the running config."""

    communities: frozenset[bytes]
    users: dict[bytes, User]

    @property
    def enabled(self) -> bool:
        return bool(self.communities or self.users)


@functools.lru_cache(maxsize=256)
def _passphrase_key(passphrase: str) -> bytes:
    """SHA-1 of the passphrase stretched to 1 MB (RFC 3414 A.2.2): the slow half of key
    localisation, the same for every device, so 1000 devices sharing a key pay for it once."""
    return bytes(localkey.hash_passphrase_sha(passphrase.encode()))


def _localised(passphrase: str, engine_id: bytes) -> bytes:
    key = _passphrase_key(passphrase)
    return sha1(key + engine_id + key).digest()


def read_access(lines: Sequence[str], engine_id: bytes) -> Access:
    """Communities and v3 users from ``snmp-server`` config lines (IOS or EOS syntax).

    Users whose group is not a v3 group, or whose keys are not SHA and AES-128, or lack the
    keys their group's level needs, cannot log in. A user given twice is the last line.

    >>> access = read_access(
    ...     [
    ...         "snmp-server community public RO",
    ...         "snmp-server group OPS v3 priv",
    ...         "snmp-server user alice OPS v3 auth sha K1secret priv aes 128 K2secret",
    ...     ],
    ...     bytes.fromhex("800000090300525400aabbcc"),
    ... )
    >>> sorted(access.communities), sorted(access.users)
    ([b'public'], [b'alice'])
    """
    communities: set[bytes] = set()
    groups: dict[str, int] = {}
    users: dict[bytes, tuple[str, dict[str, tuple[str, str]]]] = {}
    for line in lines:
        words = line.split()
        if words[:2] == ["snmp-server", "community"] and len(words) >= 3:
            communities.add(words[2].encode())
        elif words[:2] == ["snmp-server", "group"] and len(words) >= 5 and words[3] == "v3":
            if words[4] in LEVELS:
                groups[words[2]] = LEVELS[words[4]]
        elif words[:2] == ["snmp-server", "user"] and len(words) >= 5 and words[4] == "v3":
            users[words[2].encode()] = (words[3], _user_keys(words[5:]))
    found: dict[bytes, User] = {}
    for name, (group, keys) in users.items():
        flags = groups.get(group)
        if flags is None:
            continue
        auth, priv = keys.get("auth"), keys.get("priv")
        if flags & FLAG_AUTH and (auth is None or auth[0] != "sha"):
            continue
        if flags & FLAG_PRIV and (priv is None or priv[0] != "aes128"):
            continue
        found[name] = User(
            name.decode(),
            flags,
            _localised(auth[1], engine_id) if auth and auth[0] == "sha" else b"",
            _localised(priv[1], engine_id)[:16] if auth and priv and priv[0] == "aes128" else b"",
        )
    return Access(frozenset(communities), found)


def _user_keys(words: list[str]) -> dict[str, tuple[str, str]]:
    """``auth sha K1 priv aes [128] K2`` -> {auth: (sha, K1), priv: (aes128, K2)}."""
    keys: dict[str, tuple[str, str]] = {}
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word not in ("auth", "priv") or len(rest) < 2:
            continue
        protocol = rest.pop(0).lower()
        if word == "priv" and protocol == "aes":  # EOS' `priv aes K2` is AES-128 too
            protocol += rest.pop(0) if rest[0] in ("128", "192", "256") and len(rest) > 1 else "128"
        keys[word] = (protocol, rest.pop(0))
    return keys


def engine_id(device: Device) -> bytes:
    """RFC 3411 SnmpEngineID: the vendor's enterprise number, format 3 (a MAC address)."""
    enterprise = SNMP_PLATFORMS[device.platform.name].enterprise
    mac = bytes.fromhex("525400" + device.serial[:6].lower())
    return (0x80000000 | enterprise).to_bytes(4, "big") + b"\x03" + mac


def _allows(user: User, level: int) -> bool:
    """Whether a request at ``level`` (msgFlags' auth and priv bits) may read as ``user``:
    at least its group's level, with the keys that level needs."""
    if level == FLAG_PRIV or level < user.flags:
        return False  # priv without auth does not exist
    return bool(user.auth_key or not level & FLAG_AUTH) and bool(
        user.priv_key or not level & FLAG_PRIV
    )


class SnmpAgent(asyncio.DatagramProtocol):
    """The agent of one device: answers each datagram on the lab's loop, or drops it."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.mib = Mib(device)
        self.engine_id = engine_id(device)
        self.transport: asyncio.DatagramTransport | None = None
        self.unknown_engine_ids = 0
        self.not_in_time_windows = 0
        self._access_lines: tuple[str, ...] | None = None
        self._access = Access(frozenset(), {})

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if self.device.knobs.snmp_down or self.transport is None:
            return
        try:
            reply = self.respond(data)
        except (PyAsn1Error, snmp_error.PySnmpError) as exc:  # not SNMP, or not for us
            log.debug("%s: SNMP request dropped: %s", self.device.name, exc)
            return
        except Exception:  # a bug here must not stop the lab's loop: say it, answer nothing
            log.warning("%s: SNMP request failed", self.device.name, exc_info=True)
            return
        if reply is None:
            return
        latency = self.device.knobs.latency
        if latency:
            asyncio.get_running_loop().call_later(latency, self.transport.sendto, reply, addr)
        else:
            self.transport.sendto(reply, addr)

    @property
    def access(self) -> Access:
        """Who may read, from the live running config (parsed again when it changes)."""
        lines = tuple(
            node.text for node in self.device.running.children if node.text.startswith("snmp-")
        )
        if lines != self._access_lines:
            self._access = read_access(lines, self.engine_id)
            self._access_lines = lines
        return self._access

    def respond(self, data: bytes) -> bytes | None:
        """The answer to one request, or None to stay silent."""
        access = self.access
        if not access.enabled:
            return None
        version = int(decode_message_version(data))
        if version == V2C:
            return self._respond_v2c(data, access)
        if version == V3:
            return self._respond_v3(data, access)
        return None  # SNMPv1 is not served

    # -- v2c
    def _respond_v2c(self, data: bytes, access: Access) -> bytes | None:
        message, _ = decoder.decode(data, asn1Spec=v2c.Message())
        if bytes(v2c.apiMessage.get_community(message)) not in access.communities:
            return None
        answer = self._answer(v2c.apiMessage.get_pdu(message))
        if answer is None:
            return None
        response = v2c.apiMessage.get_response(message)
        v2c.apiMessage.set_pdu(response, answer)
        return bytes(encoder.encode(response))

    # -- v3 (RFC 3412 message processing, RFC 3414 USM, RFC 3826 AES)
    def _respond_v3(self, data: bytes, access: Access) -> bytes | None:
        message, _ = decoder.decode(data, asn1Spec=SNMPv3Message())
        header = message["msgGlobalData"]
        flags = bytes(header["msgFlags"])[0]
        if int(header["msgSecurityModel"]) != 3:
            return None
        usm, _ = decoder.decode(
            bytes(message["msgSecurityParameters"]), asn1Spec=UsmSecurityParameters()
        )
        boots, now = self._clock()
        if bytes(usm["msgAuthoritativeEngineId"]) != self.engine_id:
            if not flags & FLAG_REPORTABLE:
                return None
            self.unknown_engine_ids += 1  # discovery: tell the engine ID, boots and time
            return self._report(message, usm, UNKNOWN_ENGINE_IDS, self.unknown_engine_ids)
        user = access.users.get(bytes(usm["msgUserName"]))
        if user is None or not _allows(user, flags & (FLAG_AUTH | FLAG_PRIV)):
            return None  # unknown user, or below its group's level: VACM says no
        user = User(user.name, flags & (FLAG_AUTH | FLAG_PRIV), user.auth_key, user.priv_key)
        if user.flags & FLAG_AUTH:
            try:
                _SHA.authenticate_incoming_message(
                    univ.OctetString(user.auth_key), usm["msgAuthenticationParameters"], data
                )
            except snmp_error.StatusInformation:
                return None
            their_boots = int(usm["msgAuthoritativeEngineBoots"])
            their_time = int(usm["msgAuthoritativeEngineTime"])
            if their_boots != boots or abs(their_time - now) > TIME_WINDOW:
                self.not_in_time_windows += 1
                return self._report(
                    message, usm, NOT_IN_TIME_WINDOWS, self.not_in_time_windows, user
                )
        scoped = message["msgData"]
        if user.flags & FLAG_PRIV:
            plain = _AES.decrypt_data(
                univ.OctetString(user.priv_key),
                (
                    int(usm["msgAuthoritativeEngineBoots"]),
                    int(usm["msgAuthoritativeEngineTime"]),
                    usm["msgPrivacyParameters"],
                ),
                scoped["encryptedPDU"],
            )
            pdu_scope, _ = decoder.decode(plain, asn1Spec=ScopedPDU())
        else:
            pdu_scope = scoped["plaintext"]
        answer = self._answer(pdu_scope["data"].getComponent())
        if answer is None:
            return None
        return self._message(message, usm, user, answer, bytes(pdu_scope["contextName"]))

    def _clock(self) -> tuple[int, int]:
        """snmpEngineBoots and snmpEngineTime: the device's boots and seconds since boot."""
        booted = self.device.booted
        return self.device.boots, int(time.monotonic() - booted)

    def _report(
        self,
        request: Any,
        usm: Any,
        counter: Oid,
        value: int,
        user: User | None = None,
    ) -> bytes:
        """A Report-PDU naming ``counter`` (RFC 3412 7.1.3.a); authenticated for ``user``."""
        report = v2c.ReportPDU()
        v2c.apiPDU.set_defaults(report)
        scoped = request["msgData"]
        if scoped.getName() == "plaintext":
            pdu = scoped["plaintext"]["data"].getComponent()
            v2c.apiPDU.set_request_id(report, v2c.apiPDU.get_request_id(pdu))
        v2c.apiPDU.set_varbinds(report, [(counter, v2c.Counter32(value))])
        if user is not None:  # authNoPriv, RFC 3414 3.1.1.b
            user = User(user.name, FLAG_AUTH, user.auth_key)
        return self._message(request, usm, user, report, b"")

    def _message(
        self, request: Any, usm: Any, user: User | None, pdu: Any, context: bytes
    ) -> bytes:
        flags = user.flags if user else 0
        boots, now = self._clock()
        scoped = ScopedPDU()
        scoped["contextEngineId"] = self.engine_id
        scoped["contextName"] = context
        scoped["data"].setComponentByType(
            pdu.tagSet, pdu, verifyConstraints=False, matchTags=False, matchConstraints=False
        )
        params = UsmSecurityParameters()
        params["msgAuthoritativeEngineId"] = self.engine_id
        params["msgAuthoritativeEngineBoots"] = boots
        params["msgAuthoritativeEngineTime"] = now
        params["msgUserName"] = usm["msgUserName"]
        params["msgAuthenticationParameters"] = b"\x00" * 12 if flags & FLAG_AUTH else b""
        params["msgPrivacyParameters"] = b""
        message = SNMPv3Message()
        message["msgVersion"] = 3
        header = message["msgGlobalData"]
        header["msgID"] = request["msgGlobalData"]["msgID"]
        header["msgMaxSize"] = 65507
        header["msgFlags"] = bytes([flags])
        header["msgSecurityModel"] = 3
        if user is not None and flags & FLAG_PRIV:
            encrypted, salt = _AES.encrypt_data(
                univ.OctetString(user.priv_key), (boots, now, None), encoder.encode(scoped)
            )
            params["msgPrivacyParameters"] = salt
            message["msgData"]["encryptedPDU"] = encrypted
        else:
            message["msgData"]["plaintext"] = scoped
        message["msgSecurityParameters"] = encoder.encode(params)
        whole = bytes(encoder.encode(message))
        if user is not None and flags & FLAG_AUTH:
            whole = bytes(
                _SHA.authenticate_outgoing_message(univ.OctetString(user.auth_key), whole)
            )
        return whole

    # -- the PDU, whatever the version
    def _answer(self, pdu: Any) -> Any:
        """The Response-PDU to a GET, GETNEXT, GETBULK or SET; None for anything else."""
        tag = pdu.tagSet
        if tag not in _REQUESTS:
            return None
        response = v2c.apiPDU.get_response(pdu)
        names = [tuple(oid) for oid, _ in v2c.apiPDU.get_varbinds(pdu)]
        snapshot = self.mib.snapshot()
        if tag == v2c.GetRequestPDU.tagSet:
            varbinds = [(oid, self._get(snapshot, oid)) for oid in names]
        elif tag == v2c.GetNextRequestPDU.tagSet:
            varbinds = [self._next(snapshot, oid) for oid in names]
        elif tag == v2c.GetBulkRequestPDU.tagSet:
            varbinds = self._bulk(snapshot, pdu, names)
        else:  # SET
            v2c.apiPDU.set_error_status(response, NO_ACCESS)
            v2c.apiPDU.set_error_index(response, 1)
            varbinds = list(v2c.apiPDU.get_varbinds(pdu))
        v2c.apiPDU.set_varbinds(response, varbinds)
        return response

    def _get(self, snapshot: Snapshot, oid: Oid) -> Any:
        value = self.mib.get(snapshot, oid)
        if value is not None:
            return value
        return rfc1905.noSuchInstance if self.mib.knows(oid) else rfc1905.noSuchObject

    def _next(self, snapshot: Snapshot, oid: Oid) -> tuple[Oid, Any]:
        found = self.mib.next(snapshot, oid)
        return found if found is not None else (oid, rfc1905.endOfMibView)

    def _bulk(self, snapshot: Snapshot, pdu: Any, names: list[Oid]) -> list[tuple[Oid, Any]]:
        """RFC 3416 4.2.3: the non-repeaters once, then the rest row by row."""
        non_repeaters = max(0, min(int(v2c.apiBulkPDU.get_non_repeaters(pdu)), len(names)))
        repetitions = max(0, int(v2c.apiBulkPDU.get_max_repetitions(pdu)))
        varbinds = [self._next(snapshot, oid) for oid in names[:non_repeaters]]
        row = names[non_repeaters:]
        for _ in range(repetitions):
            if not row or len(varbinds) + len(row) > MAX_BULK_VARBINDS:
                break
            answers = [self._next(snapshot, oid) for oid in row]
            varbinds += answers
            if all(value is rfc1905.endOfMibView for _, value in answers):
                break
            row = [oid for oid, _ in answers]
        return varbinds


_REQUESTS = frozenset(
    pdu.tagSet
    for pdu in (
        v2c.GetRequestPDU,
        v2c.GetNextRequestPDU,
        v2c.GetBulkRequestPDU,
        v2c.SetRequestPDU,
    )
)


async def serve_snmp(device: Device, address: str) -> asyncio.DatagramTransport:
    """Listen for SNMP on UDP ``address``:``device.snmp_port`` (0: a free port, recorded).

    Raises:
        OSError: the port cannot be bound.
    """
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: SnmpAgent(device), local_addr=(address, device.snmp_port or 0)
    )
    device.snmp_port = transport.get_extra_info("sockname")[1]
    return transport


__all__ = ["Access", "SnmpAgent", "User", "engine_id", "read_access", "serve_snmp"]
