"""Deploy each selected host's intended config, rendered from ``<template_dir>/<platform>.j2``.

A dry run unless ``commit`` is set (``--commit`` on the command line): the dry run shows each
host's diff and touches nothing. A commit snapshots the device first, applies, verifies, and
rolls back to the snapshot if anything fails. Running it twice changes nothing the second time.
Settings under ``user_defined.nornir_pack`` in config.yaml:
  deploy_mode   ``merge`` (default) or ``replace``
  template_dir  the templates, relative to config.yaml's folder (default: the lab example's)

Before any login, ``preflight`` checks deploy_mode and that every selected host's template
exists and parses; a variable missing from one host's data fails only that host, at run time.

Run: ``nornir-pack run deploy [-c CONFIG] [--lab] [--commit]``.
"""

from __future__ import annotations

from pathlib import Path

from nornir.core import Nornir
from nornir.core.task import AggregatedResult

from nornir_pack.inventory import settings
from nornir_pack.paths import pack_path
from nornir_pack.preflight import check_deploy_mode, check_templates
from nornir_pack.tasks import deploy_config


def preflight(nr: Nornir, *, config: Path = Path("config.yaml")) -> None:
    """A bad mode or a template that does not load fails every host: refuse it before any
    login (and before a commit reaches the hosts that happen to go first)."""
    check_deploy_mode(nr, config)
    check_templates(nr, pack_path(nr.config, "template_dir"))


def run(nr: Nornir, *, plugin: str | None = None, commit: bool = False) -> AggregatedResult:
    """Render and deploy each host's intended config; a dry run unless ``commit``."""
    mode = str(settings(nr).get("deploy_mode", "merge"))
    return nr.run(task=deploy_config, name="deploy", mode=mode, plugin=plugin, dry_run=not commit)
