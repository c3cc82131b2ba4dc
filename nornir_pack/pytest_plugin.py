"""pytest plugin: serve the lab for an inventory, so a team tests its own runbooks in its own CI.

Installed with nornir-pack (entry point ``pytest11``). In a test::

    def test_backup(nornir_lab):
        result = nornir_lab.nr.run(task=backup_config, backup_dir=tmp_path)
        assert not result.failed

The inventory comes from ``nornir_pack_config`` in the pytest ini file (default
``config.yaml``), or per test from ``@pytest.mark.nornir_pack_config("path/to/config.yaml")``.
Every test gets freshly booted devices, so one test's changes never leak into the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from nornir.core import Nornir

from .inventory import load_nornir
from .lab import Lab

INI_OPTION = "nornir_pack_config"
MARKER = "nornir_pack_config"


@dataclass(frozen=True)
class LabSession:
    """A Nornir object for the inventory, and the lab serving its hosts."""

    nr: Nornir
    lab: Lab


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        "Nornir config whose inventory the nornir_lab fixture serves",
        default="config.yaml",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(path): Nornir config for the nornir_lab fixture")


@pytest.fixture
def nornir_lab(request: pytest.FixtureRequest) -> Iterator[LabSession]:
    """Freshly booted lab devices for the inventory, and a Nornir object pointing at them."""
    marker = request.node.get_closest_marker(MARKER)
    configured = marker.args[0] if marker else request.config.getini(INI_OPTION)
    path = Path(configured)
    if not path.is_absolute():
        path = Path(request.config.rootpath) / path
    nr = load_nornir(path)
    with Lab.from_nornir(nr) as lab:
        try:
            yield LabSession(nr=nr, lab=lab)
        finally:
            nr.close_connections(on_good=True, on_failed=True)
