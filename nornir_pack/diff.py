"""One normalised diff, remediation and rollback for every plugin: pure text in, text out.

Whatever plugin fetched a config, the text goes through the same steps: ``clean_config`` drops
the lines that change on every read (banners of ``show running-config``, timestamps), then
hier_config parses it with the platform's driver, extended here with the device behaviour it
lacks (which lines replace each other, which negations a device keeps in its config). So
``Result.diff`` is the same text for NAPALM, Netmiko and Scrapli, remediation and rollback are
computed once, and ``merge`` predicts what a merge-mode deploy leaves on the device.

Secrets are hidden by ``sanitizer.py``'s filters (netutils' ``sanitize_config`` format; netutils
ships none of its own): what napalm's and netutils' documented filters cover, and more, in
config text and inside library messages alike. ``configtext.py`` reads what hier_config does
not take from real devices (banners, repeated lines); ``ordering.py`` keeps order where the
device keeps it.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .configtext import BANNER_MARK, lift_banners, merge_repeats
from .configtext import banner_chunks as _chunks
from .idempotency import indexed
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
from .sanitizer import REDACTED, SECRETS, hide_secrets

if TYPE_CHECKING:
    from hier_config import HConfig, HConfigChild
    from hier_config.models import MatchRule
    from hier_config.platforms.driver_base import HConfigDriverBase

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
    # A new line matching a rule replaces the old; a rule is lineage parts (see _rule).
    replaces: tuple[tuple[str, ...], ...]
    # The line that ends a banner's text (EOS: ``EOF``); None: the delimiter that opens it
    # (``banner motd #...#``, ``^C`` as IOS prints it).
    banner_end: str | None = None
    ordering: Ordering = NO_ORDERING  # lists whose order the device keeps (ordering.py)


def _rule(parts: tuple[str, ...]) -> tuple[MatchRule, ...]:
    """Lineage match: ``re:`` parts are regexes (groups key the line), others prefixes."""
    from hier_config.models import MatchRule  # noqa: PLC0415 (see _driver)

    return tuple(
        MatchRule(re_search=part[3:]) if part.startswith("re:") else MatchRule(startswith=part)
        for part in parts
    )


_REPLACES: tuple[tuple[str, ...], ...] = (
    *(
        (prefix,)
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
    (r"re:^banner (\S+)",),  # one banner of each kind
    (r"re:^snmp-server community (\S+)",),
    (r"re:^username (\S+) ",),
    (r"re:^ntp server (?:vrf \S+ )?(\S+)",),
    (r"re:^logging host (\S+)",),
    ("interface", "description"),
    ("interface", "ip address"),
    ("interface", "vrf forwarding"),
    ("interface", "switchport mode"),
    ("interface", "switchport access vlan"),
    *(("interface", word) for word in ("mtu", "bandwidth", "speed", "duplex", "delay")),
    ("router bgp", r"re:^neighbor (\S+) (remote-as|description|update-source) "),
    ("line ", "exec-timeout"),
    ("line ", "transport input"),
    ("router ospf", "router-id"),
    ("router bgp", "router-id"),
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
    secrets=SECRETS,
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
    secrets=SECRETS,
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
    secrets=SECRETS,
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
    secrets=SECRETS,
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
    """hier_config's driver for the platform, plus our replacement rules and indentation.

    hier_config (with pydantic: 0.15 s) is imported on the first parse, not by every run:
    a backup only cleans and sanitises text."""
    from hier_config import get_hconfig_driver  # noqa: PLC0415 (see the docstring)
    from hier_config.models import (  # noqa: PLC0415
        IdempotentCommandsRule,
        MatchRule,
        NegationSubRule,
        PerLineSubRule,
    )

    rules = dialect(platform)
    any_banner = (MatchRule(startswith="banner"),)
    driver = indexed(get_hconfig_driver(hier_platform(platform)))
    driver.rules = driver.rules.model_copy(
        update={
            "indentation": rules.indent,
            "idempotent_commands": [
                # not hier_config's EOS rule that makes every banner one setting: a new motd
                # would replace the login banner
                *(r for r in driver.rules.idempotent_commands if r.match_rules != any_banner),
                *(IdempotentCommandsRule(match_rules=_rule(rule)) for rule in rules.replaces),
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
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    text = _volatile_lines(dialect(platform)).sub("", text)
    # NAPALM's IOS get_config blanks its volatile lines but keeps their newlines: blank lines
    # among the comments that open a config say nothing, whichever plugin read it
    head = _OPENING_COMMENTS.match(text)
    if head is not None and "\n\n" in head.group(0):
        kept = "".join(line for line in head.group(0).splitlines(keepends=True) if line.strip())
        text = kept + text[head.end() :]
    text = text.lstrip("\n").rstrip()
    return f"{text}\n" if text else ""


# the blank and ``!`` lines before a config's first command
_OPENING_COMMENTS = re.compile(r"(?:(?:![^\n]*)?\n)+")


@functools.cache
def _volatile_lines(config_dialect: ConfigDialect) -> re.Pattern[str]:
    """One pattern for all of a dialect's volatile lines, each with its newline: one pass
    over a config where netutils' ``clean_config`` made one per line kind (4x the time)."""
    return re.compile(rf"^(?:{'|'.join(config_dialect.volatile)}).*(?:\n|\Z)", re.MULTILINE)


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
    return hide_secrets(text, dialect(platform).secrets)


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
    return parse_shared(text, platform).deep_copy()


def parse_shared(text: str, platform: str) -> HConfig:
    """The shared parse of ``text``: read it, never mutate it. Cheaper than ``parse``, whose
    private copy of a large config costs about as much as parsing it."""
    return _tree(text, canonical_platform(platform))


@functools.lru_cache(maxsize=256)
def _tree(text: str, platform: str) -> HConfig:
    """``parse``, cached: one parse per distinct text. Shared: never mutate the result."""
    from hier_config import get_hconfig  # noqa: PLC0415 (see _driver)
    from hier_config.exceptions import DuplicateChildError  # noqa: PLC0415

    rules = dialect(platform)
    body, banners = lift_banners(clean_config(text, platform), rules.banner_end)
    loader = _loader(platform)
    try:
        config = get_hconfig(loader.driver, loader.prepare(body))
    except DuplicateChildError:  # rare: merge the repeats, then parse once more
        merged, repeats = merge_repeats(body, _driver(platform))
        log.info(
            "%s config: %d repeated line(s) merged, as the device merges them (first: %r)",
            platform,
            len(repeats),
            sanitize(repeats[0], platform) if repeats else "",
        )
        config = get_hconfig(loader.driver, loader.prepare(merged))
    for child in tuple(config.children):
        if child.text.startswith(BANNER_MARK):
            banner = banners[int(child.text.removeprefix(BANNER_MARK))]
            if (older := config.children.get(banner)) is not None:
                older.delete()  # the same banner twice: one node
            child.text = banner
    return config


@dataclass(frozen=True)
class _Loader:
    """hier_config's line rules (``per_line_sub``) applied before hier_config reads the text.

    hier_config runs every rule through ``re.sub`` on every line: most of a parse's time on
    a short config. The rules are anchored at the line start (or begin with ``.*``), so a
    line that no rule matches as it is stays as it is: one combined match per line finds the
    few that need the rules, which then run in order as hier_config runs them, on the line as
    it normalises it. The driver that reads the result has no line rules left to run. (One
    difference: hier_config's NX-OS rule ``!.*`` cuts a line at a ``!`` anywhere in it; here
    only a line that starts with ``!`` is a comment, and ``description a!b`` stays whole, as
    the device keeps it.) A text whose lines are all in normal form, as devices print them,
    skips the normalising.
    """

    driver: HConfigDriverBase
    rules: tuple[tuple[re.Pattern[str], str], ...]
    any_rule: re.Pattern[str]
    ruled: dict[str, str] = field(default_factory=dict, compare=False)  # line -> after rules

    def prepare(self, text: str) -> str:
        """The text as hier_config's line rules leave it, each line in normal form first."""
        if _UNEVEN.search(text):
            return self.prepare_each(text)
        # every line is in normal form already (as devices print): only the rules are left
        lines = text.removesuffix("\n").split("\n") if text else []
        match = self.any_rule.match
        return "\n".join([self._ruled(line) if match(line) else line for line in lines])

    def prepare_each(self, text: str) -> str:
        """``prepare``, line by line: each line's whitespace as hier_config normalises it."""
        lines = []
        for raw in text.splitlines():
            line = " " * (len(raw) - len(raw.lstrip())) + " ".join(raw.split())
            lines.append(self._ruled(line) if self.any_rule.match(line) else line)
        return "\n".join(lines)

    def _ruled(self, line: str) -> str:
        """The line after every rule, in order; remembered, as the same few lines come back
        in every config (``!``, ``end``, ``version``, `` no ip address``)."""
        done = self.ruled.get(line)
        if done is None:
            done = line
            for pattern, replacement in self.rules:
                done = pattern.sub(replacement, done)
            if len(self.ruled) >= RULED_KEPT:
                self.ruled.clear()
            self.ruled[line] = done
        return done


RULED_KEPT = 1024  # lines remembered per platform after the line rules, then start again

# What normalising a line's whitespace would change: whitespace other than a space (tabs, and
# the line breaks other than \n that splitlines splits at), a space after a word followed by
# another space or by the line's end.
_UNEVEN = re.compile(r"[^\S \n]|\S (?: |\n|\Z)")


@functools.cache
def _loader(platform: str) -> _Loader:
    full = _driver(platform)
    rules = tuple((re.compile(rule.search), rule.replace) for rule in full.rules.per_line_sub)
    driver = copy.copy(full)
    driver.rules = full.rules.model_copy(update={"per_line_sub": []})
    any_rule = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in rules) or "(?!)")
    return _Loader(driver, rules, any_rule)


_EXIT = r"^\s*exit(?:-[\w-]+)?\s*$"


def render(config: HConfig) -> str:
    """A hier_config tree as config text, indented as the device indents it."""
    return "\n".join(config.dump_simple())


def normalised_diff(running: str, intended: str, platform: str, *, redact: bool = True) -> str:
    """The hierarchical unified diff from running to intended; "" when they are the same.

    Lines are ``- text`` (only in running) or ``+ text`` (only in intended) under their
    unchanged parent lines. Secrets are redacted unless ``redact=False``.
    """
    before, after = parse_shared(running, platform), parse_shared(intended, platform)
    return _tree_diff(before, after, platform, redact=redact)


def _tree_diff(before: HConfig, after: HConfig, platform: str, *, redact: bool) -> str:
    """``normalised_diff`` of two parsed configs."""
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


def merge_diff(running: str, change: str, platform: str, *, redact: bool = True) -> str:
    """``normalised_diff(running, merge(running, change))``, for a fraction of the work.

    Merging can only change the top-level sections that share a first word with a line of
    the change (idempotent and negated forms of a line share it), so only those are merged
    and compared: the rest of the running config is neither copied nor parsed again.
    """
    before = parse_shared(running, platform)
    change_tree = parse_shared(change, platform)
    touched = touched_sections(before, change_tree)
    return _tree_diff(
        touched, merge_config(touched, change_tree, platform), platform, redact=redact
    )


def touched_sections(config: HConfig, change: HConfig) -> HConfig:
    """A copy of the top-level sections of ``config`` whose first word (``no`` aside) is the
    first word of a top-level line of ``change``: all that merging ``change`` can alter."""
    return copy_of(config, touched_nodes(config, change))


def touched_nodes(config: HConfig, change: HConfig) -> list[HConfigChild]:
    """The top-level sections of ``config`` that ``touched_sections`` copies."""
    words = {_first_word(child) for child in change.children}
    return [child for child in config.children if _first_word(child) in words]


def copy_of(config: HConfig, sections: Iterable[HConfigChild]) -> HConfig:
    """A tree of its own (``config``'s driver) holding copies of ``sections`` of ``config``."""
    part = empty_tree(config)
    for child in sections:
        part.add_deep_copy_of(child)
    return part


def empty_tree(config: HConfig) -> HConfig:
    """An empty tree with ``config``'s driver, to copy sections into."""
    from hier_config import HConfig  # noqa: PLC0415 (see _driver)

    return HConfig(config.driver)


def section_head(child: HConfigChild) -> str:
    """The line that selects a top-level section: its first line, without a leading ``no``."""
    return child.text.split("\n", 1)[0].removeprefix(NEGATION)


def _first_word(child: HConfigChild) -> str:
    words = section_head(child).split(maxsplit=1)
    return words[0] if words else ""


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
    before, after = parse_shared(running, platform), parse_shared(intended, platform)
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
    return render(
        merge_config(parse_shared(running, platform), parse_shared(change, platform), platform)
    )


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
    """Config lines to push, in runs: plain lines, and each banner (True), whose text lines
    bring no prompt back from the device (``configtext.banner_chunks``)."""
    return _chunks(lines, dialect(platform).banner_end or "^C")


__all__ = [
    "DIALECTS",
    "NEGATION",
    "REDACTED",
    "ConfigDialect",
    "banner_chunks",
    "clean_config",
    "dialect",
    "equivalent",
    "merge",
    "merge_config",
    "normalised_diff",
    "parse",
    "parse_shared",
    "remediation",
    "remediation_config",
    "render",
    "rollback",
    "sanitize",
]
