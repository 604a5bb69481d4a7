"""The pack's trackers and register on paper, read where the reader sees them: word positions
in the pack PDF (poppler's ``pdftotext -bbox-layout``).

On paper these tables have set column widths (templates/paper.css, ``@media print``): every
month's and every owner's table lines up with the one before it, and no cell's words run
into the next column, even with the longest lever, a long owner and overdue actions.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.pack.model import Week

from .conftest import valid_brief
from .test_layout import Page, Word, pages_of

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

ISSUED = dt.date(2026, 11, 28)
LEVERS = ["spending", "regulation", "legislation", "partnership", "communications", "research"]
LONG_OWNER = "Department for Energy Security and Net Zero (Private Rented Sector Team)"
TABLES = {
    "by date": ["Paper", "Action", "Owner", "Due", "Lever", "Status"],
    "by owner": ["Paper", "Action", "Due", "Lever", "Status"],
    "register": ["Organisation", "Sector", "Commitment", "Declared", "Papers"],
}
"""Each table's header row, as the words that start its columns."""


def _brief(number: int) -> str:
    first, second = LEVERS[number % len(LEVERS)], LEVERS[(number + 3) % len(LEVERS)]
    text = valid_brief().replace("PU-2026-900", f"PU-2026-{number:03d}")
    text = text.replace("Lever: spending", f"Lever: {first}", 1)
    text = text.replace("Lever: partnership", f"Lever: {second}", 1)
    # Due in six months, some before the pack's date (overdue), owners long and short.
    text = text.replace("Due: 2027-01-15", f"Due: 2027-0{1 + number % 4}-15")
    text = text.replace("Due: 2026-12-10", f"Due: {('2026-11-25', '2026-12-05')[number % 2]}")
    if number % 2:
        text = text.replace("Owner: DHSC", f"Owner: {LONG_OWNER}")
    return text


@pytest.fixture(scope="module")
def pack_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    work = tmp_path_factory.mktemp("pack-print")
    briefs = work / "briefs"
    briefs.mkdir()
    for number in range(1, 13):
        (briefs / f"b{number:02d}.md").write_text(_brief(number), encoding="utf-8")
    out = work / "out"
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(),
        out,
        week=Week.parse("2026-W48"),
        today=ISSUED,
    )
    assert not [p for p in outcome.problems if p.severity == "error"], outcome.problems
    return pages_of(out / f"{outcome.name}.pdf")


def _tables(pages: list[Page]) -> list[tuple[str, list[float], list[Word]]]:
    """Each table header row found on a page: the table's kind, where each of its columns'
    words start, and the words under it (down to the next header row or the page's end)."""
    found = []
    for page in pages:
        # A row's cells are separate lines in poppler's reading order: a row is the words
        # that share a top.
        rows: dict[int, list[Word]] = {}
        for word in page.body:
            rows.setdefault(round(word.y), []).append(word)
        headers = []
        for words in rows.values():
            # "Declared interests" is the register's fourth column: its first word starts it.
            texts = [w.text for w in sorted(words, key=lambda w: w.x) if w.text != "interests"]
            for kind, columns in TABLES.items():
                if texts == columns:
                    starts = [next(w.x for w in words if w.text == c) for c in columns]
                    top = min(w.y for w in words)
                    headers.append((kind, starts, top, max(w.bottom for w in words)))
        headers.sort(key=lambda header: header[2])
        for index, (kind, starts, _, bottom) in enumerate(headers):
            end = headers[index + 1][2] if index + 1 < len(headers) else page.height
            # A line that starts left of the first column is not the table's: a heading
            # (the next month or owner) or a paragraph.
            outside = {w.line for w in page.body if w.x < starts[0] - 1}
            under = [w for w in page.body if bottom < w.y < end and w.line not in outside]
            found.append((kind, starts, under))
    return found


def test_every_table_of_a_kind_has_the_same_columns(pack_pages: list[Page]) -> None:
    tables = _tables(pack_pages)
    kinds = {kind for kind, _, _ in tables}
    assert kinds == set(TABLES)
    # Five months of actions and several owners: many tables of each tracker.
    assert sum(kind == "by date" for kind, _, _ in tables) >= 5
    assert sum(kind == "by owner" for kind, _, _ in tables) >= 3
    for kind in TABLES:
        starts = [s for k, s, _ in tables if k == kind]
        for other in starts[1:]:
            assert other == pytest.approx(starts[0], abs=0.5), kind


def test_no_word_runs_into_the_next_column(pack_pages: list[Page]) -> None:
    checked = 0
    for kind, starts, words in _tables(pack_pages):
        for word in words:
            if word.bottom - word.y < 2:
                continue  # text for screen readers only, printed too small to see
            column = max(i for i, start in enumerate(starts) if start <= word.x + 0.5)
            if column + 1 < len(starts):
                # The next column's words start after its padding and this cell's.
                assert word.right <= starts[column + 1] - 3, (kind, word.text)
                checked += 1
    assert checked > 500


def test_the_longest_words_of_each_column_are_whole(pack_pages: list[Page]) -> None:
    words = {w.text for kind, _, under in _tables(pack_pages) for w in under}
    assert {"Communications", "Partnership", "Legislation"} <= words
    assert {f"PU-2026-{n:03d}" for n in range(1, 13)} <= words
    assert {"Not", "started", "Overdue", "Feb", "2027"} <= words
