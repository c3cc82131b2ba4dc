"""Run results as people and CI read them: a terminal table, JSON, JUnit XML and Markdown.

Every format is rendered from one ``RunReport`` built from Nornir's AggregatedResult, and every
string that goes out passes through a ``Redactor`` holding the inventory's actual secret values,
so a password that leaked into a device message or a diff never reaches a report.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .compliance import ComplianceReport
from .redaction import Redactor

if TYPE_CHECKING:
    from nornir.core.task import AggregatedResult, MultiResult, Result

STATUS_OK, STATUS_CHANGED, STATUS_FAILED = "ok", "changed", "failed"
STATUS_NONCOMPLIANT, STATUS_SKIPPED = "non-compliant", "skipped"


@dataclass(frozen=True)
class Case:
    """One JUnit test case: a host's step, or one compliance rule of a host."""

    name: str
    status: str
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class Step:
    name: str
    status: str
    changed: bool
    message: str
    diff: str
    cases: tuple[Case, ...]
    result: Any = None


@dataclass(frozen=True)
class HostReport:
    name: str
    status: str
    changed: bool
    duration: float
    message: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class RunReport:
    runbook: str
    dry_run: bool
    duration: float
    hosts: tuple[HostReport, ...] = field(default=())

    @property
    def failed_hosts(self) -> list[str]:
        return [h.name for h in self.hosts if h.status in (STATUS_FAILED, STATUS_NONCOMPLIANT)]

    @property
    def exit_code(self) -> int:
        """0 when every host succeeded (and is compliant), else 1."""
        return 1 if self.failed_hosts else 0

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for host in self.hosts:
            totals[host.status] = totals.get(host.status, 0) + 1
        return totals


# ---------------------------------------------------------------- building


def build_report(
    runbook: str,
    results: AggregatedResult,
    *,
    durations: Mapping[str, float] | None = None,
    dry_run: bool = False,
    duration: float = 0.0,
    redact: Redactor | None = None,
) -> RunReport:
    """Turn Nornir's results into a report, redacting secrets from every text."""
    clean = redact or Redactor()
    hosts = tuple(
        _host_report(name, multi, (durations or {}).get(name, 0.0), clean)
        for name, multi in sorted(results.items())
    )
    return RunReport(runbook=runbook, dry_run=dry_run, duration=duration, hosts=hosts)


def host_status(multi: MultiResult) -> str:
    """One host's status as every report shows it: ok, changed, failed or non-compliant."""
    return _host_report("", multi, 0.0, Redactor()).status


def _steps_of(multi: MultiResult) -> list[Result]:
    """The results worth reporting: the subtasks of a grouped runbook task, or the task itself.

    The grouping task is kept only when it failed on its own (an exception before or between
    its subtasks), so the reason is never lost.
    """
    if len(multi) == 1:
        return [multi[0]]
    steps = list(multi[1:])
    if multi[0].failed and not any(r.failed for r in steps):
        steps.append(multi[0])
    return steps


def _host_report(name: str, multi: MultiResult, duration: float, clean: Redactor) -> HostReport:
    steps = tuple(_step(result, clean) for result in _steps_of(multi))
    statuses = {s.status for s in steps}
    status = next(
        (s for s in (STATUS_FAILED, STATUS_NONCOMPLIANT, STATUS_CHANGED) if s in statuses),
        STATUS_OK,
    )
    message = next((s.message for s in steps if s.status == status and s.message), "")
    changed = any(s.changed for s in steps)
    return HostReport(name, status, changed, round(duration, 3), message, steps)


def _step(result: Result, clean: Redactor) -> Step:
    name = result.name or "task"
    diff = clean(result.diff or "")
    if result.failed:
        message = clean(_failure_message(result))
        return Step(
            name,
            STATUS_FAILED,
            bool(result.changed),
            message,
            diff,
            (Case(name, STATUS_FAILED, message, diff),),
        )
    value = result.result
    compliance = _compliance_rules(value)
    if compliance is not None:
        cases = tuple(
            Case(
                f"{name}: {rule['name']}",
                STATUS_OK if rule["compliant"] else STATUS_NONCOMPLIANT,
                "" if rule["compliant"] else clean(_rule_reason(rule["missing"], rule["extra"])),
                clean(rule.get("remediation") or ""),
            )
            for rule in compliance
        )
        bad = [c.name.split(": ", 1)[1] for c in cases if c.status == STATUS_NONCOMPLIANT]
        status = STATUS_NONCOMPLIANT if bad else STATUS_OK
        message = f"not compliant: {', '.join(bad)}" if bad else "compliant"
        document = value.to_dict() if isinstance(value, ComplianceReport) else value
        return Step(name, status, False, message, diff, cases, _jsonable(document, clean))
    status = STATUS_CHANGED if result.changed else STATUS_OK
    message = clean(_summary(value))
    return Step(
        name,
        status,
        bool(result.changed),
        message,
        diff,
        (Case(name, status, message),),
        _jsonable(value, clean),
    )


def _compliance_rules(value: Any) -> list[Mapping[str, Any]] | None:
    """The per-rule entries of a compliance report (object or its dict form), else None."""
    if isinstance(value, ComplianceReport):
        return [rule.to_dict() for rule in value.rules]
    if isinstance(value, Mapping) and "compliant" in value and isinstance(value.get("rules"), list):
        return [rule for rule in value["rules"] if isinstance(rule, Mapping) and "name" in rule]
    return None


def _failure_message(result: Result) -> str:
    if result.exception is not None:
        return f"{type(result.exception).__name__}: {result.exception}".splitlines()[0]
    text = result.result if isinstance(result.result, str) else repr(result.result)
    return text.strip().splitlines()[0] if text.strip() else "failed"


def _rule_reason(missing: Iterable[str], extra: Iterable[str]) -> str:
    parts = []
    if missing := list(missing):
        parts.append("missing: " + "; ".join(missing))
    if extra := list(extra):
        parts.append("extra: " + "; ".join(extra))
    return " | ".join(parts) or "not compliant"


def _summary(value: Any) -> str:
    """A one-line message for a successful step."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items() if not isinstance(v, (dict, list)))
    text = str(value).strip()
    return text.splitlines()[0] if "\n" in text else text


def _jsonable(value: Any, clean: Redactor) -> Any:
    """A JSON-safe, redacted copy of a step's result."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, clean) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, clean) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return clean(str(value))


# ---------------------------------------------------------------- formats


def to_json(report: RunReport) -> str:
    """The JSON report; its schema is documented in the README."""
    document = {
        "runbook": report.runbook,
        "dry_run": report.dry_run,
        "duration": round(report.duration, 3),
        "exit_code": report.exit_code,
        "summary": report.counts(),
        "hosts": [asdict(host) for host in report.hosts],
    }
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def to_junit(report: RunReport) -> str:
    """JUnit XML: one test suite per run, one test case per host x step (or x rule)."""
    cases = [(host, case) for host in report.hosts for step in host.steps for case in step.cases]
    failures = sum(c.status in (STATUS_FAILED, STATUS_NONCOMPLIANT) for _, c in cases)
    suite = ET.Element(
        "testsuite",
        name=f"nornir-pack {report.runbook}",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped=str(sum(c.status == STATUS_SKIPPED for _, c in cases)),
        time=f"{report.duration:.3f}",
    )
    for host, case in cases:
        element = ET.SubElement(
            suite, "testcase", classname=f"{report.runbook}.{host.name}", name=case.name
        )
        if case.status in (STATUS_FAILED, STATUS_NONCOMPLIANT):
            failure = ET.SubElement(
                element, "failure", message=case.message or case.status, type=case.status
            )
            failure.text = case.details or case.message
        elif case.details:
            ET.SubElement(element, "system-out").text = case.details
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def to_markdown(report: RunReport) -> str:
    """A summary for a CI job page or a pull request comment."""
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items())) or "no hosts"
    mode = " (dry run)" if report.dry_run else ""
    lines = [
        f"## nornir-pack `{report.runbook}`{mode}: "
        + ("all hosts succeeded" if report.exit_code == 0 else "some hosts need attention"),
        "",
        f"{len(report.hosts)} hosts: {counts}. Took {report.duration:.1f} s.",
        "",
        "| host | status | changed | duration | message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for host in report.hosts:
        message = host.message.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {host.name} | {host.status} | {'yes' if host.changed else 'no'} "
            f"| {host.duration:.1f} s | {message} |"
        )
    diffs = [(h.name, s) for h in report.hosts for s in h.steps if s.diff]
    for host_name, step in diffs:
        lines += [
            "",
            f"<details><summary>{host_name}: {step.name} diff</summary>",
            "",
            "```diff",
            step.diff.rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"
