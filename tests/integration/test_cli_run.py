"""`nornir-pack run` end to end: real runbooks, real clients, the lab served in-process."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

# Values that must never reach a report: the lab inventory's credentials, the seed's secrets.
SECRETS = ("lab-password", "lab-enable", "Sup3rS3cretRW", "$9$", "$6$", "0822455D0A16")


def nornir_pack(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def run_json(project: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    report = project / "report.json"
    result = nornir_pack(project, "run", *args, "--lab", "--json", str(report))
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(report.read_text()), result.stdout


def test_backup_writes_a_file_for_every_lab_host_without_secrets(project: Path) -> None:
    code, report, _ = run_json(project, "backup")
    assert code == 0
    assert sorted(h["name"] for h in report["hosts"]) == ["r1", "r2", "sw1", "sw2"]
    for host in ("r1", "r2", "sw1", "sw2"):
        text = (project / "backups" / f"{host}.cfg").read_text()
        assert f"hostname {host}" in text
        assert not [s for s in SECRETS if s in text]
    again_code, again, _ = run_json(project, "backup")
    assert again_code == 0
    assert {h["status"] for h in again["hosts"]} == {"ok"}


def test_compliance_junit_has_a_case_per_host_and_rule_and_exits_1(project: Path) -> None:
    junit = project / "out.xml"
    markdown = project / "summary.md"
    report = project / "report.json"
    result = nornir_pack(
        project,
        "run",
        "compliance",
        "--lab",
        "--junit",
        str(junit),
        "--markdown",
        str(markdown),
        "--json",
        str(report),
    )
    assert result.returncode == 1, result.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    by_host: dict[str, list[str]] = {}
    for case in cases:
        by_host.setdefault(case.attrib["classname"].split(".")[-1], []).append(case.attrib["name"])
    assert sorted(by_host) == ["r1", "r2", "sw1", "sw2"]
    assert all(len(names) == len(set(names)) > 3 for names in by_host.values())
    assert int(suite.attrib["tests"]) == len(cases)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(suite.attrib["failures"]) == len(failures) > 0
    ntp = next(
        c
        for c in cases
        if c.attrib["classname"].endswith(".r1") and c.attrib["name"].endswith(": ntp")
    )
    failure = ntp.find("failure")
    assert failure is not None
    assert "10.0.0.2" in failure.attrib["message"]  # missing server
    assert "10.0.0.99" in failure.attrib["message"]  # extra server
    for output in (junit.read_text(), markdown.read_text(), report.read_text(), result.stdout):
        assert not [s for s in SECRETS if s in output]
    assert "| r1 | non-compliant |" in markdown.read_text()


def test_deploy_is_a_dry_run_until_commit_then_idempotent(project: Path) -> None:
    code, dry, stdout = run_json(project, "deploy")
    assert code == 0
    assert dry["dry_run"] is True
    assert all(not h["changed"] for h in dry["hosts"])
    assert all(step["diff"] for h in dry["hosts"] for step in h["steps"])
    assert "+ ntp server 10.0.0.2" in stdout
    assert not (project / ".nornir-pack-lab").exists()  # nothing was saved on any device

    code, committed, _ = run_json(project, "deploy", "--commit")
    assert code == 0
    assert [h["status"] for h in committed["hosts"]] == ["changed"] * 4

    code, again, _ = run_json(project, "deploy", "--commit")
    assert code == 0
    assert [(h["status"], h["changed"]) for h in again["hosts"]] == [("ok", False)] * 4


@pytest.mark.parametrize("plugin", ["netmiko", "napalm", "scrapli"])
@pytest.mark.parametrize("runbook", ["backup", "deploy", "compliance"])
def test_each_runbook_runs_with_each_plugin(project: Path, runbook: str, plugin: str) -> None:
    code, report, _ = run_json(project, runbook, "--plugin", plugin)
    statuses = {h["name"]: h["status"] for h in report["hosts"]}
    assert "failed" not in statuses.values(), report
    assert code == (1 if runbook == "compliance" else 0)
    assert len(statuses) == 4


def test_runbook_file_runs_directly_with_python(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "runbooks/backup_then_deploy.py", "--lab", "--hosts", "r1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (project / "backups" / "r1.cfg").is_file()
    assert not (project / "backups" / "r2.cfg").exists()


def test_missing_template_variable_fails_only_that_host(project: Path) -> None:
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts["r2"]["groups"] = []  # loses the group's data (site, role) ...
    hosts["r2"]["platform"] = "cisco_ios"  # ... but keeps its platform
    hosts_file.write_text(yaml.safe_dump(hosts))
    code, report, _ = run_json(project, "deploy")
    assert code == 1
    statuses = {h["name"]: h for h in report["hosts"]}
    assert statuses["r2"]["status"] == "failed"
    assert "site" in statuses["r2"]["message"]
    assert "cisco_ios.j2" in statuses["r2"]["message"]
    assert {statuses[h]["status"] for h in ("r1", "sw1", "sw2")} == {"ok"}


def _unsupported_platform(project: Path, platform: str = "commodore64") -> None:
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts["r1"]["platform"] = platform
    hosts_file.write_text(yaml.safe_dump(hosts))


@pytest.mark.parametrize(
    ("args", "prepare", "expected"),
    [
        (["run", "backup", "-c", "missing.yaml"], None, "missing.yaml: config file not found"),
        (["run", "backup"], "bad-yaml", "malformed YAML"),
        (["run", "nosuchbook"], None, "unknown runbook 'nosuchbook'"),
        (["run", "backup", "--plugin", "telnet"], None, "invalid choice: 'telnet'"),
        (["run", "backup"], "platform", "platform 'commodore64'"),
        (["run", "backup"], "nxos", "platform 'cisco_nxos' has no nornir-pack backend"),
        (["run", "compliance"], "bad-rules", "compliance.yaml"),
        (["inventory"], "platform", "commodore64"),
    ],
)
def test_bad_input_is_one_line_exit_2_no_traceback(
    project: Path, args: list[str], prepare: str | None, expected: str
) -> None:
    if prepare == "bad-yaml":
        (project / "inventory" / "groups.yaml").write_text("ios: {platform: [cisco_ios\n")
    if prepare == "platform":
        _unsupported_platform(project)
    if prepare == "nxos":
        _unsupported_platform(project, "cisco_nxos")
    if prepare == "bad-rules":
        (project / "runbooks" / "compliance.yaml").write_text("features:\n  - name: ntp\n")
    result = (
        nornir_pack(project, *args, "--lab") if args[0] == "run" else nornir_pack(project, *args)
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_inventory_lists_hosts_with_platform_and_plugin(project: Path) -> None:
    result = nornir_pack(project, "inventory", "--filter", "groups__contains=eos")
    assert result.returncode == 0, result.stderr
    assert "sw1" in result.stdout and "sw2" in result.stdout
    assert "r1" not in result.stdout
    assert "arista_eos" in result.stdout and "scrapli" in result.stdout
