"""Shared fixtures: one lab per test session, a fresh device per test."""

from __future__ import annotations

import itertools
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.lab import Device, Lab
from nornir_pack.lab.shell import Shell
from nornir_pack.paths import BUILTIN_RULES, BUILTIN_TEMPLATES

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "lab-password"
SECRET = "lab-enable"

_names = itertools.count(1)

DeviceFactory = Callable[..., Device]


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    with Lab() as running:
        yield running


@pytest.fixture
def make_device(lab: Lab) -> DeviceFactory:
    """Add a freshly booted device (seed config, ephemeral port) to the session's lab."""

    def factory(platform: str = "cisco_ios", **settings: Any) -> Device:
        settings.setdefault("password", PASSWORD)
        settings.setdefault("secret", SECRET)
        name = f"{platform.split('_', maxsplit=1)[0]}{next(_names)}"
        return lab.add_device(name, platform, **settings)

    return factory


def configure(lab: Lab, device: Device, *lines: str) -> None:
    """Type config lines at the device's CLI and save them: the device as its operator left
    it, set up without a login (the device's login count does not move)."""

    def run() -> None:
        shell = Shell(device, "admin")
        shell.privileged = True
        for line in ("configure terminal", *lines, "end"):
            shell.handle(line)
        device.save()

    lab.call(run)


def own_file_prompt_quiet(lab: Lab, device: Device) -> bool:
    """Give an IOS device the ``file prompt quiet`` of its own that a NAPALM commit-confirm
    needs there (see ``NapalmBackend.apply_pending``); whether it got one."""
    if device.platform.name != "cisco_ios":
        return False
    configure(lab, device, "file prompt quiet")
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A team's project: the repository's config, inventory and example runbooks on free
    ports, with templates and rules of its own (copies of the built-ins) in runbooks/, named
    by config.yaml's template_dir and rules."""
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    shutil.copytree(
        REPO / "runbooks", tmp_path / "runbooks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(BUILTIN_TEMPLATES, tmp_path / "runbooks" / "templates")
    shutil.copy(BUILTIN_RULES, tmp_path / "runbooks" / "compliance.yaml")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["user_defined"]["nornir_pack"].update(
        template_dir="runbooks/templates", rules="runbooks/compliance.yaml"
    )
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    hosts_file = tmp_path / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    for host in hosts.values():
        host["port"] = free_port()
        napalm = host.get("connection_options", {}).get("napalm", {})
        if "port" in napalm:  # eAPI
            napalm["port"] = free_port()
    hosts_file.write_text(yaml.safe_dump(hosts))
    return tmp_path
