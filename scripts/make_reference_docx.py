"""Make the default theme's Word reference document, templates/reference.docx.

Run it after changing scoper/docx/styles.py; a unit that wants another look changes the
file in Word instead (or keeps its own templates/reference.docx in its project).

    .venv/bin/python scripts/make_reference_docx.py
"""

from __future__ import annotations

from pathlib import Path

import docx
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
    core = document.core_properties
    core.author = core.title = core.subject = core.keywords = core.comments = ""
    core.last_modified_by = ""
    document.save(TARGET)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
