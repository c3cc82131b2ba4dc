"""diff.parse takes the configs real devices print, and the lab's parser takes them too.

Golden inputs live in tests/unit/golden/<platform>/parse/<case>.cfg; the parse, rendered, is
<case>.txt (or the one-line error). Regenerate with NORNIR_PACK_UPDATE_GOLDEN=1 and review.
Property tests (hypothesis) generate configs with sections, comments, exit lines, repeats and
banners, and check that parsing is stable and that a config never differs from itself.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nornir_pack import diff
from nornir_pack.exceptions import UsageError
from nornir_pack.lab.config import load_config, render
from nornir_pack.lab.platforms import PLATFORMS as LAB
from tests.unit.golden_files import PLATFORMS, check_golden, golden

CASES = ("exit", "comments", "duplicates", "banners")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("case", CASES)
def test_golden_parse(platform: str, case: str) -> None:
    text = golden(platform, f"parse/{case}.cfg")
    rendered = diff.render(diff.parse(text, platform))
    check_golden(platform, f"parse/{case}.txt", rendered + "\n")
    assert diff.normalised_diff(text, text, platform) == ""
    assert diff.normalised_diff(text, rendered, platform) == ""  # the same config
    assert diff.remediation(text, rendered, platform) == ""
    assert diff.render(diff.parse(rendered, platform)) == rendered  # stable


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("case", CASES)
def test_the_lab_takes_what_the_platform_prints(platform: str, case: str) -> None:
    """The lab's own parser (boot configs, configure replace) takes the same configs."""
    text = diff.clean_config(golden(platform, f"parse/{case}.cfg"), platform)
    root, errors = load_config(LAB[platform], text)
    assert errors == []
    shown = render(root, LAB[platform])
    assert diff.normalised_diff(shown, text, platform) == ""


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_unterminated_banner_is_one_line_naming_it(platform: str) -> None:
    text = golden(platform, "parse/unterminated.cfg")
    with pytest.raises(UsageError) as error:
        diff.parse(text, platform)
    message = str(error.value)
    check_golden(platform, "parse/unterminated.txt", message + "\n")
    assert "\n" not in message
    assert "banner motd is not terminated" in message
    _, errors = load_config(LAB[platform], text)  # the lab refuses it too
    assert [e.outcome.value for e in errors] == ["incomplete"]


def test_repeated_lines_are_merged_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    text = "snmp-server community S3cretRW RW\nsnmp-server community S3cretRW RW\n"
    with caplog.at_level(logging.INFO, logger="nornir_pack.diff"):
        assert diff.render(diff.parse(text, "cisco_ios")) == "snmp-server community S3cretRW RW"
    assert "1 repeated line(s) merged" in caplog.text
    assert "S3cretRW" not in caplog.text  # the note is sanitised


def test_a_banner_without_a_delimiter_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="'banner motd' has no delimiter"):
        diff.parse("banner motd\nhello\n", "cisco_ios")


def test_parse_returns_a_private_copy() -> None:
    text = "hostname r1\nntp server 10.0.0.1\n"
    first = diff.parse(text, "cisco_ios")
    first.add_child("ntp server 10.0.0.9")
    assert "10.0.0.9" not in diff.render(diff.parse(text, "cisco_ios"))


# ---------------------------------------------------------------- generated configs

WORDS = st.sampled_from(["alpha", "beta", "10.0.0.1", "65001", "Loopback0", "RED", "x", "1"])
KEYWORDS = st.sampled_from(["ntp server", "logging host", "description", "ip route", "vlan"])
LINE = st.builds(
    lambda head, words: " ".join([head, *words]), KEYWORDS, st.lists(WORDS, max_size=3)
)
BANNER_TEXT = st.lists(
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="#"),
        max_size=20,
    ).map(str.rstrip),
    max_size=4,
)


@st.composite
def sections(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """A line with lines under it, maybe closed by ``exit``, maybe given twice."""
    head = draw(LINE)
    children = draw(st.lists(st.one_of(LINE, st.just("!")), max_size=4))
    lines = [head, *(f" {child}" for child in children)]
    if depth < 1 and draw(st.booleans()):
        lines += [f" {line}" for line in draw(sections(depth + 1))]
    if draw(st.booleans()):
        lines.append(" exit" if draw(st.booleans()) else "exit")
    return lines * draw(st.integers(1, 2))


@st.composite
def configs(draw: st.DrawFn, platform: str) -> str:
    parts: list[list[str]] = draw(
        st.lists(st.one_of(sections(), LINE.map(lambda line: [line]), st.just(["!", ""])))
    )
    if draw(st.booleans()):
        text = draw(BANNER_TEXT)
        banner = (
            ["banner motd", *text, "EOF"]
            if platform == "arista_eos"
            else ["banner motd #", *text, "#"]
        )
        parts.insert(draw(st.integers(0, len(parts))), banner)
    return "\n".join(line for part in parts for line in part) + "\nend\n"


@pytest.mark.parametrize("platform", PLATFORMS)
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_generated_configs_parse_stably_and_never_differ_from_themselves(
    platform: str, data: st.DataObject
) -> None:
    text = data.draw(configs(platform))
    rendered = diff.render(diff.parse(diff.clean_config(text, platform), platform))
    assert diff.render(diff.parse(rendered, platform)) == rendered
    assert diff.normalised_diff(text, text, platform) == ""
    assert diff.normalised_diff(text, rendered, platform) == ""
    assert diff.remediation(text, text, platform) == ""


# Pieces of config lines, with every kind of whitespace a copied config may carry.
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2028"]
PIECES = st.sampled_from(
    ["ntp", "server", "10.0.0.1", "!", "exit", "end", "version 17.3", "no ip address", "#", *SPACES]
)


@pytest.mark.parametrize("platform", [*PLATFORMS, "cisco_nxos", "cisco_xr"])
@settings(max_examples=300, deadline=None, derandomize=True)
@given(pieces=st.lists(PIECES, max_size=30))
def test_the_quick_preparation_is_the_line_by_line_one(platform: str, pieces: list[str]) -> None:
    """Text whose lines are in normal form skips normalising them: it must not show."""
    text = "".join(pieces)
    loader = diff._loader(platform)
    assert loader.prepare(text) == loader.prepare_each(text)
    golden_text = golden(PLATFORMS[0], "running.cfg")
    assert loader.prepare(golden_text) == loader.prepare_each(golden_text)


def test_lines_remembered_after_the_rules_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    loader = diff._loader("cisco_ios")
    loader.ruled.clear()
    monkeypatch.setattr(diff, "RULED_KEPT", 2)
    text = "version 17.3\n! one\n! two\nend\nhostname r1\n! one\n"
    assert loader.prepare(text) == "\n\n\n\nhostname r1\n"  # what hier_config's rules make
    assert len(loader.ruled) <= 2
    assert loader.prepare(text) == loader.prepare(text)
