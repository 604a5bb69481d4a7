"""Prose into Word: the model's content trees (markdown-it tokens) written as Word
paragraphs, runs, lists, tables, callouts, pictures, hyperlinks and footnotes.

Nothing here reads HTML: the Word paper is made from the same content as the HTML one, by
its own writer. Every paragraph made from the brief is bookmarked with its brief line, so
that ``scoper review`` can take a reviewer's comment back to where it belongs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from docx.shared import Cm
from docx.text.paragraph import Paragraph
from markdown_it.token import Token
from msgspec import Struct

from scoper.brief.figures import Numbered, chart_table, figure_image, may_hold_figures, numbering
from scoper.brief.markdown import ALERT_KINDS, is_safe_link, link_scheme
from scoper.brief.model import Brief
from scoper.brief.prose import Prose, block_end, plain_children
from scoper.brief.xref import paper_ref
from scoper.docx import ooxml
from scoper.docx.styles import ACCENT, ACCENT_TINT, TINT

MAX_PICTURE_WIDTH = Cm(16.0)


class _Format(Struct):
    bold: bool = False
    italic: bool = False
    strike: bool = False


@dataclasses.dataclass
class Writer:
    """Writes prose into a container (the document body, a table cell) for one brief."""

    brief: Brief
    footnotes: ooxml.Footnotes
    picture: Callable[[str], tuple[bytes, str] | None]
    """An image path of the brief to (PNG/JPEG/GIF bytes, alt), or None if not shown."""
    bookmarks: list[int] = dataclasses.field(default_factory=lambda: [0])
    """The last bookmark id used, shared by every writer of one document."""
    notes: dict[int, list[Token]] = dataclasses.field(default_factory=dict)
    """Each footnote's content, by markdown-it's footnote id."""
    paras: dict[int, int] = dataclasses.field(default_factory=dict)
    """The paper's paragraph numbers (scoper.brief.numbers), by opening token."""
    drawings: PaperDrawings = dataclasses.field(default_factory=lambda: PaperDrawings())
    """The paper's SVG drawings (pictures and charts), within one time limit."""
    papers: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    """Where a ``ref:`` link goes: another paper's ref to its Word file beside this one and
    its short title (scoper.brief.xref.paper_links); a ref not here stays text."""
    styles: ooxml.StyleIds = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.notes = _footnote_contents(self.brief.footnotes)
        self.styles = ooxml.StyleIds(self.footnotes.document)

    # -- blocks -------------------------------------------------------------------------

    def mark(self, paragraph: Paragraph, line: int) -> None:
        """Remember the brief line a paragraph came from (see scoper.docx.review)."""
        self.bookmarks[0] += 1
        ooxml.add_bookmark(paragraph, f"_scoper_{line}_{self.bookmarks[0]}", self.bookmarks[0])

    def prose(self, container: Any, prose: Prose, line: int, style: str | None = None) -> None:
        """Write the prose at the end of ``container`` (a Document or a table cell)."""
        tokens = list(prose.tokens)
        numbers = numbering(self.brief) if may_hold_figures(prose) else {}
        index = 0
        while index < len(tokens):
            entry = numbers.get(id(tokens[index]))
            if entry is None:
                index = self._block(container, tokens, index, line, style, level=0)
                continue
            end = block_end(tokens, index)
            if entry.caption_block != id(tokens[index]):  # a table's caption: written with it
                self._numbered(container, tokens[index:end], entry, line)
            index = end

    # -- figures and tables -------------------------------------------------------------

    def _numbered(self, container: Any, block: list[Token], entry: Numbered, line: int) -> None:
        """A figure or table with its number, caption and source line: a table's caption
        above it, a figure's below, as Word's own captions go."""
        here = self.brief.line_of(block[0].map, line)
        if entry.kind == "table":
            self._caption(container, entry, here, above=True)
            self._table(container, block, here, gap=not entry.source)
            self._source(container, entry, here)
            return
        paragraph = self.styles.paragraph(container, "Table Text")
        self.mark(paragraph, here)
        ooxml.keep_with_next(paragraph)
        if entry.chart is not None:
            from scoper.render.chart import draw

            data = chart_table(block)
            assert data is not None  # numbering made it a chart
            from scoper.drawing import DrawingFailed

            chart = draw(data, entry.chart, entry.anchor)
            try:
                # Within the paper's time and picture budget, as its pictures are.
                png = self.drawings.png(chart.svg)
            except DrawingFailed:  # scoper's own chart: its table stands in for it
                png = None
            if png is None:
                self._table(container, block, here)
            else:
                run = paragraph.add_run()
                run.add_picture(io.BytesIO(png), width=MAX_PICTURE_WIDTH)
                ooxml.set_alt_text(run, chart.alt)
        else:
            image = figure_image(block)
            if image is not None:
                self._picture(paragraph, image)
        self._caption(container, entry, here, above=False)
        self._source(container, entry, here)

    def _caption(self, container: Any, entry: Numbered, line: int, above: bool) -> None:
        paragraph = self.styles.paragraph(container, "Caption")
        self.mark(paragraph, line)
        self.bookmarks[0] += 1
        ooxml.add_bookmark(paragraph, entry.anchor.replace("-", "_"), self.bookmarks[0])
        ooxml.add_run(paragraph, entry.label + (": " if entry.caption else ""))
        self.inline(paragraph, entry.caption)
        if above:
            ooxml.keep_with_next(paragraph)

    def _source(self, container: Any, entry: Numbered, line: int) -> None:
        if not entry.source:
            return
        paragraph = self.styles.paragraph(container, "Caption Source")
        self.mark(paragraph, line)
        ooxml.add_run(paragraph, "Source: ")
        self.inline(paragraph, entry.source)

    def inline_paragraph(
        self, container: Any, children: Sequence[Token], line: int, style: str | None = None
    ) -> Paragraph:
        paragraph = self.styles.paragraph(container, style)
        self.mark(paragraph, line)
        self.inline(paragraph, children)
        return paragraph

    def _block(
        self,
        container: Any,
        tokens: list[Token],
        index: int,
        line: int,
        style: str | None,
        level: int,
    ) -> int:
        token = tokens[index]
        here = self.brief.line_of(token.map, line)
        kind = token.type
        if kind == "inline":
            self.inline_paragraph(container, token.children or [], here, style)
            return index + 1
        if kind == "paragraph_open":
            number = self.paras.get(id(token))
            if number is not None:
                # The number in the margin, as the HTML and PDF set it: a hanging indent.
                paragraph = self.styles.paragraph(container, style)
                paragraph.paragraph_format.first_line_indent = Cm(-0.9)
                paragraph.paragraph_format.left_indent = Cm(0.9)
                self.mark(paragraph, here)
                ooxml.add_run(paragraph, f"{number}\t").bold = True
                self.inline(paragraph, tokens[index + 1].children or [])
                return block_end(tokens, index)
            self.inline_paragraph(container, tokens[index + 1].children or [], here, style)
            return block_end(tokens, index)
        if kind == "heading_open":
            depth = int(token.tag[1:])
            heading = self.styles.paragraph(container, f"Heading {min(max(depth - 1, 2), 3)}")
            self.mark(heading, here)
            self.inline(heading, tokens[index + 1].children or [])
            return block_end(tokens, index)
        if kind in ("bullet_list_open", "ordered_list_open"):
            self._list(container, tokens, index, here, level)
            return block_end(tokens, index)
        if kind == "table_open":
            self._table(container, tokens[index : block_end(tokens, index)], here)
            return block_end(tokens, index)
        if kind == "alert_open":
            self._callout(container, tokens, index, here, token.meta["kind"])
            return block_end(tokens, index)
        if kind == "blockquote_open":
            end = block_end(tokens, index)
            inner = index + 1
            while inner < end - 1:
                inner = self._block(container, tokens, inner, here, "Quote", level)
            return end
        if kind in ("fence", "code_block"):
            for text_line in token.content.rstrip("\n").split("\n"):
                paragraph = self.styles.paragraph(container, style)
                self.mark(paragraph, here)
                self.styles.run(ooxml.add_run(paragraph, text_line), "Code")
            return index + 1
        if kind.startswith("footnote_block"):
            return block_end(tokens, index) if token.nesting == 1 else index + 1
        # hr and anything else with no words of its own: nothing to write.
        return block_end(tokens, index) if token.nesting == 1 else index + 1

    def _list(self, container: Any, tokens: list[Token], index: int, line: int, level: int) -> None:
        ordered = tokens[index].type == "ordered_list_open"
        number = int(tokens[index].attrGet("start") or 1)
        end = block_end(tokens, index)
        item = index + 1
        while item < end - 1:
            item_end = block_end(tokens, item)
            here = self.brief.line_of(tokens[item].map, line)
            marker = f"{number}." if ordered else "•"
            para = self.paras.get(id(tokens[item]))
            if para is not None:
                marker = f"{para}\t{marker}"
            number += 1
            first = True
            inner = item + 1
            while inner < item_end - 1:
                token = tokens[inner]
                if token.type in ("paragraph_open", "inline") and first:
                    children = tokens[inner + 1] if token.type == "paragraph_open" else token
                    paragraph = self.styles.paragraph(container, "List Paragraph")
                    paragraph.paragraph_format.left_indent = Cm(0.75 * (level + 1))
                    paragraph.paragraph_format.first_line_indent = Cm(-0.5)
                    self.mark(paragraph, self.brief.line_of(token.map, here))
                    ooxml.add_run(paragraph, f"{marker}\t")
                    self.inline(paragraph, children.children or [])
                    inner = block_end(tokens, inner)
                    first = False
                elif token.type in ("bullet_list_open", "ordered_list_open"):
                    self._list(container, tokens, inner, here, level + 1)
                    inner = block_end(tokens, inner)
                else:
                    inner = self._block(container, tokens, inner, here, "List Paragraph", level)
            item = item_end

    def _table(self, container: Any, tokens: Sequence[Token], line: int, gap: bool = True) -> None:
        rows: list[list[Token]] = []
        for token in tokens:
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline" and rows:
                rows[-1].append(token)
        if not rows:
            return
        columns = max(len(row) for row in rows)
        table = container.add_table(rows=len(rows), cols=columns)
        ooxml.table_look(table)
        # Row by row: python-docx's table.cell(r, c) builds the whole table's cells on every
        # call, so a table of a few thousand cells took minutes.
        for r, (table_row, row) in enumerate(zip(table.rows, rows, strict=True)):
            cells = table_row.cells
            for c, cell_token in enumerate(row):
                cell = cells[c]
                paragraph = cell.paragraphs[0]
                self.styles.set(paragraph, "Table Text")
                self.mark(paragraph, self.brief.line_of(cell_token.map, line))
                self.inline(paragraph, cell_token.children or [], bold=r == 0)
                if r == 0:
                    ooxml.shade(cell, ACCENT_TINT)
        ooxml.table_rows_hold(table)
        if gap:
            self.styles.paragraph(container, "Table Text")  # Word needs one between tables

    def _callout(
        self, container: Any, tokens: list[Token], index: int, line: int, kind: str
    ) -> None:
        table = container.add_table(rows=1, cols=1)
        cell = table.cell(0, 0)
        ooxml.shade(cell, TINT if kind == "NOTE" else ACCENT_TINT)
        title = cell.paragraphs[0]
        self.styles.set(title, "Callout")
        self.mark(title, line)
        ooxml.add_run(title, ALERT_KINDS[kind]).bold = True
        ooxml.callout_borders(title, ACCENT)
        end = block_end(tokens, index)
        inner = index + 1
        while inner < end - 1:
            inner = self._block(cell, tokens, inner, line, "Callout", 0)
        ooxml.table_rows_hold(table, header_rows=0)
        self.styles.paragraph(container, "Table Text")

    # -- inline -------------------------------------------------------------------------

    def inline(self, paragraph: Paragraph, children: Sequence[Token], bold: bool = False) -> None:
        fmt = _Format(bold=bold)
        target: Any = paragraph._p
        for child in children:
            kind = child.type
            if kind == "text":
                self._run(paragraph, target, child.content, fmt)
            elif kind in ("strong_open", "strong_close"):
                fmt.bold = kind == "strong_open" or bold
            elif kind in ("em_open", "em_close"):
                fmt.italic = kind == "em_open"
            elif kind in ("s_open", "s_close"):
                fmt.strike = kind == "s_open"
            elif kind == "code_inline":
                self._run(paragraph, target, child.content, fmt, style="Code")
            elif kind == "softbreak":
                self._run(paragraph, target, " ", fmt)
            elif kind == "hardbreak":
                run = paragraph.add_run()
                run.add_break()
                target.append(run._r)
            elif kind == "link_open":
                href = str(child.attrGet("href") or "")
                ref = paper_ref(href)
                other = self.papers.get(ref) if ref is not None else None
                if other is not None:
                    # Another paper of this run: its Word file, beside this one.
                    target = ooxml.add_hyperlink(paragraph, other[0])
                # A paper not known here, and places in the paper, read as their text.
                elif ref is None and link_scheme(href) and is_safe_link(href):
                    target = ooxml.add_hyperlink(paragraph, href)
            elif kind == "link_close":
                other = self.papers.get(child.meta.get("paper_ref") or "")
                if other is not None:
                    self._run(paragraph, target, f" ({other[1]})", fmt)
                target = paragraph._p
            elif kind == "file_link_close":
                href = str(child.meta.get("href", ""))
                self._run(paragraph, target, f" ({href})", fmt)
            elif kind == "image":
                self._picture(paragraph, child)
            elif kind == "footnote_ref":
                self._footnote(target, child)

    def _run(
        self, paragraph: Paragraph, target: Any, text: str, fmt: _Format, style: str | None = None
    ) -> None:
        run = ooxml.add_run(paragraph, text)
        if style:
            self.styles.run(run, style)
        # Only what is set: python-docx gives a run properties even to set one to None.
        if fmt.bold:
            run.bold = True
        if fmt.italic:
            run.italic = True
        if fmt.strike:
            run.font.strike = True
        if target is not paragraph._p:
            self.styles.run(run, "Hyperlink")
            target.append(run._r)

    def _picture(self, paragraph: Paragraph, token: Token) -> None:
        src = str(token.attrGet("src") or "")
        alt = plain_children(token.children or [])
        found = self.picture(src) if src else None
        if found is None:
            run = ooxml.add_run(paragraph, f"[image not included: {alt or src}]")
            run.italic = True
            return
        data, _ = found
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(data), width=MAX_PICTURE_WIDTH)
        ooxml.set_alt_text(run, alt or "Image")

    def _footnote(self, target: Any, token: Token) -> None:
        content = self.notes.get(int(token.meta["id"]), [])
        note = self.footnotes.add(target)
        paragraph = Paragraph(note, _PartOf(self.footnotes.part))
        for inner in content:
            if inner.type == "inline":
                self.inline(
                    paragraph, [c for c in inner.children or [] if c.type != "footnote_anchor"]
                )


class _PartOf(Struct, frozen=True):
    """A paragraph's parent as python-docx asks it: which part the paragraph lives in (its
    hyperlinks are related from there)."""

    part: Any


def _footnote_contents(footnotes: Prose) -> dict[int, list[Token]]:
    notes: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in footnotes.tokens:
        if token.type == "footnote_open":
            current = notes.setdefault(int(token.meta["id"]), [])
        elif token.type == "footnote_close":
            current = None
        elif current is not None:
            current.append(token)
    return notes


class PaperDrawings:
    """One Word paper's SVGs drawn as PNGs (its pictures and its charts), within one time
    limit for them all (each drawing has its own limit too: many slow drawings within
    every other limit would otherwise hold a build for an hour), each PNG within a
    picture's size and counted against the paper's picture budget."""

    def __init__(self, seconds: float = 30.0) -> None:
        import time

        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def png(self, svg: bytes) -> bytes | None:
        """The SVG as a PNG, or None when the PNG is too large for the paper. Raises
        DrawingFailed (the drawing failed, or the paper's time for drawing is spent)."""
        import time

        from scoper.brief.source import MAX_IMAGE_BYTES, spend_picture_bytes
        from scoper.drawing import DRAWING_TIMEOUT, DrawingFailed

        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DrawingFailed(
                f"the paper's pictures took more than {self.seconds:g} seconds to draw"
            )
        drawn = svg_to_png(svg, timeout=min(DRAWING_TIMEOUT, left))
        # What goes into the Word file is the PNG, which may be far larger than the SVG.
        if len(drawn) > MAX_IMAGE_BYTES or not spend_picture_bytes(len(drawn)):
            return None
        return drawn


def picture_reader(
    brief: Brief, drawings: PaperDrawings | None = None
) -> Callable[[str], tuple[bytes, str] | None]:
    """Pictures from the brief's folder only, with the same rules as the HTML paper's; an
    SVG drawn as PNG, since Word shows SVG only with a PNG beside it (within the paper's
    ``drawings``)."""
    from scoper.brief.markdown import ImageMissing
    from scoper.brief.source import image_bytes

    folder = Path(brief.path).parent
    drawings = drawings or PaperDrawings()

    def read(src: str) -> tuple[bytes, str] | None:
        try:
            image = image_bytes(folder, src)
        except ImageMissing:
            return None
        if image is None:
            return None
        found, data = image  # the bytes measured are the bytes drawn
        if found.suffix.lower() == ".svg":
            from scoper.drawing import DrawingFailed, PictureFailed

            try:
                drawn = drawings.png(data)
            except DrawingFailed as failed:
                raise PictureFailed(src, str(failed)) from None
            return (drawn, "image/png") if drawn is not None else None
        if found.suffix.lower() == ".webp":
            return None  # Word cannot show WebP
        return data, found.suffix.lower()

    return read


def svg_to_png(data: bytes, timeout: float) -> bytes:
    """An SVG drawn as a PNG at print resolution, in a child process with time and memory
    limits (scoper.drawing). Drawings are kept in the user's cache, keyed by the SVG's
    bytes: loading the drawing library and drawing cost more than writing the rest of a
    Word paper. Raises DrawingFailed: a picture that cannot be drawn is an error, not a
    blank in the paper."""
    import hashlib

    from scoper.usercache import cache_folder, library_stamp

    folder = cache_folder(f"svg-png-{library_stamp('cairosvg')}")
    cached = folder / f"{hashlib.sha256(data).hexdigest()}.png" if folder else None
    if cached is not None and cached.is_file():
        with contextlib.suppress(OSError):
            return cached.read_bytes()
    import cairosvg  # noqa: F401  (loaded once here, so each drawing's child starts with it)

    from scoper.drawing import svg_png

    png = svg_png(data, timeout=timeout)
    if cached is not None:
        from scoper.output import write_atomic

        with contextlib.suppress(OSError):
            write_atomic(cached, png)
    return png
