"""Links to another paper by its ref (brief format, version 2): to its file beside the paper
outside the pack, to its first page inside the pack PDF, and text when it is not known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pikepdf
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from scoper.build import build_many
from scoper.config import Config
from scoper.pack.assemble import Part, merge
from scoper.pack.build import build_pack
from scoper.pack.model import Week
from tests.conftest import valid_brief

TODAY = dt.date(2026, 11, 28)
LINKS = (
    "One in fourteen adults is chronically lonely (see [PU-2026-902](ref:PU-2026-902) "
    "and [PU-2099-001](ref:PU-2099-001))."
)
A = valid_brief().replace("One in fourteen adults is chronically lonely.", LINKS)
B = (
    valid_brief()
    .replace("ref: PU-2026-900", "ref: PU-2026-902")
    .replace("title: Tackling loneliness in later life", "title: Befriending at scale")
    .replace("# Tackling loneliness in later life", "# Befriending at scale")
)
UNKNOWN_LINE = A.splitlines().index(next(x for x in A.splitlines() if "PU-2099-001" in x)) + 1


def _briefs(folder: Path, b_name: str = "b.md") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.md").write_text(A, encoding="utf-8")
    (folder / b_name).write_text(B, encoding="utf-8")
    return sorted(folder.glob("*.md"))


def _uris(pdf: Path | bytes) -> list[str]:
    """Every URI link of the PDF."""
    source = pikepdf.open(pdf) if isinstance(pdf, Path) else pikepdf.open(_buffer(pdf))
    with source:
        return [
            str(annotation.A.URI)
            for page in source.pages
            for annotation in page.obj.get("/Annots", [])
            if "/A" in annotation and annotation.A.get("/S") == "/URI"
        ]


def _buffer(data: bytes) -> object:
    import io

    return io.BytesIO(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("reflinks")
    results = build_many(
        _briefs(work / "briefs"), Config(), work / "out", frozenset({"html", "pdf", "docx"})
    )
    assert all(result.ok for result in results), [r.problems for r in results]
    [a] = [result for result in results if result.path.name == "a.md"]
    warned = [(p.line, p.severity) for p in a.problems if p.rule == "broken-reference"]
    # The unknown ref is reported at its line, and only it.
    assert warned == [(UNKNOWN_LINE, "warning")]
    return work / "out"


def test_the_html_paper_links_to_the_other_papers_html_file_beside_it(built: Path) -> None:
    soup = BeautifulSoup((built / "a.html").read_text(encoding="utf-8"), "html.parser")
    known = soup.select("a.paper-ref")
    assert [a["href"] for a in known] == ["b.html"]
    assert " ".join(known[0].get_text().split()) == "PU-2026-902 (Befriending at scale)"
    # The unknown ref stays its ref, as text, linked nowhere.
    unknown = [s for s in soup.select("span.paper-ref") if "PU-2099-001" in s.get_text()]
    assert unknown and unknown[0].find_parent("a") is None
    assert "a.md" not in str(soup) and "b.md" not in str(soup)


def test_the_pdf_paper_links_to_the_other_papers_pdf_file_beside_it(built: Path) -> None:
    uris = _uris(built / "a.pdf")
    assert "b.pdf" in uris
    # Relative, never against a folder of this machine; the unknown ref links nowhere.
    assert not [u for u in uris if "file:" in u or "scoper-" in u or "PU-2099" in u]
    text = " ".join(PdfReader(built / "a.pdf").pages[0].extract_text().split())
    assert "PU-2026-902 (Befriending at scale)" in text and "PU-2099-001" in text


def test_the_word_paper_links_to_the_other_papers_word_file_beside_it(built: Path) -> None:
    """In Word, as in HTML and PDF: a hyperlink to b.docx beside it (a relative target,
    which Word opens from the paper's own folder), reading "ref (short title)"; the
    unknown ref stays text."""
    import docx

    document = docx.Document(str(built / "a.docx"))
    targets = [
        rel.target_ref for rel in document.part.rels.values() if rel.reltype.endswith("/hyperlink")
    ]
    # The paper's own web links aside (https), the one known paper, and no ref: link.
    assert [t for t in targets if not t.startswith("https://")] == ["b.docx"]
    links = document.element.body.findall(".//" + docx.oxml.ns.qn("w:hyperlink"))
    texts = ["".join(t.text or "" for t in link.iter(docx.oxml.ns.qn("w:t"))) for link in links]
    assert " ".join(texts[0].split()) == "PU-2026-902 (Befriending at scale)"
    assert not any("PU-2099-001" in text for text in texts)
    body = " ".join(p.text for p in document.paragraphs)
    assert "PU-2099-001" in body


def test_a_link_to_a_paper_outside_the_pack_stays_a_file_link(built: Path) -> None:
    data = (built / "a.pdf").read_bytes()
    alone = merge([Part(data, "paper-a", {}, file="a.pdf")], "A pack of one")
    assert "b.pdf" in _uris(alone)


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    work = tmp_path_factory.mktemp("reflinks-pack")
    outcome = build_pack(
        _briefs(work / "briefs"), Config(), work / "out", week=Week.parse("2026-W48"), today=TODAY
    )
    assert outcome.ok and outcome.pack is not None, [p.format() for p in outcome.problems]
    first = {p.brief.meta.ref: p.first_page for p in outcome.pack.papers}
    return work, first


def test_in_the_pack_pdf_the_link_goes_to_the_other_papers_first_page(
    packed: tuple[Path, dict[str, int]],
) -> None:
    work, first = packed
    reader = PdfReader(work / "out" / "pack-2026-W48.pdf")
    a_start, b_start = first["PU-2026-900"] - 1, first["PU-2026-902"] - 1
    a_end = b_start if a_start < b_start else len(reader.pages)
    targets = []
    for index in range(a_start, a_end):
        for annotation in reader.pages[index].get("/Annots", []):
            annotation = annotation.get_object()
            action = annotation.get("/A")
            assert not (action and action.get("/URI") == "b.pdf"), "left a file link"
            if "/Dest" in annotation:
                targets.append(reader.get_page_number(annotation["/Dest"][0].get_object()))
    # The link lands on B's first page: the page the pack numbers first["PU-2026-902"].
    assert b_start in targets
    printed = reader.pages[b_start].extract_text()
    assert f"Page {first['PU-2026-902']} of {len(reader.pages)}" in " ".join(printed.split())
    # Beside the pack, each paper's own PDF still links to the other's file.
    assert "b.pdf" in _uris(work / "out" / "a.pdf")


def test_a_renamed_paper_is_a_change_to_the_papers_that_link_to_it(
    packed: tuple[Path, dict[str, int]],
) -> None:
    work, _ = packed
    (work / "briefs" / "b.md").rename(work / "briefs" / "c.md")
    outcome = build_pack(
        sorted((work / "briefs").glob("*.md")),
        Config(),
        work / "out",
        week=Week.parse("2026-W48"),
        today=TODAY,
    )
    assert outcome.ok
    assert "c.pdf" in _uris(work / "out" / "a.pdf")
    soup = BeautifulSoup((work / "out" / "a.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in soup.select("a.paper-ref")] == ["c.html"]


def test_the_pack_lets_go_of_each_part_once_copied(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Assembling a pack of 200 papers held every part's PDF open until the pack was saved:
    a third of the memory it took. Each part is now let go as soon as it is copied, and the
    pack is whole: its pages, their text and the outline of every part."""
    from scoper.pack import assemble

    opened: list[pikepdf.Pdf] = []  # kept, so that no other takes its id
    closed: set[int] = set()
    real_open, real_close = pikepdf.Pdf.open, pikepdf.Pdf.close

    def open_(*args: object, **kwargs: object) -> pikepdf.Pdf:
        pdf = real_open(*args, **kwargs)
        opened.append(pdf)
        return pdf

    def close(self: pikepdf.Pdf) -> None:
        closed.add(id(self))
        real_close(self)

    monkeypatch.setattr(assemble.Pdf, "open", open_)
    monkeypatch.setattr(pikepdf.Pdf, "close", close)
    a, b = (built / "a.pdf").read_bytes(), (built / "b.pdf").read_bytes()
    with assemble.PackPdf() as pack:
        for number in range(3):
            pack.add(Part(a if number % 2 == 0 else b, f"paper-{number}", {}))
            assert len(opened) == number + 1 and {id(pdf) for pdf in opened} <= closed, number
        data = pack.finish([Part(b, "part-cover", {})], "A pack of three")
    reader = PdfReader(__import__("io").BytesIO(data))
    length_a, length_b = (
        len(PdfReader(built / "a.pdf").pages),
        len(PdfReader(built / "b.pdf").pages),
    )
    assert len(reader.pages) == 2 * length_a + 2 * length_b
    text = reader.pages[length_b].extract_text()
    assert "Tackling loneliness in later life" in text  # the first added part follows the front
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles.count("Tackling loneliness in later life") == 2
    assert titles[0] == "Befriending at scale"
