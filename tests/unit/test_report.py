"""Reports keep every outcome whole: the full message, the right status, the right JUnit kind."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from nornir.core.inventory import Host
from nornir.core.task import MultiResult, Result

from nornir_pack.exceptions import (
    DeviceError,
    DeviceUnreachable,
    RollbackFailed,
    UsageError,
)
from nornir_pack.redaction import Redactor
from nornir_pack.report import (
    EXIT_CRASHED,
    RunReport,
    build_report,
    first_line,
    to_json,
    to_junit,
    to_markdown,
)
from nornir_pack.tasks.boundary import failed

REFUSED = (
    "deploy failed over scrapli: the device refused 'ntp server 192.0.2.1' (% Invalid input)\n"
    "rolled back to the pre-change snapshot, undoing:\n"
    "- ntp server 10.0.0.1\n"
    "running config verified equal to the snapshot"
)
ROLLBACK_FAILED = (
    "deploy failed over netmiko: the device refused 'logging host 192.0.2.9' (% Invalid input)\n"
    "ROLLBACK FAILED: the running config still differs from the snapshot:\n"
    "+ no ntp server 10.0.0.1\n"
    "the running config may differ from the pre-change snapshot: check the device"
)


def outcome(host: Host, result: Result, name: str = "deploy") -> MultiResult:
    result.name = name
    multi = MultiResult(name)
    multi.append(result)
    return multi


def sample_report() -> RunReport:
    hosts = {name: Host(name) for name in ("r1", "r2", "r3", "r4")}
    results = {
        "r1": outcome(hosts["r1"], failed(hosts["r1"], DeviceError(REFUSED), diff="+ x\n")),
        "r2": outcome(hosts["r2"], failed(hosts["r2"], RollbackFailed(ROLLBACK_FAILED))),
        "r3": outcome(
            hosts["r3"],
            failed(hosts["r3"], DeviceUnreachable("reading the running config failed: EOF")),
        ),
        "r4": outcome(hosts["r4"], Result(host=hosts["r4"], changed=True, result={"s": "ok"})),
    }
    return build_report("deploy", results, redact=Redactor(["ntp server 10.0.0.1"]))


def test_every_format_carries_the_whole_message() -> None:
    report = sample_report()
    document = json.loads(to_json(report))
    by_name = {host["name"]: host for host in document["hosts"]}
    assert "undoing:\n- <redacted>" in by_name["r1"]["message"]  # whole, and redacted
    assert by_name["r1"]["steps"][0]["result"] == by_name["r1"]["message"]  # never null
    assert "+ no ntp server" not in json.dumps(document)  # the redactor saw it
    assert "ROLLBACK FAILED" in by_name["r2"]["message"]
    assert "check the device" in by_name["r2"]["message"]

    junit = ET.fromstring(to_junit(report))
    failure = junit.find(".//testcase[@classname='deploy.r1']/failure")
    assert failure is not None and failure.text is not None
    assert "running config verified equal to the snapshot" in failure.text
    assert failure.attrib["message"].startswith("deploy failed over scrapli")

    markdown = to_markdown(report)
    assert "running config verified equal to the snapshot" in markdown
    assert "check the device" in markdown
    assert "| r1 | failed | no |" in markdown


def test_a_failed_rollback_has_its_own_status_and_counts_as_changed() -> None:
    report = sample_report()
    r2 = next(host for host in report.hosts if host.name == "r2")
    assert (r2.status, r2.changed) == ("rollback-failed", True)
    assert report.counts()["rollback-failed"] == 1
    assert report.exit_code == 1
    assert json.loads(to_json(report))["summary"]["rollback-failed"] == 1


def test_junit_tells_an_unreachable_device_from_a_refused_change() -> None:
    suite = ET.fromstring(to_junit(sample_report())).find("testsuite")
    assert suite is not None
    assert (suite.attrib["failures"], suite.attrib["errors"]) == ("1", "2")
    assert suite.find("testcase[@classname='deploy.r3']/error") is not None
    assert suite.find("testcase[@classname='deploy.r2']/error") is not None
    assert suite.find("testcase[@classname='deploy.r1']/failure") is not None
    assert suite.find("testcase[@classname='deploy.r4']/failure") is None


def test_a_crash_inside_a_task_is_an_error_not_a_refusal() -> None:
    host = Host("r1")
    crashed = Result(host, failed=True, exception=ZeroDivisionError("division by zero"))
    report = build_report("mine", {"r1": outcome(host, crashed, "step")})
    assert report.hosts[0].message == "ZeroDivisionError: division by zero"
    assert report.hosts[0].steps[0].cases[0].kind == "error"
    usage = failed(host, UsageError("templates/x.j2: template not found: create it"))
    report = build_report("mine", {"r1": outcome(host, usage, "step")})
    assert report.hosts[0].steps[0].cases[0].kind == "failure"


def test_a_stopped_run_reports_why_and_its_exit_code() -> None:
    host = Host("r1")
    done = {"r1": outcome(host, Result(host=host, result="backups/r1.cfg"), "backup")}
    report = build_report(
        "mine",
        done,
        stopped="runbooks/mine.py:9: KeyError: 'x'",
        stopped_code=EXIT_CRASHED,
    )
    assert report.exit_code == EXIT_CRASHED
    assert json.loads(to_json(report))["stopped"] == "runbooks/mine.py:9: KeyError: 'x'"
    suite = ET.fromstring(to_junit(report)).find("testsuite")
    assert suite is not None and suite.attrib["errors"] == "1"
    assert suite.find("testcase[@name='run']/error") is not None
    assert "**The run stopped:** runbooks/mine.py:9" in to_markdown(report)


def test_first_line_points_at_the_rest() -> None:
    assert first_line("one") == "one"
    assert first_line("one\ntwo\nthree") == "one (+2 more lines)"


def test_the_live_views_status_is_the_reports() -> None:
    """host_status (per host, while the run goes) skips building the report: it must still
    give each host the status the report gives it."""
    from nornir_pack.compliance import ComplianceReport, RuleResult
    from nornir_pack.exceptions import Interrupted, NotStarted, RolledBack
    from nornir_pack.report import host_status

    def rule(compliant: bool) -> RuleResult:
        return RuleResult("ntp", "feature", compliant, (), (), "", "")

    host = Host("h")
    results = [
        Result(host=host, changed=True, result={"s": "ok"}),
        Result(host=host, changed=False, result="same"),
        Result(host=host, result=ComplianceReport("cisco_ios", (rule(True), rule(False)), "")),
        Result(host=host, result=ComplianceReport("cisco_ios", (rule(True),), "").to_dict()),
        Result(host=host, result={"healthy": False, "checks": [{"name": "cpu"}]}),
        failed(host, DeviceError(REFUSED)),
        failed(host, RollbackFailed(ROLLBACK_FAILED)),
        failed(host, RolledBack("rolled back")),
        failed(host, NotStarted("wave 2 failed")),
        failed(host, Interrupted("interrupted")),
        failed(host, UsageError("bad")),
    ]
    for result in results:
        multi = outcome(host, result)
        built = build_report("deploy", {"h": multi}).hosts[0]
        assert host_status(multi) == built.status, result


def test_the_json_report_gives_each_host_one_line() -> None:
    report = sample_report()
    text = to_json(report)
    lines = text.splitlines()
    for host in json.loads(text)["hosts"]:
        (line,) = (line for line in lines if f'"name": "{host["name"]}"' in line)
        assert json.loads(line.strip().removesuffix(",")) == host  # grep finds it all
    assert lines[0] == "{" and lines[1] == '  "runbook": "deploy",'  # the run's fields indented
    empty = build_report("backup", {}, redact=Redactor([]))
    assert json.loads(to_json(empty))["hosts"] == []
