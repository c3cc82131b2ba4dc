"""Serving an inventory: Lab.from_nornir and the `nornir-pack lab up` command."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from netmiko import ConnectHandler

from nornir_pack import load_nornir
from nornir_pack.lab import Lab

READY_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_inventory(folder: Path, hosts: dict[str, Any]) -> Path:
    """A Nornir config + inventory in ``folder``, in the layout of the built-in lab."""
    inventory = folder / "inventory"
    inventory.mkdir()
    (inventory / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    (inventory / "groups.yaml").write_text(
        yaml.safe_dump({"ios": {"platform": "cisco_ios"}, "eos": {"platform": "arista_eos"}})
    )
    (inventory / "defaults.yaml").write_text(
        yaml.safe_dump(
            {
                "username": "${LAB_TEST_USER:-netops}",
                "password": "${LAB_TEST_PASSWORD:-inventory-pw}",
                "connection_options": {"netmiko": {"extras": {"secret": "inventory-enable"}}},
            }
        )
    )
    config = folder / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "inventory": {
                    "plugin": "SimpleInventory",
                    "options": {
                        "host_file": "inventory/hosts.yaml",
                        "group_file": "inventory/groups.yaml",
                        "defaults_file": "inventory/defaults.yaml",
                    },
                    "transform_function": "nornir_pack_credentials",
                },
                "runner": {"plugin": "threaded", "options": {"num_workers": 4}},
            }
        )
    )
    return config


def two_hosts() -> dict[str, Any]:
    return {
        "edge1": {"hostname": "127.0.0.1", "port": free_port(), "groups": ["ios"]},
        "leaf1": {
            "hostname": "127.0.0.1",
            "port": free_port(),
            "groups": ["eos"],
            "data": {"lab": {"latency": 0.2}},
        },
        "server1": {"hostname": "127.0.0.1", "port": free_port(), "platform": "linux"},
    }


def test_from_nornir_serves_hosts_with_their_credentials_and_knobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_TEST_PASSWORD", "from-env")
    monkeypatch.chdir(tmp_path.parent)  # inventory paths resolve against the config file
    nr = load_nornir(write_inventory(tmp_path, two_hosts()))
    lab = Lab.from_nornir(nr)
    assert sorted(lab.devices) == ["edge1", "leaf1"]  # linux is not simulated
    assert lab.devices["leaf1"].knobs.latency == 0.2
    with lab:
        host = nr.inventory.hosts["edge1"]
        assert lab.devices["edge1"].port == host.port
        conn = ConnectHandler(
            device_type="cisco_ios",
            host="127.0.0.1",
            port=host.port,
            username="netops",
            password="from-env",
            secret="inventory-enable",
        )
        conn.enable()
        assert "hostname edge1" in conn.send_command("show running-config | include hostname")
        conn.disconnect()


def test_non_loopback_host_is_refused(tmp_path: Path) -> None:
    hosts = {"core": {"hostname": "10.0.0.1", "port": 22, "groups": ["ios"]}}
    nr = load_nornir(write_inventory(tmp_path, hosts))
    with pytest.raises(Exception, match="not a loopback address"):
        Lab.from_nornir(nr)


def _read_lines(stream: Any, sink: queue.Queue[str]) -> None:
    for line in stream:
        sink.put(line)
    sink.put("")


def test_lab_up_serves_until_sigterm(tmp_path: Path) -> None:
    config = write_inventory(tmp_path, two_hosts())
    process = subprocess.Popen(
        [sys.executable, "-m", "nornir_pack.cli", "lab", "up", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LAB_TEST_PASSWORD": "cli-pw"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        seen: list[str] = []
        while not any("ready" in line for line in seen):
            line = lines.get(timeout=READY_TIMEOUT)
            assert line, f"lab up exited early: {process.stderr.read() if process.stderr else ''}"
            seen.append(line)
        assert [line.split()[0] for line in seen[:-1]] == ["edge1", "leaf1"]

        hosts = yaml.safe_load((tmp_path / "inventory" / "hosts.yaml").read_text())
        conn = ConnectHandler(
            device_type="arista_eos",
            host="127.0.0.1",
            port=hosts["leaf1"]["port"],
            username="netops",
            password="cli-pw",
            secret="inventory-enable",
        )
        conn.enable()
        assert "leaf1#" in conn.find_prompt()
        conn.disconnect()
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
    assert "lab stopped" in "".join(iter(lambda: lines.get(timeout=5), ""))


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing", "config file not found"),
        ("bad-yaml", "malformed YAML"),
        ("bad-knob", "unknown lab knob 'latncy'"),
        ("remote", "not a loopback address"),
    ],
)
def test_lab_up_bad_input_is_one_line_and_exit_2(tmp_path: Path, setup: str, expected: str) -> None:
    hosts: dict[str, Any] = {
        "r1": {"hostname": "127.0.0.1", "port": free_port(), "groups": ["ios"]}
    }
    if setup == "bad-knob":
        hosts["r1"]["data"] = {"lab": {"latncy": 1}}
    if setup == "remote":
        hosts["r1"]["hostname"] = "192.0.2.10"
    config = write_inventory(tmp_path, hosts)
    if setup == "missing":
        config = tmp_path / "nope.yaml"
    if setup == "bad-yaml":
        (tmp_path / "inventory" / "hosts.yaml").write_text("r1: [unclosed\n")
    result = subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", "lab", "up", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
