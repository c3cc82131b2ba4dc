"""The diff of a first backup is difflib's, without difflib (tasks.backup.first_backup_diff)."""

from __future__ import annotations

import difflib

import pytest

from nornir_pack.tasks.backup import first_backup_diff

TEXTS = [
    "hostname r1\n",
    "hostname r1\n!\ninterface Ethernet1\n description uplink\n!\nend\n",
    "version 15.2\nbanner motd ^C\fform feed\x0bvertical tab\r\ncrlf\u2028separator\n",
    "no newline at the end",
    "",
]


@pytest.mark.parametrize("content", TEXTS)
def test_a_first_backup_diff_is_what_difflib_writes_against_dev_null(content: str) -> None:
    expected = "".join(
        difflib.unified_diff(
            [], content.splitlines(keepends=True), fromfile="/dev/null", tofile="b/r1.cfg"
        )
    )
    assert first_backup_diff("r1.cfg", content) == expected
