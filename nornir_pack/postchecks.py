"""Post-checks: what must hold after a host's change is committed, before it counts as done.

The built-in check logs in again over a NEW connection and reads the running config back: a
change that broke management access, or that the device did not keep, fails here. Then come
the user's checks, of two shapes:

- a callable ``check(host, connection)``: ``connection`` is the plugin's own object on the new
  session (a netmiko ``ConnectHandler``, nornir-pack's scrapli connection, a NAPALM driver); it
  fails the host by raising (any exception) or by returning ``False`` or a message string;
- an object with ``before(host, config)`` and ``check(host, config)``, such as
  ``nornir_pack.health.HealthPostCheck``: ``before`` runs before the change (a health snapshot)
  and ``check`` after it.

``resolve`` turns names into checks once per run: ``health`` is the SNMP/NAPALM health
comparison, ``package.module:function`` imports a user's check.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .backends import intended_config, sanitize_diff
from .diff import normalised_diff
from .exceptions import DeviceError, NornirPackError, UsageError

if TYPE_CHECKING:
    from nornir.core.configuration import Config
    from nornir.core.inventory import Host

    from .backends import ConfigBackend, Mode

BUILT_IN = ("health",)


class PostCheckFailed(DeviceError):
    """A check after the change failed: the change is rolled back (or left to the device's
    own revert timer when it was committed with one)."""


def resolve(specs: Iterable[Any]) -> tuple[Any, ...]:
    """Checks from names (``health``, ``module:function``) or checks already built.

    Raises:
        UsageError: a name that does not import, or a value that is no check.
    """
    checks = []
    for spec in specs:
        if isinstance(spec, str):
            checks.append(_named(spec))
        elif callable(spec) or _is_stateful(spec):
            checks.append(spec)
        else:
            raise UsageError(
                f"post check {spec!r} is neither a function nor a name: use health or "
                "module:function"
            )
    return tuple(checks)


def _named(name: str) -> Any:
    if name == "health":
        from .health import HealthPostCheck  # noqa: PLC0415 (pysnmp only when asked for)

        return HealthPostCheck()
    module_name, sep, attribute = name.partition(":")
    if not sep or not module_name or not attribute:
        raise UsageError(
            f"post check '{name}': use {' or '.join(BUILT_IN)}, or module:function "
            "(e.g. mychecks:bgp_up)"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(
            f"post check '{name}': cannot import {module_name} ({exc}): "
            "put it on the Python path of the run"
        ) from None
    check = getattr(module, attribute, None)
    if check is None or not (callable(check) or _is_stateful(check)):
        raise UsageError(f"post check '{name}': {module_name} has no function {attribute}")
    return check


def _is_stateful(check: Any) -> bool:
    return callable(getattr(check, "before", None)) and callable(getattr(check, "check", None))


def before_change(checks: Iterable[Any], host: Host, config: Config) -> None:
    """Let each check that compares before and after take its 'before' (a health snapshot)."""
    for check in checks:
        if _is_stateful(check):
            try:
                check.before(host, config)
            except NornirPackError:
                raise
            except Exception as exc:
                raise DeviceError(f"pre-change snapshot for {_name(check)} failed: {exc}") from None


def after_change(
    backend: ConfigBackend, candidate: str, mode: Mode, checks: Iterable[Any], config: Config
) -> None:
    """Run the built-in check over a new connection, then every user check.

    Raises:
        PostCheckFailed: saying which check failed and why.
    """
    connection = _fresh_session_converged(backend, candidate, mode)
    host = backend.host
    for check in checks:
        try:
            stateful = _is_stateful(check)
            outcome = check.check(host, config) if stateful else check(host, connection)
        except PostCheckFailed:
            raise
        except Exception as exc:
            raise PostCheckFailed(f"post-check {_name(check)} failed: {exc}") from None
        if outcome is False or (isinstance(outcome, str) and outcome):
            reason = outcome if isinstance(outcome, str) else "it returned False"
            raise PostCheckFailed(f"post-check {_name(check)} failed: {reason}")


def _fresh_session_converged(backend: ConfigBackend, candidate: str, mode: Mode) -> Any:
    """Log in again over a new connection and read the config back: the change must be there.

    Returns the new session's connection object, for the user's checks.
    """
    fresh_running_config = getattr(backend, "fresh_running_config", None)
    try:
        if fresh_running_config is not None:
            # NAPALM: the committing session must stay open while a commit awaits its confirm
            running = fresh_running_config()
            intended = intended_config(running, candidate, mode, backend.platform)
            remaining = normalised_diff(running, intended, backend.platform)
            connection = getattr(backend, "driver", None)
        else:
            backend.close()
            remaining = backend.diff(candidate, mode)
            connection = getattr(backend, "connection", None)
    except DeviceError as exc:
        raise PostCheckFailed(
            f"post-check: cannot read the device over a new connection after the change: {exc}"
        ) from None
    if remaining:
        raise PostCheckFailed(
            "post-check: the running config read over a new connection does not show the "
            f"change; still different:\n{sanitize_diff(remaining, backend.platform)}"
        )
    return connection


def _name(check: Any) -> str:
    name = getattr(check, "__qualname__", None) or type(check).__name__
    module = getattr(check, "__module__", "")
    return f"{module}:{name}" if module and module != "__main__" else str(name)


__all__ = ["PostCheckFailed", "after_change", "before_change", "resolve"]
