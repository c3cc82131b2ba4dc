"""The CLI of a simulated device: modes, prompts, exec commands and their replies.

Pure logic: a line goes in, the text the device prints comes out (``\\n`` line endings; the SSH
layer turns them into ``\\r\\n``). Exec commands are rows of ``COMMANDS``; a row's words may be
abbreviated as on the device (``sh run``, ``wr mem``, ``conf t``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from netutils.interface import canonical_interface_name

from .config import Applied, ConfigEngine, Outcome
from .device import Device

ARG = "<arg>"  # one argument word
REST = "<rest>"  # zero or more words


@dataclass(frozen=True)
class Reply:
    """What the device prints after a line, and how the session goes on."""

    text: str
    close: bool = False


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    handler: Callable[[Shell, list[str]], str]
    privileged: bool = True
    platforms: frozenset[str] | None = None  # None: every platform


JsonView = Callable[["Shell", list[str]], dict[str, Any]]


class SubShell(Protocol):
    """An interpreter that takes over a session's lines, such as IOS ``tclsh``."""

    def prompt(self) -> str: ...

    def handle(self, line: str) -> str:
        """The text printed after ``line``, ending in the next prompt."""
        ...


class Shell:
    """One CLI session on a device."""

    def __init__(self, device: Device, user: str) -> None:
        self.device = device
        self.user = user
        self.privileged = False
        self.engine: ConfigEngine | None = None
        self.echo = True
        self._answer: Callable[[str], str] | None = None  # set while a question is pending
        self.sub: SubShell | None = None  # tclsh and the like, while it runs
        self.session: str | None = None  # EOS configuration session being edited
        self.error_token = 0  # index of the word the last error points at (eAPI reports it)

    @property
    def answering(self) -> bool:
        """True while the device waits for the answer to a question (a password, a confirm)."""
        return self._answer is not None

    @property
    def platform_name(self) -> str:
        return self.device.platform.name

    def prompt(self) -> str:
        if self.sub is not None:
            return self.sub.prompt()
        host = self.device.hostname
        if self.engine is not None:
            label = self.engine.prompt_label
            session_label = self.device.platform.session_label
            if self.session is not None and session_label:
                label = session_label.format(name=self.session[:6]) + label[len("config") :]
            return f"{host}({label})#"
        return f"{host}#" if self.privileged else f"{host}>"

    def greeting(self) -> str:
        """What the device prints when a shell opens: the MOTD banner, then the prompt."""
        banner = next(
            (n.text for n in self.device.running.children if n.text.startswith("banner motd")),
            None,
        )
        lines = banner.split("\n")[1:-1] if banner else []
        return "\n" + "".join(line + "\n" for line in lines) + "\n" + self.prompt()

    # -- input
    def handle(self, line: str) -> Reply:
        """Process one line typed at the device."""
        if self._answer is not None:
            answer, self._answer = self._answer, None
            self.echo = True
            return Reply(answer(line))
        if self.sub is not None:
            return Reply(self.sub.handle(line))
        if self.engine is not None:
            return Reply(self._config_line(line))
        return self._exec_line(line)

    def ask(self, question: str, answer: Callable[[str], str], echo: bool = True) -> str:
        """Print a question; the next line typed goes to ``answer``."""
        self._answer = answer
        self.echo = echo
        return question

    def interrupt(self) -> str:
        """Ctrl-Z / Ctrl-C: leave configuration mode, drop a pending question."""
        self._answer = None
        self.echo = True
        self.engine = None
        self.session = None
        return "\n" + self.prompt()

    # -- exec and privileged modes
    def _exec_line(self, line: str) -> Reply:
        text = line.strip()
        if not text:
            return Reply("\n" + self.prompt())
        command, _, pipe = text.partition(" | ")
        words = command.split()
        if words[0].lower() in ("exit", "logout", "quit"):
            return Reply("\n", close=True)
        found = self._find(words)
        if isinstance(found, str):
            return Reply("\n" + found + self.prompt())
        rule, args = found
        return Reply(self._frame(self._output(rule, args, pipe)))

    def run(self, text: str) -> str:
        """Run one command and return its output only (for exec channels and ``do``)."""
        command, _, pipe = text.strip().partition(" | ")
        found = self._find(command.split())
        if isinstance(found, str):
            return found
        rule, args = found
        return self._output(rule, args, pipe)

    def run_json(self, text: str) -> dict[str, Any] | None:
        """The JSON view of an exec command (EOS ``| json``, eAPI), or None if it has none."""
        words = text.split()
        found = self._find(words) if words else ""
        if isinstance(found, str) or found[0].words not in JSON_VIEWS:
            return None
        rule, args = found
        return JSON_VIEWS[rule.words](self, args)

    def error(self, kind: str, words: list[str], depth: int) -> str:
        """The device's text for an ``invalid``, ``incomplete`` or ``ambiguous`` command."""
        return self._error(kind, words, depth)

    def _output(self, rule: Command, args: list[str], pipe: str) -> str:
        if pipe.strip() == "json" and self.device.platform.json_pipe:
            view = JSON_VIEWS.get(rule.words)
            if view is None:
                return "% This is an unconverted command\n"
            return json.dumps(view(self, args), indent=2) + "\n"
        output = rule.handler(self, args)
        return apply_pipe(output, pipe) if pipe else output

    def _frame(self, output: str) -> str:
        """Output after the Enter, then the prompt (unless the device now waits for an answer)."""
        if self._answer is not None:
            return "\n" + output
        if output and not output.endswith("\n"):
            output += "\n"
        return "\n" + output + self.prompt()

    def _find(
        self, words: list[str], rows: list[Command] | None = None
    ) -> tuple[Command, list[str]] | str:
        """The command row these words select, or the device's error text."""
        rules = [
            rule
            for rule in (COMMANDS if rows is None else rows)
            if (rule.platforms is None or self.platform_name in rule.platforms)
            and (self.privileged or not rule.privileged)
        ]
        first = words[0].lower()
        firsts = {rule.words[0] for rule in rules if rule.words[0].startswith(first)}
        if len(firsts) > 1 and first not in firsts:
            return self._error("ambiguous", words, 0)
        best_depth = 0
        incomplete = False
        candidates: list[tuple[Command, list[str], int]] = []
        for rule in rules:
            matched = _match(rule.words, words)
            if isinstance(matched, int):
                best_depth = max(best_depth, matched)
                incomplete |= matched == len(words)
                continue
            exact = sum(w.lower() == k for w, k in zip(words, rule.words, strict=False))
            candidates.append((rule, matched, exact))
        if candidates:
            most_exact = max(c[2] for c in candidates)
            winner = next(c for c in candidates if c[2] == most_exact)
            return winner[0], winner[1]
        if incomplete:
            return self._error("incomplete", words, best_depth)
        return self._error("invalid", words, best_depth)

    def _error(self, kind: str, words: list[str], depth: int) -> str:
        platform = self.device.platform
        self.error_token = depth
        if kind == "incomplete":
            return platform.incomplete + "\n"
        if kind == "ambiguous":
            return platform.ambiguous.format(cmd=" ".join(words)) + "\n"
        return self._caret(" ".join(words[:depth]) + (" " if depth else "")) + (
            platform.invalid_input + "\n"
        )

    def _caret(self, before: str) -> str:
        if not self.device.platform.caret_marker:
            return ""
        return " " * (len(self.prompt()) + len(before)) + "^\n"

    # -- configuration mode
    def _config_line(self, line: str) -> str:
        assert self.engine is not None
        text = line.strip()
        words = text.split()
        if words and words[0].lower() == "do" and len(words) > 1:
            return self._frame(self.run(text[len(words[0]) :]))
        if words:
            found = self._find(words, CONFIG_COMMANDS)
            if not isinstance(found, str):
                return self._frame(found[0].handler(self, found[1]))
            if any(k.startswith(words[0].lower()) for k in self.device.platform.config_exec):
                return self._frame(self.run(text))
        self.error_token = 0
        if text and self.device.knobs.rejects(text):
            rejected = self._caret(" " * (len(line) - len(line.lstrip())))
            return "\n" + rejected + self.device.platform.invalid_input + "\n" + self.prompt()
        applied = self.engine.apply(line)
        return self._config_reply(applied, line)

    def _config_reply(self, applied: Applied, line: str) -> str:
        platform = self.device.platform
        outcome = applied.outcome
        if outcome is Outcome.EXIT:
            self.engine = None
            self.session = None
            return "\n" + self.prompt()
        if outcome is Outcome.BANNER_LINE:
            return "\n"
        if outcome is Outcome.BANNER_START:
            if platform.banner_terminator is None:
                note = f"Enter TEXT message.  End with the character '{applied.word}'."
            else:
                note = f"Enter TEXT message. Type '{applied.word}' on its own line to end."
            return "\n" + note + "\n"
        if outcome is Outcome.OK:
            if line.strip() and not line.strip().startswith("!"):
                self.device.touch(self.user)
            return "\n" + self.prompt()
        if outcome is Outcome.INVALID:
            indent = len(line) - len(line.lstrip())
            self.error_token = len(line.strip()[: applied.column].split())
            return (
                "\n"
                + self._caret(" " * (indent + applied.column))
                + (platform.invalid_input + "\n" + self.prompt())
            )
        if outcome is Outcome.INCOMPLETE:
            return "\n" + platform.incomplete + "\n" + self.prompt()
        if outcome is Outcome.DUPLICATE:
            return "\n" + platform.duplicate_sequence + "\n" + self.prompt()
        return "\n" + platform.ambiguous.format(cmd=line.strip()) + "\n" + self.prompt()


def _match(keywords: tuple[str, ...], words: list[str]) -> list[str] | int:
    """Arguments when the words fit the keywords, else how many words did fit."""
    args: list[str] = []
    for position, keyword in enumerate(keywords):
        if keyword == REST:
            return args + words[position:]
        if position >= len(words):
            return position
        word = words[position]
        if keyword == ARG:
            args.append(word)
        elif not keyword.startswith(word.lower()):
            return position
    if len(words) > len(keywords):
        return len(keywords)
    return args


_PIPES: dict[str, Callable[[list[str], str], list[str]]] = {}


def _pipe(
    *names: str,
) -> Callable[[Callable[[list[str], str], list[str]]], Callable[[list[str], str], list[str]]]:
    def register(
        func: Callable[[list[str], str], list[str]],
    ) -> Callable[[list[str], str], list[str]]:
        for name in names:
            _PIPES[name] = func
        return func

    return register


@_pipe("include")
def _include(lines: list[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [line for line in lines if regex.search(line)]


@_pipe("exclude")
def _exclude(lines: list[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [line for line in lines if not regex.search(line)]


@_pipe("begin")
def _begin(lines: list[str], pattern: str) -> list[str]:
    regex = re.compile(pattern)
    start = next((i for i, line in enumerate(lines) if regex.search(line)), len(lines))
    return lines[start:]


@_pipe("section")
def _section(lines: list[str], pattern: str) -> list[str]:
    """A matching line with everything indented under it."""
    regex = re.compile(pattern)
    out: list[str] = []
    depth: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if depth is not None and indent > depth and line.strip():
            out.append(line)
            continue
        depth = None
        if regex.search(line) and line.strip() not in ("!", "end"):
            out.append(line)
            depth = indent
    return out


def apply_pipe(output: str, pipe: str) -> str:
    """``| include X`` and friends; the filter word may be abbreviated."""
    name, _, argument = pipe.strip().partition(" ")
    matches = [key for key in _PIPES if key.startswith(name.lower())]
    if len(matches) != 1:
        return output
    try:
        lines = _PIPES[matches[0]](output.splitlines(), argument.strip())
    except re.error:
        return output
    return "".join(line + "\n" for line in lines)


# -- exec command handlers
def _enable(shell: Shell, args: list[str]) -> str:
    if shell.privileged:
        return ""

    def check(secret: str) -> str:
        if secret == shell.device.secret:
            shell.privileged = True
            return "\n" + shell.prompt()
        return "\n% Access denied\n\n" + shell.prompt()

    return shell.ask("Password: ", check, echo=False)


def _disable(shell: Shell, args: list[str]) -> str:
    shell.privileged = False
    return ""


def _configure(shell: Shell, args: list[str]) -> str:
    shell.engine = ConfigEngine(shell.device.platform, shell.device.running)
    return shell.device.platform.enter_config_banner


def _terminal_length(shell: Shell, args: list[str]) -> str:
    replies = shell.device.platform.terminal_length
    if not args[0].isdigit():
        return shell._error("invalid", ["terminal", "length"], 2)
    return replies.get(args[0], replies["*"]).format(n=args[0])


def _terminal_width(shell: Shell, args: list[str]) -> str:
    low, high = shell.device.platform.terminal_width_range
    if not args[0].isdigit() or not low <= int(args[0]) <= high:
        return shell._error("invalid", ["terminal", "width"], 2)
    return shell.device.platform.terminal_width.format(n=args[0])


def _show_running(shell: Shell, args: list[str]) -> str:
    if len(args) >= 2 and args[0].lower().startswith("int"):
        name = f"interface {canonical_interface_name(args[1])}"
        node = shell.device.running.child(name)
        if node is None:
            return shell._error("invalid", ["show", "running-config", "interface"], 3)
        lines = [name, *node.lines(shell.device.platform.indent, depth=1)]
        return "\n".join(lines) + "\nend\n"
    return shell.device.show_running()


def _show_version(shell: Shell, args: list[str]) -> str:
    device = shell.device
    interfaces = sum(
        n.text.startswith("interface GigabitEthernet") for n in device.running.children
    )
    return device.platform.show_version.format(
        hostname=device.hostname,
        uptime=device.uptime(),
        serial=device.serial,
        mac=device.serial[:2].lower() + "." + device.serial[2:6].lower(),
        interface_count=interfaces,
    )


def _show_privilege(shell: Shell, args: list[str]) -> str:
    return f"Current privilege level is {15 if shell.privileged else 1}"


def _show_hostname(shell: Shell, args: list[str]) -> str:
    return f"Hostname: {shell.device.hostname}\nFQDN:     {shell.device.fqdn}"


def _write_memory(shell: Shell, args: list[str]) -> str:
    shell.device.save()
    return shell.device.platform.write_memory_reply


def _copy_run_start(shell: Shell, args: list[str]) -> str:
    reply = shell.device.platform.copy_run_start_reply

    def save(_: str = "") -> str:
        shell.device.save()
        return "\n" + reply + "\n" + shell.prompt()

    if shell.device.asks_before_copy():
        return shell.ask("Destination filename [startup-config]? ", save)
    shell.device.save()
    return reply


COMMANDS: list[Command] = [
    Command(("enable",), _enable, privileged=False),
    Command(("disable",), _disable),
    Command(("configure", "terminal"), _configure),
    Command(("configure",), _configure, platforms=frozenset({"arista_eos"})),
    Command(("terminal", "length", ARG), _terminal_length, privileged=False),
    Command(("terminal", "width", ARG), _terminal_width, privileged=False),
    Command(("show", "running-config", REST), _show_running),
    Command(("show", "startup-config"), lambda shell, _: shell.device.show_startup()),
    Command(("show", "version"), _show_version, privileged=False),
    Command(("show", "privilege"), _show_privilege, privileged=False),
    Command(("show", "hostname"), _show_hostname, platforms=frozenset({"arista_eos"})),
    Command(("write", "memory"), _write_memory),
    Command(("write",), _write_memory, platforms=frozenset({"cisco_ios"})),
    Command(("copy", "running-config", "startup-config"), _copy_run_start),
]

# Rows tried first inside configuration mode (EOS session ``commit``/``abort``, for instance).
CONFIG_COMMANDS: list[Command] = []

# JSON views of exec commands, keyed by the words of their row.
JSON_VIEWS: dict[tuple[str, ...], JsonView] = {}


def register(*rows: Command, config_mode: bool = False) -> None:
    """Add command rows; the modules that simulate a feature call this when imported."""
    (CONFIG_COMMANDS if config_mode else COMMANDS).extend(rows)


def register_json(words: tuple[str, ...], view: JsonView) -> None:
    """Give the row with these words a JSON view."""
    JSON_VIEWS[words] = view
