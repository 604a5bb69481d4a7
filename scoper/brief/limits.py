"""Caps on what a brief's body may hold, so that no brief within the size limit can make
reading or laying it out take minutes and gigabytes.

A scoping paper is a few pages; these caps are far above any real one, and far below what
stalls the Markdown parser (about a second for every hundred thousand markup characters)
or the PDF layout (about two seconds for every thousand links or list items). The text is measured
before it is parsed, the tokens after; each cap crossed is a problem at the line where it
was crossed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.token import Token

from scoper.problems import Problem, problem

MAX_LINES = 10_000
"""Lines in the body of a brief."""
MAX_LIST_ITEMS = 4_000
"""List items in the whole brief, fields of items included."""
MAX_FOOTNOTES = 1_000
"""Footnote definitions."""
MAX_BRACKETS = 5_000
"""``[`` characters: each may start a link, an image or a footnote, which the parser
looks ahead for."""
MAX_MARKUP = 20_000
"""Other characters that may be inline markup: ``* _ ` ~ < & | \\ !``."""
MAX_WORD = 2_000
"""Characters in one word (a run without spaces): a link's address may be long, but a
word longer than a line is broken letter by letter, and that layout is slow."""
MAX_TOKENS = 200_000
"""Tokens the parser makes of the body (a thousand-row table makes about 20,000)."""

_LIST_ITEM = re.compile(r"^[ \t>]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)
_FOOTNOTE = re.compile(r"^[ \t>]*\[\^[^\]\n]+\]:", re.MULTILINE)
_MARKUP = re.compile(r"[*_`~<&|\\!]")
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")


def text_limits(body: str, path: str, first_line: int) -> list[Problem]:
    """Problems for a body (brief line ``first_line`` onwards) past a cap, measured on
    the text alone, in time linear in its length."""

    def line_at(offset: int) -> int:
        return first_line + body.count("\n", 0, offset)

    lines = body.count("\n") + 1
    if lines > MAX_LINES:
        return [
            problem(
                path,
                first_line + MAX_LINES,
                "too-many",
                f"the brief has {lines:,} lines; a brief may have {MAX_LINES:,} at most",
            )
        ]
    found: list[Problem] = []
    for pattern, cap, what in (
        (_LIST_ITEM, MAX_LIST_ITEMS, "list items"),
        (_FOOTNOTE, MAX_FOOTNOTES, "footnotes"),
        (re.compile(r"\["), MAX_BRACKETS, "'[' characters (links, images, footnotes)"),
        (_MARKUP, MAX_MARKUP, "markup characters (* _ ` ~ < & | \\ !)"),
    ):
        over = _nth(pattern.finditer(body), cap)
        if over is not None:
            count = cap + 1 + sum(1 for _ in pattern.finditer(body, over + 1))
            found.append(
                problem(
                    path,
                    line_at(over),
                    "too-many",
                    f"the brief has {count:,} {what}; a brief may have {cap:,} at most "
                    "(this is the first past the limit)",
                )
            )
    word = _LONG_WORD.search(body)
    if word is not None:
        found.append(
            problem(
                path,
                line_at(word.start()),
                "too-large",
                f"a word of {word.end() - word.start():,} characters with no space; a word "
                f"may be {MAX_WORD:,} characters at most",
            )
        )
    return found


def token_limits(tokens: Sequence[Token], path: str, first_line: int) -> list[Problem]:
    """Problems for a parsed body past a cap on its tokens."""
    count = len(tokens) + sum(len(token.children or ()) for token in tokens)
    if count <= MAX_TOKENS:
        return []
    return [
        problem(
            path,
            first_line,
            "too-many",
            f"the brief makes {count:,} pieces of text and markup; a brief may make "
            f"{MAX_TOKENS:,} at most (shorten it, or put data in an annex)",
        )
    ]


def _nth(matches: Iterator[re.Match[str]], cap: int) -> int | None:
    """Where the match after the first ``cap`` starts, if there is one."""
    for number, match in enumerate(matches):
        if number == cap:
            return match.start()
    return None
