"""WeasyPrint's HTML parser (tinyhtml5) with its cache of patterns mended.

The parser reads text up to the next character of interest (``<``, ``&``, a quote, a space)
with a regular expression made from those characters, kept in a module-level cache. The
cache is written with a chained assignment (``characters = cache[(characters, opposite)] =
regex``) that rebinds ``characters`` to the pattern before the key is made, so each
pattern is filed under a key no look-up ever asks for: every look-up misses, and the
pattern is written out and looked up in ``re``'s own cache again, about 2,500 times a
paper, a third of the parse (measured over the 53 layouts of the benchmark's pack: 1.16–1.22 s
of parsing, 0.76–0.88 s mended). A cache that makes a missing pattern on look-up, exactly
as the parser would, never misses; the parser's code and the patterns are unchanged, and
so is every tree it builds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class _Patterns(dict[tuple[Iterable[str], bool], re.Pattern[str]]):
    """The parser's cache, filled on look-up with the pattern the parser itself makes."""

    def __missing__(self, key: tuple[Iterable[str], bool]) -> re.Pattern[str]:
        characters, opposite = key
        pattern = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            pattern = f"^{pattern}"
        compiled = self[key] = re.compile(f"[{pattern}]+")
        return compiled


def mend() -> bool:
    """Give the parser the cache that fills itself; False if this tinyhtml5 has no such
    cache (then it is left as it is)."""
    try:
        from tinyhtml5 import inputstream
    except ImportError:
        return False
    cache = getattr(inputstream, "characters_until_regex", None)
    if isinstance(cache, _Patterns):
        return True
    if not isinstance(cache, dict):
        return False
    mended = _Patterns()
    mended.update(cache)
    inputstream.characters_until_regex = mended
    return True
