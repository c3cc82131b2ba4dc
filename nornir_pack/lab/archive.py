"""The IOS configuration archive: contextual diffs, ``configure replace`` and its revert timer.

NAPALM ios diffs a candidate file against the running config with ``show archive config
differences`` (replace) or ``incremental-diffs`` (merge), commits with ``configure replace ...
force revert trigger error [timer N]`` and confirms with ``configure confirm``; scrapli_cfg uses
the same commands without the revert options. The diff formats are those of IOS: contextual
diffs put the sign after the indentation and print unchanged parent lines as context.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .config import ConfigEngine, ConfigNode, Outcome, render
from .device import Device
from .filesystem import FILE, RUNNING, STARTUP, parse_file, read, resolve
from .platforms import Platform
from .shell import ARG, REST, Command, Shell, register

_IOS = frozenset({"cisco_ios"})

_REPLACE_QUESTION = (
    "This will apply all necessary additions and deletions\n"
    "to replace the current running configuration with the\n"
    "contents of the specified configuration file, which is\n"
    "assumed to be a complete configuration, not a partial\n"
    "configuration. Enter Y if you are sure you want to proceed. ? [no]: "
)
_NO_PENDING = "%No Rollback Confirmed Change pending\n"


@dataclass
class RollbackTimer:
    """A replace (or config session) that reverts unless ``configure confirm`` comes in time."""

    snapshot: ConfigNode  # the running config to go back to
    user: str
    minutes: int
    configured: str
    handle: asyncio.TimerHandle | None = None


# -- reading configs as trees, by indentation (diffs compare text, not meaning)
def tree_from_text(platform: Platform, text: str) -> ConfigNode:
    """A config text as a tree of lines nested by indentation; comments and ``end`` dropped."""
    root = ConfigNode("")
    stack: list[tuple[int, ConfigNode]] = [(-1, root)]
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        indent = len(line) - len(line.lstrip())
        if stripped == "end" and indent == 0:
            break
        if indent == 0 and stripped.startswith("banner "):
            stripped = _banner(platform, stripped, lines)
        while stack[-1][0] >= indent:
            stack.pop()
        node = ConfigNode(stripped)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def _banner(platform: Platform, header: str, lines: Iterator[str]) -> str:
    """A banner with its text as one node, the way the running config stores it."""
    terminator = platform.banner_terminator
    words = header.split(maxsplit=2)
    if terminator is None:
        rest = words[2] if len(words) > 2 else ""
        terminator = "^C" if rest.startswith("^C") else rest[:1]
        if not terminator or terminator in rest[len(terminator) :]:
            return header
    body = [header]
    for line in lines:
        body.append(line)
        if (line.strip() == terminator) if platform.banner_terminator else terminator in line:
            break
    return "\n".join(body)


def _walk(
    source: ConfigNode,
    other: ConfigNode,
    sign: str,
    indent: str,
    *,
    depth: int = 0,
    keep: Callable[[ConfigNode], bool] = lambda node: True,
) -> list[str]:
    """Lines of ``source`` missing from ``other``, signed, with unchanged parents as context."""
    out: list[str] = []
    for node in source.children:
        match = other.child(node.text)
        if match is None:
            if keep(node):
                out.extend(_signed(node, sign, indent, depth))
        elif node.children:
            inner = _walk(node, match, sign, indent, depth=depth + 1, keep=keep)
            if inner:
                out.append(indent * depth + node.text)
                out.extend(inner)
    return out


def _signed(node: ConfigNode, sign: str, indent: str, depth: int) -> list[str]:
    lines = [indent * depth + sign + part for part in node.text.split("\n")]
    for child in node.children:
        lines.extend(_signed(child, sign, indent, depth + 1))
    return lines


def contextual_diff(platform: Platform, old: str, new: str) -> str:
    """``show archive config differences old new``: ``+`` only in new, ``-`` only in old."""
    old_tree, new_tree = tree_from_text(platform, old), tree_from_text(platform, new)
    indent = platform.indent
    lines = _walk(new_tree, old_tree, "+", indent) + _walk(old_tree, new_tree, "-", indent)
    body = lines or ["!No changes were found"]
    return "\n".join(["!Contextual Config Diffs:", *body]) + "\n"


def incremental_diff(device: Device, text: str) -> str:
    """``show archive config incremental-diffs``: the file's lines that would change anything."""
    platform = device.platform
    merged = device.running.copy()
    engine = ConfigEngine(platform, merged)
    negated: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if device.knobs.rejects(stripped):
            continue
        if stripped.startswith("no "):
            negated.append(stripped[3:])
        if engine.apply(line).outcome is Outcome.EXIT and stripped == "end":
            break
    running = tree_from_text(platform, render(device.running, platform))
    after = tree_from_text(platform, render(merged, platform))
    indent = platform.indent

    def was_negated(node: ConfigNode) -> bool:
        return any(node.text == n or node.text.startswith(n + " ") for n in negated)

    lines = _walk(after, running, "", indent) + _walk(
        running, after, "no ", indent, keep=was_negated
    )
    if not lines:
        return "!List of Commands:\nend\n!No changes were found\n"
    return "\n".join(["!List of Commands:", *lines, "end"]) + "\n"


# -- the archive feature
def archive_path(device: Device) -> str | None:
    """Where the archive writes (``archive`` / ``path X``); None when the feature is off."""
    archive = device.running.child("archive")
    if archive is None:
        return None
    return next((c.text.split()[1] for c in archive.children if c.text.startswith("path ")), None)


def _show_archive(shell: Shell, args: list[str]) -> str:
    path = archive_path(shell.device)
    if path is None:
        return "Archive feature not enabled\n"
    rows = "".join(f"   {n}\n" for n in range(1, 15))
    return (
        "The maximum archive configurations allowed is 14.\n"
        "There are currently 0 archive configurations saved.\n"
        f"The next archive file will be named {path}-1\n"
        " Archive #  Name\n" + rows
    )


def _show_rollback_timer(shell: Shell, args: list[str]) -> str:
    timer = shell.device.rollback_timer
    if timer is None:
        return _NO_PENDING
    return (
        f"Time configured: {timer.configured}\n"
        "Timer type: Rollback Confirmed Change\n"
        f"Timer value: {timer.minutes} min\n"
        f"User: {timer.user}\n"
    )


def _config_text(device: Device, path: str) -> str | None:
    location = resolve(device, path)
    return None if location is None else read(device, location)


def _show_differences(shell: Shell, args: list[str]) -> str:
    device = shell.device
    paths = args or ["nvram:startup-config", "system:running-config"]
    if len(paths) == 1:
        paths = [*paths, "system:running-config"]
    texts = []
    for path in paths[:2]:
        location = resolve(device, path)
        text = None if location is None else read(device, location)
        if text is None or location is None or location.kind not in (FILE, RUNNING, STARTUP):
            return f"%Error opening {path} (No such file or directory)\n"
        texts.append(text)
    return contextual_diff(device.platform, texts[0], texts[1])


def _show_incremental(shell: Shell, args: list[str]) -> str:
    text = _config_text(shell.device, args[0])
    if text is None:
        return f"%Error opening {args[0]} (No such file or directory)\n"
    return incremental_diff(shell.device, text)


# -- configure replace / confirm / revert
def _minutes(options: list[str], keyword: str) -> int | None:
    if keyword in options[:-1]:
        value = options[options.index(keyword) + 1]
        return int(value) if value.isdigit() else None
    return None


def _configure_replace(shell: Shell, args: list[str]) -> str:
    device = shell.device
    path, options = args[0], [word.lower() for word in args[1:]]
    text = _config_text(device, path)
    if text is None:
        return f"%Error opening {path} (No such file or directory)\n"
    minutes = _minutes(options, "timer") or _minutes(options, "time")
    if minutes is not None and archive_path(device) is None:
        return "%Please turn config archive on\n"
    revert_on_error = "trigger" in options

    def run() -> str:
        return replace(shell, text, revert_on_error=revert_on_error, minutes=minutes)

    if "force" in options:
        return run()

    def answer(line: str) -> str:
        if not line.strip().lower().startswith("y"):
            return "\n" + shell.prompt()
        return "\n" + run() + shell.prompt()

    return shell.ask(_REPLACE_QUESTION, answer)


def replace(shell: Shell, text: str, *, revert_on_error: bool, minutes: int | None) -> str:
    """Replace the running config with a file, as ``configure replace`` does."""
    device = shell.device
    if not any(line.strip() and not line.strip().startswith("!") for line in text.splitlines()):
        return "%The input file is not a valid config file.\n"
    root, errors = parse_file(device, text)
    snapshot = device.running.copy()
    if errors:
        failed = "".join(error.line.strip() + "\n" for error in errors)
        report = (
            "Rollback aborted after 5 passes\n"
            "The following commands are failed to apply to the IOS image.\n"
            f"********\n{failed}********\n"
        )
        if revert_on_error:
            return report + (
                "Reverting to the original configuration due to error(s)...\n"
                "The original configuration has been successfully restored.\n"
            )
        device.replace_running(root, shell.user)
        return report
    device.replace_running(root, shell.user)
    if minutes is not None:
        start_timer(device, snapshot, shell.user, minutes)
    return "Total number of passes: 1\nRollback Done\n"


def start_timer(device: Device, snapshot: ConfigNode, user: str, minutes: int) -> None:
    """Revert to ``snapshot`` after ``minutes`` device minutes unless confirmed first."""
    cancel_timer(device)
    timer = RollbackTimer(
        snapshot, user, minutes, time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime())
    )
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # driven directly, not served: nothing to count with
        loop = None
    if loop is not None:
        timer.handle = loop.call_later(
            minutes * device.knobs.minute_seconds, _expire, device, timer
        )
    device.rollback_timer = timer


def cancel_timer(device: Device) -> RollbackTimer | None:
    timer, device.rollback_timer = device.rollback_timer, None
    if timer is not None and timer.handle is not None:
        timer.handle.cancel()
    return timer


def _expire(device: Device, timer: RollbackTimer) -> None:
    if device.rollback_timer is timer:
        device.rollback_timer = None
        device.replace_running(timer.snapshot, timer.user)


def _configure_confirm(shell: Shell, args: list[str]) -> str:
    return "" if cancel_timer(shell.device) is not None else _NO_PENDING


def _configure_revert(shell: Shell, args: list[str]) -> str:
    device = shell.device
    timer = device.rollback_timer
    if timer is None:
        return _NO_PENDING
    choice = [word.lower() for word in args]
    if choice and "now".startswith(choice[0]):
        _expire(device, timer)
        return ""
    minutes = _minutes(choice, "timer")
    if minutes is None:
        return shell.error("incomplete", ["configure", "revert"], 2)
    start_timer(device, timer.snapshot, timer.user, minutes)
    return ""


def _configure_terminal_revert(shell: Shell, args: list[str]) -> str:
    device = shell.device
    if archive_path(device) is None or not args[0].isdigit():
        return "%Please turn config archive on\n"
    start_timer(device, device.running.copy(), shell.user, int(args[0]))
    shell.engine = ConfigEngine(device.platform, device.running)
    return device.platform.enter_config_banner


register(
    Command(("show", "archive"), _show_archive, platforms=_IOS),
    Command(
        ("show", "archive", "config", "rollback", "timer"), _show_rollback_timer, platforms=_IOS
    ),
    Command(("show", "archive", "config", "differences", REST), _show_differences, platforms=_IOS),
    Command(
        ("show", "archive", "config", "incremental-diffs", ARG, REST),
        _show_incremental,
        platforms=_IOS,
    ),
    Command(("configure", "replace", ARG, REST), _configure_replace, platforms=_IOS),
    Command(("configure", "confirm"), _configure_confirm, platforms=_IOS),
    Command(("configure", "revert", REST), _configure_revert, platforms=_IOS),
    Command(
        ("configure", "terminal", "revert", "timer", ARG),
        _configure_terminal_revert,
        platforms=_IOS,
    ),
)
