"""Writing outputs safely: names that cannot leave the output folder, and atomic writes."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import stat
import threading
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,120}$")


_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
"""Names Windows keeps for devices, with any extension: ``con.html`` cannot be opened,
copied to a shared drive or e-mailed from there."""


def portable_stem(stem: str) -> str:
    """``stem``, with ``-paper`` after it if Windows reserves it (``con`` -> ``con-paper``),
    so that every output can be a file on every system the unit uses."""
    return f"{stem}-paper" if _RESERVED.match(stem) else stem


def output_path(folder: Path, slug: str, extension: str) -> Path:
    """``folder/slug.extension``; the slug must be a plain, portable file-name stem."""
    if not _SAFE_NAME.match(slug) or _RESERVED.match(slug):
        raise ValueError(f"unsafe output name {slug!r}")
    return folder / f"{slug}.{extension}"


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux's
    /proc): setting it to read it back would, for a moment, apply to other threads' files."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write all of ``data`` or nothing: readers see the old file or the new one, never part.

    The bytes go to a temporary file in the same folder, are flushed to disk, and then
    replace the target in one rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _temporary(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            # The file is made 0600; an output is made as any file the user makes, so a
            # writer whose umask is 077 keeps a TOP SECRET paper to themselves. Set on the
            # open file, never by name: in a folder others can write to, the name may by
            # now be a link to one of the user's own files.
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), 0o666 & ~current_umask())
            else:
                os.chmod(temporary, 0o666 & ~current_umask())
            os.fsync(stream.fileno())
            written = os.fstat(stream.fileno())
            _same_file(temporary, written)
            os.replace(temporary, path)
            # What was renamed into place must be the file written: were it swapped for a
            # link between the check and the rename, the link is taken away again.
            if not _is_file(path, written):
                with contextlib.suppress(OSError):
                    os.unlink(path)
                raise OSError(errno.EEXIST, "the output folder changed while writing", str(path))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)  # a link swapped in is removed, never what it points to
        raise
    _remove_leftovers(path)


def _is_file(name: str | Path, written: os.stat_result | None) -> bool:
    """Whether ``name`` is (still) a regular file, and the one ``written`` describes."""
    try:
        found = os.lstat(name)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(found.st_mode):
        return False
    return written is None or (found.st_dev, found.st_ino) == (written.st_dev, written.st_ino)


def _same_file(temporary: str, written: os.stat_result) -> None:
    if not _is_file(temporary, written):
        raise OSError(
            errno.EEXIST, "the output folder changed while writing (a file swapped)", temporary
        )


def _temporary(path: Path) -> tuple[int, str]:
    """A new file beside ``path``, named ``.NAME.XXXX.tmp``, opened as ``tempfile.mkstemp``
    opens one (created, never an existing file or a link, readable by the user alone).
    Written here because the tempfile module (with random) costs a Word-only build more to
    import than this does to run."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(temporary, flags, 0o600), temporary
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free name for a temporary file", str(path.parent))


def _remove_leftovers(path: Path, older_than: float = 60) -> None:
    """Temporary files that a killed run left beside this output. A run in progress keeps
    writing its own, so only old ones go."""
    import time

    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.stat().st_mtime > older_than:
                leftover.unlink()


class PinnedFolder:
    """A folder that scoper writes into, reached through the folder itself rather than its
    name: on Linux, ``/proc/self/fd/N`` of a descriptor opened on it (without following a
    link) goes on naming that folder even if someone renames it and puts a link in its
    place. A folder that others can write to (an output folder, ``OUTPUT/public``) could
    otherwise be swapped for a link while a pack is written, and the pack written wherever
    the link points. Elsewhere (no /proc), the folder's name is used, as checked once.

    ``path`` is where to read and write; ``shown(text)`` puts the folder's own name back in
    a message."""

    def __init__(self, folder: Path) -> None:
        self.name = folder
        self.path = folder
        self.opened = False
        """Whether the folder was opened as a folder (not a link, a file, or missing)."""
        flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            descriptor = os.open(folder, flags | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return  # no such folder yet, or not one: the caller's own checks report it
        self.opened = True
        pinned = Path(f"/proc/self/fd/{descriptor}")
        if not os.path.isdir(pinned):
            os.close(descriptor)
            return
        self.path = pinned
        import weakref

        # Closed when the folder is no longer used (the preview makes many packs).
        weakref.finalize(self, os.close, descriptor)

    def shown(self, text: str) -> str:
        return text.replace(str(self.path), str(self.name)) if self.path != self.name else text
