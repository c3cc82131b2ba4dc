"""This project's runbooks, tested against lab devices that nornir-pack serves for the inventory.

The ``nornir_lab`` fixture (nornir-pack's pytest plugin) boots every host of config.yaml's
inventory afresh for each test; ``nornir_lab.run`` runs a runbook as ``nornir-pack run`` finds it.
"""

from __future__ import annotations

from nornir_pack.pytest_plugin import LabSession


def test_ntp_dry_run_shows_the_change_and_makes_none(nornir_lab: LabSession) -> None:
    results = nornir_lab.run("ntp")
    assert not results.failed
    assert "+ ntp server 10.0.0.2" in results["r1"][0].diff
    r1 = nornir_lab.lab.devices["r1"]
    assert "ntp server 10.0.0.2" not in nornir_lab.lab.call(r1.running_text)


def test_ntp_commit_configures_every_host_once(nornir_lab: LabSession) -> None:
    assert not nornir_lab.run("ntp", commit=True).failed
    for name, device in nornir_lab.lab.devices.items():
        assert "ntp server 10.0.0.2" in nornir_lab.lab.call(device.running_text), name
    again = nornir_lab.run("ntp", commit=True)
    assert not any(again[host][0].changed for host in again)
