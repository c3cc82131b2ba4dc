"""Run results as people and CI read them: a terminal table, JSON, JUnit XML and Markdown.

Every format is rendered from one ``RunReport`` built from Nornir's AggregatedResult, and every
string that goes out passes through a ``Redactor`` holding the inventory's actual secret values,
so a password that leaked into a device message or a diff never reaches a report.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .compliance import ComplianceReport
from .exceptions import (
    DeviceUnreachable,
    Interrupted,
    LibraryError,
    NornirPackError,
    NotStarted,
    RollbackFailed,
    RolledBack,
)
from .health.model import CHECK_FAILED, CHECK_SKIPPED, HealthReport
from .redaction import Redactor
from .rollout import ROLLOUT_STEP

if TYPE_CHECKING:
    from nornir.core.task import MultiResult, Result

STATUS_OK, STATUS_CHANGED, STATUS_FAILED = "ok", "changed", "failed"
STATUS_NONCOMPLIANT, STATUS_SKIPPED = "non-compliant", "skipped"
# A health check failed (CPU over its threshold, an interface down): the device answered.
STATUS_UNHEALTHY = "unhealthy"
# A change failed and so did its rollback: the device is in an unknown state.
STATUS_ROLLBACK_FAILED = "rollback-failed"
# Ctrl-C came before the host's task started: nothing was done on it.
STATUS_INTERRUPTED = "interrupted"
# The host's change was committed, then undone because its rollout wave failed.
STATUS_ROLLED_BACK = "rolled-back"
# The rollout stopped before the host's wave: nothing was done on it.
STATUS_NOT_STARTED = "not-started"
# Worst first: a host's status is the worst of its steps'.
SEVERITY = (
    STATUS_ROLLBACK_FAILED,
    STATUS_FAILED,
    STATUS_ROLLED_BACK,
    STATUS_NONCOMPLIANT,
    STATUS_UNHEALTHY,
    STATUS_INTERRUPTED,
    STATUS_NOT_STARTED,
    STATUS_CHANGED,
    STATUS_OK,
)
BAD_STATUSES = frozenset(
    {
        STATUS_ROLLBACK_FAILED,
        STATUS_FAILED,
        STATUS_ROLLED_BACK,
        STATUS_NONCOMPLIANT,
        STATUS_UNHEALTHY,
    }
)

# JUnit's two kinds of bad outcome: the device said no (a refused change, a failed check, a
# rule not met), or the run could not find out (unreachable device, broken library, crash).
KIND_FAILURE, KIND_ERROR = "failure", "error"


@dataclass(frozen=True)
class Case:
    """One JUnit test case: a host's step, or one compliance rule or health check of a host."""

    name: str
    status: str
    message: str = ""
    details: str = ""
    kind: str = ""  # KIND_FAILURE or KIND_ERROR when the status is bad; "skipped" when not run


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
    worker: str = ""  # the Dask worker that ran the host ("" with a local runner)


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CRASHED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@dataclass(frozen=True)
class RunReport:
    runbook: str
    dry_run: bool
    duration: float
    hosts: tuple[HostReport, ...] = field(default=())
    # Why the run stopped before its runbook returned (a crash, an interrupt), and the exit
    # code that goes with it; the hosts are then those that finished.
    stopped: str = ""
    stopped_code: int = EXIT_OK
    # a rollout's waves (``nornir_pack.rollout.Wave.to_dict``), in the order they went out
    waves: tuple[Mapping[str, Any], ...] = ()

    @property
    def failed_hosts(self) -> list[str]:
        return [h.name for h in self.hosts if h.status in BAD_STATUSES]

    @property
    def exit_code(self) -> int:
        """The command's exit code: 0 every host succeeded (and is compliant), 1 a host failed
        or is not compliant, or the code of what stopped the run (2 usage, 3 crash, 130)."""
        if self.stopped:
            return self.stopped_code
        return EXIT_FAILED if self.failed_hosts else EXIT_OK

    def counts(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for host in self.hosts:
            totals[host.status] = totals.get(host.status, 0) + 1
        return totals


# ---------------------------------------------------------------- building


def build_report(
    runbook: str,
    results: Mapping[str, MultiResult],
    *,
    durations: Mapping[str, float] | None = None,
    dry_run: bool = False,
    duration: float = 0.0,
    redact: Redactor | None = None,
    stopped: str = "",
    stopped_code: int = EXIT_OK,
    waves: Iterable[Mapping[str, Any]] = (),
) -> RunReport:
    """Turn Nornir's results (or, for a run that stopped early, each host's last finished
    task) into a report, redacting secrets from every text."""
    clean = redact or Redactor()
    hosts = tuple(
        _host_report(name, multi, (durations or {}).get(name, 0.0), clean)
        for name, multi in sorted(results.items())
    )
    return RunReport(
        runbook=runbook,
        dry_run=dry_run,
        duration=duration,
        hosts=hosts,
        stopped=clean(stopped),
        stopped_code=stopped_code,
        waves=tuple(_jsonable(wave, clean) for wave in waves),
    )


def host_status(multi: MultiResult) -> str:
    """One host's status as every report shows it: ok, changed, failed, non-compliant or
    rollback-failed. Cheap (no report is built): the live view asks for it per host."""
    return _worst({_step_status(result) for result in _steps_of(multi)})


def _worst(statuses: set[str]) -> str:
    return next((s for s in SEVERITY if s in statuses), STATUS_OK)


def _step_status(result: Result) -> str:
    """The status ``_step`` gives a result, without building the step."""
    health = _health_report(result.result)
    if health is not None:
        return STATUS_OK if health["healthy"] else STATUS_UNHEALTHY
    if result.failed:
        return failure_class(result.exception)[0]
    rules = _compliance_rules(result.result)
    if rules is not None:
        return STATUS_OK if all(rule["compliant"] for rule in rules) else STATUS_NONCOMPLIANT
    return STATUS_CHANGED if result.changed else STATUS_OK


def _steps_of(multi: MultiResult) -> list[Result]:
    """The results worth reporting: the subtasks of a grouped runbook task, or the task itself.

    The grouping task is kept only when it failed on its own (an exception before or between
    its subtasks), so the reason is never lost.
    """
    own = [r for r in multi if not getattr(r, ROLLOUT_STEP, False)]
    after = [r for r in multi if getattr(r, ROLLOUT_STEP, False)]  # the rollout's rollback
    if len(own) <= 1:
        return own + after
    steps = own[1:]
    if own[0].failed and not any(r.failed for r in steps):
        steps.append(own[0])
    return steps + after


def _host_report(name: str, multi: MultiResult, duration: float, clean: Redactor) -> HostReport:
    steps = tuple(_step(result, clean) for result in _steps_of(multi))
    status = _worst({s.status for s in steps})
    message = next((s.message for s in steps if s.status == status and s.message), "")
    changed = any(s.changed for s in steps)
    worker = next((str(getattr(r, "worker", "")) for r in multi if getattr(r, "worker", "")), "")
    return HostReport(name, status, changed, round(duration, 3), message, steps, worker)


def _step(result: Result, clean: Redactor) -> Step:
    name = result.name or "task"
    diff = clean(result.diff or "")
    health = _health_report(result.result)
    if health is not None:  # before the failure: an unhealthy host failed, check by check
        return _health_step(name, health, clean)
    if result.failed:
        message = clean(_failure_message(result))
        status, kind = failure_class(result.exception)
        # a failed rollback may have left part of the change on the device
        changed = bool(result.changed) or status == STATUS_ROLLBACK_FAILED
        details = message + (f"\n\n{diff}" if diff else "")
        return Step(
            name,
            status,
            changed,
            message,
            diff,
            (Case(name, status, message, details, kind),),
            message,
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
                "" if rule["compliant"] else KIND_FAILURE,
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


def _health_report(value: Any) -> Mapping[str, Any] | None:
    """A health report (object or its dict form) as its dict, else None."""
    if isinstance(value, HealthReport):
        return value.to_dict()
    if isinstance(value, Mapping) and isinstance(value.get("healthy"), bool):
        checks = value.get("checks")
        if isinstance(checks, list) and all(isinstance(c, Mapping) for c in checks):
            return value
    return None


def _health_step(name: str, report: Mapping[str, Any], clean: Redactor) -> Step:
    """One case per check: a failed check is a JUnit failure, one the source cannot tell
    (CPU over NAPALM) is skipped."""
    cases = []
    for check in report["checks"]:
        status = {CHECK_FAILED: STATUS_UNHEALTHY, CHECK_SKIPPED: STATUS_SKIPPED}.get(
            check.get("status"), STATUS_OK
        )
        kind = {STATUS_UNHEALTHY: KIND_FAILURE, STATUS_SKIPPED: STATUS_SKIPPED}.get(status, "")
        message = clean(str(check.get("message") or ""))
        # a passing check's reading (``5% (threshold 80%)``) goes to JUnit's system-out
        details = message if status == STATUS_OK else ""
        cases.append(Case(f"{name}: {check.get('name')}", status, message, details, kind))
    status = STATUS_OK if report["healthy"] else STATUS_UNHEALTHY
    message = clean(str(report.get("summary") or ("healthy" if report["healthy"] else "unhealthy")))
    return Step(name, status, False, message, "", tuple(cases), _jsonable(report, clean))


def _compliance_rules(value: Any) -> list[Mapping[str, Any]] | None:
    """The per-rule entries of a compliance report (object or its dict form), else None."""
    if isinstance(value, ComplianceReport):
        return [rule.to_dict() for rule in value.rules]
    if isinstance(value, Mapping) and "compliant" in value and isinstance(value.get("rules"), list):
        return [rule for rule in value["rules"] if isinstance(rule, Mapping) and "name" in rule]
    return None


def failure_class(exception: BaseException | None) -> tuple[str, str]:
    """A failed step's status and JUnit kind, from the exception the task failed with.

    A task of nornir-pack fails with one of its own exceptions (see ``exceptions.py``); any
    other exception is a crash inside a task, which is an error, never a device's refusal.
    """
    if isinstance(exception, RollbackFailed):
        return STATUS_ROLLBACK_FAILED, KIND_ERROR
    if isinstance(exception, RolledBack):
        return STATUS_ROLLED_BACK, KIND_FAILURE
    if isinstance(exception, NotStarted):
        return STATUS_NOT_STARTED, STATUS_SKIPPED
    if isinstance(exception, Interrupted):
        return STATUS_INTERRUPTED, STATUS_SKIPPED
    if isinstance(exception, (DeviceUnreachable, LibraryError)):
        return STATUS_FAILED, KIND_ERROR
    if exception is None or isinstance(exception, NornirPackError):
        return STATUS_FAILED, KIND_FAILURE
    return STATUS_FAILED, KIND_ERROR


def _failure_message(result: Result) -> str:
    """The whole reason a step failed: nornir-pack's message (the device's refusal, what the
    rollback undid or the diff it could not undo), or a crashed task's exception."""
    exception = result.exception
    if isinstance(exception, NornirPackError) or (exception is None and result.result):
        text = str(result.result) if isinstance(result.result, str) else str(exception or "")
        return text.strip() or "failed"
    if exception is not None:
        return f"{type(exception).__name__}: {exception}".strip()
    return "failed"


def first_line(message: str) -> str:
    """The first line of a message, with a pointer when there is more."""
    lines = message.strip().splitlines()
    if len(lines) <= 1:
        return message.strip()
    return f"{lines[0]} (+{len(lines) - 1} more lines)"


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
    """The JSON report; its schema is documented in the README.

    The run's fields are indented; each host is one line (``grep`` finds a host's whole
    record), written by json's C encoder: an indented dump goes through its pure-Python
    encoder, 0.19 s against 0.03 s for a thousand hosts' compliance reports.
    """
    document = {
        "runbook": report.runbook,
        "dry_run": report.dry_run,
        "duration": round(report.duration, 3),
        "exit_code": report.exit_code,
        "stopped": report.stopped or None,
        "summary": report.counts(),
        "waves": [dict(wave) for wave in report.waves],
    }
    head = json.dumps(document, indent=2, default=str).removesuffix("\n}")
    hosts = ",\n".join(f"    {json.dumps(_host_json(host), default=str)}" for host in report.hosts)
    listed = f"[\n{hosts}\n  ]" if hosts else "[]"
    return f'{head},\n  "hosts": {listed}\n}}\n'


def _host_json(host: HostReport) -> dict[str, Any]:
    """A host's part of the JSON report. Built by hand: ``dataclasses.asdict`` deep-copies every
    step's result, which cost more than the rest of a thousand-host run's reporting."""
    return {
        "name": host.name,
        "status": host.status,
        "changed": host.changed,
        "duration": host.duration,
        "message": host.message,
        "worker": host.worker or None,
        "steps": [
            {
                "name": step.name,
                "status": step.status,
                "changed": step.changed,
                "message": step.message,
                "diff": step.diff,
                "cases": [vars(case) for case in step.cases],
                "result": step.result,
            }
            for step in host.steps
        ],
    }


def to_junit(report: RunReport) -> str:
    """JUnit XML: one test suite per run, one test case per host x step (or x rule)."""
    cases = [(host, case) for host in report.hosts for step in host.steps for case in step.cases]
    bad = [case for _, case in cases if case.status in BAD_STATUSES]
    suite = ET.Element(
        "testsuite",
        name=f"nornir-pack {report.runbook}",
        tests=str(len(cases)),
        failures=str(sum(case.kind != KIND_ERROR for case in bad)),
        errors=str(sum(case.kind == KIND_ERROR for case in bad)),
        skipped=str(sum(c.kind == STATUS_SKIPPED for _, c in cases)),
        time=f"{report.duration:.3f}",
    )
    if report.stopped:
        element = ET.SubElement(suite, "testcase", classname=report.runbook, name="run")
        kind = KIND_FAILURE if report.stopped_code == EXIT_FAILED else KIND_ERROR
        ET.SubElement(element, kind, message=first_line(report.stopped)).text = report.stopped
        suite.set("tests", str(len(cases) + 1))
        suite.set(f"{kind}s", str(int(suite.get(f"{kind}s", "0")) + 1))
    for wave in report.waves:
        _wave_case(suite, report.runbook, wave)
    for host, case in cases:
        element = ET.SubElement(
            suite, "testcase", classname=f"{report.runbook}.{host.name}", name=case.name
        )
        if case.kind == STATUS_SKIPPED:
            ET.SubElement(element, "skipped", message=case.message)
        elif case.status in BAD_STATUSES:
            outcome = ET.SubElement(
                element,
                KIND_ERROR if case.kind == KIND_ERROR else KIND_FAILURE,
                message=case.message or case.status,
                type=case.status,
            )
            outcome.text = case.details or case.message
        elif case.details:
            ET.SubElement(element, "system-out").text = case.details
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _wave_case(suite: ET.Element, runbook: str, wave: Mapping[str, Any]) -> None:
    """A JUnit case for a rollout wave: failed when the wave failed, skipped when it never
    started; its text lists the hosts and what was rolled back."""
    element = ET.SubElement(suite, "testcase", classname=f"{runbook}.waves", name=_wave_name(wave))
    text = _wave_text(wave)
    suite.set("tests", str(int(suite.get("tests", "0")) + 1))
    if wave["status"] == "failed":
        ET.SubElement(element, KIND_FAILURE, message=wave["reason"], type="wave-failed").text = text
        suite.set("failures", str(int(suite.get("failures", "0")) + 1))
    elif wave["status"] in ("not started", "interrupted"):
        ET.SubElement(element, "skipped", message=wave["reason"] or wave["status"])
        suite.set("skipped", str(int(suite.get("skipped", "0")) + 1))
    else:
        ET.SubElement(element, "system-out").text = text


def _wave_name(wave: Mapping[str, Any]) -> str:
    label = f" ({wave['label']})" if wave.get("label") else ""
    return f"wave {wave['number']}{label}"


def _wave_text(wave: Mapping[str, Any]) -> str:
    lines = [f"hosts: {', '.join(wave['hosts'])}"]
    for key, title in (
        ("failed", "failed"),
        ("rolled_back", "rolled back"),
        ("rollback_failed", "rollback failed"),
    ):
        if wave.get(key):
            lines.append(f"{title}: {', '.join(wave[key])}")
    return "\n".join(lines)


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
        *([f"**The run stopped:** {report.stopped}", ""] if report.stopped else []),
        *_markdown_waves(report.waves),
        "| host | status | changed | duration | message |",
        "| --- | --- | --- | --- | --- |",
    ]
    for host in report.hosts:
        message = first_line(host.message).replace("|", "\\|")
        lines.append(
            f"| {host.name} | {host.status} | {'yes' if host.changed else 'no'} "
            f"| {host.duration:.1f} s | {message} |"
        )
    for host in report.hosts:
        for step in host.steps:
            if step.status in (STATUS_FAILED, STATUS_ROLLBACK_FAILED):
                lines += [
                    "",
                    f"<details><summary>{host.name}: {step.name} {step.status}</summary>",
                    "",
                    "```text",
                    step.message.rstrip("\n"),
                    "```",
                    "",
                    "</details>",
                ]
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


def _markdown_waves(waves: Iterable[Mapping[str, Any]]) -> list[str]:
    """The rollout's waves as a table, placed before the host table (none without waves)."""
    if not waves:
        return []
    rows = ["| wave | status | hosts | failed | rolled back |", "| --- | --- | --- | --- | --- |"]
    for wave in waves:
        rolled = ", ".join(wave["rolled_back"]) or "-"
        if wave.get("rollback_failed"):
            rolled += f" (rollback FAILED: {', '.join(wave['rollback_failed'])})"
        rows.append(
            f"| {_wave_name(wave)} | {wave['status']} | {', '.join(wave['hosts'])} "
            f"| {', '.join(wave['failed']) or '-'} | {rolled} |"
        )
    return [*rows, ""]
