"""How much drawing an SVG image asks for, measured before any renderer sees it.

A few kilobytes of SVG can ask for millions of shapes: each ``<use>`` draws a copy of
what it names, which may itself be ten ``<use>`` of the next, and so on. The renderer
would spend minutes and gigabytes on such a file, so an image is measured here, with the
references expanded, and refused above the limits.
"""

from __future__ import annotations

import re
import xml.parsers.expat

from msgspec import Struct, field

MAX_SVG_DRAWN = 20_000
"""Elements an SVG may draw once its references are expanded (a chart draws a few
thousand; 20,000 take the renderer about two seconds)."""
MAX_SVG_DEPTH = 100
"""Elements nested inside one another."""

MAX_SVG_NESTING = 3
"""SVGs inside SVGs (as ``data:`` URIs), one inside the next."""

_URL_REF = re.compile(r"url\(\s*['\"]?#([^'\")\s]+)")
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_HREF = ("href", "http://www.w3.org/1999/xlink href")
_RASTER = ("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp")
PIXELS_PER_ELEMENT = 5_000
"""What a picture inside an SVG counts for in the drawing measure: one of the largest
allowed (25 megapixels) counts as 5,000 elements, so that drawing it many times over (by
``<use>``) is measured too."""


class SvgRefused(Exception):
    """The SVG asks for more than a paper's image may; the message says what."""


class _Element(Struct):
    children: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    weight: int = 1
    """What drawing the element itself costs: more than one when it draws a picture or
    an SVG it holds as a ``data:`` URI."""
    nested: list[str] = field(default_factory=list)
    """The ``data:`` URIs it names (in an attribute, or in CSS it holds)."""


class _Budget(Struct):
    """What the pictures inside an SVG, at any depth, may take together."""

    pixels: int = 0


def check_svg(data: bytes) -> None:
    """Raise :class:`SvgRefused` unless ``data`` is an SVG within the limits.

    Pictures an SVG holds as ``data:`` URIs (in ``<image>``, ``<feImage>``, any attribute
    or CSS) are measured too, since every renderer draws them: an SVG inside by the same
    rules (at most 3 deep), a PNG, JPEG, GIF or WebP by the pixels its header claims
    (together at most the limit of one image); anything else inside, a ``<foreignObject>``
    (HTML), and CSS that imports or escapes (which would hide a URI from this measure) are
    refused."""
    _check(data, 0, _Budget())


def _check(data: bytes, depth: int, budget: _Budget) -> int:
    """How many elements the SVG draws (see check_svg); raises SvgRefused."""
    elements: list[_Element] = []
    ids: dict[str, int] = {}
    open_elements: list[int] = []
    styles: dict[int, list[str]] = {}
    """The text of each <style> element, read whole when it ends (expat hands text over
    in pieces, which could split a URI)."""

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
        local = name.rpartition(" ")[2]
        if local == "foreignObject":
            raise SvgRefused("it holds a <foreignObject> (HTML inside the drawing)")
        if local == "style":
            styles[index] = []
        for key, value in attributes.items():
            if key in _HREF and value.strip().startswith("#"):
                element.refs.append(value.strip()[1:])
            else:
                element.refs += _URL_REF.findall(value)
            if key.rpartition(" ")[2] in ("href", "src") and value.strip()[:5].lower() == "data:":
                element.nested.append(value.strip())
            if key == "style":
                _read_css(value, element)
            else:
                element.nested += _data_urls(value)

    def end(name: str) -> None:
        index = open_elements.pop()
        if index in styles:
            _read_css("".join(styles[index]), elements[index])

    def text(content: str) -> None:
        # CSS in a <style> element (only there: other text draws nothing it could name).
        if open_elements and open_elements[-1] in styles:
            styles[open_elements[-1]].append(content)

    def refuse_entity(*_: object) -> None:
        raise SvgRefused("it declares XML entities")

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse_entity
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise SvgRefused(f"it is not well-formed XML ({error})") from None
    if not elements:
        raise SvgRefused("it has no elements")
    for element in elements:
        for uri in element.nested:
            element.weight += _measure_inside(uri, depth, budget)
    drawn = _drawn(elements, ids)
    if drawn > MAX_SVG_DRAWN:
        raise SvgRefused(
            f"it draws more than {MAX_SVG_DRAWN:,} elements once its references (<use>, "
            "url(#...)) and the pictures inside it are expanded"
        )
    return drawn


def _data_urls(value: str) -> list[str]:
    """The ``data:`` URIs named by ``url(...)`` in an attribute or CSS."""
    return [
        target.strip() for _, target in _URL.findall(value) if target.strip()[:5].lower() == "data:"
    ]


def _read_css(css: str, element: _Element) -> None:
    """CSS (a ``style`` attribute, a ``<style>`` element): its ``data:`` URIs are measured;
    an import, or an escape (``d\\61ta:`` is ``data:`` to a browser), is refused, since
    it would hide what the CSS names from this measure."""
    if "\\" in css or "@import" in css.lower():
        raise SvgRefused("its CSS imports or escapes, which scoper does not read")
    found = _data_urls(css)
    if css.lower().count("data:") > len(found):  # image-set("data:..."), a string
        raise SvgRefused("its CSS names a data: URI other than in url(...)")
    element.nested += found


def _measure_inside(uri: str, depth: int, budget: _Budget) -> int:
    """What a ``data:`` URI inside an SVG costs to draw, as elements; raises SvgRefused."""
    import base64
    import binascii
    from urllib.parse import unquote_to_bytes

    header, comma, payload = uri[5:].partition(",")
    if not comma:
        raise SvgRefused("it holds a data: URI that is not one")
    kind = header.split(";")[0].strip().lower()
    try:
        data = unquote_to_bytes(payload)
        if any(part.strip().lower() == "base64" for part in header.split(";")[1:]):
            data = base64.b64decode(b"".join(data.split()), validate=True)
    except (ValueError, binascii.Error):
        raise SvgRefused("it holds a data: URI that cannot be read") from None
    if kind == "image/svg+xml":
        if depth + 1 >= MAX_SVG_NESTING:
            raise SvgRefused(f"it holds SVGs inside SVGs more than {MAX_SVG_NESTING} deep")
        return _check(data, depth + 1, budget)
    if kind in _RASTER:
        pixels = _pixels(data)
        budget.pixels += pixels
        if budget.pixels > _max_pixels():
            raise SvgRefused(
                f"the pictures inside it have more than {_max_pixels() / 1e6:g} megapixels"
            )
        return pixels // PIXELS_PER_ELEMENT
    raise SvgRefused(f"it holds a data: URI of a kind scoper does not draw ({kind or 'none'})")


def _max_pixels() -> int:
    from scoper.brief.source import MAX_IMAGE_PIXELS

    return MAX_IMAGE_PIXELS


def _pixels(data: bytes) -> int:
    """The pixels a picture's header claims, read without decoding it."""
    import io
    import warnings

    from PIL import Image  # WeasyPrint's own dependency

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise SvgRefused(
            f"a picture inside it has more than {_max_pixels() / 1e6:g} megapixels"
        ) from None
    except Exception:
        raise SvgRefused("a picture inside it cannot be read") from None
    return width * height


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
            cost[index] = min(cap, element.weight + sum(cost[target] for target in targets))
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
