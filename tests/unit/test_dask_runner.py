"""The dask runner's pure parts: options, read-only marks, task references, results rebuilt."""

from __future__ import annotations

import pytest
from nornir.core.inventory import Host

from nornir_pack.exceptions import RollbackFailed, UsageError, WorkerLost
from nornir_pack.report import build_report, to_json
from nornir_pack.runners.batch import (
    HostOutcome,
    PlainResult,
    RemoteTaskError,
    TaskRef,
    rebuild,
    rebuild_exception,
)
from nornir_pack.runners.dask_runner import DaskRunner
from nornir_pack.tasks import (
    backup_config,
    check_compliance,
    deploy_config,
    is_read_only,
    napalm_commit,
    read_only,
)


def test_read_only_marks() -> None:
    assert is_read_only(backup_config, {}, global_dry_run=False)
    assert is_read_only(check_compliance, {}, global_dry_run=False)
    assert is_read_only(deploy_config, {}, global_dry_run=True)  # a dry run only reads
    assert not is_read_only(deploy_config, {"dry_run": False}, global_dry_run=True)
    assert not is_read_only(deploy_config, {}, global_dry_run=False)
    assert not is_read_only(napalm_commit, {}, global_dry_run=True)  # unmarked: a change

    @read_only
    def mine(task: object) -> None:
        return None

    assert is_read_only(mine, {}, global_dry_run=False)


def test_task_reference_round_trip_and_refusals() -> None:
    ref = TaskRef.of(backup_config)
    assert (ref.module, ref.qualname) == ("nornir_pack.tasks.backup", "backup_config")
    assert ref.load() is backup_config
    with pytest.raises(UsageError, match="top level of an importable module"):
        TaskRef.of(lambda task: None)
    with pytest.raises(UsageError, match="cannot be imported on the worker"):
        TaskRef("no_such_module_here", "task").load()


def test_options_are_checked_when_the_runner_is_built() -> None:
    runner = DaskRunner(scheduler="tcp://127.0.0.1:8786", placement="site", num_workers=5)
    assert runner.local.num_workers == 5
    for bad, match in (
        ({"batch_size": 0}, "batch_size"),
        ({"timeout": "soon"}, "timeout"),
        ({"resources": {"site-a": "one"}}, "resources"),
        ({"num_workers": 0}, "num_workers"),
        ({"worker_count": 2}, "worker_count is not an option"),
    ):
        with pytest.raises(UsageError, match=match):
            DaskRunner(**bad)


def test_exceptions_come_back_as_their_class_or_a_named_stand_in() -> None:
    rollback = rebuild_exception("nornir_pack.exceptions:RollbackFailed", "undo failed")
    assert isinstance(rollback, RollbackFailed) and str(rollback) == "undo failed"
    foreign = rebuild_exception("socket:timeout", "timed out")
    assert isinstance(foreign, RemoteTaskError)
    assert type(foreign).__name__ == "timeout" and str(foreign) == "timed out"


def test_rebuilt_results_report_as_a_local_run_with_the_worker() -> None:
    host = Host("r1")
    lost = WorkerLost("worker lost; device state unknown, check it")
    outcome = HostOutcome(
        "r1",
        (
            PlainResult(
                "deploy",
                str(lost),
                failed=True,
                exception="nornir_pack.exceptions:WorkerLost",
                message=str(lost),
            ),
        ),
        worker="tcp://127.0.0.1:4000",
    )
    multi = rebuild(outcome, host, "deploy")
    assert multi[0].host is host and multi[0].failed
    assert isinstance(multi[0].exception, WorkerLost)
    report = build_report("deploy", {"r1": multi})
    assert report.exit_code == 1
    assert '"worker": "tcp://127.0.0.1:4000"' in to_json(report)
    assert report.hosts[0].message == "worker lost; device state unknown, check it"
