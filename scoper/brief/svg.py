"""How much drawing an SVG image asks for, measured before any renderer sees it.

A few kilobytes of SVG can ask for millions of shapes: each ``<use>`` draws a copy of
what it names, which may itself be ten ``<use>`` of the next, and so on. The renderer
would spend minutes and gigabytes on such a file, so an image is measured here, with the
references expanded, and refused above the limits.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

MAX_SVG_DRAWN = 20_000
"""Elements an SVG may draw once its references are expanded (a chart draws a few
thousand; 20,000 take the renderer about two seconds)."""
MAX_SVG_DEPTH = 100
"""Elements nested inside one another."""

_URL_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_HREF = ("href", "http://www.w3.org/1999/xlink href")


class SvgRefused(Exception):
    """The SVG asks for more than a paper's image may; the message says what."""


@dataclass(slots=True)
class _Element:
    children: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def check_svg(data: bytes) -> None:
    """Raise :class:`SvgRefused` unless ``data`` is an SVG within the limits."""
    elements: list[_Element] = []
    ids: dict[str, int] = {}
    open_elements: list[int] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if len(open_elements) >= MAX_SVG_DEPTH:
            raise SvgRefused(f"its elements are nested more than {MAX_SVG_DEPTH} deep")
        if len(elements) >= MAX_SVG_DRAWN:
            raise SvgRefused(f"it has more than {MAX_SVG_DRAWN:,} elements")
        index = len(elements)
        element = _Element()
        elements.append(element)
        if open_elements:
            elements[open_elements[-1]].children.append(index)
        open_elements.append(index)
        if "id" in attributes:
            ids.setdefault(attributes["id"], index)
        for key, value in attributes.items():
            if key in _HREF and value.strip().startswith("#"):
                element.refs.append(value.strip()[1:])
            else:
                element.refs += _URL_REF.findall(value)

    def end(name: str) -> None:
        open_elements.pop()

    def refuse_entity(*_: object) -> None:
        raise SvgRefused("it declares XML entities")

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise SvgRefused(f"it is not well-formed XML ({error})") from None
    if not elements:
        raise SvgRefused("it has no elements")
    drawn = _drawn(elements, ids)
    if drawn > MAX_SVG_DRAWN:
        raise SvgRefused(
            f"it draws more than {MAX_SVG_DRAWN:,} elements once its references (<use>, "
            "url(#...)) are expanded"
        )


def _drawn(elements: list[_Element], ids: dict[str, int]) -> int:
    """Elements drawn from the root, each reference counted as a copy of what it names
    (at most MAX_SVG_DRAWN + 1: past that the exact number does not matter)."""
    cap = MAX_SVG_DRAWN + 1
    cost: dict[int, int] = {}
    visiting: set[int] = set()
    # Depth-first without recursion: a chain of references may be thousands long.
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        index, expanded = stack.pop()
        if index in cost:
            continue
        element = elements[index]
        targets = element.children + [ids[ref] for ref in element.refs if ref in ids]
        if expanded:
            visiting.discard(index)
            cost[index] = min(cap, 1 + sum(cost[target] for target in targets))
            continue
        if index in visiting:
            continue
        visiting.add(index)
        stack.append((index, True))
        for target in targets:
            if target in visiting:
                raise SvgRefused("it has an element that refers to itself")
            if target not in cost:
                stack.append((target, False))
    return cost[0]
