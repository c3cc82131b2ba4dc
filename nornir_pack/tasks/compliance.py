"""Check a host's running config against compliance rules and its rendered intended config."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task

from ..backends import for_host
from ..compliance import evaluate, load_rules
from .boundary import task_boundary
from .render import render


@task_boundary
def check_compliance(
    task: Task,
    rules: str | Path = "runbooks/compliance.yaml",
    plugin: str | None = None,
    *,
    template_dir: str = "runbooks/templates",
    template: str | None = None,
    intended: str | None = None,
) -> Result:
    """Nornir task: Result.result is the host's compliance report as a dict.

    The report says whether the host is compliant and, per rule, its name, whether it is
    compliant, the missing and extra lines and the remediation (secrets redacted);
    ``report["remediation"]`` is the config that fixes every rule, ready for
    ``deploy_config``. Feature rules compare against ``intended``, rendered from the host's
    template unless given. Reading config never changes the device: ``changed`` is False.
    """
    host = task.host
    loaded = load_rules(rules)
    wanted = intended
    if wanted is None and loaded.features:
        wanted = render(host, template_dir, template)
    backend = for_host(task, plugin)
    running = backend.running_config()
    report = evaluate(loaded, running, wanted, backend.platform)
    return Result(host=host, changed=False, result=report.to_dict())
