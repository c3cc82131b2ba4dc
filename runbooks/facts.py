"""Read each host's facts with the connection libraries' own Nornir tasks.

An example of a team's runbook built from plain nornir_scrapli, nornir_netmiko and nornir_napalm
tasks. The inventory names platforms once (``cisco_ios``, ``arista_eos``); the credentials
transform of nornir-pack gives each library its own name for them (``cisco_iosxe`` for scrapli,
``ios`` and ``eos`` for NAPALM), so these tasks work unchanged.
Run: ``nornir-pack run facts --lab`` or ``python runbooks/facts.py --lab``.
"""

from __future__ import annotations

import sys
from typing import Any

from nornir.core import Nornir
from nornir.core.task import AggregatedResult, Result, Task
from nornir_napalm.plugins.tasks import napalm_get
from nornir_netmiko.tasks import netmiko_send_command
from nornir_scrapli.tasks import send_command

from nornir_pack.cli import run_runbook_file


def facts(task: Task) -> Result:
    """One host, over each library in turn: what the device says about itself."""
    scrapli = task.run(task=send_command, command="show version").result
    netmiko = task.run(task=netmiko_send_command, command_string="show version").result
    napalm: dict[str, Any] = task.run(task=napalm_get, getters=["facts"]).result["facts"]
    return Result(
        host=task.host,
        result={
            "hostname": napalm["hostname"],
            "os_version": napalm["os_version"],
            "same_show_version": scrapli.strip() == netmiko.strip(),
        },
    )


def run(nr: Nornir) -> AggregatedResult:
    """Every selected host's facts."""
    return nr.run(task=facts, name="facts")


if __name__ == "__main__":
    sys.exit(run_runbook_file(__file__))
