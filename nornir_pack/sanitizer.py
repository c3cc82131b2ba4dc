"""Config secrets out of any text: config, diffs, and library messages that quote config.

A secret is found by the config words before it, wherever that config text stands: at the
start of a line (indented, or behind a diff marker), or quoted inside a library's message
(pyeapi's ``CLI command 3 of 5 'snmp-server community S3cretRW rw' failed``, hier_config's
``('snmp-server community S3cretRW rw',)``, netmiko's ``at command: ...``). Keyword
sequences that only config has (``snmp-server community``, ``neighbor X password``) match
anywhere in a line; the bare words ``password``, ``secret`` and ``key`` only where a config
line starts and only when the secret is the line's last word, so that prose such as
scrapli's "password prompt seen more than once" stays readable.
"""

from __future__ import annotations

import functools
import re

REDACTED = "<redacted>"

_TYPE = r"(?: (?:[0-9]|8a|sha512))?"  # the encryption type word before a secret
# a word; a closing quote, or a comma that ends a clause, is not part of it
_VALUE = r"""(?:[^\s'",]|,(?!\s|$)|['"](?![\s'"),\]]|$))+"""
_ANYWHERE = r"(?<![\w-])"  # at the start of a word
# where a config line starts: a line (indented, behind a diff marker), a quote, netmiko's
# "at command: "
_LINE_START = r"""(?:^[ \t]*(?:[-+] ?)?[ \t]*|(?<=['"])|(?<=command: ))"""
_LAST = r"""(?=\s*$|['"]|, matched error)"""  # the secret ends the (quoted) line


def _secret(
    before: str, *, guard: str = "", bare: bool = False, needles: tuple[str, ...] = ()
) -> tuple[str, str]:
    """A sanitize filter: keep ``before`` (negated or in a diff too), redact the next word.

    ``bare``: ``before`` is a word prose uses too; match it only where a config line starts
    and only when the secret ends the line. ``needles``: text of which a line the filter
    matches has one, where ``before`` does not start with plain text.
    """
    anchor, after = (_LINE_START, _LAST) if bare else (_ANYWHERE, "")
    regex = rf"({anchor}(?:no )?{before}) {guard}{_VALUE}{after}"
    _NEEDLES[regex] = needles or (_literal_start(before),)
    return regex, rf"\1 {REDACTED}"


# Text of which each filter can only match a line that contains one: a line without any
# skips that filter's search, which costs far more than a substring test (the filters start
# with look-behinds, so the regex engine tries every position). A filter not listed (one of
# your own) is always searched.
_NEEDLES: dict[str, tuple[str, ...]] = {}


def _literal_start(before: str) -> str:
    """``before``'s plain text up to its first pattern (a quantified last letter dropped)."""
    end = next((i for i, char in enumerate(before) if char in "\\.^$*+?{}[]|()"), len(before))
    return before[: end - 1] if before[end : end + 1] in ("?", "*", "{") else before[:end]


# Each filter's comment is the config it is for (IOS and EOS unless one is named).
SECRETS: tuple[tuple[str, str], ...] = (
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
    _secret(
        rf"(?:tacacs|radius)-server (?:\S+ ){{0,8}}?key{_TYPE}",
        needles=("tacacs-server", "radius-server"),
    ),
    # key 7 X anywhere (server-private 10.1.1.1 key 7 X); nested under `tacacs server NAME`,
    # `radius server NAME` also a plain key X (but not a key chain's key 1)
    _secret(r"key [0-9]"),
    _secret("key", guard=r"(?![0-9]+\s*$)", bare=True),
    # key-string 7 X (key chains, HSRP/VRRP md5)
    _secret(rf"key-string{_TYPE}"),
    # password 7 X and secret 5 X nested under line vty and the like
    _secret(rf"(?:password|secret){_TYPE}", bare=True, needles=("password", "secret")),
    # neighbor 10.1.1.1 password 7 X, neighbor PEER-GROUP password X
    _secret(rf"neighbor \S+ password{_TYPE}"),
    # ip ospf authentication-key 7 X, ip ospf message-digest-key 1 md5 7 X (also virtual-link)
    _secret(rf"ip ospf authentication-key{_TYPE}"),
    _secret(rf"message-digest-key \d+ md5{_TYPE}"),
    # IS-IS: IOS isis password X, area-password X, domain-password X; EOS (isis) authentication
    # key 7 X
    _secret(r"(?:isis password|area-password|domain-password)", needles=("password",)),
    _secret(rf"(?:isis )?authentication key{_TYPE}", needles=("authentication key",)),
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


def hide_secrets(text: str, secrets: tuple[tuple[str, str], ...] = SECRETS) -> str:
    """``text`` with every secret the filters find replaced by ``<redacted>``.

    >>> hide_secrets("snmp-server community S3cret RO\\n password 7 0822")
    'snmp-server community <redacted> RO\\n password 7 <redacted>'
    >>> hide_secrets("CLI command 3 of 5 'snmp-server community S3cret rw' failed")
    "CLI command 3 of 5 'snmp-server community <redacted> rw' failed"
    >>> hide_secrets("password prompt seen more than once, assuming auth failed")
    'password prompt seen more than once, assuming auth failed'
    """
    trigger, filters = _compiled(secrets)
    kept: list[str] = []  # text up to ``done``, secrets hidden
    done = 0
    # most config lines name no secret: only the lines that name a trigger word are read
    found = trigger.search(text)
    while found is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end
        line = hidden = text[start:end]
        for needles, pattern, replace in filters:
            for needle in needles:
                if needle in hidden:
                    hidden = pattern.sub(replace, hidden)
                    break
        if hidden != line:
            kept += (text[done:start], hidden)
            done = end
        found = trigger.search(text, end)
    return "".join((*kept, text[done:])) if kept else text


# Every secret filter names one of these words; a line without them holds no secret.
_TRIGGER = r"secret|password|key|snmp-server|authentication|wpa-psk"


@functools.cache
def _compiled(
    secrets: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...]]:
    """The trigger words, and the filters with their needles (``_NEEDLES``)."""
    filters = tuple(
        (_NEEDLES.get(regex, ("",)), re.compile(regex, re.MULTILINE), repl)
        for regex, repl in secrets
    )
    return re.compile(_TRIGGER), filters
