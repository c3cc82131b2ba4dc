"""What a backup run imports before its first login: not the libraries only some runs need
(paramiko for file transfers, hier_config for parsing, Jinja2 for templates, the lab's devices
for --lab)."""

from __future__ import annotations

import subprocess
import sys

BACKUP_RUN = (
    "nornir_pack.runbook",
    "nornir_pack.runbooks.backup",
    "nornir_pack.tasks",
    "nornir_pack.backends",
    "nornir_pack.preflight",
    "nornir_pack.logguard",
)
NOT_NEEDED = (
    "paramiko",  # nornir_pack.backends.transfer, when a file is transferred
    "hier_config",  # nornir_pack.diff, on the first parse
    "jinja2",  # nornir_pack.tasks.render and preflight's template checks
    "nornir_pack.tasks.deploy",  # nornir_pack.tasks names each task's module on first use
    "nornir_pack.lab.ssh",  # nornir_pack.runbook.serve_lab, for --lab
    "nornir_pack.lab.snmp",
    "nornir_pack.lab.config",
)
CHECK = f"""
import sys
import {", ".join(BACKUP_RUN)}
print(sorted(name for name in {NOT_NEEDED!r} if name in sys.modules))
"""


def test_a_backup_run_does_not_import_what_only_other_runs_need() -> None:
    # a process of its own: this one has imported all of them long ago
    command = [sys.executable, "-c", CHECK]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
