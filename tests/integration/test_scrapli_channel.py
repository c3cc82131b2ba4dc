"""nornir-pack's scrapli connection (one event loop, one write per input) against the lab.

The channel sends each input with its return in one SSH packet and reads the reply past the
echo; these tests drive the real scrapli driver over asyncssh through that channel and check
that what scrapli reports is unchanged: results, refused commands, config pushes, prompts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from scrapli.driver.core.arista_eos.base_driver import PRIVS
from scrapli.exceptions import ScrapliTimeout

from nornir_pack.backends import sshconfig
from nornir_pack.backends.aio import LOOP, ScrapliConnection, TimerReadTransport
from nornir_pack.lab import Knobs, Lab
from nornir_pack.lab.device import Device
from nornir_pack.logins import LoginPolicy, login, login_policy
from tests.conftest import DeviceFactory
from tests.lab_clients import PASSWORD, SECRET

PLATFORMS = {"cisco_ios": "cisco_iosxe", "arista_eos": "arista_eos"}


@pytest.fixture(params=list(PLATFORMS))
def device(request: pytest.FixtureRequest, make_device: DeviceFactory) -> Device:
    return make_device(request.param)


def log_in(device: Device, **extras: object) -> ScrapliConnection:
    """nornir-pack's scrapli connection, opened on ``device`` (on-open commands not run)."""
    plugin = ScrapliConnection()
    plugin.open(
        "127.0.0.1",
        "admin",
        PASSWORD,
        device.port,
        PLATFORMS[device.platform.name],
        {"auth_secondary": SECRET, "auth_strict_key": False, "timeout_ops": 10, **extras},
    )
    return plugin


@pytest.fixture
def session(device: Device) -> Iterator[tuple[ScrapliConnection, list[bytes]]]:
    """A logged-in session and every write its transport made after the login."""
    plugin = log_in(device)
    connection = plugin.connection
    transport = connection.connection.transport
    writes: list[bytes] = []
    write = transport.write

    def counted(channel_input: bytes) -> None:
        writes.append(channel_input)
        write(channel_input)

    transport.write = counted
    connection.after_login()
    try:
        yield plugin, writes
    finally:
        plugin.close()


def test_each_input_goes_out_with_its_return_in_one_write(
    session: tuple[ScrapliConnection, list[bytes]],
) -> None:
    plugin, writes = session
    # enable and its password, terminal length and width: no bare return to ask for a prompt
    assert writes and all(w.endswith(b"\n") and w.strip() for w in writes), writes
    before = len(writes)
    version = plugin.connection.send_command("show version")
    assert writes[before:] == [b"show version\n"]
    assert not version.failed
    assert version.result.strip() and "show version" not in version.result


def test_the_terminal_settings_go_out_at_once_and_the_device_takes_each(
    lab: Lab, device: Device, session: tuple[ScrapliConnection, list[bytes]]
) -> None:
    plugin, writes = session
    width = "512" if device.platform.name == "cisco_ios" else "32767"  # scrapli's on_open's
    settings = ("terminal length 0", f"terminal width {width}")
    assert [w for w in writes if w.startswith(b"terminal")] == [
        "".join(f"{line}\n" for line in settings).encode()
    ]
    hostname = lab.call(lambda: device.hostname)
    channel = plugin.connection.connection.channel
    lines = LOOP.run(channel.send_lines(settings)).decode().splitlines()
    echoes = [line for line in lines if line.endswith(settings)]
    assert echoes == [settings[0], f"{hostname}#{settings[1]}"]  # each read in turn
    assert not [line for line in lines if line.lstrip().startswith("%")]  # nor refused
    assert [line for line in lines if line.strip()][-1] == f"{hostname}#"
    assert plugin.connection.get_prompt() == f"{hostname}#"


def test_results_prompts_and_refusals_are_scraplis(
    lab: Lab, device: Device, session: tuple[ScrapliConnection, list[bytes]]
) -> None:
    plugin, _ = session
    connection = plugin.connection
    hostname = lab.call(lambda: device.hostname)
    assert connection.get_prompt() == f"{hostname}#"

    running = connection.send_command("show running-config").result
    assert running.startswith(("Building configuration", "! Command:", "!")), running[:80]
    assert f"hostname {hostname}" in running
    assert not running.rstrip().endswith("#")  # the prompt is stripped, as scrapli does

    interface = "GigabitEthernet2" if device.platform.name == "cisco_ios" else "Ethernet2"
    pushed = connection.send_configs([f"interface {interface}", " description one write"])
    assert not pushed.failed
    assert "description one write" in lab.call(device.running_text)
    # the prompt is the device's own: scrapli stays in the mode its last line entered
    assert connection.get_prompt().startswith(f"{hostname}(config")

    refused = connection.send_command("show runningconfig")  # scrapli ends config mode first
    assert refused.failed
    assert connection.get_prompt() == f"{hostname}#"
    assert connection.send_command("show version").result  # the session still answers


@pytest.mark.parametrize(
    ("extras", "cipher"),
    [
        ({}, "aes128-gcm@openssh.com"),  # offered first: asyncssh keeps its keys
        ({"transport_options": {"asyncssh": {"encryption_algs": ["aes256-ctr"]}}}, "aes256-ctr"),
    ],
)
def test_the_cipher_is_aes_gcm_unless_the_inventory_says_otherwise(
    make_device: DeviceFactory, extras: dict[str, object], cipher: str
) -> None:
    plugin = log_in(make_device("cisco_ios"), **extras)
    try:
        session = plugin.connection.connection.transport.session
        assert session.get_extra_info("send_cipher") == cipher
        assert session.get_extra_info("recv_cipher") == cipher
    finally:
        plugin.close()


@pytest.mark.parametrize(
    ("extras", "method"),
    [
        ({}, "password"),  # one round trip; keyboard-interactive takes two for the same password
        (
            {"transport_options": {"asyncssh": {"preferred_auth": ["keyboard-interactive"]}}},
            "keyboard-interactive",
        ),
    ],
)
def test_the_login_sends_the_password_unless_the_inventory_says_otherwise(
    make_device: DeviceFactory,
    caplog: pytest.LogCaptureFixture,
    extras: dict[str, object],
    method: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="asyncssh")
    asyncssh.set_debug_level(2)
    try:
        plugin = log_in(make_device("cisco_ios"), **extras)
        plugin.close()
    finally:
        asyncssh.set_debug_level(1)
    messages = [record.getMessage() for record in caplog.records]
    tried = [m.partition("] ")[2] for m in messages if m.endswith(" auth") and "Trying " in m]
    # asyncssh: "[conn=N, auth] Trying password auth" (the lab's side logs it too)
    assert set(tried) == {f"Trying {method} auth"}, tried
    # no "none" request first: the device never had to answer with the methods it takes
    assert not [m for m in messages if "Remaining auth methods" in m]


@pytest.mark.parametrize(
    ("transport_timeout", "ops_timeout", "message"),
    [
        (1, 30, "timed out reading from transport"),  # each read's own bound
        (30, 1, "timed out sending input to device"),  # the command's, over reads with none
    ],
)
def test_a_device_that_stops_answering_times_out_and_closes_the_session(
    make_device: DeviceFactory, transport_timeout: float, ops_timeout: float, message: str
) -> None:
    # answers the login's commands (enable, terminal length, terminal width), then nothing
    device = make_device("cisco_ios", knobs=Knobs(hang_after=3))
    plugin = log_in(device, timeout_transport=transport_timeout, timeout_ops=ops_timeout)
    connection = plugin.connection
    assert isinstance(connection.connection.transport, TimerReadTransport)
    connection.after_login()
    started = time.monotonic()
    with pytest.raises(ScrapliTimeout, match=message):
        connection.send_command("show running-config")
    assert time.monotonic() - started < 5  # the shorter bound (1 s), never the 30 s one
    assert not connection.connection.isalive()


@pytest.mark.parametrize(
    ("config", "interval"),
    [
        ("Host *\n    ServerAliveInterval 7\n", 7),  # parsed once for every session
        ("Host 127.0.0.1\n    ServerAliveInterval 9\n", 9),  # per host: asyncssh parses it
    ],
)
def test_the_ssh_config_file_applies_whether_it_is_shared_or_per_host(
    make_device: DeviceFactory, tmp_path: Path, config: str, interval: int
) -> None:
    path = tmp_path / "ssh_config"
    path.write_text(config)
    plugin = log_in(make_device("cisco_ios"), ssh_config_file=str(path))
    try:
        session = plugin.connection.connection.transport.session
        assert session._keepalive_interval == interval
        shared = interval == 7
        assert (sshconfig.shared_options(str(path)) is not None) is shared
        # the session started from the shared parse (no path for asyncssh to parse again)
        assert (session._options.kwargs["config"] == ()) is shared
    finally:
        plugin.close()


def test_a_scrapli_login_gives_its_place_back_once_the_device_took_the_password(
    make_device: DeviceFactory,
) -> None:
    """max_logins counts what AAA and sshd's MaxStartups count: the channel, terminal and
    shell that follow the authentication hold no place (the lab's gauge ends there too)."""
    device = make_device("cisco_ios")
    other_in = threading.Event()
    opened: list[ScrapliConnection] = []

    def connect() -> None:
        opened.append(log_in(device))
        # still inside the first login's connect: a second login gets the only place
        other = threading.Thread(target=login, args=("r2", other_in.set))
        other.start()
        assert other_in.wait(10), "the place was held past the authentication"
        other.join(10)

    with login_policy(LoginPolicy(max_logins=1)):
        login("r1", connect)
    opened[0].close()


def test_sessions_share_the_platform_levels_but_a_registered_session_stays_their_own(
    make_device: DeviceFactory,
) -> None:
    defaults = dict(PRIVS)
    first, second = (log_in(make_device("arista_eos")) for _ in range(2))
    try:
        one, two = first.connection.connection, second.connection.connection
        one.register_configuration_session("nornir-pack-1")
        assert "nornir-pack-1" in one.privilege_levels
        assert "nornir-pack-1" not in two.privilege_levels
        assert defaults == PRIVS  # scrapli's own table untouched
        first.connection.after_login()
        second.connection.after_login()
        assert "hostname" in first.connection.send_command("show running-config").result
    finally:
        first.close()
        second.close()
