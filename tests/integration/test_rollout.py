"""Safe rollout through ``nornir-pack run deploy --commit``: waves with a failure budget, a canary,
rollback of the failed wave (verified on the devices), later waves untouched, every report
listing the waves. Twelve lab devices, IOS and EOS, over netmiko and scrapli in one run."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from nornir_pack.diff import clean_config, normalised_diff
from nornir_pack.lab import PLATFORMS, Device, Lab
from tests.conftest import PASSWORD, SECRET
from tests.integration.test_cli_run import nornir_pack

CHANGE_LINE = "ntp server 10.0.0.2"  # a line of every host's rendered change


@pytest.fixture
def fleet(project: Path, lab: Lab) -> dict[str, Device]:
    """Twelve hosts h01..h12 in inventory order, IOS and EOS in turn, netmiko and scrapli in
    turn (so each plugin meets each platform), each served by a fresh lab device."""
    groups = yaml.safe_load((project / "inventory" / "groups.yaml").read_text())
    hosts = {}
    devices = {}
    for number in range(1, 13):
        name = f"h{number:02d}"
        group = "ios" if number % 2 else "eos"
        platform = groups[group]["platform"]
        device = lab.add_device(
            f"rollout-{project.name}-{name}",
            platform,
            password=PASSWORD,
            secret=SECRET,
            config=PLATFORMS[platform].seed(name, 0),  # IOS: with the archive timers need
            snmp_port=0,
        )
        plugin = "netmiko" if (number // 2) % 2 else "scrapli"
        hosts[name] = {
            "hostname": "127.0.0.1",
            "port": device.port,
            "groups": [group],
            "data": {
                "nornir_pack": {"plugin": plugin},
                "site": "ab"[number > 6],
                "snmp_port": device.snmp_port,
                "snmp": {"community": "public"},  # the seeds' read-only community
            },
        }
        devices[name] = device
    (project / "inventory" / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    return devices


def _running(devices: dict[str, Device]) -> dict[str, str]:
    return {name: device.running_text() for name, device in devices.items()}


def same_config(device: Device, first: str, second: str) -> bool:
    """Equal as nornir-pack compares configs (the lab drops a negated default's line where
    IOS keeps printing it, e.g. ``no service password-encryption``)."""
    platform = device.platform.name
    return (
        normalised_diff(clean_config(first, platform), clean_config(second, platform), platform)
        == ""
    )


def test_a_failed_wave_is_rolled_back_and_later_waves_are_untouched(
    project: Path, fleet: dict[str, Device], tmp_path: Path
) -> None:
    before = _running(fleet)
    fleet["h07"].knobs.reject_lines = (r"^ntp server 10\.0\.0\.2",)  # third host of wave 2
    reports = tmp_path / "reports"
    result = nornir_pack(
        project,
        "run",
        "deploy",
        "--commit",
        "--wave-size",
        "4",
        "--max-fail",
        "20%",
        "--json",
        str(reports / "run.json"),
        "--junit",
        str(reports / "run.xml"),
        "--markdown",
        str(reports / "run.md"),
    )
    assert result.returncode == 1, result.stderr
    after = _running(fleet)
    for name in ("h01", "h02", "h03", "h04"):  # wave 1 passed: committed and saved
        assert CHANGE_LINE in after[name], name
        assert fleet[name].startup == after[name], name
    for name in ("h05", "h06", "h07", "h08"):  # wave 2 failed: back to the pre-change config
        assert same_config(fleet[name], after[name], before[name]), name
        assert fleet[name].startup == after[name], name
    for name in ("h09", "h10", "h11", "h12"):  # wave 3 never started: never logged in to
        assert after[name] == before[name], name
        assert fleet[name].logins == 0, name

    report = json.loads((reports / "run.json").read_text())
    waves = report["waves"]
    assert [(w["number"], w["status"]) for w in waves] == [
        (1, "passed"),
        (2, "failed"),
        (3, "not started"),
    ]
    assert waves[1]["failed"] == ["h07"]
    assert waves[1]["rolled_back"] == ["h05", "h06", "h08"]
    assert "1 of 4 hosts failed (max-fail 20%)" in waves[1]["reason"]
    status = {host["name"]: host["status"] for host in report["hosts"]}
    assert [status[f"h{n:02d}"] for n in range(1, 13)] == (
        ["changed"] * 4
        + ["rolled-back", "rolled-back", "failed", "rolled-back"]
        + ["not-started"] * 4
    )
    rolled = next(host for host in report["hosts"] if host["name"] == "h05")
    assert "rolled back: wave 2 failed" in rolled["message"]
    assert "verified equal to the pre-change snapshot" in rolled["message"]

    suite = ET.parse(reports / "run.xml").getroot().find("testsuite")
    assert suite is not None
    wave_cases = {
        c.get("name"): c
        for c in suite.iter("testcase")
        if c.get("classname", "").endswith(".waves")
    }
    assert set(wave_cases) == {"wave 1", "wave 2", "wave 3"}
    assert wave_cases["wave 2"].find("failure") is not None
    assert wave_cases["wave 3"].find("skipped") is not None
    markdown = (reports / "run.md").read_text()
    assert "| wave 2 | failed | h05, h06, h07, h08 | h07 | h05, h06, h08 |" in markdown


def test_a_failing_canary_stops_the_rollout_before_any_other_host(
    project: Path, fleet: dict[str, Device], tmp_path: Path
) -> None:
    before = _running(fleet)
    fleet["h01"].knobs.reject_lines = (r"^ntp server 10\.0\.0\.2",)
    result = nornir_pack(
        project, "run", "deploy", "--commit", "--canary", "1", "--json", str(tmp_path / "r.json")
    )
    assert result.returncode == 1, result.stderr
    after = _running(fleet)
    assert same_config(fleet["h01"], after["h01"], before["h01"])  # rolled itself back
    for name in fleet.keys() - {"h01"}:
        assert after[name] == before[name], name
        assert fleet[name].logins == 0, name
    waves = json.loads((tmp_path / "r.json").read_text())["waves"]
    assert [(w["label"], w["status"]) for w in waves] == [("canary", "failed"), ("", "not started")]
    assert "wave 1 (canary), 1 hosts: failed" in result.stdout


def test_wave_by_sends_one_site_per_wave_and_a_good_rollout_commits_all(
    project: Path, fleet: dict[str, Device], tmp_path: Path
) -> None:
    result = nornir_pack(
        project,
        "run",
        "deploy",
        "--commit",
        "--wave-by",
        "site",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 0, result.stderr
    waves = json.loads((tmp_path / "r.json").read_text())["waves"]
    assert [(w["label"], w["hosts"], w["status"]) for w in waves] == [
        ("site=a", [f"h{n:02d}" for n in range(1, 7)], "passed"),
        ("site=b", [f"h{n:02d}" for n in range(7, 13)], "passed"),
    ]
    assert all(CHANGE_LINE in text for text in _running(fleet).values())


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--wave-size", "0"], "--wave-size: use a number of hosts (4) or a share (25%)"),
        (["--max-fail", "120%"], "--max-fail: use a percentage, e.g. 20%"),
        (["--canary", "-1"], "--canary: use a number of at least 0"),
        (["--post-check", "nosuchmodule:check"], "--post-check: post check"),
    ],
)
def test_bad_rollout_flags_are_one_line_exit_2_before_any_login(
    project: Path, fleet: dict[str, Device], flags: list[str], message: str
) -> None:
    result = nornir_pack(project, "run", "deploy", "--commit", *flags)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert all(device.logins == 0 for device in fleet.values())


def test_a_failed_health_post_check_rolls_its_host_and_its_wave_back(
    project: Path, fleet: dict[str, Device], tmp_path: Path
) -> None:
    before = _running(fleet)
    fleet["h03"].knobs.cpu = 97.0  # over the default 80% threshold: the health check fails
    result = nornir_pack(
        project,
        "run",
        "deploy",
        "--commit",
        "--wave-size",
        "4",
        "--post-check",
        "health",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    hosts = {host["name"]: host for host in report["hosts"]}
    assert hosts["h03"]["status"] == "failed"
    assert "cpu: 97% is above the 80% threshold" in hosts["h03"]["message"]
    assert "rolled back to the pre-change snapshot" in hosts["h03"]["message"]
    after = _running(fleet)
    for name in ("h01", "h02", "h03", "h04"):
        assert same_config(fleet[name], after[name], before[name]), name
    assert [w["status"] for w in report["waves"]] == ["failed", "not started", "not started"]
    assert report["waves"][0]["rolled_back"] == ["h01", "h02", "h04"]


GUARDED_RUNBOOK = """
from nornir_pack.tasks import deploy_config


def no_deploy_on_h02(host, connection):
    # a user check gets the host and the plugin's own connection, freshly logged in
    assert connection is not None
    return "h02 is frozen this week" if host.name == "h02" else True


def run(nr, *, plugin=None, commit=False):
    return nr.run(
        task=deploy_config, plugin=plugin, dry_run=not commit, post_checks=[no_deploy_on_h02]
    )
"""


def test_a_runbooks_own_post_check_stops_a_wave_of_its_own_deploy(
    project: Path, fleet: dict[str, Device], tmp_path: Path
) -> None:
    (project / "runbooks" / "guarded.py").write_text(GUARDED_RUNBOOK)
    before = _running(fleet)
    result = nornir_pack(
        project,
        "run",
        "guarded",
        "--commit",
        "--wave-size",
        "6",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    hosts = {host["name"]: host for host in report["hosts"]}
    assert "post-check" in hosts["h02"]["message"]
    assert "h02 is frozen this week" in hosts["h02"]["message"]
    after = _running(fleet)
    for name in (f"h{n:02d}" for n in range(1, 7)):
        assert same_config(fleet[name], after[name], before[name]), name
    for name in (f"h{n:02d}" for n in range(7, 13)):
        assert after[name] == before[name], name


@pytest.mark.parametrize(("host", "uplink"), [("h03", "GigabitEthernet1"), ("h04", "Ethernet1")])
def test_a_template_that_shuts_an_up_interface_is_caught_by_health_and_rolled_back(
    project: Path, fleet: dict[str, Device], tmp_path: Path, host: str, uplink: str
) -> None:
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts[host]["data"]["interfaces"] = {uplink: {"shutdown": True}}
    hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    result = nornir_pack(
        project,
        "run",
        "deploy",
        "--commit",
        "--hosts",
        host,
        "--post-check",
        "health",
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 1, result.stderr
    (report,) = json.loads((tmp_path / "r.json").read_text())["hosts"]
    assert report["status"] == "failed"
    assert (
        f"health post-check failed: interfaces: {uplink} was up before the change and is now "
        "shut down" in report["message"]
    )
    assert "rolled back to the pre-change snapshot" in report["message"]
    assert f"interface {uplink}\n" in fleet[host].running_text()
    assert (
        "shutdown" not in fleet[host].running_text().split(f"interface {uplink}\n")[1].split("!")[0]
    )


@pytest.mark.parametrize("on_wave_fail", ["rollback-all", "stop"])
def test_on_wave_fail_rolls_back_every_wave_so_far_or_nothing(
    project: Path, fleet: dict[str, Device], tmp_path: Path, on_wave_fail: str
) -> None:
    before = _running(fleet)
    fleet["h06"].knobs.reject_lines = (r"^ntp server 10\.0\.0\.2",)
    result = nornir_pack(
        project,
        "run",
        "deploy",
        "--commit",
        "--wave-size",
        "4",
        "--on-wave-fail",
        on_wave_fail,
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 1, result.stderr
    waves = json.loads((tmp_path / "r.json").read_text())["waves"]
    after = _running(fleet)
    committed = ("h01", "h02", "h03", "h04", "h05", "h07", "h08")
    if on_wave_fail == "rollback-all":
        assert waves[0]["rolled_back"] == ["h01", "h02", "h03", "h04"]
        assert waves[1]["rolled_back"] == ["h05", "h07", "h08"]
        for name in committed:
            assert same_config(fleet[name], after[name], before[name]), name
    else:
        assert [w["rolled_back"] for w in waves] == [[], [], []]
        for name in committed:
            assert CHANGE_LINE in after[name], name
    assert same_config(fleet["h06"], after["h06"], before["h06"])  # rolled itself back
    for name in ("h09", "h10", "h11", "h12"):
        assert after[name] == before[name], name


FROZEN_RUNBOOK = """
from nornir_pack.tasks import deploy_config


def not_frozen(host, connection):
    return "this host is frozen" if host.get("frozen") else True


def run(nr, *, plugin=None, commit=False):
    return nr.run(task=deploy_config, plugin=plugin, dry_run=not commit, post_checks=[not_frozen])
"""


@pytest.mark.parametrize("frozen", ["h01", "h02"])  # IOS over scrapli, EOS over netmiko
def test_confirm_timeout_confirms_good_changes_and_leaves_a_failed_check_to_the_device_timer(
    project: Path, fleet: dict[str, Device], tmp_path: Path, frozen: str
) -> None:
    (project / "runbooks" / "frozen.py").write_text(FROZEN_RUNBOOK)
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    hosts[frozen]["data"]["frozen"] = True
    hosts_file.write_text(yaml.safe_dump(hosts, sort_keys=False))
    before = _running(fleet)
    fleet[frozen].knobs.minute_seconds = 1.0  # its timer: about a second (others: a minute)
    result = nornir_pack(
        project,
        "run",
        "frozen",
        "--commit",
        "--hosts",
        "h01,h02,h03,h04",
        "--confirm-timeout",
        "60",
        "--json",
        str(tmp_path / "r.json"),
    )
    logins_after_run = fleet[frozen].logins
    assert result.returncode == 1, result.stderr
    hosts_report = {h["name"]: h for h in json.loads((tmp_path / "r.json").read_text())["hosts"]}
    for name in {"h01", "h02", "h03", "h04"} - {frozen}:
        assert hosts_report[name]["steps"][0]["result"]["status"] == "committed and confirmed"
        assert CHANGE_LINE in fleet[name].running_text(), name
        assert fleet[name].startup == fleet[name].running_text(), name  # confirmed and saved
    message = hosts_report[frozen]["message"]
    assert "this host is frozen" in message
    assert "not confirmed: the device restores its pre-change config by itself" in message
    deadline = time.monotonic() + 20
    while not same_config(fleet[frozen], fleet[frozen].running_text(), before[frozen]):
        assert time.monotonic() < deadline, "the device did not revert by its timer"
        time.sleep(0.1)
    assert fleet[frozen].logins == logins_after_run  # reverted with no login by the tool
    assert fleet[frozen].startup == before[frozen]  # nothing was saved
