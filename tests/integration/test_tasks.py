"""The nornir_pack tasks over every plugin x platform, with the real clients against the lab."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from nornir.core import Nornir
from nornir.core.task import Result

from nornir_pack.backends import DeviceError, choose_plugin
from nornir_pack.backends.napalm import NapalmBackend
from nornir_pack.exceptions import UsageError
from nornir_pack.lab import Device, Knobs, Lab
from nornir_pack.paths import BUILTIN_RULES, BUILTIN_TEMPLATES
from nornir_pack.tasks import (
    backup_config,
    changed_hosts,
    check_compliance,
    commit_backups,
    deploy_config,
    napalm_commit,
    napalm_diff,
    render_config,
)
from tests.conftest import DeviceFactory, own_file_prompt_quiet
from tests.integration.lab_nornir import SEED_SECRETS, build_nornir, host_entry
from tests.integration.test_commit_confirm import wait_until

RULES = BUILTIN_RULES
TEMPLATES = BUILTIN_TEMPLATES
PLATFORMS = ["cisco_ios", "arista_eos"]
PLUGINS = ["netmiko", "napalm", "scrapli"]

# The lab serves NAPALM once IOS takes SCP/configure replace and EOS answers eAPI.
NAPALM_READY = hasattr(Device, "eapi_port")


def _plugin_param(plugin: str) -> Any:
    marks = (
        []
        if plugin != "napalm" or NAPALM_READY
        else [
            pytest.mark.skip(reason="the lab does not serve NAPALM (eAPI, configure replace) yet")
        ]
    )
    return pytest.param(plugin, marks=marks, id=plugin)


@dataclass
class Target:
    """One lab device behind a one-host Nornir object."""

    lab: Lab
    device: Device
    nr: Nornir
    plugin: str
    folder: Path

    @property
    def platform(self) -> str:
        return self.device.platform.name

    def running(self) -> str:
        return self.lab.call(self.device.running_text)

    def startup(self) -> str:
        return self.lab.call(lambda: self.device.startup)

    def logins(self) -> int:
        """Logins and SSH connections the device has seen (eAPI: one login a request)."""
        return self.lab.call(lambda: self.device.logins + self.device.connections)

    def run(self, task: Callable[..., Result], **kwargs: Any) -> Result:
        # on_failed: a host that failed an earlier step of the test still runs this one
        results = self.nr.run(task=task, on_failed=True, **kwargs)
        return results[self.device.name][0]


TargetFactory = Callable[..., Target]


@pytest.fixture(params=[_plugin_param(p) for p in PLUGINS])
def plugin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_target(
    lab: Lab, make_device: DeviceFactory, tmp_path: Path, plugin: str, platform: str
) -> Iterator[TargetFactory]:
    """Build a fresh device and a Nornir over it; connections are closed at teardown."""
    built: list[Nornir] = []

    def factory(*, dry_run: bool = False, knobs: Knobs | None = None) -> Target:
        device = make_device(platform, knobs=knobs or Knobs())
        folder = tmp_path / f"inventory-{len(built)}"
        entry = host_entry(device, plugin, site="Lab")
        nr = build_nornir(folder, {device.name: entry}, dry_run=dry_run)
        built.append(nr)
        return Target(lab, device, nr, plugin, tmp_path)

    yield factory
    for nr in built:
        nr.close_connections(on_good=True, on_failed=True)


# Merge-mode changes per platform: add an NTP server, change a description, add a loopback.
CHANGE = {
    "cisco_ios": (
        "ntp server 10.0.0.5\n"
        "interface Loopback0\n description changed by deploy\n"
        "interface Loopback7\n description added by deploy\n ip address 10.7.7.7 255.255.255.255\n"
    ),
    "arista_eos": (
        "ntp server 10.0.0.5\n"
        "interface Loopback0\n   description changed by deploy\n"
        "interface Loopback7\n   description added by deploy\n   ip address 10.7.7.7/32\n"
    ),
}


# ------------------------------------------------------------------ backup
def test_backup_writes_sanitised_file_then_reports_no_change(
    make_target: TargetFactory, tmp_path: Path
) -> None:
    target = make_target()
    backups = tmp_path / "backups"

    first = target.run(backup_config, backup_dir=str(backups))

    assert not first.failed, first.result
    assert first.changed
    path = backups / f"{target.device.name}.cfg"
    assert first.result == str(path)
    content = path.read_text()
    assert f"hostname {target.device.name}" in content
    assert "interface Loopback0" in content
    assert "<redacted>" in content
    for secret in SEED_SECRETS:
        assert secret not in content, f"secret {secret!r} leaked into the backup"
        assert secret not in first.diff
    for volatile in ("Building configuration", "Current configuration", "! Last configuration"):
        assert volatile not in content
    assert "! device:" not in content and "! Command:" not in content

    second = target.run(backup_config, backup_dir=str(backups))

    assert not second.failed, second.result
    assert second.changed is False
    assert second.diff == ""
    assert path.read_text() == content
    assert [p.name for p in backups.iterdir()] == [path.name]  # no temporary files left


def test_backup_diff_shows_a_config_change(make_target: TargetFactory, tmp_path: Path) -> None:
    target = make_target()
    backups = tmp_path / "backups"
    target.run(backup_config, backup_dir=str(backups))
    target.run(deploy_config, config="ntp server 10.0.0.77\n")

    result = target.run(backup_config, backup_dir=str(backups))

    assert result.changed
    assert "+ntp server 10.0.0.77" in result.diff
    assert f"a/{target.device.name}.cfg" in result.diff


@pytest.mark.skipif(not NAPALM_READY, reason="the lab does not serve NAPALM yet")
def test_every_plugin_writes_the_same_backup_of_a_changed_device(
    lab: Lab, make_device: DeviceFactory, platform: str, tmp_path: Path
) -> None:
    """Plugins are interchangeable: a backup must not change because another plugin read the
    device. NAPALM's IOS get_config blanks the ``! Last configuration change`` line a change
    adds, where the CLI read drops it."""
    device = make_device(platform)
    files: dict[str, str] = {}
    for number, plugin in enumerate(PLUGINS):
        entry = host_entry(device, plugin)
        nr = build_nornir(tmp_path / f"inventory-{plugin}", {device.name: entry})
        try:
            if number == 0:
                nr.run(task=deploy_config, config="ntp server 10.0.0.77\n")
            backups = tmp_path / f"backups-{plugin}"
            result = nr.run(task=backup_config, backup_dir=str(backups))[device.name][0]
        finally:
            nr.close_connections(on_good=True, on_failed=True)
        assert not result.failed, result.result
        files[plugin] = (backups / f"{device.name}.cfg").read_text()
    assert "ntp server 10.0.0.77" in files["netmiko"]
    assert files["napalm"] == files["netmiko"]
    assert files["scrapli"] == files["netmiko"]


# ------------------------------------------------------------------ deploy
def test_deploy_dry_run_shows_diff_and_touches_nothing(make_target: TargetFactory) -> None:
    target = make_target(dry_run=True)  # Nornir's global dry run, as InitNornir(dry_run=True)
    before, startup = target.running(), target.startup()

    result = target.run(deploy_config, config=CHANGE[target.platform])

    assert not result.failed, result.result
    assert result.changed is False
    assert result.result["status"] == "dry run"
    assert "+ ntp server 10.0.0.5" in result.diff
    assert "+ interface Loopback7" in result.diff
    assert "description changed by deploy" in result.diff
    assert target.running() == before
    assert target.startup() == startup


def test_deploy_commits_verifies_saves_and_is_idempotent(make_target: TargetFactory) -> None:
    target = make_target()

    first = target.run(deploy_config, config=CHANGE[target.platform], dry_run=False)

    assert not first.failed, first.result
    assert first.changed is True
    assert first.result["status"] == "committed"
    assert first.result["plugin"] == target.plugin
    assert "+ ntp server 10.0.0.5" in first.diff
    running = target.running()
    assert "ntp server 10.0.0.5" in running
    assert "description changed by deploy" in running
    assert "description Router ID" not in running
    assert "interface Loopback7" in running
    assert "ntp server 10.0.0.5" in target.startup()  # saved

    second = target.run(deploy_config, config=CHANGE[target.platform])

    assert not second.failed, second.result
    assert second.changed is False
    assert second.diff == ""
    assert target.running() == running


def test_deploy_replace_mode_removes_what_the_candidate_lacks(
    make_target: TargetFactory,
) -> None:
    target = make_target()
    candidate = target.running().replace("ntp server 10.0.0.99\n", "ntp server 10.0.0.5\n")

    first = target.run(deploy_config, config=candidate, mode="replace")

    assert not first.failed, first.result
    assert first.changed
    assert "- ntp server 10.0.0.99" in first.diff
    assert "+ ntp server 10.0.0.5" in first.diff
    running = target.running()
    assert "ntp server 10.0.0.99" not in running
    assert "ntp server 10.0.0.5" in running
    assert target.run(deploy_config, config=candidate, mode="replace").changed is False


def test_deploy_refused_line_fails_host_and_restores_running_exactly(
    make_target: TargetFactory,
) -> None:
    target = make_target(knobs=Knobs(reject_lines=(r"^\s*logging host 10\.9\.9\.9",)))
    before, startup = target.running(), target.startup()
    # The NTP line is accepted and pushed before the refused line: rollback must undo it.
    candidate = "ntp server 10.0.0.5\nlogging host 10.9.9.9\n"

    result = target.run(deploy_config, config=candidate)

    assert result.failed
    message = str(result.result)
    assert "logging host 10.9.9.9" in message
    assert "rolled back" in message or "nothing left to undo" in message
    assert "verified equal to" in message
    assert "Traceback" not in message
    assert target.running() == before
    assert target.startup() == startup  # NAPALM's own `file prompt quiet` saved away too
    # The next run starts clean: the failed connection was not reused.
    assert target.run(backup_config, backup_dir=str(target.folder / "b")).failed is False


def test_deploy_diff_never_shows_secrets(make_target: TargetFactory) -> None:
    target = make_target(dry_run=True)
    candidate = "snmp-server community N3wS3cretRW rw\nenable secret 0 PlainS3cret\n"
    if target.platform == "cisco_ios":
        candidate = candidate.replace(" rw", " RW")
    else:
        candidate = "snmp-server community N3wS3cretRW rw\nenable password 0 PlainS3cret\n"

    result = target.run(deploy_config, config=candidate)

    assert not result.failed, result.result
    assert result.diff
    assert "N3wS3cretRW" not in result.diff
    assert "PlainS3cret" not in result.diff
    assert "<redacted>" in result.diff


def test_deploy_refuses_redacted_placeholders(make_target: TargetFactory) -> None:
    target = make_target()
    before = target.running()

    result = target.run(deploy_config, config="enable secret 0 <redacted>\n")

    assert result.failed
    assert "line 1 contains the placeholder <redacted>" in result.result
    assert target.running() == before


# ------------------------------------------------------------------ compliance
def rule(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in report["rules"] if r["name"] == name)


def test_compliance_finds_ntp_drift_and_its_remediation_fixes_it(
    make_target: TargetFactory, tmp_path: Path
) -> None:
    target = make_target()
    # The seed has 10.0.0.1 and 10.0.0.99; the template wants 10.0.0.1 and 10.0.0.2.
    checked = target.run(check_compliance, rules=str(RULES), template_dir=str(TEMPLATES))

    assert not checked.failed, checked.result
    assert checked.changed is False
    report = checked.result
    assert report["compliant"] is False
    ntp = rule(report, "ntp")
    assert ntp["compliant"] is False
    assert ntp["missing"] == ["ntp server 10.0.0.2"]
    assert ntp["extra"] == ["ntp server 10.0.0.99"]
    for secret in SEED_SECRETS:
        assert secret not in str(report)

    fixed = target.run(deploy_config, config=ntp["remediation"])
    assert fixed.changed, fixed.result

    again = target.run(check_compliance, rules=str(RULES), template_dir=str(TEMPLATES))
    assert rule(again.result, "ntp")["compliant"] is True
    ntp_only = tmp_path / "ntp.yaml"
    ntp_only.write_text("features:\n  - name: ntp\n    section: [ntp server]\n")
    whole = target.run(check_compliance, rules=str(ntp_only), template_dir=str(TEMPLATES))
    assert whole.result["compliant"] is True
    assert whole.result["remediation"] == ""


@pytest.mark.parametrize("plugin", ["scrapli"])
@pytest.mark.parametrize("platform", ["arista_eos"])
def test_compliance_with_bad_rules_fails_host_with_the_file(
    make_target: TargetFactory, tmp_path: Path
) -> None:
    target = make_target()
    bad = tmp_path / "rules.yaml"
    bad.write_text("features:\n  - section: [ntp server]\n")

    result = target.run(check_compliance, rules=str(bad), template_dir=str(TEMPLATES))

    assert result.failed
    assert str(bad) in result.result
    assert "features[0].name" in result.result


# ------------------------------------------------------------------ render, git, errors
def test_render_then_deploy_from_template(make_target: TargetFactory, tmp_path: Path) -> None:
    target = make_target()
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / f"{target.platform}.j2").write_text(
        "{% for server in ntp_servers %}ntp server {{ server }}\n{% endfor %}"
    )
    target.nr.inventory.hosts[target.device.name].data["ntp_servers"] = ["10.0.0.8"]

    rendered = target.run(render_config, template_dir=str(templates))
    deployed = target.run(deploy_config, template_dir=str(templates))

    assert rendered.result == "ntp server 10.0.0.8\n"
    assert deployed.changed, deployed.result
    assert "ntp server 10.0.0.8" in target.running()

    missing = target.run(render_config, template_dir=str(templates), template="nope.j2")
    assert missing.failed
    assert "nope.j2: template not found" in missing.result


@pytest.mark.parametrize("plugin", ["scrapli"])
@pytest.mark.parametrize("platform", ["cisco_ios"])
def test_commit_backups_to_git_once_per_run(make_target: TargetFactory, tmp_path: Path) -> None:
    target = make_target()
    backups = tmp_path / "backups"

    results = target.nr.run(task=backup_config, backup_dir=str(backups))
    commit = commit_backups(backups, changed_hosts(results))

    assert commit is not None
    log = subprocess.run(
        ["git", "-C", str(backups), "log", "--format=%s"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert log.strip() == f"Backup: 1 host(s) changed: {target.device.name}"
    again = target.nr.run(task=backup_config, backup_dir=str(backups))
    assert changed_hosts(again) == []
    assert commit_backups(backups, changed_hosts(again)) is None


@pytest.mark.parametrize("plugin", ["netmiko"])
@pytest.mark.parametrize("platform", ["arista_eos"])
def test_unreachable_device_fails_host_with_a_message(make_target: TargetFactory) -> None:
    target = make_target(knobs=Knobs(reject_auth=True))

    result = target.run(backup_config, backup_dir=str(target.folder / "b"))

    assert result.failed
    assert "reading the running config failed over netmiko" in result.result
    assert "Traceback" not in result.result
    assert not target.nr.inventory.hosts[target.device.name].connections


# ------------------------------------------------------------------ plugin choice
def test_plugin_choice_most_specific_first(tmp_path: Path) -> None:
    def host(**data: Any) -> dict[str, Any]:
        return {"hostname": "127.0.0.1", "platform": "cisco_ios", "data": data}

    hosts = {
        "own": {**host(nornir_pack={"plugin": "netmiko"}), "groups": ["napalm_group"]},
        "group": {**host(), "groups": ["napalm_group"]},
        "other_keys": {**host(nornir_pack={"note": "x"}), "groups": ["napalm_group"]},
        "plain": host(),
    }
    groups = {"napalm_group": {"data": {"nornir_pack": {"plugin": "napalm"}}}}
    nr = build_nornir(
        tmp_path / "a",
        hosts,
        groups=groups,
        user_defined={"nornir_pack": {"plugin": "netmiko"}},
    )
    inventory, config = nr.inventory.hosts, nr.config

    assert choose_plugin(inventory["own"], config) == "netmiko"
    assert choose_plugin(inventory["group"], config) == "napalm"
    assert choose_plugin(inventory["other_keys"], config) == "napalm"
    assert choose_plugin(inventory["plain"], config) == "netmiko"  # config.yaml
    assert choose_plugin(inventory["own"], config, "scrapli") == "scrapli"  # task argument

    bare = build_nornir(tmp_path / "b", {"plain": host()}, defaults_data={})
    assert choose_plugin(bare.inventory.hosts["plain"], bare.config) == "scrapli"
    from_defaults = build_nornir(
        tmp_path / "c", {"plain": host()}, defaults_data={"nornir_pack": {"plugin": "napalm"}}
    )
    assert choose_plugin(from_defaults.inventory.hosts["plain"], from_defaults.config) == "napalm"

    typo = build_nornir(tmp_path / "d", {"typo": host(nornir_pack={"plugin": "netmikko"})})
    with pytest.raises(UsageError, match=r"host 'typo' data nornir_pack\.plugin is 'netmikko'"):
        choose_plugin(typo.inventory.hosts["typo"], typo.config)
    failed = typo.run(task=backup_config, backup_dir=str(tmp_path / "backups"))
    assert failed["typo"].failed
    assert "use one of napalm, netmiko, scrapli" in failed["typo"][0].result


# ------------------------------------------------------------------ NAPALM-native tasks
napalm_only = pytest.mark.parametrize("plugin", [_plugin_param("napalm")])


def no_pending_session(target: Target) -> bool:
    """No EOS config session left pending and no IOS replace waiting for a confirm."""
    device = target.device
    sessions = target.lab.call(lambda: list(device.sessions.values()))
    timer = target.lab.call(lambda: device.rollback_timer)
    return timer is None and all(s.state == "completed" for s in sessions)


@napalm_only
def test_napalm_diff_matches_the_normalised_diff_and_leaves_no_session(
    make_target: TargetFactory,
) -> None:
    target = make_target()
    before = target.running()

    native = target.run(napalm_diff, config=CHANGE[target.platform], replace=False)
    planned = target.run(deploy_config, config=CHANGE[target.platform], dry_run=True)

    assert not native.failed, native.result
    assert native.changed is False
    assert native.diff == planned.diff  # one normalised diff, whichever task or plugin
    assert "ntp server 10.0.0.5" in native.result["native_diff"]
    assert target.running() == before
    assert no_pending_session(target)


@napalm_only
def test_napalm_commit_merge_then_idempotent(make_target: TargetFactory) -> None:
    target = make_target()

    first = target.run(napalm_commit, config=CHANGE[target.platform], replace=False)
    second = target.run(napalm_commit, config=CHANGE[target.platform], replace=False)

    assert not first.failed, first.result
    assert first.changed
    assert "+ ntp server 10.0.0.5" in first.diff
    assert "ntp server 10.0.0.5" in target.running()
    assert second.changed is False, second.diff
    assert no_pending_session(target)


@napalm_only
def test_napalm_commit_dry_run_loads_compares_discards(make_target: TargetFactory) -> None:
    target = make_target(dry_run=True)
    before = target.running()

    result = target.run(napalm_commit, config=CHANGE[target.platform], replace=False)

    assert not result.failed, result.result
    assert result.changed is False
    assert result.result["status"] == "dry run"
    assert "ntp server 10.0.0.5" in result.result["native_diff"]
    assert target.running() == before
    assert no_pending_session(target)


@napalm_only
def test_napalm_commit_confirms_after_post_check(make_target: TargetFactory) -> None:
    target = make_target()
    own_file_prompt_quiet(target.lab, target.device)

    result = target.run(napalm_commit, config=CHANGE[target.platform], replace=False, revert_in=60)

    assert not result.failed, result.result
    assert result.changed
    assert result.result["status"] == "committed and confirmed"
    assert "ntp server 10.0.0.5" in target.running()
    assert no_pending_session(target)


# a NAPALM commit with a revert timer: the task and its timer argument, in seconds
CONFIRMED = {
    "napalm_commit": (napalm_commit, "revert_in"),
    "deploy_config": (deploy_config, "confirm_timeout"),
}


@napalm_only
@pytest.mark.parametrize("task", list(CONFIRMED))
@pytest.mark.parametrize("fault", ["check fails", "logins refused"])
def test_napalm_leaves_a_failed_post_check_to_the_device_timer(
    make_target: TargetFactory, monkeypatch: pytest.MonkeyPatch, task: str, fault: str
) -> None:
    target = make_target(knobs=Knobs(minute_seconds=3.0))  # the 1-minute timer: 3 s
    own_file_prompt_quiet(target.lab, target.device)
    before, startup = target.running(), target.startup()
    logins_after_check: list[int] = []  # once the post-check's own login is done
    post_check = NapalmBackend.fresh_running_config

    def new_logins_refused(backend: NapalmBackend) -> str:
        # a real fault at the worst moment: the device refuses the post-check's login
        knobs = target.device.knobs
        target.lab.call(lambda: setattr(knobs, "reject_auth", fault == "logins refused"))
        try:
            return post_check(backend)
        finally:
            target.lab.call(lambda: setattr(knobs, "reject_auth", False))
            logins_after_check.append(target.logins())

    def frozen(host: Any, connection: Any) -> str:
        return "this host is frozen"

    monkeypatch.setattr(NapalmBackend, "fresh_running_config", new_logins_refused)
    function, timer = CONFIRMED[task]
    result = target.run(
        function, config=CHANGE[target.platform], post_checks=[frozen], **{timer: 60}
    )

    assert result.failed
    reason = "this host is frozen" if fault == "check fails" else "post-check over a new connection"
    assert reason in result.result
    assert "not confirmed: the device restores its pre-change config by itself" in result.result
    assert "ntp server 10.0.0.5" in target.running()  # the tool left it to the timer
    assert wait_until(lambda: target.running() == before), "the device did not revert"
    assert [target.logins()] == logins_after_check  # no login by the tool after its check
    assert target.startup() == startup == before  # nothing saved: startup equals running
    assert no_pending_session(target)


CUT_LINE = "logging host 10.66.66.66"  # with the knob below, this line locks logins out


def test_a_deploy_that_cuts_logins_is_left_to_the_device_timer(make_target: TargetFactory) -> None:
    """The change takes the device's management away (new logins refused) once committed: the
    tool cannot check, confirm or roll back over a new login, so it says the device's timer
    restores the device, never that a rollback failed, and the timer does."""
    knobs = Knobs(minute_seconds=3.0, cut_logins_on=(rf"^{CUT_LINE}$",))
    target = make_target(knobs=knobs)
    own_file_prompt_quiet(target.lab, target.device)
    before, startup = target.running(), target.startup()

    result = target.run(deploy_config, config=f"{CUT_LINE}\n", confirm_timeout=60)

    assert result.failed
    assert "ROLLBACK FAILED" not in result.result, result.result
    assert "the device restores its pre-change config by itself" in result.result, result.result
    assert wait_until(lambda: target.running() == before), "the device did not revert"
    assert target.startup() == startup  # nothing was saved
    assert no_pending_session(target)


def test_device_error_is_a_nornir_pack_error() -> None:
    from nornir_pack.exceptions import NornirPackError

    assert issubclass(DeviceError, NornirPackError)
