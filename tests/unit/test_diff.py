"""nornir_pack.diff: cleaning, secrets, the normalised diff, remediation, rollback and merge.

Golden files per platform live in tests/unit/golden/<platform>/: running.cfg is the lab seed as
``show running-config`` prints it, intended.cfg the rendered template (see test_compliance).
Regenerate with NORNIR_PACK_UPDATE_GOLDEN=1 and review the diff before committing.
"""

from __future__ import annotations

import pytest

from nornir_pack import diff
from nornir_pack.exceptions import UsageError
from tests.unit.golden_files import PLATFORMS, check_golden, golden

# Every secret in the lab seeds, as it appears there.
SEED_SECRETS = {
    "cisco_ios": (
        "$9$6Vq3mKp1TzYbXw$3lAbG1uQeCzJ8yq0oUeN2Hn5wVdRrTk7SxFmPa4Lh9E",  # enable secret 9
        "$9$Zp8rL2wqN0cVbE$kQ5uYhT3mF7sJd1XoRa9GiWl2CnPz6BvUe4Ky8Mt0Hc",  # username secret 9
        "0822455D0A165445415F59",  # username password 7
        "Sup3rS3cretRW",  # snmp-server community RW
    ),
    "arista_eos": (
        "$6$Xq1Lb7cPz2WnRk4T$",  # username admin secret sha512 (prefix)
        "$6$Tz5Nd8qWm1KvBx3R$",  # username ops secret sha512
        "$6$Rk2Wq8Lm5NzTb1Vx$",  # enable password sha512
        "Sup3rS3cretRW",
    ),
}


def target(platform: str) -> str:
    """The config a merge-mode deploy of the intended config leaves on the device."""
    return diff.merge(golden(platform, "running.cfg"), golden(platform, "intended.cfg"), platform)


# ---------------------------------------------------------------- clean_config

VOLATILE = {
    "cisco_ios": (
        "Building configuration...",
        "Current configuration : 1742 bytes",
        "! Last configuration change at 09:14:03 UTC Tue Mar 5 2024 by admin",
        "! NVRAM config last updated at 09:15:00 UTC Tue Mar 5 2024 by admin",
        "ntp clock-period 17179869",
    ),
    "arista_eos": (
        "! Command: show running-config",
        "! device: sw1 (vEOS-lab, EOS-4.30.1F)",
        "! Startup-config last modified at Tue Mar  5 09:14:03 2024 by admin",
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_clean_config_drops_every_volatile_line(platform: str) -> None:
    body = "hostname r1\n!\nntp server 10.0.0.1\n"
    text = "\n".join(VOLATILE[platform]) + "\n" + body
    cleaned = diff.clean_config(text, platform)
    for line in VOLATILE[platform]:
        assert line not in cleaned
    assert cleaned == body


@pytest.mark.parametrize("platform", PLATFORMS)
def test_two_reads_of_an_unchanged_config_clean_to_the_same_text(platform: str) -> None:
    first = golden(platform, "running.cfg")
    second = (
        first.replace("1742 bytes", "1750 bytes")
        .replace("09:14:03 UTC Tue Mar 5 2024", "11:00:00 UTC Wed Mar 6 2024")
        .replace("(vEOS-lab, EOS-4.30.1F)", "(vEOS-lab, EOS-4.31.0F)")
        .replace("\n", "\r\n")
    )
    assert first != second
    cleaned = diff.clean_config(first, platform)
    assert diff.clean_config(second, platform) == cleaned
    assert diff.clean_config(cleaned, platform) == cleaned  # idempotent
    assert "hostname" in cleaned
    assert "\r" not in cleaned


def test_clean_config_keeps_lines_that_only_look_volatile() -> None:
    text = "interface Gi1\n description Building configuration... for DC\nntp server 10.0.0.1\n"
    assert diff.clean_config(text, "cisco_ios") == text


# ---------------------------------------------------------------- sanitize


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sanitize_hides_every_secret_of_the_lab_seed(platform: str) -> None:
    running = golden(platform, "running.cfg")
    for secret in SEED_SECRETS[platform]:
        assert secret in running  # the test would catch a seed change
    hidden = diff.sanitize(running, platform)
    for secret in SEED_SECRETS[platform]:
        assert secret not in hidden
    assert hidden.count(diff.REDACTED) == 4
    # A well-known default community is shown: it is what the user must remove.
    assert "snmp-server community public" in hidden
    assert len(hidden.splitlines()) == len(running.splitlines())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("enable secret 9 $9$abc", "enable secret 9 <redacted>"),
        ("enable password sha512 $6$abc", "enable password sha512 <redacted>"),
        ("enable secret level 5 5 $1$abc", "enable secret level 5 5 <redacted>"),
        (
            "username ops privilege 5 password 7 0822",
            "username ops privilege 5 password 7 <redacted>",
        ),
        ("username bob password clear", "username bob password <redacted>"),
        ("no username bob secret 9 $9$x", "no username bob secret 9 <redacted>"),
        ("snmp-server community S3cret RO", "snmp-server community <redacted> RO"),
        ("no snmp-server community S3cret RO", "no snmp-server community <redacted> RO"),
        ("snmp-server community private RW", "snmp-server community private RW"),
        ("snmp-server community publicity RO", "snmp-server community <redacted> RO"),
        ("tacacs-server key 7 0822", "tacacs-server key 7 <redacted>"),
        ("tacacs-server host 10.1.1.1 key S3cret", "tacacs-server host 10.1.1.1 key <redacted>"),
        (" key 7 0822", " key 7 <redacted>"),
        (" password 7 0822", " password 7 <redacted>"),
        ("   neighbor 10.1.1.254 password 7 abc", "   neighbor 10.1.1.254 password 7 <redacted>"),
        (
            " ip ospf message-digest-key 1 md5 S3cret",
            " ip ospf message-digest-key 1 md5 <redacted>",
        ),
        ("ntp authentication-key 1 md5 S3cret 7", "ntp authentication-key 1 md5 <redacted> 7"),
        # The same lines in a diff: hierarchical (``- ``/``+ ``) or native (``+``).
        ("+ snmp-server community S3cret RO", "+ snmp-server community <redacted> RO"),
        (
            "   - neighbor 10.1.1.254 password 7 abc",
            "   - neighbor 10.1.1.254 password 7 <redacted>",
        ),
        ("+username bob secret 5 $1$x", "+username bob secret 5 <redacted>"),
        (" + key 7 0822", " + key 7 <redacted>"),
        ("service password-encryption", "service password-encryption"),
        ("key chain KC", "key chain KC"),
        (" key 1", " key 1"),
    ],
)
def test_sanitize_patterns(line: str, expected: str) -> None:
    assert diff.sanitize(line, "cisco_ios") == expected


# ---------------------------------------------------------------- diff, remediation, rollback


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_normalised_diff(platform: str) -> None:
    check_golden(
        platform,
        "diff.txt",
        diff.normalised_diff(golden(platform, "running.cfg"), target(platform), platform) + "\n",
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_diff_hides_secrets_from_intended_and_running(platform: str) -> None:
    running = golden(platform, "running.cfg").replace("Sup3rS3cretRW", "N3wS3cretRW")
    text = diff.normalised_diff(running, target(platform), platform)
    assert "snmp-server community <redacted>" in text
    for secret in ("R3adOnly-c0mm", "N3wS3cretRW", "Sup3rS3cretRW"):
        assert secret not in text
    assert "R3adOnly-c0mm" in diff.normalised_diff(
        running, target(platform), platform, redact=False
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_remediation_and_rollback(platform: str) -> None:
    running = golden(platform, "running.cfg")
    check_golden(
        platform, "remediation.txt", diff.remediation(running, target(platform), platform) + "\n"
    )
    check_golden(
        platform, "rollback.txt", diff.rollback(running, target(platform), platform) + "\n"
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_remediation_then_rollback_returns_to_running(platform: str) -> None:
    """The circular test: running + remediation = target; target + rollback = running."""
    running, wanted = golden(platform, "running.cfg"), target(platform)
    assert not diff.equivalent(running, wanted, platform)
    after = diff.merge(running, diff.remediation(running, wanted, platform), platform)
    assert diff.normalised_diff(after, wanted, platform) == ""
    back = diff.merge(after, diff.rollback(running, wanted, platform), platform)
    assert diff.normalised_diff(back, running, platform) == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_deploying_twice_changes_nothing_the_second_time(platform: str) -> None:
    wanted, intended = target(platform), golden(platform, "intended.cfg")
    again = diff.merge(wanted, intended, platform)
    assert diff.normalised_diff(wanted, again, platform) == ""
    assert diff.remediation(wanted, again, platform) == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_diff_ignores_headers_line_endings_and_indentation(platform: str) -> None:
    running = golden(platform, "running.cfg")
    cleaned = diff.clean_config(running, platform)
    reindented = "\r\n".join(line.replace("   ", "    ") for line in cleaned.splitlines())
    assert reindented != running
    assert diff.normalised_diff(running, reindented, platform) == ""
    assert diff.equivalent(running, reindented, platform)


def test_diff_redacts_secrets_unless_told_not_to() -> None:
    running = "hostname r1\nenable secret 9 $9$old\n"
    intended = "hostname r1\nenable secret 9 $9$new\n"
    assert diff.normalised_diff(running, intended, "ios") == (
        "- enable secret 9 <redacted>\n+ enable secret 9 <redacted>"
    )
    assert "$9$new" in diff.normalised_diff(running, intended, "ios", redact=False)


def test_diff_marks_each_line_of_a_banner() -> None:
    running = "banner motd ^C\nOld text\n^C\n"
    intended = "banner motd ^C\nNew text\n^C\n"
    assert diff.normalised_diff(running, intended, "cisco_ios").splitlines() == [
        "- banner motd ^C",
        "- Old text",
        "- ^C",
        "+ banner motd ^C",
        "+ New text",
        "+ ^C",
    ]


def test_nested_changes_come_with_their_parent_line() -> None:
    running = "interface Loopback0\n description old\n ip address 10.0.0.1 255.255.255.255\n"
    intended = "interface Loopback0\n description new\n ip address 10.0.0.1 255.255.255.255\n"
    assert diff.normalised_diff(running, intended, "cisco_ios") == (
        "interface Loopback0\n - description old\n + description new"
    )
    assert (
        diff.remediation(running, intended, "cisco_ios") == "interface Loopback0\n description new"
    )
    assert diff.rollback(running, intended, "cisco_ios") == "interface Loopback0\n description old"


# ---------------------------------------------------------------- merge: the device's habits


@pytest.mark.parametrize(
    ("running", "change", "expected"),
    [
        # A line the device keeps in both forms shows the form last applied.
        ("ip http server\n", "no ip http server\n", "no ip http server"),
        (
            "no service password-encryption\n",
            "service password-encryption\n",
            "service password-encryption",
        ),
        ("aaa root\n", "no aaa root\n", "no aaa root"),
        # A negation that removes nothing leaves no trace; one that does removes the line.
        ("ntp server 10.0.0.1\n", "no ntp server 10.0.0.9\n", "ntp server 10.0.0.1"),
        (
            "ntp server 10.0.0.1\nntp server 10.0.0.9\n",
            "no ntp server 10.0.0.9\n",
            "ntp server 10.0.0.1",
        ),
        # Lines that replace each other.
        ("snmp-server location A\n", "snmp-server location B\n", "snmp-server location B"),
        ("hostname old\n", "hostname new\n", "hostname new"),
        ("ntp server 10.0.0.1\n", "ntp server 10.0.0.1 prefer\n", "ntp server 10.0.0.1 prefer"),
        (
            "ntp server 10.0.0.1\n",
            "ntp server 10.0.0.2\n",
            "ntp server 10.0.0.2\nntp server 10.0.0.1",
        ),
    ],
)
def test_merge_predicts_what_the_device_shows(running: str, change: str, expected: str) -> None:
    platform = "arista_eos" if "aaa root" in running else "cisco_ios"
    assert diff.merge(running, change, platform) == expected


def test_unsupported_platform_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unsupported platform 'junos'"):
        diff.clean_config("hostname r1\n", "junos")
    with pytest.raises(UsageError, match="unsupported platform 'junos'"):
        diff.normalised_diff("", "", "junos")


# ---------------------------------------------------------------- the simulated device agrees


def apply_on_lab_device(platform: str, *changes: str) -> str:
    """Boot a lab device's config engine from the seed, type each change, show the config."""
    from nornir_pack.lab.config import ConfigEngine, load_config, render
    from nornir_pack.lab.platforms import PLATFORMS as LAB

    name = "r1" if platform == "cisco_ios" else "sw1"
    root, errors = load_config(LAB[platform], LAB[platform].seed(name, 0))
    assert errors == []
    for change in changes:
        engine = ConfigEngine(LAB[platform], root)
        for line in change.splitlines():
            outcome = engine.apply(line).outcome.value
            assert outcome in ("ok", "banner-start", "banner-line", "exit"), (line, outcome)
    return render(root, LAB[platform])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_merge_predicts_what_the_lab_device_shows(platform: str) -> None:
    running, intended, wanted = (
        golden(platform, "running.cfg"),
        golden(platform, "intended.cfg"),
        target(platform),
    )
    assert diff.normalised_diff(apply_on_lab_device(platform, intended), wanted, platform) == ""
    fix = diff.remediation(running, wanted, platform)
    assert diff.normalised_diff(apply_on_lab_device(platform, fix), wanted, platform) == ""
    undo = diff.rollback(running, wanted, platform)
    assert diff.normalised_diff(apply_on_lab_device(platform, fix, undo), running, platform) == ""
