"""Every host on its own device: 3 IOS and 3 EOS hosts whose connection options all come from
the defaults and groups, run with each plugin in one run.

nornir_napalm writes the host's port into the ``optional_args`` dict it is given; Nornir gives
every host that inherits it the same dict, so before the fix every IOS host after the first
reached the first host's device (and was backed up, or configured, as if it were it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.lab import Device, Lab
from tests.conftest import PASSWORD, REPO, SECRET, free_port
from tests.integration.test_cli_run import nornir_pack

PLUGINS = ("netmiko", "napalm", "scrapli")
IOS, EOS = ("ios1", "ios2", "ios3"), ("eos1", "eos2", "eos3")


def write_project(folder: Path, devices: dict[str, Device], **host_data: Any) -> None:
    """config.yaml + inventory where only hostname and ports are per host."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    shutil.copytree(
        REPO / "runbooks",
        folder / "runbooks",
        ignore=shutil.ignore_patterns("__pycache__"),
        dirs_exist_ok=True,
    )
    inventory = folder / "inventory"
    inventory.mkdir(exist_ok=True)
    defaults = {
        "username": "admin",
        "password": PASSWORD,
        "data": {"site": "lab"},
        "connection_options": {
            "netmiko": {"extras": {"secret": SECRET}},
            "scrapli": {"extras": {"auth_secondary": SECRET, "auth_strict_key": False}},
            "napalm": {"extras": {"optional_args": {"secret": SECRET}}},
        },
    }
    groups = {
        "ios": {"platform": "cisco_ios"},
        "eos": {
            "platform": "arista_eos",
            "connection_options": {
                "napalm": {"extras": {"optional_args": {"transport": "http", "secret": SECRET}}}
            },
        },
    }
    hosts: dict[str, Any] = {}
    for name, device in devices.items():
        eos = device.platform.name == "arista_eos"
        hosts[name] = {
            "hostname": "127.0.0.1",
            "port": device.port,
            "groups": ["eos" if eos else "ios"],
            "data": {key: value.format(name=name) for key, value in host_data.items()},
        }
        if eos:  # eAPI's port: the napalm connection's own port, extras from the group
            hosts[name]["connection_options"] = {"napalm": {"port": device.eapi_port}}
    for file_name, content in (("defaults", defaults), ("groups", groups), ("hosts", hosts)):
        (inventory / f"{file_name}.yaml").write_text(yaml.safe_dump(content, sort_keys=False))


@pytest.fixture
def six_devices(lab: Lab) -> Iterator[dict[str, Device]]:
    """Three IOS and three EOS lab devices, named (and so with hostnames) as the hosts."""
    suffix = free_port()  # device names are unique across the session lab
    devices = {}
    for name in (*IOS, *EOS):
        platform = "cisco_ios" if name.startswith("ios") else "arista_eos"
        devices[name] = lab.add_device(
            f"{name}-{suffix}", platform, password=PASSWORD, secret=SECRET
        )
    yield {name.split("-")[0]: device for name, device in ((d.name, d) for d in devices.values())}


def hostname_of(lab: Lab, device: Device) -> str:
    return lab.call(lambda: device.hostname)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_backup_and_deploy_reach_each_hosts_own_device(
    tmp_path: Path, lab: Lab, six_devices: dict[str, Device], plugin: str
) -> None:
    write_project(tmp_path, six_devices, snmp_location="marker-{name}-" + plugin)
    for device in six_devices.values():
        assert hostname_of(lab, device) == device.name

    backup = nornir_pack(tmp_path, "run", "backup", "--plugin", plugin)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    for name, device in six_devices.items():
        text = (tmp_path / "backups" / f"{name}.cfg").read_text()
        assert f"hostname {device.name}\n" in text, f"{name}'s backup is another device's"

    deploy = nornir_pack(tmp_path, "run", "deploy", "--plugin", plugin, "--commit")
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    for name, device in six_devices.items():
        running = lab.call(device.running_text)
        markers = sorted(line for line in running.splitlines() if "marker-" in line)
        assert markers == [f"snmp-server location marker-{name}-{plugin}"], (name, markers)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_host_that_reaches_another_device_fails_before_reading_it(
    tmp_path: Path, lab: Lab, six_devices: dict[str, Device], plugin: str
) -> None:
    """ios2 and ios3 have each other's port: with expected_hostname set, both fail on login."""
    write_project(tmp_path, six_devices)
    hosts_file = tmp_path / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts["ios2"]["port"], hosts["ios3"]["port"] = hosts["ios3"]["port"], hosts["ios2"]["port"]
    for name, device in six_devices.items():
        hosts[name]["data"]["nornir_pack"] = {"expected_hostname": device.name}
    hosts_file.write_text(yaml.safe_dump(hosts))

    backup = nornir_pack(tmp_path, "run", "backup", "--plugin", plugin, "--json", "out.json")
    assert backup.returncode == 1, backup.stdout + backup.stderr
    report = yaml.safe_load((tmp_path / "out.json").read_text())
    status = {host["name"]: host for host in report["hosts"]}
    for wrong, other in (("ios2", "ios3"), ("ios3", "ios2")):
        assert status[wrong]["status"] == "failed"
        message = status[wrong]["message"]
        assert f"calls itself '{six_devices[other].name}'" in message, message
        assert f"expects '{six_devices[wrong].name}'" in message, message
        assert not (tmp_path / "backups" / f"{wrong}.cfg").exists()
    assert {status[name]["status"] for name in ("ios1", *EOS)} == {"changed"}
