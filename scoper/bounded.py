"""Reading a file no further than a limit: a regular file only (a FIFO would block, a
device never end), never more than the limit and one byte. In a module of its own, with
nothing heavy imported, so that the renderer can use it before it has loaded anything."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def read_at_most(path: Path, limit: int, inside: Path | None = None) -> bytes:
    """A regular file's bytes, refusing anything else (a FIFO would block, a device never
    end) and never reading more than ``limit`` + 1 bytes, so a file that grows as it is
    read cannot take all memory. Raises OSError, or ValueError when over ``limit``.

    With ``inside`` (a resolved folder), ``path`` (resolved too) is opened without
    following a link at its last step, and the file opened must be inside that folder
    (checked, where Linux says, on the open file itself): a link swapped in after the path
    was checked is never read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if inside is not None:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)  # non-blocking: opening a FIFO must not wait for a writer
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if inside is not None and not _opened_inside(fd, inside):
            raise OSError(errno.EACCES, "not inside the brief's folder")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise ValueError(f"more than {limit} bytes")
    return data


def _opened_inside(fd: int, folder: Path) -> bool:
    """Whether the file open as ``fd`` is inside ``folder``, by the path the system gives
    for the open file (a folder on its way swapped for a link shows there); True where
    the system gives none."""
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return True
    return Path(opened).is_relative_to(folder)
