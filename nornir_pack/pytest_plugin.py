"""pytest plugin: serve the lab for an inventory, so a team tests its own runbooks in its own CI.

Installed with nornir-pack (entry point ``pytest11``), so pytest loads it in every session of an
environment that has nornir-pack: it imports Nornir and the lab only when a test asks for the
``nornir_lab`` fixture. In a test::

    def test_backup(nornir_lab, tmp_path):
        result = nornir_lab.nr.run(task=backup_config, backup_dir=tmp_path)
        assert not result.failed
        assert not nornir_lab.run("deploy", commit=True).failed  # a runbook, by name

The inventory comes from ``nornir_pack_config`` in the pytest ini file (default
``config.yaml``), or per test from ``@pytest.mark.nornir_pack_config("path/to/config.yaml")``.
Every test gets freshly booted devices, so one test's changes never leak into the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from nornir.core import Nornir
    from nornir.core.task import AggregatedResult

    from .lab import Lab

INI_OPTION = "nornir_pack_config"
MARKER = "nornir_pack_config"


@dataclass(frozen=True)
class LabSession:
    """A Nornir object for the inventory, the lab serving its hosts, and the config file."""

    nr: Nornir
    lab: Lab
    config: Path

    def run(self, runbook: str, **options: Any) -> AggregatedResult:
        """Run a runbook by name (``runbooks/NAME.py`` beside config.yaml, else a built-in)
        or path on these hosts, as ``nornir-pack run`` finds it; ``options`` are the keywords
        its ``run`` declares (``commit=True``, ``plugin="netmiko"``). No pre-flight, no
        report: the results are returned for the test to check."""
        from .preflight import accepts  # noqa: PLC0415 (pytest starts without Nornir)
        from .project import find_runbook  # noqa: PLC0415
        from .runbook import load_runbook  # noqa: PLC0415

        entry = load_runbook(find_runbook(runbook, self.config).path)
        given = {key: value for key, value in options.items() if accepts(entry, key)}
        unknown = sorted(set(options) - set(given))
        if unknown:
            raise TypeError(f"runbook '{runbook}' takes no {', '.join(unknown)}")
        return entry(self.nr, **given)


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
    from .inventory import load_nornir  # noqa: PLC0415 (pytest starts without Nornir)
    from .lab import Lab  # noqa: PLC0415

    marker = request.node.get_closest_marker(MARKER)
    configured = marker.args[0] if marker else request.config.getini(INI_OPTION)
    path = Path(configured)
    if not path.is_absolute():
        path = Path(request.config.rootpath) / path
    nr = load_nornir(path)
    with Lab.from_nornir(nr) as lab:
        try:
            yield LabSession(nr=nr, lab=lab, config=path)
        finally:
            nr.close_connections(on_good=True, on_failed=True)
