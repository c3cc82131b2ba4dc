"""nornir_pack.compliance: the rules loader, feature and policy evaluation, and the templates.

Golden files per platform (tests/unit/golden/<platform>/): host.yaml (the Nornir host the
template is rendered for), running.cfg (the lab seed), intended.cfg (the rendered template),
rules.yaml and report.json (the expected report). Regenerate with NORNIR_PACK_UPDATE_GOLDEN=1
and review the diff before committing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from nornir.core.inventory import Group, Host, ParentGroups

from nornir_pack import compliance, diff
from nornir_pack.compliance import Rules, evaluate, load_rules, parse_rules
from nornir_pack.exceptions import UsageError
from nornir_pack.lab.platforms import PLATFORMS as LAB
from tests.unit.golden_files import GOLDEN, PLATFORMS, check_golden, golden

ROOT = Path(__file__).parents[2]
RUNBOOK_RULES = ROOT / "nornir_pack" / "runbooks" / "compliance.yaml"
TEMPLATES = ROOT / "nornir_pack" / "runbooks" / "templates"


def render(platform: str, host: Host, **options: Any) -> str:
    """Render the runbook template the way a task does: StrictUndefined, host in scope."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        **options,
    )
    return env.get_template(f"{platform}.j2").render(host=host)


def golden_host(platform: str) -> Host:
    spec = yaml.safe_load(golden(platform, "host.yaml"))
    return Host(spec["name"], platform=spec["platform"], data=spec["data"])


def lab_host(platform: str, name: str) -> Host:
    """A host as the default lab inventory defines it: site comes from its group."""
    group = Group(platform.split("_")[1], data={"site": "lab", "role": "router"})
    return Host(name, platform=platform, groups=ParentGroups([group]))


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_template_render(platform: str) -> None:
    check_golden(platform, "intended.cfg", render(platform, golden_host(platform)))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_template_says_the_same_with_trimmed_blocks(platform: str) -> None:
    trimmed = render(platform, golden_host(platform), trim_blocks=True, lstrip_blocks=True)
    assert diff.equivalent(trimmed, golden(platform, "intended.cfg"), platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_template_defaults_and_group_data(platform: str) -> None:
    text = render(platform, lab_host(platform, "edge7"))
    assert "hostname edge7\n" in text
    assert "ntp server 10.0.0.1\nntp server 10.0.0.2\n" in text
    assert "snmp-server location lab edge7\n" in text
    assert "snmp-server community" not in text  # no community unless the host sets one
    assert "interface" not in text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_template_missing_variable_is_a_clear_error(platform: str) -> None:
    with pytest.raises(jinja2.UndefinedError, match="site"):
        render(platform, Host("r9", platform=platform, data={}))
    bad = Host("r9", platform=platform, data={"site": "x", "interfaces": {"Loopback0": {}}})
    assert "interface Loopback0" in render(platform, bad)  # both interface keys are optional


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rendered_template_uses_only_commands_the_lab_accepts(platform: str) -> None:
    from nornir_pack.lab.config import load_config

    _, errors = load_config(LAB[platform], golden(platform, "intended.cfg"))
    assert errors == []


# ---------------------------------------------------------------- golden reports


def golden_report(platform: str, **options: Any) -> Any:
    rules = load_rules(GOLDEN / platform / "rules.yaml")
    running, intended = golden(platform, "running.cfg"), golden(platform, "intended.cfg")
    return evaluate(rules, running, intended, platform, **options)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_golden_report(platform: str) -> None:
    report = golden_report(platform)
    check_golden(platform, "report.json", json.dumps(report.to_dict(), indent=2) + "\n")
    assert report.compliant is False


@pytest.mark.parametrize("platform", PLATFORMS)
def test_evaluating_leaves_the_shared_parse_as_it_was(platform: str) -> None:
    """evaluate reads the cached parse of each text (no private copy): checking one host
    must not change what the next host with the same config is checked against."""
    running, intended = golden(platform, "running.cfg"), golden(platform, "intended.cfg")
    before = [diff.render(diff.parse_shared(text, platform)) for text in (running, intended)]
    first = golden_report(platform, redact=False)
    assert [diff.render(diff.parse_shared(text, platform)) for text in (running, intended)] == (
        before
    )
    assert golden_report(platform, redact=False) == first


@pytest.mark.parametrize("platform", PLATFORMS)
def test_report_remediation_makes_the_host_compliant(platform: str) -> None:
    report = golden_report(platform, redact=False)
    fixed = diff.merge(golden(platform, "running.cfg"), report.remediation, platform)
    rules = load_rules(GOLDEN / platform / "rules.yaml")
    after = evaluate(rules, fixed, golden(platform, "intended.cfg"), platform)
    assert [r.name for r in after.rules if not r.compliant] == []
    assert after.compliant
    assert after.remediation == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_rule_remediation_fixes_that_rule(platform: str) -> None:
    report = golden_report(platform, redact=False)
    rules = load_rules(GOLDEN / platform / "rules.yaml")
    running, intended = golden(platform, "running.cfg"), golden(platform, "intended.cfg")
    broken = [result for result in report.rules if not result.compliant]
    assert len(broken) >= 4
    for result in broken:
        assert result.remediation, result.name
        fixed = evaluate(
            rules, diff.merge(running, result.remediation, platform), intended, platform
        )
        assert fixed.rule(result.name).compliant, result.name


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reports_never_show_config_secrets(platform: str) -> None:
    secret = "R3adOnly-c0mm"  # the golden host's community, in intended.cfg
    assert secret in golden(platform, "intended.cfg")
    assert secret in json.dumps(golden_report(platform, redact=False).to_dict())
    text = json.dumps(golden_report(platform).to_dict())
    for hidden in (secret, "Sup3rS3cretRW"):
        assert hidden not in text


# ---------------------------------------------------------------- the runbook's rules vs the lab


@pytest.mark.parametrize(
    ("platform", "violated"),
    [
        (
            "cisco_ios",
            {
                "ntp",
                "snmp",
                "http-server",
                "password-encryption",
                "no-default-snmp-community",
                "no-http-server",
                "password-encryption-on",
            },
        ),
        ("arista_eos", {"ntp", "snmp", "no-default-snmp-community"}),
    ],
)
def test_the_default_lab_seed_partly_violates_the_runbook_rules(
    platform: str, violated: set[str]
) -> None:
    name = "r1" if platform == "cisco_ios" else "sw1"
    running = LAB[platform].seed(name, 0)
    intended = render(platform, lab_host(platform, name))
    report = evaluate(load_rules(RUNBOOK_RULES), running, intended, platform)
    assert {r.name for r in report.rules if not r.compliant} == violated
    assert {r.name for r in report.rules if r.compliant} >= {"hostname", "logging", "banner"}
    ntp = report.rule("ntp")
    assert ntp.missing == ("ntp server 10.0.0.2",)
    assert ntp.extra == ("ntp server 10.0.0.99",)
    assert ntp.remediation == "no ntp server 10.0.0.99\nntp server 10.0.0.2"


# ---------------------------------------------------------------- evaluation details


def rules(text: str) -> Rules:
    return parse_rules(yaml.safe_load(text), "test.yaml")


def test_unordered_feature_ignores_order_and_ordered_feature_does_not() -> None:
    running = "ntp server 10.0.0.2\nntp server 10.0.0.1\n"
    intended = "ntp server 10.0.0.1\nntp server 10.0.0.2\n"
    loose = evaluate(
        rules("features: [{name: ntp, section: [ntp server]}]"), running, intended, "ios"
    )
    assert loose.compliant
    strict = evaluate(
        rules("features: [{name: ntp, section: [ntp server], ordered: true}]"),
        running,
        intended,
        "ios",
    )
    result = strict.rule("ntp")
    assert not result.compliant
    assert result.missing == result.extra == ()
    assert result.remediation.splitlines() == [
        "no ntp server 10.0.0.2",
        "no ntp server 10.0.0.1",
        "ntp server 10.0.0.1",
        "ntp server 10.0.0.2",
    ]
    assert evaluate(
        rules("features: [{name: ntp, section: [ntp server], ordered: true}]"),
        intended,
        intended,
        "ios",
    ).compliant


def test_a_feature_of_several_prefixes_reads_their_lines_in_config_order() -> None:
    feature = "features: [{name: mgmt, ordered: true, section: [snmp-server location, ntp]}]"
    intended = "snmp-server location A\nntp server 10.0.0.1\nsnmp-server location B\n"
    running = "hostname r1\n" + intended  # a line the feature does not read, first
    assert evaluate(rules(feature), running, intended, "ios").compliant
    swapped = "snmp-server location A\nsnmp-server location B\nntp server 10.0.0.1\n"
    result = evaluate(rules(feature), swapped, intended, "ios").rule("mgmt")
    assert not result.compliant and result.missing == result.extra == ()  # only the order


def test_nested_feature_reports_lines_under_their_parent() -> None:
    address = " ip address 10.0.0.1 255.255.255.255\n"
    running = (
        f"interface Loopback0\n description old\n{address}interface Loopback01\n description x\n"
    )
    intended = f"interface Loopback0\n description new\n{address}"
    result = evaluate(
        rules("features: [{name: lo0, section: [interface Loopback0]}]"), running, intended, "ios"
    ).rule("lo0")
    assert result.missing == ("interface Loopback0", " description new")
    assert result.extra == ("interface Loopback0", " description old")  # Loopback01 not selected
    assert result.remediation == "interface Loopback0\n description new"


def test_policies_need_no_intended_config_and_features_are_skipped_without_one() -> None:
    spec = rules(
        """
features: [{name: ntp, section: [ntp server]}]
policies:
  - {name: no-telnet, must_not: '^transport input .*telnet'}
  - {name: ssh-v2, must: '^ip ssh version 2$'}
"""
    )
    running = "line vty 0 4\n transport input telnet ssh\nline vty 5 15\n transport input ssh\n"
    report = evaluate(spec, running, None, "cisco_ios")
    assert [r.name for r in report.rules] == ["no-telnet", "ssh-v2"]
    telnet = report.rule("no-telnet")
    assert telnet.extra == ("line vty 0 4", " transport input telnet ssh")
    assert telnet.remediation == "line vty 0 4\n no transport input telnet ssh"
    ssh = report.rule("ssh-v2")
    assert (ssh.compliant, ssh.missing, ssh.remediation) == (False, ("^ip ssh version 2$",), "")


def test_rules_apply_only_to_their_platforms() -> None:
    spec = rules(
        """
policies:
  - {name: ios-only, must: '^aaa new-model$', platforms: [ios]}
  - {name: eos-only, must: '^no aaa root$', platforms: [arista_eos]}
"""
    )
    assert [r.name for r in evaluate(spec, "", None, "cisco_ios").rules] == ["ios-only"]
    assert [r.name for r in evaluate(spec, "", None, "eos").rules] == ["eos-only"]


def test_must_fix_is_merged_like_the_device_does() -> None:
    spec = rules(
        "policies: [{name: pe, must: '^service password-encryption$', "
        "fix: service password-encryption}]"
    )
    result = evaluate(spec, "no service password-encryption\n", None, "ios").rule("pe")
    assert result.remediation == "service password-encryption"
    assert evaluate(spec, "service password-encryption\n", None, "ios").compliant


def test_report_to_dict_is_json_ready() -> None:
    spec = rules("policies: [{name: banner, must: '^banner motd', description: legal text}]")
    data = evaluate(spec, "hostname r1\n", None, "ios").to_dict()
    assert json.loads(json.dumps(data)) == {
        "platform": "cisco_ios",
        "compliant": False,
        "remediation": "",
        "rules": [
            {
                "name": "banner",
                "kind": "policy",
                "compliant": False,
                "missing": ["^banner motd"],
                "extra": [],
                "remediation": "",
                "description": "legal text",
            }
        ],
    }


# ---------------------------------------------------------------- malformed rules files

MALFORMED = [
    ("features: [\n", r"rules\.yaml: line \d+: malformed YAML \(.*\): fix the syntax"),
    (
        "",
        r"rules\.yaml: top level: expected a mapping, got NoneType None: "
        r"add features: and/or policies:",
    ),
    ("- a\n", r"top level: expected a mapping, got list \['a'\]"),
    ("feature: []\n", r"rules\.yaml: feature: unknown key: use features and policies"),
    ("features: []\n", r"rules\.yaml: top level: no rules: add features: and/or policies: entries"),
    ("features: {name: x}\n", r"features: expected a list, got dict .*: write - name: \.\.\."),
    ("features: [ntp]\n", r"features\[0\]: expected a mapping, got 'ntp': write name: \.\.\."),
    (
        "features: [{section: [ntp server]}]\n",
        r"features\[0\]\.name: missing: give the rule a unique name",
    ),
    (
        "features: [{name: ntp}]\n",
        r"features\[0\]\.section: missing: list the line prefixes, e\.g\. section: \[ntp server\]",
    ),
    (
        "features: [{name: ntp, sections: [ntp]}]\n",
        r"features\[0\]\.sections: unknown key: "
        r"use one of name, section, ordered, platforms, description",
    ),
    (
        "features: [{name: 5, section: [ntp]}]\n",
        r"features\[0\]\.name: expected text, got int 5: write a non-empty string",
    ),
    (
        "features: [{name: n, section: [ntp], ordered: 'yes'}]\n",
        r"features\[0\]\.ordered: expected true or false, got 'yes'",
    ),
    (
        "features: [{name: n, section: []}]\n",
        r"features\[0\]\.section: expected a list of line prefixes, got list \[\]",
    ),
    (
        "features: [{name: n, section: [ntp, 5]}]\n",
        r"features\[0\]\.section\[1\]: expected a line prefix, got int 5",
    ),
    (
        "policies: [{name: a, must: x}, {name: b, must: y}, {name: c, must: '(unclosed'}]\n",
        r"policies\[2\]\.must: bad regex '\(unclosed' "
        r"\(missing \), unterminated subpattern at position 0\): "
        r"fix the pattern \(Python re syntax\)",
    ),
    (
        "policies: [{name: a, must: x, must_not: y}]\n",
        r"policies\[0\]: both must and must_not: split it into two policies",
    ),
    (
        "policies: [{name: a}]\n",
        r"policies\[0\]\.must: missing: add must: REGEX or must_not: REGEX",
    ),
    (
        "policies: [{name: a, must_not: x, fix: y}]\n",
        r"policies\[0\]\.fix: fix only applies to must",
    ),
    (
        "policies: [{name: a, must: x, platforms: [ios, junos]}]\n",
        r"policies\[0\]\.platforms\[1\]: unsupported platform 'junos': use one of arista_eos, ",
    ),
    (
        "policies: [{name: a, must: x, platforms: {}}]\n",
        r"policies\[0\]\.platforms: expected a list of platforms",
    ),
    (
        "features: [{name: a, section: [x]}]\npolicies: [{name: a, must: x}]\n",
        r"policies\[0\]\.name: duplicate name 'a': rename one",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_rules_give_one_line_naming_file_key_and_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        load_rules(path)
    error = str(caught.value)
    assert error.startswith(f"{path}: ")
    assert "\n" not in error
    assert caught.value.__cause__ is None or isinstance(caught.value.__cause__, UsageError)
    assert re.search(message, error), error


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"nope\.yaml: compliance rules not found: check the path"):
        load_rules(tmp_path / "nope.yaml")


def test_runbook_rules_load() -> None:
    loaded = load_rules(RUNBOOK_RULES)
    assert {f.name for f in loaded.features} >= {"ntp", "logging", "snmp", "banner"}
    assert {p.name for p in loaded.policies} >= {"no-default-snmp-community", "aaa-new-model"}
    assert loaded.source == str(RUNBOOK_RULES)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_report_remediation_typed_on_the_lab_device_makes_it_compliant(platform: str) -> None:
    from nornir_pack.lab.config import ConfigEngine, load_config
    from nornir_pack.lab.config import render as show

    name = "r1" if platform == "cisco_ios" else "sw1"
    root, _ = load_config(LAB[platform], LAB[platform].seed(name, 0))
    engine = ConfigEngine(LAB[platform], root)
    for line in golden_report(platform, redact=False).remediation.splitlines():
        assert engine.apply(line).outcome.value in ("ok", "banner-start", "banner-line"), line
    rules = load_rules(GOLDEN / platform / "rules.yaml")
    after = evaluate(rules, show(root, LAB[platform]), golden(platform, "intended.cfg"), platform)
    assert [r.name for r in after.rules if not r.compliant] == []


# ---------------------------------------------------------------- checks remembered across hosts


def test_a_check_is_made_once_per_shared_section_and_never_for_one_as_intended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compliance, "_CHECKS", {})
    made: list[str] = []
    compare = compliance._compare_sections

    def counted(feature: Any, *args: Any) -> Any:
        made.append(feature.name)
        return compare(feature, *args)

    monkeypatch.setattr(compliance, "_compare_sections", counted)
    checks = rules(
        "features: [{name: ntp, section: [ntp server]}, {name: name, section: [hostname]}]\n"
        "policies: [{name: no-telnet, must_not: 'transport input telnet'}]"
    )
    intended = "hostname {}\nntp server 10.0.0.1\n"
    running = "hostname {}\nntp server 10.0.0.9\nline vty 0 4\n transport input telnet\n"
    first = evaluate(checks, running.format("r1"), intended.format("r1"), "ios")
    second = evaluate(checks, running.format("r2"), intended.format("r2"), "ios")
    assert made == ["ntp"]  # ntp's sections are the same on both; hostname is as intended
    assert first.rule("name").compliant and second.rule("name").compliant
    assert len(compliance._CHECKS) == 2  # ntp and no-telnet: the hostnames are not kept
    assert first.rule("ntp") == second.rule("ntp")
    assert first.rule("no-telnet") == second.rule("no-telnet")
    assert second.rule("no-telnet").extra == ("line vty 0 4", " transport input telnet")

    other = running.replace("10.0.0.9", "10.0.0.8").format("r3")
    third = evaluate(checks, other, intended.format("r3"), "ios")
    assert made == ["ntp", "ntp"]
    assert third.rule("ntp").extra == ("ntp server 10.0.0.8",)
    monkeypatch.setattr(compliance, "_CHECKS", {})
    assert evaluate(checks, other, intended.format("r3"), "ios") == third  # as if first seen


def test_the_remembered_checks_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compliance, "_CHECKS", {})
    monkeypatch.setattr(compliance, "CHECKS_KEPT", 3)
    checks = rules("features: [{name: ntp, section: [ntp server]}]")
    for number in range(10):
        running = f"ntp server 10.0.0.{number}\n"
        assert evaluate(checks, running, "ntp server 10.0.0.1\n", "ios").compliant is (number == 1)
        assert len(compliance._CHECKS) <= 3
