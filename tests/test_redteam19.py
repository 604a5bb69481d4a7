"""The nineteenth hostile-input round (docs/redteam-2026-11-round19.md): round 18's fix
(a Word paper's SVG drawings share one deadline, ``picture_reader`` / ``svg_png(...,
timeout=)`` / ``build_many`` applying ``--timeout``) attacked first, then the other
drawings a Word paper makes.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

from tests.test_redteam import SUMMARY, TAIL
from tests.test_redteam4 import HEAD, _brief, _scoper
from tests.test_redteam17 import _env
from tests.test_redteam18 import _rects_svg


def _charts(n: int) -> str:
    """``n`` distinct two-row tables drawn as charts (distinct, so no cached drawing)."""
    return "".join(
        f"{{.chart type=bar}}\n| Year | N |\n|---|---|\n| 2024 | {i} |\n| 2025 | {i + 1} |\n\n"
        for i in range(n)
    )


# -- 1. round 18's fix: the shared deadline -----------------------------------------------------


def test_slow_svg_past_the_papers_limit_is_a_clear_error(tmp_path: Path) -> None:
    """One drawing of ~3 s with ``--timeout 1``: the drawing is stopped at the paper's
    limit (not its own 20 s) and the paper is a ``docx-failed`` error naming the image, no
    traceback and no Word file."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "d.svg").write_bytes(_rects_svg(350, 0))
    _brief(folder, "a.md", SUMMARY + "![slow](d.svg)\n\n" + TAIL)
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
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "docx-failed" in output and "d.svg" in output, output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "a.docx").exists()
    assert elapsed < 10, elapsed


def test_many_briefs_each_get_the_limit_and_fail_cleanly(tmp_path: Path) -> None:
    """``scoper build`` of a folder (``build_many``): ``--timeout`` reaches every Word paper;
    a good brief beside a slow one is still built, the slow one is a clear error."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "d.svg").write_bytes(_rects_svg(350, 1))
    _brief(folder, "a.md", SUMMARY + "![slow](d.svg)\n\n" + TAIL)
    _brief(folder, "b.md", SUMMARY + TAIL, head=HEAD.replace("PU-2026-099", "PU-2026-098"))
    started = time.monotonic()
    result = _scoper(
        "build",
        str(folder),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "docx",
        "--timeout",
        "1",
        env=_env(tmp_path),
        timeout=60,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "docx-failed" in output, output
    assert (tmp_path / "out" / "b.docx").is_file()
    assert not (tmp_path / "out" / "a.docx").exists()
    assert elapsed < 12, elapsed


def test_cached_drawing_is_reused_and_still_counted(tmp_path: Path) -> None:
    """A drawing kept in the user cache costs nothing the second time: the same brief
    builds again with the same picture embedded (the cache never changes the paper)."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "d.svg").write_bytes(_rects_svg(1, 2))
    _brief(folder, "a.md", SUMMARY + "![quick](d.svg)\n\n" + TAIL)
    sizes = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        result = _scoper(
            "build",
            str(folder / "a.md"),
            "-o",
            str(out),
            "--format",
            "docx",
            "--timeout",
            "5",
            env=_env(tmp_path),
            timeout=60,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        with zipfile.ZipFile(out / "a.docx") as archive:
            sizes.append(sorted(i.file_size for i in archive.infolist() if "media/" in i.filename))
    assert sizes[0] == sizes[1] and sizes[0]


# -- 2. the other drawings of a Word paper --------------------------------------------------------


def test_word_paper_with_many_charts_is_bounded_in_time(tmp_path: Path) -> None:
    """Round 18's fix gave a Word paper's SVG *pictures* one deadline, but a chart drawn
    from a table (``Writer._numbered`` -> ``svg_to_png(chart.svg)``) is drawn with no
    timeout passed, each with its own 20 s and nothing in all: 300 distinct two-row charts
    take ~45 s with ``--timeout 5``; the 10,000-line cap admits ~1,600. Here 120 charts
    with ``--timeout 1``: the safe behaviour is a paper (or a clear error) within about
    that limit, as for the PDF."""
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
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stdout + result.stderr
    assert elapsed < 8, elapsed


def test_many_charts_in_html_are_quick(tmp_path: Path) -> None:
    """The same 120 charts in the HTML paper (drawn inline, no child per chart) build in
    seconds: the cost above is the Word paper's only."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _charts(120) + TAIL)
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
