"""The PDF papers, read back with a PDF library."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from scoper.build import BriefResult, build_one
from scoper.config import Config
from tests.conftest import valid_brief


def pdf_of(result: BriefResult) -> Path:
    return next(p for p in result.written if p.suffix == ".pdf")


def outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(entries: list) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                titles.append(entry.title)

    walk(reader.outline)
    return titles


def test_every_example_builds_without_any_warning(built_examples: dict[str, BriefResult]) -> None:
    assert len(built_examples) >= 5
    for name, result in built_examples.items():
        assert result.ok, name
        # Like WeasyPrint's assert_no_logs: a renderer warning (an ignored CSS rule, a
        # missing font or image) fails the build of the examples.
        assert result.problems == [], (name, [p.format() for p in result.problems])


def test_every_page_carries_marking_running_header_and_page_numbers(
    built_examples: dict[str, BriefResult],
) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        meta = result.brief.meta
        reader = PdfReader(pdf_of(result))
        pages = len(reader.pages)
        assert pages >= 2
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            # Top and bottom of every page.
            assert text.count(meta.classification) >= 2, (meta.ref, number)
            assert meta.ref in text
            assert f"Page {number} of {pages}" in text


def test_draft_papers_carry_a_watermark_on_every_page_and_others_none(
    built_examples: dict[str, BriefResult],
) -> None:
    statuses = set()
    for result in built_examples.values():
        assert result.brief is not None
        statuses.add(result.brief.meta.status)
        reader = PdfReader(pdf_of(result))
        drafts = ["DRAFT" in page.extract_text() for page in reader.pages]
        if result.brief.meta.status == "draft":
            assert all(drafts)
        else:
            assert not any(drafts)
    assert {"draft", "final"} <= statuses


def test_metadata(built_examples: dict[str, BriefResult]) -> None:
    result = built_examples["alcohol-harm"]
    assert result.brief is not None
    meta = result.brief.meta
    info = PdfReader(pdf_of(result)).metadata
    assert info is not None
    assert info.title == meta.title
    assert all(author in info.author for author in meta.authors)
    assert info.subject.startswith(result.brief.summary_text.split(".")[0][:40])
    assert all(tag in info["/Keywords"] for tag in meta.tags)
    assert info["/CreationDate"].startswith("D:" + meta.date.strftime("%Y%m%d"))
    assert "scoper" in info["/Creator"]


def test_bookmarks_for_title_and_every_section(built_examples: dict[str, BriefResult]) -> None:
    for result in built_examples.values():
        assert result.brief is not None
        titles = outline_titles(PdfReader(pdf_of(result)))
        assert titles[0] == result.brief.meta.title
        for section in result.brief.sections:
            assert section.title in titles
        # Partners are headings for screen readers but not bookmarks.
        assert not any(p.name in titles for p in result.brief.partners)


def test_paper_content_is_all_there(built_examples: dict[str, BriefResult]) -> None:
    result = built_examples["alcohol-harm"]
    assert result.brief is not None
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(pdf_of(result)).pages
    )
    for heading in ("Reference", "Date", "Status", "Priority", "Lead", "Authors"):
        assert heading in text
    assert "23 November 2026" in text
    for item in result.brief.evidence:
        assert item.strength is not None
        assert item.strength.upper() in text
    for partner in result.brief.partners:
        assert partner.name in text
    for action in result.brief.actions:
        assert action.owner is not None
        assert action.owner.split()[0] in text
    assert "Notes" in text  # the footnotes


def test_theme_fonts_are_embedded(built_examples: dict[str, BriefResult]) -> None:
    reader = PdfReader(pdf_of(built_examples["knife-crime"]))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("scoper-sans" in font for font in fonts), fonts


def test_text_in_a_script_the_theme_font_lacks_still_renders(tmp_path: Path) -> None:
    text = valid_brief().replace(
        "One in fourteen adults", "Greek Ελληνικά, Arabic مرحبا بكم, Hebrew שלום. One in fourteen"
    )
    brief = tmp_path / "scripts.md"
    brief.write_text(text, encoding="utf-8")
    result = build_one(brief, Config(), tmp_path / "out", "pdf")
    assert result.ok
    reader = PdfReader(pdf_of(result))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    # The theme font covers Greek; Arabic and Hebrew fall back to a system font.
    assert any("scoper-sans" in f for f in fonts)
    assert any("scoper-sans" not in f for f in fonts), fonts
    page_text = reader.pages[0].extract_text()
    assert "Ελληνικά" in page_text
    assert not re.search(r"warning", " ".join(p.format() for p in result.problems))


@pytest.mark.parametrize("classification", ["OFFICIAL", "SECRET", "TOP SECRET"])
def test_marking_follows_the_classification(tmp_path: Path, classification: str) -> None:
    brief = tmp_path / "marked.md"
    brief.write_text(valid_brief(classification=classification), encoding="utf-8")
    result = build_one(brief, Config(), tmp_path / "out", "pdf")
    reader = PdfReader(pdf_of(result))
    for page in reader.pages:
        text = page.extract_text()
        assert text.count(classification) >= 2, text
        if classification == "SECRET":
            assert "TOP SECRET" not in text


def test_clearance_details_are_in_the_pdf_metadata(tmp_path: Path) -> None:
    import pikepdf
    from click.testing import CliRunner

    from scoper.cli import cli
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "loneliness.md").read_text()
    text = text.replace(
        "status: draft",
        'status: review\nversion: "2.1"\ncleared-by:\n  - name: Sarah Jones\n'
        "    role: Head of Policy Unit\n    date: 2026-11-24\n"
        "distribution: [Private Office, Cabinet Secretary]\ndecision-by: 2026-12-04\n"
        "supersedes: PU-2026-009",
    )
    (tmp_path / "cleared.md").write_text(text)
    result = CliRunner().invoke(
        cli, ["build", str(tmp_path / "cleared.md"), "-o", str(tmp_path), "--format", "pdf"]
    )
    assert result.exit_code == 0, result.output
    with pikepdf.open(tmp_path / "cleared.pdf") as pdf:
        info = {str(key): str(value) for key, value in pdf.docinfo.items()}
    assert info["/status"] == "review" and info["/version"] == "2.1"
    assert info["/clearedby"] == "Sarah Jones, Head of Policy Unit (24 Nov 2026)"
    assert info["/distribution"] == "Private Office; Cabinet Secretary"
    assert info["/decisionby"] == "2026-12-04" and info["/supersedes"] == "PU-2026-009"
    assert info["/classification"] == "OFFICIAL"
    assert "/viewport" not in info
