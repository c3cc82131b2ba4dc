"""Running a runbook: find it, select hosts, optionally serve them from the lab, report.

A runbook is a plain Python module with one entry function::

    def run(nr: Nornir, *, plugin: str | None = None, commit: bool = False) -> AggregatedResult

``nornir-pack run NAME`` and ``python runbooks/NAME.py`` both come here, so a runbook behaves
the same however it is started.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import yaml
from nornir.core import Nornir
from nornir.core.filter import F
from nornir.core.task import AggregatedResult, MultiResult
from rich.console import Console
from rich.table import Table

from . import yamlfile
from .backends import CLI_PLATFORMS, PLUGINS
from .exceptions import NornirPackError, RunbookCrashed, UsageError
from .inventory import load_nornir
from .lab.process import LabProcess
from .platforms import canonical_platform
from .preflight import accepts, check_run
from .project import find_runbook, is_builtin
from .redaction import Redactor
from .report import (
    EXIT_CRASHED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    STATUS_CHANGED,
    STATUS_FAILED,
    STATUS_OK,
    STATUS_ROLLBACK_FAILED,
    HostReport,
    RunReport,
    build_report,
    first_line,
    to_json,
    to_junit,
    to_markdown,
)
from .rollout import RolloutOptions
from .runner import RunWatcher
from .runners import PackRunner

ENTRY = "run"
DIFF_LINES_SHOWN = 40
SUMMARY_ROWS = 50  # beyond this many hosts, the summary table lists only those needing attention
DIFFS_SHOWN = 20  # beyond this many diffs, the terminal shows none (the reports keep them)
QUIET_STATUSES = frozenset({STATUS_OK, STATUS_CHANGED})
CRASH_LOG = "nornir-pack.log"
LAB_IN_PROCESS_HOSTS = 50  # --lab with more hosts serves them from a child process


@dataclass
class RunOptions:
    """What ``nornir-pack run`` was asked to do."""

    config: Path = Path("config.yaml")
    plugin: str | None = None
    filters: Sequence[str] = ()
    hosts: Sequence[str] = ()
    workers: int | None = None
    max_logins: int | None = None
    timeout: float | None = None
    # the rollout (see nornir_pack.rollout): None leaves config.yaml's runner option
    canary: int | None = None
    wave_size: str | None = None
    max_fail: str | None = None
    pause: float | None = None
    on_wave_fail: str | None = None
    wave_by: str | None = None
    confirm_timeout: float | None = None
    post_checks: Sequence[str] = ()
    runner: str | None = None  # --runner: nornir_pack or dask (default: config.yaml's)
    scheduler: str | None = None  # --scheduler: a Dask scheduler's address (the dask runner)
    commit: bool = False
    json: Path | None = None
    junit: Path | None = None
    markdown: Path | None = None
    lab: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def load_runbook(path: Path) -> Callable[..., AggregatedResult]:
    """Import a runbook module from its file and return its entry function (a built-in one
    as ``nornir_pack.runbooks.NAME``, so it is the same module a team's code imports)."""
    module: ModuleType
    try:
        if is_builtin(path):
            module = importlib.import_module(f"nornir_pack.runbooks.{path.stem}")
        else:
            module = _import_file(path)
    except UsageError:
        raise
    except Exception as exc:
        raise RunbookCrashed(crash_line(exc, path, crash_log(path), Redactor())) from None
    entry = getattr(module, ENTRY, None)
    if not callable(entry):
        raise UsageError(
            f"{path}: no entry function '{ENTRY}': "
            f"define def {ENTRY}(nr, *, plugin=None, commit=False)"
        )
    return entry  # type: ignore[no-any-return]


def _import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"nornir_pack_runbook_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def select_hosts(nr: Nornir, filters: Sequence[str], hosts: Sequence[str], source: str) -> Nornir:
    """Apply ``--filter KEY=VALUE`` (Nornir F syntax: ``groups__contains=ios``) and ``--hosts``."""
    for expression in filters:
        key, sep, raw = expression.partition("=")
        if not sep or not key:
            raise UsageError(f"--filter {expression!r}: write KEY=VALUE, e.g. --filter role=router")
        try:
            # YAML, as the inventory is read, so that 22, yes and [a, b] mean the same here
            value = yaml.load(raw, Loader=yamlfile.Loader) if raw else raw
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or "invalid YAML"
            raise UsageError(
                f"--filter {expression!r}: the value is not valid YAML ({problem}): "
                f"quote it to match the text, e.g. --filter \"{key}='{raw}'\""
            ) from None
        nr = nr.filter(F(**{key: value}))
    if hosts:
        missing = sorted(set(hosts) - set(nr.inventory.hosts))
        if missing:
            raise UsageError(
                f"--hosts: {', '.join(missing)} not in the inventory of {source}"
                " (after filters): check the names with `nornir-pack inventory`"
            )
        wanted = set(hosts)
        nr = nr.filter(filter_func=lambda host: host.name in wanted)
    if not nr.inventory.hosts:
        raise UsageError(
            f"no host of {source} matches the filters: check them with `nornir-pack inventory`"
        )
    return nr


def validate_hosts(nr: Nornir, source: str) -> None:
    """Every selected host has a platform nornir-pack supports (else exit 2 before any login)."""
    for host in nr.inventory.hosts.values():
        if not host.platform:
            raise UsageError(
                f"{source}: host '{host.name}' has no platform: set platform on it or its group"
            )
        try:
            platform = canonical_platform(host.platform)
        except UsageError as exc:
            raise UsageError(f"{source}: host '{host.name}': {exc}") from None
        if platform not in CLI_PLATFORMS:
            raise UsageError(
                f"{source}: host '{host.name}': platform '{host.platform}' has no nornir-pack "
                f"backend yet: use one of {', '.join(sorted(CLI_PLATFORMS))}"
            )


def serve_lab(nr: Nornir, options: RunOptions) -> AbstractContextManager[object]:
    """The lab for ``--lab``: in this process for a few hosts (nothing to start), in a child
    process past ``LAB_IN_PROCESS_HOSTS``, so that the run is measured against devices and
    not against a lab competing with its threads for the GIL."""
    hosts = list(nr.inventory.hosts)
    if len(hosts) <= LAB_IN_PROCESS_HOSTS:
        from .lab.server import Lab, state_dir_for  # noqa: PLC0415 (asyncssh: 0.2 s, --lab only)

        return Lab.from_nornir(nr, state_dir_for(options.config))
    everyone = not options.hosts and not options.filters
    return LabProcess(options.config, None if everyone else hosts)


def execute(name: str, options: RunOptions, stream: IO[str] | None = None) -> int:
    """Run a runbook as the command line does and return the exit code (see the README)."""
    path, entry, nr = prepare(name, options)
    nr.data.dry_run = not options.commit
    watcher = RunWatcher(stream)
    kwargs: dict[str, Any] = {**options.extra}
    for key, value in (("plugin", options.plugin), ("commit", options.commit)):
        if accepts(entry, key):
            kwargs[key] = value
    lab = serve_lab(nr, options) if options.lab else nullcontext()
    redact = Redactor.from_nornir(nr)
    started = time.monotonic()
    with lab:
        try:
            results, stopped, stopped_code = _call(entry, nr.with_processors([watcher]), kwargs)
        except Exception as exc:
            results, stopped_code = {}, EXIT_CRASHED
            stopped = crash_line(exc, path, crash_log(options.config), redact)
        finally:
            watcher.close()
            nr.close_connections(on_good=True, on_failed=True)  # unwatched: not a run step
            close_runner(nr)
    if stopped:
        results = watcher.finished  # what finished before the run stopped
        print(f"nornir-pack: error: {redact(stopped)}", file=sys.stderr)
    report = build_report(
        path.stem,
        results,
        durations=watcher.durations,
        # only a runbook that can commit has a dry run to speak of
        dry_run=accepts(entry, "commit") and not options.commit,
        duration=time.monotonic() - started,
        redact=redact,
        stopped=stopped,
        stopped_code=stopped_code,
        waves=[wave.to_dict() for wave in getattr(nr.runner, "waves", ())],
    )
    print_summary(report, watcher.console)
    write_reports(report, options)
    return report.exit_code


def prepare(name: str, options: RunOptions) -> tuple[Path, Callable[..., Any], Nornir]:
    """The runbook's file and entry, and the Nornir object of the selected hosts, once every
    pre-flight check passed: nothing here logs in to a device."""
    if options.plugin is not None and options.plugin not in PLUGINS:
        raise UsageError(f"unknown plugin '{options.plugin}': use one of {', '.join(PLUGINS)}")
    path = find_runbook(name, options.config).path
    entry = load_runbook(path)
    nr = load_nornir(options.config)
    nr = select_hosts(nr, options.filters, options.hosts, str(options.config))
    validate_hosts(nr, str(options.config))
    try:
        check_run(nr, entry, options)  # every configuration error before the first login
    except NornirPackError:
        raise
    except Exception as exc:  # the runbook's own preflight hook broke: a crash, not bad input
        log = crash_log(options.config)
        raise RunbookCrashed(crash_line(exc, path, log, Redactor.from_nornir(nr))) from None
    nr = with_runner_options(nr, options)
    check = getattr(nr.runner, "preflight", None)  # the dask runner: its scheduler answers
    if callable(check):
        check(nr)
    return path, entry, nr


def close_runner(nr: Nornir) -> None:
    """Let a runner that holds resources (the dask runner's client and embedded cluster)
    release them at the end of the run."""
    close = getattr(nr.runner, "close", None)
    if callable(close):
        close()


RUNNERS = ("nornir_pack", "dask")
# runner options each runner takes besides nornir_pack's own (the dask runner takes both)
# the rollout's options (nornir_pack.rollout.RolloutOptions), which only the local runner applies
ROLLOUT_KEYS = frozenset(RolloutOptions.__dataclass_fields__)
DASK_OPTIONS = frozenset(
    {"scheduler", "batch_size", "local_workers", "placement", "resources", "timeout"}
    | {"connect_timeout"}
)


def with_runner_options(nr: Nornir, options: RunOptions) -> Nornir:
    """``--runner``, ``--scheduler``, ``--workers``, ``--max-logins``, ``--timeout`` and the
    rollout's flags over the config's runner options. ``--workers``, ``--max-logins`` and
    ``--timeout`` are options of nornir-pack's runner, which they select unless the run uses the
    dask runner (whose batches use them on the workers); ``--scheduler`` selects the dask
    runner."""
    given = {
        "num_workers": ("--workers", options.workers),
        "max_logins": ("--max-logins", options.max_logins),
        "host_timeout": ("--timeout", options.timeout),
        "canary": ("--canary", options.canary),
        "wave_size": ("--wave-size", options.wave_size),
        "max_fail": ("--max-fail", options.max_fail),
        "pause": ("--pause", options.pause),
        "on_wave_fail": ("--on-wave-fail", options.on_wave_fail),
        "wave_by": ("--wave-by", options.wave_by),
        "confirm_timeout": ("--confirm-timeout", options.confirm_timeout),
        "post_checks": ("--post-check", list(options.post_checks) or None),
        "scheduler": ("--scheduler", options.scheduler),
    }
    overrides = {key: value for key, (_, value) in given.items() if value is not None}
    configured = nr.config.runner.plugin
    plugin = options.runner or ("dask" if options.scheduler or configured == "dask" else None)
    if plugin is None and not overrides:
        return nr
    plugin = plugin or "nornir_pack"
    if plugin not in RUNNERS:
        raise UsageError(f"--runner {plugin}: use one of {', '.join(RUNNERS)}")
    if plugin != "dask" and options.scheduler is not None:
        raise UsageError("--scheduler is an option of the dask runner: add --runner dask")
    if plugin == "dask":
        rollout = next(
            (
                flag
                for key, (flag, value) in given.items()
                if key in ROLLOUT_KEYS and value is not None
            ),
            None,
        )
        if rollout is not None:
            raise UsageError(
                f"{rollout}: a rollout runs on nornir-pack's local runner, not on dask: "
                "drop --runner dask and --scheduler for a change that goes out in waves"
            )
    base = dict(nr.config.runner.options) if configured in RUNNERS else {}
    if plugin == configured and not overrides:
        return nr
    try:
        if plugin == "dask":
            from .runners.dask_runner import DaskRunner  # noqa: PLC0415  (only Dask runs)

            return nr.with_runner(DaskRunner(**{**base, **overrides}))
        local = {key: value for key, value in base.items() if key not in DASK_OPTIONS}
        return nr.with_runner(PackRunner(**{**local, **overrides}))
    except UsageError as exc:
        message = str(exc)
        if message.startswith("post check") and options.post_checks:
            raise UsageError(f"--post-check: {message}") from None
        flag = next(
            (f for key, (f, value) in given.items() if value is not None and key in message),
            None,
        )
        if flag is None:
            raise UsageError(f"{options.config}: {message}") from None
        raise UsageError(f"{flag}: {message.split(': ', 1)[1]}") from None


def _call(
    entry: Callable[..., Any], nr: Nornir, kwargs: dict[str, Any]
) -> tuple[Mapping[str, MultiResult], str, int]:
    """Run the entry function: its results, and why the run stopped early with which exit
    code ("" and 0 when it returned results). A crash (any other exception) propagates."""
    try:
        results = entry(nr, **kwargs)
    except KeyboardInterrupt:
        return {}, "interrupted (Ctrl-C)", EXIT_INTERRUPTED
    except UsageError as exc:
        return {}, str(exc), EXIT_USAGE
    except NornirPackError as exc:
        return {}, str(exc), EXIT_FAILED
    if not isinstance(results, Mapping):
        returned = type(results).__name__
        file = getattr(entry, "__code__", None)
        where = file.co_filename if file is not None else ENTRY
        return (
            {},
            f"{where}: {ENTRY}() returned {returned} instead of the result of nr.run(...): "
            "return it",
            EXIT_CRASHED,
        )
    return results, "", EXIT_OK


def crash_log(config: Path) -> Path:
    """Where a crashed runbook's traceback goes: ``nornir-pack.log`` beside config.yaml."""
    return config.resolve().parent / CRASH_LOG


def crash_line(exc: BaseException, runbook: Path, log: Path, redact: Redactor) -> str:
    """One line for a runbook that raised: the runbook's file:line (the innermost frame in
    the runbook, else the innermost frame) and the exception; the whole traceback, redacted,
    is appended to ``log``."""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    else:
        own = [f for f in frames if Path(f.filename).resolve() == runbook.resolve()]
        innermost = own or frames
        where = f"{innermost[-1].filename}:{innermost[-1].lineno}" if innermost else str(runbook)
    text = "".join(traceback.format_exception(exc))
    try:
        with log.open("a", encoding="utf-8") as stream:
            stream.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {runbook}\n")
            stream.write(redact(text))
        pointer = f" (traceback in {log})"
    except OSError:
        pointer = ""
    summary = str(exc).strip().splitlines()
    detail = f": {summary[0]}" if summary else ""
    return redact(f"{where}: {type(exc).__name__}{detail}{pointer}")


STATUS_STYLES = {
    "ok": "green",
    "changed": "yellow",
    "failed": "red",
    "non-compliant": "red",
    "rollback-failed": "bold red",
    "rolled-back": "red",
    "unhealthy": "red",
    "interrupted": "magenta",
    "not-started": "magenta",
}


def print_summary(report: RunReport, console: Console) -> None:
    """The summary table (first line of each message), each failed step's whole message,
    each diff (shortened), and a closing line with the count of each status.

    Past ``SUMMARY_ROWS`` hosts the table lists only the hosts that need attention (failed,
    not compliant, interrupted), and past ``SUMMARY_ROWS`` of those they are plain lines, one
    per host, instead of a table; past ``DIFFS_SHOWN`` diffs none is printed: a thousand
    table rows and diffs scroll away in a terminal and cost seconds to draw; the JSON and
    Markdown reports keep everything.
    """
    many = len(report.hosts) > SUMMARY_ROWS
    rows = [h for h in report.hosts if not many or h.status not in QUIET_STATUSES]
    title = f"{report.runbook}{' (dry run)' if report.dry_run else ''}"
    if many:
        title += f": the {len(rows)} of {len(report.hosts)} hosts that need attention"
    if len(rows) > SUMMARY_ROWS:
        console.print(title, markup=False, style="bold")
        lines = (
            f"{h.name}  {h.status}  {'changed' if h.changed else 'unchanged'}  "
            f"{h.duration:.1f} s  {first_line(h.message)}"
            for h in rows
        )
        console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    elif rows:
        console.print(_summary_table(title, rows))
    for host in rows:
        for step in host.steps:
            if step.status in (STATUS_FAILED, STATUS_ROLLBACK_FAILED) and "\n" in step.message:
                console.print(f"{host.name}: {step.name} {step.status}", markup=False, style="bold")
                console.print(step.message, markup=False, highlight=False)
    diffs = [(host, step) for host in report.hosts for step in host.steps if step.diff]
    if len(diffs) > DIFFS_SHOWN:
        console.print(f"{len(diffs)} diffs: see them whole with --json or --markdown")
        diffs = []
    for host, step in diffs:
        console.print(f"{host.name}: {step.name} diff", markup=False, style="bold")
        console.print(_shortened(step.diff), markup=False, highlight=False)
    for wave in report.waves:
        console.print(_wave_line(wave), markup=False, highlight=False)
    counts = ", ".join(f"{n} {_styled(s)}" for s, n in sorted(report.counts().items()))
    console.print(f"{len(report.hosts)} hosts: {counts or 'none finished'}")


def _summary_table(title: str, rows: list[HostReport]) -> Table:
    table = Table(title=title)
    for column in ("host", "status", "changed", "duration", "message"):
        table.add_column(column, overflow="fold")
    for host in rows:
        table.add_row(
            host.name,
            _styled(host.status),
            "yes" if host.changed else "no",
            f"{host.duration:.1f} s",
            first_line(host.message),
            end_section=False,
        )
    return table


def _wave_line(wave: Mapping[str, Any]) -> str:
    """A rollout wave in one line: its hosts, what became of it and what was rolled back."""
    label = f" ({wave['label']})" if wave["label"] else ""
    line = f"wave {wave['number']}{label}, {len(wave['hosts'])} hosts: {wave['status']}"
    if wave["status"] == "failed":
        line += f", {wave['reason']}"
    if wave["rolled_back"]:
        line += f"; rolled back: {', '.join(wave['rolled_back'])}"
    if wave["rollback_failed"]:
        line += f"; ROLLBACK FAILED: {', '.join(wave['rollback_failed'])}"
    return line


def _styled(status: str) -> str:
    style = STATUS_STYLES.get(status, "")
    return f"[{style}]{status}[/]" if style else status


def _shortened(diff: str, limit: int = DIFF_LINES_SHOWN) -> str:
    """A terminal-sized diff; the JSON and Markdown reports keep it whole."""
    lines = diff.rstrip("\n").splitlines()
    if len(lines) <= limit:
        return "\n".join(lines)
    hidden = len(lines) - limit
    return "\n".join([*lines[:limit], f"... {hidden} more lines (whole diff in --json)"])


def write_reports(report: RunReport, options: RunOptions) -> None:
    outputs = ((options.json, to_json), (options.junit, to_junit), (options.markdown, to_markdown))
    for target, render in outputs:
        if target is None:
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(report), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{target}: cannot write report: {exc.strerror}") from None
