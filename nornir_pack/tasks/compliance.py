"""Check a host's running config against compliance rules and its rendered intended config."""

from __future__ import annotations

from pathlib import Path

from nornir.core.task import Result, Task

from ..backends import for_host
from ..compliance import evaluate, load_rules
from ..greenlets import on_loop
from ..paths import pack_path
from .boundary import read_only, task_boundary
from .render import render


@on_loop
@read_only
@task_boundary
def check_compliance(
    task: Task,
    rules: str | Path | None = None,
    plugin: str | None = None,
    *,
    template_dir: str | Path | None = None,
    template: str | None = None,
    intended: str | None = None,
) -> Result:
    """Nornir task: Result.result is the host's compliance report as a dict.

    The report says whether the host is compliant and, per rule, its name, whether it is
    compliant, the missing and extra lines and the remediation (secrets redacted);
    ``report["remediation"]`` is the config that fixes every rule, ready for
    ``deploy_config``. Feature rules compare against ``intended``, rendered from the host's
    template unless given. ``rules`` and ``template_dir`` default to config.yaml's settings,
    else the lab example's; relative ones resolve against config.yaml's folder
    (``nornir_pack.paths``). Reading config never changes the device: ``changed`` is False.
    """
    host = task.host
    config = task.nornir.config
    loaded = load_rules(pack_path(config, "rules", rules))
    wanted = intended
    if wanted is None and loaded.features:
        wanted = render(host, pack_path(config, "template_dir", template_dir), template)
    backend = for_host(task, plugin)
    running = backend.running_config()
    report = evaluate(loaded, running, wanted, backend.platform)
    return Result(host=host, changed=False, result=report.to_dict())
