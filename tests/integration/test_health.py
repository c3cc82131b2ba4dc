"""Health checks against the lab: real pysnmp over UDP to the lab's SNMP agents, real NAPALM
getters over SSH and eAPI, and the ``nornir-pack run health`` command end to end."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from nornir.core import Nornir

from nornir_pack.exceptions import DeviceError
from nornir_pack.health import HealthPostCheck, HealthReport, HealthSettings, take_snapshot
from nornir_pack.lab import PLATFORMS, Device, Lab
from nornir_pack.tasks import check_health, deploy_config, napalm_health, snmp_health
from tests.conftest import DeviceFactory
from tests.integration.lab_nornir import build_nornir, host_entry

AUTH_KEY, PRIV_KEY = "health-auth-key", "health-priv-key"
PRIV = {"cisco_ios": "priv aes 128", "arista_eos": "priv aes"}  # each platform's syntax
UPLINK = {"cisco_ios": "GigabitEthernet1", "arista_eos": "Ethernet1"}
SHUT = {"cisco_ios": "GigabitEthernet3", "arista_eos": "Ethernet3"}  # `shutdown` in the seeds
DESCR = {"cisco_ios": "Cisco IOS Software", "arista_eos": "Arista Networks EOS"}
V2C = {"community": "public"}  # the seeds' read-only community
QUICK = {"timeout": 0.5, "retries": 1}  # a silent agent fails its host within about a second
PLATFORM_NAMES = ["cisco_ios", "arista_eos"]


def v3(auth: str = AUTH_KEY, priv: str = PRIV_KEY, user: str = "ops") -> dict[str, str]:
    return {"user": user, "auth_key": auth, "priv_key": priv}


def seed_with_v3(platform: str, auth: str = AUTH_KEY, priv: str = PRIV_KEY) -> str:
    """The seed config plus one v3 authPriv user, ``ops``, as the platform writes it."""
    seed = PLATFORMS[platform].seed("lab", 1)
    lines = (
        "snmp-server group NMS v3 priv\n"
        f"snmp-server user ops NMS v3 auth sha {auth} {PRIV[platform]} {priv}\n"
    )
    return seed[: seed.rindex("end")] + lines + "end\n"


@pytest.fixture
def snmp_device(make_device: DeviceFactory) -> Any:
    """A lab device serving SNMP on a free UDP port, with the seed's community and user ops."""

    def factory(platform: str, **knobs: Any) -> Device:
        device = make_device(platform, snmp_port=0, config=seed_with_v3(platform))
        for key, value in knobs.items():
            setattr(device.knobs, key, value)
        return device

    return factory


def snmp_entry(device: Device, snmp: Any, **data: Any) -> dict[str, Any]:
    return host_entry(device, snmp_port=device.snmp_port, snmp=snmp, **data)


def reports(nr: Nornir, task: Any = check_health) -> dict[str, Any]:
    result = nr.run(task=task)
    return {name: multi[0] for name, multi in result.items()}


def messages(report: HealthReport) -> dict[str, str]:
    return {check.name: check.message for check in report.checks}


def quick(**health: Any) -> dict[str, Any]:
    return {"nornir_pack": {"health": {**QUICK, **health}}}


# ------------------------------------------------------------------ SNMP
def test_snmp_reads_ios_and_eos_over_v2c_and_v3(tmp_path: Path, snmp_device: Any) -> None:
    hosts = {}
    for platform in PLATFORM_NAMES:
        for version, credentials in (("v2c", V2C), ("v3", v3())):
            hosts[f"{platform}-{version}"] = snmp_entry(snmp_device(platform), credentials)
    results = reports(build_nornir(tmp_path, hosts), snmp_health)
    for name, result in results.items():
        assert not result.failed, (name, result.result)
        report = result.result
        assert isinstance(report, HealthReport) and report.healthy and report.source == "snmp"
        platform = name.rsplit("-", 1)[0]
        snapshot = report.snapshot
        assert snapshot.description.startswith(DESCR[platform])
        assert snapshot.name == "lab"  # sysName: the hostname of the config
        assert snapshot.uptime is not None and snapshot.uptime >= 0
        states = {i.name: (i.admin_up, i.oper_up) for i in snapshot.interfaces}
        assert states[UPLINK[platform]] == (True, True)
        assert states[SHUT[platform]] == (False, False)
        assert snapshot.cpu is not None and snapshot.cpu < 20
        assert snapshot.memory is not None and 0 < snapshot.memory < 90
        assert [c.status for c in report.checks] == ["ok"] * 4


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_cpu_and_interface_knobs_fail_their_checks_with_the_reason(
    tmp_path: Path, snmp_device: Any, platform: str
) -> None:
    uplink = UPLINK[platform]
    hosts = {
        "busy": snmp_entry(snmp_device(platform, cpu=97), v3()),
        "tolerant": snmp_entry(snmp_device(platform, cpu=97), V2C, health={"cpu": 98}),
        "cut": snmp_entry(snmp_device(platform, interface_down=(uplink,)), V2C),
        "fine": snmp_entry(snmp_device(platform), V2C),
    }
    results = reports(build_nornir(tmp_path, hosts, user_defined=quick()))
    assert results["busy"].failed
    assert results["busy"].result.summary() == "unhealthy: cpu: 97% is above the 80% threshold"
    assert not results["tolerant"].failed  # host data health.cpu over config.yaml's default
    assert messages(results["tolerant"].result)["cpu"] == "97% (threshold 98%)"
    assert results["cut"].failed
    assert (
        results["cut"].result.summary() == f"unhealthy: interfaces: {uplink} configured up but down"
    )
    assert not results["fine"].failed, results["fine"].result.summary()


def test_a_silent_agent_fails_only_its_host_within_the_deadline(
    tmp_path: Path, snmp_device: Any
) -> None:
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind(("127.0.0.1", 0))  # a port where nothing answers (held, so nothing else takes it)
    answering = snmp_device("arista_eos")
    hosts = {
        "down": snmp_entry(snmp_device("cisco_ios", snmp_down=True), V2C),
        "wrong-community": snmp_entry(snmp_device("arista_eos"), {"community": "not-public"}),
        "wrong-key": snmp_entry(snmp_device("cisco_ios"), v3(priv="wrong-priv-key")),
        "no-agent": {**host_entry(answering), "data": {"snmp_port": closed.getsockname()[1]}},
        "fine": snmp_entry(snmp_device("arista_eos"), v3()),
    }
    hosts["no-agent"]["data"]["snmp"] = V2C
    nr = build_nornir(tmp_path, hosts, user_defined=quick())
    try:
        started = time.monotonic()
        results = reports(nr)
        took = time.monotonic() - started
    finally:
        closed.close()
    assert not results["fine"].failed
    for name in ("down", "wrong-community", "wrong-key", "no-agent"):
        assert results[name].failed, name
        message = str(results[name].result)
        assert "no answer to a GET of the system group within 1 s (2 tries of 0.5 s)" in message
        assert "check snmp_port" in message and "127.0.0.1" in message
    # all silent hosts waited at once, each about one deadline: far from one timeout each in turn
    assert took < 2 * HealthSettings(**QUICK).deadline + 3


def test_hosts_with_one_user_name_and_different_keys_are_polled_together(
    tmp_path: Path, make_device: DeviceFactory
) -> None:
    """pysnmp keys v3 users by name in an engine: each set of keys needs its own engine."""
    hosts = {}
    for n in range(6):
        auth, priv = f"auth-key-{n:04d}", f"priv-key-{n:04d}"
        platform = PLATFORM_NAMES[n % 2]
        device = make_device(platform, snmp_port=0, config=seed_with_v3(platform, auth, priv))
        hosts[f"h{n}"] = snmp_entry(device, v3(auth, priv))
    results = reports(build_nornir(tmp_path, hosts, user_defined=quick()))
    assert {name: r.failed for name, r in results.items()} == dict.fromkeys(hosts, False)
    loops = [t for t in threading.enumerate() if t.name == "nornir-pack-scrapli"]
    assert len(loops) == 1  # every poll ran on the one shared event loop


# ------------------------------------------------------------------ NAPALM getters
def test_napalm_getters_drive_the_same_checks(tmp_path: Path, make_device: DeviceFactory) -> None:
    eos, ios = make_device("arista_eos"), make_device("cisco_ios")
    results = reports(build_nornir(tmp_path, {"sw": host_entry(eos), "r": host_entry(ios)}))
    sw = results["sw"].result
    assert not results["sw"].failed and isinstance(sw, HealthReport)
    assert sw.source == "napalm" and sw.snapshot.name == eos.hostname
    states = {i.name: (i.admin_up, i.oper_up) for i in sw.snapshot.interfaces}
    assert states["Ethernet1"] == (True, True) and states["Ethernet3"] == (False, False)
    assert {c.name: c.status for c in sw.checks} == {
        "uptime": "ok",
        "interfaces": "ok",
        "cpu": "skipped",  # NAPALM's getters carry no CPU figure
        "memory": "skipped",
    }
    r = results["r"].result
    assert not results["r"].failed and r.source == "napalm"
    assert r.snapshot.uptime is not None and r.snapshot.description.startswith("Cisco")


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_an_interface_down_fails_the_napalm_check_on_each_platform(
    tmp_path: Path, make_device: DeviceFactory, platform: str
) -> None:
    device = make_device(platform)
    device.knobs.interface_down = (UPLINK[platform],)
    result = reports(build_nornir(tmp_path, {"dut": host_entry(device)}))["dut"]
    report = result.result
    assert result.failed and report.source == "napalm"
    states = {i.name: (i.admin_up, i.oper_up) for i in report.snapshot.interfaces}
    assert states[UPLINK[platform]] == (True, False)  # enabled, but its link is down
    assert states[SHUT[platform]] == (False, False)
    assert UPLINK[platform] in messages(report)["interfaces"]


def test_snmp_hosts_can_be_read_with_napalm_too(tmp_path: Path, snmp_device: Any) -> None:
    device = snmp_device("arista_eos")
    nr = build_nornir(tmp_path, {"sw": snmp_entry(device, V2C)})
    result = reports(nr, napalm_health)["sw"]
    assert not result.failed and result.result.source == "napalm"


# ------------------------------------------------------------------ before and after a change
def shut_uplink(platform: str) -> str:
    return f"interface {UPLINK[platform]}\n shutdown\n"


@pytest.mark.parametrize(
    ("platform", "source"),
    [("cisco_ios", "snmp"), ("arista_eos", "snmp"), ("arista_eos", "napalm")],
)
def test_a_change_that_shuts_an_up_interface_fails_the_post_check(
    tmp_path: Path, snmp_device: Any, make_device: DeviceFactory, platform: str, source: str
) -> None:
    if source == "snmp":
        entry = snmp_entry(snmp_device(platform), v3())
    else:
        entry = host_entry(make_device(platform))
    nr = build_nornir(tmp_path, {"dut": entry}, user_defined=quick())
    host = nr.inventory.hosts["dut"]
    guard = HealthPostCheck()
    before = guard.before(host, nr.config)
    assert before.source == source and UPLINK[platform] in before.up_interfaces
    guard.check(host, nr.config)  # nothing changed yet: passes

    deployed = nr.run(task=deploy_config, config=shut_uplink(platform), dry_run=False)
    assert not deployed.failed, deployed["dut"][0].result
    with pytest.raises(DeviceError) as caught:
        guard.check(host, nr.config)
    assert str(caught.value) == (
        "health post-check failed: interfaces: "
        f"{UPLINK[platform]} was up before the change and is now shut down"
    )


def test_a_reboot_between_the_snapshots_fails_the_post_check(
    tmp_path: Path, lab: Lab, snmp_device: Any
) -> None:
    device = snmp_device("cisco_ios")
    lab.call(lambda: setattr(device, "boot_time", device.boot_time - 3600))  # up for an hour
    nr = build_nornir(tmp_path, {"r": snmp_entry(device, V2C)}, user_defined=quick())
    host = nr.inventory.hosts["r"]
    guard = HealthPostCheck()
    guard.before(host, nr.config)
    device.knobs.reboot = True
    report = guard.after(host, nr.config)
    assert not report.healthy
    assert messages(report)["uptime"].startswith("reset from 1 h 0 min to ")
    assert messages(report)["uptime"].endswith("the device restarted")


def test_cpu_over_the_threshold_after_a_change_fails_the_post_check(
    tmp_path: Path, snmp_device: Any
) -> None:
    device = snmp_device("arista_eos")
    nr = build_nornir(tmp_path, {"sw": snmp_entry(device, v3())}, user_defined=quick(cpu=60))
    host = nr.inventory.hosts["sw"]
    guard = HealthPostCheck()
    guard.before(host, nr.config)
    device.knobs.cpu = 61
    with pytest.raises(DeviceError, match=r"cpu: 61% is above the 60% threshold$"):
        guard.check(host, nr.config)
    device.knobs.cpu = None
    assert take_snapshot(host, nr.config).cpu is not None


# ------------------------------------------------------------------ the command
SECRET_COMMUNITY = "health-ro-community"


def nornir_pack(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**__import__("os").environ, **env},
    )


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def snmp_project(project: Path, knobs: dict[str, Any], snmp: dict[str, Any]) -> None:
    """The project's lab hosts on free SNMP ports with ``knobs``, credentials ``snmp`` in the
    defaults' data, and the seeds' configs given an RO community of the test's own."""
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    for name, host in hosts.items():
        data = host.setdefault("data", {})
        data["snmp_port"] = free_udp_port()
        data["lab"] = knobs.get(name, {})
    hosts_file.write_text(yaml.safe_dump(hosts))
    defaults_file = project / "inventory" / "defaults.yaml"
    defaults = yaml.safe_load(defaults_file.read_text())
    defaults.setdefault("data", {})["snmp"] = snmp
    defaults_file.write_text(yaml.safe_dump(defaults))


def test_run_health_reports_each_host_and_check_and_exits_1(project: Path) -> None:
    snmp_project(
        project,
        {"r2": {"cpu": 97}, "sw2": {"interface_down": ["Ethernet2"]}},
        {"community": "${LAB_SNMP_COMMUNITY}"},
    )
    out = {kind: project / f"health.{kind}" for kind in ("json", "xml", "md")}
    result = nornir_pack(
        project,
        *("run", "health", "--lab", "--json", str(out["json"]), "--junit", str(out["xml"])),
        *("--markdown", str(out["md"])),
        LAB_SNMP_COMMUNITY="public",
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(out["json"].read_text())
    status = {h["name"]: (h["status"], h["message"]) for h in document["hosts"]}
    assert status == {
        "r1": ("ok", "healthy"),
        "r2": ("unhealthy", "unhealthy: cpu: 97% is above the 80% threshold"),
        "sw1": ("ok", "healthy"),
        "sw2": ("unhealthy", "unhealthy: interfaces: Ethernet2 configured up but down"),
    }
    assert {h["steps"][0]["result"]["source"] for h in document["hosts"]} == {"snmp"}
    suite = ET.parse(out["xml"]).getroot().find("testsuite")
    assert suite is not None
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert len(cases) == 16 and suite.get("tests") == "16"  # 4 hosts x 4 checks
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("2", "0", "0")
    failure = cases[("health.r2", "health: cpu")].find("failure")
    assert failure is not None and failure.get("message") == "97% is above the 80% threshold"
    assert cases[("health.sw2", "health: interfaces")].find("failure") is not None
    assert cases[("health.r2", "health: interfaces")].find("failure") is None
    for path in out.values():
        assert "public" not in path.read_text()  # the community, redacted wherever it shows
    assert "public" not in result.stdout + result.stderr


def test_run_health_refuses_bad_snmp_input_before_any_poll(project: Path) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.setblocking(False)
    try:
        snmp_project(
            project,
            {},
            {"user": "ops", "auth_key": SECRET_COMMUNITY, "auth_protocol": "sha3"},
        )
        hosts_file = project / "inventory" / "hosts.yaml"
        hosts = yaml.safe_load(hosts_file.read_text())
        hosts["r1"]["data"]["snmp_port"] = listener.getsockname()[1]
        hosts_file.write_text(yaml.safe_dump(hosts))
        result = nornir_pack(project, "run", "health")
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.strip().splitlines() == [
            "nornir-pack: error: inventory/defaults.yaml: defaults data snmp.auth_protocol is "
            "'sha3': use one of md5, sha, sha224, sha256, sha384, sha512"
        ]
        assert SECRET_COMMUNITY not in result.stdout + result.stderr
        with pytest.raises(BlockingIOError):
            listener.recv(2048)  # not one datagram reached r1's agent address
    finally:
        listener.close()


def test_no_snmp_secret_reaches_a_log_record(
    tmp_path: Path, snmp_device: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hosts = {
        "v3": snmp_entry(snmp_device("cisco_ios", cpu=97), v3()),
        "v2c": snmp_entry(snmp_device("arista_eos"), {"community": "not-the-community"}),
    }
    nr = build_nornir(tmp_path, hosts, user_defined=quick())
    with caplog.at_level(logging.DEBUG):
        results = reports(nr)
    assert results["v3"].failed and results["v2c"].failed  # unhealthy, and silent
    assert any("check_health" in record.getMessage() for record in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    logged += caplog.text
    for secret in (AUTH_KEY, PRIV_KEY, "not-the-community"):
        assert secret not in logged
        assert secret not in str(results["v3"].result.to_dict()) + str(results["v2c"].result)
