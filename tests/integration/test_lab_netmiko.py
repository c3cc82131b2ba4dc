"""The real netmiko client drives the simulated devices over SSH."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from netmiko import BaseConnection
from netmiko.exceptions import ConfigInvalidException

from nornir_pack.lab import Device, Lab
from tests.conftest import DeviceFactory
from tests.lab_clients import netmiko_connect

PLATFORMS = ["cisco_ios", "arista_eos"]


@pytest.fixture(params=PLATFORMS)
def session(
    request: pytest.FixtureRequest, make_device: DeviceFactory
) -> Iterator[tuple[BaseConnection, Device]]:
    device = make_device(request.param)
    conn = netmiko_connect(device)
    yield conn, device
    conn.disconnect()


def test_connect_enable_and_show_running(session: tuple[BaseConnection, Device]) -> None:
    conn, device = session
    assert conn.find_prompt() == f"{device.name}>"
    conn.enable()
    assert conn.check_enable_mode()
    output = conn.send_command("show running-config")
    assert f"hostname {device.name}" in output
    assert "interface Loopback0" in output
    assert output.rstrip().endswith("end")


def test_nested_change_reaches_running_then_startup(
    lab: Lab, session: tuple[BaseConnection, Device]
) -> None:
    conn, device = session
    conn.enable()
    conn.send_config_set(["interface Loopback0", "description changed by netmiko"])

    section = conn.send_command("show running-config | section interface Loopback0")
    assert "description changed by netmiko" in section
    assert "description Router ID" not in section  # description replaces, never duplicates
    running = lab.call(device.running_text)
    loopback = running[running.index("interface Loopback0") :].split("!")[0]
    assert "description changed by netmiko" in loopback
    assert "changed by netmiko" not in lab.call(lambda: device.startup)

    conn.save_config()
    assert "description changed by netmiko" in conn.send_command("show startup-config")


def test_invalid_config_line_raises_with_error_pattern(
    lab: Lab, session: tuple[BaseConnection, Device]
) -> None:
    conn, device = session
    conn.enable()
    before = lab.call(device.running_text)
    with pytest.raises(ConfigInvalidException):
        conn.send_config_set(
            ["interface Loopback0", "descriptoin typo"], error_pattern=r"% Invalid input"
        )
    assert lab.call(device.running_text) == before


def test_hostname_change_moves_the_prompt(make_device: DeviceFactory) -> None:
    device = make_device("cisco_ios")
    conn = netmiko_connect(device)
    try:
        conn.enable()
        conn.send_config_set(["hostname edge-9"], exit_config_mode=False)
        assert conn.find_prompt() == "edge-9(config)#"
        conn.exit_config_mode()
        assert conn.find_prompt() == "edge-9#"
    finally:
        conn.disconnect()
