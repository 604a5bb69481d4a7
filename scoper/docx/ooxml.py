"""The pieces of WordprocessingML that python-docx has no API for: fields, shading, repeated
header rows, hyperlinks, bookmarks, footnotes, a watermark and custom document properties.

Each is written as Word itself writes it, so that Word and LibreOffice read, show and keep
it on saving.
"""

from __future__ import annotations

from html import escape as _escape
from typing import TYPE_CHECKING, Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement
from docx.parts.story import StoryPart

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def escape(text: str) -> str:
    """``text`` for XML element content. (xml.sax.saxutils would do, but it loads
    urllib.request, and with it http and ssl: a tenth of a Word paper's time.)"""
    return _escape(text, quote=False)


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value, its line breaks and tabs kept as
    character references (a parser would otherwise read them as spaces)."""
    value = _escape(text, quote=True)
    return '"' + value.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


class StyleIds:
    """Styles by name, looked up once. python-docx finds a style by name, and looks for the
    default style, by walking every style of the document each time a paragraph is styled:
    most of the time a Word paper took. Setting the style's id directly skips that."""

    def __init__(self, document: Document) -> None:
        self.ids = {style.name: style.style_id for style in document.styles}

    def paragraph(self, container: Any, name: str | None = None, text: str = "") -> Paragraph:
        """A new paragraph at the end of ``container`` (the body, a cell, a header)."""
        paragraph = container.add_paragraph()
        if text:
            add_run(paragraph, text)
        if name:
            self.set(paragraph, name)
        return paragraph

    def set(self, paragraph: Paragraph, name: str) -> None:
        _set_first(paragraph._p, "w:pPr", "w:pStyle", self.ids.get(name))

    def run(self, run: Run, name: str) -> None:
        _set_first(run._r, "w:rPr", "w:rStyle", self.ids.get(name))


def _set_first(element: Any, properties_tag: str, style_tag: str, style_id: str | None) -> None:
    """Give a paragraph or run (``element``) the style ``style_id``: both the properties and
    the style come first in their parent, so no search is needed. (python-docx's setter
    looks for each of the forty elements that may follow, at every paragraph: a fifth of a
    Word paper's time.)"""
    if style_id is None:
        return
    properties = element.find(qn(properties_tag))
    if properties is None:
        properties = OxmlElement(properties_tag)
        element.insert(0, properties)
    style = properties.find(qn(style_tag))
    if style is None:
        style = OxmlElement(style_tag)
        properties.insert(0, style)
    style.set(qn("w:val"), style_id)


def add_run(paragraph: Paragraph, text: str = "") -> Run:
    """A run of ``text`` at the end of ``paragraph``, as python-docx's ``add_run`` makes it.
    Text without tabs or line breaks is written as one ``w:t`` at once: python-docx reads
    it character by character, a tenth of a Word paper's time."""
    if not text or "\t" in text or "\n" in text or "\r" in text:
        return paragraph.add_run(text)
    from docx.text.run import Run

    r = paragraph._p.add_r()
    t = OxmlElement("w:t")
    t.text = text
    if text[0].isspace() or text[-1].isspace():
        t.set(qn("xml:space"), "preserve")
    r.append(t)
    return Run(r, paragraph)


def add_field(paragraph: Paragraph, instruction: str, shown: str = "1") -> None:
    """A field (PAGE, NUMPAGES) as Word writes one: begin, instruction, result, end."""
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} '
        "</w:instrText></w:r>",
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r {nsdecls('w')}><w:t>{escape(shown)}</w:t></w:r>",
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def shade(cell: _Cell, fill: str) -> None:
    """A cell's background colour (``fill`` as RRGGBB)."""
    properties = cell._tc.get_or_add_tcPr()
    properties.append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


def table_rows_hold(table: Table, header_rows: int = 1) -> None:
    """Header rows repeated on every page, and no row split across two pages."""
    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if index < header_rows:
            properties.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def table_look(table: Table, width_pct: int = 100) -> None:
    """The table spans the text width, with light rules between rows."""
    properties = table._tbl.tblPr
    properties.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{width_pct * 50}" w:type="pct"/>'))
    properties.append(
        parse_xml(
            f"<w:tblBorders {nsdecls('w')}>"
            '<w:top w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/>'
            '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="B1B4B6"/>'
            "</w:tblBorders>"
        )
    )


def column_widths(table: Table, widths: list[int]) -> None:
    """Fixed column widths (in EMU), in the grid LibreOffice reads and on every cell, which
    Word reads."""
    table.autofit = False
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths, strict=False):
        column.set(qn("w:w"), str(int(width / 635)))  # EMU to twentieths of a point
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def keep_with_next(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


def add_hyperlink(paragraph: Paragraph, url: str) -> object:
    """An external hyperlink around runs still to be added; returns the element to add
    them to."""
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{r_id}" w:history="1"/>')
    paragraph._p.append(link)
    return link


def add_bookmark(paragraph: Paragraph, name: str, ident: int) -> None:
    """An empty bookmark at the start of a paragraph: where it came from in the brief.
    A name starting with an underscore is hidden in Word's list of bookmarks."""
    start = parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{ident}" w:name={quoteattr(name)}/>')
    end = parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{ident}"/>')
    paragraph._p.insert(_after_properties(paragraph), end)
    paragraph._p.insert(_after_properties(paragraph), start)


def _after_properties(paragraph: Paragraph) -> int:
    return 1 if paragraph._p.pPr is not None else 0


def set_alt_text(run: Run, description: str) -> None:
    """An inline picture's alt text (``wp:docPr/@descr``), which screen readers read."""
    for doc_pr in run._r.iter(qn("wp:docPr")):
        doc_pr.set("descr", description)
        doc_pr.set("title", description[:250])


def watermark(paragraph: Paragraph, text: str) -> None:
    """A diagonal watermark behind the page's text, as Word's own Design > Watermark makes
    one (a VML text path in the header), so it shows on every page."""
    shape = (
        f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/></v:shapetype>'
        f'<v:shape id="ScoperWatermark" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:468pt;height:117pt;'
        "rotation:315;z-index:-251657216;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin" fillcolor="#a8261a" stroked="f">'
        '<v:fill opacity=".15"/>'
        '<v:textpath style="font-family:&quot;Arial&quot;;font-size:1pt" '
        f"string={quoteattr(text)}/>"
        "</v:shape></w:pict></w:r>"
    )
    paragraph._p.append(parse_xml(shape))


def callout_borders(paragraph: Paragraph, colour: str) -> None:
    """A rule down the left of a paragraph, as the papers' callouts have."""
    properties = paragraph._p.get_or_add_pPr()
    properties.append(
        parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="24" w:space="8" '
            f'w:color="{colour}"/></w:pBdr>'
        )
    )


def paragraph_shading(paragraph: Paragraph, fill: str) -> None:
    properties = paragraph._p.get_or_add_pPr()
    properties.append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


class Footnotes:
    """The document's footnotes part, made on first use: Word's real footnotes, numbered by
    Word, shown at the foot of the page their reference is on."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.root: Any = None
        self.next_id = 1

    def _ensure(self) -> Any:
        if self.root is not None:
            return self.root
        document_part = self.document.part
        for rel in document_part.rels.values():
            if rel.reltype == RT.FOOTNOTES and isinstance(rel.target_part, XmlPart):
                self.root = rel.target_part.element
                return self.root
        self.root = parse_xml(
            f"<w:footnotes {nsdecls('w')}>"
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
            'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
            'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/>'
            "</w:r></w:p></w:footnote></w:footnotes>"
        )
        # A story part, like the body's: its runs take the document's styles, and its
        # hyperlinks and pictures are related from it.
        part = StoryPart(
            PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, self.root, document_part.package
        )
        document_part.relate_to(part, RT.FOOTNOTES)
        return self.root

    @property
    def part(self) -> XmlPart:
        """The footnotes part: a footnote's hyperlinks are related from it."""
        self._ensure()
        return next(
            rel.target_part
            for rel in self.document.part.rels.values()
            if rel.reltype == RT.FOOTNOTES
        )

    def add(self, run_parent: Any) -> Any:
        """A new footnote, referenced from a run appended to ``run_parent`` (a paragraph's
        ``w:p`` or a hyperlink); returns the footnote's paragraph element to fill."""
        root = self._ensure()
        ident = self.next_id
        self.next_id += 1
        run_parent.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
                f'<w:footnoteReference w:id="{ident}"/></w:r>'
            )
        )
        note = parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{ident}"><w:p><w:pPr><w:pStyle '
            'w:val="FootnoteText"/></w:pPr><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/>'
            '</w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r></w:p>'
            "</w:footnote>"
        )
        root.append(note)
        return note[0]


def custom_properties(document: Document, values: dict[str, str]) -> None:
    """Custom document properties (File > Properties > Custom), which Word and LibreOffice
    both keep on saving: where the paper came from, for ``scoper review``."""
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" '
        f"name={quoteattr(name)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(values.items(), start=2)
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<Properties "
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{items}</Properties>"
    )
    package = document.part.package
    for rel in package.rels.values():
        if rel.reltype == RT.CUSTOM_PROPERTIES:
            rel.target_part._blob = xml.encode("utf-8")
            return
    part = Part(
        PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, xml.encode("utf-8"), package
    )
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
