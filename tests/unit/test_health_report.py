"""Health results in the reports: one case per host x check, unhealthy exits 1, secrets hidden."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from nornir.core.inventory import Host
from nornir.core.task import MultiResult, Result

from nornir_pack.exceptions import DeviceUnreachable
from nornir_pack.health import InterfaceState, Snapshot, evaluate
from nornir_pack.redaction import Redactor
from nornir_pack.report import (
    STATUS_OK,
    STATUS_UNHEALTHY,
    build_report,
    host_status,
    to_json,
    to_junit,
    to_markdown,
)
from nornir_pack.tasks.boundary import failed

LEAKED = "Leaky-Community-7781"


def outcome(result: Result) -> MultiResult:
    result.name = "health"
    multi = MultiResult("health")
    multi.append(result)
    return multi


def health_result(host: Host, **changes: object) -> Result:
    values: dict[str, object] = {
        "uptime": 100.0,
        "interfaces": (InterfaceState("Ethernet1", True, True),),
        "cpu": 5.0,
        "memory": 10.0,
        **changes,
    }
    snapshot = Snapshot(host.name, "snmp", 0.0, **values)  # type: ignore[arg-type]
    report = evaluate(snapshot)
    return Result(host=host, failed=not report.healthy, result=report)


def sample() -> dict[str, MultiResult]:
    hosts = {name: Host(name) for name in ("r1", "r2", "r3", "r4")}
    return {
        "r1": outcome(health_result(hosts["r1"], description=f"agent says {LEAKED}")),
        "r2": outcome(health_result(hosts["r2"], cpu=97.0)),
        "r3": outcome(
            failed(hosts["r3"], DeviceUnreachable("SNMP v2c to 127.0.0.1:1: no answer within 2 s"))
        ),
        "r4": outcome(health_result(hosts["r4"], cpu=None, memory=None)),
    }


def test_each_host_s_checks_are_cases_and_an_unhealthy_host_fails_the_run() -> None:
    results = sample()
    report = build_report("health", results, redact=Redactor([LEAKED]))
    assert {h.name: h.status for h in report.hosts} == {
        "r1": STATUS_OK,
        "r2": STATUS_UNHEALTHY,
        "r3": "failed",
        "r4": STATUS_OK,
    }
    assert host_status(results["r2"]) == STATUS_UNHEALTHY
    assert report.exit_code == 1
    r2 = next(h for h in report.hosts if h.name == "r2")
    assert r2.message == "unhealthy: cpu: 97% is above the 80% threshold"

    junit = ET.fromstring(to_junit(report))
    suite = junit.find("testsuite")
    assert suite is not None
    # 4 checks for each of 3 answering hosts, one error case for the silent one
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("13", "1", "1")
    assert suite.get("skipped") == "2"  # r4's CPU and memory: not reported
    names = [c.get("name") for c in junit.iter("testcase") if c.get("classname") == "health.r2"]
    assert names == ["health: uptime", "health: interfaces", "health: cpu", "health: memory"]
    failure = junit.find(".//testcase[@classname='health.r2'][@name='health: cpu']/failure")
    assert failure is not None
    assert failure.get("message") == "97% is above the 80% threshold"
    assert failure.get("type") == STATUS_UNHEALTHY
    reading = junit.find(".//testcase[@classname='health.r1'][@name='health: cpu']/system-out")
    assert reading is not None and reading.text == "5% (threshold 80%)"
    error = junit.find(".//testcase[@classname='health.r3']/error")
    assert error is not None and "no answer within 2 s" in (error.get("message") or "")
    skipped = junit.find(".//testcase[@classname='health.r4'][@name='health: cpu']/skipped")
    assert skipped is not None and skipped.get("message") == "snmp: not reported"


def test_json_keeps_the_typed_report_and_hides_secrets() -> None:
    report = build_report("health", sample(), redact=Redactor([LEAKED]))
    text = to_json(report)
    assert LEAKED not in text and LEAKED not in to_markdown(report)
    hosts = {h["name"]: h for h in json.loads(text)["hosts"]}
    document = hosts["r2"]["steps"][0]["result"]
    assert document["healthy"] is False
    assert document["snapshot"]["cpu"] == 97.0
    assert {c["name"]: c["status"] for c in document["checks"]}["cpu"] == "failed"
    assert hosts["r1"]["steps"][0]["result"]["snapshot"]["description"] == "agent says <redacted>"
