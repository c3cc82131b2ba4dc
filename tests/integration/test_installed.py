"""nornir-pack installed from its wheel into a fresh virtual env, used as a team uses it: a config
and an inventory in a folder of their own, the command run from yet another folder, and a project
started with `nornir-pack init`. Nothing here runs from this checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port
from tests.integration.conftest import Installed

pytestmark = pytest.mark.slow  # a wheel build and a fresh venv: about half a minute, once


def write_own_config(folder: Path) -> dict[str, int]:
    """Only config.yaml and inventory/, as a team writes them: its own ports, credentials,
    backup folder; no runbooks, templates or rules (the built-ins serve)."""
    ports = {name: free_port() for name in ("r1", "sw1", "sw1-eapi")}
    (folder / "inventory").mkdir(parents=True)
    hosts = {
        "r1": {"hostname": "127.0.0.1", "port": ports["r1"], "groups": ["core"]},
        "sw1": {
            "hostname": "127.0.0.1",
            "port": ports["sw1"],
            "groups": ["access"],
            "connection_options": {"napalm": {"port": ports["sw1-eapi"]}},
        },
    }
    groups = {
        "core": {"platform": "cisco_ios", "data": {"site": "hq"}},
        "access": {
            "platform": "arista_eos",
            "data": {"site": "hq"},
            "connection_options": {
                "napalm": {
                    "extras": {"optional_args": {"transport": "http", "secret": "${TEAM_ENABLE}"}}
                }
            },
        },
    }
    defaults = {
        "username": "netops",
        "password": "${TEAM_PASSWORD}",
        "connection_options": {
            "netmiko": {"extras": {"secret": "${TEAM_ENABLE}"}},
            "scrapli": {"extras": {"auth_secondary": "${TEAM_ENABLE}", "auth_strict_key": False}},
            "napalm": {"extras": {"optional_args": {"secret": "${TEAM_ENABLE}"}}},
        },
    }
    for name, data in (("hosts", hosts), ("groups", groups), ("defaults", defaults)):
        (folder / "inventory" / f"{name}.yaml").write_text(yaml.safe_dump(data))
    config = {
        "inventory": {
            "plugin": "SimpleInventory",
            "options": {
                "host_file": "inventory/hosts.yaml",
                "group_file": "inventory/groups.yaml",
                "defaults_file": "inventory/defaults.yaml",
            },
            "transform_function": "nornir_pack_credentials",
        },
        "logging": {"enabled": False},
        "user_defined": {"nornir_pack": {"backup_dir": "state/backups"}},
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    return ports


def test_builtin_runbooks_run_with_any_config_from_any_folder(
    installed: Installed, tmp_path: Path
) -> None:
    team = tmp_path / "team" / "network"
    write_own_config(team)
    third = tmp_path / "ci-workspace"
    third.mkdir()
    env = {"TEAM_PASSWORD": "t3am-pw", "TEAM_ENABLE": "t3am-enable"}
    config = "../team/network/config.yaml"

    def run(*args: str) -> tuple[int, dict[str, object]]:
        done = installed.shell(
            f"nornir-pack run {' '.join(args)} -c {config} --lab --json report.json", third, env
        )
        assert "Traceback" not in done.stderr, done.stderr
        assert (third / "report.json").is_file(), done.stdout + done.stderr
        return done.returncode, json.loads((third / "report.json").read_text())

    code, report = run("backup")
    assert code == 0, report
    assert sorted(p.name for p in (team / "state" / "backups").iterdir()) == ["r1.cfg", "sw1.cfg"]
    assert "hostname r1" in (team / "state" / "backups" / "r1.cfg").read_text()

    code, report = run("compliance")
    assert code == 1  # the lab's seed configs are not compliant with the built-in rules
    assert {h["status"] for h in report["hosts"]} == {"non-compliant"}  # type: ignore[union-attr]

    code, report = run("deploy")
    assert code == 0, report
    assert report["dry_run"] is True
    code, report = run("deploy", "--commit")
    assert code == 0, report
    assert [h["status"] for h in report["hosts"]] == ["changed", "changed"]  # type: ignore[union-attr]

    assert sorted(p.name for p in third.iterdir()) == ["report.json"]
    assert (team / ".nornir-pack-lab").is_dir()  # saved configs beside the config, too


def test_init_then_backup_and_pytest_pass(installed: Installed, tmp_path: Path) -> None:
    done = installed.shell(
        "nornir-pack init proj && cd proj && nornir-pack run backup --lab && pytest", tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert sorted(p.name for p in (tmp_path / "proj" / "backups").iterdir()) == [
        "r1.cfg",
        "r2.cfg",
        "sw1.cfg",
        "sw2.cfg",
    ]


def test_the_wheel_ships_the_builtins_and_the_starter(installed: Installed, tmp_path: Path) -> None:
    done = installed.shell("nornir-pack runbooks -c nowhere/config.yaml", tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("backup", "compliance", "deploy"):
        assert f"site-packages/nornir_pack/runbooks/{name}.py" in done.stdout
    assert "site-packages/nornir_pack/runbooks/templates" in done.stdout
    assert "site-packages/nornir_pack/runbooks/compliance.yaml" in done.stdout
    version = installed.shell("nornir-pack --version", tmp_path)
    assert version.stdout.startswith("nornir-pack ")
