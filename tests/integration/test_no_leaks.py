"""Nothing leaked anywhere: with Nornir logging at DEBUG and every connection library's logger
at DEBUG, the built-in runbooks and a deploy whose ``config=`` holds a user secret, run with
each plugin by the real command against the lab, leave no inventory secret and no config
secret in any log file, stdout, stderr, report or backup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.lab_nornir import SEED_SECRETS

PLUGINS = ("netmiko", "napalm", "scrapli")
PASSWORD = "Inv-Pw-4471xq"  # the base password: every plugin logs in with it
ENABLE = "Inv-En-9932zr"  # netmiko secret, scrapli auth_secondary, NAPALM optional_args.secret
# connection_options.<plugin>.password of the plugins a run does not log in with (the lab
# accepts the base password only): still inventory secrets that nothing may show.
PLUGIN_PASSWORDS = {plugin: f"Inv-{plugin}-Pw-5120" for plugin in PLUGINS}
COMMUNITY = "Comm-S3cret-881"  # host data snmp_community, rendered into a refused line
USER_SECRET = "Bob-S3cret-Value"  # in the config= a runbook hands to deploy_config
SECRETS = (
    PASSWORD,
    ENABLE,
    *PLUGIN_PASSWORDS.values(),
    COMMUNITY,
    USER_SECRET,
    *SEED_SECRETS[:-2],  # the seed configs' own secrets (the last two: conftest's credentials)
)
REPORTS = ("json", "junit", "markdown")
THIRD_PARTY = ("netmiko", "scrapli", "napalm", "paramiko", "asyncssh", "pyeapi")

USER_SECRET_RUNBOOK = f"""
from nornir_pack.tasks import deploy_config

CONFIG = "username bob privilege 15 secret 0 {USER_SECRET}\\nntp server 10.0.0.77\\n"


def run(nr, *, plugin=None, commit=False):
    return nr.run(task=deploy_config, config=CONFIG, plugin=plugin, dry_run=not commit)
"""

# Imported by Python at start-up (PYTHONPATH): every third-party logger at DEBUG, with a file
# handler of its own made before nornir-pack is imported, as a user's logging setup would be.
SITECUSTOMIZE = """
import logging

handler = logging.FileHandler({log!r})
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
for name in {names!r}:
    logger = logging.getLogger(name)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
"""


def prepare(project: Path, plugin: str) -> dict[str, str]:
    """Distinctive secrets, a refused line carrying a community, logging at DEBUG; returns
    the environment of the runs."""
    config_file = project / "config.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["logging"] = {
        "enabled": True,
        "level": "DEBUG",
        "log_file": "nornir.log",
        "loggers": ["nornir", "nornir_pack"],
    }
    config_file.write_text(yaml.safe_dump(config))
    defaults_file = project / "inventory" / "defaults.yaml"
    defaults = yaml.safe_load(defaults_file.read_text())
    for name, password in PLUGIN_PASSWORDS.items():
        if name != plugin:
            defaults["connection_options"][name]["password"] = password
    defaults_file.write_text(yaml.safe_dump(defaults))
    hosts_file = project / "inventory" / "hosts.yaml"
    hosts = yaml.safe_load(hosts_file.read_text())
    for name in ("r1", "sw1"):  # the lab refuses their community line: deploy rolls back
        hosts[name].setdefault("data", {}).update(
            snmp_community=COMMUNITY, lab={"reject_lines": ["^snmp-server community"]}
        )
    hosts_file.write_text(yaml.safe_dump(hosts))
    (project / "user_secret.py").write_text(USER_SECRET_RUNBOOK)
    site = project / "site"
    site.mkdir()
    log = str(project / "thirdparty.log")
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(log=log, names=THIRD_PARTY))
    return {
        **os.environ,
        "PYTHONPATH": str(site),
        "NORNIR_PACK_PASSWORD": PASSWORD,
        "NORNIR_PACK_SECRET": ENABLE,
    }


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_no_secret_reaches_logs_output_reports_or_backups(project: Path, plugin: str) -> None:
    env = prepare(project, plugin)
    outputs: dict[str, str] = {}
    runs = (
        ("deploy", "--commit"),  # r1, sw1: the community line is refused, rolled back
        (str(project / "user_secret.py"), "--commit"),
        ("compliance",),
        ("backup",),  # after the user secret was committed
    )
    for number, (runbook, *options) in enumerate(runs):
        reports = [f"--{kind}={project / f'report-{number}.{kind}'}" for kind in REPORTS]
        command = ["run", runbook, "--lab", "--plugin", plugin, *options, *reports]
        done = subprocess.run(
            [sys.executable, "-m", "nornir_pack.cli", *command],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        assert done.returncode in (0, 1), done.stdout + done.stderr
        outputs[f"{runbook} stdout"] = done.stdout
        outputs[f"{runbook} stderr"] = done.stderr

    written = {
        str(path.relative_to(project)): path.read_text(errors="replace")
        for path in project.rglob("*")
        if path.is_file()
        # what the test wrote itself, and the simulated devices' own storage
        and path.parts[len(project.parts)] not in ("inventory", "site", ".nornir-pack-lab")
        and path.name != "user_secret.py"
    }
    found = {name: leaks(text) for name, text in {**outputs, **written}.items() if leaks(text)}
    assert not found

    # Not vacuous: the secrets went through every one of those places, cleaned.
    assert {"nornir.log", "thirdparty.log", "backups/r1.cfg"} <= set(written)
    nornir_log, library_log = written["nornir.log"], written["thirdparty.log"]
    assert "'config': 'username bob privilege 15 secret 0 <redacted>" in nornir_log
    assert "snmp-server community <redacted>" in library_log
    assert "username bob privilege 15 secret 0 <redacted>" in library_log
    library = {"netmiko": "netmiko", "scrapli": "scrapli.channel", "napalm": "pyeapi"}[plugin]
    assert f"\n{library}" in library_log
    assert "snmp-server community <redacted>" in outputs["deploy stdout"]
    assert "<redacted>" in written["backups/r1.cfg"]
