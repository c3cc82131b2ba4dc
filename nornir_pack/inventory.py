"""Loading a Nornir object from config.yaml, with errors a person can act on.

Inventory paths in config.yaml are resolved against the config file's folder (not the current
directory), and credentials may be written as ``${ENV_VAR:-default}`` so that secrets stay out of
the repository.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import yaml
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Host

from .exceptions import UsageError

_ENV_REFERENCE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")
_INVENTORY_FILES = ("host_file", "group_file", "defaults_file")


def expand_env(value: str) -> str:
    """Replace ``${NAME}`` and ``${NAME:-default}`` with environment values."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise UsageError(
                f"environment variable {name} is not set: export it or write ${{{name}:-default}}"
            )
        return default

    return _ENV_REFERENCE.sub(replace, value)


def _expand_tree(value: Any) -> Any:
    if isinstance(value, str):
        return expand_env(value)
    if isinstance(value, dict):
        return {key: _expand_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_tree(item) for item in value]
    return value


def _expand_options(options: ConnectionOptions) -> None:
    for attribute in ("username", "password"):
        value = getattr(options, attribute)
        if isinstance(value, str):
            setattr(options, attribute, expand_env(value))
    if options.extras:
        options.extras = _expand_tree(options.extras)


def resolve_credentials(host: Host, **_: Any) -> None:
    """Nornir transform function: expand ``${VAR:-default}`` in credentials and extras, and
    give the host its own copy of every connection option it inherits.

    It runs per host but also expands the host's groups and the defaults, since Nornir
    resolves credentials through them.
    """
    elements: list[Any] = [host, *host.extended_groups(), host.defaults]
    for element in elements:
        for attribute in ("username", "password"):
            raw = object.__getattribute__(element, attribute)  # own value, not inherited
            if isinstance(raw, str):
                object.__setattr__(element, attribute, expand_env(raw))
        for options in element.connection_options.values():
            _expand_options(options)
    own_connection_options(host)


def own_connection_options(host: Host) -> None:
    """Give ``host`` a private deep copy of each plugin's resolved connection options.

    Nornir hands every host that inherits ``extras`` from a group or the defaults the very same
    dict, and connection plugins write into it: nornir_napalm stores the host's port in
    ``optional_args``, so every later host of the group would connect to the first host's
    device. With a copy per host, nothing a library mutates is shared.
    """
    plugins = {
        name
        for element in (host, *host.extended_groups(), host.defaults)
        for name in element.connection_options
    }
    for plugin in plugins:
        resolved = host._get_connection_options_recursively(plugin)
        if resolved is None:
            continue
        host.connection_options[plugin] = ConnectionOptions(
            hostname=resolved.hostname,
            port=resolved.port,
            username=resolved.username,
            password=resolved.password,
            platform=resolved.platform,
            extras=copy.deepcopy(resolved.extras),
        )


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML file, turning every failure into a one-line UsageError."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UsageError(f"{path}: {what} not found: check the path") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}:{where}: malformed YAML ({problem}): fix the syntax") from None


def load_nornir(config_file: str | Path = "config.yaml", **overrides: Any) -> Nornir:
    """InitNornir from a config file, with inventory paths relative to that file."""
    path = Path(config_file)
    if not path.is_file():
        raise UsageError(f"{path}: config file not found: pass -c PATH to a Nornir config.yaml")
    data = read_yaml(path, "config file") or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: top level must be a mapping of Nornir settings")
    inventory = data.get("inventory") or {}
    options = dict(inventory.get("options") or {})
    for key in _INVENTORY_FILES:
        if key in options:
            resolved = (path.parent / str(options[key])).resolve()
            if not resolved.is_file():
                raise UsageError(
                    f"{path}: inventory.options.{key} points to missing file {resolved}: "
                    "fix the path"
                )
            read_yaml(resolved, "inventory file")
            options[key] = str(resolved)
    settings: dict[str, Any] = {"inventory": {"options": options}} if options else {}
    for section, values in overrides.items():
        settings[section] = {**settings.get(section, {}), **values}
    try:
        return InitNornir(config_file=str(path), **settings)
    except UsageError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise UsageError(f"{path}: invalid Nornir configuration: {exc}") from None


def settings(nr: Nornir) -> dict[str, Any]:
    """nornir-pack's own settings: ``user_defined.nornir_pack`` in config.yaml."""
    value = nr.config.user_defined.get("nornir_pack") or {}
    return dict(value)
