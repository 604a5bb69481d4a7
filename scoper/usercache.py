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
