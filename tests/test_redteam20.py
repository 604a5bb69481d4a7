"""The twentieth hostile-input round (docs/redteam-2026-11-round20.md): round 19's fix
(``PaperDrawings``: a Word paper's pictures and charts within one time limit and the
picture budget) attacked first, then the Word paper's own writing time.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

import pytest

from scoper.brief.source import picture_budget
from scoper.docx.prose import PaperDrawings
from scoper.drawing import DrawingFailed
from tests.test_redteam import SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam17 import _env
from tests.test_redteam19 import _charts

CHART_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">'
    b'<rect width="400" height="300" fill="#123456"/></svg>'
)


# -- 1. round 19's fix: PaperDrawings -----------------------------------------------------------


def test_spent_deadline_refuses_before_drawing_or_cache() -> None:
    """A paper whose drawing time is spent draws nothing more (not even from the cache):
    the chart falls back to its table, the picture is a ``docx-failed`` error."""
    drawings = PaperDrawings(0.0)
    with picture_budget(40_000_000), pytest.raises(DrawingFailed):
        drawings.png(CHART_SVG)


def test_chart_png_counts_against_the_picture_budget(tmp_path: Path, monkeypatch) -> None:
    """A chart's PNG is spent from the paper's budget: past it, None (its table), never an
    unbounded embed; outside a render that set a budget, nothing is embedded."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    drawings = PaperDrawings(30.0)
    with picture_budget(10):
        assert drawings.png(CHART_SVG) is None
    assert drawings.png(CHART_SVG) is None  # no budget set
    with picture_budget(40_000_000):
        png = drawings.png(CHART_SVG)
        assert png is not None and png.startswith(b"\x89PNG")


def test_many_charts_with_a_short_limit_still_make_a_paper(tmp_path: Path) -> None:
    """120 distinct charts with ``--timeout 1``: a Word paper within seconds (charts past
    the limit show their tables), no traceback."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _charts(120) + TAIL)
    started = time.monotonic()
    result = _scoper(
        "build",
        str(folder / "a.md"),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "docx",
        "--timeout",
        "1",
        env=_env(tmp_path),
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 0, output
    assert (tmp_path / "out" / "a.docx").is_file()
    assert time.monotonic() - started < 10


# -- 2. the Word paper's own writing (not its drawings) ----------------------------------------


def _table(rows: int, cols: int = 8) -> str:
    head = "| " + " | ".join(f"h{c}" for c in range(cols)) + " |\n|" + "---|" * cols + "\n"
    return (
        "## Data\n\n"
        + head
        + "".join("| " + " | ".join(str(r) for _ in range(cols)) + " |\n" for r in range(rows))
        + "\n"
    )


def test_large_table_in_html_is_quick(tmp_path: Path) -> None:
    """The same 500-row table in the HTML paper builds in well under a second or two."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _table(500) + TAIL)
    started = time.monotonic()
    result = _scoper(
        "build",
        str(folder / "a.md"),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "html",
        env=_env(tmp_path),
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert time.monotonic() - started < 10


def test_word_paper_with_a_table_is_bounded_in_time(tmp_path: Path) -> None:
    """``Writer._table`` calls python-docx's ``table.cell(r, c)`` per cell, which rebuilds
    the table's cell list each time: time grows with the square of the cells. 500 rows of
    8 columns (well within the 10,000-line cap) took 178 s with ``--timeout 5``; the Word
    paper is written in the main process, with no limit. Here 150 rows: the safe behaviour
    is a paper (or a clear error) within about the limit."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _table(150) + TAIL)
    started = time.monotonic()
    with contextlib.suppress(subprocess.TimeoutExpired):
        _scoper(
            "build",
            str(folder / "a.md"),
            "-o",
            str(tmp_path / "out"),
            "--format",
            "docx",
            "--timeout",
            "2",
            env=_env(tmp_path),
            timeout=25,
        )
    assert time.monotonic() - started < 8
