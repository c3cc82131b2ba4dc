"""Marks a task function carries for the runners (read-only, may run on the connection loop),
some of which hold only when the task runs as a dry run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

WHEN_DRY_RUN = "dry run"  # a mark's value that holds only for a dry run of the task


def has_mark(
    func: Callable[..., Any], attribute: str, params: dict[str, Any], global_dry_run: bool
) -> bool:
    """Whether ``func`` run with ``params`` carries the mark ``attribute``; for a mark that
    holds only in a dry run, the dry run is the task's ``dry_run`` argument, else the run's."""
    mark = getattr(func, attribute, False)
    if mark == WHEN_DRY_RUN:
        dry_run = params.get("dry_run")
        return bool(global_dry_run if dry_run is None else dry_run)
    return mark is True
