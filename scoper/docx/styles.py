"""The Word paper's styles: the house look, as named styles a unit can change in Word.

The theme's ``reference.docx`` holds them (``scripts/make_reference_docx.py`` makes it); a
unit restyles its papers by changing that file in Word, or by putting its own
``templates/reference.docx`` in the project. Styles a reference document lacks are added
here with the house defaults, so any reference document works.
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from msgspec import Struct

FONT = "Arial"
ACCENT = "12436D"
MUTED = "505A5F"
TINT = "F3F2F1"
ACCENT_TINT = "E8EEF4"
GRADE_COLOURS = {"strong": "00703C", "moderate": "1D70B8", "weak": "7A5B00", "anecdotal": "A8261A"}


class StyleSpec(Struct, frozen=True):
    name: str
    kind: WD_STYLE_TYPE = WD_STYLE_TYPE.PARAGRAPH
    size: float | None = None
    bold: bool | None = None
    italic: bool | None = None
    colour: str | None = None
    space_before: float | None = None
    space_after: float | None = None
    keep_with_next: bool | None = None
    centred: bool = False
    caps: bool = False
    superscript: bool = False
    based_on: str | None = None


STYLES = (
    StyleSpec("Normal", size=10.5, space_after=6),
    StyleSpec("Title", size=20, bold=True, colour="0B0C0C", space_after=8),
    StyleSpec(
        "Heading 1",
        size=14,
        bold=True,
        colour=ACCENT,
        space_before=16,
        space_after=6,
        keep_with_next=True,
    ),
    StyleSpec(
        "Heading 2",
        size=12,
        bold=True,
        colour="0B0C0C",
        space_before=10,
        space_after=4,
        keep_with_next=True,
    ),
    StyleSpec(
        "Heading 3",
        size=11,
        bold=True,
        colour="0B0C0C",
        space_before=8,
        space_after=3,
        keep_with_next=True,
    ),
    StyleSpec("Kicker", size=8, bold=True, colour=MUTED, caps=True, space_after=2),
    StyleSpec("Marking", size=10, bold=True, centred=True, space_after=0),
    StyleSpec("Running Head", size=8, colour=MUTED, space_after=0),
    StyleSpec("Paper Footer", size=8, colour=MUTED, space_after=0),
    StyleSpec("Item Label", size=9, bold=True, colour=MUTED, space_after=2, keep_with_next=True),
    StyleSpec("Field", size=9.5, space_after=2),
    StyleSpec("Callout", size=10, space_after=4),
    StyleSpec("Table Text", size=9, space_after=0),
    StyleSpec("Caption", size=9, bold=True, colour="0B0C0C", space_before=6, space_after=2),
    StyleSpec("Caption Source", size=8, colour=MUTED, space_after=8),
    StyleSpec("Footnote Text", size=8.5, space_after=2),
    StyleSpec("Footnote Reference", WD_STYLE_TYPE.CHARACTER, superscript=True),
    StyleSpec("Hyperlink", WD_STYLE_TYPE.CHARACTER, colour="1D70B8"),
    StyleSpec("Code", WD_STYLE_TYPE.CHARACTER),
)


def ensure_styles(document: Document, replace: bool = False) -> None:
    """Add the house styles a document lacks (all of them when ``replace``)."""
    styles = document.styles
    by_name = {style.name: style for style in styles}
    for spec in STYLES:
        existing = by_name.get(spec.name)
        if existing is not None and not replace:
            continue
        style = existing or styles.add_style(spec.name, spec.kind)
        font = style.font
        font.name = "Courier New" if spec.name == "Code" else FONT
        if spec.size is not None:
            font.size = Pt(spec.size)
        if spec.bold is not None:
            font.bold = spec.bold
        if spec.italic is not None:
            font.italic = spec.italic
        if spec.colour is not None:
            font.color.rgb = RGBColor.from_string(spec.colour)
        if spec.caps:
            font.all_caps = True
        if spec.superscript:
            font.superscript = True
        if spec.name == "Hyperlink":
            font.underline = True
        if spec.kind == WD_STYLE_TYPE.PARAGRAPH:
            fmt = style.paragraph_format
            if spec.space_before is not None:
                fmt.space_before = Pt(spec.space_before)
            if spec.space_after is not None:
                fmt.space_after = Pt(spec.space_after)
            if spec.keep_with_next is not None:
                fmt.keep_with_next = spec.keep_with_next
            if spec.centred:
                fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
