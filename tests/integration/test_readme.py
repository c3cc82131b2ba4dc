"""Every code block of README.md, run as written.

Each block is preceded by an HTML comment ``<!-- test: NAME -->`` naming its check here; a block
without one, or a name without a block, fails ``test_every_block_has_a_check``. Blocks that are
files of the project (the starter's runbook, test and workflow, the chained-runbook example) must
equal those files, and are run too. Shell blocks run in bash; the first quickstart command in a
copy of this checkout, exactly as written, and the second too, but with pytest only collecting
the suite: running the whole suite is what `.ci/run` does, which the test checks.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nornir_pack.cli import build_parser
from nornir_pack.health import HealthSettings
from nornir_pack.health.settings import parse_settings
from nornir_pack.lab import Knobs
from tests.conftest import free_port
from tests.integration.conftest import Installed
from tests.integration.test_health import free_udp_port

REPO = Path(__file__).resolve().parents[2]
STARTER = REPO / "nornir_pack" / "starter"
MARKER = re.compile(r"^<!-- test: ([\w-]+) -->$")
TIMEOUT = 600
READY_TIMEOUT = 60


def readme_blocks() -> Iterator[tuple[str | None, str, str]]:
    """(check name or None, info string, text) of every fenced block of README.md."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            marker = MARKER.match(lines[index - 1].strip()) if index else None
            end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
            yield (
                marker.group(1) if marker else None,
                line[3:].strip(),
                "".join(lines[index + 1 : end]),
            )
            index = end
        index += 1


BLOCKS = {name: text for name, _, text in readme_blocks() if name}


def bash(
    script: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = cwd / "readme_snippet.py"
    script.write_text(code)
    try:
        return subprocess.run(
            [sys.executable, str(script)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        script.unlink()


def expected_code(line: str) -> int:
    """The exit code a README command line promises in its comment (``# exit 1``), else 0."""
    match = re.search(r"#\s*exit (\d+)", line)
    return int(match.group(1)) if match else 0


def free_ports(hosts_file: Path) -> None:
    hosts = yaml.safe_load(hosts_file.read_text())
    for host in hosts.values():
        host["port"] = free_port()
        napalm = host.get("connection_options", {}).get("napalm", {})
        if "port" in napalm:
            napalm["port"] = free_port()
    hosts_file.write_text(yaml.safe_dump(hosts))


# ------------------------------------------------------------------ every block has a check
def test_every_block_has_a_check() -> None:
    names = [name for name, _, _ in readme_blocks()]
    assert None not in names, "a README code block without <!-- test: NAME --> before it"
    assert len(names) == len(set(names)), "two blocks share a check"
    assert set(names) == set(CHECKED), set(names) ^ set(CHECKED)


# ------------------------------------------------------------------ the quickstart, as written
@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this checkout's files (what a clone holds), its lab on free ports."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = tmp_path_factory.mktemp("clone")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    free_ports(copy / "inventory" / "hosts.yaml")
    return copy


@pytest.mark.slow
def test_quickstart(checkout: Path) -> None:
    block = BLOCKS["quickstart"]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    done = bash(
        block,
        checkout,
        # pinned as CI pins them; the second command's pytest only collects (see above)
        env={"PIP_CONSTRAINT": str(REPO / "constraints.txt"), "PYTEST_ADDOPTS": "--co -q"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (checkout / "backups").iterdir()) == [
        "r1.cfg",
        "r2.cfg",
        "sw1.cfg",
        "sw2.cfg",
    ]
    assert re.search(r"^\d+ tests collected", done.stdout, re.MULTILINE), done.stdout
    ci = (REPO / ".ci" / "run").read_text()
    for step in ("python3 -m venv .venv", "pip install", "-e '.[", ".venv/bin/pytest\n"):
        assert step in ci, step


@pytest.mark.slow
def test_lab_tour(checkout: Path) -> None:
    """Runs after the quickstart, in its checkout and venv, line by line."""
    if not (checkout / ".venv" / "bin" / "nornir-pack").exists():
        pytest.skip("needs the quickstart's venv (test_quickstart)")
    for line in BLOCKS["lab-tour"].splitlines():
        done = bash(line, checkout)
        assert done.returncode == expected_code(line), (line, done.stdout, done.stderr)
    assert (checkout / "compliance.xml").is_file()
    assert not (checkout / ".nornir-pack-lab").exists()  # lab reset


# ------------------------------------------------------------------ in a team's own project
@pytest.mark.slow
def test_own_project(installed: Installed, tmp_path: Path) -> None:
    done = installed.shell(BLOCKS["own-project"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert len(list((tmp_path / "mynet" / "backups").glob("*.cfg"))) == 4


def _read_lines(stream: Any, sink: queue.Queue[str]) -> None:
    for line in stream:
        sink.put(line)
    sink.put("")


def _run_steps(
    installed: Installed, steps: list[dict[str, Any]], cwd: Path, summary: Path
) -> list[int]:
    """The job's ``run:`` steps in order, as GitHub runs them: after a failed step only the
    ``if: always()`` ones. ``uses:`` steps are what this test provides (checkout: the project,
    setup-python: the venv) or publishes (the JUnit report): not run."""
    codes: list[int] = []
    failed = False
    for step in steps:
        if "run" not in step or (failed and step.get("if") != "always()"):
            continue
        env = {
            key: re.sub(r"\$\{\{ secrets\.NORNIR_PACK_(\w+) \}\}", r"lab-\1", str(value))
            .replace("lab-PASSWORD", "lab-password")
            .replace("lab-SECRET", "lab-enable")
            for key, value in (step.get("env") or {}).items()
        }
        done = installed.shell(step["run"], cwd, {**env, "GITHUB_STEP_SUMMARY": str(summary)})
        codes.append(done.returncode)
        failed = failed or done.returncode != 0
    return codes


@pytest.mark.slow
def test_ci_workflow(installed: Installed, tmp_path: Path) -> None:
    assert BLOCKS["ci-workflow"] == (STARTER / "github" / "workflows" / "network.yml").read_text()
    assert installed.shell("nornir-pack init net", tmp_path).returncode == 0
    project = tmp_path / "net"
    workflow = yaml.safe_load((project / ".github" / "workflows" / "network.yml").read_text())
    summary = tmp_path / "step-summary.md"

    assert _run_steps(installed, workflow["jobs"]["lab"]["steps"], project, summary) == [0] * 5
    assert "| r1 |" in summary.read_text()

    # the compliance job, against "real devices": the inventory served by `nornir-pack lab up`
    summary.write_text("")
    lab = subprocess.Popen(
        ["nornir-pack", "lab", "up"],
        cwd=project,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(lab.stdout, lines), daemon=True).start()
    try:
        while not (line := lines.get(timeout=READY_TIMEOUT)).startswith("lab ready"):
            assert line, f"lab up exited: {lab.stderr.read() if lab.stderr else ''}"
        steps = workflow["jobs"]["compliance"]["steps"]
        assert _run_steps(installed, steps, project, summary) == [0, 1, 0]  # 1: drift
    finally:
        lab.terminate()
        assert lab.wait(timeout=30) == 0
    assert "non-compliant" in summary.read_text()
    assert "<testsuite" in (project / "compliance.xml").read_text()


# ------------------------------------------------------------------ the command line
def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> dict[str, list[tuple[str, ...]]]:
    """'run' -> the option strings of each of its options, 'lab up' -> ..., for every
    (nested) subcommand."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(_subcommands(sub, f"{prefix}{name} "))
    if prefix and not found:
        found[prefix.strip()] = [
            tuple(action.option_strings)
            for action in parser._actions
            if action.option_strings and "--help" not in action.option_strings
        ]
    return found


def test_usage() -> None:
    documented: dict[str, set[str]] = {}
    current = ""
    for line in BLOCKS["usage"].splitlines():
        text = line.split("#")[0]
        if text.startswith("nornir-pack --"):
            assert text.split()[1] in build_parser()._option_string_actions
            continue
        if text.startswith("nornir-pack "):
            words = text.split()[1:]
            current = " ".join(w for w in words[:2] if w.islower() and w.isalpha())
            documented[current] = set()
        documented[current] |= set(re.findall(r"\[(--?[\w-]+)", text))
    actual = _subcommands(build_parser())
    assert sorted(documented) == sorted(actual)
    for name, options in actual.items():
        for strings in options:  # every option is documented, by one of its spellings
            assert set(strings) & documented[name], (name, strings)
        assert documented[name] <= {s for strings in options for s in strings}, name


# ------------------------------------------------------------------ runbooks and tests
@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    """``nornir-pack init`` in this checkout's venv: a starter project on free ports."""
    done = subprocess.run(
        [sys.executable, "-m", "nornir_pack.cli", "init", "net", "--port", str(_free_block())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return tmp_path / "net"


def _free_block() -> int:
    from nornir_pack.project import free_port_block

    return free_port_block(24301)


def test_ntp_runbook(initialised: Path) -> None:
    assert BLOCKS["ntp-runbook"] == (STARTER / "runbooks" / "ntp.py").read_text()
    done = bash(f"{sys.executable} runbooks/ntp.py --lab --hosts r1,sw1", initialised)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "+ ntp server 10.0.0.2" in done.stdout


def test_starter_test(initialised: Path) -> None:
    assert BLOCKS["starter-test"] == (STARTER / "tests" / "test_ntp.py").read_text()
    done = bash(f"{sys.executable} -m pytest -q -p no:cacheprovider", initialised)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_chained_runbook(project: Path) -> None:
    assert BLOCKS["chained-runbook"] == (REPO / "runbooks" / "backup_then_deploy.py").read_text()
    done = bash(f"{sys.executable} runbooks/backup_then_deploy.py --lab --hosts r1", project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "backups" / "r1.cfg").is_file()
    assert "+ ntp server 10.0.0.2" in done.stdout


# ------------------------------------------------------------------ from your own code
def test_load_nornir(project: Path) -> None:
    done = python(BLOCKS["load-nornir"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'r1': False, 'r2': False, 'sw1': False, 'sw2': False}"
    assert len(list((project / "backups").glob("*.cfg"))) == 4


def test_library_tasks(project: Path) -> None:
    done = python(BLOCKS["library-tasks"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "send_command",
        "ok",
        "netmiko_send_command",
        "ok",
        "napalm_get",
        "ok",
    ]


def test_plain_initnornir(project: Path) -> None:
    done = python(BLOCKS["plain-initnornir"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------------ reports and the lab
def _keys(value: Any) -> Any:
    """The shape of a JSON document: its keys, recursively, lists by their first item (a
    step's ``result`` is the task's own, of any shape)."""
    if isinstance(value, dict):
        return {key: None if key == "result" else _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return None


def test_json_report(project: Path) -> None:
    documented = _keys(json.loads(BLOCKS["json-report"]))
    done = bash(f"{sys.executable} -m nornir_pack.cli run deploy --lab --json r.json", project)
    assert done.returncode == 0, done.stderr
    actual = _keys(json.loads((project / "r.json").read_text()))
    documented.pop("summary"), actual.pop("summary")  # keyed by the statuses that occurred
    assert documented == actual


def test_health_inventory(project: Path) -> None:
    """The two health blocks in a project whose hosts have SNMP ports: every host healthy."""
    settings = yaml.safe_load(BLOCKS["health-config"])["user_defined"]["nornir_pack"]
    assert HealthSettings(**parse_settings(settings["health"])) == HealthSettings()
    config = yaml.safe_load((project / "config.yaml").read_text())
    config["user_defined"]["nornir_pack"].update(settings)
    (project / "config.yaml").write_text(yaml.safe_dump(config))
    defaults_file = project / "inventory" / "defaults.yaml"
    defaults = yaml.safe_load(defaults_file.read_text())
    defaults.setdefault("data", {}).update(yaml.safe_load(BLOCKS["health-inventory"])["data"])
    defaults_file.write_text(yaml.safe_dump(defaults))
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    for host in hosts.values():
        host.setdefault("data", {})["snmp_port"] = free_udp_port()
    hosts_file.write_text(yaml.safe_dump(hosts))
    done = bash(f"{sys.executable} -m nornir_pack.cli run health --lab --json r.json", project)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((project / "r.json").read_text())
    assert {h["name"]: h["message"] for h in report["hosts"]} == dict.fromkeys(
        ("r1", "r2", "sw1", "sw2"), "healthy"
    )
    assert {h["steps"][0]["result"]["source"] for h in report["hosts"]} == {"snmp"}


def test_rollout(project: Path) -> None:
    """The rollout example on the lab: canary r1, then waves of two and one, every host
    committed with a revert timer, post-checked and confirmed."""
    command = BLOCKS["rollout"].replace("\\\n", " ").strip().replace("nornir-pack ", "", 1)
    done = bash(f"{sys.executable} -m nornir_pack.cli {command} --lab --json r.json", project)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((project / "r.json").read_text())
    assert [(w["label"], w["hosts"], w["status"]) for w in report["waves"]] == [
        ("canary", ["r1"], "passed"),
        ("", ["r2", "sw1"], "passed"),
        ("", ["sw2"], "passed"),
    ]
    assert {h["steps"][0]["result"]["status"] for h in report["hosts"]} == {
        "committed and confirmed"
    }


def test_health_postcheck(project: Path) -> None:
    done = python(BLOCKS["health-postcheck"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "unhealthy: interfaces: Ethernet1 was up before the change and is now shut down"
    )


def test_lab_python(tmp_path: Path) -> None:
    done = python(BLOCKS["lab-python"], tmp_path)
    assert done.returncode == 0, done.stderr


def test_lab_knobs() -> None:
    hosts = yaml.safe_load(BLOCKS["lab-knobs"])
    knobs = Knobs.from_data(hosts["r1"]["data"]["lab"], "README")
    assert knobs.latency == 0.5 and knobs.drop_after == 5


def test_dask_config() -> None:
    """The runner section builds the dask runner (no scheduler is contacted until a run)."""
    from nornir_pack.runners.dask_runner import DaskRunner

    runner = yaml.safe_load(BLOCKS["dask-config"])["runner"]
    assert runner["plugin"] == "dask"
    dask = DaskRunner(**runner["options"])
    assert dask.placement == "site" and dask.local.num_workers == 50


def test_dask_cluster(project: Path) -> None:
    """The cluster commands as written, on a free port; the run's hosts ran on its workers."""
    pytest.importorskip("distributed")
    port = str(free_port())
    script = BLOCKS["dask-cluster"].replace("8786", port)
    # the workers first: a worker whose scheduler is gone first waits to reconnect
    script = f"{script}code=$?\nkill %2 %3\nwait %2 %3\nkill %1\nwait\nexit $code\n"
    done = bash(
        f"export PATH={Path(sys.executable).parent}:$PATH\n{script}",
        project,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((project / "r.json").read_text())
    assert {h["status"] for h in report["hosts"]} == {"changed"}
    assert all(h["worker"].startswith("tcp://127.0.0.1:") for h in report["hosts"])


CHECKED: dict[str, Callable[..., None]] = {
    "quickstart": test_quickstart,
    "lab-tour": test_lab_tour,
    "own-project": test_own_project,
    "usage": test_usage,
    "ntp-runbook": test_ntp_runbook,
    "chained-runbook": test_chained_runbook,
    "starter-test": test_starter_test,
    "load-nornir": test_load_nornir,
    "library-tasks": test_library_tasks,
    "plain-initnornir": test_plain_initnornir,
    "ci-workflow": test_ci_workflow,
    "json-report": test_json_report,
    "lab-python": test_lab_python,
    "lab-knobs": test_lab_knobs,
    "health-inventory": test_health_inventory,
    "health-config": test_health_inventory,
    "health-postcheck": test_health_postcheck,
    "rollout": test_rollout,
    "dask-config": test_dask_config,
    "dask-cluster": test_dask_cluster,
}
