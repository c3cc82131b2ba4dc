"""The real NAPALM drivers run their whole config lifecycle against the lab.

``ios`` over netmiko, with candidates copied by SCP and again by tclsh (``inline_transfer``),
diffed with the archive and committed with ``configure replace``; ``eos`` over eAPI (HTTP) with
configuration sessions. Every check reads the device's own state through ``Lab.call``.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import paramiko
import pytest
from napalm import get_network_driver
from napalm.base import NetworkDriver
from napalm.base.exceptions import (
    MergeConfigException,
    ReplaceConfigException,
    SessionLockedException,
)
from scp import SCPClient
from scrapli import Scrapli

from nornir_pack.lab import Device, Knobs, Lab
from tests.conftest import PASSWORD, SECRET, DeviceFactory, configure
from tests.lab_clients import scrapli_options

# One NAPALM flavour per id: (lab platform, driver, extra optional_args)
FLAVOURS = {
    "ios-scp": ("cisco_ios", "ios", {}),
    "ios-inline": ("cisco_ios", "ios", {"inline_transfer": True}),
    "eos-eapi": ("arista_eos", "eos", {}),
}
UPLINK = "description Uplink to core"  # in both seeds, on the first uplink interface
MINUTE = 3.0  # real seconds in a device minute, for the revert timers


@dataclass
class Target:
    lab: Lab
    device: Device
    flavour: str
    drivers: list[NetworkDriver]

    @property
    def ios(self) -> bool:
        return self.device.platform.name == "cisco_ios"

    def open(self) -> NetworkDriver:
        """A connected NAPALM driver, closed at the end of the test."""
        _, name, extra = FLAVOURS[self.flavour]
        if self.ios:
            args: dict[str, Any] = {"port": self.device.port, "secret": SECRET, **extra}
        else:
            args = {"transport": "http", "port": self.device.eapi_port, **extra}
        driver = get_network_driver(name)("127.0.0.1", "admin", PASSWORD, optional_args=args)
        driver.open()
        self.drivers.append(driver)
        return driver

    def running(self) -> str:
        return self.lab.call(self.device.running_text)


@pytest.fixture(params=list(FLAVOURS))
def target(
    request: pytest.FixtureRequest, lab: Lab, make_device: DeviceFactory
) -> Iterator[Target]:
    flavour = str(request.param)
    device = make_device(FLAVOURS[flavour][0], knobs=Knobs(minute_seconds=MINUTE))
    made = Target(lab, device, flavour, [])
    yield made
    for driver in made.drivers:
        with contextlib.suppress(Exception):  # a test that failed half-way may leave nothing
            driver.close()


def changed_lines(diff: str) -> set[str]:
    """The +/- lines of an IOS contextual or an EOS unified diff, as ``+text`` / ``-text``."""
    changed = set()
    for line in diff.splitlines():
        text = line.strip()
        if text[:1] in "+-" and not text.startswith(("+++", "---")):
            changed.add(text[0] + text[1:].strip())
    return changed


def candidate_from(running: str) -> str:
    """A replace candidate: one description changed, one NTP server swapped for another."""
    lines = running.replace(UPLINK, "description Replaced by NAPALM").splitlines()
    lines = ["ntp server 10.0.0.5" if line == "ntp server 10.0.0.99" else line for line in lines]
    return "\n".join(lines) + "\n"


EXPECTED_REPLACE = {
    f"-{UPLINK}",
    "+description Replaced by NAPALM",
    "-ntp server 10.0.0.99",
    "+ntp server 10.0.0.5",
}


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll a device condition until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_open_facts_and_running_config(target: Target) -> None:
    driver = target.open()
    facts = driver.get_facts()
    device = target.device
    assert facts["hostname"] == device.hostname
    assert facts["model"] == device.platform.model
    assert facts["serial_number"] == device.serial
    assert device.platform.os_version in facts["os_version"]
    assert facts["fqdn"] == device.fqdn

    def interfaces() -> list[str]:
        return target.lab.call(
            lambda: [
                n.text.split()[1]
                for n in device.running.children
                if n.text.startswith("interface ")
            ]
        )

    assert sorted(facts["interface_list"]) == sorted(interfaces())
    configure(target.lab, target.device, "interface Loopback42", "description added for facts")
    assert "Loopback42" in driver.get_facts()["interface_list"]
    assert sorted(driver.get_facts()["interface_list"]) == sorted(interfaces())

    running = driver.get_config(retrieve="running")["running"]
    body = [line for line in running.splitlines() if line.strip() and not line.startswith("!")]
    expected = [line for line in target.running().splitlines() if not line.startswith("!")]
    assert body == expected


def test_replace_compare_commit_rollback(target: Target) -> None:
    driver = target.open()
    before = target.running()
    running = driver.get_config(retrieve="running")["running"]

    driver.load_replace_candidate(config=candidate_from(running))
    assert changed_lines(driver.compare_config()) == EXPECTED_REPLACE
    assert target.running() == before  # loading changes nothing yet

    driver.commit_config()
    committed = driver.get_config(retrieve="running")["running"]
    assert "description Replaced by NAPALM" in committed
    assert "ntp server 10.0.0.5" in committed
    assert "ntp server 10.0.0.99" not in committed
    assert "ntp server 10.0.0.5" in target.lab.call(lambda: target.device.startup)

    driver.rollback()
    restored = driver.get_config(retrieve="running")["running"]
    assert UPLINK in restored
    assert "ntp server 10.0.0.5" not in restored
    driver.close()  # IOS: NAPALM takes back the `file prompt quiet` it configured
    target.drivers.remove(driver)
    assert target.running() == before


def test_merge_compare_discard(target: Target) -> None:
    driver = target.open()
    before = target.running()
    interface = "GigabitEthernet3" if target.ios else "Ethernet3"
    merge = f"ntp server 10.0.0.7\ninterface {interface}\n description merged by NAPALM\nend\n"

    driver.load_merge_candidate(config=merge)
    diff = driver.compare_config()
    assert "+ntp server 10.0.0.7" in changed_lines(diff)
    assert "+description merged by NAPALM" in changed_lines(diff)

    driver.discard_config()
    assert driver.compare_config() == ""
    driver.close()
    target.drivers.remove(driver)
    assert target.running() == before


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_rejected_line_raises_and_changes_nothing(target: Target, mode: str) -> None:
    driver = target.open()
    before = target.running()
    target.lab.call(
        lambda: setattr(target.device.knobs, "reject_lines", (r"^ntp server 10\.9\.9\.9$",))
    )
    running = driver.get_config(retrieve="running")["running"]
    if mode == "replace":
        candidate = re.sub(r"\nend\s*$", "\nntp server 10.9.9.9\nend\n", candidate_from(running))
        with pytest.raises(ReplaceConfigException):
            driver.load_replace_candidate(config=candidate)
            driver.commit_config()
    else:
        with pytest.raises(MergeConfigException):
            driver.load_merge_candidate(config="ntp server 10.0.0.7\nntp server 10.9.9.9\nend\n")
            driver.commit_config()
    driver.close()
    target.drivers.remove(driver)
    assert target.running() == before


def test_commit_reverts_unless_confirmed(target: Target) -> None:
    before = target.running()
    driver = target.open()
    running = driver.get_config(retrieve="running")["running"]

    driver.load_replace_candidate(config=candidate_from(running))
    driver.commit_config(revert_in=60)  # one device minute
    assert "description Replaced by NAPALM" in target.running()
    assert driver.has_pending_commit()
    assert wait_until(lambda: UPLINK in target.running(), timeout=MINUTE * 5)
    assert not driver.has_pending_commit()
    driver.close()
    target.drivers.remove(driver)
    assert target.running() == before

    driver = target.open()
    driver.load_replace_candidate(config=candidate_from(running))
    driver.commit_config(revert_in=60)
    driver.confirm_commit()
    assert not driver.has_pending_commit()
    deadline = time.monotonic() + MINUTE + 1.0
    while time.monotonic() < deadline:  # past the time the timer would have fired
        assert "description Replaced by NAPALM" in target.running()
        time.sleep(0.1)
    assert "ntp server 10.0.0.5" in target.lab.call(lambda: target.device.startup)


@pytest.mark.slow
def test_pending_eos_session_locks_out_another_client(lab: Lab, make_device: DeviceFactory) -> None:
    target = Target(lab, make_device("arista_eos"), "eos-eapi", [])
    first, second = target.open(), target.open()
    try:
        running = first.get_config(retrieve="running")["running"]
        first.load_replace_candidate(config=candidate_from(running))
        with pytest.raises(SessionLockedException):  # NAPALM polls for 10 seconds first
            second.load_merge_candidate(config="ntp server 10.0.0.8\n")
        first.discard_config()
        second.load_merge_candidate(config="ntp server 10.0.0.8\n")
        assert "+ntp server 10.0.0.8" in changed_lines(second.compare_config())
        second.commit_config()
        assert "ntp server 10.0.0.8" in target.running()
    finally:
        for driver in (first, second):
            driver.close()


def test_eapi_speaks_json_rpc_with_the_real_error_shape(
    lab: Lab, make_device: DeviceFactory
) -> None:
    device = make_device("arista_eos")

    def post(cmds: list[Any], fmt: str = "json", password: str = PASSWORD) -> tuple[int, Any]:
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "runCmds",
                "params": {"version": 1, "cmds": cmds, "format": fmt},
                "id": "t1",
            }
        )
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", device.eapi_port, timeout=10)
        try:
            conn.request("POST", "/command-api", body, {"Authorization": f"Basic {token}"})
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if response.status == 200 else raw
        finally:
            conn.close()

    assert post(["show version"], password="wrong")[0] == 401
    status, reply = post(["enable", "show hostname", "show configuration sessions"])
    assert status == 200
    assert reply["result"][1] == {"hostname": device.hostname, "fqdn": device.fqdn}
    assert reply["result"][2]["sessions"] == {}

    _, reply = post(["enable", "show bogus"])
    error = reply["error"]
    assert error["code"] == 1002
    assert error["message"] == "CLI command 2 of 2 'show bogus' failed: invalid command"
    assert error["data"] == [{}, {"errors": ["Invalid input (at token 1: 'bogus')"]}]

    _, reply = post(["enable", "configure session shared", "ntp server 10.0.0.42", "end"], "text")
    assert "result" in reply
    with Scrapli(
        **scrapli_options(device)
    ) as conn:  # the session opened over eAPI is pending on the SSH side too
        sessions = json.loads(conn.send_command("show configuration sessions | json").result)
        assert sessions["sessions"]["shared"]["state"] == "pending"
        diff = conn.send_command("show session-config named shared diffs").result
        assert "+ntp server 10.0.0.42" in diff.splitlines()
        assert not conn.send_command("configure session shared commit").failed
    assert "ntp server 10.0.0.42" in lab.call(device.running_text)


def test_scp_get_returns_what_put_stored(
    lab: Lab, make_device: DeviceFactory, tmp_path: Any
) -> None:
    device = make_device("cisco_ios")
    source = tmp_path / "upload.txt"
    source.write_text("hostname from-scp\n")
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", device.port, "admin", PASSWORD, look_for_keys=False)
    try:
        with SCPClient(client.get_transport()) as scp:
            scp.put(str(source), "flash:/stored.txt")
            assert lab.call(lambda: device.files["stored.txt"]) == b"hostname from-scp\n"
            scp.get("flash:/stored.txt", str(tmp_path / "back.txt"))
        assert (tmp_path / "back.txt").read_text() == "hostname from-scp\n"
    finally:
        client.close()
