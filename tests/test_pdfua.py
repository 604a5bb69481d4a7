"""PDF/UA checked by a checker nobody here wrote (outloud: ISO 14289-1's Matterhorn
checkpoints and WCAG 2.2), and the structure repairs of scoper.pdf.tagfix one by one."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from outloud import check
from outloud.model import Document
from pikepdf import Name

from scoper.build import BriefResult, build_many
from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.pack.model import Week
from scoper.pdf import tagfix

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "briefs"
CONSTRUCTS = Path(__file__).resolve().parent / "pdfua"

# Warnings outloud's heuristics give where the structure is right (docs/accessibility.md,
# "Where outloud is wrong"); the tests below show the structure for each.
EXPLAINED = {"ORD-001", "PAG-001"}


@pytest.fixture(scope="session")
def pdfs(
    tmp_path_factory: pytest.TempPathFactory, built_examples: dict[str, BriefResult]
) -> dict[str, Path]:
    """Every kind of PDF scoper writes: the example papers, briefs using every construct
    of the format, and the pack."""
    found = {
        name: next(p for p in result.written if p.suffix == ".pdf")
        for name, result in built_examples.items()
    }
    work = tmp_path_factory.mktemp("pdfua")
    briefs = work / "briefs"
    shutil.copytree(CONSTRUCTS, briefs)
    shutil.copytree(EXAMPLES / "images", briefs / "images")
    for result in build_many(sorted(briefs.glob("*.md")), Config(), work / "out"):
        assert result.ok, [p.format() for p in result.problems]
        found[result.path.stem] = next(p for p in result.written if p.suffix == ".pdf")
    outcome = build_pack(
        sorted(EXAMPLES.glob("*.md")), Config(), work / "pack", week=Week.parse("2026-W48")
    )
    assert outcome.ok
    found["pack"] = work / "pack" / f"{outcome.name}.pdf"
    # A public version, with withheld passages, sections and items in it.
    from tests.test_public import BRIEF

    (briefs / "public").mkdir()
    shutil.copytree(EXAMPLES / "images", briefs / "public" / "images")
    (briefs / "public" / "leaky.md").write_text(BRIEF)
    [public] = build_many(
        [briefs / "public" / "leaky.md"],
        Config(),
        work / "public",
        formats=frozenset({"pdf"}),
        public=True,
    )
    assert public.ok, [p.format() for p in public.problems]
    found["public"] = work / "public" / "leaky.public.pdf"
    return found


def test_outloud_finds_no_error_in_any_pdf(pdfs: dict[str, Path]) -> None:
    assert {"every-list-form", "every-table-form", "pack", "alcohol-harm", "public"} <= set(pdfs)
    for name, path in pdfs.items():
        result = check(str(path))
        assert result.error is None, (name, result.error)
        findings = [(f.rule, f.message) for f in result.findings if f.severity != "info"]
        assert result.errors == 0, (name, findings)
        unexplained = [f for f in findings if f[0] not in EXPLAINED]
        assert unexplained == [], (name, unexplained)


def test_running_heads_page_numbers_and_watermark_are_pagination_artifacts(
    pdfs: dict[str, Path],
) -> None:
    for name in ("loneliness", "every-list-form", "pack"):
        document = Document(str(pdfs[name]))
        try:
            for page in document.pages:
                runs = [r for r in document.content(page.index).runs if r.text.strip()]
                artifacts = " ".join(r.text for r in runs if r.artifact)
                assert "Page " in artifacts and "OFFICIAL" in artifacts, (name, page.number)
                if name != "pack":
                    assert "DRAFT" in artifacts, (name, page.number)
                # Nothing painted in the page's margins (24 mm at the top, 22 at the
                # bottom of 297) is tagged content.
                top, bottom = page.height * (1 - 24 / 297), page.height * 22 / 297
                in_margins = [
                    r.text
                    for r in runs
                    if r.mcid is not None and (r.bbox[1] >= top or r.bbox[3] <= bottom)
                ]
                assert in_margins == [], (name, page.number)
        finally:
            document.close()


def test_the_structure_tree_reads_in_the_order_the_page_is_painted(
    pdfs: dict[str, Path],
) -> None:
    """Except the labels of outside list markers, which WeasyPrint paints after the page's
    flow (docs/accessibility.md): their Lbl stays first in its item, where it is read."""
    for name, path in pdfs.items():
        document = Document(str(path))
        try:
            logical: dict[int, list] = {}
            owner = {}
            for element in document.elements:
                for ref in element.mcrefs:
                    logical.setdefault(ref.page, []).append((ref.stream, ref.mcid))
                    owner[(ref.page, ref.stream, ref.mcid)] = element
            for page in document.pages:
                order = [
                    key
                    for key in document.content(page.index).paint_order
                    if key in set(logical.get(page.index, []))
                    and "Lbl" not in owner[(page.index, *key)].path
                ]
                tree = [key for key in logical.get(page.index, []) if key in set(order)]
                assert order == tree, (name, page.number)
        finally:
            document.close()


def test_lists_hold_only_items_and_items_have_bodies(pdfs: dict[str, Path]) -> None:
    for name, path in pdfs.items():
        document = Document(str(path))
        try:
            for element in document.elements:
                if element.type == "L":
                    kinds = {c.type for c in element.children}
                    assert kinds <= {"LI", "L", "Caption"}, (name, element.path, kinds)
                if element.type == "LI":
                    kinds = [c.type for c in element.children]
                    assert "LBody" in kinds, (name, element.path)
                    assert set(kinds) <= {"Lbl", "LBody"}, (name, element.path, kinds)
        finally:
            document.close()


def test_every_link_annotation_sits_in_one_link_and_prints(pdfs: dict[str, Path]) -> None:
    for name, path in pdfs.items():
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                for annotation in page.obj.get(Name.Annots, []):
                    assert int(annotation.F) & tagfix.PRINT_FLAG, name
        document = Document(str(path))
        try:
            for annotation in document.annotations:
                if annotation.subtype == "Link":
                    owners = document.objr_owners[annotation.objgen]
                    assert [o.type for o in owners] == ["Link"], name
            for element in document.elements_of("Link"):
                assert element.parent.type != "Link", (name, element.path)
        finally:
            document.close()


# The repairs one at a time, on WeasyPrint's own output for a few lines of HTML.


def _render(body: str, css: str = "") -> bytes:
    from weasyprint import HTML

    html = f'<html lang="en"><head><title>T</title><style>{css}</style></head><body>{body}'
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def _tree(pdf: bytes) -> str:
    """The structure tree as one line: element types, children in brackets."""

    def walk(element: pikepdf.Dictionary) -> str:
        kids = element.get(Name.K)
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids else []
        inner = [walk(k) for k in kids if isinstance(k, pikepdf.Dictionary) and Name.S in k]
        inner = [i for i in inner if i != "Span"]
        name = str(element.S)[1:]
        return f"{name}[{' '.join(inner)}]" if inner else name

    with pikepdf.open(io.BytesIO(pdf)) as document:
        return walk(document.Root.StructTreeRoot.K[0])


def test_a_definition_group_becomes_one_item_with_its_term_as_label() -> None:
    pdf = _render("<dl><div><dt>Source</dt><dd>A report</dd></div></dl>")
    assert _tree(pdf) == "Document[L[Div[LI[LBody] LI[LBody]]]]"  # WeasyPrint's
    assert _tree(tagfix.repair(pdf)) == "Document[L[LI[Lbl LBody]]]"


def test_a_list_item_of_paragraphs_gets_a_body() -> None:
    pdf = _render("<ol><li><p>One</p><p>Two</p></li></ol>")
    assert _tree(pdf) == "Document[L[LI[Lbl P P]]]"
    assert _tree(tagfix.repair(pdf)) == "Document[L[LI[Lbl LBody[P P]]]]"


def test_nested_links_become_one_link_holding_every_annotation() -> None:
    pdf = _render(
        '<p style="width: 8em"><a href="https://example.org/a">a link that wraps</a></p>',
        'a::after { content: " (" attr(href) ")" }',
    )
    assert "Link[Link]" in _tree(pdf).replace("Link[Span]", "Link")
    repaired = tagfix.repair(pdf)
    assert "Link[Link" not in _tree(repaired)
    with pikepdf.open(io.BytesIO(repaired)) as document:
        annotations = [a for p in document.pages for a in p.obj.get(Name.Annots, [])]
        assert annotations and all(int(a.F) & tagfix.PRINT_FLAG for a in annotations)
        # The parent tree names each annotation's Link.
        numbers = pikepdf.NumberTree(document.Root.StructTreeRoot.ParentTree)
        assert {numbers[int(a.StructParent)].S for a in annotations} == {Name.Link}


def test_margin_boxes_become_pagination_artifacts_either_way_the_stream_is_read() -> None:
    pdf = _render("<p>Body text</p>", '@page { @bottom-right { content: "Page " counter(page) } }')
    for parse in (False, True):
        with pikepdf.open(io.BytesIO(pdf)) as document:
            if parse:  # the slower path, for content not laid out as WeasyPrint does
                page = document.pages[0]
                data = page.obj.Contents.read_bytes().replace(b"\nBDC", b" BDC")
                page.obj.Contents = document.make_stream(data)
            tagfix.repair_document(document)
            content = document.pages[0].obj.Contents.read_bytes()
            assert b"/Artifact" in content and b"/Pagination" in content
            numbers = pikepdf.NumberTree(document.Root.StructTreeRoot.ParentTree)
            entries = numbers[int(document.pages[0].obj.StructParents)]
            assert len(entries) == 1 and str(entries[0].S) == "/Span"  # "Body text" only


def test_an_untagged_pdf_is_left_alone() -> None:
    from weasyprint import HTML

    pdf = HTML(string="<p>x</p>").write_pdf()
    assert tagfix.repair(pdf) is pdf


def test_a_marked_content_number_beside_an_items_body_joins_the_body() -> None:
    # Not what WeasyPrint writes today, but a structure tree may: LI > Lbl, 7, LBody.
    with pikepdf.open(io.BytesIO(_render("<ol><li><p>One</p></li></ol>"))) as document:
        [item] = [
            e for e in tagfix._elements(document.Root.StructTreeRoot) if e.get(Name.S) == Name.LI
        ]
        label = item.K[0]
        body = document.make_indirect(
            pikepdf.Dictionary(Type=Name.StructElem, S=Name.LBody, P=item, K=pikepdf.Array([]))
        )
        item.K = pikepdf.Array([label, 7, body])
        tagfix._item_gets_body(document, item)
        assert [int(k) if isinstance(k, int) else str(k.S) for k in item.K] == ["/Lbl", "/LBody"]
        assert [int(k) for k in item.K[1].K] == [7]
