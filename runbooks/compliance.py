"""Check every selected host against ``compliance.yaml`` and its intended config.

Each rule is reported per host (one JUnit case per host x rule with ``--junit``); a host that is
not compliant makes the run exit 1. The report carries the remediation that would fix it.
Before any login, ``preflight`` loads the rules and, for feature rules, checks the templates.

Run: ``nornir-pack run compliance [--lab] [--junit out.xml]`` or ``python runbooks/compliance.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.cli import run_runbook_file
from nornir_pack.compliance import load_rules
from nornir_pack.preflight import check_rules
from nornir_pack.tasks import check_compliance

HERE = Path(__file__).parent


def preflight(nr: Nornir) -> None:
    """A broken rules file or template would fail every host: refuse it before any login."""
    check_rules(nr, HERE / "compliance.yaml", HERE / "templates")


def run(nr: Nornir, *, plugin: str | None = None) -> AggregatedResult:
    """Evaluate the compliance rules on each host's running config."""
    rules = HERE / "compliance.yaml"
    load_rules(rules)  # a malformed rules file is a usage error, before any device is touched
    return nr.run(
        task=check_compliance,
        name="compliance",
        rules=str(rules),
        plugin=plugin,
        template_dir=str(HERE / "templates"),
    )


if __name__ == "__main__":
    sys.exit(run_runbook_file(__file__))
