"""nornir-pack reads inventory YAML with libyaml but must give the values Nornir's own loader
(ruamel.yaml, YAML 1.2) gives: Nornir is handed the documents nornir-pack parsed."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import ruamel.yaml

from nornir_pack.exceptions import UsageError
from nornir_pack.yamlfile import parse_yaml

# YAML 1.1 and 1.2 disagree on these; users write them as VLANs, descriptions, ports and dates.
SCALARS = [
    "yes", "no", "on", "off", "Yes", "y", "n", "true", "False", "TRUE", "010", "0o17", "0x1F",
    "-0x10", "0b101", "1_000", "1:30", "65000:100", "1:2:3", "1.5", "1e3", "1e-3", ".5", "+.5",
    "0.", "-.inf", ".nan", "~", "null", "NULL", "", "2024-01-02", "2024-01-02 10:00:00",
    "2024-1-2 1:00:00", "10.0.0.1", "1.2.3", "+12", "-0", "0", "007", "08", "09", "-010",
    "1_0.5", "0b2", '"010"', "'yes'", "Gi0/1",
]  # fmt: skip


@pytest.mark.parametrize("scalar", SCALARS)
def test_values_match_nornirs_loader(scalar: str) -> None:
    text = f"value: {scalar}\n"
    expected = ruamel.yaml.YAML(typ="safe").load(text)["value"]
    got = parse_yaml(text, Path("hosts.yaml"))["value"]
    assert type(got) is type(expected)
    assert got == expected or (isinstance(got, float) and math.isnan(got) and math.isnan(expected))


def test_merge_keys_and_anchors() -> None:
    text = "base: &base {platform: cisco_ios, port: 22}\nr1:\n  <<: *base\n  port: 2222\n"
    assert parse_yaml(text, Path("hosts.yaml"))["r1"] == {"platform": "cisco_ios", "port": 2222}


def test_duplicate_key_names_both_lines() -> None:
    text = "r1:\n  hostname: 10.0.0.1\nr2: {}\nr1:\n  hostname: 10.0.0.2\n"
    with pytest.raises(
        UsageError, match=r"hosts.yaml: line 4: duplicate key 'r1' \(first on line 1\)"
    ):
        parse_yaml(text, Path("hosts.yaml"))


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(UsageError, match=r"hosts.yaml: line 3: malformed YAML"):
        parse_yaml("r1:\n  - a\n  b: c\n", Path("hosts.yaml"))
