"""Accessible, archivable papers: axe-core in Chromium finds nothing against WCAG 2.2 AA
in the HTML, the PDFs are tagged PDF/UA-1 (or PDF/A-3u with their source inside), and a
paper printed from the browser looks like the PDF."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from scoper.build import BriefResult, build_one
from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.pack.model import Week
from tests.conftest import CHROMIUM, EXAMPLES, ROOT, valid_brief

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
needs_browser = pytest.mark.skipif(
    not (AXE.exists() and CHROMIUM.exists()) and not os.environ.get("CI"),
    reason="needs Debian's chromium and axe-core (scripts/setup.sh installs both)",
)


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("a11y")
    shutil.copytree(EXAMPLES, work / "briefs")
    outcome = build_pack(
        sorted((work / "briefs").glob("*.md")), Config(), work / "out", week=Week.parse("2026-W48")
    )
    assert outcome.ok
    return work / "out"


# -- PDF ------------------------------------------------------------------------------------


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []

    def walk(element: object) -> None:
        if isinstance(element, pikepdf.Dictionary) and Name_S in element:
            found.append(element)
        kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                walk(kid)
        elif isinstance(kids, pikepdf.Dictionary):
            walk(kids)

    walk(pdf.Root.StructTreeRoot)
    return found


Name_S = "/S"


def assert_pdf_ua(path: Path, title: str) -> pikepdf.Pdf:
    pdf = pikepdf.open(path)
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == "en-GB"
    assert root.ViewerPreferences.DisplayDocTitle is True
    metadata = pdf.open_metadata()
    assert metadata.get("pdfuaid:part") == "1"
    assert metadata.get("dc:title") == title
    # Every structure element that names a page names one of this PDF's pages.
    pages = {page.obj.objgen for page in pdf.pages}
    elements = structure_elements(pdf)
    assert all(e.Pg.objgen in pages for e in elements if "/Pg" in e)
    keys = [int(k) for k, _ in pikepdf.NumberTree(root.StructTreeRoot.ParentTree).items()]
    assert len(keys) == len(set(keys))
    for page in pdf.pages:
        assert int(page.obj.StructParents) in keys
    return pdf


def test_every_example_paper_is_tagged_pdf_ua(built_examples: dict[str, BriefResult]) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        pdf = assert_pdf_ua(
            next(p for p in result.written if p.suffix == ".pdf"), result.brief.meta.title
        )
        kinds = {str(e.S) for e in structure_elements(pdf)}
        assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/L"} <= kinds, kinds


def test_images_carry_their_alt_text_into_the_pdf(built_examples: dict[str, BriefResult]) -> None:
    result = built_examples["alcohol-harm"]
    assert result.brief is not None
    pdf = pikepdf.open(next(p for p in result.written if p.suffix == ".pdf"))
    figures = [e for e in structure_elements(pdf) if e.S == "/Figure"]
    # The example's figure is a chart drawn from its table: its alt text says what it shows.
    html = next(p for p in result.written if p.suffix == ".html").read_text()
    [alt] = re.findall(r'class="chart-image" src="[^"]*" alt="([^"]*)"', html)
    assert alt.startswith("Bar chart of Admissions")
    assert [str(f.Alt) for f in figures] == [alt]


def test_the_pack_is_one_tagged_document(pack_dir: Path) -> None:
    pdf = assert_pdf_ua(pack_dir / "pack-2026-W48.pdf", "Weekly priorities pack")
    document = pdf.Root.StructTreeRoot.K[0]
    assert document.S == "/Document"
    # The cover (with the grid), the contents, six papers, and the four closing parts
    # (each laid out on its own), each a Part of it.
    assert [str(part.S) for part in document.K] == ["/Part"] * 12


def test_pdf_a_3u_carries_the_source(tmp_path: Path) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text(valid_brief())
    result = build_one(brief, Config(pdf_variant="pdf/a-3u"), tmp_path / "out", "pdf")
    assert result.ok, [p.format() for p in result.problems]
    pdf = pikepdf.open(tmp_path / "out" / "brief.pdf")
    metadata = pdf.open_metadata()
    assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("3", "U")
    attached = pdf.attachments["brief.md"]
    assert attached.get_file().read_bytes() == brief.read_bytes()
    assert "/OutputIntents" in pdf.Root and "/StructTreeRoot" in pdf.Root


def test_pack_in_pdf_a_3u_carries_every_source(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    paths = sorted((tmp_path / "briefs").glob("*.md"))
    outcome = build_pack(paths, Config(pdf_variant="pdf/a-3u"), tmp_path / "out")
    assert outcome.ok
    pdf = pikepdf.open(tmp_path / "out" / "pack.pdf")
    assert sorted(pdf.attachments) == sorted(p.name for p in paths)
    assert pdf.open_metadata().get("pdfaid:part") == "3"
    assert "/OutputIntents" in pdf.Root


def test_pdf_variant_option_and_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli
    from scoper.config import ConfigError, parse_config

    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.md").write_text(valid_brief())
    result = CliRunner().invoke(cli, ["build", "b.md", "--pdf-variant", "pdf/a-3u"])
    assert result.exit_code == 0, result.output
    assert "b.md" in pikepdf.open(tmp_path / "output" / "b.pdf").attachments
    assert CliRunner().invoke(cli, ["build", "b.md", "--pdf-variant", "pdf/x"]).exit_code == 2
    assert (
        parse_config(b'pdf-variant = "PDF/A-3u"\n', Path("scoper.toml")).pdf_variant == "pdf/a-3u"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(b'pdf-variant = "pdf/a-1b"\n', Path("scoper.toml"))
    assert "'pdf-variant' must be pdf/ua-1 or pdf/a-3u" in caught.value.message


# -- HTML, in Chromium ---------------------------------------------------------------------


def axe_violations(browser, url: str, width: int = 1280) -> list[str]:
    # The preview's pages allow only their own script; axe is let in for the test.
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)",
        WCAG_22_AA,
    )
    context.close()
    return found


@needs_browser
def test_example_papers_and_the_pack_have_no_axe_violations(
    browser, built_examples: dict[str, BriefResult], pack_dir: Path
) -> None:
    pages = [next(p for p in r.written if p.suffix == ".html") for r in built_examples.values()]
    pages.append(pack_dir / "pack-2026-W48.html")
    assert len(pages) == 7
    for path in pages:
        assert axe_violations(browser, path.as_uri()) == [], path.name


@needs_browser
def test_preview_pages_have_no_axe_violations(browser, tmp_path: Path) -> None:
    import re

    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    (tmp_path / "briefs" / "broken.md").write_text("---\ntitle: [\n---\n")
    server = subprocess.Popen(
        [sys.executable, "-m", "scoper", "serve", "briefs", "--port", "0"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://\S+/", server.stderr.readline())[0]
        for path in ("", "paper/alcohol-harm", "paper/broken", "pack/2026-W48"):
            assert axe_violations(browser, url + path) == [], path
        # The dashboard in a narrow window, where each brief is a card.
        assert axe_violations(browser, url, width=400) == []
    finally:
        server.terminate()
        server.wait(10)


@needs_browser
def test_printing_a_paper_from_the_browser_looks_like_the_pdf(
    browser, built_examples: dict[str, BriefResult]
) -> None:
    result = built_examples["loneliness"]  # a draft, OFFICIAL
    assert result.brief is not None
    page = browser.new_page()
    page.goto(next(p for p in result.written if p.suffix == ".html").as_uri())
    printed = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    page.close()
    count = len(printed.pages)
    assert count >= 2
    for number, sheet in enumerate(printed.pages, start=1):
        text = sheet.extract_text()
        assert text.count("OFFICIAL") >= 2, number  # the marking, top and bottom
        assert f"Page {number} of {count}" in text
        assert "DRAFT" in text
    assert "All briefs" not in printed.pages[0].extract_text()
