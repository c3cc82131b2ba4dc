"""Reading config text the way devices print it: banners, exit lines, repeated lines.

hier_config reads a config by indentation; what it does not take from real devices is taken
care of here, before it parses: banners whose text holds lines that look like config or an
end (``!``, ``%``, ``EOF``), and lines given twice. Pure text in, text out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeAlias

from .exceptions import UsageError

if TYPE_CHECKING:
    from hier_config.platforms.driver_base import HConfigDriverBase

_BANNER = re.compile(r"banner (\S+)(?: (.*))?")
BANNER_MARK = "banner\0"  # a banner's place in the text hier_config parses


def lift_banners(text: str, end_line: str | None) -> tuple[str, list[str]]:
    """Replace each banner by a one-line placeholder; return the text and the banners.

    hier_config's own banner reading ends a banner at any line that is ``!``, ``%``, ``EOF``
    or starts with ``^``, and reads a one-line banner on into the next lines; here a banner
    ends where the device ends it: at its delimiter, or at the ``EOF`` line on EOS. Each is
    written the way the device prints it: ``banner motd ^C``, the text lines, ``^C``.
    """
    out: list[str] = []
    banners: list[str] = []
    lines = iter(text.split("\n"))
    for line in lines:
        match = _BANNER.fullmatch(line)
        if match is None:
            out.append(line)
            continue
        kind, rest = match.group(1), (match.group(2) or "").strip()
        if end_line is not None:
            header, closing, body = f"banner {kind}", end_line, []
            for text_line in lines:
                if text_line.strip() == end_line:
                    break
                body.append(text_line)
            else:
                raise _unterminated(line, f"a line '{end_line}'")
        else:
            if not rest:
                raise UsageError(
                    f"'{line}' has no delimiter: write banner {kind} #, the text, then #"
                )
            delimiter = "^C" if rest.startswith("^C") else rest[0]
            header, closing, body = f"banner {kind} ^C", "^C", []
            pending: str | None = rest[len(delimiter) :]
            while pending is not None and delimiter not in pending:
                if pending or body:
                    body.append(pending)
                pending = next(lines, None)
            if pending is None:
                raise _unterminated(line, repr(delimiter))
            if before := pending.split(delimiter, 1)[0]:
                body.append(before)
        out.append(f"{BANNER_MARK}{len(banners)}")
        banners.append("\n".join([header, *body, closing]))
    return "\n".join(out), banners


def _unterminated(line: str, ending: str) -> UsageError:
    kind = line.split()[1]
    return UsageError(
        f"banner {kind} is not terminated: no line after '{line}' ends it with {ending}: "
        "close the banner"
    )


def merge_repeats(text: str, driver: HConfigDriverBase) -> tuple[str, list[str]]:
    """The config with repeated lines merged as a device merges them when it reads them.

    A section given twice is one section with the lines of both; a line given twice in the
    same section is one line (its first place kept). Lines are read as hier_config reads
    them (its per-line rules, indentation), so the result parses without a duplicate.
    Returns the text and the repeated lines.
    """
    root: _Lines = {}
    stack: list[tuple[int, _Lines]] = [(-1, root)]
    repeats: list[str] = []
    for raw in text.split("\n"):
        line = raw
        for rule in driver.rules.per_line_sub:
            line = re.sub(rule.search, rule.replace, line)
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while indent <= stack[-1][0]:
            stack.pop()
        siblings = stack[-1][1]
        key = " ".join(line.split())
        if key in siblings:
            repeats.append(key)
        node = siblings.setdefault(key, {})
        stack.append((indent, node))
    return "\n".join(_emit(root, 0)), repeats


_Lines: TypeAlias = "dict[str, _Lines]"  # a line's text -> the lines under it


def _emit(lines: _Lines, depth: int) -> list[str]:
    """Nested lines back as text, one space of indentation per level."""
    out: list[str] = []
    for text, children in lines.items():
        out.append(" " * depth + text)
        out.extend(_emit(children, depth + 1))
    return out


def banner_chunks(lines: list[str], closing: str) -> list[tuple[list[str], bool]]:
    """Config lines to push, in runs: plain lines, and each banner (True) from its first line
    to its ``closing`` line, whose text lines bring no prompt back from the device.

    >>> banner_chunks(["hostname r1", "banner motd ^C", "Hi", "^C", "ntp server 1.1.1.9"], "^C")
    ... # doctest: +NORMALIZE_WHITESPACE
    [(['hostname r1'], False), (['banner motd ^C', 'Hi', '^C'], True),
     (['ntp server 1.1.1.9'], False)]
    """
    chunks: list[tuple[list[str], bool]] = []
    banner: list[str] | None = None
    for line in lines:
        if banner is not None:
            banner.append(line)
            if line.strip() == closing:
                chunks.append((banner, True))
                banner = None
        elif line.startswith("banner "):
            banner = [line]
        elif chunks and not chunks[-1][1]:
            chunks[-1][0].append(line)
        else:
            chunks.append(([line], False))
    if banner is not None:
        chunks.append((banner, True))
    return chunks
