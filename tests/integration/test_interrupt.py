"""Ctrl-C during `deploy --commit`: every device ends at its intended config or its snapshot,
committed hosts are saved, the reports say which hosts were interrupted, exit 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from nornir_pack.lab import Device, Lab
from tests.integration.test_cli_run import nornir_pack

COMMAND = ("run", "deploy", "--commit", "--workers", "2", "--json", "out.json")
LATENCY = 0.15  # seconds per command: a host's deploy takes a couple of seconds


def wait_until(condition: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.01)  # polling lab state that changes at network speed, bounded


def interrupt(
    project: Path, command: tuple[str, ...], moment: Callable[[subprocess.Popen[str]], None]
) -> None:
    """Run ``nornir-pack <command>``, send Ctrl-C to its process group once ``moment``
    returns, and check that it exits 130 without a traceback."""
    run = subprocess.Popen(
        [sys.executable, "-m", "nornir_pack.cli", *command],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: Ctrl-C reaches it and its children
    )
    try:
        moment(run)
        os.killpg(run.pid, signal.SIGINT)
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr + stdout


@pytest.mark.parametrize("when", ["first login", "first host done", "third login"])
def test_ctrl_c_mid_deploy_leaves_every_device_whole(
    project: Path, lab: Lab, served: list[Device], when: str
) -> None:
    for device in served:
        device.knobs.latency = LATENCY
    snapshots = {d.name: lab.call(d.running_text) for d in served}
    logins = lambda: sum(lab.call(lambda d=d: d.logins) for d in served)  # noqa: E731

    def moment(run: subprocess.Popen[str]) -> None:
        if when == "first login":
            wait_until(lambda: logins() >= 1)
        elif when == "third login":
            wait_until(lambda: logins() >= 3)
        else:
            assert run.stdout is not None
            run.stdout.readline()  # one line per host as it finishes

    interrupt(project, COMMAND, moment)
    report = json.loads((project / "out.json").read_text())
    statuses = {host["name"]: host["status"] for host in report["hosts"]}
    assert report["exit_code"] == 130 and report["stopped"]
    assert len(statuses) == len(served), statuses  # every host has a line, run or not
    assert set(statuses.values()) <= {"changed", "failed", "interrupted"}, statuses

    for device in served:
        device.knobs.latency = 0.0
    # a dry run says which devices are at their intended config
    check = nornir_pack(project, "run", "deploy", "--json", "check.json")
    assert check.returncode == 0, check.stdout + check.stderr
    in_sync = {
        host["name"]: not host["steps"][0]["diff"]
        for host in json.loads((project / "check.json").read_text())["hosts"]
    }
    for device in served:
        name = device.name.split("-", 1)[1]
        running = lab.call(device.running_text)
        if in_sync[name]:
            assert running == lab.call(lambda d=device: d.startup), f"{name}: not saved"
            messages = {host["name"]: host["message"] for host in report["hosts"]}
            assert statuses[name] == "changed", (name, messages)
        else:
            assert running == snapshots[device.name], f"{name}: half-configured"
            assert statuses[name] in ("interrupted", "failed"), (name, statuses[name])
    if when == "first login":  # two workers: the other two hosts cannot have started
        assert list(statuses.values()).count("interrupted") == 2, statuses


def test_ctrl_c_during_a_rollout_finishes_the_wave_and_starts_no_other(
    project: Path, lab: Lab, served: list[Device]
) -> None:
    """Waves of 2: Ctrl-C once the first host of wave 1 is done. Wave 1's other host finishes
    (committed and saved, or rolled back); wave 2 never starts: no login on its devices, its
    hosts reported interrupted, the report lists the waves, exit 130."""
    for device in served:
        device.knobs.latency = LATENCY
    logins_before = {d.name: lab.call(lambda d=d: d.logins) for d in served}

    def first_host_done(run: subprocess.Popen[str]) -> None:
        assert run.stdout is not None
        run.stdout.readline()  # the first host of wave 1 is done

    interrupt(project, (*COMMAND, "--wave-size", "2"), first_host_done)
    report = json.loads((project / "out.json").read_text())
    statuses = {host["name"]: host["status"] for host in report["hosts"]}
    first, second = report["waves"][0]["hosts"], report["waves"][1]["hosts"]
    assert {statuses[name] for name in first} <= {"changed", "failed"}, statuses
    assert {statuses[name] for name in second} == {"interrupted"}, statuses
    for device in served:
        name = device.name.split("-", 1)[1]
        if name in second:
            assert lab.call(lambda d=device: d.logins) == logins_before[device.name], name
        if statuses[name] == "changed":
            assert lab.call(device.running_text) == lab.call(lambda d=device: d.startup), name
