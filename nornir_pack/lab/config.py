"""Hierarchical device configuration and the engine that applies config lines to it.

The engine reads lines the way a real CLI does: by mode, ignoring indentation, falling back to
the parent mode when the current one does not know a command. Interactive sessions, boot-time
seeds and whole config files (configure replace) all go through it, so they cannot disagree.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field

from netutils.interface import abbreviated_interface_name, canonical_interface_name

from .platforms import NUMBER, Mode, NumberedLines, Numbering, Platform, SubMode


@dataclass
class ConfigNode:
    """One config line and the lines nested under it."""

    text: str
    children: list[ConfigNode] = field(default_factory=list)
    closing: str = ""  # the line the device prints after the section (``exit-address-family``)

    def child(self, text: str) -> ConfigNode | None:
        return next((node for node in self.children if node.text == text), None)

    def add(self, text: str) -> ConfigNode:
        """Return the child with this text, appending it if it is new."""
        node = self.child(text)
        if node is None:
            node = ConfigNode(text)
            self.children.append(node)
        return node

    def copy(self) -> ConfigNode:
        return ConfigNode(self.text, [child.copy() for child in self.children], self.closing)

    def lines(self, indent: str, depth: int = 0) -> list[str]:
        """Render the children as the device shows them, with ``!`` around sections."""
        out: list[str] = []
        pad = indent * depth
        for node in self.children:
            section = bool(node.children) or "\n" in node.text
            if section and out and out[-1].strip() != "!":
                out.append(pad + "!")
            out.append(pad + node.text)
            out.extend(node.lines(indent, depth + 1))
            if node.closing:  # IOS closes address families this way, even empty ones
                out.append(pad + node.closing)
            elif section:
                out.append(pad + "!")
        return out


def render(root: ConfigNode, platform: Platform) -> str:
    """The config body as ``show running-config`` prints it, ending in ``end``."""
    lines = root.lines(platform.indent)
    if not lines or lines[-1] != "!":
        lines.append("!")
    lines.append("end")
    return "\n".join(lines) + "\n"


class Outcome(enum.Enum):
    """What applying one line did, so the shell knows what to print."""

    OK = "ok"
    INVALID = "invalid"
    INCOMPLETE = "incomplete"
    AMBIGUOUS = "ambiguous"
    EXIT = "exit"  # left configuration mode (`end`, or `exit` at the top)
    DUPLICATE = "duplicate"  # a list entry's sequence number is taken by another entry
    BANNER_START = "banner-start"  # now reading banner text
    BANNER_LINE = "banner-line"  # a banner text line was taken


@dataclass(frozen=True)
class Applied:
    outcome: Outcome
    column: int = 0  # where the bad word starts, for the IOS caret
    word: str = ""


@dataclass
class _Frame:
    mode: str
    node: ConfigNode
    label: str


@dataclass
class _Banner:
    header: str
    terminator: str
    lines: list[str] = field(default_factory=list)


class ConfigEngine:
    """Applies config lines to a tree, tracking the current mode like a CLI session."""

    def __init__(self, platform: Platform, root: ConfigNode) -> None:
        self.platform = platform
        self.root = root
        self._stack = [_Frame("config", root, "config")]
        self._banner: _Banner | None = None

    @property
    def prompt_label(self) -> str:
        return self._stack[-1].label

    @property
    def mode(self) -> str:
        return self._stack[-1].mode

    @property
    def in_banner(self) -> bool:
        """True while the lines typed are a banner's text (its end not seen yet)."""
        return self._banner is not None

    def apply(self, line: str) -> Applied:
        if self._banner is not None:
            return self._banner_line(line)
        text = line.strip()
        if not text or text.startswith("!"):
            return Applied(Outcome.OK)
        words = text.split()
        first = words[0].lower()
        if first == "end":
            self._stack[1:] = []
            return Applied(Outcome.EXIT)
        if first == "exit" or first.startswith("exit-"):
            if len(self._stack) == 1:
                return Applied(Outcome.EXIT)
            self._stack.pop()
            return Applied(Outcome.OK)
        first_error: Applied | None = None
        exact = self._exact_depth(words)
        for depth in range(len(self._stack) - 1, -1, -1):
            frame = self._stack[depth]
            if exact is not None and depth > exact:
                continue  # `router bgp 1` in router mode is not `router-id bgp 1`
            resolved = self._resolve(self.platform.modes[frame.mode], words)
            if isinstance(resolved, Applied):
                first_error = first_error or resolved
                continue
            del self._stack[depth + 1 :]
            negate, command = resolved
            if negate:
                self._remove(frame, command)
                return Applied(Outcome.OK)
            return self._set(frame, command)
        assert first_error is not None
        return first_error

    def _exact_depth(self, words: list[str]) -> int | None:
        """The deepest mode that knows the command's first word as typed, in full.

        A word a mode knows only as an abbreviation of a longer one (``router`` of
        ``router-id``) is taken there only when no enclosing mode knows the word itself: the
        device reads a pasted ``router bgp 1`` after a router section as the new section.
        """
        first = words[1] if words[0].lower() in ("no", "default") and len(words) > 1 else words[0]
        for depth in range(len(self._stack) - 1, -1, -1):
            commands = self.platform.modes[self._stack[depth].mode].commands
            if any(command[0] == first.lower() for command in _split_commands(commands)):
                return depth
        return None

    def _resolve(self, mode: Mode, words: list[str]) -> Applied | tuple[bool, list[str]]:
        """Expand abbreviations; say whether the line is a negation and what it negates."""
        negate = words[0].lower() in ("no", "default")
        offset = len(words[0]) + 1 if negate else 0
        rest = words[1:] if negate else words
        if not rest:
            return Applied(Outcome.INCOMPLETE)
        expanded = resolve_command(mode.commands, rest)
        if isinstance(expanded, Outcome):
            return Applied(expanded, column=offset, word=rest[0])
        return negate, expanded

    def _submode(self, mode: Mode, text: str) -> tuple[SubMode, str] | None:
        for sub in mode.submodes:
            match = sub.pattern.match(text)
            if match:
                arg = match.group(1) if match.groups() else ""
                label = sub.prompt.format(arg=arg, **{"if": abbreviated_interface_name(arg)})
                return sub, label
        return None

    def _set(self, frame: _Frame, words: list[str]) -> Applied:
        mode = self.platform.modes[frame.mode]
        if words[0] == "interface" and len(words) > 1:
            words = [words[0], canonical_interface_name(words[1]), *words[2:]]
        text = " ".join(words)
        if words[0] == "banner" and frame.mode == "config":
            return self._banner_start(text)
        if mode.numbering is not None:
            return _set_entry(frame.node, words, mode.numbering)
        for lines in mode.numbered_lines:
            if (match := lines.pattern.match(text)) and match.group(3):
                return _set_numbered_line(frame.node, match, lines)
        entered = self._submode(mode, text)
        if entered is not None:
            sub, label = entered
            if sub.list_entry:
                header = _list_entry_header(frame.node, words)
                if header is None:
                    return Applied(Outcome.INCOMPLETE)
                text = header
            section = frame.node.add(text)
            section.closing = sub.closing
            self._stack.append(_Frame(sub.mode, section, label))
            return Applied(Outcome.OK)
        node = frame.node
        for pattern in mode.single:
            match = pattern.match(text)
            if match:
                key = match.group(0)
                node.children = [
                    c
                    for c in node.children
                    if not (m := pattern.match(c.text)) or m.group(0) != key
                ]
        for key in mode.stored_negations:
            if _starts_with(text, key):
                node.children = [c for c in node.children if c.text != f"no {key}"]
        node.add(text)
        return Applied(Outcome.OK)

    def _remove(self, frame: _Frame, words: list[str]) -> None:
        mode = self.platform.modes[frame.mode]
        if words[0] == "interface" and len(words) > 1:
            words = [words[0], canonical_interface_name(words[1]), *words[2:]]
        text = " ".join(words)
        node = frame.node
        if mode.numbering is not None and _remove_entry(node, words):
            return
        for pattern in mode.whole_list_negations:
            if match := pattern.match(text):  # `no access-list 10 permit X`: all of list 10
                node.children = [c for c in node.children if not _starts_with(c.text, match[0])]
                return
        for lines in mode.numbered_lines:
            if (match := lines.pattern.match(text)) and (match.group(2) or match.group(3)):
                node.children = [c for c in node.children if not _same_entry(c, match, lines)]
                return
        stored = next((k for k in mode.stored_negations if _starts_with(text, k)), None)
        if stored is not None:
            node.children = [
                c
                for c in node.children
                if not _starts_with(c.text, stored) and c.text != f"no {stored}"
            ]
            node.add(f"no {stored}")
            return
        node.children = [
            c
            for c in node.children
            if not (_starts_with(c.text, text) or _starts_with(text, c.text.split("\n")[0]))
            or c.text.startswith("no ")
        ]

    # -- banners: multi-line text ended by a delimiter (IOS) or a fixed line (EOS)
    def _banner_start(self, text: str) -> Applied:
        words = text.split(maxsplit=2)
        if len(words) < 2:
            return Applied(Outcome.INCOMPLETE)
        header = f"banner {words[1]}"
        terminator = self.platform.banner_terminator
        if terminator is not None:
            self._banner = _Banner(header, terminator)
            return Applied(Outcome.BANNER_START, word=terminator)
        rest = words[2] if len(words) > 2 else ""
        if not rest:
            return Applied(Outcome.INCOMPLETE)
        delimiter = "^C" if rest.startswith("^C") else rest[0]
        body = rest[len(delimiter) :]
        self._banner = _Banner(f"{header} ^C", delimiter)
        if delimiter in body:
            self._banner.lines.append(body.split(delimiter)[0])
            self._finish_banner()
            return Applied(Outcome.OK)
        if body:
            self._banner.lines.append(body)
        return Applied(Outcome.BANNER_START, word=delimiter)

    def _banner_line(self, line: str) -> Applied:
        assert self._banner is not None
        banner = self._banner
        if banner.terminator == self.platform.banner_terminator:
            if line.strip() == banner.terminator:
                self._finish_banner()
                return Applied(Outcome.OK)
            banner.lines.append(line)
            return Applied(Outcome.BANNER_LINE)
        if banner.terminator in line:
            before = line.split(banner.terminator, maxsplit=1)[0]
            if before:
                banner.lines.append(before)
            self._finish_banner()
            return Applied(Outcome.OK)
        banner.lines.append(line)
        return Applied(Outcome.BANNER_LINE)

    def _finish_banner(self) -> None:
        assert self._banner is not None
        banner, self._banner = self._banner, None
        closing = self.platform.banner_terminator or "^C"
        text = "\n".join([banner.header, *banner.lines, closing])
        self.root.children = [
            c for c in self.root.children if c.text.split("\n")[0] != banner.header
        ]
        self.root.children.append(ConfigNode(text))


# -- lists kept in sequence-number order (see platforms.Numbering and NumberedLines)
def _number(node: ConfigNode) -> int | None:
    first = node.text.split(maxsplit=1)[0] if node.text else ""
    return int(first) if first.isdigit() else None


def _set_entry(node: ConfigNode, words: list[str], numbering: Numbering) -> Applied:
    """An ACL entry: at its number's place, or after the last entry; a taken number refused."""
    if not words[0].isdigit() and words[0] not in numbering.first_words:
        node.add(" ".join(words))  # an IOS remark: no number, stays where typed
        return Applied(Outcome.OK)
    numbers = [n for child in node.children if (n := _number(child)) is not None]
    if words[0].isdigit():
        number, entry = int(words[0]), " ".join(words[1:])
        if not entry:
            return Applied(Outcome.INCOMPLETE)
    else:
        number, entry = max(numbers, default=0) + numbering.step, " ".join(words)
    for child in node.children:
        if _number(child) is not None and child.text.split(maxsplit=1)[1] == entry:
            return Applied(Outcome.OK)  # the entry is there already
        if _number(child) == number:
            return Applied(Outcome.DUPLICATE)
    place = next(
        (i for i, child in enumerate(node.children) if (_number(child) or 0) > number),
        len(node.children),
    )
    node.children.insert(place, ConfigNode(f"{number} {entry}"))
    return Applied(Outcome.OK)


def _remove_entry(node: ConfigNode, words: list[str]) -> bool:
    """``no 20`` (whatever follows) or ``no permit X``: remove that one entry."""
    text = " ".join(words)
    before = len(node.children)
    if words[0].isdigit():
        node.children = [c for c in node.children if _number(c) != int(words[0])]
    else:
        node.children = [
            c
            for c in node.children
            if c.text != text and (_number(c) is None or c.text.split(maxsplit=1)[1] != text)
        ]
    return len(node.children) != before


def _set_numbered_line(node: ConfigNode, match: re.Match[str], lines: NumberedLines) -> Applied:
    """A prefix-list entry: ``<list> seq N <entry>``, in number order among its list."""
    head, entry = match.group(1), match.group(3)
    siblings = [
        (i, int(m.group(2)), m.group(3))
        for i, child in enumerate(node.children)
        if (m := lines.pattern.match(child.text)) and m.group(1) == head and m.group(2)
    ]
    number = (
        int(match.group(2))
        if match.group(2)
        else max((n for _, n, _ in siblings), default=0) + lines.step
    )
    for _, taken, other in siblings:
        if other == entry:
            return Applied(Outcome.OK)
        if taken == number:
            return Applied(Outcome.DUPLICATE)
    after = [i for i, taken, _ in siblings if taken < number]
    before = [i for i, taken, _ in siblings if taken > number]
    place = after[-1] + 1 if after else before[0] if before else len(node.children)
    node.children.insert(place, ConfigNode(f"{head} seq {number} {entry}"))
    return Applied(Outcome.OK)


def _same_entry(child: ConfigNode, match: re.Match[str], lines: NumberedLines) -> bool:
    """Does ``no <list> [seq N] [entry]`` name this line?"""
    other = lines.pattern.match(child.text)
    if other is None or other.group(1) != match.group(1):
        return False
    if match.group(2):
        return other.group(2) == match.group(2)
    return other.group(3) == match.group(3)


def _list_entry_header(node: ConfigNode, words: list[str]) -> str | None:
    """``route-map NAME [permit|deny] [N]`` as the device shows it, or None when the number is
    needed (the list has several entries)."""
    name, rest = words[1], words[2:]
    action = rest.pop(0) if rest and rest[0] in ("permit", "deny") else "permit"
    entries = [c for c in node.children if c.text.split()[:2] == words[:2]]
    if rest and rest[0].isdigit():
        number = rest[0]
    elif len(entries) > 1:
        return None
    else:
        number = entries[0].text.split()[-1] if entries else "10"
    header = f"{words[0]} {name} {action} {number}"
    for entry in entries:  # the same entry with the other action: the action changes
        if entry.text.split()[-1] == number and entry.text != header:
            entry.text = header
    return header


@functools.lru_cache(maxsize=64)
def _split_commands(commands: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(command.split()) for command in commands)


def resolve_command(commands: frozenset[str], words: list[str]) -> list[str] | Outcome:
    """Match words against known commands, expanding abbreviations (``int`` -> ``interface``).

    The longest known command wins, so ``ip address`` is known in interface mode while
    ``ip routing`` is not and falls back to the parent mode, as on the device.
    """
    candidates: dict[tuple[str, ...], int] = {}
    incomplete = False
    for command in _split_commands(commands):
        if len(words) < len(command):
            incomplete |= all(_word_matches(c, w) for c, w in zip(command, words, strict=False))
            continue
        if all(_word_matches(c, w) for c, w in zip(command, words, strict=False)):
            exact = sum(c == w.lower() for c, w in zip(command, words, strict=False))
            candidates[command] = exact
    if not candidates:
        return Outcome.INCOMPLETE if incomplete else Outcome.INVALID
    longest = max(len(c) for c in candidates)
    best = [c for c in candidates if len(c) == longest]
    if len(best) > 1:
        most_exact = max(candidates[c] for c in best)
        best = [c for c in best if candidates[c] == most_exact]
        if len(best) > 1:
            return Outcome.AMBIGUOUS
    command = best[0]
    expanded = [w if c == NUMBER else c for c, w in zip(command, words, strict=False)]
    return expanded + words[len(command) :]


def _word_matches(command_word: str, word: str) -> bool:
    if command_word == NUMBER:
        return word.isdigit()
    return command_word.startswith(word.lower())


def _starts_with(text: str, prefix: str) -> bool:
    """Word-wise prefix test: ``ntp server 1.1.1.1`` starts with ``ntp server``."""
    return text == prefix or text.startswith(prefix + " ")


_ERRORS = (Outcome.INVALID, Outcome.INCOMPLETE, Outcome.AMBIGUOUS, Outcome.DUPLICATE)


@dataclass(frozen=True)
class LoadError:
    line_number: int
    line: str
    outcome: Outcome


def load_config(platform: Platform, text: str) -> tuple[ConfigNode, list[LoadError]]:
    """Parse a whole config file as the device would accept it line by line.

    A banner whose end never comes is an incomplete line (the banner's first), and is left
    out: the device would have read the rest of the file as its text.
    """
    root = ConfigNode("")
    engine = ConfigEngine(platform, root)
    errors: list[LoadError] = []
    banner = LoadError(0, "", Outcome.INCOMPLETE)
    for number, line in enumerate(text.splitlines(), start=1):
        applied = engine.apply(line)
        if applied.outcome is Outcome.EXIT and line.strip() == "end":
            break
        if applied.outcome is Outcome.BANNER_START:
            banner = LoadError(number, line, Outcome.INCOMPLETE)
        if applied.outcome in _ERRORS:
            errors.append(LoadError(number, line, applied.outcome))
    if engine.in_banner:
        errors.append(banner)
    return root, errors
