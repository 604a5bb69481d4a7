"""The pack's own page numbers, stamped on every page once the parts are assembled.

Each paper keeps the PDF laid out for it alone (so a changed brief re-lays out only its
paper), and that PDF numbers its pages "Page 1 of 4". In the room the pack is one document:
"turn to page 15" must find a page that says 15. So after merging, every page gets the
pack's number and total, drawn from a stamp: a small PDF the renderer makes once per pack,
one tiny page per number. Each stamp page becomes a form XObject painted in the bottom
margin, below the paper's own (smaller) number, inside ``/Artifact`` marked content with
``/Type /Pagination``: page numbers are furniture, not content, for PDF/UA.

The cost is one render of the stamp (``total`` lines of text), run beside the pack's front,
and a few objects per page.
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


def stamp_html(total: int, font_css: str, label: str = "Page") -> str:
    """One page per number, ``label N of total``, right-aligned on a page the size of the
    stamp."""
    pages = "".join(
        f"<p>{escape(label)} <b>{number}</b> of {total}</p>" for number in range(1, total + 1)
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Page numbers</title>'
        f"<style>{font_css}\n"
        f"@page {{ size: {STAMP_WIDTH_MM}mm {STAMP_HEIGHT_MM}mm; margin: 0; }}\n"
        f"html {{ font-family: '{FONT_FAMILY}', sans-serif; font-size: 10pt; color: #0b0c0c; }}\n"
        "body { margin: 0; }\n"
        "p { margin: 0; text-align: right; line-height: 7mm; break-after: page; }\n"
        "p:last-child { break-after: auto; }\n"
        "</style></head><body>"
        f"{pages}</body></html>"
    )


def stamp_pages(out: Pdf, stamp: bytes) -> None:
    """Paint page N of the stamp onto page N of ``out`` (the assembled pack), as a
    pagination artifact. The stamp must have one page per page of ``out``."""
    import io

    with Pdf.open(io.BytesIO(stamp)) as source:
        if len(source.pages) != len(out.pages):
            raise ValueError(
                f"the page-number stamp has {len(source.pages)} pages for {len(out.pages)}"
            )
        for page, stamp_page in zip(out.pages, source.pages, strict=True):
            form = _unmarked_form(source, stamp_page)
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


def _unmarked_form(source: Pdf, page: pikepdf.Page) -> pikepdf.Object:
    """The stamp page as a form XObject with its own marked-content (the renderer's tags)
    taken out: it is all one artifact of the page it is painted on."""
    form = page.as_form_xobject()
    operations = [
        instruction
        for instruction in pikepdf.parse_content_stream(form)
        if str(instruction.operator) not in _MARKED
    ]
    form.write(pikepdf.unparse_content_stream(operations))
    if Name.StructParents in form:
        del form[Name.StructParents]
    return form


def _num(value: float) -> str:
    return format(Decimal(value).quantize(Decimal("0.001")), "f")
