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


MAX_OUTPUT_BYTES = 512 * 1024 * 1024
"""The most of any file that is read without a limit of its own (the output folder's
papers and packs, for their digests): a pack of 200 papers is a few tens of MB, and a
larger file there is not one scoper made."""


def _read(path: Path, limit: int | None, follow: bool = True) -> bytes | None:
    """Up to ``limit`` (else :data:`MAX_OUTPUT_BYTES`) bytes of a regular file; None for
    anything else, or one larger. ``follow=False``: a symbolic link is not followed (None)."""
    limit = MAX_OUTPUT_BYTES if limit is None else limit
    flags = _FLAGS if follow else _FLAGS | getattr(os, "O_NOFOLLOW", 0)
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        descriptor = os.open(path, flags)
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
            return None  # (a sparse file of gigabytes is refused before it is read)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def read_limited(path: Path, limit: int, follow: bool = True) -> bytes | None:
    """All of a regular file of at most ``limit`` bytes; None for anything else (with
    ``follow=False``, a symbolic link too)."""
    return _read(path, limit, follow)


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

    def read_as(self, path: Path, data: bytes) -> None:
        """The brief at ``path`` was read as ``data`` (by the loader): its digest for the
        rest of the run is of those bytes, whatever the file holds by the time it is asked
        for, so what is recorded is what the papers were made from."""
        self._digests[Path(os.path.abspath(path))] = digest_of(data)

    def forget(self, path: Path) -> None:
        """Drop the bytes kept of ``path`` (its digest stays known)."""
        self._data.pop(Path(os.path.abspath(path)), None)

    def wrote(self, path: Path, data: bytes) -> None:
        """This run wrote ``data`` to ``path``: what is known of it is now that."""
        key = Path(os.path.abspath(path))
        self._data[key] = data
        self._digests[key] = digest_of(data)
