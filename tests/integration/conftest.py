"""nornir-pack as a user gets it: a wheel built from this checkout, in a fresh virtual env.

Built once per session and only when a test asks for it (the wheel and the install take about
half a minute). The source is copied first, so that the build writes nothing into the checkout.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from nornir_pack.lab import PLATFORMS, Device, Lab
from tests.conftest import PASSWORD, SECRET

REPO = Path(__file__).resolve().parents[2]
_serial = itertools.count(1)
INSTALL_TIMEOUT = 600


@dataclass(frozen=True)
class Installed:
    """A virtual env with nornir-pack[test] installed from its wheel, pinned by constraints."""

    venv: Path
    wheelhouse: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a shell in this venv: its bin/ first on PATH, and pip finding
        nornir-pack in the wheelhouse (as in a team's package index) within the constraints."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL"))}
        return {
            **base,
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(self.venv),
            "PIP_FIND_LINKS": f"{self.wheelhouse} {os.environ.get('PIP_FIND_LINKS', '')}".strip(),
            "PIP_CONSTRAINT": str(REPO / "constraints.txt"),
            **extra,
        }

    def shell(
        self, script: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: int = 600
    ) -> subprocess.CompletedProcess[str]:
        """``bash -e`` running ``script`` in ``cwd`` with this venv active."""
        return subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=cwd,
            env=self.env(**(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _run(*args: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(
        REPO / "nornir_pack",
        source / "nornir_pack",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheelhouse, source)
    wheels = list(wheelhouse.glob("nornir_pack-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", venv)
    _run(
        venv / "bin" / "pip",
        "install",
        "-q",
        "-c",
        REPO / "constraints.txt",
        f"{wheels[0]}[test]",
    )
    return Installed(venv=venv, wheelhouse=wheelhouse)


@pytest.fixture
def served(project: Path, lab: Lab) -> list[Device]:
    """A lab device for each host of the project, with the inventory's credentials and
    hostname. The lab picks the ports (SSH, and eAPI for EOS) while it listens, and the
    project's inventory is pointed at them, so no other process can take them in between."""
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    groups = yaml.safe_load((project / "inventory" / "groups.yaml").read_text())
    devices = []
    for name, host in hosts.items():
        platform = host.get("platform") or groups[host["groups"][0]]["platform"]
        device = lab.add_device(
            f"served{next(_serial)}-{name}",
            platform,
            password=PASSWORD,
            secret=SECRET,
            config=PLATFORMS[platform].seed(name, 0),
        )
        host["port"] = device.port
        napalm = host.get("connection_options", {}).get("napalm", {})
        if "port" in napalm:
            napalm["port"] = device.eapi_port
        devices.append(device)
    hosts_file.write_text(yaml.safe_dump(hosts))
    return devices
