"""Every configuration error before the first login.

Each bad input runs the real command (no ``--lab``) against devices this test serves from the
session's lab on the project's own ports, and must give exit code 2, one line on stderr naming
the file (and key or line) and the fix, no traceback, and not one login on any device.
"""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.lab import Device
from tests.integration.test_cli_run import nornir_pack

_serial = itertools.count(1)

Prepare = Callable[[Path], None]


# ------------------------------------------------------------------ ways to break a project
def _edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def _hosts(change: Callable[[dict[str, Any]], None]) -> Prepare:
    return lambda project: _edit_yaml(project / "inventory" / "hosts.yaml", change)


def _groups(change: Callable[[dict[str, Any]], None]) -> Prepare:
    return lambda project: _edit_yaml(project / "inventory" / "groups.yaml", change)


def _settings(**values: Any) -> Prepare:
    """Keys of ``user_defined.nornir_pack`` in config.yaml."""
    return lambda project: _edit_yaml(
        project / "config.yaml", lambda c: c["user_defined"]["nornir_pack"].update(values)
    )


def _append(relative: str, text: bytes) -> Prepare:
    def prepare(project: Path) -> None:
        with (project / relative).open("ab") as stream:
            stream.write(text)

    return prepare


def _write(relative: str, text: str) -> Prepare:
    return lambda project: (project / relative).write_text(text)


def _remove(relative: str) -> Prepare:
    return lambda project: (project / relative).unlink()


def _both(*steps: Prepare) -> Prepare:
    def prepare(project: Path) -> None:
        for step in steps:
            step(project)

    return prepare


def _ignored_backups(project: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(project)], check=True)
    (project / ".gitignore").write_text("backups/\n")
    _settings(backup_git=True)(project)


def _in_group(host: str, group: str) -> Callable[[dict[str, Any]], None]:
    return lambda hosts: hosts[host].update(groups=[group])


def _napalm_optional_port(hosts: dict[str, Any]) -> None:
    hosts["sw1"]["connection_options"]["napalm"]["extras"] = {
        "optional_args": {"transport": "http", "port": "eapi"}
    }


NOT_UTF8 = b"# caf\xe9\n"
TEMPLATE = "runbooks/templates/cisco_ios.j2"
FIX = "fix the template"
NO_NORNIR_PARAMETER = "def run(*, plugin=None):\n    raise SystemExit('ran')\n"

# id: (runbook, extra arguments, how to break the project, words the one line must hold)
CASES: dict[str, tuple[str, list[str], Prepare | None, list[str]]] = {
    "filter-yaml": ("backup", ["--filter", "role=[x"], None,
        ["--filter", "not valid YAML", "quote"]),
    "config-not-utf8": ("backup", [], _append("config.yaml", NOT_UTF8),
        ["config.yaml: line", "not UTF-8", "save the file as UTF-8"]),
    "hosts-not-utf8": ("backup", [], _append("inventory/hosts.yaml", NOT_UTF8),
        ["hosts.yaml: line", "not UTF-8", "save the file as UTF-8"]),
    "template-not-utf8": ("deploy", [], _append(TEMPLATE, NOT_UTF8),
        ["cisco_ios.j2: line", "not UTF-8", "save the file as UTF-8"]),
    "rules-not-utf8": ("compliance", [], _append("runbooks/compliance.yaml", NOT_UTF8),
        ["compliance.yaml: line", "not UTF-8", "save the file as UTF-8"]),
    "duplicate-host": ("backup", [], _append("inventory/hosts.yaml", b"r1:\n  port: 22\n"),
        ["hosts.yaml: line", "duplicate key 'r1'", "first on line", "keep one"]),
    "duplicate-group": ("backup", [], _append("inventory/groups.yaml", b"ios: {}\n"),
        ["groups.yaml: line", "duplicate key 'ios'", "keep one"]),
    "duplicate-default": ("backup", [], _append("inventory/defaults.yaml", b"username: x\n"),
        ["defaults.yaml: line", "duplicate key 'username'", "keep one"]),
    "duplicate-config": ("backup", [], _append("config.yaml", b"runner: {}\n"),
        ["config.yaml: line", "duplicate key 'runner'", "keep one"]),
    "duplicate-rule": ("compliance", [], _append("runbooks/compliance.yaml", b"features: []\n"),
        ["compliance.yaml: line", "duplicate key 'features'", "keep one"]),
    "host-unknown-group": ("backup", [], _hosts(_in_group("r1", "ioss")),
        ["hosts.yaml", "host 'r1'", "group 'ioss'", "groups.yaml does not", "add the group"]),
    "group-unknown-group": ("backup", [], _groups(lambda g: g["eos"].update(groups=["core"])),
        ["groups.yaml", "group 'eos'", "group 'core'", "add the group"]),
    "same-address": ("deploy", [], _hosts(lambda h: h["r2"].update(port=h["r1"]["port"])),
        ["hosts.yaml", "hosts 'r1' and 'r2'", "own hostname or port"]),
    "same-address-port-22": ("backup", [],
        _hosts(lambda h: [h[n].update(port=None) for n in ("r1", "sw2")]),
        ["hosts.yaml", "hosts 'r1' and 'sw2'", "127.0.0.1:22", "own hostname or port"]),
    "port-text": ("backup", [], _hosts(lambda h: h["r1"].update(port="ssh")),
        ["hosts.yaml", "host 'r1' port is 'ssh'", "as a number"]),
    "port-range": ("backup", [], _hosts(lambda h: h["r1"].update(port=70000)),
        ["hosts.yaml", "host 'r1' port is 70000", "from 1 to 65535"]),
    "napalm-port": ("backup", ["--plugin", "napalm"],
        _hosts(lambda h: h["sw1"]["connection_options"]["napalm"].update(port=0)),
        ["hosts.yaml", "host 'sw1' connection_options.napalm.port is 0", "from 1 to 65535"]),
    "napalm-optional-args-port": ("backup", [], _hosts(_napalm_optional_port),
        ["hosts.yaml", "host 'sw1' connection_options.napalm.extras.optional_args.port", "number"]),
    "config-folder": ("backup", ["-c", "inventory"], None, ["inventory", "folder", "-c"]),
    "empty-hosts": ("deploy", ["--commit", "--hosts", ""], None,
        ["--hosts", "names no host", "leave --hosts out"]),
    "runbook-signature": ("norun", [], _write("runbooks/norun.py", NO_NORNIR_PARAMETER),
        ["norun.py", "run() takes no positional parameter", "def run(nr"]),
    "template-syntax": ("deploy", ["--commit"], _append(TEMPLATE, b"{% if %}\n"),
        ["cisco_ios.j2:", "template syntax error", FIX]),
    "template-syntax-compliance": ("compliance", [], _append(TEMPLATE, b"{{ x\n"),
        ["cisco_ios.j2:", "template syntax error", FIX]),
    "template-missing": ("deploy", [], _remove("runbooks/templates/arista_eos.j2"),
        ["arista_eos.j2", "template not found", "'sw1'", "create it"]),
    "deploy-mode": ("deploy", ["--commit"], _settings(deploy_mode="replcae"),
        ["config.yaml", "deploy_mode is 'replcae'", "'merge' or 'replace'"]),
    "plugin-config": ("backup", [], _settings(plugin="paramiko"),
        ["config.yaml", "user_defined.nornir_pack.plugin is 'paramiko'", "use one of"]),
    "plugin-host": ("backup", [],
        _hosts(lambda h: h["r2"].update(data={"nornir_pack": {"plugin": "paramiko"}})),
        ["hosts.yaml", "host 'r2' data nornir_pack.plugin is 'paramiko'", "use one of"]),
    "plugin-group": ("backup", ["--plugin", "netmiko"],
        _groups(lambda g: g["ios"]["data"].update(nornir_pack={"plugin": "paramiko"})),
        ["groups.yaml", "group 'ios' data nornir_pack.plugin is 'paramiko'", "use one of"]),
    "backup-dir-file": ("backup", [],
        _both(_write("taken", ""), _settings(backup_dir="taken")),
        ["config.yaml", "backup_dir 'taken'", "is a file", "choose a folder"]),
    "backup-dir-under-file": ("backup", [],
        _both(_write("taken", ""), _settings(backup_dir="taken/backups")),
        ["config.yaml", "backup_dir 'taken/backups'", "taken is a file", "choose a folder"]),
    "backup-dir-uncreatable": ("backup", [], _settings(backup_dir="/proc/nornir-pack/backups"),
        ["config.yaml", "backup_dir '/proc/nornir-pack/backups'", "cannot create", "choose a"]),
    "backup-git-ignored": ("backup", [], _ignored_backups,
        ["config.yaml", "backup_git is true", "git ignores", ".gitignore:1", "backup_git: false"]),
    "json-path": ("deploy", ["--commit", "--json", "taken/report.json"], _write("taken", ""),
        ["taken/report.json", "--json report cannot be written", "taken is a file"]),
    "junit-path": ("compliance", ["--junit", "taken/out.xml"], _write("taken", ""),
        ["taken/out.xml", "--junit report cannot be written", "choose a path"]),
    "markdown-path": ("backup", ["--markdown", "."], None,
        [".: --markdown names a folder", "name a file"]),
}  # fmt: skip


def _assert_refused(result: subprocess.CompletedProcess[str], words: list[str]) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_refused_before_any_login(
    project: Path, served: list[Device], name: str
) -> None:
    runbook, args, prepare, words = CASES[name]
    if prepare is not None:
        prepare(project)
    before = [device.logins for device in served]
    result = nornir_pack(project, "run", runbook, *args)
    _assert_refused(result, words)
    assert [device.logins for device in served] == before, "a device saw a login"
    assert not (project / "backups").exists()


INVENTORY_CASES = ["same-address", "port-text", "napalm-port", "host-unknown-group", "plugin-host"]


@pytest.mark.parametrize("name", INVENTORY_CASES)
def test_inventory_command_runs_the_same_checks(project: Path, name: str) -> None:
    _, _, prepare, words = CASES[name]
    assert prepare is not None
    prepare(project)
    _assert_refused(nornir_pack(project, "inventory"), words)


def test_the_served_lab_sees_the_logins_of_a_good_run(project: Path, served: list[Device]) -> None:
    """The control: the same project, unbroken, does log in to every served device."""
    result = nornir_pack(project, "run", "backup")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert all(device.logins > 0 for device in served)
    assert sorted(p.name for p in (project / "backups").iterdir()) == [
        "r1.cfg",
        "r2.cfg",
        "sw1.cfg",
        "sw2.cfg",
    ]
