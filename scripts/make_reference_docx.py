"""Make the default theme's Word reference document, templates/reference.docx.

Run it after changing scoper/docx/styles.py; a unit that wants another look changes the
file in Word instead (or keeps its own templates/reference.docx in its project).

    .venv/bin/python scripts/make_reference_docx.py
"""

from __future__ import annotations

from pathlib import Path

import docx
import docx.document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Cm

from scoper.docx.styles import ensure_styles

TARGET = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"


def main() -> None:
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.2)
    section.header_distance = section.footer_distance = Cm(0.9)
    ensure_styles(document, replace=True)
    _prune(document)
    core = document.core_properties
    core.author = core.title = core.subject = core.keywords = core.comments = ""
    core.last_modified_by = ""
    document.save(str(TARGET))
    print(f"wrote {TARGET}")


def _prune(document: docx.document.Document) -> None:
    """What python-docx's own template carries and a paper never uses goes: its 120 table
    styles (Word offers them all the same, as built-in styles), the Word 2010 copy of the
    styles, its thumbnail picture and its custom XML item. They were most of what every Word
    paper read and wrote (800 KB of XML), and the thumbnail showed python-docx's page."""
    styles = document.styles.element
    for style in list(styles.iterchildren(qn("w:style"))):
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) not in KEPT_TABLES:
            styles.remove(style)
    unused = (STYLES_WITH_EFFECTS, RT.CUSTOM_XML)
    for key, rel in list(document.part.rels.items()):
        if rel.reltype in unused:
            del document.part.rels[key]
    package = document.part.package
    for key, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[key]


KEPT_TABLES = {"TableNormal", "TableGrid"}
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


if __name__ == "__main__":
    main()
