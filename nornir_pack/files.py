"""Writing files so that a reader never sees half of one (backups, reports, lab state)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, text: str, fsync: Callable[[int], None] = os.fsync) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``.

    A crash or a full disk leaves the previous file intact, never a truncated one. ``fsync``
    flushes the temporary file before the rename: a host's greenlet passes one that waits
    on a thread (``greenlets.blocking``), so only that call leaves the loop.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
