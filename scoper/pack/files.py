"""Reading the files a pack depends on: only regular files, never more than a limit, each
at most once in a run.

A brief's folder, its images and the output folder are untrusted: a name may be a FIFO
(opening it would wait for ever), a device (``/dev/zero`` never ends) or a link to
anything. So every read here opens without blocking, looks at what it opened, and reads
no more than it allows.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _read(path: Path, limit: int | None) -> bytes | None:
    """Up to ``limit`` bytes of a regular file; None for anything else, or one larger."""
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        descriptor = os.open(path, _FLAGS)
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        chunks: list[bytes] = []
        size = 0
        while limit is None or size <= limit:
            chunk = os.read(descriptor, 1 << 20 if limit is None else min(1 << 20, limit + 1))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if limit is not None and size > limit:
            return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def read_limited(path: Path, limit: int) -> bytes | None:
    """All of a regular file of at most ``limit`` bytes; None for anything else."""
    return _read(path, limit)


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (nothing for anything else)."""
    try:
        descriptor = os.open(path, _FLAGS)
    except (OSError, ValueError):
        return b""
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return b""
        return os.read(descriptor, size)
    except OSError:
        return b""
    finally:
        os.close(descriptor)


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RunFiles:
    """The files of one run, each read at most once: their digests (and, for the outputs
    the run reuses, their bytes) are kept for the rest of the run."""

    def __init__(self) -> None:
        self._digests: dict[Path, str | None] = {}
        self._data: dict[Path, bytes | None] = {}

    def digest(self, path: Path, limit: int | None) -> str | None:
        """The SHA-256 of a regular file of at most ``limit`` bytes; None for anything else."""
        key = Path(os.path.abspath(path))
        if key not in self._digests:
            data = _read(key, limit)  # (``data`` always records the digest too)
            self._digests[key] = None if data is None else digest_of(data)
        return self._digests[key]

    def data(self, path: Path) -> bytes | None:
        """The bytes of an output file (a regular file), kept for the run."""
        key = Path(os.path.abspath(path))
        if key not in self._data:
            self._data[key] = _read(key, None)
            data = self._data[key]
            self._digests[key] = None if data is None else digest_of(data)
        return self._data[key]

    def wrote(self, path: Path, data: bytes) -> None:
        """This run wrote ``data`` to ``path``: what is known of it is now that."""
        key = Path(os.path.abspath(path))
        self._data[key] = data
        self._digests[key] = digest_of(data)
