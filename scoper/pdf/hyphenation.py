"""The hyphenation dictionary, read once per run rather than once per paper.

WeasyPrint hyphenates with pyphen, which parses its ``hyph_en_GB.dic`` (14,000 patterns)
the first time a process hyphenates, about a tenth of a second: in every forked renderer,
that is every paper. The renderer's worker loads it before it forks, so each paper starts
with it; and it is kept, parsed, in the user's cache (plain data in marshal's form, checked
as it is read: nothing in it is run), so a one-paper build reads it in about 14 ms. (It was
kept as JSON, which took 27 ms to read back, first thing in every renderer.)
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

LANGUAGES = ("en_GB",)
"""The languages papers are written in (``<html lang="en-GB">``)."""

FORMAT = b"scoper: pyphen's hyphenation patterns, 1\n"
"""The first line of a kept dictionary; its number changes with what follows it."""
MAX_KEPT_BYTES = 16 << 20
"""The British dictionary takes 370 KB."""


def preload(languages: tuple[str, ...] = LANGUAGES) -> None:
    """Put each language's parsed dictionary in pyphen's own cache of dictionaries."""
    import pyphen

    for language in languages:
        found = pyphen.language_fallback(language)
        path = pyphen.LANGUAGES.get(found) if found else None
        if path is None or path in pyphen.hdcache:
            continue
        with contextlib.suppress(Exception):  # at worst, pyphen reads it itself, as before
            pyphen.hdcache[path] = _dictionary(pyphen, path)


def _dictionary(pyphen: Any, path: os.PathLike[str]) -> object:
    from scoper.usercache import cache_folder, keep, library_stamp, read_kept

    hyph_dict = pyphen.HyphDict
    found = os.stat(path)
    folder = cache_folder("hyphenation")
    name = f"{os.path.basename(path)}-{found.st_size:x}-{found.st_mtime_ns:x}"
    cached = folder / f"{name}-{library_stamp('pyphen')}.patterns" if folder else None
    patterns = _patterns(read_kept(cached, FORMAT, MAX_KEPT_BYTES)) if cached else None
    if patterns:
        loaded = hyph_dict.__new__(hyph_dict)
        loaded.patterns = patterns
        loaded.cache = {}
        loaded.maxlen = max(len(key) for key in patterns)
        return loaded
    parsed = hyph_dict(path)
    # Only plain patterns are kept: a dictionary with alternative spellings (pyphen's
    # DataInt values) is parsed every time, as pyphen would.
    if cached is not None and _patterns(parsed.patterns):
        keep(cached, FORMAT, parsed.patterns)
        with contextlib.suppress(OSError):  # what earlier versions kept, read no more
            cached.with_suffix(".json").unlink(missing_ok=True)
    return parsed


def _patterns(value: object) -> dict[str, tuple[int, tuple[int, ...]]] | None:
    """``value`` if it has the shape of pyphen's parsed patterns (each a string, with the
    offset of its first value and its values, plain numbers), else None."""
    if type(value) is not dict:
        return None
    # Kinds of things counted in sets rather than item by item: this runs first thing in
    # every renderer.
    patterns = value.values()
    if (
        {type(key) for key in value} <= {str}
        and {type(pattern) for pattern in patterns} <= {tuple}
        and {len(pattern) for pattern in patterns} <= {2}
        and {type(start) for start, _ in patterns} <= {int}
        and {type(numbers) for _, numbers in patterns} <= {tuple}
        and {type(number) for _, numbers in patterns for number in numbers} <= {int}
    ):
        return value
    return None
