"""The twenty-first hostile-input round (docs/redteam-2026-11-round21.md): round 20's fix
(``Writer._table`` filling a Word table row by row) attacked first, then the other
python-docx-heavy paths of the Word writer at the documented caps.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour; this round has none.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_redteam import SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam17 import _env

EVIDENCE, REST = TAIL.split("## External partners")


def _table(rows: int, columns: int) -> str:
    head = "|" + "|".join(f"h{c}" for c in range(columns)) + "|\n"
    rule = "|" + "|".join("-" for _ in range(columns)) + "|\n"
    body = "".join("|" + "|".join(f"v{r}" for _ in range(columns)) + "|\n" for r in range(rows))
    return "## Data\n\n" + head + rule + body + "\n"


def _pictured_evidence(items: int) -> str:
    return "## Evidence\n" + "".join(
        f"- Claim {i} ![c](https://example.org/{i}.png)\n"
        f"  - Source: ONS ![s](https://example.org/s{i}.png)\n"
        "  - Strength: strong\n"
        for i in range(items)
    )


CASES = {
    # round 20's fix at the caps: 1,000 table rows and the 20,000 markup characters
    "wide-table": SUMMARY + _table(999, 18) + TAIL,
    "bullets-4000": SUMMARY + "## Notes\n\n" + "".join(f"- item {i}\n" for i in range(3990)) + TAIL,
    "numbered-4000": SUMMARY
    + "## Notes\n\n"
    + "".join(f"{i + 1}. item {i}\n" for i in range(3990))
    + TAIL,
    "footnotes-1000": SUMMARY
    + "## Notes\n\n"
    + "".join(f"Para {i}.[^f{i}]\n\n" for i in range(990))
    + "".join(f"[^f{i}]: note {i}\n" for i in range(990))
    + TAIL,
    "sections-2400": SUMMARY
    + "".join(f"## Section {i}\n\nText {i}.\n\n" for i in range(2400))
    + TAIL,
    "callouts-2400": SUMMARY
    + "## Notes\n\n"
    + "".join(f"> [!NOTE]\n> callout {i}\n\n" for i in range(2400))
    + TAIL,
    # each item's prose holds a picture, so each asks for the paper's figure numbering
    "pictured-items": SUMMARY
    + "## Notes\n\nx\n\n"
    + _pictured_evidence(490)
    + "\n## External partners"
    + REST,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_word_paper_at_the_caps_is_quick(tmp_path: Path, name: str) -> None:
    """Each python-docx-heavy construct at its documented cap makes a Word paper within
    seconds (round 20's 500-row table took 178 s), no traceback."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", CASES[name])
    started = time.monotonic()
    result = _scoper(
        "build",
        str(folder / "a.md"),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "docx",
        "--timeout",
        "5",
        env=_env(tmp_path),
        timeout=90,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == 0, output[-2000:]
    assert (tmp_path / "out" / "a.docx").is_file()
    assert time.monotonic() - started < 15
