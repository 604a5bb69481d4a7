"""The one-page grid at the front of the pack and the facts on its cover."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bs4 import BeautifulSoup
from pypdf import PdfReader

from bench.corpus import make_briefs
from scoper.brief.model import Brief
from scoper.brief.parser import parse_brief
from scoper.config import Config
from scoper.load import load
from scoper.pack.grid import ask_of, cover_facts, first_sentence, grid
from scoper.pack.model import Pack, PackPaper, Week
from scoper.render.html import render_pack_html
from scoper.render.theme import theme_for
from tests.conftest import valid_brief

ISSUED = dt.date(2026, 11, 25)
WEEK = Week.parse("2026-W48")


def _brief(text: str, ref: str = "PU-2026-900") -> Brief:
    text = text.replace("PU-2026-900", ref)
    return parse_brief(text, "b.md", default_ref="X", slug=ref.lower())


def test_the_ask_comes_from_the_ask_key_then_the_recommendation_then_the_summary() -> None:
    summary_only = _brief(valid_brief())
    assert ask_of(PackPaper(summary_only)) == "One in fourteen adults is chronically lonely."
    recommended = _brief(
        valid_brief().replace(
            "## Risks",
            "## Recommendation\nAgree to fund 200 link workers from April. Then review.\n\n"
            "## Risks",
        )
    )
    assert ask_of(PackPaper(recommended)) == "Agree to fund 200 link workers from April."
    asked = _brief(valid_brief().replace("priority: 2", "priority: 2\nask: Agree the pilots."))
    assert ask_of(PackPaper(asked)) == "Agree the pilots."
    long = _brief(valid_brief().replace("One in fourteen", "word " * 50 + "One in fourteen"))
    assert ask_of(PackPaper(long)).endswith("…") and len(ask_of(PackPaper(long)).split()) == 30


def test_first_sentence_keeps_numbers_and_quotes_whole() -> None:
    assert first_sentence("Rates fell 2.5% in 2025. Next.") == "Rates fell 2.5% in 2025."
    assert first_sentence('He said "stop." Then left.') == 'He said "stop."'
    assert first_sentence("") == ""


def test_grid_rows_and_cover_facts() -> None:
    due = _brief(
        valid_brief().replace("priority: 2", "priority: 1\ndecision-by: 2026-11-27"), "PU-2026-001"
    )
    later = _brief(
        valid_brief()
        .replace("priority: 2", "priority: 2\ndecision-by: 2026-12-15")
        .replace("Due: 2026-12-10", "Due: 2026-11-20"),
        "PU-2026-002",
    )
    pack = Pack.of("Pack", ISSUED, WEEK, [(later, []), (due, [])])
    rows = grid(pack)
    assert [r.paper.brief.meta.ref for r in rows] == ["PU-2026-001", "PU-2026-002"]
    assert [r.decision_due for r in rows] == [True, False]
    assert rows[0].commercial == ["Acme Care Ltd"] and rows[0].weakest == "anecdotal"
    facts = cover_facts(pack, rows)
    assert facts.overdue_actions == 1 and [r.paper.brief.meta.ref for r in facts.decisions_due] == [
        "PU-2026-001"
    ]
    soup = BeautifulSoup(render_pack_html(pack, Config()), "html.parser")
    cover = " ".join(soup.select_one("table.cover-meta").get_text(" ").split())
    assert "Overdue actions 1" in cover
    assert "Decisions due this week 1: PU-2026-001 by 27 Nov" in cover
    assert "Highest marking OFFICIAL" in cover
    table = soup.select_one("#part-grid table.grid-table")
    headers = [th.get_text() for th in table.select("thead th")]
    assert headers == [
        "Ref",
        "Title",
        "The ask",
        "Decision by",
        "Status",
        "Weakest evidence",
        "QA warnings",
        "Commercial partners",
        "Page",
    ]
    assert all(th["scope"] == "col" for th in table.select("thead th"))
    first = [" ".join(td.get_text(" ").split()) for td in table.select("tbody tr")[0].select("td")]
    assert first[0] == "PU-2026-001" and first[3].startswith("27 Nov") and "This week" in first[3]
    assert first[5] == "Anecdotal" and first[7] == "Acme Care Ltd"
    # The grid comes between the cover and the contents.
    order = [e.get("id") for e in soup.select("#part-cover, #part-grid, #contents")]
    assert order == ["part-cover", "part-grid", "contents"]


def test_twelve_papers_fit_one_landscape_page_and_more_continue(tmp_path: Path) -> None:
    from scoper.pdf.render import render_pdf

    config = Config()
    theme = theme_for(config)
    paths = make_briefs(tmp_path, 20)
    reports = load(paths, config, ISSUED)
    pack = Pack.of("Pack", ISSUED, WEEK, [(r.brief, r.problems) for r in reports if r.brief])

    def grid_pages(count: int) -> list[str]:
        part = Pack(pack.title, ISSUED, WEEK, pack.papers[:count])
        html = render_pack_html(part, config, part="front", theme=theme)
        pdf = render_pdf(html, theme.roots, "Pack", ISSUED.isoformat()).pdf
        reader = PdfReader(io.BytesIO(pdf))
        landscape = [p for p in reader.pages if p.mediabox.width > p.mediabox.height]
        return [" ".join(p.extract_text().split()) for p in landscape]

    [one] = grid_pages(12)
    assert one.count("BENCH-") == 12 and "The papers at a glance" in one
    two = grid_pages(20)
    assert len(two) == 2
    # The header row again on the second page, and no row split across the two.
    assert "Ref Title The ask" in two[1]
    assert sum(page.count("BENCH-") for page in two) == 20
    for row in grid(Pack(pack.title, ISSUED, WEEK, pack.papers[:20])):
        [page] = [page for page in two if row.paper.brief.meta.ref in page]
        tail = " ".join(row.ask.split()[-3:])
        assert tail in page, (row.paper.brief.meta.ref, tail)  # the row's end is on its page
