# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The ninth hostile-input round (docs/redteam-2026-11-round9.md): the round-8 fixes (a mark
inside a structured item marks the item, the marked words checked as parsed, unread
``Sensitive:`` lines refused, nested footnotes an error) attacked first, then the pack's
``OUTPUT/public`` check raced, and other readers that take a marked token apart.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import TODAY, _brief
from tests.test_redteam5 import _leaks, _public

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE_AND_PARTNERS = TAIL.split("## Action points")[0]
"""The tail without its Action points, for briefs that write their own (as a table)."""
EVIDENCE_AND_ACTIONS = TAIL.replace(
    "## External partners\n- **Alcohol Health Alliance** — third-sector\n"
    "  - Interests: Public health.\n  - Commitment: committed\n",
    "",
)
"""The tail without its partners, for briefs that write their own."""


def _public_whole(tmp_path: Path, body: str, tail: str) -> tuple[int, str, dict[str, list[str]]]:
    """The public HTML of a brief whose sections after the summary are ``body + tail``."""
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + body + tail)
    out = tmp_path / "out"
    built = CliRunner().invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public", "--format", "html"]
    )
    return built.exit_code, built.output, _leaks(out) if out.exists() else {}


# -- 1. the OUTPUT/public check raced: checked once, then written by path --------------------


def _race_public_folder(tmp_path: Path) -> tuple[Path, bool, subprocess.CompletedProcess[str]]:
    """Run ``scoper pack --public`` and, once its HTML papers are written (the check on
    OUTPUT/public long passed, the PDFs still to come), swap OUTPUT/public for a link to
    another folder, as anyone who can write the output folder can."""
    briefs, out, victim = tmp_path / "briefs", tmp_path / "out", tmp_path / "victim"
    _brief(briefs, "a.md")
    _brief(briefs, "b.md", head=HEAD.replace("PU-2026-099", "PU-2026-098"))
    (out / "public").mkdir(parents=True)
    victim.mkdir()
    (victim / "pack.pdf").write_text("the victim's own pack\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scoper", "pack", str(briefs), "-o", str(out)]
    child = subprocess.Popen(
        [*command, "--public", "--today", TODAY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    swapped = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            names = os.listdir(out / "public")
            if {"a.html", "b.html"} <= set(names) and not any(n.endswith(".tmp") for n in names):
                os.rename(out / "public", out / "public.moved")
                os.symlink(victim, out / "public")
                swapped = True
                break
            time.sleep(0.002)
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return victim, swapped, subprocess.CompletedProcess(command, child.returncode, stdout, stderr)


def test_a_public_folder_swapped_for_a_link_during_the_pack(tmp_path: Path) -> None:
    victim, swapped, run = _race_public_folder(tmp_path)
    if not swapped:
        pytest.skip("the pack finished before the folder could be swapped")
    assert sorted(os.listdir(victim)) == ["pack.pdf"], (sorted(os.listdir(victim)), run.stdout)
    assert (victim / "pack.pdf").read_text() == "the victim's own pack\n"


# -- 2. a mark in the header row of a table of items -------------------------------------------

TABLE_HEADER_LEAKS = {
    # The table reader takes each header cell as plain text (a field's name and label): a
    # span marked there is dropped, and the label is shown. Two words are under the final
    # check's length, so nothing refuses it.
    "actions-extra-column": (
        "## Action points\n| Action | Owner | Due | [LEAK-HEADERCOST]{.sensitive} |\n|---|---|---|---|\n| Do it | Me | 2026-12-01 | 40m |\n\n",
        EVIDENCE_AND_PARTNERS,
    ),
    "partners-extra-column": (
        "## External partners\n| Partner | Sector | Commitment | [LEAK-PARTNERHEADER]{.sensitive} |\n|---|---|---|---|\n| Alliance | third-sector | committed | yes |\n\n",
        EVIDENCE_AND_ACTIONS,
    ),
}


@pytest.mark.parametrize("case", TABLE_HEADER_LEAKS.values(), ids=TABLE_HEADER_LEAKS.keys())
def test_a_mark_in_the_header_row_of_a_table_of_items(
    tmp_path: Path, case: tuple[str, str]
) -> None:
    code, _, found = _public_whole(tmp_path, *case)
    assert code != 0 or found == {}, found


def test_a_long_marked_header_is_caught_by_the_final_check(tmp_path: Path) -> None:
    """The round-8 backstop holds where the passage is long enough to check: three words."""
    body = "## Action points\n| Action | Owner | Due | [LEAK-HEADER cost to Treasury]{.sensitive} |\n|---|---|---|---|\n| Do it | Me | 2026-12-01 | 40m |\n\n"
    code, output, found = _public_whole(tmp_path, body, EVIDENCE_AND_PARTNERS)
    assert code != 0 and found == {}, (output, found)
    # Refused by the last checks: since round 9's fix, by the mark no part of the model
    # holds (before the words are compared).
    assert "withheld words" in output or "where scoper does not read one" in output


def test_a_mark_in_a_free_tables_header_is_withheld(tmp_path: Path) -> None:
    code, _, found = _public(
        tmp_path, "## Notes\n| a | [LEAK-FREEHEADER]{.sensitive} |\n|---|---|\n| 1 | 2 |\n\n"
    )
    assert code == 0 and found == {}, found


# -- 3. 'Sensitive:' where scoper still does not read it -----------------------------------------

SENSITIVE_UNREAD = {
    # Single emphasis: the item reader reads '*Sensitive:*' as the field in a structured
    # item, but the round-8 check for it elsewhere knows only plain and bold.
    "free-section-em": "## Notes\n- LEAK-EMFIELD point\n  - *Sensitive:* yes\n\n",
    "free-section-em-first": "## Notes\n- *Sensitive:* yes\n\n  LEAK-EMFIRST point\n\n",
    # On the item's own lines, as the format allows 'an inline *Mitigation:*' in a risk.
    "risk-second-line": "## Risks\n- LEAK-SECONDLINE risk text\n  Sensitive: yes\n\n",
    "risk-inline": "## Risks\n- LEAK-INLINESENS risk text. *Sensitive:* yes\n\n",
    "risk-second-paragraph": "## Risks\n- LEAK-SECONDPARA risk text\n\n  Sensitive: yes\n\n",
    # Misspelt: only an unknown-field warning, where a misspelt class refuses.
    "risk-misspelt": "## Risks\n- LEAK-MISSPELT risk\n  - Sensitve: yes\n\n",
}


@pytest.mark.parametrize("body", SENSITIVE_UNREAD.values(), ids=SENSITIVE_UNREAD.keys())
def test_a_sensitive_line_still_unread(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


SENSITIVE_HELD = {
    "risks-table-column": (
        "## Risks\n| Risk | Likelihood | Sensitive |\n|---|---|---|\n| LEAK-RISKTABLE | low | yes |\n\n"
    ),
    "bold-in-a-free-section": "## Notes\n- LEAK-BOLDFREE point\n  - **Sensitive:** yes\n\n",
    "under-a-field": "## Risks\n- LEAK-UNDERFIELD risk\n  - Mitigation: x\n    - Sensitive: yes\n\n",
    "nbsp-before-colon": "## Notes\n- Sensitive\u00a0: yes LEAK-NBSPCOLON\n\n",
    "numbered-in-options": "## Options\n1. LEAK-NUMBERED option\n   1. Sensitive: yes\n\n",
}


@pytest.mark.parametrize("body", SENSITIVE_HELD.values(), ids=SENSITIVE_HELD.keys())
def test_sensitive_lines_that_hold(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


# -- the round-8 item fix in other shapes --------------------------------------------------------

ITEM_SHAPES_HELD = {
    "partner-mark-first": (
        "## External partners\n- {.sensitive}\n  **LEAK-PARTNERNAME Ltd** — commercial\n  - Interests: LEAK-PARTNERINTEREST\n  - Commitment: committed\n- **Alcohol Health Alliance** — third-sector\n  - Commitment: committed\n\n",
        EVIDENCE_AND_ACTIONS,
    ),
    "partner-span-across-the-break": (
        "## External partners\n- **Acme Ltd** — [commercial\n  LEAK-SPANBREAK x]{.sensitive}\n  - Commitment: committed\n- **Alcohol Health Alliance** — third-sector\n  - Commitment: committed\n\n",
        EVIDENCE_AND_ACTIONS,
    ),
    "partner-link-across-the-break": (
        "## External partners\n- **Acme Ltd** — [commercial\n  LEAK-LINKBREAK x](https://example.org){.sensitive}\n  - Commitment: committed\n- **Alcohol Health Alliance** — third-sector\n  - Commitment: committed\n\n",
        EVIDENCE_AND_ACTIONS,
    ),
    "partner-table-first-column": (
        "## External partners\n| Partner | Sector | Commitment |\n|---|---|---|\n| [LEAK-TABLENAME]{.sensitive} Ltd | commercial | committed |\n| Alliance | third-sector | committed |\n\n",
        EVIDENCE_AND_ACTIONS,
    ),
    "field-line-that-is-a-span": (
        "## Risks\n- A risk.\n  - [Mitigation: LEAK-SPANFIELD x]{.sensitive}\n\n",
        TAIL,
    ),
    "field-label-half-marked": (
        "## Risks\n- A risk.\n  - Miti[gation: LEAK-HALFLABEL]{.sensitive} x\n\n",
        TAIL,
    ),
    "bold-label-marked-value": (
        "## Risks\n- A risk.\n  - **Mitigation:** [LEAK-BOLDVALUE]{.sensitive}\n\n",
        TAIL,
    ),
    "heading-in-an-item": (
        "## Risks\n- A risk.\n\n  ### Heading [LEAK-ITEMHEADING]{.sensitive}\n\n",
        TAIL,
    ),
    "heading-span-in-a-free-section": (
        "## Notes\n### Talks with [LEAK-HSPAN]{.sensitive} went well\n\nText.\n\n",
        TAIL,
    ),
    "marked-level-3-heading": (
        "## Notes\n{.sensitive}\n### LEAK-MARKEDHEADING heading\n\nText.\n\n",
        TAIL,
    ),
    "mark-before-a-field-in-a-loose-list": (
        "## Risks\n- A risk.\n\n  - Likelihood: low\n\n  - {.sensitive}\n    Mitigation: LEAK-LOOSEFIELD\n\n",
        TAIL,
    ),
    "exemption-on-an-item": (
        '## Risks\n- {.sensitive exemption="s.43(2)"}\n  LEAK-EXEMPTITEM risk\n  - Likelihood: low\n\n',
        TAIL,
    ),
}


@pytest.mark.parametrize("case", ITEM_SHAPES_HELD.values(), ids=ITEM_SHAPES_HELD.keys())
def test_item_marks_in_other_shapes(tmp_path: Path, case: tuple[str, str]) -> None:
    code, _, found = _public_whole(tmp_path, *case)
    assert code != 0 or found == {}, found


def test_a_repeated_phrase_refuses_with_a_reason(tmp_path: Path) -> None:
    """By design: the final check refuses a public version whose marked words stand
    unmarked elsewhere, and says which (a false positive the writer can act on)."""
    body = "## Notes\n{.sensitive}\nLEAK-CP the figure is **the Department for Education** view.\n\nWe spoke to the Department for Education.\n\n"
    code, output, found = _public(tmp_path, body)
    assert code != 0 and found == {}
    assert "the department for education" in output
