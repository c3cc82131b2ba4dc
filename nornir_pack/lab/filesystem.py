"""The flash file system of a simulated device and the exec commands that use it.

NAPALM ios and scrapli_cfg keep candidate and rollback configs as files on ``flash:`` and move
them with ``copy``; netmiko checks them with ``dir`` and ``verify /md5``. Files live in
``Device.files`` keyed by their name without the file system (``candidate_config.txt``), so
``flash:x``, ``flash:/x`` and plain ``x`` are the same file, as on the device.

Whatever a file holds reaches the running config through ``config.ConfigEngine`` (merge, line
by line, as if typed) or ``config.load_config`` (whole file, for replace), with
``Knobs.reject_lines`` applied on the way, so files and typed lines cannot disagree.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import ConfigEngine, ConfigNode, LoadError, Outcome, load_config
from .device import Device
from .shell import ARG, REST, Command, Shell, register

RUNNING, STARTUP, NULL, FILE, ROOT = "running", "startup", "null", "file", "root"

# Names a copy accepts for the configs themselves; each may be abbreviated.
_SPECIAL = {
    "running-config": RUNNING,
    "system:running-config": RUNNING,
    "startup-config": STARTUP,
    "nvram:startup-config": STARTUP,
    "null:": NULL,
}


@dataclass(frozen=True)
class Location:
    """Where a path points: a config, the bit bucket, a file, or the root of flash."""

    kind: str
    name: str = ""  # file name, for FILE
    display: str = ""  # as the device prints it, e.g. ``flash:/candidate_config.txt``


def resolve(device: Device, path: str) -> Location | None:
    """Parse a path as the device's CLI does; None when the file system is unknown."""
    for alias in device.platform.flash_aliases:
        if path == alias or path.startswith(alias + "/"):
            path = device.platform.flash + path[len(alias) :]
            break
    lowered = path.lower().replace(":/", ":")
    specials = [kind for name, kind in _SPECIAL.items() if name.startswith(lowered)]
    if len(lowered) >= 3 and len(set(specials)) == 1:
        return Location(specials[0], display=path)
    flash = device.platform.flash
    if lowered.startswith(flash):
        name = path[len(flash) :].lstrip("/")
    elif ":" in path:
        return None
    else:
        name = path.lstrip("/")
    if not name:
        return Location(ROOT, display=f"{flash}/")
    return Location(FILE, name, f"{flash}/{name}")


def read(device: Device, location: Location) -> str | None:
    """The text at a location, or None if there is no such file."""
    if location.kind == RUNNING:
        return running_file(device)
    if location.kind == STARTUP:
        return device.startup or None
    if location.kind == NULL:
        return ""
    if location.kind == FILE and location.name in device.files:
        return device.files[location.name].decode("utf-8", errors="replace")
    return None


def running_file(device: Device) -> str:
    """The running config as ``copy running-config <file>`` writes it: comments, no banner."""
    lines = device.show_running().splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("!")), 0)
    return "".join(lines[start:])


def not_found(path: str) -> str:
    return f"%Error opening {path} (No such file or directory)\n"


def parse_file(device: Device, text: str) -> tuple[ConfigNode, list[LoadError]]:
    """A whole config file as the device would load it, refusing lines the knobs reject."""
    lines = text.splitlines()
    rejected: list[LoadError] = []
    for number, line in enumerate(lines, start=1):
        if line.strip() and device.knobs.rejects(line.strip()):
            rejected.append(LoadError(number, line, Outcome.INVALID))
            lines[number - 1] = "!"
    root, errors = load_config(device.platform, "\n".join(lines))
    return root, sorted([*errors, *rejected], key=lambda error: error.line_number)


def merge_text(shell: Shell, text: str, root: ConfigNode | None = None) -> str:
    """Apply a file to the running config (or to ``root``, an EOS session's config) line by
    line (``copy <file> running-config``, ``copy <file> session-config``).

    Returns the device's complaints about the lines it refused, one block per line.
    """
    device = shell.device
    platform = device.platform
    engine = ConfigEngine(platform, device.running if root is None else root)
    complaints: list[str] = []
    changed = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and device.knobs.rejects(stripped):
            complaints.append(_complaint(shell, line, 0, platform.invalid_input))
            continue
        applied = engine.apply(line)
        if applied.outcome is Outcome.EXIT and stripped == "end":
            break
        if applied.outcome is Outcome.INVALID:
            complaints.append(_complaint(shell, line, applied.column, platform.invalid_input))
        elif applied.outcome is Outcome.INCOMPLETE:
            complaints.append(f"{stripped}\n{platform.incomplete}\n")
        elif applied.outcome is Outcome.AMBIGUOUS:
            complaints.append(f"{stripped}\n{platform.ambiguous.format(cmd=stripped)}\n")
        elif applied.outcome is Outcome.DUPLICATE:
            complaints.append(f"{stripped}\n{platform.duplicate_sequence}\n")
        elif stripped and not stripped.startswith("!"):
            changed = True
    if changed:
        device.touch(shell.user)
    return "".join(complaints)


def _complaint(shell: Shell, line: str, column: int, message: str) -> str:
    stripped = line.strip()
    caret = " " * column + "^\n" if shell.device.platform.caret_marker else ""
    return f"{stripped}\n{caret}{message}\n"


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def confirm_then(shell: Shell, question: str, action: Callable[[], str]) -> str:
    """Ask ``[confirm]``-style: Enter or ``y`` goes on, ``n`` gives up quietly."""

    def answer(line: str) -> str:
        if line.strip().lower().startswith("n"):
            return "\n" + shell.prompt()
        return _then_prompt(shell, action())

    return shell.ask(question, answer)


def _then_prompt(shell: Shell, output: str) -> str:
    if output and not output.endswith("\n"):
        output += "\n"
    return "\n" + output + (shell.prompt() if not shell.answering else "")


# -- exec commands
def _dir(shell: Shell, args: list[str]) -> str:
    device = shell.device
    path = args[0] if args else device.platform.flash
    location = resolve(device, path)
    if location is None or location.kind not in (FILE, ROOT):
        return f"%Error opening {path} (Invalid argument)\n"
    if location.kind == FILE and location.name not in device.files:
        return not_found(location.display)
    names = [location.name] if location.kind == FILE else list(device.files)
    stamp = time.strftime("%b %d %Y %H:%M:%S +00:00", time.gmtime())
    rows = [
        f"{index:>5}  -rw-  {len(device.files[name]):>15}  {stamp}  {name}"
        for index, name in enumerate(names, start=11)
    ]
    used = sum(len(data) for data in device.files.values())
    total = device.platform.flash_size
    return "\n".join(
        [
            f"Directory of {location.display}",
            "",
            *(rows or ["No files in directory"]),
            "",
            f"{total} bytes total ({total - used} bytes free)",
            "",
        ]
    )


def _verify(shell: Shell, args: list[str]) -> str:
    if args[0].lower() != "/md5":
        return shell.error("invalid", ["verify", *args], 1)
    location = resolve(shell.device, args[1])
    if location is None or location.kind != FILE:
        return f"%Error opening {args[1]} (Invalid argument)\n"
    data = shell.device.files.get(location.name)
    if data is None:
        return not_found(args[1])
    dots = "." * max(1, len(data) // 4096)
    return f"{dots}MD5 of {args[1]} Done!\nverify /md5 ({args[1]}) = {md5_of(data)}\n"


def _more(shell: Shell, args: list[str]) -> str:
    location = resolve(shell.device, args[-1])
    text = None if location is None or location.kind == ROOT else read(shell.device, location)
    if text is None:
        return not_found(args[-1])
    return text


def _delete(shell: Shell, args: list[str]) -> str:
    device = shell.device
    options = {a.lower() for a in args if a.startswith("/")}
    paths = [a for a in args if not a.startswith("/")]
    if not paths:
        return shell.error("incomplete", ["delete"], 1)
    location = resolve(device, paths[0])
    if location is None or location.kind != FILE:
        return f"%Error deleting {paths[0]} (Invalid argument)\n"
    name = location.name

    def remove() -> str:
        if device.files.pop(name, None) is None:
            return f"%Error deleting {location.display} (No such file or directory)"
        return ""

    if "/force" in options or not device.platform.copy_asks_destination:
        return remove()  # EOS deletes without asking
    question = f"Delete {location.display}? [confirm]"
    if not device.asks_before_copy():
        return confirm_then(shell, question, remove)

    def filename(answer: str) -> str:
        return "\n" + confirm_then(shell, question, remove)

    return shell.ask(f"Delete filename [{name}]? ", filename)


def _copy(shell: Shell, args: list[str]) -> str:
    device = shell.device
    source, target = (resolve(device, path) for path in args)
    if source is None or source.kind == ROOT:
        return f"%Error opening {args[0]} (Invalid argument)\n"
    if target is None:
        return f"%Error opening {args[1]} (Invalid argument)\n"
    text = read(device, source)
    if text is None:
        return not_found(source.display)
    default = {RUNNING: "running-config", STARTUP: "startup-config"}.get(target.kind, target.name)

    def write(name: str) -> str:
        return _write(shell, source, target, name, text)

    if not device.asks_before_copy():
        return write(default)

    def destination(answer: str) -> str:
        name = answer.strip() or default
        if target.kind in (FILE, ROOT) and name in device.files:
            question = "%Warning:There is a file already existing with this name\n"
            return "\n" + confirm_then(
                shell, question + "Do you want to over write? [confirm]", lambda: write(name)
            )
        return _then_prompt(shell, write(name))

    return shell.ask(f"Destination filename [{default}]? ", destination)


def _write(shell: Shell, source: Location, target: Location, name: str, text: str) -> str:
    device = shell.device
    platform = device.platform
    size = len(text.encode())
    if target.kind == RUNNING:
        if source.kind == RUNNING:
            return ""
        return merge_text(shell, text) + platform.copy_reply.format(size=size)
    if target.kind == STARTUP:
        if source.kind == RUNNING:
            device.save()
            return platform.copy_run_start_reply
        device.startup = text
        return platform.copy_reply.format(size=size)
    if target.kind in (FILE, ROOT):
        device.files[name or source.name] = text.encode()
    return platform.copy_reply.format(size=size)


register(
    Command(("dir",), _dir),
    Command(("dir", ARG), _dir),
    Command(("verify", ARG, ARG), _verify),
    Command(("more", REST), _more),
    Command(("delete", REST), _delete),
    Command(("copy", ARG, ARG), _copy),
)
