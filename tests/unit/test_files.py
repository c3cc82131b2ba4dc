"""Writing a file so that no reader ever sees half of it (nornir_pack.files)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from nornir_pack import files
from nornir_pack.files import write_atomic


def test_write_atomic_flushes_the_new_text_before_it_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "r1.cfg"
    path.write_text("old\n")
    seen: list[str] = []

    def fsync(handle: int) -> None:  # what a reader sees while the flush waits
        seen.append(path.read_text())

    write_atomic(path, "new\n", fsync=fsync)
    assert seen == ["old\n"]
    assert path.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r1.cfg"]


def test_a_failed_flush_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "r1.cfg"
    path.write_text("old\n")

    def fsync(handle: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomic(path, "new\n", fsync=fsync)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r1.cfg"]


def test_the_folder_is_made_and_the_file_is_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "site" / "backups" / "r1.cfg"
    write_atomic(path, "hostname r1\r\nend\n")
    assert path.read_bytes() == b"hostname r1\r\nend\n"  # line ends as given
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["r1.cfg"]


def test_a_temporary_left_by_a_crashed_run_is_stepped_over_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_numbers", itertools.count(7))
    leftover = tmp_path / f".r1.cfg.{os.getpid()}.7.tmp"  # same process id, same number
    leftover.write_text("someone else's\n")
    write_atomic(tmp_path / "r1.cfg", "new\n")
    assert (tmp_path / "r1.cfg").read_text() == "new\n"
    assert leftover.read_text() == "someone else's\n"
