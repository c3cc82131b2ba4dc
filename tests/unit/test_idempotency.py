"""nornir_pack.idempotency: the indexed lookup answers as hier_config's own, line for line."""

from __future__ import annotations

import pickle
import re

import pytest
from hier_config import HConfig, HConfigChild
from hier_config.platforms.driver_base import HConfigDriverBase

from nornir_pack import diff
from nornir_pack.idempotency import IndexedIdempotency
from tests.unit.golden_files import golden


def _variant(text: str) -> str:
    """Every line's last word changed (banners aside): what replaces the line, when a rule
    says one does."""
    lines, in_banner = [], False
    for line in text.splitlines():
        starts = line.startswith("banner ")
        lines.append(line if in_banner or starts else re.sub(r"(\S+)$", r"\g<1>9", line))
        in_banner = (in_banner or starts) and line.strip() not in ("^C", "EOF")
    return "\n".join(lines) + "\n"


def _configs(source: str, platform: str) -> list[HConfig]:
    running, intended = golden(source, "running.cfg"), golden(source, "intended.cfg")
    merged = diff.merge(running, intended, source)
    texts = [running, intended, merged, _variant(running), _variant(intended)]
    return [diff.parse(text, platform) for text in texts]


def _siblings_in(config: HConfig, line: HConfigChild) -> list[HConfigChild]:
    """The lines of ``config`` at ``line``'s place: its parent's path, followed in config."""
    node: HConfig | HConfigChild | None = config
    for text in list(line.path())[:-1]:
        node = node.children.get(text) if node is not None else None
    return list(node.children) if node is not None else []


@pytest.mark.parametrize(
    ("platform", "source"),
    [("cisco_ios", "cisco_ios"), ("arista_eos", "arista_eos"), ("cisco_nxos", "cisco_ios")],
)
def test_the_indexed_lookup_answers_as_hier_config_does(platform: str, source: str) -> None:
    driver = diff._driver(platform)
    assert isinstance(driver, IndexedIdempotency)
    configs = _configs(source, platform)
    asked = replaced = 0
    for config in configs:
        for other in configs:
            for line in config.all_children():
                siblings = _siblings_in(other, line)
                expected = HConfigDriverBase.idempotent_for(driver, line, siblings)
                assert driver.idempotent_for(line, siblings) is expected, line.cisco_style_text()
                asked += 1
                replaced += expected is not None
    assert asked > 500
    assert replaced > 100  # lines that another does replace, not only lines no rule knows


def test_a_platform_with_a_lookup_of_its_own_keeps_it() -> None:
    driver = diff._driver("cisco_xr")  # IOS XR matches ACL entries by sequence number first
    assert not isinstance(driver, IndexedIdempotency)
    assert type(driver).idempotent_for is not HConfigDriverBase.idempotent_for


def test_the_index_follows_the_rules_it_was_built_for() -> None:
    driver = diff._driver("cisco_ios")
    running = diff.parse("snmp-server location A\n", "cisco_ios")
    intended = diff.parse("snmp-server location B\n", "cisco_ios")
    (line,) = running.children
    assert driver.idempotent_for(line, intended.children) is not None
    changed = type(driver)()  # the same class with hier_config's rules: none of ours
    changed.rules = driver.rules.model_copy(update={"idempotent_commands": []})
    assert changed.idempotent_for(line, intended.children) is None


def test_a_parsed_tree_with_the_indexed_driver_pickles() -> None:
    """Trees cross process boundaries (a task's result on a Dask worker)."""
    tree = diff.parse("hostname r1\nsnmp-server location A\n", "cisco_ios")
    copy = pickle.loads(pickle.dumps(tree))
    assert type(copy.driver) is type(tree.driver)
    assert copy.driver.rules.idempotent_commands == tree.driver.rules.idempotent_commands
    assert diff.render(copy) == diff.render(tree)
    (line,) = (child for child in copy.children if child.text.startswith("snmp"))
    wanted = diff.parse("snmp-server location B\n", "cisco_ios")
    assert copy.driver.idempotent_for(line, wanted.children) is not None
