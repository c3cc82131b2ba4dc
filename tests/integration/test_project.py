"""A team's own project: built-in runbooks and overrides, paths against config.yaml's folder,
`nornir-pack init`, plain Nornir with the libraries' own tasks, cheap imports, `lab up`.

Everything runs the real command or real clients against the lab, from a folder other than the
project's wherever the folder matters.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from netmiko import ConnectHandler
from nornir import InitNornir

from nornir_pack import __version__, load_nornir
from nornir_pack.lab import Lab
from nornir_pack.tasks import backup_config, check_compliance, render_config

READY_TIMEOUT = 60
REPO = Path(__file__).resolve().parents[2]
SCRIPT_TIMEOUT = 300


def command(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``nornir-pack ARGS`` run from ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
        env={**os.environ, **(env or {})},
    )


def bare(project: Path) -> Path:
    """The project with only config.yaml and inventory/: no runbooks, templates or rules, so
    everything comes from the built-ins."""
    shutil.rmtree(project / "runbooks")
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["user_defined"]["nornir_pack"] = {"plugin": "scrapli"}
    (project / "config.yaml").write_text(yaml.safe_dump(config))
    return project


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"test_project_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ built-in runbooks
def test_runbooks_lists_builtins_examples_and_an_override_that_a_run_uses(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (project / "runbooks" / "backup.py").write_text(
        '"""The team\'s own backup: into team-backups/."""\n'
        "from nornir_pack.tasks import backup_config\n\n\n"
        "def run(nr):\n"
        '    return nr.run(task=backup_config, name="team-backup", backup_dir="team-backups")\n'
    )
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = str(project / "config.yaml")

    listed = command(elsewhere, "runbooks", "-c", config)
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines() if line.startswith("  ")}
    assert "project, replaces the built-in" in rows["backup"]
    assert str(project / "runbooks" / "backup.py") in rows["backup"]
    assert "built-in" in rows["deploy"] and "built-in" in rows["compliance"]
    assert "project" in rows["facts"] and "project" in rows["backup_then_deploy"]
    assert str(project / "runbooks" / "templates") in rows["template_dir"]
    assert "config.yaml" in rows["rules"]

    ran = command(elsewhere, "run", "backup", "-c", config, "--lab", "--hosts", "r1")
    assert ran.returncode == 0, ran.stderr
    assert (project / "team-backups" / "r1.cfg").is_file()  # the override, relative to config
    assert not (project / "backups").exists()
    assert not list(elsewhere.iterdir())


def test_filter_on_inherited_host_data_selects_hosts(project: Path) -> None:
    """The README's example: site is group data, which --filter site=lab sees."""
    done = command(project, "inventory", "--filter", "site=lab", "--filter", "role=switch")
    assert done.returncode == 0, done.stderr
    assert "sw1" in done.stdout and "sw2" in done.stdout and "r1" not in done.stdout


def test_unknown_runbook_names_the_builtins(tmp_path: Path, project: Path) -> None:
    done = command(tmp_path, "run", "nosuch", "-c", str(bare(project) / "config.yaml"))
    assert done.returncode == 2
    assert "unknown runbook 'nosuch': use one of backup, compliance, deploy" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ paths
def test_a_runbook_file_run_from_another_folder_writes_beside_its_config(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The issue's case: python /path/runbooks/X.py -c /path/config.yaml, from /tmp."""
    elsewhere = tmp_path_factory.mktemp("cwd")
    done = subprocess.run(
        [
            sys.executable,
            str(project / "runbooks" / "backup_then_deploy.py"),
            "-c",
            str(project / "config.yaml"),
            "--lab",
            "--hosts",
            "r1,sw1",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (project / "backups").iterdir()) == ["r1.cfg", "sw1.cfg"]
    assert not list(elsewhere.iterdir())


def test_tasks_resolve_relative_paths_against_the_config_folder(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    nr = load_nornir(project / "config.yaml")
    with Lab.from_nornir(nr):
        checked = nr.run(task=check_compliance)  # config.yaml's rules and template_dir
        assert sorted(checked) == ["r1", "r2", "sw1", "sw2"]
        assert not checked.failed, {h: r[0].result for h, r in checked.items()}
        assert checked["r1"][0].result["compliant"] is False
        rendered = nr.run(task=render_config, template_dir="runbooks/templates")
        assert not rendered.failed
        backed_up = nr.run(task=backup_config, backup_dir="elsewhere")
        assert not backed_up.failed  # and every host is still in the next run
        assert backed_up["r1"][0].result == str(project / "elsewhere" / "r1.cfg")
        nr.close_connections()
    assert not list(Path.cwd().iterdir())


def test_nornir_log_file_resolves_against_the_config_folder(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["logging"] = {"enabled": True, "log_file": "logs/nornir.log", "level": "INFO"}
    (project / "logs").mkdir()
    (project / "config.yaml").write_text(yaml.safe_dump(config))
    elsewhere = tmp_path_factory.mktemp("cwd")
    done = subprocess.run(  # a process of its own: Nornir's logging setup is process-wide
        [
            sys.executable,
            "-c",
            "import sys; from nornir_pack import load_nornir; "
            "print(load_nornir(sys.argv[1]).config.logging.log_file)",
            str(project / "config.yaml"),
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(project / "logs" / "nornir.log")
    assert (project / "logs" / "nornir.log").is_file()
    assert not list(elsewhere.iterdir())


# ------------------------------------------------------------------ plain Nornir
def test_the_libraries_own_tasks_run_on_cisco_ios_and_arista_eos(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """runbooks/facts.py: nornir_scrapli send_command, nornir_netmiko netmiko_send_command and
    nornir_napalm napalm_get, through load_nornir (the command's loader)."""
    report = project / "facts.json"
    done = command(
        tmp_path_factory.mktemp("cwd"),
        *("run", "facts", "-c", str(project / "config.yaml"), "--lab", "--hosts", "r1,sw1"),
        *("--json", str(report)),
    )
    assert done.returncode == 0, done.stderr
    hosts = {host["name"]: host for host in json.loads(report.read_text())["hosts"]}
    assert sorted(hosts) == ["r1", "sw1"]
    for name, host in hosts.items():
        steps = {step["name"]: step["status"] for step in host["steps"]}
        assert steps == {"send_command": "ok", "netmiko_send_command": "ok", "napalm_get": "ok"}
        assert f"'hostname': '{name}'" in str(host["steps"][-1]["result"])


def test_plain_initnornir_with_the_transform_function_works_the_same(project: Path) -> None:
    facts = load_module(project / "runbooks" / "facts.py").facts
    inventory = project / "inventory"
    nr = InitNornir(
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(inventory / "hosts.yaml"),
                "group_file": str(inventory / "groups.yaml"),
                "defaults_file": str(inventory / "defaults.yaml"),
            },
            "transform_function": "nornir_pack_credentials",
        },
        logging={"enabled": False},
    ).filter(filter_func=lambda host: host.name in ("r1", "sw1"))
    with Lab.from_nornir(nr):
        result = nr.run(task=facts)
        nr.close_connections()
    assert not result.failed, {h: [r.result for r in m] for h, m in result.items()}
    assert {host: multi[0].result["hostname"] for host, multi in result.items()} == {
        "r1": "r1",
        "sw1": "sw1",
    }


# ------------------------------------------------------------------ nornir-pack init
def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    first = command(tmp_path, "init", "net")
    assert first.returncode == 0, first.stderr
    project = tmp_path / "net"
    for name in (
        "config.yaml",
        "inventory/hosts.yaml",
        "runbooks/ntp.py",
        "templates/cisco_ios.j2",
        "compliance.yaml",
        ".gitignore",
        ".github/workflows/network.yml",
        "tests/test_ntp.py",
    ):
        assert (project / name).is_file(), name
    hosts = yaml.safe_load((project / "inventory" / "hosts.yaml").read_text())
    assert sorted(hosts) == ["r1", "r2", "sw1", "sw2"]
    assert "${NORNIR_PACK_PASSWORD" in (project / "inventory" / "defaults.yaml").read_text()

    (project / "config.yaml").write_text("# mine\n")
    again = command(tmp_path, "init", "net")
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1
    assert "config.yaml" in again.stderr and "--force" in again.stderr
    assert (project / "config.yaml").read_text() == "# mine\n"

    forced = command(tmp_path, "init", "net", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "inventory" in (project / "config.yaml").read_text()

    (tmp_path / "file").write_text("")
    on_file = command(tmp_path, "init", "file")
    assert on_file.returncode == 2
    assert "is a file" in on_file.stderr


def _ports(project: Path) -> list[int]:
    hosts = yaml.safe_load((project / "inventory" / "hosts.yaml").read_text())
    return [
        *(hosts[h]["port"] for h in ("r1", "r2", "sw1", "sw2")),
        *(hosts[h]["connection_options"]["napalm"]["port"] for h in ("sw1", "sw2")),
    ]


def test_init_picks_ports_nothing_listens_on(tmp_path: Path) -> None:
    given = command(tmp_path, "init", "given", "--port", "23401")
    assert given.returncode == 0, given.stderr
    assert _ports(tmp_path / "given") == [23401, 23402, 23403, 23404, 29403, 29404]

    assert command(tmp_path, "init", "first").returncode == 0
    with Lab.from_nornir(load_nornir(tmp_path / "first" / "config.yaml")):
        second = command(tmp_path, "init", "second")  # while the first project's lab is up
    assert second.returncode == 0, second.stderr
    assert not set(_ports(tmp_path / "first")) & set(_ports(tmp_path / "second"))


# ------------------------------------------------------------------ the command itself
def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=True,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


HEAVY = {"nornir", "asyncssh", "netmiko", "scrapli", "napalm", "rich", "jinja2", "hier_config"}


@pytest.mark.parametrize(
    "code",
    [
        "import nornir_pack",
        "import nornir_pack.lab",
        "import nornir_pack.pytest_plugin",
        "from nornir_pack.cli import build_parser; build_parser().format_help()",
    ],
)
def test_imports_stay_cheap(code: str) -> None:
    loaded = _modules_after(code)
    assert not {name for name in loaded if name.split(".")[0] in HEAVY}
    assert "nornir_pack.lab.server" not in loaded


def test_pytest_plugin_loads_nothing_until_a_fixture_is_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_other="""
        import sys

        def test_nothing_of_nornir_pack_loaded():
            heavy = [m for m in sys.modules if m.split(".")[0] in ("nornir", "asyncssh")]
            assert heavy == []
            assert "nornir_pack.pytest_plugin" in sys.modules
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_version_and_help_in_plain_text(tmp_path: Path) -> None:
    version = command(tmp_path, "--version")
    assert version.stdout.strip() == f"nornir-pack {__version__}"
    texts = [command(tmp_path, "--help").stdout]
    for sub in (["run"], ["runbooks"], ["init"], ["inventory"], ["lab", "up"], ["lab", "reset"]):
        texts.append(command(tmp_path, *sub, "--help").stdout)
    for text in texts:
        assert text.startswith("usage: nornir-pack")
        for markup in ("``", ":func:", ":class:", ".. "):
            assert markup not in text
    assert "init" in texts[0] and "runbooks" in texts[0]


# ------------------------------------------------------------------ lab up
def _read_lines(stream: Any, sink: queue.Queue[str]) -> None:
    for line in stream:
        sink.put(line)
    sink.put("")


def test_lab_up_prints_how_to_reach_each_device_and_log_in(project: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "nornir_pack.cli", "lab", "up"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NORNIR_PACK_PASSWORD": "pw-from-env"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        seen: dict[str, list[str]] = {}
        while True:
            line = lines.get(timeout=READY_TIMEOUT)
            assert line, f"lab up exited early: {process.stderr.read() if process.stderr else ''}"
            if line.startswith("lab ready"):
                break
            seen[line.split()[0]] = line.split()
        assert sorted(seen) == ["r1", "r2", "sw1", "sw2"]
        r1, sw1 = seen["r1"], seen["sw1"]
        assert "eapi" not in r1
        assert " ".join(r1[-6:]) == "admin / $NORNIR_PACK_PASSWORD, enable secret lab-enable"

        host, port = r1[r1.index("ssh") + 1].rsplit(":", 1)
        conn = ConnectHandler(
            device_type="cisco_ios",
            host=host,
            port=int(port),
            username="admin",
            password="pw-from-env",
            secret="lab-enable",
        )
        conn.enable()
        assert conn.find_prompt() == "r1#"
        conn.disconnect()

        url = sw1[sw1.index("eapi") + 1]
        request = urllib.request.Request(
            f"{url}/command-api",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "runCmds",
                    "params": {"version": 1, "cmds": ["enable", "show hostname"], "format": "json"},
                    "id": 1,
                }
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Basic " + base64.b64encode(b"admin:pw-from-env").decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["result"][1]["hostname"] == "sw1"
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0
