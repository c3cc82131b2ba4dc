"""Order where the device keeps order: lists whose entries are compared, fixed and merged in order.

hier_config compares a config's lines as sets, so on its own it cannot see that ``access-list
10 permit B`` moved behind ``deny any``. Devices keep two kinds of ordered lists:

* **sequenced** entries (named ACLs, IOS prefix-lists): the device numbers an entry that has
  no number (the last number plus a step) and prints the numbers. Parsing numbers such entries
  the same way, so their order is in their text and hier_config's set comparison is exact;
  ``no 20`` removes one entry, and remediation is per entry.
* **ordered lists** without numbers (IOS numbered ACLs, community and AS-path lists): the order
  is only the lines' places. They are compared as sequences; a list that changed other than
  by entries added at its end is removed (``no access-list 10``) and written again in order,
  which IOS requires anyway: ``no access-list 10 permit X`` deletes the whole list there.

``merge`` predicts what the device does with a merged candidate: entries without a number go
after the list's last entry, a taken number is refused, an entry already there changes nothing.
Nothing here reads files or talks to devices.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hier_config import HConfig, HConfigChild

NEGATION = "no "
UNNUMBERED = "numbered by nornir-pack"  # a comment on entries the config gave no number


@dataclass(frozen=True)
class Sequenced:
    """Entries the device keeps in sequence-number order, numbering those given none."""

    parent: str  # regex of the section holding the entries; "" for top-level lines
    entry: str  # regex of an entry, groups: list (may be empty), number (optional), body
    shown: str  # how the device prints an entry: ``{head}``, ``{number}``, ``{body}``
    step: int  # an entry without a number gets the list's last number plus this


@dataclass(frozen=True)
class Ordering:
    """One platform's ordered configuration, as data (see the module docstring)."""

    sequenced: tuple[Sequenced, ...] = ()
    # Regexes of an ordered list's name (``access-list \\d+``): the lines it starts, in order.
    lists: tuple[str, ...] = ()
    # Lists where ``no <any entry>`` removes the whole list (IOS numbered ACLs).
    wiped_by_any_negation: tuple[str, ...] = ()
    # Section headers naming one entry of a list, groups: list, action, number
    # (``route-map NAME [permit|deny] [N]``): no action permits; no number means the list's
    # only entry, or 10 for a new list.
    entry_headers: tuple[str, ...] = ()


NO_ORDERING = Ordering()


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _head(text: str, patterns: tuple[str, ...]) -> str | None:
    """The list a top-level line belongs to (``access-list 10``), or None."""
    for pattern in patterns:
        match = _compiled(rf"(?:{pattern})(?= |$)").match(text)
        if match:
            return match.group(0)
    return None


def _is_head(text: str, *, head: str, patterns: tuple[str, ...], negated: bool = False) -> bool:
    """Is ``text`` a line of the list ``head`` (or, with ``negated``, its negation)?"""
    return _head(text.removeprefix(NEGATION) if negated else text, patterns) == head


# ---------------------------------------------------------------- parsing: number entries


def number_entries(config: HConfig, ordering: Ordering) -> None:
    """Give each sequenced entry without a number the number the device would give it.

    A hier_config post-load callback. The entries so numbered carry the ``UNNUMBERED``
    comment, so that ``merge`` can number them after the device's own entries instead.
    """
    for sequenced in ordering.sequenced:
        entry = _compiled(sequenced.entry)
        for parent in _parents(config, sequenced):
            last: dict[str, int] = {}
            for child in tuple(parent.children):
                match = entry.fullmatch(child.text)
                if match is None:
                    continue
                head, number, body = match.groups()
                if number is None:
                    number = str(last.get(head, 0) + sequenced.step)
                    text = sequenced.shown.format(head=head, number=number, body=body)
                    if text not in parent.children:
                        child.text = text
                        child.comments.add(UNNUMBERED)
                last[head] = max(last.get(head, 0), int(number))


def number_headers(config: HConfig, ordering: Ordering) -> None:
    """Write each list entry's header as the device shows it (``route-map RM permit 10``);
    a header naming an entry already given adds its lines to that entry."""
    for pattern in ordering.entry_headers:
        header = _compiled(pattern)
        numbers: dict[str, list[str]] = {}
        for child in tuple(config.children):
            match = header.fullmatch(child.text)
            if match is None:
                continue
            name, action, number = match.groups()
            taken = numbers.setdefault(name, [])
            if number is None:
                number = taken[0] if len(taken) == 1 else str(max(map(int, taken), default=0) + 10)
            text = f"{name} {action or 'permit'} {number}"
            if number not in taken:
                taken.append(number)
            if text == child.text:
                continue
            if (same := config.children.get(text)) is not None:
                for line in child.children:
                    if line.text not in same.children:
                        same.add_deep_copy_of(line)
                child.delete()
            else:
                child.text = text


def _parents(config: HConfig, sequenced: Sequenced) -> Iterator[HConfig | HConfigChild]:
    if not sequenced.parent:
        yield config
        return
    parent = _compiled(sequenced.parent)
    yield from (child for child in config.children if parent.fullmatch(child.text))


# ---------------------------------------------------------------- comparing ordered lists


def _lists(config: HConfig, ordering: Ordering) -> dict[str, list[str]]:
    """Each ordered list of ``config``: its name -> its lines, in order."""
    found: dict[str, list[str]] = {}
    for child in config.children:
        if not child.text.startswith(NEGATION):
            head = _head(child.text, ordering.lists)
            if head is not None:
                found.setdefault(head, []).append(child.text)
    return found


def _changed(
    before: HConfig, after: HConfig, ordering: Ordering
) -> dict[str, tuple[list[str], list[str]]]:
    old, new = _lists(before, ordering), _lists(after, ordering)
    return {
        head: (old.get(head, []), new.get(head, []))
        for head in sorted(old.keys() | new.keys())
        if old.get(head) != new.get(head)
    }


def list_diff(old: list[str], new: list[str]) -> list[str]:
    """The ``-``/``+`` lines that turn one ordered list into the other; a moved line is both.

    >>> list_diff(["permit A", "permit B", "deny any"], ["permit A", "deny any"])
    ['- permit B']
    >>> list_diff(["permit A", "permit B"], ["permit B", "permit A"])
    ['+ permit B', '- permit B']
    """
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, start, end, new_start, new_end in matcher.get_opcodes():
        if tag != "equal":
            out.extend(f"- {line}" for line in old[start:end])
            out.extend(f"+ {line}" for line in new[new_start:new_end])
    return out


def ordered_diff(
    lines: Iterable[str], before: HConfig, after: HConfig, ordering: Ordering
) -> list[str]:
    """hier_config's unified diff with each changed ordered list shown as an ordered diff.

    A list's lines take the place of hier_config's lines for it (or go last when only their
    order changed, which hier_config does not see).
    """
    changed = _changed(before, after, ordering)
    if not changed:
        return list(lines)
    out: list[str] = []
    shown: set[str] = set()
    for line in lines:
        head = _head(line[2:], ordering.lists) if line[:2] in ("- ", "+ ") else None
        if head is None or head not in changed:
            out.append(line)
        elif head not in shown:
            out.extend(list_diff(*changed[head]))
            shown.add(head)
    for head, (old, new) in changed.items():
        if head not in shown:
            out.extend(list_diff(old, new))
    return out


def fix_order(delta: HConfig, current: HConfig, target: HConfig, ordering: Ordering) -> None:
    """Rewrite ``delta`` (hier_config's remediation) so each ordered list ends in order.

    Entries added at a list's end are added; any other change removes the list and writes
    it again, in order (``no access-list 10`` then every entry).
    """
    for head, (old, new) in _changed(current, target, ordering).items():
        lines = new[len(old) :] if new[: len(old)] == old else [NEGATION + head, *new]
        belongs = functools.partial(_is_head, head=head, patterns=ordering.lists, negated=True)
        _replace(delta, belongs, lines)


# ---------------------------------------------------------------- merging as the device does


def merge_lists(before: HConfig, change: HConfig, after: HConfig, ordering: Ordering) -> None:
    """Make ``after`` (hier_config's future of ``before`` + ``change``) hold the ordered and
    sequenced lists the device would hold once ``change`` is typed onto ``before``."""
    for head in dict.fromkeys(
        head
        for child in change.children
        if (head := _head(child.text.removeprefix(NEGATION), ordering.lists)) is not None
    ):
        lines = _lists(before, ordering).get(head, [])
        for child in change.children:
            text = child.text.removeprefix(NEGATION)
            if _head(text, ordering.lists) != head:
                continue
            if child.text == text:  # an entry: added at the end, unless it is there
                lines += [] if text in lines else [text]
            elif text == head or _head(text, ordering.wiped_by_any_negation):
                lines = []
            else:
                lines = [line for line in lines if line != text]
        _replace(after, functools.partial(_is_head, head=head, patterns=ordering.lists), lines)
    for sequenced in ordering.sequenced:
        _merge_sequenced(before, change, after, sequenced)


def _replace(
    parent: HConfig | HConfigChild, belongs: Callable[[str], bool], lines: list[str]
) -> None:
    """Put ``lines`` in ``parent`` where its first line that ``belongs`` picks was (else at
    the end), instead of all such lines: a list stays where the device shows it, and a fix
    is pushed where hier_config put the lines it replaces."""
    kept: list[HConfigChild] = []
    place: int | None = None
    for child in parent.children:
        if belongs(child.text):
            place = len(kept) if place is None else place
        else:
            kept.append(child)
    place = len(kept) if place is None else place
    parent.children.clear()
    for child in kept:
        parent.children.append(child)
    new = [parent.add_child(line) for line in lines]
    if place < len(kept):
        parent.children.clear()
        for child in [*kept[:place], *new, *kept[place:]]:
            parent.children.append(child)


def _merge_sequenced(
    before: HConfig, change: HConfig, after: HConfig, sequenced: Sequenced
) -> None:
    entry = _compiled(sequenced.entry)
    befores = dict(_keyed(before, sequenced))
    afters = dict(_keyed(after, sequenced))
    for key, section in _keyed(change, sequenced):
        target, source = afters.get(key), befores.get(key)
        if key and NEGATION + key in change.children:  # `no ip access-list X`, then X again
            source = None
        if target is None:
            continue
        lists: dict[str, dict[int, str]] = {}
        for child in source.children if source is not None else ():
            if match := entry.fullmatch(child.text):
                lists.setdefault(match[1], {})[int(match[2] or 0)] = match[3]
        touched: set[str] = set()
        for child in section.children:
            text = child.text.removeprefix(NEGATION)
            match = entry.fullmatch(text)
            if child.text != text:  # no 20 / no permit X / no ip prefix-list P seq 5 ...
                _remove_entry(lists, text, match, touched)
                continue
            if match is None:
                continue
            head, number, body = match.groups()
            entries = lists.setdefault(head, {})
            touched.add(head)
            if body in entries.values():
                continue  # the entry is there already
            if UNNUMBERED in child.comments or number is None:
                entries[max(entries, default=0) + sequenced.step] = body
            else:
                entries.setdefault(int(number), body)  # a taken number is refused
        for head in touched:
            lines = [
                sequenced.shown.format(head=head, number=number, body=body)
                for number, body in sorted(lists.get(head, {}).items())
            ]
            _replace(target, functools.partial(_in_list, entry, head=head), lines)


def _keyed(config: HConfig, sequenced: Sequenced) -> Iterator[tuple[str, HConfig | HConfigChild]]:
    """The sections holding entries, by their line ("" for the top level)."""
    from hier_config import HConfigChild  # noqa: PLC0415 (loaded by the parse: see diff._driver)

    for parent in _parents(config, sequenced):
        yield (parent.text if isinstance(parent, HConfigChild) else ""), parent


def _in_list(entry: re.Pattern[str], text: str, *, head: str) -> bool:
    match = entry.fullmatch(text)
    return match is not None and match[1] == head


def _remove_entry(
    lists: dict[str, dict[int, str]], text: str, match: re.Match[str] | None, touched: set[str]
) -> None:
    """``no N ...`` removes entry N; ``no <entry>`` the entry with that body."""
    if match is not None:
        head, number, body = match.groups()
        entries = lists.get(head, {})
        touched.add(head)
        if number is not None:
            entries.pop(int(number), None)
        else:
            for key in [k for k, v in entries.items() if v == body]:
                del entries[key]
        return
    words = text.split()
    for head, entries in lists.items():
        prefix = head.split() if head else []
        rest = words[len(prefix) :] if words[: len(prefix)] == prefix else None
        if rest is None:
            continue
        if rest and rest[0] == "seq":
            rest = rest[1:]
        if rest and rest[0].isdigit():
            entries.pop(int(rest[0]), None)
            touched.add(head)
        elif not rest:  # no ip prefix-list P: the whole list
            entries.clear()
            touched.add(head)
