"""One normalised diff, remediation and rollback for every plugin: pure text in, text out.

Whatever plugin fetched a config, the text goes through the same steps: ``clean_config`` drops
the lines that change on every read (banners of ``show running-config``, timestamps), then
hier_config parses it with the platform's driver, extended here with the device behaviour it
lacks (which lines replace each other, which negations a device keeps in its config). So
``Result.diff`` is the same text for NAPALM, Netmiko and Scrapli, remediation and rollback are
computed once, and ``merge`` predicts what a merge-mode deploy leaves on the device.

Secrets are hidden by the filters below (netutils' ``sanitize_config`` format, which ships no
filters of its own): they cover what napalm's and netutils' documented filters cover, and
more, in config text and inside library messages alike.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import TypeAlias

from hier_config import HConfig, HConfigChild, get_hconfig, get_hconfig_driver
from hier_config.exceptions import DuplicateChildError
from hier_config.models import IdempotentCommandsRule, MatchRule, NegationSubRule, PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase
from netutils.config.clean import clean_config as netutils_clean_config

from .exceptions import UsageError
from .ordering import (
    NO_ORDERING,
    Ordering,
    Sequenced,
    fix_order,
    merge_lists,
    number_entries,
    number_headers,
    ordered_diff,
)
from .platforms import canonical_platform, hier_platform

REDACTED = "<redacted>"
NEGATION = "no "
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigDialect:
    """How one platform's config text behaves, as data."""

    indent: int  # spaces per level, as the device prints its config
    volatile: tuple[str, ...]  # regexes of whole lines that change on every read
    secrets: tuple[tuple[str, str], ...]  # (regex, replacement) for sanitize_config
    # Lines a device keeps in both forms, ``X`` and ``no X``: parent prefixes, then the line.
    toggles: tuple[tuple[str, ...], ...]
    replaces: tuple[tuple[MatchRule, ...], ...]  # a new line matching a rule replaces the old
    # The line that ends a banner's text (EOS: ``EOF``); None: the delimiter that opens it
    # (``banner motd #...#``, ``^C`` as IOS prints it).
    banner_end: str | None = None
    ordering: Ordering = NO_ORDERING  # lists whose order the device keeps (ordering.py)


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
    _secret(
        r"snmp-server user (?:\S+ ){1,10}?priv(?: (?:des|3des|aes(?: ?\d+)?))?",
        guard=r"(?!(?:des|3des|aes)\b)",
    ),
    # tacacs-server key 7 X, tacacs-server host H [port N] key X, radius-server host H ... key X
    _secret(rf"(?:tacacs|radius)-server (?:\S+ ){{0,8}}?key{_TYPE}"),
    # key 7 X anywhere (server-private 10.1.1.1 key 7 X); nested under `tacacs server NAME`,
    # `radius server NAME` also a plain key X (but not a key chain's key 1)
    _secret(r"key [0-9]"),
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
        )
    ),
    _rule(r"re:^banner (\S+)"),  # one banner of each kind
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

# Named ACL entries and IOS prefix-lists are numbered by the device (10, 20... and 5, 10...);
# IOS numbered ACLs, community and AS-path lists keep their order only by place.
_ROUTE_MAP = r"(route-map \S+)(?: (permit|deny))?(?: (\d+))?"
_IOS_ORDERING = Ordering(
    sequenced=(
        Sequenced(
            parent=r"ip access-list (?:standard|extended) \S+",
            entry=r"()(?:(\d+) )?((?:permit|deny) .*)",
            shown="{number} {body}",
            step=10,
        ),
        Sequenced(
            parent="",
            entry=r"(ip prefix-list \S+) (?:seq (\d+) )?((?:permit|deny) .*)",
            shown="{head} seq {number} {body}",
            step=5,
        ),
    ),
    lists=(
        r"access-list \d+",
        r"ip community-list (?:standard |expanded )?\S+",
        r"ip as-path access-list \S+",
    ),
    wiped_by_any_negation=(r"access-list \d+",),
    entry_headers=(_ROUTE_MAP,),
)
_EOS_ORDERING = Ordering(
    sequenced=(
        Sequenced(
            parent=r"ip access-list (?:standard )?\S+",
            entry=r"()(?:(\d+) )?((?:permit|deny|remark) .*)",
            shown="{number} {body}",
            step=10,
        ),
    ),
    lists=(r"ip community-list (?:regexp )?\S+", r"ip as-path access-list \S+"),
    entry_headers=(_ROUTE_MAP,),
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
    ordering=_IOS_ORDERING,
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
    banner_end="EOF",
    ordering=_EOS_ORDERING,
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
                # not hier_config's EOS rule that makes every banner one setting: a new motd
                # would replace the login banner
                *(r for r in driver.rules.idempotent_commands if r.match_rules != _ANY_BANNER),
                *(IdempotentCommandsRule(match_rules=rule) for rule in rules.replaces),
            ],
            # ``exit``, ``exit-address-family``, ``exit-af-interface``...: indentation already
            # says where a section ends, and a section's repeated exit lines would be duplicates
            "per_line_sub": [*driver.rules.per_line_sub, PerLineSubRule(search=_EXIT, replace="")],
            # the device numbers list entries given without a number: so does the parse
            "post_load_callbacks": [
                functools.partial(number_entries, ordering=rules.ordering),
                functools.partial(number_headers, ordering=rules.ordering),
                *driver.rules.post_load_callbacks,
            ],
            # `no 20` removes ACL entry 20, whatever follows the number
            "negation_sub": [
                *driver.rules.negation_sub,
                *(
                    NegationSubRule(
                        match_rules=(
                            MatchRule(re_search=f"^{sequenced.parent}$"),
                            MatchRule(re_search=r"^\d+ "),
                        ),
                        search=r"^no (\d+) .*$",
                        replace=r"no \1",
                    )
                    for sequenced in rules.ordering.sequenced
                    if sequenced.parent
                ),
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
    trigger, filters = _compiled(dialect(platform).secrets)
    if not trigger.search(text):
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if trigger.search(line):  # most config lines name no secret: skip them quickly
            hidden = line
            for pattern, replace in filters:
                hidden = pattern.sub(replace, hidden)
            lines[number] = hidden
    return "\n".join(lines)


# Every secret filter names one of these words; a line without them holds no secret.
_TRIGGER = r"secret|password|key|snmp-server|authentication|wpa-psk"


@functools.cache
def _compiled(
    secrets: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]]:
    filters = tuple((re.compile(regex, re.MULTILINE), repl) for regex, repl in secrets)
    return re.compile(_TRIGGER), filters


def parse(text: str, platform: str) -> HConfig:
    """Cleaned config text as a hier_config tree with nornir-pack's driver for the platform.

    Takes what devices print: ``!`` and blank lines, sections closed by ``exit`` lines,
    banners with any delimiter, and repeated lines (merged as the device merges them when it
    reads the config, with a log note). An unterminated banner is a UsageError naming it.

    >>> text = "banner login #Hi#\\nrouter ospf 1\\n router-id 1.1.1.1\\n exit\\n"
    >>> print(render(parse(text, "ios")))
    banner login ^C
    Hi
    ^C
    router ospf 1
     router-id 1.1.1.1
    """
    return _parsed(text, platform).deep_copy()


def _parsed(text: str, platform: str) -> HConfig:
    """The shared parse of ``text``: read it, never mutate it."""
    return _tree(text, canonical_platform(platform))


@functools.lru_cache(maxsize=256)
def _tree(text: str, platform: str) -> HConfig:
    """``parse``, cached: one parse per distinct text. Shared: never mutate the result."""
    rules = dialect(platform)
    body, banners = _lift_banners(clean_config(text, platform), rules.banner_end)
    driver = _driver(platform)
    try:
        config = get_hconfig(driver, body)
    except DuplicateChildError:  # rare: merge the repeats, then parse once more
        config = get_hconfig(driver, _merge_repeats(body, driver, platform))
    for child in tuple(config.children):
        if child.text.startswith(_BANNER_MARK):
            banner = banners[int(child.text.removeprefix(_BANNER_MARK))]
            if (older := config.children.get(banner)) is not None:
                older.delete()  # the same banner twice: one node
            child.text = banner
    return config


_EXIT = r"^\s*exit(?:-[\w-]+)?\s*$"
_ANY_BANNER = (MatchRule(startswith="banner"),)
_BANNER = re.compile(r"banner (\S+)(?: (.*))?")
_BANNER_MARK = "banner\0"  # a banner's place in the text hier_config parses


def _lift_banners(text: str, end_line: str | None) -> tuple[str, list[str]]:
    """Replace each banner by a one-line placeholder; return the text and the banners.

    hier_config's own banner reading ends a banner at any line that is ``!``, ``%``, ``EOF``
    or starts with ``^``, and reads a one-line banner on into the next lines; here a banner
    ends where the device ends it: at its delimiter, or at the ``EOF`` line on EOS. Each is
    written the way the device prints it: ``banner motd ^C``, the text lines, ``^C``.
    """
    out: list[str] = []
    banners: list[str] = []
    lines = iter(text.split("\n"))
    for line in lines:
        match = _BANNER.fullmatch(line)
        if match is None:
            out.append(line)
            continue
        kind, rest = match.group(1), (match.group(2) or "").strip()
        if end_line is not None:
            header, closing, body = f"banner {kind}", end_line, []
            for text_line in lines:
                if text_line.strip() == end_line:
                    break
                body.append(text_line)
            else:
                raise _unterminated(line, f"a line '{end_line}'")
        else:
            if not rest:
                raise UsageError(
                    f"'{line}' has no delimiter: write banner {kind} #, the text, then #"
                )
            delimiter = "^C" if rest.startswith("^C") else rest[0]
            header, closing, body = f"banner {kind} ^C", "^C", []
            pending: str | None = rest[len(delimiter) :]
            while pending is not None and delimiter not in pending:
                if pending or body:
                    body.append(pending)
                pending = next(lines, None)
            if pending is None:
                raise _unterminated(line, repr(delimiter))
            if before := pending.split(delimiter, 1)[0]:
                body.append(before)
        out.append(f"{_BANNER_MARK}{len(banners)}")
        banners.append("\n".join([header, *body, closing]))
    return "\n".join(out), banners


def _unterminated(line: str, ending: str) -> UsageError:
    kind = line.split()[1]
    return UsageError(
        f"banner {kind} is not terminated: no line after '{line}' ends it with {ending}: "
        "close the banner"
    )


def _merge_repeats(text: str, driver: HConfigDriverBase, platform: str) -> str:
    """The config with repeated lines merged as a device merges them when it reads them.

    A section given twice is one section with the lines of both; a line given twice in the
    same section is one line (its first place kept). Lines are read as hier_config reads
    them (its per-line rules, indentation), so the result parses without a duplicate.
    """
    root: _Lines = {}
    stack: list[tuple[int, _Lines]] = [(-1, root)]
    repeats: list[str] = []
    for raw in text.split("\n"):
        line = raw
        for rule in driver.rules.per_line_sub:
            line = re.sub(rule.search, rule.replace, line)
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while indent <= stack[-1][0]:
            stack.pop()
        siblings = stack[-1][1]
        key = " ".join(line.split())
        if key in siblings:
            repeats.append(key)
        node = siblings.setdefault(key, {})
        stack.append((indent, node))
    log.info(
        "%s config: %d repeated line(s) merged, as the device merges them (first: %r)",
        platform,
        len(repeats),
        sanitize(repeats[0], platform) if repeats else "",
    )
    return "\n".join(_emit(root, 0))


_Lines: TypeAlias = "dict[str, _Lines]"  # a line's text -> the lines under it


def _emit(lines: _Lines, depth: int) -> list[str]:
    """Nested lines back as text, one space of indentation per level."""
    out: list[str] = []
    for text, children in lines.items():
        out.append(" " * depth + text)
        out.extend(_emit(children, depth + 1))
    return out


def render(config: HConfig) -> str:
    """A hier_config tree as config text, indented as the device indents it."""
    return "\n".join(config.dump_simple())


def normalised_diff(running: str, intended: str, platform: str, *, redact: bool = True) -> str:
    """The hierarchical unified diff from running to intended; "" when they are the same.

    Lines are ``- text`` (only in running) or ``+ text`` (only in intended) under their
    unchanged parent lines. Secrets are redacted unless ``redact=False``.
    """
    before, after = _parsed(running, platform), _parsed(intended, platform)
    lines = ordered_diff(before.unified_diff(after), before, after, dialect(platform).ordering)
    diff = "\n".join(_mark_continuations(line) for line in lines)
    return sanitize(diff, platform) if redact else diff


def _mark_continuations(line: str) -> str:
    """Give each line of a multi-line item (a banner) its ``-``/``+`` marker too."""
    first, *rest = line.split("\n")
    body = first.lstrip(" ")
    marker = body[:2] if body[:2] in ("- ", "+ ") else ""
    indent = first[: len(first) - len(body)]
    return "\n".join([first, *(f"{indent}{marker}{text}" for text in rest)])


def remediation(running: str, intended: str, platform: str) -> str:
    """Config lines that turn running into intended (a full config); "" when nothing to do.

    For a partial intended config deployed in merge mode, pass ``merge(running, partial)``
    as ``intended``. Ordered lists end in order: one that changed other than at its end is
    removed and written again.

    >>> running = "access-list 10 permit 10.0.0.1\\naccess-list 10 permit 10.0.0.2\\n"
    >>> print(remediation(running, "access-list 10 permit 10.0.0.2\\n", "cisco_ios"))
    no access-list 10
    access-list 10 permit 10.0.0.2
    """
    before, after = _parsed(running, platform), _parsed(intended, platform)
    return render(remediation_config(before, after, platform))


def remediation_config(running: HConfig, intended: HConfig, platform: str) -> HConfig:
    """``remediation`` on parsed configs: hier_config's, with ordered lists kept in order."""
    delta = running.config_to_get_to(intended)
    fix_order(delta, running, intended, dialect(platform).ordering)
    return delta.set_order_weight()


def rollback(running: str, intended: str, platform: str) -> str:
    """Config lines that turn intended back into running: the undo of ``remediation``."""
    return remediation(intended, running, platform)


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
    return render(merge_config(_parsed(running, platform), _parsed(change, platform), platform))


def merge_config(before: HConfig, change: HConfig, platform: str) -> HConfig:
    """The config a device shows after ``change`` is merged onto ``before``.

    hier_config's ``future`` with the device's own habits added: a toggled line keeps the
    form last applied (``no ip http server`` stays visible), and a negation that removed
    nothing leaves no trace.
    """
    toggles = dialect(platform).toggles
    after = before.future(change)
    merge_lists(before, change, after, dialect(platform).ordering)
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


def banner_chunks(lines: list[str], platform: str) -> list[tuple[list[str], bool]]:
    """Config lines to push, in runs: plain lines, and each banner (True) from its first line
    to its closing line, whose text lines bring no prompt back from the device.

    >>> banner_chunks(["hostname r1", "banner motd ^C", "Hi", "^C", "ntp server 1.1.1.9"], "ios")
    ... # doctest: +NORMALIZE_WHITESPACE
    [(['hostname r1'], False), (['banner motd ^C', 'Hi', '^C'], True),
     (['ntp server 1.1.1.9'], False)]
    """
    closing = dialect(platform).banner_end or "^C"
    chunks: list[tuple[list[str], bool]] = []
    banner: list[str] | None = None
    for line in lines:
        if banner is not None:
            banner.append(line)
            if line.strip() == closing:
                chunks.append((banner, True))
                banner = None
        elif line.startswith("banner "):
            banner = [line]
        elif chunks and not chunks[-1][1]:
            chunks[-1][0].append(line)
        else:
            chunks.append(([line], False))
    if banner is not None:
        chunks.append((banner, True))
    return chunks
