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


# ---------------------------------------------------------------- secrets
#
# A secret is found by the config words before it, wherever that config text stands: at the
# start of a line (indented, or behind a diff marker), or quoted inside a library's message
# (pyeapi's ``CLI command 3 of 5 'snmp-server community S3cretRW rw' failed``, hier_config's
# ``('snmp-server community S3cretRW rw',)``, netmiko's ``at command: ...``). Keyword
# sequences that only config has (``snmp-server community``, ``neighbor X password``) match
# anywhere in a line; the bare words ``password``, ``secret`` and ``key`` only where a config
# line starts and only when the secret is the line's last word, so that prose such as
# scrapli's "password prompt seen more than once" stays readable.

_TYPE = r"(?: (?:[0-9]|8a|sha512))?"  # the encryption type word before a secret
# a word; a closing quote, or a comma that ends a clause, is not part of it
_VALUE = r"""(?:[^\s'",]|,(?!\s|$)|['"](?![\s'"),\]]|$))+"""
_ANYWHERE = r"(?<![\w-])"  # at the start of a word
# where a config line starts: a line (indented, behind a diff marker), a quote, netmiko's
# "at command: "
_LINE_START = r"""(?:^[ \t]*(?:[-+] ?)?[ \t]*|(?<=['"])|(?<=command: ))"""
_LAST = r"""(?=\s*$|['"]|, matched error)"""  # the secret ends the (quoted) line


def _secret(before: str, *, guard: str = "", bare: bool = False) -> tuple[str, str]:
    """A sanitize filter: keep ``before`` (negated or in a diff too), redact the next word.

    ``bare``: ``before`` is a word prose uses too; match it only where a config line starts
    and only when the secret ends the line.
    """
    anchor, after = (_LINE_START, _LAST) if bare else (_ANYWHERE, "")
    return rf"({anchor}(?:no )?{before}) {guard}{_VALUE}{after}", rf"\1 {REDACTED}"


# Each filter's comment is the config it is for (IOS and EOS unless one is named).
_SECRETS: tuple[tuple[str, str], ...] = (
    # enable secret 9 X, enable password 7 X, enable secret level 5 5 X, EOS sha512
    _secret(rf"enable (?:secret|password)(?: level \d+)?{_TYPE}"),
    # username bob privilege 15 secret 9 X, EOS username bob role R secret sha512 X
    _secret(rf"username \S+ (?:\S+ ){{0,6}}?(?:secret|password){_TYPE}"),
    # snmp-server community X RO; public/private are well-known defaults, not secrets:
    # showing them says what to fix.
    _secret("snmp-server community", guard=r"(?!(?:public|private)\b)"),
    # snmp-server host 10.1.1.1 [vrf V] [traps|informs] [version 1|2c|3 auth|noauth|priv] X
    _secret(
        r"snmp-server host \S+(?: vrf \S+)?(?: (?:traps|informs))?"
        r"(?: version (?:1|2c|3(?: (?:auth|noauth|priv))?))?",
        guard=r"(?!(?:public|private|vrf|traps|informs|version|auth|noauth|priv)\b)",
    ),
    # snmp-server user U G v3 auth sha X priv aes 128 Y (EOS: localized ENGINE, sha256, aes256)
    _secret(r"snmp-server user (?:\S+ ){1,6}?auth (?:md5|sha\d*)"),
    _secret(r"snmp-server user (?:\S+ ){1,10}?priv (?:des|3des|aes(?: ?\d+)?)"),
    # tacacs-server key 7 X, tacacs-server host H [port N] key X, radius-server host H ... key X
    _secret(rf"(?:tacacs|radius)-server (?:\S+ ){{0,8}}?key{_TYPE}"),
    # key 7 X nested under `tacacs server NAME` / `radius server NAME` (not a key chain's key 1)
    _secret(r"key [0-9]", bare=True),
    _secret("key", guard=r"(?![0-9]+\s*$)", bare=True),
    # key-string 7 X (key chains, HSRP/VRRP md5)
    _secret(rf"key-string{_TYPE}"),
    # password 7 X and secret 5 X nested under line vty and the like
    _secret(rf"(?:password|secret){_TYPE}", bare=True),
    # neighbor 10.1.1.1 password 7 X, neighbor PEER-GROUP password X
    _secret(rf"neighbor \S+ password{_TYPE}"),
    # ip ospf authentication-key 7 X, ip ospf message-digest-key 1 md5 7 X (also virtual-link)
    _secret(rf"ip ospf authentication-key{_TYPE}"),
    _secret(rf"message-digest-key \d+ md5{_TYPE}"),
    # IS-IS: IOS isis password X, area-password X, domain-password X; EOS (isis) authentication
    # key 7 X
    _secret(r"(?:isis password|area-password|domain-password)"),
    _secret(rf"(?:isis )?authentication key{_TYPE}"),
    # vrrp 1 authentication text X, EOS vrrp 1 peer authentication text X
    _secret("authentication text"),
    # standby 1 authentication X (HSRP plain text; md5 key-string is above)
    _secret(r"standby (?:\d+ )?authentication", guard=r"(?!(?:md5|text)\b)"),
    # ntp authentication-key 1 md5 X 7
    _secret(rf"ntp authentication-key \d+ (?:md5|sha1|sha256){_TYPE}"),
    # ip ftp password 7 X
    _secret(rf"ip ftp password{_TYPE}"),
    # ppp chap password 7 X, ppp pap sent-username U password 7 X
    _secret(rf"ppp (?:chap|pap sent-username \S+) password{_TYPE}"),
    # crypto isakmp key X address A, pre-shared-key [local|remote] X, wpa-psk ascii 7 X
    _secret(rf"crypto isakmp key{_TYPE}"),
    _secret(rf"pre-shared-key(?: (?:local|remote))?{_TYPE}"),
    _secret(rf"wpa-psk (?:ascii|hex){_TYPE}"),
    # EOS aaa root secret sha512 X
    _secret(rf"aaa root secret{_TYPE}"),
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
    """Replace every secret in config text with ``<redacted>``, keeping the line readable.

    Config lines quoted in a library's message are sanitised too; prose is left alone.

    >>> sanitize("snmp-server community S3cret RO\\n password 7 0822", "cisco_ios")
    'snmp-server community <redacted> RO\\n password 7 <redacted>'
    >>> sanitize("CLI command 3 of 5 'snmp-server community S3cret rw' failed", "arista_eos")
    "CLI command 3 of 5 'snmp-server community <redacted> rw' failed"
    >>> sanitize("password prompt seen more than once, assuming auth failed", "cisco_ios")
    'password prompt seen more than once, assuming auth failed'
    """
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
