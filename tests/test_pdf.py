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


_VARIABLE_FONT = '''
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables.TupleVariation import TupleVariation


def variable_font(path):
    """A font with a weight axis along which its A gets wider."""
    builder = FontBuilder(1000, isTTF=True)
    names = [".notdef", "space", "A"]
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({32: "space", 65: "A"})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0)); pen.lineTo((100, 700)); pen.lineTo((500, 700)); pen.lineTo((500, 0))
    pen.closePath()
    box = pen.glyph()
    builder.setupGlyf({".notdef": box, "space": TTGlyphPen(None).glyph(), "A": box})
    builder.setupHorizontalMetrics({name: (600, 0) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Scoper Variable", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.setupFvar([("wght", 100, 400, 900, "Weight")], [])
    wider = [(0, 0), (0, 0), (100, 0), (100, 0)] + [(0, 0)] * 4
    builder.setupGvar(
        {"A": [TupleVariation({"wght": (0, 1.0, 1.0)}, wider)], ".notdef": [], "space": []}
    )
    builder.save(path)
'''


def _run(code: str) -> list[str]:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_a_paper_is_laid_out_without_loading_the_font_tools_it_does_not_use(
    tmp_path: Path,
) -> None:
    """fontTools' subsetter and variable-font instancer, which WeasyPrint imports as it
    loads, are loaded only when a font needs them: the theme's static fonts, subset by
    HarfBuzz, do not; a variable font does, and is drawn at the weight asked for."""
    root = Path(__file__).resolve().parent.parent
    brief = root / "briefs" / "knife-crime.md"
    code = f"""
import sys
from pathlib import Path
from scoper.build import _context, paper_job
from scoper.config import load_config
from scoper.load import load_files
from scoper.pdf.render import render_pdf
from scoper.render.theme import theme_for
config = load_config()
[report] = load_files([Path({str(brief)!r})], config, _context(config, None))
job = paper_job(report.brief, config, theme_for(config), report.problems)
# Laid out and written in this process (not in a renderer forked for it).
rendered = render_pdf(job.html, job.roots, job.title, job.created, job.variant)
names = ("fontTools.subset", "fontTools.varLib.instancer")
loaded = [name for name in names if name in sys.modules]
print(loaded, "weasyprint" in sys.modules, rendered.pages)
"""
    loaded, imported, pages = _run(code)[0].rsplit(" ", 2)
    assert (loaded, imported) == ("[]", "True") and int(pages) >= 2

    font = tmp_path / "Variable.ttf"
    code = f"""{_VARIABLE_FONT}
import sys
from pathlib import Path
from scoper.pdf.render import render_pdf
variable_font({str(font)!r})
style = "@font-face {{ font-family: V; src: url('{font.as_uri()}'); }} p {{ font-family: V; }}"
pages = []
for weight in (400, 900):
    html = ("<!DOCTYPE html><html lang='en'><head><title>t</title><style>" + style +
            f"p {{{{ font-variation-settings: 'wght' {{weight}} }}}}</style></head>"
            "<body><p>AAAA</p></body></html>")
    rendered = render_pdf(html, (Path({str(tmp_path)!r}),), "t", "2026-01-01")
    assert rendered.warnings == [], rendered.warnings
    pages.append(rendered.pdf)
print("fontTools.varLib.instancer" in sys.modules)
import io
import pikepdf
from fontTools.ttLib import TTFont
for pdf in pages:
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        [font] = [f for page in opened.pages for f in page.Resources.Font.values()]
        data = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    glyphs = TTFont(io.BytesIO(data))["glyf"]
    print(max(getattr(glyphs[name], "xMax", 0) for name in glyphs.keys()))
"""
    loaded, light, heavy, *_ = _run(code)
    assert loaded == "True"
    # The font embedded for weight 900 has the wider A: the instancer did its work.
    assert (int(light), int(heavy)) == (500, 600)


def test_a_pool_for_one_paper_repairs_it_in_its_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-paper build puts the PDF's structure tree right in the command's own process,
    which has nothing else to do meanwhile, rather than in the worker before its layout: the
    PDF is byte for byte the one the worker would have made."""
    from scoper.build import paper_job
    from scoper.pdf import tagfix
    from scoper.pdf.pool import PdfPool, render_job
    from scoper.render.theme import theme_for

    result = build_one(
        Path(__file__).resolve().parent.parent / "briefs" / "knife-crime.md",
        Config(),
        tmp_path,
        frozenset({"html"}),
    )
    assert result.brief is not None
    job = paper_job(result.brief, Config(), theme_for(Config()), result.problems)
    in_worker = render_job(job)
    with PdfPool(1, papers=1, repair_here=True) as pool:
        # Watched here only: the worker was forked when the pool started.
        repaired: list[int] = []
        real = tagfix.repair

        def spy(pdf: bytes) -> bytes:
            repaired.append(len(pdf))
            return real(pdf)

        monkeypatch.setattr(tagfix, "repair", spy)
        outcome = pool.submit(job).result()
    assert len(repaired) == 1
    assert outcome.pdf is not None and in_worker.pdf is not None

    def unidentified(pdf: bytes) -> bytes:
        # The file's /ID is made afresh by the PDF library each time it saves.
        return re.sub(rb"/ID \[<[0-9a-f]+><[0-9a-f]+>\]", b"", pdf)

    assert unidentified(outcome.pdf) == unidentified(in_worker.pdf)
    assert (outcome.pages, outcome.warnings) == (in_worker.pages, in_worker.warnings)


def test_a_paper_that_fails_in_a_pool_for_one_fails_the_same_way() -> None:
    from scoper.pdf.pool import PdfJob, PdfPool

    job = PdfJob(html="<p>x</p>", roots=(Path(__file__).parent,), title="t", created="2026")
    with PdfPool(1, papers=1, repair_here=True) as pool:
        outcome = pool.submit(job, timeout=0.001).result()
    assert outcome.pdf is None and outcome.error is not None
    assert "stopped after" in outcome.error


def test_a_warm_worker_parses_each_new_stylesheet_once(tmp_path: Path) -> None:
    """A worker that renders many papers parses the stylesheets of each kind of paper it
    meets (another marking is another stylesheet) once, before it forks the renderer for
    it; a stylesheet the renderer has something to say about is not kept, so that each
    paper still reports it."""
    root = Path(__file__).resolve().parent.parent / "templates"
    code = f"""
from pathlib import Path
from scoper.pdf import render

def page(style):
    return ("<!DOCTYPE html><html lang='en'><head><style>" + style +
            "</style></head><body><p>Text</p></body></html>")

roots = (Path({str(root)!r}),)
counts = []
for style in ("p {{ color: red }}", "p {{ color: blue }}", "p {{ color: red }}",
              "p {{ colour: blue }}"):
    render.warm_up(page(style), roots)
    counts.append(len(render._parsed_styles))
print(counts)
"""
    assert _run(code)[0] == "[1, 2, 2, 2]"
