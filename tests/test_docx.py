"""The Word paper, read back with python-docx and rendered by LibreOffice, and the
reviewers' comments and tracked changes brought back by ``scoper review``."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from pypdf import PdfReader

from scoper.build import BriefResult
from scoper.cli import cli
from tests.conftest import EXAMPLES, ROOT, scoper_in_new_python

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None and not __import__("os").environ.get("CI"),
    reason="LibreOffice (libreoffice-writer-nogui) is not installed",
)


def word_of(result: BriefResult) -> Path:
    found = [path for path in result.written if path.suffix == ".docx"]
    assert found, result.written
    return found[0]


def test_every_section_is_a_word_heading(built_examples: dict[str, BriefResult]) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        document = docx.Document(str(word_of(result)))
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        assert headings == [s.title for s in result.brief.sections]
        titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
        assert titles == [result.brief.meta.title]


def test_marking_running_header_and_page_fields_on_every_page(
    built_examples: dict[str, BriefResult],
) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        meta = result.brief.meta
        document = docx.Document(str(word_of(result)))
        [section] = document.sections
        header = [p.text for p in section.header.paragraphs]
        assert header[0] == meta.classification
        assert header[1].startswith(meta.ref + "\t")
        footer = section.footer
        assert footer.paragraphs[-1].text == meta.classification
        instructions = [t.text.strip() for t in footer._element.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"]
        watermark = "DRAFT" in section.header._element.xml and "v:textpath" in (
            section.header._element.xml
        )
        assert watermark == (meta.status == "draft"), result.path


def test_items_tables_footnotes_links_and_pictures(
    built_examples: dict[str, BriefResult],
) -> None:
    result = built_examples["alcohol-harm"]
    assert result.brief is not None
    path = word_of(result)
    document = docx.Document(str(path))
    # The action table: a header row repeated on every page, no row split across pages.
    actions = next(t for t in document.tables if t.rows[0].cells[0].text == "#")
    assert len(actions.rows) == len(result.brief.actions) + 1
    assert [c.text for c in actions.rows[0].cells][:3] == ["#", "Action", "Owner"]
    for index, row in enumerate(actions.rows):
        properties = row._tr.trPr
        assert properties.find(qn("w:cantSplit")) is not None
        assert (properties.find(qn("w:tblHeader")) is not None) == (index == 0)
    risks = next(t for t in document.tables if t.rows[0].cells[0].text == "Risk")
    assert len(risks.rows) == len(result.brief.risks) + 1
    # Evidence with its grade and source; partners by name with the missing interests said.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "E1  STRONG EVIDENCE" in text and "Source: NHS England" in text
    for partner in result.brief.partners:
        assert partner.name in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    # A callout is a shaded box with its title.
    callout = next(t for t in document.tables if t.cell(0, 0).paragraphs[0].text == "Warning")
    assert callout.cell(0, 0)._tc.tcPr.find(qn("w:shd")) is not None
    # Real footnotes: the footnotes part holds the note, the body refers to it.
    with zipfile.ZipFile(path) as package:
        notes = package.read("word/footnotes.xml").decode()
        body = package.read("word/document.xml").decode()
    assert "covers conditions wholly caused by alcohol" in notes
    assert body.count("<w:footnoteReference") == 1
    # Real hyperlinks, to the brief's web addresses.
    targets = {r.target_ref for r in document.part.rels.values() if r.is_external}
    assert any(t.startswith("https://digital.nhs.uk/") for t in targets)
    assert "<w:hyperlink" in body
    # The chart drawn from the brief's table, as a picture whose alt text says what it shows,
    # numbered and captioned as in the HTML, with its source line.
    [picture] = list(document.element.body.iter(qn("wp:docPr")))
    alt = picture.get("descr", "")
    assert alt.startswith("Bar chart of Admissions (thousands) by year")
    assert "from 314 in 2021 to 363 in 2025" in alt
    assert document.inline_shapes[0].width > 0
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Figure 1: Alcohol-specific hospital admissions in England, 2021 to 2025."]
    sources = [p.text for p in document.paragraphs if p.style.name == "Caption Source"]
    assert sources == ["Source: NHS England, Statistics on Alcohol, England 2026"]
    assert '<w:bookmarkStart w:id="' in body and 'w:name="fig_1"' in body


def test_document_properties(built_examples: dict[str, BriefResult]) -> None:
    result = built_examples["alcohol-harm"]
    assert result.brief is not None
    meta = result.brief.meta
    document = docx.Document(str(word_of(result)))
    core = document.core_properties
    assert core.title == meta.title
    assert core.author == "; ".join(meta.authors)
    assert core.subject.startswith("Alcohol-specific deaths in the UK")
    assert core.keywords == ", ".join(meta.tags)
    assert core.created.date() == meta.date
    assert core.language == "en-GB"
    styles = document.styles.element.xml
    assert 'w:lang w:val="en-GB"' in styles
    with zipfile.ZipFile(word_of(result)) as package:
        custom = package.read("docProps/custom.xml").decode()
    assert "scoper-brief-sha256" in custom and result.brief.path in custom


def test_clearance_details_in_title_block_and_properties(tmp_path: Path) -> None:
    brief = tmp_path / "cleared.md"
    text = (EXAMPLES / "loneliness.md").read_text()
    text = text.replace(
        "status: draft",
        "status: cleared\nversion: 3\ncleared-by:\n  - name: Sarah Jones\n"
        "    role: Head of Policy Unit\n    date: 2026-11-24\n"
        "distribution: [Private Office]\ndecision-by: 2026-12-04",
    )
    brief.write_text(text)
    result = CliRunner().invoke(cli, ["build", str(brief), "-o", str(tmp_path), "--format", "docx"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(tmp_path / "cleared.docx"))
    cells = [c.text for t in document.tables[:1] for r in t.rows for c in r.cells]
    assert "Cleared" in cells and "3" in cells
    assert "Sarah Jones, Head of Policy Unit (24 Nov 2026)" in cells
    assert "4 December 2026" in cells and "Private Office" in cells
    assert "Cleared by Sarah Jones" in document.core_properties.comments
    assert document.core_properties.version == "3"
    # A cleared paper carries no watermark and no QA box.
    header = document.sections[0].header._element.xml
    assert "v:textpath" not in header
    assert not any("Unit QA" in p.text for t in document.tables for p in t.cell(0, 0).paragraphs)


def test_qa_box_on_drafts_lists_the_warnings(tmp_path: Path) -> None:
    brief = tmp_path / "weak.md"
    text = (EXAMPLES / "loneliness.md").read_text()
    # A partner with no interests declared: a warning the reader of a draft should see.
    brief.write_text(text.replace("  - Interests: None declared\n", "", 1))
    CliRunner().invoke(cli, ["build", str(brief), "-o", str(tmp_path), "--format", "docx"])
    document = docx.Document(str(tmp_path / "weak.docx"))
    box = next(t for t in document.tables if t.cell(0, 0).paragraphs[0].text.startswith("Unit QA"))
    lines = [p.text for p in box.cell(0, 0).paragraphs[1:]]
    assert any("Office for National Statistics has not declared" in line for line in lines)


def test_nothing_from_the_brief_runs_or_is_fetched(tmp_path: Path) -> None:
    hostile = ROOT / "tests" / "hostile"
    out = tmp_path / "out"
    for name in ("script-in-prose.md", "unsafe-links.md"):
        CliRunner().invoke(cli, ["build", str(hostile / name), "-o", str(out), "--format", "docx"])
    for path in out.glob("*.docx"):
        document = docx.Document(str(path))
        for rel in document.part.rels.values():
            if rel.is_external:
                assert rel.target_ref.startswith(("http://", "https://", "mailto:", "tel:")), rel
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
        assert not [n for n in names if n.endswith((".bin", ".vba", "vbaProject.bin"))]
    script = docx.Document(str(out / "script-in-prose.docx"))
    assert "<script>" in "\n".join(p.text for p in script.paragraphs)


def test_a_unit_restyles_the_paper_with_its_own_reference_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scoper.toml").write_text('organisation = "Unit"\n')
    reference = docx.Document(str(ROOT / "templates" / "reference.docx"))
    reference.styles["Heading 1"].font.name = "Georgia"
    (tmp_path / "templates").mkdir()
    reference.save(str(tmp_path / "templates" / "reference.docx"))
    shutil.copy(EXAMPLES / "loneliness.md", tmp_path / "loneliness.md")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "loneliness.md", "--format", "docx"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(tmp_path / "output" / "loneliness.docx"))
    assert document.styles["Heading 1"].font.name == "Georgia"


def test_the_reference_document_holds_the_house_styles_and_nothing_left_over() -> None:
    """The theme's reference.docx (scripts/make_reference_docx.py) has every house style
    and the built-in ones a paper uses, but none of python-docx's template leftovers: its
    120 table styles, the Word 2010 copy of the styles, its thumbnail of another page."""
    from scoper.docx.styles import STYLES

    path = ROOT / "templates" / "reference.docx"
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
    assert "word/stylesWithEffects.xml" not in names
    assert not any(name.startswith(("docProps/thumbnail", "customXml/")) for name in names)
    reference = docx.Document(str(path))
    styles = {style.name for style in reference.styles}
    wanted = {spec.name for spec in STYLES} | {"Normal", "Title", "List Paragraph"}
    assert wanted <= styles
    assert {"Table Grid", "Normal Table"} <= styles  # the tables' base styles stay
    table_styles = [s for s in reference.styles if s.type == 3]  # WD_STYLE_TYPE.TABLE
    assert len(table_styles) == 2


def test_docx_only_build_never_imports_weasyprint(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = scoper_in_new_python(
        ["build", str(EXAMPLES / "loneliness.md"), "-o", str(out), "--format", "docx"],
        after="assert 'weasyprint' not in sys.modules, 'weasyprint imported'",
    )
    assert done.returncode == 0, done.stderr
    assert (out / "loneliness.docx").exists() and not (out / "loneliness.pdf").exists()


def test_format_sets(tmp_path: Path) -> None:
    brief = EXAMPLES / "loneliness.md"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(brief), "-o", str(tmp_path), "--format", "html,docx"])
    assert result.exit_code == 0
    assert sorted(p.suffix for p in tmp_path.iterdir() if p.is_file()) == [".docx", ".html"]
    result = runner.invoke(cli, ["build", str(brief), "-o", str(tmp_path), "--format", "pdf,xls"])
    assert result.exit_code == 2 and "xls: choose from html, pdf, docx or all" in result.output


# -- LibreOffice, a second reader ---------------------------------------------------------


def _soffice(args: list[str], cwd: Path) -> None:
    assert SOFFICE, "LibreOffice is needed (scripts/setup.sh installs it)"
    profile = cwd / "lo-profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=240,
    )


@needs_libreoffice
def test_libreoffice_renders_every_page_with_marking_and_numbers(
    built_examples: dict[str, BriefResult], tmp_path: Path
) -> None:
    papers = [word_of(result) for result in built_examples.values()]
    _soffice(["--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, papers)], tmp_path)
    for result in built_examples.values():
        assert result.brief is not None
        meta = result.brief.meta
        reader = PdfReader(tmp_path / f"{result.path.stem}.pdf")
        total = len(reader.pages)
        assert total >= 2
        for number, page in enumerate(reader.pages, start=1):
            lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
            assert lines[0] == meta.classification, (result.path, number, lines[:2])
            assert lines[-1] == meta.classification, (result.path, number, lines[-2:])
            assert f"Page {number} of {total}" in lines[-2], (result.path, number, lines[-2:])
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "loneliness.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 5000


# -- scoper review ------------------------------------------------------------------------


def _words(paragraph: Any) -> str:
    """A paragraph's text without its paragraph number."""
    return re.sub(r"^\d+\t", "", paragraph.text)


def _reviewed(source: Path, target: Path) -> None:
    """Comments and tracked changes as Word writes them: a comment on the summary's second
    paragraph, a tracked insertion and deletion in its first, one in an action's owner."""
    document = docx.Document(str(source))
    paragraphs = document.paragraphs
    # Paragraphs start with their number ("2\t"), in a run of its own.
    view = next(p for p in paragraphs if _words(p).startswith("Our view is"))
    document.add_comment(
        view.runs[1], text="Define time-limited.", author="Sarah Jones", initials="SJ"
    )
    first = next(p for p in paragraphs if _words(p).startswith("Alcohol-specific deaths in the UK"))
    anchor = first.runs[1]._r
    anchor.addprevious(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="901" w:author="Tom Reed" w:date="2026-11-25T10:00:00Z">'
            '<w:r><w:t xml:space="preserve">Latest figures: </w:t></w:r></w:ins>'
        )
    )
    first._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="902" w:author="Tom Reed" w:date="2026-11-25T10:01:00Z">'
            '<w:r><w:delText xml:space="preserve">alone.</w:delText></w:r></w:del>'
        )
    )
    actions = next(t for t in document.tables if t.rows[0].cells[0].text == "#")
    owner = actions.rows[1].cells[2].paragraphs[0]
    owner._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="903" w:author="Private Office" '
            'w:date="2026-11-26T09:00:00Z"><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve"> '
            "and Cabinet</w:t></w:r></w:ins>"
        )
    )
    owner._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="904" w:author="Private Office" '
            'w:date="2026-11-26T09:00:00Z"><w:r><w:t xml:space="preserve"> Office</w:t></w:r>'
            "</w:ins>"
        )
    )
    document.save(str(target))


def _brief_line(path: Path, start: str) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.lstrip("- ").startswith(start))


@pytest.fixture
def reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "briefs").mkdir()
    brief = tmp_path / "briefs" / "alcohol-harm.md"
    shutil.copy(EXAMPLES / "alcohol-harm.md", brief)
    shutil.copytree(EXAMPLES / "images", tmp_path / "briefs" / "images")
    result = CliRunner().invoke(cli, ["build", "briefs/alcohol-harm.md", "--format", "docx"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "alcohol-harm-reviewed.docx"
    _reviewed(tmp_path / "output" / "alcohol-harm.docx", target)
    return brief, target


def _expected(brief: Path) -> list[str]:
    summary = _brief_line(brief, "Alcohol-specific deaths in the UK")
    view = _brief_line(brief, "Our view is")
    owner = _brief_line(brief, "Owner: No10 Policy Unit")
    return [
        f'briefs/alcohol-harm.md:{summary}: Tom Reed (2026-11-25): inserted "Latest figures: "',
        f'briefs/alcohol-harm.md:{summary}: Tom Reed (2026-11-25): deleted "alone."',
        f"briefs/alcohol-harm.md:{view}: Sarah Jones ({_today()}): Define time-limited.",
        f'briefs/alcohol-harm.md:{owner}: Private Office (2026-11-26): inserted " and Cabinet '
        'Office"',
    ]


def _today() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).date().isoformat()


def test_review_brings_every_remark_back_to_its_brief_line(reviewed: tuple[Path, Path]) -> None:
    brief, target = reviewed
    result = CliRunner().invoke(cli, ["review", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _expected(brief)
    assert "4 remarks from the reviewers" in result.stderr
    data = json.loads(CliRunner().invoke(cli, ["review", str(target), "--format", "json"]).stdout)
    assert data["schema"] == "scoper-review/1" and data["approximate"] is False
    assert [r["kind"] for r in data["remarks"]] == ["inserted", "deleted", "comment", "inserted"]


@needs_libreoffice
def test_review_survives_a_save_in_libreoffice(reviewed: tuple[Path, Path]) -> None:
    brief, target = reviewed
    saved = target.parent / "saved"
    _soffice(
        ["--convert-to", "docx:MS Word 2007 XML", "--outdir", str(saved), str(target)],
        target.parent,
    )
    result = CliRunner().invoke(cli, ["review", str(saved / target.name)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == _expected(brief)


def test_review_of_a_changed_brief_marks_lines_approximate(reviewed: tuple[Path, Path]) -> None:
    brief, target = reviewed
    brief.write_text(brief.read_text().replace("## Summary", "## Summary\n\nA new first line.\n"))
    result = CliRunner().invoke(cli, ["review", str(target)])
    assert result.exit_code == 0
    assert "has changed since this Word paper was made" in result.stderr
    assert all("(approximate)" in line for line in result.stdout.splitlines())


def test_review_of_a_file_scoper_did_not_write(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("First.")
    second = document.add_paragraph("Second paragraph.")
    document.add_comment(second.runs[0], text="Why?", author="A Reviewer", initials="AR")
    path = tmp_path / "other.docx"
    document.save(str(path))
    result = CliRunner().invoke(cli, ["review", str(path)])
    assert result.exit_code == 0
    assert "scoper did not write this file" in result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{path}:2: (approximate) A Reviewer (") and line.endswith(": Why?")


def test_review_of_a_file_that_is_not_word(tmp_path: Path) -> None:
    path = tmp_path / "fake.docx"
    path.write_text("not a zip")
    result = CliRunner().invoke(cli, ["review", str(path)])
    assert result.exit_code == 1
    assert "not a Word (.docx) file" in result.output and "Traceback" not in result.output


def test_the_word_paper_meets_the_accessibility_bar_word_can_express(
    built_examples: dict[str, BriefResult],
) -> None:
    """Issue 19's bar for Word: headings in order, alt text on every picture, header rows
    on the data tables, the document's title and language."""
    for result in built_examples.values():
        document = docx.Document(str(word_of(result)))
        assert document.core_properties.title and document.core_properties.language == "en-GB"
        levels = [
            int(p.style.name.split()[-1])
            for p in document.paragraphs
            if p.style.name.startswith("Heading ")
        ]
        assert levels and levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        for picture in document.element.body.iter(qn("wp:docPr")):
            assert picture.get("descr", "").strip(), result.path
        for table in document.tables:
            first = table.rows[0]._tr.trPr
            shaded_header = first is not None and first.find(qn("w:tblHeader")) is not None
            headings = [c.text for c in table.rows[0].cells]
            if headings[:2] in (["#", "Action"], ["Risk", "Likelihood"]):
                assert shaded_header, (result.path, headings)
