"""Check every selected host against the compliance rules and its intended config.

Each rule is reported per host (one JUnit case per host x rule with ``--junit``); a host that is
not compliant makes the run exit 1. The report carries the remediation that would fix it.
Settings under ``user_defined.nornir_pack`` in config.yaml, relative to its folder:
  rules         the rules file (default: the lab example's, ``compliance.yaml`` here)
  template_dir  the intended configs feature rules compare against (default: the lab example's)

Before any login, ``preflight`` loads the rules and, for feature rules, checks the templates.

Run: ``nornir-pack run compliance [-c CONFIG] [--lab] [--junit out.xml]``.
"""

from __future__ import annotations

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.paths import pack_path
from nornir_pack.preflight import check_rules
from nornir_pack.tasks import check_compliance


def preflight(nr: Nornir) -> None:
    """A broken rules file or template would fail every host: refuse it before any login."""
    check_rules(nr, pack_path(nr.config, "rules"), pack_path(nr.config, "template_dir"))


def run(nr: Nornir, *, plugin: str | None = None) -> AggregatedResult:
    """Evaluate the compliance rules on each host's running config."""
    return nr.run(task=check_compliance, name="compliance", plugin=plugin)
