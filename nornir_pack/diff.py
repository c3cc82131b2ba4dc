"""One normalised diff, remediation and rollback for every plugin: pure text in, text out.

Whatever plugin fetched a config, the text goes through the same steps: ``clean_config`` drops
the lines that change on every read (banners of ``show running-config``, timestamps), then
hier_config parses it with the platform's driver, extended here with the device behaviour it
lacks (which lines replace each other, which negations a device keeps in its config). So
``Result.diff`` is the same text for NAPALM, Netmiko and Scrapli, remediation and rollback are
computed once, and ``merge`` predicts what a merge-mode deploy leaves on the device.

Secrets are hidden with ``netutils.config.clean.sanitize_config`` and the filters below:
netutils ships no default filters, so none of the lab seed's secrets would be caught without
them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hier_config import HConfig, HConfigChild, WorkflowRemediation, get_hconfig, get_hconfig_driver
from hier_config.models import IdempotentCommandsRule, MatchRule
from hier_config.platforms.driver_base import HConfigDriverBase
from netutils.config.clean import clean_config as netutils_clean_config
from netutils.config.clean import sanitize_config

from .platforms import canonical_platform, hier_platform

REDACTED = "<redacted>"
NEGATION = "no "


@dataclass(frozen=True)
class ConfigDialect:
    """How one platform's config text behaves, as data."""

    indent: int  # spaces per level, as the device prints its config
    volatile: tuple[str, ...]  # regexes of whole lines that change on every read
    secrets: tuple[tuple[str, str], ...]  # (regex, replacement) for sanitize_config
    # Lines a device keeps in both forms, ``X`` and ``no X``: parent prefixes, then the line.
    toggles: tuple[tuple[str, ...], ...]
    replaces: tuple[tuple[MatchRule, ...], ...]  # a new line matching a rule replaces the old


def _rule(*parts: str) -> tuple[MatchRule, ...]:
    """Lineage match: ``re:`` parts are regexes (groups key the line), others prefixes."""
    return tuple(
        MatchRule(re_search=part[3:]) if part.startswith("re:") else MatchRule(startswith=part)
        for part in parts
    )


_TYPE = r"(?: (?:[0-9]|sha512))?"  # the encryption type word before a secret


_LEAD = r"\s*(?:[-+] ?)?"  # indentation and a diff marker (``- ``, ``+``), if any


def _secret(before: str, guard: str = "", lead: str = _LEAD) -> tuple[str, str]:
    """A sanitize filter: keep ``before`` (negated or in a diff too), redact the next word."""
    return rf"^({lead}(?:no )?{before}) {guard}\S+", rf"\1 {REDACTED}"


_SECRETS: tuple[tuple[str, str], ...] = (
    _secret(rf"enable (?:secret|password)(?: level \d+)?{_TYPE}"),
    _secret(rf"username \S+ (?:.*? )?(?:secret|password){_TYPE}"),
    # public/private are well-known defaults, not secrets: showing them says what to fix.
    _secret("snmp-server community", guard=r"(?!(?:public|private)\b)"),
    _secret(r"snmp-server user .* auth (?:md5|sha\S*)"),
    _secret(r"snmp-server user .* priv (?:des|3des|aes(?: \d+)?)"),
    _secret(rf"(?:tacacs-server|radius-server)(?: host \S+(?: .*?)?)? key{_TYPE}"),
    _secret("key [0-7]", lead=rf"{_LEAD}\s+"),  # nested ` key 7 X` (tacacs server NAME)
    _secret(rf"key-string{_TYPE}"),
    _secret(rf"password{_TYPE}"),
    _secret(rf"neighbor \S+ password{_TYPE}"),
    _secret(rf"ip ospf authentication-key{_TYPE}"),
    _secret(rf"ip ospf message-digest-key \d+ md5{_TYPE}"),
    _secret(r"ntp authentication-key \d+ md5"),
    _secret(rf"crypto isakmp key{_TYPE}"),
)

_REPLACES: tuple[tuple[MatchRule, ...], ...] = (
    *(
        _rule(prefix)
        for prefix in (
            "hostname",
            "ip domain name",
            "ip domain-name",
            "dns domain",
            "enable secret",
            "enable password",
            "logging buffered",
            "logging trap",
            "snmp-server location",
            "snmp-server contact",
            "service timestamps debug",
            "service timestamps log",
            "ip default-gateway",
            "ip ssh version",
            "clock timezone",
            "banner motd",
            "banner login",
            "banner exec",
        )
    ),
    _rule(r"re:^snmp-server community (\S+)"),
    _rule(r"re:^username (\S+) "),
    _rule(r"re:^ntp server (?:vrf \S+ )?(\S+)"),
    _rule(r"re:^logging host (\S+)"),
    _rule("interface", "description"),
    _rule("interface", "ip address"),
    _rule("interface", "vrf forwarding"),
    _rule("interface", "switchport mode"),
    _rule("interface", "switchport access vlan"),
    *(_rule("interface", word) for word in ("mtu", "bandwidth", "speed", "duplex", "delay")),
    _rule("router bgp", r"re:^neighbor (\S+) (remote-as|description|update-source) "),
    _rule("line ", "exec-timeout"),
    _rule("line ", "transport input"),
    _rule("router ospf", "router-id"),
    _rule("router bgp", "router-id"),
)

_IOS = ConfigDialect(
    indent=1,
    volatile=(
        r"Building configuration\.\.\.",
        r"Current configuration\s*:",
        r"! Last configuration change at ",
        r"! NVRAM config last updated at ",
        r"! No configuration change since last restart",
        r"ntp clock-period ",
        r"Using \d+ out of \d+ bytes",
    ),
    secrets=_SECRETS,
    toggles=(
        *(
            (line,)
            for line in (
                "service password-encryption",
                "service pad",
                "ip domain lookup",
                "ip http server",
                "ip http secure-server",
                "ip source-route",
                "ip bootp server",
                "cdp run",
                "aaa new-model",
                "logging console",
            )
        ),
        *(
            ("interface", line)
            for line in (
                "ip redirects",
                "ip unreachables",
                "ip proxy-arp",
                "cdp enable",
                "keepalive",
                "mop enabled",
                "negotiation auto",
                "switchport",
            )
        ),
        ("router", "auto-summary"),
    ),
    replaces=_REPLACES,
)

_EOS = ConfigDialect(
    indent=3,
    volatile=(
        r"! Command: ",
        r"! device: ",
        r"! Startup-config last modified at ",
        r"! Time: ",
    ),
    secrets=_SECRETS,
    toggles=(
        ("aaa root",),
        ("ip routing",),
        ("ip icmp redirect",),
        ("logging console",),
        ("interface", "switchport"),
        ("management", "shutdown"),
    ),
    replaces=_REPLACES,
)

_NXOS = ConfigDialect(
    indent=2,
    volatile=(
        r"!Command: ",
        r"!Running configuration last done at: ",
        r"!Startup config saved at: ",
        r"!Time: ",
    ),
    secrets=_SECRETS,
    toggles=(("feature",), ("interface", "shutdown"), ("interface", "switchport")),
    replaces=_REPLACES,
)

_XR = ConfigDialect(
    indent=1,
    volatile=(
        r"Building configuration\.\.\.",
        r"!! IOS XR Configuration ",
        r"!! Last configuration change at ",
        r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} +\d+ \d\d:\d\d:\d\d(?:\.\d+)? \S+$",
    ),
    secrets=_SECRETS,
    toggles=(),
    replaces=_REPLACES,
)

DIALECTS: dict[str, ConfigDialect] = {
    "cisco_ios": _IOS,
    "cisco_xe": _IOS,
    "arista_eos": _EOS,
    "cisco_nxos": _NXOS,
    "cisco_xr": _XR,
}


def dialect(platform: str) -> ConfigDialect:
    """The config dialect of a platform, in any plugin's spelling (UsageError if unknown)."""
    return DIALECTS[canonical_platform(platform)]


@functools.cache
def _driver(platform: str) -> HConfigDriverBase:
    """hier_config's driver for the platform, plus our replacement rules and indentation."""
    rules = dialect(platform)
    driver = get_hconfig_driver(hier_platform(platform))
    driver.rules = driver.rules.model_copy(
        update={
            "indentation": rules.indent,
            "idempotent_commands": [
                *driver.rules.idempotent_commands,
                *(IdempotentCommandsRule(match_rules=rule) for rule in rules.replaces),
            ],
        }
    )
    return driver


def clean_config(text: str, platform: str) -> str:
    """Drop the lines that differ between two reads of an unchanged config.

    Also normalises line endings and trailing blanks, so that a backup changes only when the
    config does.
    """
    filters = [{"regex": rf"^{line}.*(?:\n|\Z)"} for line in dialect(platform).volatile]
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    text = netutils_clean_config(text, filters).lstrip("\n").rstrip()
    return f"{text}\n" if text else ""


def sanitize(text: str, platform: str) -> str:
    """Replace every secret in config text with ``<redacted>``, keeping the line readable."""
    filters = [{"regex": regex, "replace": repl} for regex, repl in dialect(platform).secrets]
    return sanitize_config(text, filters)


def parse(text: str, platform: str) -> HConfig:
    """Cleaned config text as a hier_config tree with nornir-pack's driver for the platform."""
    return get_hconfig(_driver(canonical_platform(platform)), clean_config(text, platform))


def render(config: HConfig) -> str:
    """A hier_config tree as config text, indented as the device indents it."""
    return "\n".join(config.dump_simple())


def normalised_diff(running: str, intended: str, platform: str, *, redact: bool = True) -> str:
    """The hierarchical unified diff from running to intended; "" when they are the same.

    Lines are ``- text`` (only in running) or ``+ text`` (only in intended) under their
    unchanged parent lines. Secrets are redacted unless ``redact=False``.
    """
    lines = parse(running, platform).unified_diff(parse(intended, platform))
    diff = "\n".join(_mark_continuations(line) for line in lines)
    return sanitize(diff, platform) if redact else diff


def _mark_continuations(line: str) -> str:
    """Give each line of a multi-line item (a banner) its ``-``/``+`` marker too."""
    first, *rest = line.split("\n")
    body = first.lstrip(" ")
    marker = body[:2] if body[:2] in ("- ", "+ ") else ""
    indent = first[: len(first) - len(body)]
    return "\n".join([first, *(f"{indent}{marker}{text}" for text in rest)])


def _workflow(running: str, intended: str, platform: str) -> WorkflowRemediation:
    return WorkflowRemediation(parse(running, platform), parse(intended, platform))


def remediation(running: str, intended: str, platform: str) -> str:
    """Config lines that turn running into intended (a full config); "" when nothing to do.

    For a partial intended config deployed in merge mode, pass ``merge(running, partial)``
    as ``intended``.
    """
    return render(_workflow(running, intended, platform).remediation_config)


def rollback(running: str, intended: str, platform: str) -> str:
    """Config lines that turn intended back into running: the undo of ``remediation``."""
    return render(_workflow(running, intended, platform).rollback_config)


def _path(child: HConfigChild) -> tuple[str, ...]:
    return tuple(child.path())


def _is_toggle(path: tuple[str, ...], toggles: tuple[tuple[str, ...], ...]) -> bool:
    """Is the line at ``path`` one the device keeps in both ``X`` and ``no X`` forms?"""
    *parents, line = path
    line = line.removeprefix(NEGATION)
    return any(
        len(toggle) == len(path)
        and toggle[-1] == line
        and all(text.startswith(prefix) for text, prefix in zip(parents, toggle, strict=False))
        for toggle in toggles
    )


def _find(config: HConfig, path: tuple[str, ...]) -> HConfig | HConfigChild | None:
    node: HConfig | HConfigChild | None = config
    for text in path:
        node = node.children.get(text) if node is not None else None
    return node


def merge(running: str, change: str, platform: str) -> str:
    """The config a device shows after ``change`` is merged onto ``running`` (as text)."""
    return render(merge_config(parse(running, platform), parse(change, platform), platform))


def merge_config(before: HConfig, change: HConfig, platform: str) -> HConfig:
    """The config a device shows after ``change`` is merged onto ``before``.

    hier_config's ``future`` with the device's own habits added: a toggled line keeps the
    form last applied (``no ip http server`` stays visible), and a negation that removed
    nothing leaves no trace.
    """
    toggles = dialect(platform).toggles
    after = before.future(change)
    for child in tuple(after.all_children()):
        path = _path(child)
        if (
            child.text.startswith(NEGATION)
            and _find(before, path) is None
            and not _is_toggle(path, toggles)
        ):
            child.delete()
    for child in tuple(change.all_children()):
        path = _path(child)
        if not _is_toggle(path, toggles):
            continue
        *parents, text = path
        parent = after.add_children_deep(parents) if parents else after
        opposite = text.removeprefix(NEGATION) if text.startswith(NEGATION) else NEGATION + text
        if (stale := parent.children.get(opposite)) is not None:
            stale.delete()
        parent.add_child(text, return_if_present=True)
    return after


def equivalent(first: str, second: str, platform: str) -> bool:
    """Do two config texts say the same thing (ignoring order, volatile lines, indentation)?"""
    return not normalised_diff(first, second, platform, redact=False)
