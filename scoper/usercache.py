"""The user's cache folder (XDG_CACHE_HOME, else ~/.cache): what is slow to make and the
same every time (compiled templates, drawn charts) is kept there between runs."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any


def cache_folder(name: str) -> Path | None:
    """``scoper/NAME`` in the user's cache, made if need be (mode 0700); None if it cannot
    be written or someone else could change it (then nothing is kept, and everything is
    made afresh).

    What is kept is trusted as scoper's own output: compiled templates are run, drawn
    charts and pictures are put in papers. So, as for a project's ``scoper.toml``, a cache
    someone else could change is not used: the cache folder (``XDG_CACHE_HOME``, else
    ``~/.cache``) must be the user's own and writable by no one else, and so must every
    folder above it unless it is the system's (root's) or sticky like /tmp; scoper's own
    folders in it are made, and kept, 0700."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"))
    if not base.is_absolute():  # the XDG spec: a relative path is invalid, and ignored
        base = Path(os.path.expanduser("~")) / ".cache"
        if not base.is_absolute():
            return None
    folder = base / "scoper" / name
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        for made in (base / "scoper", folder):
            made.mkdir(exist_ok=True, mode=0o700)
    except OSError:
        return None
    if not _private(base, folder):
        return None
    return folder if os.access(folder, os.W_OK) else None


def others_can_write(path: Path) -> str | None:
    """Why someone other than this user (or the system) could change ``path``, or None:
    writable by everyone, writable by a group and owned by someone else, or owned by
    another user. A folder everyone may write to with the sticky bit (like /tmp) lets
    each change only their own files, which the owner check covers."""
    if not hasattr(os, "getuid"):  # Windows: its permissions are not POSIX bits
        return None
    try:
        info = path.stat()  # of what a link points to: who can replace a link is the folder's
    except OSError:
        return None
    me = os.getuid()
    mode = info.st_mode
    if info.st_uid not in (me, 0):
        return f"it belongs to another user (uid {info.st_uid})"
    if mode & stat.S_IWOTH and not (stat.S_ISDIR(mode) and mode & stat.S_ISVTX):
        return "everyone may write to it"
    if mode & stat.S_IWGRP and info.st_uid != me:
        return "a group may write to it and it is not yours"
    return None


def _private(base: Path, folder: Path) -> bool:
    """Whether only this user (and root) can change what is in ``folder``: see
    :func:`cache_folder`. Scoper's own folders that others could read are made 0700 (the
    chart cache keeps the numbers of charts of any marking); one others may write to is
    refused, not mended, since what they put in it may already be there."""
    if not hasattr(os, "getuid"):  # Windows: its permissions are not POSIX bits
        return True
    me = os.getuid()
    try:
        resolved = base.resolve(strict=True)
        for above in resolved.parents:
            if others_can_write(above) is not None:
                return False
        for owned in (base, base / "scoper", folder):
            info = owned.stat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != me:
                return False
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False  # what others may have put in it is not used, even once
            if owned != base and info.st_mode & 0o077:
                os.chmod(owned, 0o700)
    except (OSError, RuntimeError):
        return False
    return True


def library_stamp(package: str) -> str:
    """A short name for the installed copy of ``package``, for cache keys: what is drawn
    by one version of a library is not reused after it is upgraded. Read from its files'
    size and time rather than its metadata, whose reader takes longer to load than an
    HTML paper takes to write."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        found = os.stat(origin) if origin else None
    except (ImportError, OSError, ValueError):
        found = None
    if found is None:
        return "unknown"
    return f"{found.st_size:x}-{found.st_mtime_ns:x}"


def read_kept(path: Path, form: bytes, max_bytes: int) -> object | None:
    """What :func:`keep` kept in ``path`` with first line ``form``, or None when it is
    missing, larger than ``max_bytes``, of another form, or damaged on disk (its digest
    does not match). The caller checks the value's shape: marshal makes values of its own
    kinds only (numbers, strings, bytes and containers of them, and code objects, which a
    caller that wants data refuses), and runs nothing as it reads."""
    import hashlib
    import marshal

    from scoper.bounded import read_at_most

    try:
        data = read_at_most(path, max_bytes)
    except (OSError, ValueError):  # missing, not a regular file, too large
        return None
    if not data.startswith(form):
        return None
    digest, _, payload = data[len(form) :].partition(b"\n")
    if digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def keep(path: Path, form: bytes, value: Any) -> None:
    """Keep ``value`` (numbers, strings, bytes, and tuples, lists and dicts of them) in
    ``path``, for :func:`read_kept`: ``form`` (one line, naming what it is and its format's
    number), a digest of what follows, then the value in marshal's form, which reads back
    several times faster than JSON. Written as every output is (:func:`write_atomic`:
    whole or not at all, and what a killed writer left is cleared); nothing is kept when it
    cannot be written, or marshal cannot write the value."""
    import contextlib
    import hashlib
    import marshal

    from scoper.output import write_atomic

    try:
        payload = marshal.dumps(value)
    except ValueError:
        return
    with contextlib.suppress(OSError):
        write_atomic(path, form + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
