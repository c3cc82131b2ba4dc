"""Writing files so that a reader never sees half of one (backups, reports, lab state)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable
from pathlib import Path

# A new file of the owner's only (as tempfile's), never through a symlink, written as bytes.
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_numbers = itertools.count()


def write_atomic(path: Path, text: str, fsync: Callable[[int], None] = os.fsync) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``.

    A crash or a full disk leaves the previous file intact, never a truncated one. ``fsync``
    flushes the temporary file before the rename (a host's greenlet passes one that waits
    on a thread, ``greenlets.blocking``). The text is written as UTF-8 with its line ends as
    they are, by thin system calls: a thousand-host backup calls this on its event loop's
    thread, where each step is time taken from every other host.
    """
    data = memoryview(text.encode("utf-8"))
    temporary, handle = _create_beside(path)
    try:
        try:
            while data:
                data = data[os.write(handle, data) :]
            fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _create_beside(path: Path) -> tuple[str, int]:
    """A new private file beside ``path``, named by this process and a counter (tempfile's
    random names cost more at a thousand files a run); the folder is made on first need."""
    made_folder = False
    while True:
        temporary = os.path.join(path.parent, f".{path.name}.{os.getpid()}.{next(_numbers)}.tmp")
        try:
            return temporary, os.open(temporary, _CREATE, 0o600)
        except FileExistsError:
            continue  # left behind by a crashed run of a process with this process's id
        except FileNotFoundError:
            if made_folder:
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
            made_folder = True
