"""Set each host's NTP servers from its inventory data ``ntp_servers``.

An example of a team's own runbook: ``nornir-pack run ntp --lab`` shows each host's diff and
changes nothing; with ``--commit`` it applies the change (snapshot first, verify, roll back on
failure). ``tests/test_ntp.py`` tests it against the lab.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.cli import run_runbook_file
from nornir_pack.exceptions import UsageError
from nornir_pack.paths import pack_path
from nornir_pack.preflight import check_templates
from nornir_pack.tasks import deploy_config

TEMPLATE = "ntp.j2"  # in template_dir (config.yaml)


def preflight(nr: Nornir, *, config: Path = Path("config.yaml")) -> None:
    """Before any login: the template loads, and every host has a list of NTP server addresses."""
    check_templates(nr, pack_path(nr.config, "template_dir"), TEMPLATE)
    for host in nr.inventory.hosts.values():
        servers = host.get("ntp_servers")
        try:
            if not isinstance(servers, list) or not servers:
                raise ValueError(servers)
            for server in servers:
                ipaddress.ip_address(server)
        except ValueError:
            raise UsageError(
                f"{config}: host '{host.name}' data ntp_servers is {servers!r}: "
                "set it to a list of IP addresses on the host, its group or the defaults"
            ) from None


def run(nr: Nornir, *, plugin: str | None = None, commit: bool = False) -> AggregatedResult:
    """Render ``ntp.j2`` for each host and deploy it (merged); a dry run unless ``commit``."""
    return nr.run(
        task=deploy_config, name="ntp", template=TEMPLATE, plugin=plugin, dry_run=not commit
    )


if __name__ == "__main__":
    sys.exit(run_runbook_file(__file__))
