"""Text that is safe to print: brief text and file names may carry escape sequences."""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1: escape sequences, a newline that would split the
# `path:line:` format), the marks that reorder text shown (so a name cannot read
# backwards), line and paragraph separators, and lone surrogates (which cannot be
# encoded, and would stop the printing).
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
# The same, but for the whitespace between JSON's tokens (json.dumps escapes the C0
# characters inside its strings itself).
_UNSAFE_IN_JSON = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str) -> str:
    """``text`` with every character that a terminal would act on, or that would change
    how the line reads, written as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    if text.isascii() and text.isprintable():
        # Nothing to escape; and the patterns, kept as text, are compiled (by re, once)
        # only when needed: a class reaching the surrogates takes half a millisecond.
        return text
    return re.sub(_UNSAFE, _escape, text)


def printable_json(text: str) -> str:
    """JSON text with the same characters written as JSON escapes (``\\u001b``), so it
    stays valid JSON with the same values (they can only be inside its strings)."""
    return re.sub(_UNSAFE_IN_JSON, lambda match: f"\\u{ord(match[0]):04x}", text)
