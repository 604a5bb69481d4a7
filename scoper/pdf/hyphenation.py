"""The hyphenation dictionary, read once per run rather than once per paper.

WeasyPrint hyphenates with pyphen, which parses its ``hyph_en_GB.dic`` (14,000 patterns)
the first time a process hyphenates, about a tenth of a second: in every forked renderer,
that is every paper. The renderer's worker loads it before it forks, so each paper starts
with it; and it is kept, parsed, in the user's cache (as JSON: plain data, nothing run), so
a one-paper build reads it in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import json
import os

LANGUAGES = ("en_GB",)
"""The languages papers are written in (``<html lang="en-GB">``)."""


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


def _dictionary(pyphen: object, path: os.PathLike[str]) -> object:
    from scoper.usercache import cache_folder, library_stamp

    hyph_dict = pyphen.HyphDict  # type: ignore[attr-defined]
    found = os.stat(path)
    folder = cache_folder("hyphenation")
    name = f"{os.path.basename(path)}-{found.st_size:x}-{found.st_mtime_ns:x}"
    cached = folder / f"{name}-{library_stamp('pyphen')}.json" if folder else None
    if cached is not None and cached.is_file():
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            kept = json.loads(cached.read_text(encoding="utf-8"))
            loaded = hyph_dict.__new__(hyph_dict)
            loaded.patterns = {key: (start, tuple(values)) for key, (start, values) in kept.items()}
            loaded.cache = {}
            loaded.maxlen = max(len(key) for key in loaded.patterns)
            return loaded
    parsed = hyph_dict(path)
    # Only plain patterns are kept: a dictionary with alternative spellings (pyphen's
    # DataInt values) is parsed every time, as pyphen would.
    plain = all(type(value) is int for _, values in parsed.patterns.values() for value in values)
    if cached is not None and plain:
        from scoper.output import write_atomic

        data = {key: [start, list(values)] for key, (start, values) in parsed.patterns.items()}
        with contextlib.suppress(OSError):
            write_atomic(cached, json.dumps(data, separators=(",", ":")).encode("utf-8"))
    return parsed
