"""Where and how to poll a host, and what counts as healthy, from the inventory and config.yaml.

Host data ``snmp_port`` says where the host's SNMP agent listens (on its hostname) and host data
``snmp`` holds its credentials, inherited from groups and defaults like any data:
``{community: X}`` for SNMP v2c, ``{user: U, auth_key: K1, priv_key: K2}`` for v3 authPriv
(SHA and AES-128 unless ``auth_protocol``/``priv_protocol`` say otherwise; without
``priv_key`` it is authNoPriv). A host with neither is checked with NAPALM getters instead.

Thresholds and polling options come from ``user_defined.nornir_pack.health`` in config.yaml,
overridden key by key by the defaults', the groups' and then the host's own data ``health``.

Every value is checked here with a message that names the key and the fix but never a secret;
the pre-flight (``preflight.check_health``) adds the file and the element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import UsageError
from .model import HealthSettings

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host

SNMP_KEY, PORT_KEY, HEALTH_KEY = "snmp", "snmp_port", "health"
SETTINGS = "user_defined.nornir_pack"
# canonical name -> the names a person may write for it
AUTH_PROTOCOLS: Mapping[str, tuple[str, ...]] = {
    "md5": ("md5",),
    "sha": ("sha", "sha1"),
    "sha224": ("sha224",),
    "sha256": ("sha256",),
    "sha384": ("sha384",),
    "sha512": ("sha512",),
}
PRIV_PROTOCOLS: Mapping[str, tuple[str, ...]] = {
    "des": ("des",),
    "3des": ("3des",),
    "aes": ("aes", "aes128"),
    "aes192": ("aes192",),  # Cisco's key localisation (Reeder), as IOS and EOS do it
    "aes256": ("aes256",),
    "aes192-blumenthal": ("aes192-blumenthal", "aes192b"),
    "aes256-blumenthal": ("aes256-blumenthal", "aes256b"),
}
MIN_KEY_LENGTH = 8  # RFC 3414: USM keys are derived from pass phrases of at least 8 characters
V2C_KEYS = frozenset({"community"})
V3_KEYS = frozenset({"user", "auth_key", "priv_key", "auth_protocol", "priv_protocol"})
SETTING_KEYS = ("cpu", "memory", "ignore_interfaces", "timeout", "retries")
MAX_TIMEOUT = 60.0
MAX_RETRIES = 10


@dataclass(frozen=True)
class SnmpV2c:
    community: str = field(repr=False)

    version = "v2c"


@dataclass(frozen=True)
class SnmpV3:
    user: str
    auth_key: str = field(default="", repr=False)
    priv_key: str = field(default="", repr=False)
    auth_protocol: str = "sha"
    priv_protocol: str = "aes"

    version = "v3"

    @property
    def level(self) -> str:
        if not self.auth_key:
            return "noAuthNoPriv"
        return "authPriv" if self.priv_key else "authNoPriv"


Credentials = SnmpV2c | SnmpV3


@dataclass(frozen=True)
class SnmpTarget:
    """Where one host's agent listens and how to speak to it."""

    host: str  # the inventory name, for messages
    address: str
    port: int
    credentials: Credentials = field(repr=False)
    platform: str = ""  # which vendor MIBs to read CPU and memory from (all when unknown)


# ------------------------------------------------------------------ credentials
def _protocol(value: Any, key: str, known: Mapping[str, tuple[str, ...]]) -> str:
    def plain(text: str) -> str:  # case, "-" and "_" aside: AES_256, aes-256, aes256
        return text.strip().lower().replace("_", "").replace("-", "")

    for name, aliases in known.items():
        if plain(str(value)) in {plain(alias) for alias in aliases}:
            return name
    raise ValueError(f"{SNMP_KEY}.{key} is {str(value)!r}: use one of {', '.join(known)}")


def _secret_text(data: Mapping[str, Any], key: str, required: bool) -> str:
    """A credential as text; the messages never quote it."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"{SNMP_KEY}.{key} is missing: set it (e.g. from ${{ENV_VAR}})")
        return ""
    if isinstance(value, (dict, list, bool)):
        raise ValueError(f"{SNMP_KEY}.{key} must be text: quote it")
    return str(value)


def parse_credentials(value: Any) -> Credentials:
    """The ``snmp`` block of host data as credentials.

    Raises:
        ValueError: a malformed block, with the key and the fix (and never a secret).

    >>> parse_credentials({"community": "public"}).version
    'v2c'
    >>> parse_credentials({"user": "ops", "auth_key": "k1-secret", "priv_key": "k2-secret"})
    SnmpV3(user='ops', auth_protocol='sha', priv_protocol='aes')
    """
    if not isinstance(value, Mapping) or not value:
        raise ValueError(
            f"{SNMP_KEY} must be a mapping: {{community: X}} for v2c or "
            "{user: U, auth_key: K1, priv_key: K2} for v3"
        )
    keys = {str(k) for k in value}
    if "community" in keys and keys & V3_KEYS:
        raise ValueError(
            f"{SNMP_KEY} has both community (v2c) and {sorted(keys & V3_KEYS)[0]} (v3): keep one"
        )
    allowed = V2C_KEYS if "community" in keys else V3_KEYS
    unknown = sorted(keys - allowed)
    if unknown:
        raise ValueError(
            f"{SNMP_KEY}.{unknown[0]} is not a setting: use {', '.join(sorted(allowed))}"
        )
    if "community" in keys:
        return SnmpV2c(_secret_text(value, "community", required=True))
    user = _secret_text(value, "user", required=True)
    auth_key = _secret_text(value, "auth_key", required=False)
    priv_key = _secret_text(value, "priv_key", required=False)
    for key, text in (("auth_key", auth_key), ("priv_key", priv_key)):
        if text and len(text) < MIN_KEY_LENGTH:
            raise ValueError(
                f"{SNMP_KEY}.{key} is shorter than {MIN_KEY_LENGTH} characters: "
                "SNMPv3 needs a longer pass phrase"
            )
    if priv_key and not auth_key:
        raise ValueError(f"{SNMP_KEY} has priv_key but no auth_key: v3 privacy needs both")
    return SnmpV3(
        user=user,
        auth_key=auth_key,
        priv_key=priv_key,
        auth_protocol=_protocol(value.get("auth_protocol", "sha"), "auth_protocol", AUTH_PROTOCOLS),
        priv_protocol=_protocol(value.get("priv_protocol", "aes"), "priv_protocol", PRIV_PROTOCOLS),
    )


def parse_port(value: Any) -> int:
    """``snmp_port`` as a port number.

    Raises:
        ValueError: not a number from 1 to 65535.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"{PORT_KEY} is {value!r}: use a port number from 1 to 65535, e.g. 161")
    return value


def snmp_configured(host: Host) -> bool:
    """Whether the host is polled over SNMP: it has ``snmp_port`` or ``snmp`` (if only one,
    ``snmp_target`` says which is missing)."""
    return host.get(PORT_KEY) is not None or host.get(SNMP_KEY) is not None


def snmp_target(host: Host) -> SnmpTarget:
    """Where and how to poll ``host``.

    Raises:
        UsageError: ``snmp_port`` or ``snmp`` is missing or malformed (naming the host and key).
    """
    port, credentials = host.get(PORT_KEY), host.get(SNMP_KEY)
    where = f"host '{host.name}'"
    if port is None:
        raise UsageError(
            f"{where} has data {SNMP_KEY} but no {PORT_KEY}: set {PORT_KEY} (e.g. 161) on the "
            "host, its group or the defaults"
        )
    if credentials is None:
        raise UsageError(
            f"{where} has data {PORT_KEY} but no {SNMP_KEY} credentials: set {SNMP_KEY}: "
            "{community: X} or {user: U, auth_key: K1, priv_key: K2} on the host, its group "
            "or the defaults"
        )
    try:
        return SnmpTarget(
            host.name,
            str(host.hostname or host.name),
            parse_port(port),
            parse_credentials(credentials),
            str(host.platform or ""),
        )
    except ValueError as exc:
        raise UsageError(f"{where} data {exc}") from None


# ------------------------------------------------------------------ thresholds and options
def parse_settings(value: Any) -> dict[str, Any]:
    """A ``health`` mapping (config.yaml's or host data's) as the settings it sets.

    Raises:
        ValueError: not a mapping, an unknown key, or a value out of range (key and fix).

    >>> parse_settings({"cpu": 90, "ignore_interfaces": ["Ethernet4"]})
    {'cpu': 90.0, 'ignore_interfaces': ('Ethernet4',)}
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"{HEALTH_KEY} must be a mapping, e.g. {{cpu: 80, memory: 90}}")
    parsed: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in SETTING_KEYS:
            raise ValueError(f"{HEALTH_KEY}.{key} is not a setting: use {', '.join(SETTING_KEYS)}")
        where = f"{HEALTH_KEY}.{key} is {raw!r}"
        number = not isinstance(raw, bool) and isinstance(raw, (int, float))
        if key in ("cpu", "memory"):
            if not number or not 0 < raw <= 100:
                raise ValueError(f"{where}: use a percentage above 0 and up to 100, e.g. 80")
            parsed[key] = float(raw)
        elif key == "timeout":
            if not number or not 0 < raw <= MAX_TIMEOUT:
                raise ValueError(
                    f"{where}: use seconds above 0 and up to {MAX_TIMEOUT:.0f}, e.g. 2"
                )
            parsed[key] = float(raw)
        elif key == "retries":
            if not number or not isinstance(raw, int) or not 0 <= raw <= MAX_RETRIES:
                raise ValueError(f"{where}: use a whole number from 0 to {MAX_RETRIES}, e.g. 1")
            parsed[key] = raw
        else:
            if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
                raise ValueError(f"{where}: use a list of interface names, e.g. [Ethernet4]")
            parsed[key] = tuple(raw)
    return parsed


def config_section(config: Config) -> Any:
    """config.yaml's ``user_defined.nornir_pack.health`` (None when absent)."""
    section = config.user_defined.get("nornir_pack")
    return section.get(HEALTH_KEY) if isinstance(section, Mapping) else None


def host_settings(host: Host, config: Config) -> HealthSettings:
    """The host's thresholds and polling options: config.yaml's ``health``, then the
    defaults', each group's (farthest first) and the host's own data ``health``, key by key.

    Raises:
        UsageError: a ``health`` mapping is malformed (the pre-flight names its file).
    """
    layers: list[tuple[str, Any]] = [(f"config.yaml {SETTINGS}", config_section(config))]
    layers.append(("defaults data", (host.defaults.data or {}).get(HEALTH_KEY)))
    for group in reversed(host.extended_groups()):
        layers.append((f"group '{group.name}' data", (group.data or {}).get(HEALTH_KEY)))
    layers.append((f"host '{host.name}' data", (host.data or {}).get(HEALTH_KEY)))
    merged: dict[str, Any] = {}
    for where, value in layers:
        if value is None:
            continue
        try:
            merged.update(parse_settings(value))
        except ValueError as exc:
            raise UsageError(f"{where} {exc}") from None
    return HealthSettings(**merged)
