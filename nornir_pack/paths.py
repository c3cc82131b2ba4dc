"""The one place where nornir-pack turns a path into a file: relative paths against config.yaml.

A relative path written in config.yaml (inventory files, ``backup_dir``, ``template_dir``,
``rules``, Nornir's ``log_file``) or given to a task as an argument (``backup_dir=``,
``template_dir=``, ``rules=``) means the same file from whatever folder the run starts:
it is resolved against the folder of the config file that ``load_nornir`` read. A Nornir object
built some other way has no config file, so its relative paths resolve against the current
folder, as Python's own do. Report paths given on the command line (``--json FILE``) are the
user's shell paths and resolve against the current folder.

Settings left out of config.yaml fall back to the built-in lab example: the templates and
compliance rules shipped in ``nornir_pack/runbooks/``. A team sets ``template_dir`` and ``rules``
to its own (``nornir-pack init`` writes both).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exceptions import UsageError

if TYPE_CHECKING:
    from nornir.core.configuration import Config

# Config.user_defined key under which load_nornir records the config file it read.
CONFIG_FILE_KEY = "nornir_pack_config_file"
SETTINGS = "user_defined.nornir_pack"

PACKAGE = Path(__file__).resolve().parent
BUILTIN_RUNBOOKS = PACKAGE / "runbooks"
BUILTIN_TEMPLATES = BUILTIN_RUNBOOKS / "templates"
BUILTIN_RULES = BUILTIN_RUNBOOKS / "compliance.yaml"

# Path settings of user_defined.nornir_pack and what they default to.
DEFAULTS: Mapping[str, Path] = {
    "backup_dir": Path("backups"),
    "template_dir": BUILTIN_TEMPLATES,
    "rules": BUILTIN_RULES,
}


def remember_config_file(config: Config, config_file: str | Path) -> None:
    """Record the config file a Nornir object was loaded from (``load_nornir`` calls it)."""
    config.user_defined[CONFIG_FILE_KEY] = str(Path(config_file).resolve())


def config_file(config: Config) -> Path | None:
    """The config file ``load_nornir`` read, or None for a Nornir object built otherwise."""
    value = config.user_defined.get(CONFIG_FILE_KEY)
    return Path(value) if isinstance(value, str) and value else None


def base_folder(config: Config) -> Path:
    """The folder relative paths resolve against: config.yaml's, else the current one."""
    path = config_file(config)
    return path.parent if path is not None else Path.cwd()


def resolve_path(config: Config, value: str | Path) -> Path:
    """``value`` as a file: ``~`` expanded; relative against ``base_folder(config)``.

    >>> from nornir.core.configuration import Config
    >>> config = Config(user_defined={CONFIG_FILE_KEY: "/net/team/config.yaml"})
    >>> str(resolve_path(config, "backups")), str(resolve_path(config, "/srv/backups"))
    ('/net/team/backups', '/srv/backups')
    """
    return resolve_against(base_folder(config), value)


def pack_path(config: Config, key: str, given: str | Path | None = None) -> Path:
    """The path a task or runbook uses for setting ``key`` (``backup_dir``, ``template_dir``,
    ``rules``): the task's argument when given, else config.yaml's
    ``user_defined.nornir_pack.<key>``, else the default; resolved by ``resolve_path``.

    Raises:
        UsageError: the setting is there but is not a path.
    """
    if given is not None:
        return resolve_path(config, given)
    section = config.user_defined.get("nornir_pack")
    value: Any = section.get(key) if isinstance(section, Mapping) else None
    if value is None:
        return resolve_path(config, DEFAULTS[key])
    if not isinstance(value, str) or not value.strip():
        where = config_file(config) or "config.yaml"
        raise UsageError(
            f"{where}: {SETTINGS}.{key} is {value!r}: set it to a path "
            f"(relative to the folder of config.yaml), e.g. {DEFAULTS[key].name}"
        )
    return resolve_path(config, value)


def resolve_against(folder: Path, value: str | Path) -> Path:
    """``value`` relative to ``folder`` unless absolute (config.yaml's own paths, read before
    the Nornir object exists)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else folder / path
