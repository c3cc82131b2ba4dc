"""hier_config's idempotent-command lookup, each rule's cheapest test tried first.

A remediation asks, for every running line the intended config lacks, whether an intended
line replaces it (``snmp-server location A`` by ``snmp-server location B``). hier_config tries
each of the driver's idempotent-commands rules in turn (43 on IOS, 66 on EOS with ours), each
through ``is_lineage_match``: a lineage tuple, a generator and a keyword call per rule, some
70 us a line, most of a compliance check's remediation. A rule only matches a line exactly as
deep as its lineage whose own text passes the rule's last test, so those two tests (a depth,
then a prefix or a compiled regex) go first; hier_config's own match decides the rest, and
the answer is hier_config's, rule for rule and line for line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hier_config import HConfigChild
    from hier_config.models import IdempotentCommandsRule, MatchRule
    from hier_config.platforms.driver_base import HConfigDriverBase

_Test = Callable[[str], object]  # truthy when a line's own text may match
_Index = dict[int, list[tuple["IdempotentCommandsRule", _Test]]]  # by lineage depth


def indexed(driver: HConfigDriverBase) -> HConfigDriverBase:
    """A driver of the same platform and rules whose ``idempotent_for`` is indexed; the
    driver itself when its platform has a lookup of its own (IOS XR: ACL sequence numbers)."""
    from hier_config.platforms.driver_base import HConfigDriverBase  # noqa: PLC0415

    platform_class = type(driver)
    if platform_class.idempotent_for is not HConfigDriverBase.idempotent_for:
        return driver
    return _with_rules(platform_class, driver.rules)


def _with_rules(platform_class: type[HConfigDriverBase], rules: object) -> HConfigDriverBase:
    """An indexed driver of ``platform_class`` holding ``rules``; how one is unpickled."""
    copy: HConfigDriverBase = _indexed_class(platform_class)()
    copy.rules = rules  # type: ignore[assignment]  # hier_config's rules model
    return copy


@functools.cache
def _indexed_class(platform_class: type[HConfigDriverBase]) -> type[HConfigDriverBase]:
    name = f"Indexed{platform_class.__name__}"
    namespace = {"__module__": __name__, "platform_class": platform_class}
    return type(name, (IndexedIdempotency, platform_class), namespace)


class IndexedIdempotency:
    """Mixin for a hier_config driver class: ``idempotent_for``, indexed (module docstring)."""

    rules: object  # the driver's rules (hier_config's model), read for idempotent_commands
    platform_class: type[HConfigDriverBase]  # the hier_config driver class it is mixed into
    _index: tuple[object, _Index] | None = None  # built for one list of rules

    def idempotent_for(
        self, config: HConfigChild, other_children: Iterable[HConfigChild]
    ) -> HConfigChild | None:
        driver: HConfigDriverBase = self  # type: ignore[assignment]  # mixed into a driver
        text = config.text
        for rule, may_match in self._rules_at(config.depth()):
            if not may_match(text) or not config.is_lineage_match(rule.match_rules):
                continue
            key = driver._idempotency_key(config, rule.match_rules)
            for other in other_children:
                if not may_match(other.text) or not other.is_lineage_match(rule.match_rules):
                    continue
                if driver._idempotency_key(other, rule.match_rules) == key:
                    return other
        return None

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its platform's class and its rules: the indexed class is made at run
        time, so pickle could not find it by name (a parsed tree sent to a Dask worker)."""
        return (_with_rules, (self.platform_class, self.rules))

    def _rules_at(self, depth: int) -> list[tuple[IdempotentCommandsRule, _Test]]:
        """The rules whose lineage is ``depth`` lines long, in the driver's order."""
        rules = self.rules.idempotent_commands  # type: ignore[attr-defined]
        if self._index is None or self._index[0] is not rules:
            index: _Index = {}
            for rule in rules:
                test = _own_test(rule.match_rules[-1])
                index.setdefault(len(rule.match_rules), []).append((rule, test))
            self._index = (rules, index)
        return self._index[1].get(depth, [])


def _own_test(rule: MatchRule) -> _Test:
    """One of ``rule``'s conditions on a line's own text, as hier_config's ``is_match``
    applies it: passing it is needed, not enough."""
    if isinstance(rule.startswith, (str, tuple)):
        return _starts(rule.startswith)
    if isinstance(rule.re_search, str):
        return re.compile(rule.re_search).search
    if isinstance(rule.equals, (str, frozenset)):
        equals = rule.equals
        return (lambda text: text == equals) if isinstance(equals, str) else equals.__contains__
    return _anything


def _starts(prefix: str | tuple[str, ...]) -> _Test:
    return lambda text: text.startswith(prefix)


def _anything(text: str) -> bool:
    return True
