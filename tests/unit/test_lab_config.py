"""The config engine: lines are applied by mode, as the device's CLI applies them."""

from __future__ import annotations

import pytest

from nornir_pack.lab.config import ConfigEngine, ConfigNode, Outcome, load_config, render
from nornir_pack.lab.device import Device
from nornir_pack.lab.platforms import EOS, IOS, PLATFORMS, Platform


def apply_all(platform: Platform, lines: list[str], root: ConfigNode | None = None) -> ConfigNode:
    root = root or ConfigNode("")
    engine = ConfigEngine(platform, root)
    for line in lines:
        assert engine.apply(line).outcome in (
            Outcome.OK,
            Outcome.EXIT,
            Outcome.BANNER_START,
            Outcome.BANNER_LINE,
        ), line
    return root


def test_unindented_lines_nest_by_mode_and_fall_back_to_the_parent() -> None:
    root = apply_all(
        IOS,
        [
            "interface Loopback5",
            "description five",
            "ntp server 10.1.1.1",
            "logging host 10.2.2.2",
        ],
    )
    assert render(root, IOS) == (
        "interface Loopback5\n description five\n!\nntp server 10.1.1.1\n"
        "logging host 10.2.2.2\n!\nend\n"
    )


def test_multi_word_commands_keep_ip_routing_out_of_interfaces() -> None:
    root = apply_all(EOS, ["interface Management1", "ip address 192.0.2.1/24", "ip routing"])
    assert [c.text for c in root.children] == ["interface Management1", "ip routing"]
    assert [c.text for c in root.children[0].children] == ["ip address 192.0.2.1/24"]


def test_abbreviations_and_interface_names_are_expanded() -> None:
    root = apply_all(IOS, ["int gi2", "desc uplink", "ho core-1"])
    assert root.child("interface GigabitEthernet2") is not None
    assert root.child("hostname core-1") is not None


def test_single_valued_lines_replace_and_multi_valued_accumulate() -> None:
    root = apply_all(
        IOS,
        [
            "hostname a",
            "hostname b",
            "ntp server 1.1.1.1",
            "ntp server 2.2.2.2",
            "interface Loopback1",
            "description one",
            "description two",
        ],
    )
    texts = [c.text for c in root.children]
    assert texts == [
        "hostname b",
        "ntp server 1.1.1.1",
        "ntp server 2.2.2.2",
        "interface Loopback1",
    ]
    assert [c.text for c in root.children[-1].children] == ["description two"]


def test_no_removes_lines_and_whole_sections() -> None:
    root = apply_all(
        IOS,
        [
            "ntp server 1.1.1.1",
            "ntp server 2.2.2.2",
            "interface Loopback1",
            "description x",
            "exit",
            "no ntp server 1.1.1.1",
            "no interface Loopback1",
        ],
    )
    assert [c.text for c in root.children] == ["ntp server 2.2.2.2"]


def test_stored_negations_toggle_like_the_device() -> None:
    root = apply_all(IOS, ["ip http server", "no ip http server"])
    assert [c.text for c in root.children] == ["no ip http server"]
    apply_all(IOS, ["ip http server"], root)
    assert [c.text for c in root.children] == ["ip http server"]
    iface = apply_all(IOS, ["interface Gi3", "ip address 10.0.0.1 255.255.255.0", "no ip address"])
    assert [c.text for c in iface.children[0].children] == ["no ip address"]


@pytest.mark.parametrize(
    ("line", "outcome"),
    [("frobnicate now", Outcome.INVALID), ("no", Outcome.INCOMPLETE), ("s foo", Outcome.AMBIGUOUS)],
)
def test_bad_lines_are_refused_and_change_nothing(line: str, outcome: Outcome) -> None:
    root = ConfigNode("")
    engine = ConfigEngine(IOS, root)
    assert engine.apply(line).outcome is outcome
    assert root.children == []


def test_invalid_word_column_points_past_no() -> None:
    applied = ConfigEngine(IOS, ConfigNode("")).apply("no frobnicate")
    assert applied.outcome is Outcome.INVALID
    assert applied.column == 3


def test_ios_banner_with_delimiter_and_eos_banner_with_eof() -> None:
    ios = apply_all(IOS, ["banner motd #", "Keep out.", "Really.#"])
    assert ios.children[0].text == "banner motd ^C\nKeep out.\nReally.\n^C"
    eos = apply_all(EOS, ["banner motd", "Keep out.", "EOF"])
    assert eos.children[0].text == "banner motd\nKeep out.\nEOF"


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_seed_round_trips_through_render_and_load(platform: str) -> None:
    device = Device.create("dev1", platform)
    text = device.running_text()
    reparsed, errors = load_config(device.platform, text)
    assert errors == []
    assert render(reparsed, device.platform) == text
    assert "hostname dev1" in text


def test_load_config_reports_the_line_number_of_bad_lines() -> None:
    _, errors = load_config(IOS, "hostname x\nbogus line\n!\nend\n")
    assert [(e.line_number, e.outcome) for e in errors] == [(2, Outcome.INVALID)]
