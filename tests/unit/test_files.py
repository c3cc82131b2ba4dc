"""Writing a file so that no reader ever sees half of it (nornir_pack.files)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
