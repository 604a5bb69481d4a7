"""The fourth hostile-input round (docs/redteam-2026-11-round2.md): attacks on the fixes of
the third round (docs/redteam-2026-11.md), one test per attack tried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import HEAD, PNG, SUMMARY, TAIL, _docx_bytes, _pdf_bytes, leaks, public_outputs

# -- helpers -------------------------------------------------------------------------------


def count(outputs: dict[str, bytes], pattern: str) -> int:
    """How often a word (any case) stands in all the public outputs together."""
    word = re.compile(pattern.encode(), re.IGNORECASE)
    return sum(len(word.findall(data)) for data in outputs.values())


def more_than_without(tmp_path: Path, marked: str, unmarked: str, pattern: str) -> tuple[int, int]:
    """Occurrences of ``pattern`` in the public outputs of a brief with a marked value, and
    of the same brief with the value left out: a marked value that is withheld adds none."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_mark = count(public_outputs(tmp_path / "a", marked, formats="html,pdf,docx"), pattern)
    without = count(public_outputs(tmp_path / "b", unmarked, formats="html,pdf,docx"), pattern)
    return with_mark, without


PARTNER = "- **Alcohol Health Alliance** — third-sector\n  - Interests: Public health.\n  - Commitment: committed\n"

# -- the public version: values the model keeps as something other than text ---------------


FINDING_1 = pytest.mark.xfail(
    strict=True,
    reason="finding 1: a marked span in a field kept as a value (sector, commitment, strength, "
    "date, due, status, lever, likelihood, impact) is published",
)


@FINDING_1
@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        ("  - Commitment: committed\n", "  - Commitment: [exploratory]{.sensitive}\n", "exploratory"),
        ("third-sector\n", "[commercial]{.sensitive}\n", "commercial"),
        ("  - Strength: strong\n", "  - Strength: [anecdotal]{.sensitive}\n", "anecdotal"),
        ("  - Strength: strong\n", "  - Date: [2019-03]{.sensitive}\n", "2019"),
        ("  - Due: 2026-12-11\n", "  - Due: 2026-12-11\n  - Status: [blocked]{.sensitive}\n", "blocked"),
        ("  - Due: 2026-12-11\n", "  - Due: 2026-12-11\n  - Lever: [legislation]{.sensitive}\n", "legislation"),
        ("  - Due: 2026-12-11\n", "  - Due: [2026-12-24]{.sensitive}\n", "2026-12-24|24 Dec"),
    ],
    ids=["commitment", "sector", "strength", "evidence-date", "status", "lever", "due"],
)
def test_public_a_marked_value_field(tmp_path: Path, old: str, new: str, pattern: str) -> None:
    body = SUMMARY + TAIL
    assert old in body
    marked = body.replace(old, new, 1)
    # The same brief without the value (a due date is required: another date stands in).
    unmarked = body.replace(old, "  - Due: 2026-12-11\n" if "Due: [" in new else "", 1)
    got, base = more_than_without(tmp_path, marked, unmarked, pattern)
    assert got == base


@FINDING_1
def test_public_a_marked_risk_likelihood(tmp_path: Path) -> None:
    risks = "\n## Risks\n- A risk.\n  - Likelihood: [catastrophic-high]{.sensitive}\n"
    risks_high = risks.replace("[catastrophic-high]{.sensitive}", "[high]{.sensitive}")
    body = SUMMARY + TAIL
    got, base = more_than_without(
        tmp_path, body + risks_high, body + "\n## Risks\n- A risk.\n", r"likelihood[^a-z]{0,40}high|\"high\""
    )
    assert got == base
