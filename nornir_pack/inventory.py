"""Loading a Nornir object from config.yaml, with errors a person can act on.

Inventory paths in config.yaml are resolved against the config file's folder (not the current
directory), and credentials may be written as ``${ENV_VAR:-default}`` so that secrets stay out of
the repository.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)
from nornir.plugins.inventory.simple import (
    SimpleInventory,
    _get_defaults,
    _get_inventory_element,
)

from . import logguard
from .exceptions import UsageError
from .paths import remember_config_file, resolve_against
from .platforms import map_plugin_platforms
from .plugins import init_nornir
from .yamlfile import read_yaml

_ENV_REFERENCE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")
_INVENTORY_FILES = ("host_file", "group_file", "defaults_file")
logger = logging.getLogger(__name__)
TRANSFORM = "nornir_pack_credentials"  # resolve_credentials' name in Nornir's register


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
    """Nornir transform function: expand ``${VAR:-default}`` in credentials, extras and data
    ``snmp``, give the host its own copy of every connection option it inherits, and name its
    platform for netmiko, scrapli and NAPALM (``map_plugin_platforms``), so that plain
    nornir_netmiko, nornir_scrapli and nornir_napalm tasks work on ``cisco_ios`` and
    ``arista_eos`` hosts.

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
        _expand_snmp(element)
    own_connection_options(host)
    map_plugin_platforms(host)


def _expand_snmp(element: Any) -> None:
    """``${VAR}`` in the element's own data ``snmp`` (SNMP community and v3 keys, see
    ``nornir_pack.health.settings``), expanded like the passwords."""
    data = element.data
    if isinstance(data, dict) and isinstance(data.get("snmp"), dict):
        data["snmp"] = _expand_tree(data["snmp"])


def own_connection_options(host: Host) -> None:
    """Give ``host`` a private deep copy of each plugin's resolved connection options.

    Nornir hands every host that inherits ``extras`` from a group or the defaults the very same
    dict, and connection plugins write into it: nornir_napalm stores the host's port in
    ``optional_args``, so every later host of the group would connect to the first host's
    device. With a copy per host, nothing a library mutates is shared.
    """
    elements: list[Any] = [host, *host.extended_groups(), host.defaults]
    plugins = {name for element in elements for name in element.connection_options}
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


PACK_SIMPLE_INVENTORY = "nornir_pack_simple"  # PackSimpleInventory's name in Nornir's register
# Inventory documents load_nornir has read and checked, by resolved path, until Nornir takes them.
_PARSED: dict[Path, Any] = {}
_PARSED_LOCK = threading.Lock()
_UNREAD = object()  # no document handed over for a file (an empty file's document is None)


class PackSimpleInventory(SimpleInventory):
    """Nornir's SimpleInventory (same files, same YAML 1.2 values), reading each file once.

    ``load_nornir`` reads the inventory files to check them before any login; this plugin takes
    those documents instead of parsing the files a second time with ruamel.yaml, which cost a
    second and more at a thousand hosts. Used from plain Nornir, it reads the files itself.
    """

    def load(self) -> Inventory:
        defaults = Defaults()
        if self._available(self.defaults_file):
            defaults = _get_defaults(self._document(self.defaults_file, "defaults"))
        hosts = Hosts()
        for name, element in self._document(self.host_file, "hosts").items():
            hosts[name] = _get_inventory_element(Host, element, name, defaults)
        groups = Groups()
        if self._available(self.group_file):
            for name, element in self._document(self.group_file, "groups").items():
                groups[name] = _get_inventory_element(Group, element, name, defaults)
            for group in groups.values():
                group.groups = ParentGroups([groups[str(parent)] for parent in group.groups])
        for host in hosts.values():
            host.groups = ParentGroups([groups[str(parent)] for parent in host.groups])
        return Inventory(hosts=hosts, groups=groups, defaults=defaults)

    @staticmethod
    def _available(file: Path) -> bool:
        """A document was handed over for ``file`` (a Dask worker may not have the file
        itself), or the file exists."""
        with _PARSED_LOCK:
            handed = file.resolve() in _PARSED
        return handed or file.exists()

    @staticmethod
    def _document(file: Path, what: str) -> Any:
        with _PARSED_LOCK:
            document = _PARSED.pop(file.resolve(), _UNREAD)
        if document is _UNREAD:  # used from plain Nornir: nobody read the file for it
            document = read_yaml(file, "inventory file")
        if not document:
            logger.warning("'%s' is empty or contains only comments: no %s", file, what)
        return document or {}


def load_nornir(config_file: str | Path = "config.yaml", **overrides: Any) -> Nornir:
    """The Nornir object of a config file, built as ``nornir-pack run`` builds it: the way to
    use a nornir-pack inventory from your own code.

    Every relative path in config.yaml (inventory files, Nornir's ``log_file``, and nornir-pack's
    ``backup_dir``, ``template_dir``, ``rules``) and every relative path given to a nornir-pack
    task resolves against the config file's folder (``nornir_pack.paths``), so the result is
    the same from any current folder. The credentials transform (``resolve_credentials``) runs
    on every host even when config.yaml names no transform function. ``overrides`` are
    InitNornir's keyword sections, e.g. ``runner={"plugin": "serial"}``.

    Raises:
        UsageError: the config or an inventory file is missing or malformed (one line naming
            the file, the key or line, and the fix).
    """
    path = Path(config_file)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a config file: pass -c {path / 'config.yaml'}")
    if not path.is_file():
        raise UsageError(f"{path}: config file not found: pass -c PATH to a Nornir config.yaml")
    data = read_yaml(path, "config file") or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: top level must be a mapping of Nornir settings")
    inventory = data.get("inventory") or {}
    if not isinstance(inventory, dict) or not isinstance(inventory.get("options") or {}, dict):
        raise UsageError(f"{path}: inventory and inventory.options must be mappings: fix them")
    options = dict(inventory.get("options") or {})
    contents = _read_inventory_files(path, options)
    settings: dict[str, Any] = {"inventory": {"options": options}} if options else {}
    if inventory.get("plugin", "SimpleInventory") == "SimpleInventory":
        _check_simple_inventory(contents)
        # the same files and values, parsed once: Nornir takes the documents checked above
        settings.setdefault("inventory", {})["plugin"] = PACK_SIMPLE_INVENTORY
        handed = {Path(options[key]): document for key, (_, document) in contents.items()}
    else:
        handed = {}
    settings.update(_nornir_paths(path, data))
    if not data.get("runner"):  # nornir-pack's own runner unless the config names one
        settings["runner"] = {"plugin": "nornir_pack"}
    for section, values in overrides.items():
        settings[section] = {**settings.get(section, {}), **values}
    logguard.install()  # before Nornir logs anything
    try:
        with _PARSED_LOCK:
            _PARSED.update(handed)
        nr = init_nornir(config_file=str(path), **settings)
    except UsageError as exc:
        if str(exc).startswith(("runner option", "rollout option", "post check")):
            raise UsageError(f"{path}: {exc}") from None
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise UsageError(f"{path}: invalid Nornir configuration: {exc}") from None
    finally:
        with _PARSED_LOCK:
            for file in handed:
                _PARSED.pop(file, None)
    remember_config_file(nr.config, path)  # tasks resolve their relative paths against it
    if inventory.get("transform_function") != TRANSFORM:  # credentials, platforms: always
        for host in nr.inventory.hosts.values():
            resolve_credentials(host)
    logguard.protect_nornir(nr)  # its secrets out of every log record
    return nr


def inventory_documents(config_file: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """config.yaml's settings and its SimpleInventory documents by option key (``host_file``
    ...), read again from the files ``load_nornir`` checked: what a Dask worker needs to build
    the same Nornir object (``nornir_from_documents``) without the files. None for an
    inventory plugin other than SimpleInventory, whose files only the plugin knows.

    Raises:
        UsageError: a file is no longer readable.
    """
    data = read_yaml(config_file, "config file") or {}
    inventory = data.get("inventory") or {}
    if inventory.get("plugin", "SimpleInventory") != "SimpleInventory":
        return None
    options = dict(inventory.get("options") or {})
    contents = _read_inventory_files(config_file, options)
    return data, {key: document for key, (_, document) in contents.items()}


def nornir_from_documents(
    config_file: str | Path,
    data: dict[str, Any],
    documents: dict[str, Any],
    **overrides: Any,
) -> Nornir:
    """The Nornir object ``load_nornir(config_file)`` builds, from the documents
    ``inventory_documents`` read (the host documents may be a subset: a worker's batch).
    Relative paths still resolve against ``config_file``'s folder; the file itself need not
    exist here. ``${VAR}`` in credentials expand from this process's environment.
    """
    path = Path(config_file)
    inventory = dict(data.get("inventory") or {})
    options = {
        key: str(resolve_against(path.parent, str(value)).resolve())
        for key, value in (inventory.get("options") or {}).items()
    }
    handed = {Path(options[key]): document for key, document in documents.items()}
    sections: dict[str, Any] = {
        name: dict(data.get(name) or {}) for name in ("ssh", "logging", "core", "runner")
    }
    sections["user_defined"] = dict(data.get("user_defined") or {})
    sections["inventory"] = {**inventory, "plugin": PACK_SIMPLE_INVENTORY, "options": options}
    for section, values in {**_nornir_paths(path, data), **overrides}.items():
        sections[section] = {**sections.get(section, {}), **values}
    logguard.install()
    try:
        with _PARSED_LOCK:
            _PARSED.update(handed)
        nr = init_nornir(**sections)
    finally:
        with _PARSED_LOCK:
            for file in handed:
                _PARSED.pop(file, None)
    remember_config_file(nr.config, path)
    if inventory.get("transform_function") != TRANSFORM:
        for host in nr.inventory.hosts.values():
            resolve_credentials(host)
    logguard.protect_nornir(nr)
    return nr


def _read_inventory_files(path: Path, options: dict[str, Any]) -> dict[str, tuple[Path, Any]]:
    """Each inventory file config.yaml names, parsed, by option key (with the path as written
    for messages); ``options`` gets the resolved paths Nornir will use."""
    contents: dict[str, tuple[Path, Any]] = {}
    for key in _INVENTORY_FILES:
        if key in options:
            shown = resolve_against(path.parent, str(options[key]))
            resolved = shown.resolve()
            if resolved.is_dir():
                raise UsageError(
                    f"{path}: inventory.options.{key} points to folder {shown}: name the file"
                )
            if not resolved.is_file():
                raise UsageError(
                    f"{path}: inventory.options.{key} points to missing file {resolved}: "
                    "fix the path"
                )
            contents[key] = (shown, read_yaml(shown, "inventory file"))
            options[key] = str(resolved)
    return contents


def _nornir_paths(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Nornir's own file settings (``logging.log_file``, ``ssh.config_file``) resolved against
    the config file's folder, as overrides for InitNornir."""
    overrides: dict[str, Any] = {}
    for section, key in (("logging", "log_file"), ("ssh", "config_file")):
        values = data.get(section)
        value = values.get(key) if isinstance(values, dict) else None
        if isinstance(value, str) and value:
            overrides[section] = {key: str(resolve_against(path.parent, value))}
    return overrides


def _check_element(file: Path, label: str, element: dict[Any, Any]) -> None:
    """Shapes SimpleInventory would crash on (``None.items()``) or misread later."""
    if not isinstance(element.get("data") or {}, dict):
        raise UsageError(f"{file}: {label} data must be a mapping of names to values: fix it")
    options = element.get("connection_options", {})
    if not isinstance(options, dict) or not all(isinstance(o, dict) for o in options.values()):
        raise UsageError(
            f"{file}: {label} connection_options must map each plugin name to its settings "
            "(hostname, port, username, password, platform, extras): fix it"
        )
    for plugin, option in options.items():
        if not isinstance(option.get("extras") or {}, dict):
            raise UsageError(
                f"{file}: {label} connection_options.{plugin}.extras must be a mapping: fix it"
            )


def _check_simple_inventory(contents: dict[str, tuple[Path, Any]]) -> None:
    """What SimpleInventory would crash on with a KeyError or a traceback, named by file and
    element: wrong shapes, a group nobody defines, groups that contain each other."""
    groups_file, groups_data = contents.get("group_file", (None, None))
    members: dict[str, list[str]] = {}
    for key, kind in (("host_file", "host"), ("group_file", "group")):
        if key not in contents:
            continue
        file, data = contents[key]
        if not isinstance(data or {}, dict):
            raise UsageError(f"{file}: top level must map each {kind} name to its settings")
        for name, element in (data or {}).items():
            label = f"{kind} '{name}'"
            if not isinstance(element, dict):
                raise UsageError(
                    f"{file}: {label} must be a mapping of settings "
                    "(hostname, port, groups, data, ...): fix it"
                )
            _check_element(file, label, element)
            groups = element.get("groups") or []
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                raise UsageError(
                    f"{file}: {label} groups must be a list of group names, e.g. groups: [ios]"
                )
            for group in groups:
                if groups_file is not None and group not in (groups_data or {}):
                    raise UsageError(
                        f"{file}: {label} is in group '{group}', which {groups_file} does not "
                        "define: add the group there or fix the name"
                    )
            if kind == "group":
                members[str(name)] = groups
    if "defaults_file" in contents:
        file, data = contents["defaults_file"]
        if not isinstance(data or {}, dict):
            raise UsageError(f"{file}: top level must be a mapping of default settings")
        _check_element(file, "defaults", data or {})
    cycle = _group_cycle(members)
    if cycle:
        chain = " -> ".join(f"'{g}'" for g in cycle)
        raise UsageError(f"{groups_file}: groups {chain} contain each other: remove one of them")


def _group_cycle(members: dict[str, list[str]]) -> list[str]:
    """A chain of groups that leads back to its start (Nornir would recurse forever), or []."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        for parent in members.get(name, []):
            found = visit(parent, [*path, name])
            if found:
                return found
        done.add(name)
        return []

    for start in members:
        found = visit(start, [])
        if found:
            return found
    return []


def settings(nr: Nornir) -> dict[str, Any]:
    """nornir-pack's own settings: ``user_defined.nornir_pack`` in config.yaml."""
    value = nr.config.user_defined.get("nornir_pack") or {}
    return dict(value)
