"""A user's own script: a Nornir object built in Python (no config.yaml, no CLI) runs the tasks.

The script runs in a fresh interpreter, so it proves that the public imports work on their own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from nornir_pack.paths import BUILTIN_RULES, BUILTIN_TEMPLATES
from tests.conftest import PASSWORD, SECRET, DeviceFactory
from tests.integration.lab_nornir import SEED_SECRETS

SNIPPET = textwrap.dedent(
    """
    import json
    import sys

    from nornir.core import Nornir
    from nornir.core.configuration import Config
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.plugins.runners import ThreadedRunner

    from nornir_pack.tasks import (
        backup_config,
        check_compliance,
        deploy_config,
        napalm_commit,
        napalm_diff,
        render_config,
    )

    port, password, secret, backups, rules, templates = sys.argv[1:7]
    defaults = Defaults(
        username="admin",
        password=password,
        connection_options={
            "scrapli": ConnectionOptions(
                extras={"auth_secondary": secret, "auth_strict_key": False}
            ),
            "netmiko": ConnectionOptions(extras={"secret": secret}),
        },
    )
    hosts = Hosts(
        r1=Host(
            "r1",
            hostname="127.0.0.1",
            port=int(port),
            platform="cisco_ios",
            data={"site": "Lab", "nornir_pack": {"plugin": "netmiko"}},
            defaults=defaults,
        )
    )
    nr = Nornir(
        inventory=Inventory(hosts=hosts, groups=Groups(), defaults=defaults),
        runner=ThreadedRunner(num_workers=2),
        config=Config(),
    )
    assert callable(napalm_diff) and callable(napalm_commit)

    backup = nr.run(task=backup_config, backup_dir=backups)["r1"][0]
    rendered = nr.run(task=render_config, template_dir=templates)["r1"][0]
    planned = nr.run(
        task=deploy_config, config="ntp server 10.0.0.42\\n", dry_run=True, plugin="scrapli"
    )["r1"][0]
    deployed = nr.run(task=deploy_config, config="ntp server 10.0.0.42\\n")["r1"][0]
    report = nr.run(task=check_compliance, rules=rules, template_dir=templates)["r1"][0]
    nr.close_connections()
    print(json.dumps({
        "backup": [backup.failed, backup.changed, backup.result],
        "rendered": [rendered.failed, rendered.result],
        "planned": [planned.failed, planned.changed, planned.diff],
        "deployed": [deployed.failed, deployed.changed, deployed.diff],
        "compliant": [report.failed, report.result["compliant"]],
    }))
    """
)


def test_standalone_nornir_runs_the_tasks(make_device: DeviceFactory, tmp_path: Path) -> None:
    device = make_device("cisco_ios")
    script = tmp_path / "my_automation.py"
    script.write_text(SNIPPET)
    backups = tmp_path / "backups"

    done = subprocess.run(
        [
            sys.executable,
            str(script),
            str(device.port),
            PASSWORD,
            SECRET,
            str(backups),
            str(BUILTIN_RULES),
            str(BUILTIN_TEMPLATES),
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["backup"][:2] == [False, True]
    backup = (backups / "r1.cfg").read_text()
    assert f"hostname {device.name}" in backup
    assert not any(secret in backup for secret in SEED_SECRETS)
    assert out["rendered"][0] is False
    assert "ntp server 10.0.0.2" in out["rendered"][1]
    assert out["planned"] == [False, False, "+ ntp server 10.0.0.42"]
    assert out["deployed"] == [False, True, "+ ntp server 10.0.0.42"]
    assert out["compliant"] == [False, False]
