"""diff.sanitize: every secret pattern, on IOS and EOS, in config and inside library messages.

Each case is a config line as the platform prints it and the secret values in it. The same
line is also sanitised where libraries quote it: a diff line, pyeapi's CommandError, netmiko's
ConfigInvalidException and hier_config's DuplicateChildError. The golden file
tests/unit/golden/<platform>/secrets.txt holds every result (regenerate with
NORNIR_PACK_UPDATE_GOLDEN=1 and review the diff).
"""

from __future__ import annotations

import pytest

from nornir_pack import diff
from tests.unit.golden_files import PLATFORMS, check_golden

# pattern -> (config line, secret values in it), per platform
CASES: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "cisco_ios": {
        "enable secret": ("enable secret 9 $9$IosEnab1eHash", ("$9$IosEnab1eHash",)),
        "enable password": ("enable password 7 0822IosEnPw", ("0822IosEnPw",)),
        "username secret": (
            "username admin privilege 15 secret 9 $9$IosUs3rHash",
            ("$9$IosUs3rHash",),
        ),
        "username password": ("username ops password 7 0822IosOps", ("0822IosOps",)),
        "snmp community": ("snmp-server community IosC0mmRW RW", ("IosC0mmRW",)),
        "snmp host v2c": ("snmp-server host 10.1.1.1 version 2c IosTr4pComm", ("IosTr4pComm",)),
        "snmp host": ("snmp-server host 10.1.1.1 IosH0stComm", ("IosH0stComm",)),
        "snmp host vrf informs": (
            "snmp-server host 10.1.1.1 vrf MGMT informs version 2c IosInf0rm udp-port 162",
            ("IosInf0rm",),
        ),
        "snmpv3 user": (
            "snmp-server user ops OPS v3 auth sha IosAuthK3y priv aes 128 IosPrivK3y",
            ("IosAuthK3y", "IosPrivK3y"),
        ),
        "snmpv3 user localizedkey": (
            "snmp-server user ops OPS v3 encrypted auth md5 IosAuthLoc priv IosPrivLoc "
            "localizedkey",
            ("IosAuthLoc", "IosPrivLoc"),
        ),
        "line password": (" password 7 0822IosLine", ("0822IosLine",)),
        "aaa server-private key": (
            " server-private 10.1.1.7 key 7 0822IosPriv",
            ("0822IosPriv",),
        ),
        "tacacs key": ("tacacs-server key 7 0822IosTacGlobal", ("0822IosTacGlobal",)),
        "tacacs host key": (
            "tacacs-server host 10.1.1.5 port 49 key IosTacH0st",
            ("IosTacH0st",),
        ),
        "tacacs server key": (" key 7 0822IosTacServer", ("0822IosTacServer",)),
        "radius host key": (
            "radius-server host 10.1.1.6 auth-port 1812 acct-port 1813 key 7 IosRad1us",
            ("IosRad1us",),
        ),
        "radius server key": (" key IosRadPlain", ("IosRadPlain",)),
        "key-string": ("  key-string 7 IosKeyStr1ng", ("IosKeyStr1ng",)),
        "bgp neighbor password": (" neighbor 10.1.1.254 password 7 IosBgpP4ss", ("IosBgpP4ss",)),
        "ospf authentication-key": (
            " ip ospf authentication-key 7 IosOspfK3y",
            ("IosOspfK3y",),
        ),
        "ospf message-digest-key": (
            " ip ospf message-digest-key 1 md5 7 IosOspfMd5",
            ("IosOspfMd5",),
        ),
        "isis password": (" isis password IosIs1sIf level-1", ("IosIs1sIf",)),
        "isis area-password": (" area-password IosIs1sArea", ("IosIs1sArea",)),
        "vrrp authentication text": (" vrrp 1 authentication text IosVrrpTxt", ("IosVrrpTxt",)),
        "hsrp authentication": (" standby 1 authentication IosHsrp1", ("IosHsrp1",)),
        "ntp authentication-key": (
            "ntp authentication-key 1 md5 IosNtpK3y 7",
            ("IosNtpK3y",),
        ),
        "ip ftp password": ("ip ftp password 7 0822IosFtp", ("0822IosFtp",)),
        "ppp chap password": (" ppp chap password 7 0822IosChap", ("0822IosChap",)),
        "ppp pap password": (
            " ppp pap sent-username r1 password 0 IosPapPass",
            ("IosPapPass",),
        ),
        "isakmp key": ("crypto isakmp key IosIsakmpK3y address 192.0.2.1", ("IosIsakmpK3y",)),
        "pre-shared-key": ("  pre-shared-key local IosPsk", ("IosPsk",)),
        "wpa-psk": (" wpa-psk ascii 7 IosWpaPsk", ("IosWpaPsk",)),
    },
    "arista_eos": {
        "enable password": ("enable password sha512 $6$EosEnab1e$h", ("$6$EosEnab1e$h",)),
        "enable secret": ("enable secret sha512 $6$EosSecr3t$h", ("$6$EosSecr3t$h",)),
        "username secret": (
            "username ops privilege 1 role network-operator secret sha512 $6$EosUs3r$h",
            ("$6$EosUs3r$h",),
        ),
        "username plain secret": ("username bob secret 0 EosB0bPlain", ("EosB0bPlain",)),
        "aaa root secret": ("aaa root secret sha512 $6$EosR00t$h", ("$6$EosR00t$h",)),
        "snmp community": ("snmp-server community EosC0mmRW rw", ("EosC0mmRW",)),
        "snmp host v2c": ("snmp-server host 10.1.1.1 version 2c EosTr4pComm", ("EosTr4pComm",)),
        "snmp host": ("snmp-server host 10.1.1.1 EosH0stComm", ("EosH0stComm",)),
        "snmp host vrf traps": (
            "snmp-server host 10.1.1.1 vrf MGMT traps version 2c EosVrfComm udp-port 162",
            ("EosVrfComm",),
        ),
        "snmpv3 user": (
            "snmp-server user ops OPS v3 localized 0000 auth sha256 EosAuthK3y "
            "priv aes256 EosPrivK3y",
            ("EosAuthK3y", "EosPrivK3y"),
        ),
        "tacacs key": ("tacacs-server key 7 0822EosTacGlobal", ("0822EosTacGlobal",)),
        "tacacs host key": (
            "tacacs-server host 10.1.1.5 vrf MGMT key 7 0822EosTacHost",
            ("0822EosTacHost",),
        ),
        "radius host key": ("radius-server host 10.1.1.6 key 7 0822EosRad", ("0822EosRad",)),
        "key-string": ("   key-string 7 EosKeyStr1ng", ("EosKeyStr1ng",)),
        "bgp neighbor password": (
            "   neighbor 10.1.1.254 password 7 EosBgpP4ss==",
            ("EosBgpP4ss==",),
        ),
        "ospf authentication-key": (
            "   ip ospf authentication-key 7 EosOspfK3y",
            ("EosOspfK3y",),
        ),
        "ospf message-digest-key": (
            "   ip ospf message-digest-key 1 md5 7 EosOspfMd5",
            ("EosOspfMd5",),
        ),
        "isis authentication key": (
            "   authentication key 7 EosIs1sRouter level-2",
            ("EosIs1sRouter",),
        ),
        "isis interface key": ("   isis authentication key 7 EosIs1sIf", ("EosIs1sIf",)),
        "vrrp authentication text": (
            "   vrrp 1 peer authentication text EosVrrpTxt",
            ("EosVrrpTxt",),
        ),
        "ntp authentication-key": (
            "ntp authentication-key 1 md5 7 EosNtpK3y",
            ("EosNtpK3y",),
        ),
        "ip ftp password": ("ip ftp password 7 0822EosFtp", ("0822EosFtp",)),
        "ppp chap password": ("   ppp chap password 7 0822EosChap", ("0822EosChap",)),
    },
}

# Where libraries put a config line; ``{line}`` is the line without its indentation.
CONTEXTS = {
    "config": "{raw}",
    "diff": "+ {line}",
    "pyeapi": "Error [1002]: CLI command 3 of 5 '{line}' failed: invalid command [...]",
    "netmiko": "Invalid input detected at command: {line}, matched error: % Invalid input",
    "hier_config": "Found a duplicate section: ('interface Ethernet1', '{line}')",
}


def render_cases(platform: str) -> str:
    out = []
    for name, (raw, _) in CASES[platform].items():
        out.append(f"# {name}")
        for context, form in CONTEXTS.items():
            text = form.format(raw=raw, line=raw.strip())
            out.append(f"{context}: {diff.sanitize(text, platform)}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_secrets(platform: str) -> None:
    check_golden(platform, "secrets.txt", render_cases(platform))


@pytest.mark.parametrize(("platform", "name"), [(p, name) for p in PLATFORMS for name in CASES[p]])
@pytest.mark.parametrize("context", CONTEXTS)
def test_each_pattern_hides_its_secret_everywhere(platform: str, name: str, context: str) -> None:
    raw, secrets = CASES[platform][name]
    text = CONTEXTS[context].format(raw=raw, line=raw.strip())
    hidden = diff.sanitize(text, platform)
    for secret in secrets:
        assert secret not in hidden, (context, hidden)
    assert hidden.count(diff.REDACTED) == len(secrets)
    assert diff.sanitize(hidden, platform) == hidden  # idempotent
    # what surrounds the secret stays readable
    before = raw.strip().split(secrets[0])[0]
    assert before in hidden


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "text",
    [
        # scrapli, and other prose that mentions passwords and keys
        "password prompt seen more than once, assuming auth failed",
        "Password: ",
        "authentication failed: bad password or key for user admin",
        "secret key missing in the keyring",
        # config lines without a secret value
        "service password-encryption",
        "no service password-encryption",
        "key chain KC",
        " key 1",
        "snmp-server community public RO",
        "snmp-server community private rw",
        "snmp-server host 10.1.1.1 version 3 priv",
        " ip ospf authentication message-digest",
        "   authentication mode text",
        "   isis authentication key-chain KC",
        " standby 1 authentication md5 key-chain KC",
        "   passive-interface Loopback0",
        "username bob nopassword",
        "aaa authentication login default local",
    ],
)
def test_ordinary_text_is_left_alone(platform: str, text: str) -> None:
    assert diff.sanitize(text, platform) == text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_library_errors_reach_reports_sanitised(platform: str) -> None:
    """``backends.describe`` is the path every library exception takes into a message."""
    from hier_config import Platform, get_hconfig
    from hier_config.exceptions import DuplicateChildError
    from nornir.core.inventory import Defaults, Host

    from nornir_pack.backends import describe

    host = Host(name="r1", platform=platform, password="Inv3ntoryPw", defaults=Defaults())
    line = "snmp-server community S3cretRW rw"
    with pytest.raises(DuplicateChildError) as duplicate:
        get_hconfig(Platform.GENERIC, f"{line}\n{line}\n")

    class CommandError(Exception):
        """pyeapi's, by name."""

    pyeapi = CommandError(f"Error [1002]: CLI command 3 of 5 '{line}' failed: [Inv3ntoryPw]")
    for exc in (duplicate.value, pyeapi):
        message = describe(exc, host)
        assert "S3cretRW" not in message
        assert "Inv3ntoryPw" not in message
        assert "snmp-server community <redacted> rw" in message


@pytest.mark.parametrize("module", ["diff", "sanitizer", "configtext", "ordering"])
def test_the_modules_doctests(module: str) -> None:
    """The examples in these modules are documentation: they must stay true."""
    import doctest
    import importlib

    failures, tried = doctest.testmod(importlib.import_module(f"nornir_pack.{module}"))
    assert tried and not failures
