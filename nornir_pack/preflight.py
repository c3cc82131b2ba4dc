"""Pre-flight: every configuration error found before the first login.

``nornir-pack run`` calls ``check_run`` once it has loaded the inventory and selected the hosts,
before the lab starts and before the runbook runs; ``nornir-pack inventory`` calls
``check_hosts``. Each check raises ``UsageError`` with one line, ``<file>: <what is wrong>:
<the fix>``, which the command turns into exit code 2. Nothing here opens a connection.

Pre-flight refuses errors in the input itself: the inventory and settings, templates that do
not load (they would fail every host), folders and report paths that cannot be written (found
only after devices were touched, a commit included, otherwise). What depends on one host's
data at run time (a template variable that host lacks) or on a device (a refused line) is left
to the run, where it fails that host and the others go on.

A runbook may define a hook that the command calls after these checks and before ``run``::

    def preflight(nr, *, plugin=None, commit=False, config=Path("config.yaml")) -> None

It gets the selected hosts and only the keywords it declares (``config`` is the config file,
for messages); it must not connect to devices, and raises ``UsageError`` for bad input. The
``check_*`` functions here are meant to be called from such hooks.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nornir.core import Nornir
from nornir.core.inventory import Group, Host

from .backends import MODES, PLUGINS, choose_plugin
from .exceptions import UsageError
from .paths import pack_path, resolve_path
from .tasks.backup import backup_path
from .yamlfile import not_utf8

if TYPE_CHECKING:  # and imported where checked: Jinja2, the rules and SNMP only for their runs
    import jinja2

    from .compliance import Rules
    from .runbook import RunOptions

HOOK = "preflight"
SETTINGS = "user_defined.nornir_pack"
HOOK_KEYWORDS = ("plugin", "commit", "config")
_REPORTS = ("json", "junit", "markdown")


# ------------------------------------------------------------------ the command's pre-flight
def check_run(nr: Nornir, entry: Callable[..., Any], options: RunOptions) -> None:
    """Everything ``nornir-pack run`` checks before the first login, the runbook's hook last.

    Raises:
        UsageError: the first problem found, as one line naming the file and the fix.
    """
    check_signature(entry, {"plugin", "commit", *options.extra})
    check_hosts(nr, options.config, options.plugin)
    check_report_paths({f"--{name}": getattr(options, name) for name in _REPORTS})
    hook = runbook_hook(entry)
    if hook is not None:
        check_signature(hook, HOOK_KEYWORDS)
        values = {"plugin": options.plugin, "commit": options.commit, "config": options.config}
        hook(nr, **{key: value for key, value in values.items() if accepts(hook, key)})


def runbook_hook(entry: Callable[..., Any]) -> Callable[..., Any] | None:
    """The ``preflight`` function of the module that defines ``entry``, if it has one.

    Raises:
        UsageError: ``preflight`` is there but is not a function.
    """
    module = sys.modules.get(getattr(entry, "__module__", None) or "")
    hook = getattr(module, HOOK, None)
    if hook is None:
        return None
    if not callable(hook):
        raise UsageError(
            f"{_file_of(entry)}: '{HOOK}' is not a function: "
            f"define def {HOOK}(nr, *, plugin=None, commit=False), or remove it"
        )
    return hook  # type: ignore[no-any-return]


def check_signature(func: Callable[..., Any], given: Collection[str]) -> None:
    """``func`` can be called as ``func(nr, **kwargs)`` with keywords from ``given``.

    Raises:
        UsageError: no positional parameter for the Nornir object, or a parameter without a
            default that the command never passes.
    """
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return  # a builtin or C function: nothing to learn
    name = getattr(func, "__name__", "run")
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if not positional and not any(p.kind is p.VAR_POSITIONAL for p in parameters):
        raise UsageError(
            f"{_file_of(func)}: {name}() takes no positional parameter for the Nornir object: "
            f"define def {name}(nr, *, plugin=None, commit=False)"
        )
    first = positional[0] if positional else None
    for parameter in parameters:
        if parameter is first or parameter.kind in (
            parameter.VAR_POSITIONAL,
            parameter.VAR_KEYWORD,
        ):
            continue
        if parameter.default is parameter.empty and parameter.name not in given:
            raise UsageError(
                f"{_file_of(func)}: {name}() requires '{parameter.name}', which nornir-pack "
                f"never passes: give it a default (it passes only {', '.join(sorted(given))})"
            )


def accepts(func: Callable[..., Any], name: str) -> bool:
    """Whether ``func`` takes a keyword ``name`` (by name or through ``**kwargs``)."""
    parameters = inspect.signature(func).parameters
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _file_of(func: Callable[..., Any]) -> str:
    module = sys.modules.get(getattr(func, "__module__", None) or "")
    return str(getattr(module, "__file__", None) or getattr(func, "__qualname__", func))


# ------------------------------------------------------------------ inventory and settings
def check_hosts(nr: Nornir, config: str | Path, plugin: str | None = None) -> None:
    """The inventory checks ``run`` and ``inventory`` share, on the selected hosts: settings,
    ports, one device per address, plugin choices.

    Raises:
        UsageError: naming the inventory file (or config file), the host or group and the key.
    """
    check_settings(nr, config)
    check_ports(nr)
    check_addresses(nr)
    check_plugins(nr, config, plugin)


def check_settings(nr: Nornir, config: str | Path) -> dict[str, Any]:
    """``user_defined.nornir_pack`` of config.yaml as a dict (empty when absent).

    Raises:
        UsageError: it is there but not a mapping.
    """
    section = nr.config.user_defined.get("nornir_pack")
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise UsageError(
            f"{config}: {SETTINGS} must be a mapping of settings (plugin, backup_dir, ...): fix it"
        )
    return dict(section)


def _inventory_file(nr: Nornir, key: str) -> str:
    """Where the inventory's hosts (``host_file``), groups or defaults live, for messages:
    relative to the current folder when inside it (load_nornir made the paths absolute)."""
    value = (nr.config.inventory.options or {}).get(key)
    if not value:
        return f"inventory {key}"
    relative = os.path.relpath(str(value))
    return str(value) if relative.startswith("..") else relative


def _label(nr: Nornir, element: Any) -> str:
    """``<file>: host 'r1'`` (or group, or defaults): where an inventory element is written."""
    if isinstance(element, Group):  # before Host: in Nornir a Group is a Host
        return f"{_inventory_file(nr, 'group_file')}: group '{element.name}'"
    if isinstance(element, Host):
        return f"{_inventory_file(nr, 'host_file')}: host '{element.name}'"
    return f"{_inventory_file(nr, 'defaults_file')}: defaults"


def _elements(nr: Nornir) -> Iterator[Any]:
    """The selected hosts' groups and defaults first, then the hosts, each once.

    Groups and defaults come first so a bad value they hand down is blamed on them, not on
    the host (which holds a resolved copy of its connection options).
    """
    seen: set[int] = set()
    hosts = list(nr.inventory.hosts.values())
    for element in [
        *(g for host in hosts for g in host.extended_groups()),
        nr.inventory.defaults,
        *hosts,
    ]:
        if id(element) not in seen:
            seen.add(id(element))
            yield element


def _own_ports(element: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) of every port an inventory element sets itself."""
    yield "port", object.__getattribute__(element, "port")
    for plugin, options in element.connection_options.items():
        yield f"connection_options.{plugin}.port", options.port
        optional = (options.extras or {}).get("optional_args")
        if isinstance(optional, Mapping):
            yield f"connection_options.{plugin}.extras.optional_args.port", optional.get("port")


def check_ports(nr: Nornir) -> None:
    """Every port the selected hosts use (their own, their groups', the defaults', and NAPALM's
    ``optional_args.port``) is a number from 1 to 65535.

    Raises:
        UsageError: naming the file, the host or group and the key.
    """
    for element in _elements(nr):
        for key, value in _own_ports(element):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise UsageError(
                    f"{_label(nr, element)} {key} is {value!r}: write the port as a number, "
                    "e.g. 22, without quotes"
                )
            if not 1 <= value <= 65535:
                raise UsageError(
                    f"{_label(nr, element)} {key} is {value}: use a port from 1 to 65535"
                )


def check_addresses(nr: Nornir) -> None:
    """No two selected hosts reach the same hostname and port (no port means 22): both would
    log in to one device, and a deploy would push two hosts' configs to it.

    Raises:
        UsageError: naming the hosts file, both hosts and the address.
    """
    owners: dict[tuple[str, int], str] = {}
    for host in nr.inventory.hosts.values():
        if not host.hostname:
            continue
        port = host.port or 22
        address = (str(host.hostname).lower(), port)
        other = owners.setdefault(address, host.name)
        if other != host.name:
            raise UsageError(
                f"{_inventory_file(nr, 'host_file')}: hosts '{other}' and '{host.name}' both "
                f"connect to {host.hostname}:{port}: give each host its own hostname or port"
            )


def check_plugins(nr: Nornir, config: str | Path, plugin: str | None = None) -> None:
    """Every plugin the selected hosts could choose, at every level (host, group, defaults,
    config.yaml), is one nornir-pack drives, even where a more specific choice overrides it.

    Raises:
        UsageError: naming the file, the element and the fix.
    """
    for element in _elements(nr):
        section = (element.data or {}).get("nornir_pack")
        if section is None:
            continue
        where = f"{_label(nr, element)} data nornir_pack"
        if not isinstance(section, Mapping):
            raise UsageError(f"{where} must be a mapping, e.g. nornir_pack: {{plugin: netmiko}}")
        _check_plugin_name(section.get("plugin"), f"{where}.plugin")
    _check_plugin_name(check_settings(nr, config).get("plugin"), f"{config}: {SETTINGS}.plugin")
    for host in nr.inventory.hosts.values():
        try:
            choose_plugin(host, nr.config, plugin)
        except UsageError as exc:
            raise UsageError(f"{config}: host '{host.name}': {exc}") from None


def _check_plugin_name(value: Any, where: str) -> None:
    if value is not None and value not in PLUGINS:
        raise UsageError(f"{where} is '{value}': use one of {', '.join(PLUGINS)}")


# ------------------------------------------------------------------ files and folders
def folder_problem(folder: str | Path) -> str | None:
    """Why files cannot be written in ``folder`` (created if missing), or None if they can.

    Tried for real: a probe file is created and removed, and folders created for the probe are
    removed again, because permission bits say little (root, read-only mounts, /proc).
    """
    folder = Path(folder)
    created: list[Path] = []
    try:
        existing = folder
        while not existing.exists() and existing != existing.parent:
            created.append(existing)
            existing = existing.parent
        if not existing.is_dir():
            return f"{existing} is a file, not a folder"
        folder.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".nornir-pack-preflight-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot create or write in {folder} ({exc.strerror or exc})"
    finally:
        for path in created:  # deepest first
            try:
                path.rmdir()
            except OSError:
                break
    return None


def check_folder(folder: str | Path, what: str) -> None:
    """Files can be written in ``folder``; ``what`` names where the folder was set.

    Raises:
        UsageError: ``<what> '<folder>': <why>: choose a folder you can create and write to``.
    """
    problem = folder_problem(folder)
    if problem is not None:
        raise UsageError(f"{what} '{folder}': {problem}: choose a folder you can write to")


def check_report_paths(reports: Mapping[str, Path | None]) -> None:
    """Each report file (``{"--json": path}``) can be written: a report that fails to write
    is otherwise found at the very end, after a deploy has committed.

    Raises:
        UsageError: naming the path, the option and the fix.
    """
    claimed: dict[Path, str] = {}
    for option, target in reports.items():
        if target is None:
            continue
        other = claimed.setdefault(Path(os.path.abspath(target)), option)
        if other != option:
            raise UsageError(f"{target}: {other} and {option} both write it: give each a file")
        if target.is_dir():
            raise UsageError(f"{target}: {option} names a folder: name a file in it")
        problem = folder_problem(target.parent)
        if problem is None and target.exists():
            try:
                target.open("a").close()  # appends nothing: only asks for write access
            except OSError as exc:
                problem = f"cannot write it ({exc.strerror})"
        if problem is not None:
            raise UsageError(
                f"{target}: {option} report cannot be written ({problem}): "
                "choose a path in a folder you can write to"
            )


def check_git_commit(
    folder: str | Path, what: str, names: Collection[str] = (), off: str = "turn the commit off"
) -> None:
    """A commit of ``folder`` (as ``tasks.commit_backups`` does it) can succeed: git is
    installed and, when the folder sits in a git work tree, git does not ignore it or the files
    ``names`` in it (the commit would silently leave them out).

    Raises:
        UsageError: ``<what> but <problem>: <the fix>``.
    """
    git = shutil.which("git")
    if git is None:
        raise UsageError(f"{what} but git is not installed: install git or {off}")
    folder = Path(folder).absolute()
    base = folder
    while not base.is_dir() and base != base.parent:
        base = base.parent
    inside = _git(git, base, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return  # the folder becomes a repository of its own
    paths = [f"{folder}{os.sep}", *(str(folder / name) for name in names)]
    ignored = _git(git, base, "check-ignore", "--verbose", "--", *paths)
    if ignored.returncode == 0 and ignored.stdout.strip():
        rule, _, path = ignored.stdout.splitlines()[0].partition("\t")
        raise UsageError(
            f"{what} but git ignores {path} (rule {rule}): un-ignore it, choose another "
            f"folder, or {off}"
        )


def _git(git: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [git, "-C", str(folder), *args], capture_output=True, text=True, check=False
    )


# ------------------------------------------------------------------ what the runbooks need
def check_backup(nr: Nornir, config: str | Path) -> None:
    """The backup runbook's settings: ``backup_dir`` is a folder that can be created and
    written, every selected host's name makes a backup file name, and with ``backup_git`` a
    commit can succeed.

    Raises:
        UsageError: naming config.yaml's key (or the hosts file) and the fix.
    """
    options = check_settings(nr, config)
    value = options.get("backup_dir", "backups")
    where = f"{config}: {SETTINGS}.backup_dir"
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where} is {value!r}: set it to a folder, e.g. backups")
    folder = pack_path(nr.config, "backup_dir")  # relative to config.yaml's folder
    for host in nr.inventory.hosts.values():
        try:
            backup_path(folder, host.name)
        except UsageError as exc:
            raise UsageError(f"{_inventory_file(nr, 'host_file')}: {exc}: rename it") from None
    problem = folder_problem(folder)  # names the resolved folder; the key names the value
    if problem is not None:
        raise UsageError(f"{where} '{value}': {problem}: choose a folder you can write to")
    git = options.get("backup_git", False)
    if not isinstance(git, bool):
        raise UsageError(f"{config}: {SETTINGS}.backup_git is {git!r}: use true or false")
    if git:
        names = [f"{name}.cfg" for name in nr.inventory.hosts]
        what = f"{config}: {SETTINGS}.backup_git is true"
        check_git_commit(folder, what, names, off="set backup_git: false")


def check_deploy_mode(nr: Nornir, config: str | Path) -> str:
    """``deploy_mode`` of config.yaml: ``merge`` (the default) or ``replace``.

    Raises:
        UsageError: any other value, naming the key and the choices.
    """
    mode = check_settings(nr, config).get("deploy_mode", "merge")
    if mode not in MODES:
        raise UsageError(
            f"{config}: {SETTINGS}.deploy_mode is '{mode}': use {' or '.join(map(repr, MODES))}"
        )
    return str(mode)


def check_templates(nr: Nornir, template_dir: str | Path, template: str | None = None) -> None:
    """Every selected host's template (and what it includes, imports or extends by a literal
    name) exists, is UTF-8 and parses.

    Variables are not checked: a variable missing from one host's data fails that host when it
    renders, and the other hosts go on. A relative ``template_dir`` resolves against
    config.yaml's folder, as the tasks resolve it.

    Raises:
        UsageError: naming the template file (and line) and the fix.
    """
    import jinja2  # noqa: PLC0415  (only runs with templates need it)

    from .tasks.render import template_name  # noqa: PLC0415

    folder = resolve_path(nr.config, template_dir)
    loader = jinja2.FileSystemLoader(str(folder))
    environment = jinja2.Environment(loader=loader, autoescape=False)  # configs, not HTML
    needed: dict[str, list[str]] = {}
    for host in nr.inventory.hosts.values():
        needed.setdefault(template_name(host, template), []).append(host.name)
    checked: set[str] = set()
    for name, hosts in needed.items():
        _check_template(environment, loader, name, hosts, checked)


def _check_template(
    environment: jinja2.Environment,
    loader: jinja2.FileSystemLoader,
    name: str,
    hosts: list[str],
    checked: set[str],
) -> None:
    import jinja2.meta  # noqa: PLC0415

    if name in checked:
        return
    checked.add(name)
    path = Path(loader.searchpath[0]) / name
    try:
        source, filename, _ = loader.get_source(environment, name)
        tree = environment.parse(source, name, filename)
    except jinja2.TemplateNotFound:
        shown = ", ".join(f"'{h}'" for h in hosts[:3]) + (" ..." if len(hosts) > 3 else "")
        raise UsageError(
            f"{path}: template not found (host {shown} needs it): create it, or set host data "
            "'template' to an existing one"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(
            f"{exc.filename or path}:{exc.lineno}: template syntax error ({exc.message}): "
            "fix the template"
        ) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the template: {exc.strerror}") from None
    for referenced in jinja2.meta.find_referenced_templates(tree):
        if referenced is not None:
            _check_template(environment, loader, referenced, hosts, checked)


def check_rules(nr: Nornir, rules: str | Path, template_dir: str | Path) -> Rules:
    """The compliance rules file loads, and when it has feature rules (compared against each
    host's rendered template) the selected hosts' templates pass ``check_templates``.

    Raises:
        UsageError: naming the rules file or template, the key or line, and the fix.
    """
    from .compliance import load_rules  # noqa: PLC0415  (only compliance runs need it)

    loaded = load_rules(resolve_path(nr.config, rules))
    if loaded.features:
        check_templates(nr, template_dir)
    return loaded


def check_health(nr: Nornir, config: str | Path) -> None:
    """The health checks' input: config.yaml's ``health`` thresholds, and on every selected
    host, its groups and the defaults the data ``health``, ``snmp`` and ``snmp_port``; each
    host polled over SNMP has both of the latter, and no two share an agent's address.

    Raises:
        UsageError: naming the file, the element, the key and the fix (never a secret).
    """
    from .health.settings import (  # noqa: PLC0415  (only health runs need it)
        HEALTH_KEY,
        PORT_KEY,
        SNMP_KEY,
        config_section,
        parse_credentials,
        parse_port,
        parse_settings,
        snmp_configured,
        snmp_target,
    )

    section = config_section(nr.config)
    if section is not None:
        try:
            parse_settings(section)
        except ValueError as exc:
            raise UsageError(f"{config}: {SETTINGS}.{exc}") from None
    checks = ((HEALTH_KEY, parse_settings), (SNMP_KEY, parse_credentials), (PORT_KEY, parse_port))
    for element in _elements(nr):
        data = element.data or {}
        for key, parse in checks:
            if data.get(key) is not None:
                try:
                    parse(data[key])
                except ValueError as exc:
                    raise UsageError(f"{_label(nr, element)} data {exc}") from None
    hosts_file = _inventory_file(nr, "host_file")
    agents: dict[tuple[str, int], str] = {}
    for host in nr.inventory.hosts.values():
        if not snmp_configured(host):
            continue
        try:
            target = snmp_target(host)
        except UsageError as exc:
            raise UsageError(f"{hosts_file}: {exc}") from None
        other = agents.setdefault((target.address.lower(), target.port), host.name)
        if other != host.name:
            raise UsageError(
                f"{hosts_file}: hosts '{other}' and '{host.name}' both poll SNMP at "
                f"{target.address}:{target.port}: give each host its own snmp_port or hostname"
            )
