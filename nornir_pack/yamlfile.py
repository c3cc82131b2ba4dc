"""Reading YAML the way Nornir reads it, at the speed of libyaml.

Nornir's SimpleInventory and its config loader use ruamel.yaml in YAML 1.2 mode: ``yes``,
``on`` and ``010`` are the string ``"yes"``, the string ``"on"`` and the integer 10 there, where
PyYAML's YAML 1.1 would give True, True and 8. nornir-pack reads every inventory file once, to
check it before any login, and hands the parsed documents to Nornir (``PackSimpleInventory``),
so the values must be the ones Nornir would have read. This module gives PyYAML's C parser the
YAML 1.2 resolvers of ruamel.yaml's safe loader: at a thousand hosts, reading the inventory
goes from about 1.8 s (pure-Python PyYAML, then ruamel.yaml again) to a tenth of that.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from .exceptions import UsageError

if yaml.__with_libyaml__:  # PyYAML built with libyaml, as its wheels are
    # libyaml's reader, scanner, parser and composer
    _Reading: type = yaml.cyaml.CParser  # type: ignore[attr-defined]

else:  # pragma: no cover

    class _PythonReading(
        yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer
    ):
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)

    _Reading = _PythonReading


class _Yaml12Resolver(yaml.resolver.BaseResolver):
    """Implicit tags of YAML 1.2 as ruamel.yaml's safe loader resolves them."""


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (
        "float",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        "-+0123456789.",
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        "-+0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[\ \t]+)[0-9][0-9]?
        :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        "0123456789",
    ),
):
    _Yaml12Resolver.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern, re.X), list(_first)
    )


class _Yaml12Constructor(yaml.constructor.SafeConstructor):
    """SafeConstructor with YAML 1.2 integers (``010`` is ten, ``0o17`` is octal) and a refusal
    of keys given twice: plain YAML keeps the last value silently (a host defined twice loses
    its first half), and Nornir's own loader raises a traceback; either way the person should
    hear which line."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
            if text.startswith(prefix):
                return sign * int(text[2:], base)
        return sign * int(text, 10)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` may legitimately repeat keys it merges
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise DuplicateKey(key, line, seen[key])
                seen[key] = line
            except TypeError:
                continue  # an unhashable key: SafeConstructor's own error says so
        return super().construct_mapping(node, deep=deep)


_Yaml12Constructor.add_constructor(
    "tag:yaml.org,2002:int",
    _Yaml12Constructor.construct_yaml_int,  # type: ignore[type-var]
)


class DuplicateKey(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__()
        self.key, self.line, self.first = key, line, first


class Loader(_Reading, _Yaml12Constructor, _Yaml12Resolver):  # type: ignore[misc]
    """PyYAML loader with Nornir's YAML 1.2 values and line-numbered duplicate keys."""

    def __init__(self, stream: str) -> None:
        _Reading.__init__(self, stream)  # type: ignore[misc]
        _Yaml12Constructor.__init__(self)
        _Yaml12Resolver.__init__(self)


def read_text(path: Path, what: str) -> str:
    """A UTF-8 text file, or a one-line UsageError (not found, a folder, unreadable, not UTF-8)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: {what} not found: check the path") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: {what} is a folder, not a file: name the file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> UsageError:
    """The one-line error for a file that is not UTF-8, with the line of the first bad byte."""
    line = exc.object[: exc.start].count(b"\n") + 1
    byte = exc.object[exc.start : exc.start + 1].hex()
    return UsageError(f"{path}: line {line}: not UTF-8 (byte 0x{byte}): save the file as UTF-8")


def parse_yaml(text: str, path: Path) -> Any:
    """Parse YAML text, turning every failure into a one-line UsageError naming ``path``."""
    try:
        return yaml.load(text, Loader=Loader)  # safe: Loader is built on SafeConstructor
    except DuplicateKey as exc:
        raise UsageError(
            f"{path}: line {exc.line}: duplicate key '{exc.key}' (first on line {exc.first}): "
            "keep one of them"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}:{where}: malformed YAML ({problem}): fix the syntax") from None


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML file, turning every failure into a one-line UsageError.

    Besides syntax errors, a key given twice in one mapping and bytes that are not UTF-8 are
    refused with their line: both would otherwise load something other than what was meant.
    """
    return parse_yaml(read_text(path, what), path)
