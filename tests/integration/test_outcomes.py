"""Every outcome, whole, in every report: a refused line, a session dropped mid-push, a failed
rollback; and exit code 3 (with reports) for a runbook that crashes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.test_cli_run import nornir_pack

KNOBS = {
    # refuses the third line of r1's change: the first two are rolled back
    "r1": {"reject_lines": [r"^ntp server 10\.0\.0\.2"]},
    # refuses the last line of the change, then the rollback (a line of the snapshot)
    "r2": {"reject_lines": ["^snmp-server location", "^no service password-encryption"]},
    # drops the session when the change's last line arrives
    "sw1": {"drop_lines": ["^snmp-server location"]},
}


def set_knobs(project: Path, knobs: dict[str, dict[str, Any]]) -> None:
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    for name, host_knobs in knobs.items():
        hosts[name].setdefault("data", {})["lab"] = host_knobs
    hosts_file.write_text(yaml.safe_dump(hosts))


@pytest.mark.parametrize("plugin", ["netmiko", "scrapli"])
def test_refused_dropped_and_failed_rollback_appear_whole_in_every_report(
    project: Path, plugin: str
) -> None:
    set_knobs(project, KNOBS)
    result = nornir_pack(
        project,
        *("run", "deploy", "--commit", "--lab", "--plugin", plugin),
        *("--json", "out.json", "--junit", "out.xml", "--markdown", "out.md"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    hosts = {h["name"]: h for h in json.loads((project / "out.json").read_text())["hosts"]}

    refused = hosts["r1"]
    assert refused["status"] == "failed"
    assert "refused 'ntp server 10.0.0.2'" in refused["message"]
    assert "undoing:\n" in refused["message"]
    assert "no ip http server" in refused["message"]  # what the rollback undid
    assert refused["message"].endswith("running config verified equal to the snapshot")
    assert refused["steps"][0]["result"] == refused["message"]

    unknown = hosts["r2"]
    assert (unknown["status"], unknown["changed"]) == ("rollback-failed", True)
    assert "ROLLBACK FAILED" in unknown["message"]
    # the rollback is an atomic replace of the snapshot, which the device refuses whole
    assert "refused 'configure replace" in unknown["message"]
    assert "no service password-encryption" in unknown["message"].split("ROLLBACK FAILED")[1]

    dropped = hosts["sw1"]
    assert dropped["status"] == "failed"
    assert "pushing the config failed" in dropped["message"]
    assert "running config verified equal to the snapshot" in dropped["message"]
    assert "snmp-server location" not in dropped["message"].split("undoing:")[0]
    assert hosts["sw2"]["status"] == "changed"

    suite = ET.parse(project / "out.xml").getroot().find("testsuite")
    assert suite is not None
    assert (suite.attrib["failures"], suite.attrib["errors"]) == ("1", "2")
    cases = {c.attrib["classname"].split(".")[-1]: c for c in suite.findall("testcase")}
    assert cases["r1"].find("failure") is not None
    assert cases["sw1"].find("error") is not None  # the device was lost, it did not refuse
    for name, kind in (("r1", "failure"), ("r2", "error"), ("sw1", "error")):
        element = cases[name].find(kind)
        assert element is not None and element.text is not None
        assert hosts[name]["message"] in element.text

    markdown = (project / "out.md").read_text()
    for name in ("r1", "r2", "sw1"):
        assert hosts[name]["message"] in markdown
    assert "| r2 | rollback-failed | yes |" in markdown
    assert "1 rollback-failed" in result.stdout


CRASHING_RUNBOOK = """
from nornir_pack.tasks import backup_config


def run(nr):
    results = nr.run(task=backup_config, name="backup", backup_dir="backups")
    raise RuntimeError("boom after the backups")
"""


@pytest.mark.parametrize(
    ("source", "where", "reported"),
    [
        (CRASHING_RUNBOOK, "crash.py:7: RuntimeError: boom after the backups", 4),
        ("def run(nr):\n    return None\n", "run() returned NoneType", 0),
        ("def run(nr):\n    return nr.run(\n", "crash.py:2: SyntaxError", 0),
    ],
)
def test_a_runbook_that_crashes_exits_3_with_one_line_and_reports(
    project: Path, source: str, where: str, reported: int
) -> None:
    (project / "runbooks" / "crash.py").write_text(source)
    result = nornir_pack(project, "run", "crash", "--lab", "--json", "out.json")
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if "crash.py:7" in where:
        log = project / "nornir-pack.log"
        assert f"traceback in {log}" in lines[0]
        assert "Traceback (most recent call last)" in log.read_text()
    if reported:  # the backups that finished before the crash are reported
        report = json.loads((project / "out.json").read_text())
        assert report["exit_code"] == 3
        assert where in report["stopped"]
        assert [h["status"] for h in report["hosts"]] == ["changed"] * reported
