"""Numbered figures and tables: which blocks of a brief's prose are figures (a picture on its
own line, a table drawn as a chart) or tables, their numbers, captions and source lines.

Format-neutral, like :mod:`scoper.brief.prose`: the HTML and Word writers both ask this module,
so "Figure 2" is the same picture in every output. A figure's caption is its image's title; a
table's is a paragraph directly after it that starts with ``Table:``; text after "Source:" in
a caption is its source line (brief format, version 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal

from markdown_it.token import Token
from msgspec import Struct, field

from scoper.brief.model import Brief
from scoper.brief.prose import Prose

CHART_TYPES = ("bar", "line", "stacked-bar")
_TABLE_CAPTION = re.compile(r"^\s*Table:\s*", re.IGNORECASE)
_SOURCE = re.compile(r"\bSource:\s*", re.IGNORECASE)


class Numbered(Struct, frozen=True):
    """A figure or table of the paper, with its number and caption."""

    kind: Literal["figure", "table"]
    number: int
    caption: list[Token] = field(default_factory=list)
    """The caption's inline tokens (without "Table:" and without the source line)."""
    source: list[Token] = field(default_factory=list)
    """The source line's inline tokens (without "Source:")."""
    chart: dict[str, str] | None = None
    """A table drawn as a chart: its options (``type``, ``highlight``)."""
    caption_block: int | None = None
    """The id of the ``Table:`` paragraph's first token, which the writers skip."""

    @property
    def anchor(self) -> str:
        return f"{'fig' if self.kind == 'figure' else 'table'}-{self.number}"

    @property
    def label(self) -> str:
        return f"{'Figure' if self.kind == 'figure' else 'Table'} {self.number}"


def document_prose(brief: Brief) -> Iterator[Prose]:
    """The prose whose blocks are the paper's own (not inside items), in document order."""
    yield brief.preamble
    for section in brief.sections:
        yield section.intro
        yield section.outro


def numbering(brief: Brief) -> dict[int, Numbered]:
    """Every figure and table of the paper, by the id of its block's first token; a caption
    paragraph's id maps to its table's entry too, so a writer knows to skip it."""
    found: dict[int, Numbered] = {}
    counts = {"figure": 0, "table": 0}
    for prose in document_prose(brief):
        blocks = list(prose.blocks())
        for index, block in enumerate(blocks):
            entry = _numbered(block, blocks[index + 1] if index + 1 < len(blocks) else None)
            if entry is None:
                continue
            counts[entry.kind] += 1
            entry = Numbered(
                entry.kind,
                counts[entry.kind],
                entry.caption,
                entry.source,
                entry.chart,
                entry.caption_block,
            )
            found[id(block[0])] = entry
            if entry.caption_block is not None:
                found[entry.caption_block] = entry
    return found


def may_hold_figures(prose: Prose) -> bool:
    """Cheap test before numbering the whole paper: does this prose hold a table or a
    picture at all?"""
    return any(
        token.type in ("table_open", "inline") and _is_candidate(token) for token in prose.tokens
    )


def _is_candidate(token: Token) -> bool:
    if token.type == "table_open":
        return True
    return any(child.type == "image" for child in token.children or [])


def _numbered(block: Sequence[Token], following: Sequence[Token] | None) -> Numbered | None:
    first = block[0]
    if first.type == "table_open":
        caption: list[Token] = []
        source: list[Token] = []
        caption_block = None
        if following is not None and _is_table_caption(following):
            caption, source = split_source(_strip_prefix(list(following[1].children or [])))
            caption_block = id(following[0])
        chart = first.meta.get("chart")
        if chart is not None and chart_table(block) is not None:
            return Numbered("figure", 0, caption, source, dict(chart), caption_block)
        return Numbered("table", 0, caption, source, None, caption_block)
    image = figure_image(block)
    if image is not None:
        title = str(image.attrGet("title") or "")
        caption, source = split_source([Token("text", "", 0, content=title)] if title else [])
        return Numbered("figure", 0, caption, source)
    return None


def figure_image(block: Sequence[Token]) -> Token | None:
    """The image of a paragraph that holds nothing else: a figure."""
    if len(block) != 3 or block[0].type != "paragraph_open":
        return None
    children = [
        child
        for child in block[1].children or []
        if not (
            child.type in ("softbreak", "hardbreak")
            or (child.type == "text" and not child.content.strip())
        )
    ]
    if len(children) == 1 and children[0].type == "image":
        return children[0]
    return None


def _is_table_caption(block: Sequence[Token]) -> bool:
    return (
        len(block) == 3
        and block[0].type == "paragraph_open"
        and bool(_TABLE_CAPTION.match(block[1].content))
    )


def _strip_prefix(children: list[Token]) -> list[Token]:
    if children and children[0].type == "text":
        first = children[0].copy()
        first.content = _TABLE_CAPTION.sub("", first.content, count=1)
        return [first, *children[1:]]
    return children


def split_source(children: list[Token]) -> tuple[list[Token], list[Token]]:
    """Inline tokens split at the first "Source:" in their text: (caption, source)."""
    for index, child in enumerate(children):
        if child.type != "text":
            continue
        match = _SOURCE.search(child.content)
        if match is None:
            continue
        before, after = child.copy(), child.copy()
        before.content = child.content[: match.start()].rstrip()
        after.content = child.content[match.end() :]
        caption = [*children[:index], before] if before.content else children[:index]
        source = [after, *children[index + 1 :]] if after.content else children[index + 1 :]
        return caption, source
    return children, []


class ChartData(Struct, frozen=True):
    """A table of numbers: the first column's categories, each further column a series."""

    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    heading: str
    """The first column's heading (what the categories are)."""


_NUMBER = re.compile(r"^[£$€]?\s*(-?[\d,]*\.?\d+)\s*(%|[kmb]n?)?$", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    try:
        return float(match[1].replace(",", ""))
    except ValueError:
        return None


def chart_table(block: Sequence[Token]) -> ChartData | None:
    """The table's numbers, or None when it is not a table of numbers (then it stays a
    table)."""
    from scoper.brief.prose import plain_inline

    rows: list[list[str]] = []
    for token in block:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(plain_inline(token).strip())
    if len(rows) < 2 or len(rows[0]) < 2:
        return None
    header, body = rows[0], rows[1:]
    series: list[tuple[str, list[float | None]]] = []
    for column in range(1, len(header)):
        values = [parse_number(row[column]) if column < len(row) else None for row in body]
        if all(value is None for value in values):
            return None
        series.append((header[column], values))
    return ChartData([row[0] if row else "" for row in body], series, header[0])
