"""Figures in print: a figure that does not fit at the foot of a page may be put after the
block of text that follows it, so that the text fills the page instead of a blank gap.

WeasyPrint has no page floats, so the PDF renderer lays the paper out, finds any figure
pushed to the next page, and lays it out again with the figure after its next block
(:func:`swapped`). The prose renderer marks each figure that may move, with the block that
may go before it (:func:`scoper.render.prose.float_mark`); this module only moves marked
text, so the operation is exact. Numbers and cross-references are unchanged: they come from
the model, not from the order of the page.
"""

from __future__ import annotations

import re

_MARK = re.compile(r"<!--scoper:float ([^\s<>]+)-->")


def float_mark(kind: str, anchor: str) -> str:
    """One of the three marks around a figure and the block after it: ``float`` before the
    figure, ``float-next`` before the block, ``float-end`` after it."""
    return f"<!--scoper:{kind} {anchor}-->"


def movable(html: str) -> list[str]:
    """The ids of the figures in ``html`` that may be put after their next block."""
    return [anchor for anchor in _MARK.findall(html) if _bounds(html, anchor) is not None]


def swapped(html: str, anchors: list[str]) -> str:
    """``html`` with each named figure put after the block that follows it."""
    for anchor in anchors:
        bounds = _bounds(html, anchor)
        if bounds is None:
            continue
        start, figure, block, end = bounds
        # The marks go with the swap: a figure moved once is not moved back.
        html = html[:start] + block + figure + html[end:]
    return html


def _bounds(html: str, anchor: str) -> tuple[int, str, str, int] | None:
    """Where the marked run starts, the figure, the block after it, and where the run ends;
    ``None`` unless each mark is there once, in order."""
    marks = [float_mark(kind, anchor) for kind in ("float", "float-next", "float-end")]
    if any(html.count(mark) != 1 for mark in marks):
        return None
    start, middle, end = (html.index(mark) for mark in marks)
    if not start < middle < end:
        return None
    figure = html[start + len(marks[0]) : middle]
    block = html[middle + len(marks[1]) : end]
    return start, figure, block, end + len(marks[2])
