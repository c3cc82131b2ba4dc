"""``--lab`` past LAB_IN_PROCESS_HOSTS: the devices are served by ``nornir-pack lab up`` in a
child process, started before the first login and stopped (state saved) after the run."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nornir_pack.exceptions import LabConfigError
from nornir_pack.inventory import load_nornir
from nornir_pack.lab.process import LabProcess
from nornir_pack.runbook import LAB_IN_PROCESS_HOSTS, RunOptions, serve_lab

HOSTS = LAB_IN_PROCESS_HOSTS + 10


@pytest.fixture
def big_project(project: Path) -> Path:
    """The shipped project with HOSTS lab devices, half IOS and half EOS, on free ports."""
    ports = iter(distinct_free_ports(2 * HOSTS))
    hosts = {}
    for index in range(HOSTS):
        eos = index % 2 == 1
        hosts[f"{'sw' if eos else 'r'}{index:03d}"] = {
            "hostname": "127.0.0.1",
            "port": next(ports),
            "groups": ["eos" if eos else "ios"],
            **({"connection_options": {"napalm": {"port": next(ports)}}} if eos else {}),
        }
    (project / "inventory" / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    return project


def distinct_free_ports(count: int) -> list[int]:
    """Free ports, all different: each probe stays bound until every port is chosen (a port
    released at once may be handed out again by the next probe)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def lab_children(config: Path) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"lab up -c {config}"], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def test_many_hosts_are_served_by_a_child_process_for_the_run_only(big_project: Path) -> None:
    config = big_project / "config.yaml"
    nr = load_nornir(config)
    port = nr.inventory.hosts["r000"].port
    assert port is not None
    with serve_lab(nr, RunOptions(config=config, lab=True)) as lab:
        assert isinstance(lab, LabProcess)
        assert lab.process is not None and lab.process.poll() is None
        assert accepts(port)
        assert lab_children(config) == [str(lab.process.pid)]
    assert lab.process.returncode is not None
    assert not accepts(port)


def test_a_few_hosts_are_served_in_process(project: Path) -> None:
    config = project / "config.yaml"
    lab = serve_lab(load_nornir(config), RunOptions(config=config, lab=True))
    assert not isinstance(lab, LabProcess)


def test_run_with_lab_backs_up_every_host_and_leaves_no_lab_behind(big_project: Path) -> None:
    report = big_project / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", "run", "backup", "--lab", "--json", str(report)],
        cwd=big_project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    hosts = json.loads(report.read_text())["hosts"]
    assert len(hosts) == HOSTS
    assert {host["status"] for host in hosts} <= {"ok", "changed"}
    assert len(list((big_project / "backups").glob("*.cfg"))) == HOSTS
    assert lab_children(big_project / "config.yaml") == []


def test_selected_hosts_only_are_served(big_project: Path) -> None:
    config = big_project / "config.yaml"
    nr = load_nornir(config)
    names = sorted(nr.inventory.hosts)[: LAB_IN_PROCESS_HOSTS + 1]
    unselected = nr.inventory.hosts[sorted(nr.inventory.hosts)[-1]].port
    selected = nr.filter(filter_func=lambda host: host.name in names)
    with serve_lab(selected, RunOptions(config=config, hosts=names, lab=True)) as lab:
        assert isinstance(lab, LabProcess)
        assert accepts(selected.inventory.hosts[names[0]].port or 0)
        assert not accepts(unselected or 0)


def test_a_lab_that_cannot_start_says_why(big_project: Path) -> None:
    config = big_project / "config.yaml"
    with pytest.raises(LabConfigError, match=r"the lab did not start: .*nobody"):
        LabProcess(config, ["nobody"]).__enter__()
