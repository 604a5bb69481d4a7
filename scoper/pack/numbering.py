"""The pack's own page numbers, stamped on every page once the parts are assembled.

Each paper keeps the PDF laid out for it alone (so a changed brief re-lays out only its
paper), and that PDF numbers its pages "Page 1 of 4". In the room the pack is one document:
"turn to page 15" must find a page that says 15. So after merging, every page gets the
pack's number and total, drawn from a stamp: a small PDF the renderer makes once per pack,
one line per number on a few tall pages. Each line becomes a form XObject painted in the
bottom margin, below the paper's own (smaller) number, inside ``/Artifact`` marked content with
``/Type /Pagination``: page numbers are furniture, not content, for PDF/UA.

The cost is one render of the stamp (``total`` lines of text, on a few tall pages), run
beside the pack's front, and a few objects per page.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

import pikepdf
from pikepdf import Name, Pdf

from scoper.render.theme import FONT_FAMILY

MM = 72 / 25.4
STAMP_WIDTH_MM = 70
STAMP_HEIGHT_MM = 7
RIGHT_MM = 18
"""The pages' right margin: the stamp ends where the paper's own number ends."""
BOTTOM_MM = 7
"""From the foot of the page to the stamp's foot: below the paper's number and marking,
which sit at the top of the 22 mm bottom margin."""

_MARKED = {"BDC", "BMC", "EMC", "MP", "DP"}


LINES_PER_PAGE = 100
"""Numbers laid out on each page of the stamp. One small page per number took the renderer
6 ms a page (2.2 s for a 348-page pack, on the pack's critical path); lines on tall pages
take a fifth of that, and each line is cut out as its own form (:func:`_line_forms`)."""


def stamp_html(total: int, font_css: str, label: str = "Page") -> str:
    """``label N of total`` for every N, one line each, right-aligned on pages the width of
    the stamp, each line the stamp's height."""
    lines = "".join(
        f"<p>{escape(label)} <b>{number}</b> of {total}</p>" for number in range(1, total + 1)
    )
    # A millimetre to spare: the page holds its lines whatever the rounding.
    height = STAMP_HEIGHT_MM * LINES_PER_PAGE + 1
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Page numbers</title>'
        f"<style>{font_css}\n"
        f"@page {{ size: {STAMP_WIDTH_MM}mm {height}mm; margin: 0; }}\n"
        f"html {{ font-family: '{FONT_FAMILY}', sans-serif; font-size: 10pt; color: #0b0c0c; }}\n"
        "body { margin: 0; }\n"
        # Each line a block of the stamp's height, whatever its fonts' own heights: line N
        # is where :func:`_line_forms` cuts it out.
        f"p {{ margin: 0; height: {STAMP_HEIGHT_MM}mm; overflow: hidden; "
        f"line-height: {STAMP_HEIGHT_MM}mm; text-align: right; white-space: nowrap; }}\n"
        "</style></head><body>"
        f"{lines}</body></html>"
    )


def stamp_pages(out: Pdf, stamp: bytes) -> None:
    """Paint line N of the stamp onto page N of ``out`` (the assembled pack), as a
    pagination artifact. The stamp must have one line per page of ``out``."""
    import io

    with Pdf.open(io.BytesIO(stamp)) as source:
        forms = [form for page in source.pages for form in _line_forms(source, page)]
        if len(forms) != len(out.pages):
            raise ValueError(f"the page-number stamp has {len(forms)} numbers for {len(out.pages)}")
        for page, form in zip(out.pages, forms, strict=True):
            name = page.add_resource(out.copy_foreign(form), Name.XObject, prefix="PackNo")
            box = [float(v) for v in page.mediabox]
            x = box[2] - (RIGHT_MM + STAMP_WIDTH_MM) * MM
            y = box[1] + BOTTOM_MM * MM
            # The page's own content is closed in q/Q first, so that whatever graphics state
            # it leaves cannot move or hide the number.
            page.contents_add(out.make_stream(b"q\n"), prepend=True)
            drawn = (
                b"Q\nq /Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"
                + f"1 0 0 1 {_num(x)} {_num(y)} cm {name} Do\n".encode()
                + b"EMC Q\n"
            )
            page.contents_add(out.make_stream(drawn), prepend=False)


def _line_forms(source: Pdf, page: pikepdf.Page) -> list[pikepdf.Object]:
    """Each line of a stamp page as a form XObject the size of the stamp, top line first:
    the page's drawing with the other lines' text blocks left out, and the renderer's tags
    too (the number is all one artifact of the page it is painted on)."""
    operations = [
        instruction
        for instruction in pikepdf.parse_content_stream(page)
        if str(instruction.operator) not in _MARKED
    ]
    blocks: list[tuple[int, int, float]] = []  # start, end (exclusive), baseline
    start: int | None = None
    for index, instruction in enumerate(operations):
        operator = str(instruction.operator)
        if operator == "BT":
            start = index
        elif operator == "ET" and start is not None:
            block = operations[start : index + 1]
            kinds = [str(i.operator) for i in block]
            # WeasyPrint draws each run of text as a block that sets its own position and
            # font: one can be left out without moving the others.
            if "Tm" not in kinds or "Tf" not in kinds:
                raise ValueError(f"the page-number stamp has a text block it cannot place: {kinds}")
            baseline = float(block[kinds.index("Tm")].operands[5])
            blocks.append((start, index + 1, round(baseline, 2)))
            start = None
    baselines = sorted({baseline for _, _, baseline in blocks})
    box = [float(v) for v in page.mediabox]
    height = STAMP_HEIGHT_MM * MM
    resources = page.obj.get(Name.Resources, pikepdf.Dictionary())
    forms: list[pikepdf.Object] = []
    owner: list[float | None] = [None] * len(operations)  # the line a text block draws
    for first, end, baseline in blocks:
        owner[first:end] = [baseline] * (end - first)
    for line, baseline in enumerate(baselines):
        kept = [
            op for op, drawn in zip(operations, owner, strict=True) if drawn in (None, baseline)
        ]
        # The line's band of the page, from the top (each line is the stamp's height),
        # moved to the form's origin.
        bottom = box[3] - (line + 1) * height
        form = source.make_stream(pikepdf.unparse_content_stream(kept))
        form.Type = Name.XObject
        form.Subtype = Name.Form
        form.BBox = pikepdf.Array([box[0], bottom, box[2], bottom + height])
        form.Matrix = pikepdf.Array([1, 0, 0, 1, 0, -bottom])
        form.Resources = resources
        forms.append(form)
    return forms


def _num(value: float) -> str:
    return format(Decimal(value).quantize(Decimal("0.001")), "f")
