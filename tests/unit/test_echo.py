"""Finding the end of the device's echo of an input (backends.aio.echo_end), which the
one-write scrapli channel reads past before it looks for the prompt."""

from __future__ import annotations

import pytest

from nornir_pack.backends.aio import echo_end


@pytest.mark.parametrize(
    ("buf", "expected"),
    [
        (b"show running-config\n", len(b"show running-config")),
        (b"SHOW Running-Config\nBuilding", len(b"SHOW Running-Config")),
        # a stale prompt left from the last reply is skipped with the echo
        (b"\nr1#show running-config\nhostname r1\n", len(b"\nr1#show running-config")),
        # an echo the terminal wrapped (spaces and line breaks moved) still counts
        (b"show running-\nconfig\n", len(b"show running-\nconfig")),
        # backspaces some devices put in long echoes are ignored
        (b"show running-con\x08fig\n", len(b"show running-con\x08fig")),
    ],
)
def test_the_echo_ends_after_the_input(buf: bytes, expected: int) -> None:
    assert echo_end(buf, "show running-config") == expected


def test_no_echo_yet_is_none() -> None:
    assert echo_end(b"show runn", "show running-config") is None
    assert echo_end(b"", "terminal length 0") is None


def test_an_empty_input_has_nothing_to_skip() -> None:
    assert echo_end(b"\nr1#", "") == 0
