"""Compliance rules and their evaluation: config text in, report out.

Two kinds of rule, modelled on netutils' feature compliance:

* a **feature** is a set of top-level config sections picked by line prefix (``ntp server``,
  ``interface Loopback0``); the rendered intended config is the authority for them, so a
  running line it lacks is ``extra`` and an intended line running lacks is ``missing``;
* a **policy** is a regex that ``must`` (or ``must_not``) match some config line, optionally
  only on some platforms; ``fix`` gives the config that satisfies a ``must``.

Unlike netutils, each rule also carries the hier_config remediation that makes the host
compliant for it. Nothing here talks to a device or to Nornir; the only I/O is reading the
rules file, and every problem in it is a one-line UsageError naming the file, key and fix.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import diff
from .exceptions import UsageError
from .platforms import SUPPORTED_PLATFORMS, canonical_platform
from .yamlfile import read_yaml

if TYPE_CHECKING:
    from hier_config import HConfig, HConfigChild

# ---------------------------------------------------------------- the rules model


@dataclass(frozen=True)
class Feature:
    """Config sections (by top-level line prefix) whose lines must equal the intended ones."""

    name: str
    section: tuple[str, ...]
    ordered: bool = False
    platforms: frozenset[str] = frozenset()  # empty: every platform
    description: str = ""


@dataclass(frozen=True)
class Policy:
    """A regex that some config line must (or must not) match."""

    name: str
    pattern: re.Pattern[str]
    present: bool  # True for ``must``, False for ``must_not``
    fix: str = ""  # config that satisfies a ``must``
    platforms: frozenset[str] = frozenset()
    description: str = ""


@dataclass(frozen=True)
class Rules:
    """A parsed rules file."""

    features: tuple[Feature, ...] = ()
    policies: tuple[Policy, ...] = ()
    source: str = "<rules>"


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class RuleResult:
    """How one host's config fares against one rule."""

    name: str
    kind: str  # "feature" or "policy"
    compliant: bool
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    remediation: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "compliant": self.compliant,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "remediation": self.remediation,
            "description": self.description,
        }


@dataclass(frozen=True)
class ComplianceReport:
    """One host's compliance: one result per applicable rule, and all their remediation."""

    platform: str
    rules: tuple[RuleResult, ...]
    remediation: str = ""

    @property
    def compliant(self) -> bool:
        return all(result.compliant for result in self.rules)

    def rule(self, name: str) -> RuleResult:
        """The result of the rule called ``name`` (KeyError if it did not apply)."""
        for result in self.rules:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "compliant": self.compliant,
            "remediation": self.remediation,
            "rules": [result.to_dict() for result in self.rules],
        }


# ---------------------------------------------------------------- loading


class _Invalid(Exception):
    """A bad value: what is wrong, how to fix it, and where below the key (``[2]``)."""

    def __init__(self, problem: str, fix: str, at: str = "") -> None:
        super().__init__(problem)
        self.problem, self.fix, self.at = problem, fix, at


def _show(value: object) -> str:
    return f"{type(value).__name__} {value!r}" if not isinstance(value, str) else repr(value)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"expected text, got {_show(value)}", "write a non-empty string")
    return value.strip()


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_show(value)}", "write true or false")
    return value


def _prefixes(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _Invalid(
            f"expected a list of line prefixes, got {_show(value)}",
            "write e.g. [ntp server] or [interface Loopback0]",
        )
    prefixes = []
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(
                f"expected a line prefix, got {_show(item)}",
                "write the start of a top-level config line",
                f"[{index}]",
            )
        prefixes.append(" ".join(item.split()))
    return tuple(prefixes)


def _regex(value: object) -> re.Pattern[str]:
    if not isinstance(value, str) or not value:
        raise _Invalid(f"expected a regex, got {_show(value)}", "write a Python regex as text")
    try:
        return re.compile(value)
    except re.error as exc:
        raise _Invalid(
            f"bad regex {value!r} ({exc})", "fix the pattern (Python re syntax)"
        ) from None


def _platforms(value: object) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise _Invalid(
            f"expected a list of platforms, got {_show(value)}",
            f"use some of {', '.join(SUPPORTED_PLATFORMS)}",
        )
    names = set()
    for index, item in enumerate(items):
        try:
            names.add(canonical_platform(item))
        except UsageError:
            raise _Invalid(
                f"unsupported platform {item!r}",
                f"use one of {', '.join(SUPPORTED_PLATFORMS)}",
                f"[{index}]",
            ) from None
    return frozenset(names)


@dataclass(frozen=True)
class _Field:
    parse: Callable[[object], Any]
    required: bool
    fix: str  # said when the key is missing


_NAME = _Field(_text, True, "give the rule a unique name")
_COMMON = {
    "platforms": _Field(_platforms, False, ""),
    "description": _Field(_text, False, ""),
}
_FEATURE_FIELDS: dict[str, _Field] = {
    "name": _NAME,
    "section": _Field(_prefixes, True, "list the line prefixes, e.g. section: [ntp server]"),
    "ordered": _Field(_flag, False, ""),
    **_COMMON,
}
_POLICY_FIELDS: dict[str, _Field] = {
    "name": _NAME,
    "must": _Field(_regex, False, ""),
    "must_not": _Field(_regex, False, ""),
    "fix": _Field(_text, False, ""),
    **_COMMON,
}
_SECTIONS: dict[str, dict[str, _Field]] = {"features": _FEATURE_FIELDS, "policies": _POLICY_FIELDS}


def _error(source: str, key: str, problem: str, fix: str) -> UsageError:
    return UsageError(f"{source}: {key}: {problem}: {fix}")


def _entries(source: str, section: str, items: object) -> list[tuple[str, dict[str, Any]]]:
    """Validate one list of rules against its field table; yield (key, parsed values)."""
    fields = _SECTIONS[section]
    if items is None:
        return []
    if not isinstance(items, list):
        raise _error(source, section, f"expected a list, got {_show(items)}", "write - name: ...")
    entries = []
    for index, item in enumerate(items):
        key = f"{section}[{index}]"
        if not isinstance(item, dict):
            raise _error(source, key, f"expected a mapping, got {_show(item)}", "write name: ...")
        unknown = [str(name) for name in item if name not in fields]
        if unknown:
            raise _error(
                source, f"{key}.{unknown[0]}", "unknown key", f"use one of {', '.join(fields)}"
            )
        values: dict[str, Any] = {}
        for name, spec in fields.items():
            if name not in item:
                if spec.required:
                    raise _error(source, f"{key}.{name}", "missing", spec.fix)
                continue
            try:
                values[name] = spec.parse(item[name])
            except _Invalid as exc:
                raise _error(source, f"{key}.{name}{exc.at}", exc.problem, exc.fix) from None
        entries.append((key, values))
    return entries


def _feature(values: Mapping[str, Any]) -> Feature:
    return Feature(**values)


def _policy(source: str, key: str, values: dict[str, Any]) -> Policy:
    must, must_not = values.pop("must", None), values.pop("must_not", None)
    if must is not None and must_not is not None:
        raise _error(source, key, "both must and must_not", "split it into two policies")
    if must is None and must_not is None:
        raise _error(source, f"{key}.must", "missing", "add must: REGEX or must_not: REGEX")
    if must_not is not None and "fix" in values:
        raise _error(
            source, f"{key}.fix", "fix only applies to must", "remove it (must_not removes lines)"
        )
    return Policy(pattern=must or must_not, present=must is not None, **values)


def parse_rules(data: object, source: str = "<rules>") -> Rules:
    """Rules from already-loaded YAML data; ``source`` names the file in errors."""
    if not isinstance(data, dict) or not data:
        raise _error(
            source,
            "top level",
            f"expected a mapping, got {_show(data)}",
            "add features: and/or policies:",
        )
    unknown = [str(name) for name in data if name not in _SECTIONS]
    if unknown:
        raise _error(source, unknown[0], "unknown key", "use features and policies")
    features = [(key, _feature(v)) for key, v in _entries(source, "features", data.get("features"))]
    policies = [
        (key, _policy(source, key, v))
        for key, v in _entries(source, "policies", data.get("policies"))
    ]
    if not features and not policies:
        raise _error(source, "top level", "no rules", "add features: and/or policies: entries")
    seen: set[str] = set()
    named: list[tuple[str, Feature | Policy]] = [*features, *policies]
    for key, rule in named:
        if rule.name in seen:
            raise _error(source, f"{key}.name", f"duplicate name {rule.name!r}", "rename one")
        seen.add(rule.name)
    return Rules(tuple(f for _, f in features), tuple(p for _, p in policies), source)


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules YAML file (UsageError with one line on any problem).

    Read once per run, not once per host: the rules are cached for as long as the file
    keeps its size and modification time.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _load_rules(path, 0, -1)  # read_yaml names the problem
    return _load_rules(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load_rules(path: Path, mtime_ns: int, size: int) -> Rules:
    return parse_rules(read_yaml(path, "compliance rules"), str(path))


# ---------------------------------------------------------------- evaluation


class _Tree:
    """A parsed config as the checks read it, with what every rule needs computed once:
    the top-level lines by the first word of their head, and every line of the tree."""

    def __init__(self, config: HConfig) -> None:
        self.config = config
        self.by_word: dict[str, list[tuple[int, str, HConfigChild]]] = {}
        for place, child in enumerate(config.children):
            head = diff.section_head(child)
            self.by_word.setdefault(head.split(" ", 1)[0], []).append((place, head, child))
        self.every = tuple(config.all_children())


def _section_nodes(tree: _Tree, prefixes: tuple[str, ...]) -> list[HConfigChild]:
    """The top-level lines of config that start with one of the prefixes (word-wise), in
    their order in the config."""
    words = {prefix.split(" ", 1)[0] for prefix in prefixes}
    candidates = [line for word in words for line in tree.by_word.get(word, ())]
    if len(words) > 1:
        candidates.sort(key=lambda line: line[0])
    return [
        child
        for _, head, child in candidates
        if any(head == prefix or head.startswith(f"{prefix} ") for prefix in prefixes)
    ]


def _shape(nodes: Iterable[HConfigChild]) -> tuple[Any, ...]:
    """Lines and nesting of ``nodes`` in their order: equal shapes are equal config."""
    return tuple((node.text, _shape(node.children)) for node in nodes)


def _lines(nodes: Iterable[HConfigChild]) -> list[str]:
    """Config lines of nodes and their children, banners split into their own lines."""
    return [line for node in nodes for text in node.lines() for line in text.split("\n")]


def _only_in(source: HConfig | HConfigChild, other: HConfig | HConfigChild) -> list[str]:
    """Lines of source that other lacks, under their parent lines (negations included)."""
    lines: list[str] = []
    for child in source.children:
        match = other.children.get(child.text)
        if match is None:
            lines.extend(_lines([child]))
        elif below := _only_in(child, match):
            lines.extend([child.cisco_style_text(), *below])
    return lines


def _remediate(running: HConfig, target: HConfig, platform: str) -> HConfig:
    """hier_config's remediation, with the lists the device keeps in order fixed in order."""
    return diff.remediation_config(running, target, platform)


def _recreate(actual: HConfig, wanted: HConfig) -> HConfig:
    """Remediation of an ordered section: remove every line, then add the intended in order.

    Adding only the missing lines would append them after the others, out of order.
    """
    delta = diff.empty_tree(actual)
    for child in actual.children:
        negation = delta.add_child(child.text).negate()
        if negation.text in wanted.children:  # ``no X`` -> ``X``, which is re-added below
            negation.delete()
    for child in wanted.children:
        delta.add_deep_copy_of(child)
    return delta


# Checks already made, by all a check depends on: the rule, the platform and the lines of the
# sections it reads. Devices share most sections (ntp, logging, snmp, banners), and
# hier_config's remediation is most of a check's time. Fix trees are only read (merge copies).
_CHECKS: dict[tuple[Any, ...], tuple[RuleResult, HConfig]] = {}
CHECKS_KEPT = 4096  # then the memo starts again


def _remembered(
    key: tuple[Any, ...], check: Callable[[], tuple[RuleResult, HConfig]]
) -> tuple[RuleResult, HConfig]:
    known = _CHECKS.get(key)
    if known is None:
        known = check()
        if len(_CHECKS) >= CHECKS_KEPT:
            _CHECKS.clear()
        _CHECKS[key] = known
    return known


def _check_feature(
    feature: Feature, running: _Tree, intended: _Tree, platform: str
) -> tuple[RuleResult, HConfig]:
    actual = _section_nodes(running, feature.section)
    wanted = _section_nodes(intended, feature.section)
    shapes = _shape(actual), _shape(wanted)
    if shapes[0] == shapes[1]:  # the intended lines, in their order: nothing to compare
        return _compliant(feature), diff.empty_tree(running.config)
    return _remembered(
        (feature, platform, *shapes),
        lambda: _compare_sections(
            feature,
            diff.copy_of(running.config, actual),
            diff.copy_of(intended.config, wanted),
            platform,
        ),
    )


@functools.cache
def _compliant(feature: Feature) -> RuleResult:
    return RuleResult(feature.name, "feature", True, description=feature.description)


def _compare_sections(
    feature: Feature, actual: HConfig, wanted: HConfig, platform: str
) -> tuple[RuleResult, HConfig]:
    missing, extra = _only_in(wanted, actual), _only_in(actual, wanted)
    in_order = actual.dump_simple() == wanted.dump_simple()
    compliant = not missing and not extra and (in_order or not feature.ordered)
    if compliant:
        fix = diff.empty_tree(actual)
    elif feature.ordered:
        fix = _recreate(actual, wanted)
    else:
        fix = _remediate(actual, wanted, platform)
    result = RuleResult(
        feature.name,
        "feature",
        compliant,
        tuple(missing),
        tuple(extra),
        diff.render(fix),
        feature.description,
    )
    return result, fix


def _check_policy(policy: Policy, tree: _Tree, platform: str) -> tuple[RuleResult, HConfig]:
    matches = [child for child in tree.every if policy.pattern.search(child.text)]
    if policy.present:
        if matches or not policy.fix:
            missing = () if matches else (policy.pattern.pattern,)
            return _policy_result(policy, bool(matches), missing, (), diff.empty_tree(tree.config))
        change = diff.parse_shared(policy.fix, platform)
        # only the sections the fix can change, as diff.merge_diff does
        nodes = diff.touched_nodes(tree.config, change)

        def add_fix() -> tuple[RuleResult, HConfig]:
            touched = diff.copy_of(tree.config, nodes)
            fix = _remediate(touched, diff.merge_config(touched, change, platform), platform)
            return _policy_result(policy, False, (policy.pattern.pattern,), (), fix)

        return _remembered((policy, platform, _shape(nodes)), add_fix)
    if not matches:
        return _policy_result(policy, True, (), (), diff.empty_tree(tree.config))
    # only the top-level sections holding a match differ: copy and compare just those
    tops = {next(line.path()) for line in matches}
    nodes = [child for child in tree.config.children if child.text in tops]

    def remove_matches() -> tuple[RuleResult, HConfig]:
        touched = diff.copy_of(tree.config, nodes)
        allowed = _without(touched, matches)
        fix = _remediate(touched, allowed, platform)
        return _policy_result(policy, False, (), tuple(_only_in(touched, allowed)), fix)

    return _remembered((policy, platform, _shape(nodes)), remove_matches)


def _policy_result(
    policy: Policy,
    compliant: bool,
    missing: tuple[str, ...],
    extra: tuple[str, ...],
    fix: HConfig,
) -> tuple[RuleResult, HConfig]:
    result = RuleResult(
        policy.name, "policy", compliant, missing, extra, diff.render(fix), policy.description
    )
    return result, fix


def _without(config: HConfig, unwanted: list[HConfigChild]) -> HConfig:
    """A copy of config without the unwanted lines (and whatever is nested under them)."""
    from hier_config import HConfigChild  # noqa: PLC0415 (loaded by the parse: see diff._driver)

    copy = config.deep_copy()
    for child in unwanted:
        node: HConfig | HConfigChild | None = copy
        for text in child.path():
            node = node.children.get(text) if node is not None else None
        if isinstance(node, HConfigChild):
            node.delete()
    return copy


def _applies(platforms: frozenset[str], platform: str) -> bool:
    return not platforms or platform in platforms


@functools.lru_cache(maxsize=CHECKS_KEPT)  # remembered checks give the same results
def _redacted(result: RuleResult, platform: str) -> RuleResult:
    def hide(lines: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(diff.sanitize(line, platform) for line in lines)

    return dataclasses.replace(
        result,
        missing=hide(result.missing),
        extra=hide(result.extra),
        remediation=diff.sanitize(result.remediation, platform),
    )


def evaluate(
    rules: Rules, running: str, intended: str | None, platform: str, *, redact: bool = True
) -> ComplianceReport:
    """Check one host's running config against the rules that apply to its platform.

    Features need the intended config and are skipped when it is None; policies only read
    running. Secrets in lines and remediation are redacted unless ``redact=False``, so only
    an unredacted report's remediation can be pushed to a device.
    """
    platform = canonical_platform(platform)
    actual = diff.parse_shared(running, platform)  # every check below only reads the trees
    tree = _Tree(actual)
    checked: list[tuple[RuleResult, HConfig]] = []
    if intended is not None:
        wanted = _Tree(diff.parse_shared(intended, platform))
        checked.extend(
            _check_feature(feature, tree, wanted, platform)
            for feature in rules.features
            if _applies(feature.platforms, platform)
        )
    checked.extend(
        _check_policy(policy, tree, platform)
        for policy in rules.policies
        if _applies(policy.platforms, platform)
    )
    combined = diff.empty_tree(actual).merge([fix for _, fix in checked])
    results = tuple(result for result, _ in checked)
    report = ComplianceReport(platform, results, diff.render(combined.set_order_weight()))
    if not redact:
        return report
    return ComplianceReport(
        platform,
        tuple(_redacted(result, platform) for result in results),
        diff.sanitize(report.remediation, platform),
    )
