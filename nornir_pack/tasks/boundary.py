"""The one exception boundary every nornir-pack task sits behind.

A task never raises: a device problem or bad input fails that host with its whole message (and
the exception, which tells reports a refusal from an unreachable device or a failed rollback);
anything else that escapes a task is a bug in a library or in nornir-pack, logged with its
traceback and reported as one line, so one host's surprise never stops the run.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from nornir.core.task import Result, Task

from ..backends import describe, redact
from ..exceptions import DeviceError, LibraryError, NornirPackError, RollbackFailed

if TYPE_CHECKING:
    from nornir.core.inventory import Host

P = ParamSpec("P")
log = logging.getLogger("nornir_pack")


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
    """An exception nornir-pack did not expect, as one redacted line; the traceback is logged."""
    log.error(
        "host %s: %s raised unexpectedly:\n%s",
        host.name,
        what,
        redact("".join(traceback.format_exception(exc)), host),
    )
    return LibraryError(f"{what} failed unexpectedly: {describe(exc, host)}")


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
            return func(task, *args, **kwargs)
        except NornirPackError as exc:
            return failed(task.host, exc)
        except Exception as exc:
            return failed(task.host, unexpected(exc, task.host, func.__name__))

    functools.update_wrapper(run, func)  # Nornir names the task after the function
    return run
