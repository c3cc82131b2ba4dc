"""Fault knobs: each makes the real client fail (or slow down) the way a real device would."""

from __future__ import annotations

import time
from typing import Any

import pytest
from netmiko.exceptions import ConfigInvalidException, NetmikoAuthenticationException, ReadTimeout
from scrapli import Scrapli
from scrapli.exceptions import ScrapliAuthenticationFailed, ScrapliConnectionError, ScrapliTimeout

from nornir_pack.lab import Knobs, Lab
from tests.conftest import DeviceFactory
from tests.lab_clients import netmiko_connect, scrapli_options

# Generous bound for "fails within its timeout": the point is that it does not hang forever.
SLACK = 10.0


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_latency_delays_every_command(make_device: DeviceFactory, platform: str) -> None:
    latency = 0.4
    device = make_device(platform, knobs=Knobs(latency=latency))
    with Scrapli(**scrapli_options(device)) as conn:
        commands = ["show version", "show privilege", "show running-config | include hostname"]
        started = time.monotonic()
        responses = conn.send_commands(commands)
        elapsed = time.monotonic() - started
    assert not responses.failed
    assert elapsed >= latency * len(commands)


def test_reject_auth_raises_each_clients_auth_error(make_device: DeviceFactory) -> None:
    device = make_device("cisco_ios", knobs=Knobs(reject_auth=True))
    with pytest.raises(NetmikoAuthenticationException):
        netmiko_connect(device)
    for transport in ("system", "paramiko"):
        conn = Scrapli(**scrapli_options(device, transport=transport))
        with pytest.raises(ScrapliAuthenticationFailed):
            conn.open()
        _close_failed_login(conn.transport)  # else the lab counts a login in progress


def _close_failed_login(transport: Any) -> None:
    """What scrapli leaves open when a login fails: the ssh process, paramiko's session."""
    for part in (getattr(transport, "session", None), getattr(transport, "socket", None)):
        if part is not None:
            part.close()


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_dropped_connection_fails_netmiko_within_its_timeout(
    make_device: DeviceFactory, platform: str
) -> None:
    # netmiko's login sends terminal width, terminal length and enable: three commands
    device = make_device(platform, knobs=Knobs(drop_after=3))
    conn = netmiko_connect(device)
    conn.enable()  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(ReadTimeout):
        conn.send_command("show version", read_timeout=3)  # type: ignore[attr-defined]
    assert time.monotonic() - started < 3 + SLACK


def test_dropped_connection_fails_scrapli_with_its_error(make_device: DeviceFactory) -> None:
    # scrapli's login on IOS-XE: enable, terminal length, terminal width
    device = make_device("cisco_ios", knobs=Knobs(drop_after=3))
    conn = Scrapli(**scrapli_options(device, transport="system", timeout=5))
    conn.open()
    try:
        with pytest.raises(ScrapliConnectionError):
            conn.send_command("show version")
    finally:
        conn.transport.close()


@pytest.mark.parametrize("transport", ["system", "paramiko"])
def test_stopped_device_times_out_scrapli(make_device: DeviceFactory, transport: str) -> None:
    # scrapli's login on EOS: enable, terminal length, terminal width
    device = make_device("arista_eos", knobs=Knobs(hang_after=3))
    conn = Scrapli(**scrapli_options(device, transport=transport, timeout=2))
    conn.open()
    started = time.monotonic()
    try:
        # scrapli's timeout handler closes the transport; over paramiko that surfaces as EOF
        with pytest.raises((ScrapliTimeout, ScrapliConnectionError)):
            conn.send_command("show version")
    finally:
        conn.transport.close()
    assert time.monotonic() - started < 2 + SLACK


def test_stopped_device_times_out_netmiko(make_device: DeviceFactory) -> None:
    device = make_device("cisco_ios", knobs=Knobs(hang_after=3))
    conn = netmiko_connect(device)
    conn.enable()  # type: ignore[attr-defined]
    with pytest.raises(ReadTimeout):
        conn.send_command("show version", read_timeout=2)  # type: ignore[attr-defined]


def test_rejected_config_line_is_refused_and_changes_nothing(
    lab: Lab, make_device: DeviceFactory
) -> None:
    device = make_device("cisco_ios", knobs=Knobs(reject_lines=(r"^ntp server 192\.0\.2\.",)))
    before = lab.call(device.running_text)
    conn = netmiko_connect(device)
    conn.enable()  # type: ignore[attr-defined]
    with pytest.raises(ConfigInvalidException):
        conn.send_config_set(  # type: ignore[attr-defined]
            ["ntp server 192.0.2.1"], error_pattern=r"% Invalid input"
        )
    assert lab.call(device.running_text) == before
    conn.send_config_set(["ntp server 198.51.100.1"])  # type: ignore[attr-defined]
    assert "ntp server 198.51.100.1" in lab.call(device.running_text)
