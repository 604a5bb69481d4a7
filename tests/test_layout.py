"""Layout a reader trusts, checked where the reader sees it: word positions in the PDF.

Over the example briefs and the awkward ones in tests/layout/ (a long title and long owner
names, a wide table and a long one with a total row, many notes, a figure near a page's end,
a figure that does not fit at the foot of its page), each paper's words are read with their
boxes (poppler's ``pdftotext -bbox-layout``) and checked: no word broken except by
dictionary hyphenation, the running header on one line, no page that the notes start (so
none that holds only notes), no table's last row alone at the top of a page, no page left a
fifth blank before a figure that could not fit on it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scoper.build import BriefResult, build_many
from scoper.config import Config
from scoper.render.html import render_html

from .conftest import EXAMPLES

LAYOUT = Path(__file__).parent / "layout"
PT_PER_MM = 72 / 25.4
TOP_MARGIN = 24 * PT_PER_MM  # templates/paper.css, @page margin
BOTTOM_MARGIN = 22 * PT_PER_MM
NS = {"x": "http://www.w3.org/1999/xhtml"}

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


@dataclass(frozen=True)
class Word:
    text: str
    x: float
    y: float
    bottom: float
    line: int
    """Which line of the page (in poppler's reading order) the word is on."""
    right: float = 0.0


@dataclass(frozen=True)
class Page:
    height: float
    words: list[Word]

    @property
    def header(self) -> list[Word]:
        return [w for w in self.words if w.bottom <= TOP_MARGIN]

    @property
    def body(self) -> list[Word]:
        return [
            w for w in self.words if w.y > TOP_MARGIN and w.bottom < self.height - BOTTOM_MARGIN
        ]


def pages_of(pdf: Path) -> list[Page]:
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    root = ET.fromstring(xml)
    pages = []
    for page in root.iterfind(".//x:page", NS):
        words = []
        for number, line in enumerate(page.iterfind(".//x:line", NS)):
            for word in line.iterfind("x:word", NS):
                words.append(
                    Word(
                        word.text or "",
                        float(word.get("xMin", 0)),
                        float(word.get("yMin", 0)),
                        float(word.get("yMax", 0)),
                        number,
                        float(word.get("xMax", 0)),
                    )
                )
        pages.append(Page(float(page.get("height", 0)), words))
    return pages


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[BriefResult, Path]]:
    """Every example brief and every awkward brief, built to PDF: (result, pdf)."""
    work = tmp_path_factory.mktemp("layout")
    shutil.copytree(EXAMPLES, work / "briefs")
    shutil.copytree(LAYOUT, work / "layout")
    paths = sorted((work / "briefs").glob("*.md")) + sorted((work / "layout").glob("*.md"))
    results = build_many(
        paths, Config(organisation="Prime Minister's Policy Unit"), work / "out", frozenset({"pdf"})
    )
    found = {}
    for result in results:
        assert result.ok, result.problems
        pdf = next(p for p in result.written if p.suffix == ".pdf")
        found[result.path.stem] = (result, pdf)
    assert {"long-title", "many-notes-wide-table", "figure-near-page-end"} <= set(found)
    return found


def paper_html(result: BriefResult) -> BeautifulSoup:
    assert result.brief is not None
    config = Config(organisation="Prime Minister's Policy Unit")
    html = render_html(result.brief, config, target="pdf", problems=result.problems)
    return BeautifulSoup(html, "html.parser")


_WORD = re.compile(r"[\w’'-]+")
HYPHENS = ("-", "\u2010", "\u00ad")
_COUNTER = re.compile(r"^e\d+$")
"""Evidence numbers, which the stylesheet writes (E1, E2...): not in the HTML's text."""


def vocabulary(soup: BeautifulSoup) -> set[str]:
    words = {w.strip("-'’").lower() for w in _WORD.findall(soup.get_text(" "))}
    for link in soup.find_all("a", href=True):  # printed after a link (paper.css)
        words |= {w.lower() for w in _WORD.findall(str(link["href"]))}
    return words | {"page", "of"}


def broken_words(pages: list[Page], known: set[str], urls: str) -> list[str]:
    """Words in the PDF that are not words of the paper: pieces of a word broken across lines
    (a word broken at a hyphen, its own or one the dictionary added, joined with the rest of
    it at the start of the next line, is whole)."""

    def is_word(text: str) -> bool:
        cleaned = text.strip(".,;:()’'").lower().strip("-'’")
        return cleaned in known or cleaned in urls

    broken = []
    for page in pages:
        body = page.body
        whole: set[int] = set()
        for index, word in enumerate(body):
            if not word.text.endswith(HYPHENS):
                continue
            height = word.bottom - word.y
            # The rest is on the next line, starting at or left of the broken word (in a
            # table, at the cell's left edge: poppler may read the next cell first).
            for later in range(index + 1, len(body)):
                rest = body[later]
                below = word.bottom < rest.y + height / 2 < word.bottom + 1.6 * height
                if not below or rest.x > word.x + 1:
                    continue
                own, added = word.text + rest.text, word.text[:-1] + rest.text
                if is_word(own) or is_word(added):
                    whole |= {index, later}
                    break
        for index, word in enumerate(body):
            if index in whole:
                continue
            text = word.text.rstrip("".join(HYPHENS))
            for piece in (p.strip("-'’").lower() for p in _WORD.findall(text)):
                counter = piece.isdigit() or _COUNTER.match(piece)
                if piece and not counter and piece not in known and piece not in urls:
                    broken.append(word.text)
    return broken


def test_no_word_is_broken_inside_a_cell_or_anywhere(
    papers: dict[str, tuple[BriefResult, Path]],
) -> None:
    for name, (result, pdf) in papers.items():
        soup = paper_html(result)
        urls = " ".join(str(a["href"]).lower() for a in soup.find_all("a", href=True))
        assert broken_words(pages_of(pdf), vocabulary(soup), urls) == [], name


def test_the_word_checker_sees_a_broken_word() -> None:
    """The check above would catch "Communicatio" / "ns" coming back."""
    pages = [
        Page(842, [Word("Communicatio", 400, 300, 310, 1), Word("ns", 400, 312, 322, 2)]),
    ]
    assert broken_words(pages, {"communications"}, "") == ["Communicatio", "ns"]
    hyphenated = [
        Page(842, [Word("Communi-", 400, 300, 310, 1), Word("cations", 400, 312, 322, 2)])
    ]
    assert broken_words(hyphenated, {"communications"}, "") == []


def test_running_header_is_on_one_line(papers: dict[str, tuple[BriefResult, Path]]) -> None:
    for name, (_, pdf) in papers.items():
        for number, page in enumerate(pages_of(pdf), 1):
            lines = {round(w.bottom) for w in page.header}
            assert len(lines) == 1, (name, number, [w.text for w in page.header])
    # The long title is cut with an ellipsis rather than wrapped.
    _, pdf = papers["long-title"]
    header = " ".join(w.text for w in pages_of(pdf)[0].header)
    assert "…" in header, header


def test_no_page_holds_only_notes(papers: dict[str, tuple[BriefResult, Path]]) -> None:
    for name, (_, pdf) in papers.items():
        for number, page in enumerate(pages_of(pdf)[1:], 2):
            body = page.body
            assert body, (name, number, "an empty page")
            assert body[0].text != "Notes", (name, number, "the notes start a page")


def _phrase_page(pages: list[Page], phrase: list[str]) -> list[int]:
    found = []
    for number, page in enumerate(pages):
        texts = [w.text for w in page.body]
        for start in range(len(texts) - len(phrase) + 1):
            if texts[start : start + len(phrase)] == phrase:
                found.append(number)
                break
    return found


def _row_phrase(row: object) -> list[str]:
    cells = [c.get_text(" ", strip=True) for c in row.find_all(["td", "th"])]  # type: ignore[attr-defined]
    longest = max(cells, key=len)
    return longest.split()[:3]


def test_no_table_row_is_stranded(papers: dict[str, tuple[BriefResult, Path]]) -> None:
    """A table's last row is on the page of the row before it, and its first row is on the
    page of its header."""
    checked = 0
    for name, (result, pdf) in papers.items():
        pages = pages_of(pdf)
        for table in paper_html(result).find_all("table"):
            if table.find_parent(class_="chart-data") or "meta" in (table.get("class") or []):
                continue
            rows = table.select("tbody tr")
            if len(rows) < 2:
                continue
            last, before = (
                _phrase_page(pages, _row_phrase(rows[-1])),
                _phrase_page(pages, _row_phrase(rows[-2])),
            )
            if len(last) != 1 or len(before) != 1:
                continue  # a phrase that is not unique in the paper tells nothing
            assert last == before, (name, _row_phrase(rows[-1]), last, before)
            checked += 1
    assert checked >= 8


def test_the_long_table_breaks_but_keeps_its_total_with_a_row(
    papers: dict[str, tuple[BriefResult, Path]],
) -> None:
    _, pdf = papers["many-notes-wide-table"]
    pages = pages_of(pdf)
    total = _phrase_page(pages, ["All", "specialties"])
    assert len(total) == 1
    page = pages[total[0]]
    texts = [w.text for w in page.body]
    at = texts.index("All")
    # Another specialty's row comes before the total on its page.
    assert "Specialty" in texts[:at] and any(t.isdigit() for t in texts[:at])
    # The table's header repeats on every page the table is on.
    table_pages = sorted(set(_phrase_page(pages, ["Specialty", "2020", "waits"])))
    assert len(table_pages) >= 2


PUSHED_FIGURES = {
    "alcohol-harm": (["England", "committed", "to", "MUP"], "Alcohol-specific"),
    "figure-pushed": (["As", "Figure", "1", "shows,"], "Alcohol-specific"),
}
"""Papers whose Figure 1 does not fit at the foot of the page it comes on: the words that
start the paragraph after it in the brief, and the caption's first word."""


def test_a_figure_that_does_not_fit_leaves_no_gap_before_it(
    papers: dict[str, tuple[BriefResult, Path]],
) -> None:
    """The paragraph after the figure fills the page instead (the figure follows it), so the
    page before the figure is not left a quarter blank; the figure keeps its number and
    caption."""
    for name, (following, caption) in PUSHED_FIGURES.items():
        _, pdf = papers[name]
        pages = pages_of(pdf)
        [at] = _phrase_page(pages, ["Figure", "1:", caption])
        assert at > 0, (name, "the figure fits where it is: the case tests nothing")
        assert _phrase_page(pages, following) == [at - 1], name
        before = pages[at - 1]
        bottom = before.height - BOTTOM_MARGIN
        blank = bottom - max(w.bottom for w in before.body)
        assert blank < 0.2 * (bottom - TOP_MARGIN), (name, blank)
        # The figure could not fit in what is left: it starts its page, and is taller.
        figure_page = pages[at]
        caption_bottom = max(w.bottom for w in figure_page.body if w.text == "1:")
        assert caption_bottom - TOP_MARGIN > blank, name
        texts = [w.text for w in figure_page.body]
        assert "Source:" in texts[texts.index("1:") :], name


@pytest.mark.parametrize("name", sorted(PUSHED_FIGURES))
def test_a_figure_moved_on_a_spare_core_is_laid_out_the_same(
    name: str,
    papers: dict[str, tuple[BriefResult, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A paper built on its own lays out its moved figure on the spare core, at the same
    time as the paper as written: the pages are word for word those of the sequential
    layout, and nothing is left behind (no process, no copy of the theme's fonts)."""
    import os
    import tempfile

    from scoper.build import paper_job
    from scoper.pdf.render import render_pdf
    from scoper.render.theme import theme_for

    result, _ = papers[name]
    assert result.brief is not None
    config = Config(organisation="Prime Minister's Policy Unit")
    job = paper_job(result.brief, config, theme_for(config), result.problems)
    sequential = render_pdf(job.html, job.roots, job.title, job.created, job.variant)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # where WeasyPrint copies fonts
    from scoper.forked import Forked
    from scoper.pdf import render

    answers, children, removed = [], [], []
    original_result, original_init = Forked.result, Forked.__init__
    remove = render._remove_font_folder

    def result(self: Forked, timeout: float | None = None) -> object:
        answers.append(original_result(self, timeout))
        return answers[-1]

    def init(self: Forked, work: object) -> None:
        original_init(self, work)  # type: ignore[arg-type]
        children.append(self.pid)

    def removing(fonts: object) -> None:
        removed.append(getattr(fonts, "_folder", None))
        remove(fonts)  # type: ignore[arg-type]

    monkeypatch.setattr(Forked, "result", result)
    monkeypatch.setattr(Forked, "__init__", init)
    monkeypatch.setattr(render, "_remove_font_folder", removing)
    rendered = render_pdf(job.html, job.roots, job.title, job.created, job.variant, spare_core=True)
    pdf, reference = tmp_path / "ahead.pdf", tmp_path / "sequential.pdf"
    pdf.write_bytes(rendered.pdf)
    reference.write_bytes(sequential.pdf)
    words = [[(w.text, round(w.x), round(w.y)) for w in page.words] for page in pages_of(pdf)]
    expected = [
        [(w.text, round(w.x), round(w.y)) for w in page.words] for page in pages_of(reference)
    ]
    assert words == expected
    assert rendered.warnings == sequential.warnings
    assert len(answers) == 1 and answers[0] is not None  # the spare core's layout was used
    following, _ = PUSHED_FIGURES[name]
    [at] = _phrase_page(pages_of(pdf), ["Figure", "1:"])
    assert _phrase_page(pages_of(pdf), following) == [at - 1]
    # No process is left, running or not; the copy of the theme's fonts was made where the
    # test looks, and is gone.
    assert len(children) == 1 and not os.path.exists(f"/proc/{children[0]}")
    assert len(removed) == 1 and str(removed[0]).startswith(str(private))
    assert not list(private.iterdir())


def _render_counting_pages(
    brief: Path, monkeypatch: pytest.MonkeyPatch, extra: str = ""
) -> tuple[list[int], Path, int]:
    """``brief`` rendered to PDF in this process, with the pages WeasyPrint made in each
    layout it started (a layout stopped early has made fewer than the paper's pages).
    ``extra``: HTML put at the start of the paper's body; what the renderer said is left
    in ``_render_counting_pages.warnings``."""
    from scoper.build import _context, paper_job
    from scoper.load import load_files
    from scoper.pdf import render
    from scoper.render.theme import theme_for

    config = Config(organisation="Prime Minister's Policy Unit")
    [report] = load_files([brief], config, _context(config, None))
    assert report.ok and report.brief is not None, report.problems
    job = paper_job(report.brief, config, theme_for(config), report.problems)
    made: list[int] = []
    make = render._make_all_pages
    assert make is not None and render._PAGES_WATCHED

    def counting(*args: object) -> object:
        made.append(0)
        for page in make(*args):
            made[-1] += 1
            yield page

    monkeypatch.setattr(render, "_make_all_pages", counting)
    html = job.html.replace("<main", extra + "<main", 1)
    rendered = render.render_pdf(html, job.roots, job.title, job.created, job.variant)
    _render_counting_pages.warnings = rendered.warnings  # type: ignore[attr-defined]
    pdf = brief.with_suffix(".pdf")
    pdf.write_bytes(rendered.pdf)
    return made, pdf, rendered.pages


def test_a_layout_with_a_figure_left_behind_stops_at_that_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The paper as written is laid out only until the page that the figure starts: the
    layout with the figure moved is the one kept, so the rest is not laid out twice."""
    shutil.copytree(LAYOUT, tmp_path / "layout")
    made, pdf, pages = _render_counting_pages(tmp_path / "layout" / "figure-pushed.md", monkeypatch)
    found = pages_of(pdf)
    [at] = _phrase_page(found, ["Figure", "1:"])
    following, _ = PUSHED_FIGURES["figure-pushed"]
    assert _phrase_page(found, following) == [at - 1]  # moved, as before
    # Stopped once the figure started page 2 (of the pages as written), then laid out whole.
    assert made == [2, pages]


def test_a_moved_figure_that_leaves_no_less_blank_goes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure followed by a callout that cannot break, and is taller than the gap: moved,
    the callout leaves the same gap, so the paper is laid out as written. The layout with the
    figure moved is stopped at the page it was to fill."""
    shutil.copytree(LAYOUT, tmp_path / "layout")
    written = (LAYOUT / "figure-pushed.md").read_text(encoding="utf-8")
    paragraph = written[written.index("As [Figure 1]") : written.index("## Evidence")]
    sentence = "Admissions have risen in every year since 2021, fastest among men aged 55 to 74."
    callout = "> [!NOTE]\n> Callout starts. " + " ".join([sentence] * 9) + "\n\n"
    brief = tmp_path / "layout" / "figure-then-callout.md"
    brief.write_text(written.replace(paragraph, callout), encoding="utf-8")
    made, pdf, pages = _render_counting_pages(brief, monkeypatch)
    found = pages_of(pdf)
    [at] = _phrase_page(found, ["Figure", "1:"])
    assert at > 0  # the figure did not fit on the first page
    [callout_page] = _phrase_page(found, ["Callout", "starts."])
    assert callout_page >= at  # after the figure, as written
    # As written (stopped at the figure), moved (stopped at the first page, no better), and
    # as written again to the end.
    assert made == [2, 1, pages]


def test_an_image_that_cannot_be_loaded_is_reported_when_a_figure_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image is loaded once, by the first layout, which is stopped when a figure moves:
    that it could not be loaded is still said of the paper (and so fails it, see
    scoper.pdf.pool.is_image_failure), not lost with the layout."""
    from scoper.pdf.pool import is_image_failure

    shutil.copytree(LAYOUT, tmp_path / "layout")
    broken = '<p><img alt="A chart" src="data:image/png;base64,iVBORw0KGgpub3QgcmVhbGx5"></p>'
    made, _, pages = _render_counting_pages(
        tmp_path / "layout" / "figure-pushed.md", monkeypatch, extra=broken
    )
    assert made == [2, pages]  # the figure was moved: the first layout was stopped
    warnings = _render_counting_pages.warnings  # type: ignore[attr-defined]
    assert [m for m in warnings if is_image_failure(m)], warnings
