"""The lab's SNMP agents, driven by net-snmp's own snmpget/snmpwalk and by pysnmp's client.

Access comes from each device's running config, so these tests change it the way a deploy
would (over SSH with netmiko) and watch the agent open or close.
"""

from __future__ import annotations

import asyncio
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    bulk_walk_cmd,
    get_cmd,
    usmAesCfb128Protocol,
    usmHMACSHAAuthProtocol,
)

from nornir_pack import load_nornir
from nornir_pack.exceptions import LabConfigError
from nornir_pack.lab import PLATFORMS, Device, Lab
from tests.conftest import DeviceFactory, free_port
from tests.integration.test_lab_inventory import READY_TIMEOUT, _read_lines, write_inventory
from tests.lab_clients import netmiko_connect

pytestmark = pytest.mark.skipif(
    shutil.which("snmpget") is None, reason="net-snmp's snmpget is not installed"
)

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_ADMIN = "1.3.6.1.2.1.2.2.1.7"
IF_OPER = "1.3.6.1.2.1.2.2.1.8"
IF_IN_OCTETS = "1.3.6.1.2.1.2.2.1.10"
CPU = {
    "cisco_ios": "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1",  # cpmCPUTotal5minRev
    "arista_eos": "1.3.6.1.2.1.25.3.3.1.2.1",  # hrProcessorLoad
}
DESCR = {"cisco_ios": "Cisco IOS Software", "arista_eos": "Arista Networks EOS version"}
UPLINK = {"cisco_ios": "GigabitEthernet1", "arista_eos": "Ethernet1"}
SHUT = {"cisco_ios": "GigabitEthernet3", "arista_eos": "Ethernet3"}  # `shutdown` in the seed
PRIV = {"cisco_ios": "priv aes 128", "arista_eos": "priv aes"}  # each platform's syntax
AUTH_KEY, PRIV_KEY = "lab-auth-key", "lab-priv-key"
PLATFORM_NAMES = ["cisco_ios", "arista_eos"]
TIMEOUT = ["-t", "0.5", "-r", "0"]  # a silent agent fails the client in half a second


def v3_lines(platform: str, user: str = "ops", auth: str = AUTH_KEY, priv: str = PRIV_KEY) -> str:
    return (
        "snmp-server group NMS v3 priv\n"
        f"snmp-server user {user} NMS v3 auth sha {auth} {PRIV[platform]} {priv}\n"
    )


def seed_with(platform: str, extra: str) -> str:
    """The platform's seed config with ``extra`` lines before its end."""
    seed = PLATFORMS[platform].seed("lab", 1)
    return seed[: seed.rindex("end")] + extra + "end\n"


@pytest.fixture(params=PLATFORM_NAMES)
def device(request: pytest.FixtureRequest, make_device: DeviceFactory) -> Device:
    """A device whose config has the seed's communities and one v3 authPriv user."""
    platform: str = request.param
    return make_device(platform, snmp_port=0, config=seed_with(platform, v3_lines(platform)))


def v2c(device: Device, community: str = "public") -> list[str]:
    return ["-v2c", "-c", community, *TIMEOUT, f"127.0.0.1:{device.snmp_port}"]


def v3(device: Device, user: str = "ops", auth: str = AUTH_KEY, priv: str = PRIV_KEY) -> list[str]:
    return [
        "-v3",
        "-l",
        "authPriv",
        "-u",
        user,
        "-a",
        "SHA",
        "-A",
        auth,
        "-x",
        "AES",
        "-X",
        priv,
        *TIMEOUT,
        f"127.0.0.1:{device.snmp_port}",
    ]


def net_snmp(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a net-snmp tool: numeric OIDs (-On), ``OID value`` lines (-Oq), raw ticks (-Ot)."""
    return subprocess.run(
        [tool, "-On", "-Oq", "-Ot", *args], check=False, capture_output=True, text=True, timeout=30
    )


def values(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    pairs = (line.split(" ", 1) for line in result.stdout.splitlines() if line)
    return {oid.lstrip("."): value.strip('"') for oid, value in pairs}


def if_index(device: Device, credentials: list[str], name: str) -> str:
    descrs = values(net_snmp("snmpwalk", *credentials, IF_DESCR))
    return next(oid.rsplit(".", 1)[1] for oid, value in descrs.items() if value == name)


@pytest.mark.parametrize("version", ["v2c", "v3"])
def test_net_snmp_reads_system_interfaces_and_cpu(device: Device, version: str) -> None:
    platform = device.platform.name
    credentials = v2c(device) if version == "v2c" else v3(device)
    uplink = if_index(device, credentials, UPLINK[platform])
    shut = if_index(device, credentials, SHUT[platform])
    got = values(
        net_snmp(
            "snmpget",
            *credentials,
            SYS_DESCR,
            SYS_UPTIME,
            SYS_NAME,
            f"{IF_OPER}.{uplink}",
            f"{IF_OPER}.{shut}",
            f"{IF_ADMIN}.{shut}",
            CPU[platform],
        )
    )
    assert got[SYS_DESCR].startswith(DESCR[platform])
    assert int(got[SYS_UPTIME]) >= 0
    assert got[SYS_NAME] == device.hostname
    assert got[f"{IF_OPER}.{uplink}"] == "1"  # up
    assert got[f"{IF_OPER}.{shut}"] == got[f"{IF_ADMIN}.{shut}"] == "2"  # shutdown: down
    assert 0 <= int(got[CPU[platform]]) < 80


def test_wrong_community_or_key_gets_no_answer(device: Device) -> None:
    for credentials in (
        v2c(device, "not-the-community"),
        v3(device, auth="wrong-auth-key"),
        v3(device, priv="wrong-priv-key"),
        v3(device, user="nobody"),
    ):
        result = net_snmp("snmpget", *credentials, SYS_NAME)
        assert result.returncode != 0
        assert "Timeout" in result.stderr, credentials


def test_walk_covers_every_interface_and_counters_grow(device: Device) -> None:
    walked = values(net_snmp("snmpwalk", *v3(device), "1.3.6.1"))
    names = [
        line.text.split()[1]
        for line in device.running.children
        if line.text.startswith("interface ")
    ]
    assert sorted(v for k, v in walked.items() if k.startswith(IF_DESCR + ".")) == sorted(names)
    assert "1.3.6.1.2.1.31.1.1.1.1.1" in walked  # ifXTable's ifName
    assert CPU[device.platform.name] in walked
    uplink = if_index(device, v2c(device), UPLINK[device.platform.name])
    octets = f"{IF_IN_OCTETS}.{uplink}"
    before = int(values(net_snmp("snmpget", *v2c(device), octets))[octets])
    after = int(values(net_snmp("snmpget", *v2c(device), octets))[octets])
    assert after > before


def test_deploying_snmp_config_turns_access_on_and_off(device: Device) -> None:
    platform = device.platform.name
    conn = netmiko_connect(device)
    conn.enable()
    try:
        assert values(net_snmp("snmpget", *v2c(device), SYS_NAME))
        removal = [
            "no snmp-server community public",
            "no snmp-server community Sup3rS3cretRW",
            "no snmp-server user ops NMS v3",
        ]
        conn.send_config_set(removal)
        for credentials in (v2c(device), v3(device)):
            assert "Timeout" in net_snmp("snmpget", *credentials, SYS_NAME).stderr
        conn.send_config_set(
            ["snmp-server community n3wc0mm RO", *v3_lines(platform, user="ops2").splitlines()]
        )
        assert values(net_snmp("snmpget", *v2c(device, "n3wc0mm"), SYS_NAME))
        assert values(net_snmp("snmpget", *v3(device, user="ops2"), SYS_NAME))
        assert "Timeout" in net_snmp("snmpget", *v2c(device), SYS_NAME).stderr
    finally:
        conn.disconnect()


def test_knobs_set_from_python_show_at_the_next_request(lab: Lab, device: Device) -> None:
    platform = device.platform.name
    uplink = if_index(device, v2c(device), UPLINK[platform])
    device.knobs.cpu = 97
    device.knobs.interface_down = (UPLINK[platform],)
    got = values(
        net_snmp(
            "snmpget", *v3(device), CPU[platform], f"{IF_OPER}.{uplink}", f"{IF_ADMIN}.{uplink}"
        )
    )
    assert got[CPU[platform]] == "97"
    assert got[f"{IF_OPER}.{uplink}"] == "2"  # link down
    assert got[f"{IF_ADMIN}.{uplink}"] == "1"  # but not shut

    # a device up for an hour reboots: its uptime starts again and v3 still works
    lab.call(lambda: setattr(device, "boot_time", device.boot_time - 3600))
    up = int(values(net_snmp("snmpget", *v3(device), SYS_UPTIME))[SYS_UPTIME])
    assert up >= 360_000
    device.knobs.reboot = True
    rebooted = int(values(net_snmp("snmpget", *v3(device), SYS_UPTIME))[SYS_UPTIME])
    assert rebooted < 360_000
    assert device.boots == 2 and not device.knobs.reboot

    device.knobs.snmp_down = True
    assert "Timeout" in net_snmp("snmpget", *v2c(device), SYS_NAME).stderr
    device.knobs.snmp_down = False
    assert values(net_snmp("snmpget", *v2c(device), SYS_NAME))


async def _pysnmp_reads(device: Device) -> tuple[list[object], list[object], int]:
    engine = SnmpEngine()
    target = await UdpTransportTarget.create(("127.0.0.1", device.snmp_port), timeout=2, retries=0)
    user = UsmUserData(
        "ops",
        AUTH_KEY,
        PRIV_KEY,
        authProtocol=usmHMACSHAAuthProtocol,
        privProtocol=usmAesCfb128Protocol,
    )
    results = []
    for credentials in (CommunityData("public"), user):
        error, status, _, varbinds = await get_cmd(
            engine,
            credentials,
            target,
            ContextData(),
            ObjectType(ObjectIdentity(SYS_NAME)),
            ObjectType(ObjectIdentity(CPU[device.platform.name])),
        )
        assert error is None and not status, error
        results.append([value for _, value in varbinds])
    walked = 0
    async for error, status, _, varbinds in bulk_walk_cmd(
        engine,
        user,
        target,
        ContextData(),
        0,
        25,
        ObjectType(ObjectIdentity(IF_OPER)),
        lexicographicMode=False,
    ):
        assert error is None and not status, error
        walked += len(varbinds)
    engine.close_dispatcher()
    return results[0], results[1], walked


def test_pysnmp_client_reads_v2c_v3_and_bulk_walks(device: Device) -> None:
    by_v2c, by_v3, walked = asyncio.run(_pysnmp_reads(device))
    assert str(by_v2c[0]) == str(by_v3[0]) == device.hostname
    interfaces = [n for n in device.running.children if n.text.startswith("interface ")]
    assert walked == len(interfaces)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def snmp_hosts() -> dict[str, Any]:
    return {
        "edge1": {
            "hostname": "127.0.0.1",
            "port": free_port(),
            "groups": ["ios"],
            "data": {"snmp_port": free_udp_port(), "lab": {"cpu": 97}},
        },
        "leaf1": {
            "hostname": "127.0.0.1",
            "port": free_port(),
            "groups": ["eos"],
            "data": {"snmp_port": free_udp_port(), "lab": {"interface_down": ["Ethernet1"]}},
        },
        "quiet1": {"hostname": "127.0.0.1", "port": free_port(), "groups": ["ios"]},
    }


def test_from_nornir_serves_snmp_on_the_hosts_port_with_its_knobs(tmp_path: Path) -> None:
    hosts = snmp_hosts()
    lab = Lab.from_nornir(load_nornir(write_inventory(tmp_path, hosts)))
    assert lab.devices["quiet1"].snmp_port is None  # no snmp_port: no agent
    with lab:
        edge, leaf = lab.devices["edge1"], lab.devices["leaf1"]
        assert edge.snmp_port == hosts["edge1"]["data"]["snmp_port"]
        assert values(net_snmp("snmpget", *v2c(edge), CPU["cisco_ios"]))[CPU["cisco_ios"]] == "97"
        uplink = if_index(leaf, v2c(leaf), "Ethernet1")
        assert values(net_snmp("snmpget", *v2c(leaf), f"{IF_OPER}.{uplink}")) == {
            f"{IF_OPER}.{uplink}": "2"
        }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"snmp_port": "snmp"}, "inventory host 'edge1': data 'snmp_port' must be a UDP port"),
        ({"snmp_port": 70000}, "data 'snmp_port' must be a UDP port"),
        ({"lab": {"cpu": 120}}, "lab knob 'cpu' has a bad value: cpu must be a percentage"),
        ({"lab": {"interface_down": ["Gi9"]}}, "lab knob 'interface_down' names 'Gi9'"),
        ({"lab": {"snmp_down": "yes"}}, "lab knob 'snmp_down' has a bad value"),
    ],
)
def test_bad_snmp_host_data_names_host_and_key(
    tmp_path: Path, data: dict[str, Any], expected: str
) -> None:
    hosts = snmp_hosts()
    hosts["edge1"]["data"] = data
    with pytest.raises(LabConfigError, match=expected):
        Lab.from_nornir(load_nornir(write_inventory(tmp_path, hosts)))


def test_lab_up_prints_each_agents_address(tmp_path: Path) -> None:
    hosts = snmp_hosts()
    config = write_inventory(tmp_path, hosts)
    process = subprocess.Popen(
        [sys.executable, "-m", "nornir_pack.cli", "lab", "up", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        seen: dict[str, str] = {}
        while True:
            line = lines.get(timeout=READY_TIMEOUT)
            assert line, f"lab up exited early: {process.stderr.read() if process.stderr else ''}"
            if "ready" in line:
                break
            seen[line.split()[0]] = line
        for name in ("edge1", "leaf1"):
            port = hosts[name]["data"]["snmp_port"]
            assert f"snmp udp 127.0.0.1:{port}" in seen[name]
            got = net_snmp(
                "snmpget", "-v2c", "-c", "public", *TIMEOUT, f"127.0.0.1:{port}", SYS_NAME
            )
            assert values(got) == {SYS_NAME: name}
        assert "snmp" not in seen["quiet1"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
