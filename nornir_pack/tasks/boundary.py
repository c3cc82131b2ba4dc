"""The one exception boundary every nornir-pack task sits behind.

A task never raises: a device problem or bad input fails that host with its whole message (and
the exception, which tells reports a refusal from an unreachable device or a failed rollback);
anything else that escapes a task is a bug in a library or in nornir-pack, logged with its
traceback and reported as one line, so one host's surprise never stops the run. Both are
cleaned of secrets: a parser's error may quote config lines, a traceback the values in them.

The boundary also keeps the logging guard (``nornir_pack.logguard``) in place: importing the
tasks installs it, before a first ``nr.run(task=..., config=...)`` logs its arguments, and
each task adds its host's passwords and secrets to what it redacts.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from nornir.core.task import Result, Task

from .. import logguard
from ..backends import describe, redact
from ..exceptions import DeviceError, LibraryError, NornirPackError, RollbackFailed
from ..marks import WHEN_DRY_RUN, has_mark

if TYPE_CHECKING:
    from nornir.core.inventory import Host

P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("nornir_pack")
# Attribute a task function carries when running it twice on a device is harmless.
READ_ONLY = "nornir_pack_read_only"


def failed(host: Host, error: NornirPackError, *, diff: str = "") -> Result:
    """A failed Result carrying ``error``: its text is the message every report shows.

    A failed rollback counts as changed: part of the change may still be on the device.
    """
    return Result(
        host=host,
        failed=True,
        changed=isinstance(error, RollbackFailed),
        diff=diff,
        result=str(error),
        exception=error,
    )


def unexpected(exc: Exception, host: Host, what: str) -> LibraryError:
    """An exception nornir-pack did not expect, as one sanitised and redacted line; the
    traceback, cleaned the same way, goes to the log (logger ``nornir_pack``)."""
    text = "".join(traceback.format_exception(exc)).rstrip("\n")
    log.error(
        "host %s: %s raised unexpectedly:\n%s", host.name, what, logguard.clean(redact(text, host))
    )
    line = " ".join(describe(exc, host).split())  # one line, whatever the exception's text
    return LibraryError(logguard.clean(redact(f"{what} failed unexpectedly: {line}", host)))


def as_device_error(exc: Exception, host: Host, what: str) -> DeviceError:
    """``exc`` itself when it is a DeviceError, else the same failure as a LibraryError."""
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, NornirPackError):
        return LibraryError(f"{what} failed: {exc}")
    return unexpected(exc, host, what)


def task_boundary(
    func: Callable[Concatenate[Task, P], Result],
) -> Callable[Concatenate[Task, P], Result]:
    """Decorator of every task: nornir-pack's exceptions and any other one become a failed
    host (see the module docstring); the task's own Result passes through."""

    def run(task: Task, /, *args: P.args, **kwargs: P.kwargs) -> Result:
        try:
            logguard.protect_host(task.host, task.nornir)
            return func(task, *args, **kwargs)
        except NornirPackError as exc:
            return failed(task.host, exc)
        except Exception as exc:
            return failed(task.host, unexpected(exc, task.host, func.__name__))

    functools.update_wrapper(run, func)  # Nornir names the task after the function
    return run


def read_only(func: F) -> F:
    """Mark a task as read-only: it changes nothing on the device, so a runner may run it
    again on a host whose first attempt was lost (the Dask runner does, once, when a worker
    dies). A task not marked is treated as a change and never replayed."""
    setattr(func, READ_ONLY, True)
    return func


def read_only_when_dry_run(func: F) -> F:
    """Mark a change task whose dry run only reads (deploy_config): read-only when it runs
    as a dry run, a change when it commits."""
    setattr(func, READ_ONLY, WHEN_DRY_RUN)
    return func


def is_read_only(func: Callable[..., Any], params: dict[str, Any], global_dry_run: bool) -> bool:
    """Whether running ``func`` with ``params`` again on a device is harmless (see
    ``read_only``); the dry run is the task's ``dry_run`` argument, else the run's."""
    return has_mark(func, READ_ONLY, params, global_dry_run)


logguard.install()
