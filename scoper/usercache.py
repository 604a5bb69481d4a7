"""The user's cache folder (XDG_CACHE_HOME, else ~/.cache): what is slow to make and the
same every time (compiled templates, drawn charts) is kept there between runs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(name: str) -> Path | None:
    """``scoper/NAME`` in the user's cache, made if need be; None if it cannot be written
    (then nothing is kept, and everything is made afresh)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "scoper" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


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
