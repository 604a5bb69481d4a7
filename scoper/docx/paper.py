"""The Word paper: the same paper as the HTML and PDF ones, for the heads of unit and
private offices who clear papers in Word.

Written from the theme's reference document (``reference.docx``, whose styles a unit can
change in Word), with the marking in every page's header and footer, ``Page X of Y`` as Word
fields, a DRAFT watermark on drafts, real footnotes and hyperlinks, and where each paragraph
came from in the brief (hidden bookmarks and custom properties) for ``scoper review``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Cm, RGBColor

from scoper import __version__
from scoper.brief.model import Action, Brief, Evidence, Partner, Risk, Section
from scoper.brief.numbers import numbering_on, paragraph_numbers
from scoper.brief.shortened import description, short_title
from scoper.brief.xref import PaperLinks
from scoper.config import Config
from scoper.docx import ooxml
from scoper.docx.prose import PaperDrawings, Writer, picture_reader
from scoper.docx.styles import ACCENT, GRADE_COLOURS, TINT, ensure_styles
from scoper.render.theme import Theme, theme_for

SOURCE_PROPERTY = "scoper-brief"
"""Custom property: the brief the paper was made from, as the user named it."""
DIGEST_PROPERTY = "scoper-brief-sha256"
"""Custom property: the brief's SHA-256 when the paper was made."""
REFERENCE_DOC = "reference.docx"


def render_docx(
    brief: Brief,
    config: Config,
    theme: Theme | None = None,
    qa: list[str] | None = None,
    papers: PaperLinks | None = None,
) -> bytes:
    """The paper as a .docx file's bytes. ``qa`` lists outstanding warnings in plain words,
    shown in a box on the first page of drafts and papers under review; ``papers`` where
    its ``ref:`` links go (the other papers' Word files beside it)."""
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES, picture_budget

    with picture_budget(MAX_PAPER_IMAGE_BYTES):  # as for the HTML and PDF paper
        return _render_docx(brief, config, theme, qa, papers)


def _render_docx(
    brief: Brief,
    config: Config,
    theme: Theme | None,
    qa: list[str] | None,
    papers: PaperLinks | None,
) -> bytes:
    theme = theme or theme_for(config)
    document = docx.Document(str(theme.file(REFERENCE_DOC)))
    ensure_styles(document)
    _clear_body(document)
    footnotes = ooxml.Footnotes(document)
    # The paper's drawings (pictures and charts) share the time limit a PDF has.
    drawings = PaperDrawings(config.pdf_timeout)
    pictures = picture_reader(brief, drawings)
    writer = Writer(brief, footnotes, pictures, drawings=drawings, papers=papers or {})
    if numbering_on(brief, config.numbered_paragraphs):
        writer.paras = paragraph_numbers(brief)
    paper = _Paper(document, brief, config, writer)
    paper.page_furniture()
    paper.title_block()
    if qa:  # scoper.check.qa_notes gives none for a final or cleared paper
        paper.qa_box(qa)
    if brief.preamble:
        writer.prose(document, brief.preamble, brief.body_line)
    for section in brief.sections:
        paper.section(section)
    _properties(document, brief)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _clear_body(document: Any) -> None:
    """The reference document's own content goes: only its styles and page set-up stay."""
    body = document.element.body
    for child in list(body):
        if child.tag != ooxml.qn("w:sectPr"):
            body.remove(child)


def _properties(document: Any, brief: Brief) -> None:
    meta = brief.meta
    core = document.core_properties
    core.title = meta.title
    core.author = "; ".join(meta.authors)
    core.subject = short_title(description(brief), 250)
    core.keywords = ", ".join(meta.tags)
    core.category = meta.classification
    core.content_status = meta.status.capitalize()
    core.identifier = meta.ref
    core.language = "en-GB"
    core.version = meta.version or ""
    created = dt.datetime.combine(meta.date, dt.time(9, 0))
    # The properties' dates are W3CDTF, a four-digit year, and python-docx writes them with
    # strftime, which writes year 1 as '1' (then reads back None): such a date is left out.
    if created.year >= 1000:
        core.created = created
        core.modified = created
    core.last_modified_by = f"scoper {__version__}"
    notes = [f"Cleared by {who}" for who in meta.cleared_by]
    if meta.distribution:
        notes.append(f"Distribution: {', '.join(meta.distribution)}")
    if meta.decision_by:
        notes.append(f"Decision by {meta.decision_by.isoformat()}")
    core.comments = short_title("; ".join(notes), 250)
    properties = {"scoper-version": __version__}
    if brief.withheld is None:
        # Where the paper came from, for scoper review. Not in a public version: the path
        # names an official's folder, and the digest of the full brief would let anyone
        # confirm a guess at what was withheld.
        digest = hashlib.sha256(brief.source).hexdigest() if brief.source else ""
        properties |= {SOURCE_PROPERTY: brief.path, DIGEST_PROPERTY: digest}
    ooxml.custom_properties(document, properties)
    _language(document, "en-GB")


def _language(document: Any, tag: str) -> None:
    """The document's language, in the default run properties, for spelling and readers."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        return
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        return
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = parse_xml(f"<w:rPr {nsdecls('w')}/>")
        run_defaults.append(properties)
    for old in properties.findall(qn("w:lang")):
        properties.remove(old)
    properties.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="{tag}" w:eastAsia="{tag}"/>'))


class _Paper:
    def __init__(self, document: Any, brief: Brief, config: Config, writer: Writer) -> None:
        self.document = document
        self.brief = brief
        self.meta = brief.meta
        self.config = config
        self.writer = writer
        self.accent = (config.accent_colour or f"#{ACCENT}").lstrip("#").upper()
        self._widths: list[Any] = []

    # -- every page -----------------------------------------------------------------------

    def page_furniture(self) -> None:
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        width = section.page_width - section.left_margin - section.right_margin
        header = section.header
        header.is_linked_to_previous = False
        marking = header.paragraphs[0]
        self.writer.styles.set(marking, "Marking")
        ooxml.add_run(marking, self.meta.classification)
        running = self.writer.styles.paragraph(header, "Running Head")
        running.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        ooxml.add_run(running, f"{self.meta.ref}\t{short_title(self.meta.title)}")
        if self.meta.status == "draft":
            ooxml.watermark(running, "DRAFT")
        footer = section.footer
        footer.is_linked_to_previous = False
        line = footer.paragraphs[0]
        self.writer.styles.set(line, "Paper Footer")
        line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
        organisation = f" · {self.config.organisation}" if self.config.organisation else ""
        ooxml.add_run(line, f"{self.meta.ref}{organisation}\tPage ")
        ooxml.add_field(line, "PAGE")
        ooxml.add_run(line, " of ")
        ooxml.add_field(line, "NUMPAGES")
        bottom = self.writer.styles.paragraph(footer, "Marking")
        ooxml.add_run(bottom, self.meta.classification)

    # -- the first page -------------------------------------------------------------------

    def title_block(self) -> None:
        meta = self.meta
        doc = self.document
        if self.config.logo and self.config.logo.suffix.lower() in (
            ".png",
            ".jpg",
            ".jpeg",
            ".gif",
        ):
            logo = doc.add_paragraph().add_run()
            logo.add_picture(str(self.config.logo), height=Cm(1.2))
            ooxml.set_alt_text(logo, f"{self.config.organisation or 'Unit'} logo")
        kicker = self.writer.styles.paragraph(doc, "Kicker")
        organisation = f"{self.config.organisation} · " if self.config.organisation else ""
        ooxml.add_run(kicker, f"{organisation}Scoping paper")
        title = self.writer.styles.paragraph(doc, "Title")
        self.writer.mark(title, meta.lines.get("title", meta.lines.get("topic", 1)))
        ooxml.add_run(title, meta.title)
        rows = [
            ("Reference", meta.ref, "Date", f"{meta.date.day} {meta.date:%B %Y}"),
            ("Status", meta.status.capitalize(), "Priority", f"{meta.priority} of 5"),
            ("Lead", meta.lead or "—", "Commissioned by", meta.commissioned_by or "—"),
            ("Authors", ", ".join(meta.authors) or "—", None, None),
            ("Classification", meta.classification, None, None),
        ]
        if meta.version or meta.supersedes:
            rows.append(("Version", meta.version or "—", "Replaces", meta.supersedes or "—"))
        if meta.cleared_by:
            rows.append(("Cleared by", "; ".join(str(who) for who in meta.cleared_by), None, None))
        if meta.distribution:
            rows.append(("Distribution", ", ".join(meta.distribution), None, None))
        if meta.decision_by:
            when = meta.decision_by
            rows.append(("Decision by", f"{when.day} {when:%B %Y}", None, None))
        table = doc.add_table(rows=len(rows), cols=4)
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        ooxml.column_widths(table, [Cm(3.2), Cm(5.3), Cm(3.2), Cm(5.3)])
        for r, (label, value, label2, value2) in enumerate(rows):
            cells = table.rows[r].cells
            self._meta_cell(cells[0], label, bold=True)
            if label2 is None:
                merged = cells[1].merge(cells[3])
                self._meta_cell(merged, value)
            else:
                self._meta_cell(cells[1], value)
                self._meta_cell(cells[2], label2, bold=True)
                self._meta_cell(cells[3], value2 or "")
            for cell in table.rows[r].cells:
                ooxml.shade(cell, TINT)
        ooxml.table_rows_hold(table, header_rows=0)
        if meta.tags:
            tags = self.writer.styles.paragraph(doc, "Paper Footer")
            ooxml.add_run(tags, "Tags: " + ", ".join(meta.tags))

    def _meta_cell(self, cell: Any, text: str, bold: bool = False) -> None:
        paragraph = cell.paragraphs[0]
        self.writer.styles.set(paragraph, "Table Text")
        run = ooxml.add_run(paragraph, text)
        if bold:
            run.bold = True

    def qa_box(self, notes: list[str]) -> None:
        table = self.document.add_table(rows=1, cols=1)
        cell = table.cell(0, 0)
        ooxml.shade(cell, "FCF3E8")
        head = cell.paragraphs[0]
        self.writer.styles.set(head, "Callout")
        points = f"{len(notes)} point{'s' if len(notes) != 1 else ''}"
        heading = f"Unit QA: {points} to resolve before this paper is cleared"
        ooxml.add_run(head, heading).bold = True
        for note in notes:
            self.writer.styles.paragraph(cell, "Callout", f"•\t{note}")
        ooxml.table_rows_hold(table, header_rows=0)
        self.writer.styles.paragraph(self.document, "Table Text")

    # -- the sections ---------------------------------------------------------------------

    def section(self, section: Section) -> None:
        doc = self.document
        heading = self.writer.styles.paragraph(doc, "Heading 1", section.title)
        self.writer.mark(heading, section.line)
        self.writer.prose(doc, section.intro, section.line)
        items = section.items
        if items:
            kind = section.kind
            if kind == "evidence":
                self.evidence([i for i in items if isinstance(i, Evidence)])
            elif kind == "partners":
                self.partners([i for i in items if isinstance(i, Partner)])
            elif kind == "actions":
                self.actions([i for i in items if isinstance(i, Action)])
            elif kind == "risks":
                self.risks([i for i in items if isinstance(i, Risk)])
            else:
                self.generic(items)
        self.writer.prose(doc, section.outro, section.line)

    def generic(self, items: list[Any]) -> None:
        """Items of a kind with no layout of its own: text, then every field as written."""
        for item in items:
            self.writer.prose(self.document, item.body, item.line, "List Bullet")
            named = [(name, name.capitalize()) for name in item.fields]
            self._fields(item, named, {})

    def _fields(self, item: Any, names: list[tuple[str, str]], missing: dict[str, str]) -> None:
        for name, label in names:
            found = item.fields.get(name)
            if found is None and name not in missing:
                continue
            paragraph = self.writer.styles.paragraph(self.document, "Field")
            paragraph.paragraph_format.left_indent = Cm(0.6)
            ooxml.add_run(paragraph, f"{label}: ").bold = True
            if found is None:
                ooxml.add_run(paragraph, missing[name]).italic = True
                self.writer.mark(paragraph, item.line)
                continue
            self.writer.mark(paragraph, found.line)
            self._inline_value(paragraph, found)
        for extra in item.extra_fields:
            paragraph = self.writer.styles.paragraph(self.document, "Field")
            paragraph.paragraph_format.left_indent = Cm(0.6)
            self.writer.mark(paragraph, extra.line)
            ooxml.add_run(paragraph, f"{extra.label}: ").bold = True
            self._inline_value(paragraph, extra)

    def _inline_value(self, paragraph: Any, found: Any) -> None:
        tokens = found.value.tokens
        if tokens and tokens[0].type == "inline":
            self.writer.inline(paragraph, tokens[0].children or [])
            if len(tokens) > 1:
                from scoper.brief.prose import Prose

                self.writer.prose(self.document, Prose(tokens[1:]), found.line, "Field")
        else:
            self.writer.prose(self.document, found.value, found.line, "Field")

    def evidence(self, items: list[Evidence]) -> None:
        for number, item in enumerate(items, start=1):
            label = self.writer.styles.paragraph(self.document, "Item Label")
            self.writer.mark(label, item.line)
            ooxml.add_run(label, f"E{number}  ")
            grade = ooxml.add_run(label, f"{(item.strength or '').upper()} EVIDENCE")
            grade.font.color.rgb = RGBColor.from_string(
                GRADE_COLOURS.get(item.strength or "", "505A5F")
            )
            if item.published:
                ooxml.add_run(label, f"  {item.published.text}")
            self.writer.prose(self.document, item.body, item.line)
            self._fields(item, [("source", "Source")], {})

    def partners(self, items: list[Partner]) -> None:
        for item in items:
            name = self.writer.styles.paragraph(self.document, "Heading 2", item.name)
            self.writer.mark(name, item.line)
            tags = self.writer.styles.paragraph(self.document, "Item Label")
            commitment = (item.commitment or "commitment not stated").replace("-", " ")
            ooxml.add_run(
                tags, f"{item.sector.replace('-', ' ').capitalize()} · {commitment.capitalize()}"
            )
            self.writer.prose(self.document, item.body, item.line)
            self._fields(
                item,
                [
                    ("insight", "Insight"),
                    ("role", "Role"),
                    ("interests", "Interests"),
                    ("contact", "Contact"),
                ],
                {"interests": "Not declared"},
            )

    def _table(self, headings: list[str], widths: list[float]) -> Any:
        table = self.document.add_table(rows=1, cols=len(headings))
        ooxml.table_look(table)
        for cell, heading in zip(table.rows[0].cells, headings, strict=True):
            paragraph = cell.paragraphs[0]
            self.writer.styles.set(paragraph, "Table Text")
            run = ooxml.add_run(paragraph, heading)
            run.bold = True
            run.font.color.rgb = RGBColor.from_string("FFFFFF")
            ooxml.shade(cell, self.accent)
        self._widths = [Cm(width) for width in widths]
        return table

    def _cell(self, cell: Any, line: int, text: str | None = None, value: Any = None) -> None:
        paragraph = cell.paragraphs[0]
        self.writer.styles.set(paragraph, "Table Text")
        self.writer.mark(paragraph, line)
        if value is not None:
            tokens = value.tokens
            if len(tokens) == 1 and tokens[0].type == "inline":
                self.writer.inline(paragraph, tokens[0].children or [])
            else:
                cell._element.remove(paragraph._p)
                self.writer.prose(cell, value, line, "Table Text")
        else:
            ooxml.add_run(paragraph, text or "—")

    def actions(self, items: list[Action]) -> None:
        table = self._table(
            ["#", "Action", "Owner", "Due", "Lever", "Status"], [0.8, 5.6, 3.4, 2.2, 2.6, 2.4]
        )
        for number, item in enumerate(items, start=1):
            cells = table.add_row().cells
            self._cell(cells[0], item.line, str(number))
            self._cell(cells[1], item.line, value=item.body)
            owner = item.fields.get("owner")
            self._cell(
                cells[2], owner.line if owner else item.line, value=owner.value if owner else None
            )
            due = item.fields.get("due")
            self._cell(
                cells[3],
                due.line if due else item.line,
                f"{item.due.day} {item.due:%b %Y}" if item.due else "—",
            )
            self._cell(cells[4], item.line, (item.lever or "—").capitalize())
            self._cell(cells[5], item.line, item.status.replace("-", " ").capitalize())
        ooxml.column_widths(table, self._widths)
        ooxml.table_rows_hold(table)
        self.writer.styles.paragraph(self.document, "Table Text")

    def risks(self, items: list[Risk]) -> None:
        if not any(item.fields for item in items):
            for item in items:
                self.writer.prose(self.document, item.body, item.line, "List Bullet")
            return
        table = self._table(["Risk", "Likelihood", "Impact", "Mitigation"], [6.5, 2.3, 2.3, 5.9])
        for item in items:
            cells = table.add_row().cells
            self._cell(cells[0], item.line, value=item.body)
            self._cell(cells[1], item.line, (item.likelihood or "—").capitalize())
            self._cell(cells[2], item.line, (item.impact or "—").capitalize())
            mitigation = item.fields.get("mitigation")
            self._cell(
                cells[3],
                mitigation.line if mitigation else item.line,
                value=mitigation.value if mitigation else None,
            )
        ooxml.column_widths(table, self._widths)
        ooxml.table_rows_hold(table)
        self.writer.styles.paragraph(self.document, "Table Text")
