"""HTML to PDF with WeasyPrint: the only module that imports it (it is slow to import)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import logging
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from msgspec import Struct

from scoper.pdf.floats import movable, swapped
from scoper.pdf.htmlparser import mend as _mend_html_parser
from scoper.pdf.pool import is_image_failure

if TYPE_CHECKING:
    from scoper.forked import Forked


@contextlib.contextmanager
def _one_library_listing() -> Iterator[None]:
    """Answer ctypes' library look-ups from one ``ldconfig -p`` listing while WeasyPrint loads.

    WeasyPrint tries up to six names for each C library it needs; for every name that
    misses, Python's ``find_library`` runs ldconfig and then gcc, about 10 ms each and
    0.16 s in all, a sixth of building a paper. The listing gives the same answers for the
    libraries the system's loader knows. Where libraries may live elsewhere (a
    LD_LIBRARY_PATH, or not Linux), the standard look-up is left alone.
    """
    import ctypes.util

    if not sys.platform.startswith("linux") or os.environ.get("LD_LIBRARY_PATH"):
        yield
        return
    abi = "libc6,x86-64" if os.uname().machine == "x86_64" else "libc6"
    original = ctypes.util.find_library

    @functools.cache
    def listing() -> str | None:
        # Run at the first look-up: WeasyPrint handed its kept declarations makes none.
        try:
            return subprocess.run(
                ["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None

    @functools.cache
    def find_library(name: str) -> str | None:
        known = listing()
        if known is None:
            return original(name)
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", known)
        return found[1] if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


@contextlib.contextmanager
def _font_tools_when_used() -> Iterator[None]:
    """Load fontTools' subsetter and variable-font instancer the first time WeasyPrint uses
    them, not when it loads.

    WeasyPrint imports both as it loads (80 ms, a tenth of a one-paper PDF, in the process
    that lays the paper out), for fonts that need them: a variable font, or subsetting
    where HarfBuzz cannot. The theme's fonts are static and HarfBuzz subsets them, so most
    runs never use either. While WeasyPrint loads, each is a stand-in module whose first use
    imports the real one; a font that needs them gets exactly what it got before.
    """

    def real(name: str) -> types.ModuleType:
        return importlib.import_module(name)

    subset = types.ModuleType("fontTools.subset")
    subset.__getattr__ = lambda attribute: getattr(real("fontTools.subset"), attribute)  # type: ignore[method-assign]
    instancer = types.ModuleType("fontTools.varLib.instancer")
    instancer.instantiateVariableFont = lambda *args, **kwargs: real(  # type: ignore[attr-defined]
        "fontTools.varLib.instancer"
    ).instantiateVariableFont(*args, **kwargs)
    stand_ins = {"fontTools.subset": subset, "fontTools.varLib.instancer": instancer}
    placed = {name: module for name, module in stand_ins.items() if name not in sys.modules}
    sys.modules.update(placed)
    try:
        yield
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]  # the real module for anyone else


def _load_weasyprint() -> None:
    """Import WeasyPrint, with its C declarations parsed once and kept (see
    scoper.pdf.declarations)."""
    from scoper.pdf.declarations import StaleDeclarations, kept_declarations

    try:
        with kept_declarations():
            importlib.import_module("weasyprint")
    except StaleDeclarations:
        # Half loaded with declarations that were not its own (now dropped): loaded again,
        # parsing its own, which are kept for the next renderer.
        for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
            del sys.modules[name]
        with kept_declarations():
            importlib.import_module("weasyprint")


with _one_library_listing(), _font_tools_when_used():
    _load_weasyprint()
    import weasyprint.layout
    from weasyprint import CSS, HTML
    from weasyprint.document import Document
    from weasyprint.formatting_structure.boxes import Box, MarginBox, PageBox
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

_mend_html_parser()  # the parser WeasyPrint reads each page with (scoper.pdf.htmlparser)


def _lean_user_agent() -> CSS | None:
    from scoper.pdf.useragent import lean

    default = getattr(importlib.import_module("weasyprint.html"), "UA_STYLESHEET", None)
    return lean(default) if default is not None else None


_LEAN_USER_AGENT = _lean_user_agent()
"""WeasyPrint's default stylesheet without the pseudo-elements' rules a paper never uses
(scoper.pdf.useragent); None where this WeasyPrint's is not as expected."""


class _LeanPage(HTML):
    """A page laid out with :data:`_LEAN_USER_AGENT` as its default stylesheet."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        if forms or _LEAN_USER_AGENT is None:
            return super()._ua_stylesheets(forms)
        return [_LEAN_USER_AGENT]


def _page(page: str, styles: list[str]) -> type[HTML]:
    """How to read ``page`` (without its theme's stylesheets, ``styles``): with the lean
    default stylesheet where it lays the page out exactly as the whole one does. The
    page's own styles are read too: its ``style`` attributes (a table column's alignment,
    from the brief's Markdown) and any ``<style>`` a project's template left in it (in the
    body, or for a medium). A page that links a stylesheet is read with the whole default,
    as that stylesheet is not read here."""
    from scoper.pdf.useragent import fits, fits_text

    if _LEAN_USER_AGENT is None or not fits(tuple(styles)) or _LINKED_STYLE.search(page):
        return HTML
    own = [text for match in _OWN_STYLE.finditer(page) for text in match.groups() if text]
    return _LeanPage if fits_text(tuple(unescape(text) for text in own)) else HTML


_LINKED_STYLE = re.compile(r"<link\b", re.IGNORECASE)
_OWN_STYLE = re.compile(
    r"<style\b[^>]*>(.*?)</style>"
    r"""|<[^>]*?\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
    re.IGNORECASE | re.DOTALL,
)
"""A page's own stylesheet or ``style`` attribute: the text of each."""


class LocalOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URIs and files under the given folders; refuse everything else.

    Brief images arrive as data: URIs (see scoper.brief.source), so the renderer needs files only
    for the theme's fonts: nothing is fetched from the network, and a brief cannot make the
    renderer read any other file.
    """

    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)
        self.allowed_roots = [root.resolve() for root in allowed_roots]

    def fetch(self, url: str, headers: dict | None = None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed_roots):
                raise ValueError(f"scoper reads no file outside the theme: {url}")
        elif scheme != "data":
            raise ValueError(f"scoper fetches nothing from the network: {url[:80]}")
        return super().fetch(url, headers)


class RenderWarnings(logging.Handler):
    """Collects what WeasyPrint logs while rendering one paper."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # An image's data: URI can be megabytes long: its type is enough to say which.
        self.messages.append(_DATA_URI.sub(r"\1…", record.getMessage()))


_DATA_URI = re.compile(r"(data:[\w.+-]+/[\w.+-]+)[^'\s]*")


_shared_fonts: FontConfiguration | None = None
"""One font configuration for every paper this process renders, once :func:`warm_up` has
run: the theme's fonts are registered with it once, and the text-shaping caches it holds
stay warm from one paper to the next (and in every renderer forked from this process)."""


_THEME_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
"""A stylesheet of the theme, in a page's ``<head>`` (a chart's own, inside an ``<svg>`` in the
body, is left where it is)."""

_parsed_styles: dict[tuple[str, tuple[Path, ...]], CSS] = {}
"""The theme's stylesheets, parsed once for :data:`_shared_fonts` (their ``@font-face`` rules
register the fonts with it): parsed and compiled, a stylesheet is a quarter of a paper's
layout time, and every paper of a run has the same one."""


def _split_styles(html: str) -> tuple[str, list[str]]:
    """The page without the stylesheets in its ``<head>``, and those stylesheets."""
    head, end, body = html.partition("</head>")
    if not end:
        return html, []
    return _THEME_STYLE.sub("", head) + end + body, _THEME_STYLE.findall(head)


_warned_styles: set[tuple[str, tuple[Path, ...]]] = set()
"""Stylesheets the renderer said something of when they were parsed ahead: not parsed
ahead again."""


def _style_key(text: str, roots: tuple[Path, ...]) -> tuple[str, tuple[Path, ...]]:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), roots


def _stylesheets(
    styles: list[str], roots: tuple[Path, ...], fonts: FontConfiguration, kept: dict
) -> list[CSS]:
    """``styles`` parsed, each once per font configuration: for the shared one in
    :data:`_parsed_styles`, for another in ``kept`` (one paper's)."""
    cache = _parsed_styles if fonts is _shared_fonts else kept
    parsed = []
    for text in styles:
        key = _style_key(text, roots)
        if key not in cache:
            cache[key] = CSS(
                string=text,
                base_url=roots[-1].as_uri() + "/",
                url_fetcher=LocalOnlyFetcher(list(roots)),
                font_config=fonts,
            )
        parsed.append(cache[key])
    return parsed


def prepare() -> None:
    """Make this process ready to render: the hyphenation dictionary read. Called in the
    renderer's worker processes before they fork one child per paper, so that no child
    reads it again."""
    from scoper.pdf.hyphenation import preload

    preload()


def warm_up(html: str, roots: tuple[Path, ...]) -> None:
    """Lay out a few lines of sample text in the style of ``html`` (a paper), so that the
    fonts, styles and shaping caches a paper needs are loaded in this process, once, before
    it forks a renderer per paper. Only the paper's stylesheets are used (the theme's, and
    its marking from a fixed list): this runs outside the limits a paper renders under, so
    no word of the brief reaches it.

    Once warm, a paper whose stylesheets differ from those seen so far (another marking)
    has them parsed here too, so that the renderer forked for it, and for every later
    paper like it, finds them parsed."""
    global _shared_fonts
    prepare()
    _, styles = _split_styles(html)
    if not styles:
        return
    if _shared_fonts is not None:
        _parse_ahead(styles, roots, _shared_fonts)
        return
    _shared_fonts = FontConfiguration()
    sample = (
        "Internationalisation, accountability and commissioning: a £1.2bn (12%) programme "
        "for 2026–27, with “partners” — and their interests. 0123456789"
    )
    body = (
        '<body><main lang="en-GB"><h1>Warm</h1><h2>Up</h2>'
        f"<p>{sample} <strong>{sample}</strong> <em>{sample}</em></p>"
        f"<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>{sample}</td>"
        "<td>1</td></tr></tbody></table></main></body></html>"
    )
    logger = logging.getLogger("weasyprint")
    handler = RenderWarnings()
    logger.addHandler(handler)
    previous, logger.propagate = logger.propagate, False
    try:
        with contextlib.suppress(Exception):  # a warm-up is a saving, never a failure
            _page(body, styles)(
                string=f'<!DOCTYPE html><html lang="en-GB"><head></head>{body}',
                base_url=roots[-1].as_uri() + "/",
                url_fetcher=LocalOnlyFetcher(list(roots)),
            ).render(
                font_config=_shared_fonts,
                stylesheets=_stylesheets(styles, roots, _shared_fonts, {}),
            ).write_pdf()
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
    if handler.messages:
        # A theme whose stylesheet the renderer warns about: each paper parses it again,
        # so that the warnings are reported with the paper, as they always were.
        _parsed_styles.clear()
    folder = _shared_fonts._folder  # where WeasyPrint keeps the fonts it registered
    if folder is not None:
        # Kept for this process's life (its children find the fonts there), and removed
        # when it ends: a renderer worker exits without collecting its objects.
        from multiprocessing.util import Finalize

        Finalize(
            None, shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, exitpriority=0
        )


def _parse_ahead(styles: list[str], roots: tuple[Path, ...], fonts: FontConfiguration) -> None:
    """Parse ``styles`` for ``fonts`` and keep them, unless the renderer says something of
    them: then each paper parses them again, so that what it said is reported with the
    paper, as it always was."""
    keys = [_style_key(text, roots) for text in styles]
    if all(key in _parsed_styles or key in _warned_styles for key in keys):
        return
    before = set(_parsed_styles)
    logger = logging.getLogger("weasyprint")
    handler = RenderWarnings()
    logger.addHandler(handler)
    previous, logger.propagate = logger.propagate, False
    try:
        with contextlib.suppress(Exception):  # a saving, never a failure
            _stylesheets(styles, roots, fonts, {})
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
    if handler.messages:
        for key in set(_parsed_styles) - before:
            del _parsed_styles[key]
            _warned_styles.add(key)


class RenderedPdf(Struct, frozen=True):
    pdf: bytes
    warnings: list[str]
    """What the renderer logged."""
    pages: int
    """How many pages it has."""
    anchors: dict[str, int]
    """The 0-based page of each element whose id starts ``part-``."""


def render_pdf(
    html: str,
    roots: tuple[Path, ...],
    title: str,
    created: str,
    variant: str = "pdf/ua-1",
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    spare_core: bool = False,
    repaired: bool = True,
    written: bool = True,
) -> RenderedPdf:
    """The PDF of an HTML paper (or part of the pack), with what the renderer logged.

    The renderer reads files only under ``roots`` (the theme's folders). ``title`` and
    ``created`` (an ISO date) set the PDF's metadata, which otherwise comes from the HTML's
    ``<title>`` and ``<meta>`` elements. ``variant`` is pdf/ua-1 (tagged, accessible) or
    pdf/a-3u (for the record; tagged too); ``attachments`` are (file name, bytes,
    description) embedded as the PDF's source files. ``spare_core``: the machine has a core
    with nothing else to do, which may lay out a second version of the paper at the same
    time (see :func:`_moved_ahead`). ``repaired``: the structure tree is put right here;
    without it, the caller puts it right (with :func:`scoper.pdf.tagfix.repair`).
    ``written``: without it, the document is only laid out, to count its pages, and the
    PDF given back is empty.
    """
    from weasyprint import Attachment

    options = {
        "pdf_variant": variant,
        "pdf_tags": True,  # a structure tree in every variant: the papers are read aloud too
        # The page's other <meta> elements (classification, clearance details) become the
        # document information's own entries.
        "custom_metadata": True,
        "attachments": [
            Attachment(string=data, name=name, description=about, relationship="Source")
            for name, data, about in attachments
        ],
        # Images (the charts) decoded once, should the paper be laid out twice.
        "cache": {},
    }
    logger = logging.getLogger("weasyprint")
    handler = RenderWarnings()
    logger.addHandler(handler)
    previous = logger.propagate
    logger.propagate = False  # the caller reports them as the brief's problems
    figures = movable(html)
    fonts = _shared_fonts or FontConfiguration()
    kept: dict = {}
    ahead = None
    try:
        # The stylesheets parsed first (what the renderer says of them is said once, of
        # every layout); a forked layout shares them, and their fonts.
        _stylesheets(_split_styles(html)[1], roots, fonts, kept)
        parsing = list(handler.messages)

        def layout(html: str, watch: _Watch | None = None) -> Document:
            # Only what the renderer says of the layout kept is the paper's, and what it
            # said of the images it could not load: an image is loaded once, by the first
            # layout (the others find it in the cache), and a paper with one missing fails.
            loading = [m for m in handler.messages if is_image_failure(m)]
            handler.messages[:] = parsing + [m for m in dict.fromkeys(loading) if m not in parsing]
            # The theme's stylesheets are given parsed (the same for every paper), as the
            # user's stylesheets: no other stylesheet is the page's own, so the cascade is
            # the same (tests/test_layout.py compares word boxes).
            page, styles = _split_styles(html)
            token = _watching.set(watch)
            try:
                document = _page(page, styles)(
                    string=page,
                    base_url=roots[-1].as_uri() + "/",
                    url_fetcher=LocalOnlyFetcher(list(roots)),
                ).render(
                    font_config=fonts,
                    stylesheets=_stylesheets(styles, roots, fonts, kept),
                    **options,
                )
            finally:
                _watching.reset(token)
            if watch is not None and not _PAGES_WATCHED:
                watch.finished(document)
            return document

        def finish(document: Document) -> RenderedPdf:
            document.metadata.title = title
            document.metadata.created = created
            document.metadata.modified = created
            anchors = {
                name: number
                for number, page in enumerate(document.pages)
                for name in page.anchors
                if name.startswith("part-")
            }
            if not written:  # only its length was wanted: drawing it is a quarter of the work
                return RenderedPdf(b"", list(handler.messages), len(document.pages), anchors)
            pdf = document.write_pdf(**options)
            if repaired:
                # What WeasyPrint tags wrongly is put right (see scoper.pdf.tagfix).
                from scoper.pdf.tagfix import repair

                pdf = repair(pdf)
            return RenderedPdf(pdf, list(handler.messages), len(document.pages), anchors)

        def moved() -> tuple[tuple[float, ...], tuple[int, ...], RenderedPdf]:
            # In the forked process: every figure moved, laid out to the end; the blank on
            # each page, and the pages a figure still leaves a gap after.
            document = layout(swapped(html, figures))
            boxes = [page._page_box for page in document.pages]
            gaps = tuple(
                number - 1
                for number in range(1, len(boxes))
                if _starting(boxes[number], figures) and _gap(boxes[number - 1])
            )
            return tuple(_blank(box) for box in boxes), gaps, finish(document)

        if figures and spare_core:
            ahead = _moved_ahead(moved)
        if ahead is None:
            return finish(_best_layout(layout, html, figures))
        # The layout that _best_layout tries second when every figure would leave a gap
        # (most papers have one figure) is done on the spare core meanwhile.
        try:
            document = layout(html, _Watch(figures))
        except _Pushed as pushed:
            done = _value(ahead) if sorted(pushed.figures) == sorted(figures) else None
            if done is not None:
                # As _best_layout decides: kept if the page is left less blank and no
                # figure leaves a gap where it now is; else the paper as written.
                blanks, gaps, rendered = done
                if blanks[pushed.page] < pushed.blank and set(gaps) <= {pushed.page}:
                    return rendered
                return finish(layout(html))
        else:
            return finish(document)  # no figure left a gap
        ahead.cancel()  # not the layout wanted: its core back at once
        return finish(_best_layout(layout, html, figures))
    finally:
        if ahead is not None:
            ahead.cancel()
        logger.removeHandler(handler)
        logger.propagate = previous
        if fonts is not _shared_fonts:
            _remove_font_folder(fonts)


def _best_layout(
    layout: Callable[[str, _Watch | None], Document], html: str, figures: list[str]
) -> Document:
    """``html`` laid out, each of ``figures`` that would leave a gap at the foot of a page
    put after the block that follows it, and kept there if that page then has less blank
    and the figure leaves no gap before it on another page.
    The figures that start a page are found as each page is laid out: a layout that will
    not be kept is stopped there, not laid out to its end."""
    tried, watch = html, _Watch(figures)
    untried: list[tuple[str, _Watch]] = []
    """The layouts to go back to, should a figure moved not leave less blank."""
    while True:
        try:
            return layout(tried, watch)
        except _Pushed as pushed:
            rest = [anchor for anchor in watch.figures if anchor not in pushed.figures]
            untried.append((tried, dataclasses.replace(watch, figures=rest)))
            tried = swapped(tried, pushed.figures)
            moved = watch.moved | dict.fromkeys(pushed.figures, pushed.page)
            watch = _Watch(rest, (pushed.page, pushed.blank), moved)
        except _NoBetter:
            tried, watch = untried.pop()


class _Pushed(Exception):
    """Figures start a page after a page left with a large gap."""

    def __init__(self, page: int, blank: float, figures: list[str]) -> None:
        super().__init__(page, blank, figures)
        self.page, self.blank, self.figures = page, blank, figures


class _NoBetter(Exception):
    """A page that a moved figure was to fill has no less blank than before."""


@dataclasses.dataclass
class _Watch:
    """What to look for in a layout, page by page, to stop it as soon as it will not be
    kept."""

    figures: list[str]
    """The figures that may still be moved."""
    beat: tuple[int, float] | None = None
    """A page (0-based) and the blank height it must come out under: the page that the
    figures moved last were to fill."""
    moved: dict[str, int] = dataclasses.field(default_factory=dict)
    """The figures moved so far, each with the page it was to fill: none may leave a gap
    before it on another page."""
    _before: PageBox | None = dataclasses.field(default=None, init=False)

    def page(self, number: int, box: PageBox) -> None:
        """Raises :class:`_NoBetter` or :class:`_Pushed` once page ``number`` is laid out
        as ``box``."""
        if self.beat is not None and number == self.beat[0] and _blank(box) >= self.beat[1]:
            raise _NoBetter()
        before, self._before = self._before, box
        if number == 0 or before is None or not (self.figures or self.moved):
            return
        starting = _starting(box, self.figures + list(self.moved))
        if not starting or not _gap(before):
            return
        if any(self.moved.get(anchor, number - 1) != number - 1 for anchor in starting):
            raise _NoBetter()  # moved, it leaves a gap somewhere else
        pushed = [anchor for anchor in starting if anchor in self.figures]
        if pushed:
            raise _Pushed(number - 1, _blank(before), pushed)

    def finished(self, document: Document) -> None:
        """The same, over a finished layout."""
        self._before = None
        for number, page in enumerate(document.pages):
            self.page(number, page._page_box)


_watching: ContextVar[_Watch | None] = ContextVar("_watching", default=None)


def _watched_pages(*args: Any) -> Iterator[PageBox]:
    """WeasyPrint's own page maker, each page shown to the :class:`_Watch` of the layout
    as soon as it is made."""
    watch = _watching.get()
    assert _make_all_pages is not None  # installed only then
    for number, page in enumerate(_make_all_pages(*args)):
        if watch is not None:
            watch.page(number, page)
        yield page


_make_all_pages: Callable[..., Iterator[PageBox]] | None = getattr(
    weasyprint.layout, "make_all_pages", None
)
_PAGES_WATCHED = _make_all_pages is not None
"""WeasyPrint lays a document out one page after another; watching each page as it is made
lets a layout that will not be kept stop there. (Without that, the layout is finished and
looked at afterwards: the same pages, in more time.)"""
if _PAGES_WATCHED:
    weasyprint.layout.make_all_pages = _watched_pages


def _moved_ahead(
    moved: Callable[[], tuple[tuple[float, ...], tuple[int, ...], RenderedPdf]],
) -> Forked[tuple[tuple[float, ...], tuple[int, ...], RenderedPdf]] | None:
    """The paper with its figures moved, laid out in a forked process on the spare core
    while this one lays out the paper as written; None where processes cannot be forked."""
    if not hasattr(os, "fork"):
        return None
    from scoper.forked import Forked

    try:
        return Forked(moved)
    except OSError:  # no process to be had: the paper is laid out here, in turn
        return None


def _value(
    ahead: Forked[tuple[tuple[float, ...], tuple[int, ...], RenderedPdf]],
) -> tuple[tuple[float, ...], tuple[int, ...], RenderedPdf] | None:
    """What the layout done ahead sent, or None if it failed (it has the renderer's limits
    of time and memory, and is then laid out here, in turn)."""
    from scoper.forked import ChildFailed

    try:
        return ahead.result()
    except ChildFailed:
        return None


PUSHED_GAP = 0.1
"""A figure is moved after the block that follows it when it left at least this share of
the page before it blank."""


def _starting(page: PageBox, figures: list[str]) -> list[str]:
    """Those of ``figures`` that start at the top of the page's content: where the page
    shows the figure's anchor (its border box, as WeasyPrint places anchors), looking only
    at the boxes that start at the top."""
    top, _ = _content_area(page)
    found: list[str] = []
    boxes: list[Box] = [page]
    while boxes:
        box = boxes.pop()
        anchor = box.style["anchor"]
        if anchor in figures and anchor not in found and abs(box.hit_area()[1] - top) < 1:
            found.append(anchor)
        boxes += [child for child in getattr(box, "children", ()) if child.position_y <= top + 1]
    return [anchor for anchor in figures if anchor in found]


def _gap(page: PageBox) -> bool:
    """Whether the page is left blank enough under its content for a figure that starts the
    next page to be moved."""
    top, bottom = _content_area(page)
    return _blank(page) >= PUSHED_GAP * (bottom - top)


def _content_area(page: PageBox) -> tuple[float, float]:
    return page.content_box_y(), page.content_box_y() + page.height


def _blank(page: PageBox) -> float:
    """The height left blank under the page's content (the page margins not counted)."""
    top, bottom = _content_area(page)
    # The page's root box, and its footnotes if it has any: while the page is laid out,
    # it also has an empty footnote area at its foot, dropped when the layout is done.
    root, *others = page.children
    content = [root] + [
        child for child in others if child.children and not isinstance(child, MarginBox)
    ]
    lowest = max((_lowest(child) for child in content), default=top)
    return max(0.0, bottom - max(lowest, top))


def _lowest(box: Box) -> float:
    """The bottom of the lowest thing drawn in ``box`` in the flow (not one placed
    absolutely, as a watermark is)."""
    if box.style["position"] in ("absolute", "fixed"):
        return 0.0
    children = getattr(box, "children", None)
    if not children:
        return float(box.position_y + box.margin_height())
    return max(_lowest(child) for child in children)


def _remove_font_folder(fonts: FontConfiguration) -> None:
    """Remove the folder in which WeasyPrint put a copy of the theme's fonts (800 KB).
    WeasyPrint removes it when the configuration is collected, but a renderer ends with
    ``os._exit``, before anything is collected: without this, every PDF left a folder in
    the system's temporary folder, gigabytes of them in time."""
    folder = getattr(fonts, "_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
