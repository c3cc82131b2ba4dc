"""A team's project: which runbooks, templates and rules a run uses, and ``nornir-pack init``.

A project is a folder with config.yaml. Its ``runbooks/`` holds the team's own runbooks; one named
like a built-in (``backup``, ``deploy``, ``compliance``, in ``nornir_pack/runbooks/``) replaces
it. Templates and compliance rules come from config.yaml's ``template_dir`` and ``rules``
settings, else the built-in lab example's (see ``nornir_pack.paths``). Runbooks are listed from
their files, never imported, so listing them runs no team code.
"""

from __future__ import annotations

import ast
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .exceptions import UsageError
from .paths import BUILTIN_RULES, BUILTIN_RUNBOOKS, BUILTIN_TEMPLATES, DEFAULTS, resolve_against
from .yamlfile import read_yaml

RUNBOOK_DIR = "runbooks"
BUILTIN = "built-in"
PROJECT = "project"
STARTER = Path(__file__).resolve().parent / "starter"
# starter file -> where init writes it (package data cannot hold dot-files portably)
RENAMED = {"gitignore": ".gitignore", "github": ".github"}
FILLED = ("hosts.yaml", "requirements.txt")  # starter files with {placeholders}
DEFAULT_PORT = 22301  # the starter lab's first SSH port (the repository's lab uses 22101...)
EAPI_OFFSET = 6000  # eAPI port = SSH port + 6000, as in the repository's lab


@dataclass(frozen=True)
class RunbookFile:
    """A runbook a run can use: its name, file, and where it comes from."""

    name: str
    path: Path
    origin: str  # "built-in", "project" (runbooks/ beside config.yaml) or "file" (a path)
    overrides: bool = False  # a project runbook that replaces a built-in of the same name

    @property
    def description(self) -> str:
        """The first line of the module docstring, read without importing the runbook."""
        try:
            tree = ast.parse(self.path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            return ""
        doc = (ast.get_docstring(tree) or "").replace("``", "").strip()
        return doc.splitlines()[0] if doc else ""


def _runbooks_in(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {
        path.stem: path
        for path in sorted(folder.glob("*.py"))
        if path.is_file() and not path.stem.startswith("_")
    }


def available_runbooks(config: Path) -> list[RunbookFile]:
    """Every runbook ``nornir-pack run NAME`` can use with this config, by name: the project's
    ``runbooks/`` beside config.yaml first, then the built-ins it does not replace."""
    folder = config.parent / RUNBOOK_DIR
    builtins = _runbooks_in(BUILTIN_RUNBOOKS)
    own = _runbooks_in(folder) if folder.resolve() != BUILTIN_RUNBOOKS else {}
    found = {
        name: RunbookFile(name, path, PROJECT, overrides=name in builtins)
        for name, path in own.items()
    }
    for name, path in builtins.items():
        found.setdefault(name, RunbookFile(name, path, BUILTIN))
    return [found[name] for name in sorted(found)]


def find_runbook(name: str, config: Path) -> RunbookFile:
    """A runbook by path (``x.py``), else by name as ``available_runbooks`` lists them.

    Raises:
        UsageError: no such file, or no runbook of that name (naming the ones there are).
    """
    candidate = Path(name)
    if candidate.suffix == ".py":
        if candidate.is_file():
            return RunbookFile(candidate.stem, candidate, "file")
        raise UsageError(f"runbook file {candidate} not found: check the path")
    runbooks = {runbook.name: runbook for runbook in available_runbooks(config)}
    if name in runbooks:
        return runbooks[name]
    raise UsageError(
        f"unknown runbook '{name}': use one of {', '.join(runbooks)} "
        f"(built in, or runbooks/NAME.py beside {config}), or a path to a .py file"
    )


def is_builtin(path: Path) -> bool:
    """Whether ``path`` is one of the built-in runbooks (imported as ``nornir_pack.runbooks.X``)."""
    return path.resolve().parent == BUILTIN_RUNBOOKS


# ------------------------------------------------------------------ files a run reads
def setting_paths(config: Path) -> list[tuple[str, Path, str]]:
    """(setting, path, origin) of ``template_dir`` and ``rules`` as a run with this config
    resolves them: config.yaml's value (``config.yaml``) or the lab example's (``built-in``).
    Read from the file itself, so that listing never needs the inventory."""
    section = _settings_of(config)
    rows = []
    for key in ("template_dir", "rules"):
        value = section.get(key)
        if isinstance(value, str) and value.strip():
            rows.append((key, resolve_against(config.resolve().parent, value), config.name))
        else:
            rows.append((key, DEFAULTS[key], BUILTIN))
    return rows


def _settings_of(config: Path) -> Mapping[str, Any]:
    if not config.is_file():
        return {}
    data = read_yaml(config, "config file")
    user_defined = data.get("user_defined") if isinstance(data, dict) else None
    section = user_defined.get("nornir_pack") if isinstance(user_defined, dict) else None
    return section if isinstance(section, dict) else {}


# ------------------------------------------------------------------ nornir-pack init
def starter_ports(port: int) -> dict[str, int]:
    """The starter lab's ports from its first one: SSH on port..port+3, eAPI 6000 above."""
    return {
        "port_r1": port,
        "port_r2": port + 1,
        "port_sw1": port + 2,
        "port_sw2": port + 3,
        "eapi_sw1": port + EAPI_OFFSET + 2,
        "eapi_sw2": port + EAPI_OFFSET + 3,
    }


def free_port_block(first: int = DEFAULT_PORT, tries: int = 20) -> int:
    """The first starter port, from ``first`` up in steps of 10, whose ports nothing on this
    machine listens on now (another lab, another project's), else ``first``."""
    for base in range(first, first + 10 * tries, 10):
        if all(_free(port) for port in starter_ports(base).values()):
            return base
    return first


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def starter_files(port: int = DEFAULT_PORT) -> Iterator[tuple[Path, str]]:
    """(relative path, text) of every file ``nornir-pack init`` writes, ports filled in: the
    starter's own files, then the lab example's templates and rules for the team to edit."""
    for source in sorted(STARTER.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(STARTER)
        text = source.read_text(encoding="utf-8")
        if source.name in FILLED:
            text = text.format(**starter_ports(port), version=__version__)
        yield Path(*(RENAMED.get(part, part) for part in relative.parts)), text
    for source in sorted(BUILTIN_TEMPLATES.glob("*.j2")):
        yield Path("templates") / source.name, source.read_text(encoding="utf-8")
    yield Path("compliance.yaml"), BUILTIN_RULES.read_text(encoding="utf-8")


def init_project(folder: Path, *, force: bool = False, port: int | None = None) -> list[Path]:
    """Write a starter project into ``folder`` (created if missing); return the files written.

    ``port`` is the lab's first SSH port (default: ``free_port_block()``).

    Raises:
        UsageError: a file would be overwritten without ``force`` (naming them, nothing
            written), ``folder`` is a file, or the ports do not fit.
    """
    if port is not None and not 1024 <= port <= 65535 - EAPI_OFFSET - 3:
        raise UsageError(f"--port {port}: use a port from 1024 to {65535 - EAPI_OFFSET - 3}")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file, not a folder: name a new or an existing folder")
    files = list(starter_files(free_port_block() if port is None else port))
    existing = [path for path, _ in files if (folder / path).exists()]
    if existing and not force:
        shown = ", ".join(str(path) for path in existing[:4])
        more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
        raise UsageError(
            f"{folder}: {shown}{more} already exist: nothing was written; "
            "choose a new folder, or pass --force to overwrite them"
        )
    written = []
    for path, text in files:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise UsageError(f"{target}: is a folder where init writes a file: move it away")
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
