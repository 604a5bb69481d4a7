# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The fourth hostile-input round (docs/redteam-2026-11-round2.md): attacks on the fixes of
the third round (docs/redteam-2026-11.md), one test per attack tried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import (
    HEAD,
    PNG,
    SUMMARY,
    TAIL,
    _docx_bytes,
    _pdf_bytes,
    leaks,
    public_outputs,
)

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


# -- the public version: values the model keeps as something other than text ---------------


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (
            "  - Commitment: committed\n",
            "  - Commitment: [exploratory]{.sensitive}\n",
            "exploratory",
        ),
        ("third-sector\n", "[commercial]{.sensitive}\n", "commercial"),
        ("  - Strength: strong\n", "  - Strength: [anecdotal]{.sensitive}\n", "anecdotal"),
        (
            "  - Strength: strong\n",
            "  - Strength: strong\n  - Date: [2019-03]{.sensitive}\n",
            "2019",
        ),
        (
            "  - Due: 2026-12-11\n",
            "  - Due: 2026-12-11\n  - Status: [blocked]{.sensitive}\n",
            "blocked",
        ),
        (
            "  - Due: 2026-12-11\n",
            "  - Due: 2026-12-11\n  - Lever: [legislation]{.sensitive}\n",
            "legislation",
        ),
        ("  - Due: 2026-12-11\n", "  - Due: [2026-12-24]{.sensitive}\n", "2026-12-24|24 Dec"),
    ],
    ids=["commitment", "sector", "strength", "evidence-date", "status", "lever", "due"],
)
def test_public_a_marked_value_field(tmp_path: Path, old: str, new: str, pattern: str) -> None:
    body = SUMMARY + TAIL
    assert old in body
    marked = body.replace(old, new, 1)
    # The same brief as it was, without the marked value: a withheld value adds nothing.
    got, base = more_than_without(tmp_path, marked, body, pattern)
    assert got == base


def test_public_a_marked_risk_likelihood(tmp_path: Path) -> None:
    risks = "\n## Risks\n- A risk.\n  - Likelihood: [catastrophic-high]{.sensitive}\n"
    risks_high = risks.replace("[catastrophic-high]{.sensitive}", "[high]{.sensitive}")
    body = SUMMARY + TAIL
    got, base = more_than_without(
        tmp_path,
        body + risks_high,
        body + "\n## Risks\n- A risk.\n",
        r"likelihood[^a-z]{0,40}high|\"high\"",
    )
    assert got == base


# -- the public version: other places a mark may be ----------------------------------------


def test_public_a_sensitive_column_in_a_table_of_actions(tmp_path: Path) -> None:
    actions = (
        "## Action points\n| Action | Owner | Due | Sensitive |\n|---|---|---|---|\n"
        "| LEAK-TABLE-ACTION | LEAK-TABLE-OWNER | 2026-12-11 | yes |\n"
        "| A public action | No10 | 2026-12-12 | no |\n"
    )
    body = SUMMARY + TAIL.split("## Action points")[0] + actions
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_table_caption_of_a_withheld_table(tmp_path: Path) -> None:
    table = "{.sensitive}\n| Brand | Margin |\n|---|---|\n| A | 40% |\n\nTable: LEAK-CAPTION margins by brand\n\n"
    assert leaks(public_outputs(tmp_path, SUMMARY + table + TAIL)) == {}


def test_public_a_span_in_a_table_caption(tmp_path: Path) -> None:
    table = "| Brand | Margin |\n|---|---|\n| A | 40% |\n\nTable: Margins [LEAK-CAPTION]{.sensitive} by brand\n\n"
    assert leaks(public_outputs(tmp_path, SUMMARY + table + TAIL)) == {}


@pytest.mark.parametrize(
    "mark", ["{.chart .sensitive}", "{.sensitive .chart type=bar}", "{.sensitive}\n{.chart}"]
)
def test_public_a_chart_marked_sensitive(tmp_path: Path, mark: str) -> None:
    table = (
        f"{mark}\n| Brand | Units |\n|---|---|\n| LEAK-BRAND-A | 40 |\n| LEAK-BRAND-B | 60 |\n\n"
    )
    assert leaks(public_outputs(tmp_path, SUMMARY + table + TAIL, formats="html,pdf,docx")) == {}


def test_public_a_span_in_a_chart_cell(tmp_path: Path) -> None:
    table = "{.chart}\n| Brand | Units |\n|---|---|\n| [LEAK-BRAND-A]{.sensitive} | 40 |\n| Other | 60 |\n\n"
    assert leaks(public_outputs(tmp_path, SUMMARY + table + TAIL, formats="html,pdf,docx")) == {}


def test_public_a_callout_marked_sensitive(tmp_path: Path) -> None:
    callout = "{.sensitive}\n> [!WARNING]\n> LEAK-CALLOUT ministers disagree.\n\n"
    assert leaks(public_outputs(tmp_path, SUMMARY + callout + TAIL)) == {}


def test_public_a_level_3_heading_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "{.sensitive}\n### LEAK-SUBHEADING talks\nWords.\n\n"
    assert leaks(public_outputs(tmp_path, body + TAIL, formats="html,pdf,docx")) == {}


def test_public_a_figure_title_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + '{.sensitive}\n![LEAK-ALT](p.png "LEAK-FIGURE-TITLE")\n\n'
    assert leaks(public_outputs(tmp_path, body + TAIL, "html,pdf,docx", files={"p.png": PNG})) == {}


def test_public_an_image_used_twice_once_marked(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + 'Kept ![A chart](p.png "Public title").\n\nHidden ![LEAK-ALT](p.png "LEAK-TITLE"){.sensitive}.\n\n'
    )
    outputs = public_outputs(tmp_path, body + TAIL, "html,pdf,docx", files={"p.png": PNG})
    assert leaks(outputs) == {}


def test_public_a_footnote_whose_text_is_marked(tmp_path: Path) -> None:
    body = SUMMARY + "A claim.[^1]\n\n[^1]: {.sensitive}\n    LEAK-NOTE-BLOCK.\n\n    More.\n\n"
    body2 = "Another claim.[^2]\n\n[^2]: Source [LEAK-NOTE-SPAN]{.sensitive} here.\n\n"
    assert leaks(public_outputs(tmp_path, body + body2 + TAIL, "html,pdf,docx")) == {}


def test_public_a_footnote_referred_to_only_from_a_withheld_item(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + TAIL.replace("- First claim.\n", "- First claim.[^9]\n  - Sensitive: yes\n")
        + "\n[^9]: LEAK-ITEM-NOTE from the minutes.\n"
    )
    assert leaks(public_outputs(tmp_path, body, "html,pdf,docx")) == {}


def test_public_a_footnote_referred_to_only_from_a_withheld_heading_span(tmp_path: Path) -> None:
    body = (
        SUMMARY + "## Handling [the talks[^7]]{.sensitive}\nWords.\n\n[^7]: LEAK-HEADING-NOTE.\n\n"
    )
    assert leaks(public_outputs(tmp_path, body + TAIL, "html,pdf,docx")) == {}


def test_public_a_nested_list_marked_sensitive(tmp_path: Path) -> None:
    body = SUMMARY + "- Outer point.\n\n  {.sensitive}\n  - LEAK-NESTED inner point.\n- Second.\n\n"
    assert leaks(public_outputs(tmp_path, body + TAIL)) == {}


def test_public_a_marked_span_in_a_table_of_partners(tmp_path: Path) -> None:
    partners = (
        "## External partners\n| Partner | Sector | Interests | Commitment |\n|---|---|---|---|\n"
        "| Alliance [LEAK-TABLE-PARTNER]{.sensitive} | third-sector | [LEAK-INTERESTS]{.sensitive} | committed |\n\n"
    )
    body = SUMMARY + TAIL.replace(
        TAIL[TAIL.index("## External") : TAIL.index("## Action")], partners
    )
    assert leaks(public_outputs(tmp_path, body)) == {}


def test_public_a_cross_reference_to_a_withheld_item(tmp_path: Path) -> None:
    body = (
        SUMMARY
        + "As [LEAK-XREF-TEXT](#E1) shows.\n\n"
        + TAIL.replace("- First claim.\n", "- First claim LEAK-EVIDENCE.\n  - Sensitive: yes\n")
    )
    body = body.replace("As [LEAK-XREF-TEXT](#E1)", "As [#E1](#E1)")
    assert leaks(public_outputs(tmp_path, body, "html,pdf,docx")) == {}


def test_public_the_front_matter_ask_with_a_marked_span(tmp_path: Path) -> None:
    head = HEAD.replace("---\n", "ask: Agree to [LEAK-ASK]{.sensitive} the levy\n---\n", 1)
    head = "---\n" + head[4:] if not head.startswith("---") else head
    head = HEAD[:-4] + "ask: Agree to [LEAK-ASK]{.sensitive} the levy\n---\n"
    assert leaks(public_outputs(tmp_path, SUMMARY + TAIL, head=head)) == {}


def test_public_a_summary_opening_in_the_word_properties(tmp_path: Path) -> None:
    body = "## Summary\n[LEAK-SUMMARY opening words]{.sensitive} We recommend a roundtable.\n\n"
    assert leaks(public_outputs(tmp_path, body + TAIL, "html,pdf,docx")) == {}


# -- the public pack and PDF/A -------------------------------------------------------------


def _all_public_bytes(folder: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        reader = {".docx": _docx_bytes, ".pdf": _pdf_bytes}.get(path.suffix)
        found[str(path.relative_to(folder))] = reader(path) if reader else path.read_bytes()
    found["names"] = "\n".join(found).encode()
    return found


PACK_BRIEF = (
    HEAD.replace("ref: PU-2026-099", "ref: PU-2026-098")
    + SUMMARY
    + "See [ref:PU-2026-097](ref:PU-2026-097) and [LEAK-REF-SPAN]{.sensitive}.\n\n"
    + "## Evidence\n- Claim [LEAK-EVIDENCE-SPAN]{.sensitive}.\n  - Source: ONS\n  - Strength: strong\n"
    + "- LEAK-WITHHELD-EVIDENCE claim.\n  - Source: ONS\n  - Strength: strong\n  - Sensitive: yes\n\n"
    + "## External partners\n- **Alliance [LEAK-PARTNER-NAME]{.sensitive}** — third-sector\n"
    + "  - Interests: Public health [LEAK-INTERESTS]{.sensitive}.\n  - Commitment: committed\n"
    + "  - Contact: LEAK-CONTACT 0777\n"
    + "- **LEAK-WITHHELD-PARTNER Ltd** — commercial\n  - Interests: x\n  - Sensitive: s.43\n\n"
    + "## Action points\n- Convene [LEAK-ACTION-SPAN]{.sensitive}.\n  - Owner: Unit [LEAK-OWNER]{.sensitive}\n"
    + "  - Due: 2026-12-11\n- LEAK-WITHHELD-ACTION.\n  - Owner: LEAK-WITHHELD-OWNER\n"
    + "  - Due: 2026-12-12\n  - Sensitive: yes\n"
)


def test_public_pack_and_its_csv_hold_nothing_withheld(tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "a.md").write_text(PACK_BRIEF + "\n")
    secret = (
        HEAD[:-4]
        .replace("ref: PU-2026-099", "ref: PU-2026-097")
        .replace("title: Red team brief", "title: LEAK-SECRET-TITLE talks")
        + "public: false\n---\n"
        + SUMMARY
        + TAIL
    )
    (folder / "b.md").write_text(secret)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "pack",
            str(folder),
            "--week",
            "2026-W48",
            "-o",
            str(out),
            "--public",
            "--actions-csv",
            "--today",
            "2026-11-28",
            "--pdf-variant",
            "pdf/a-3u",
        ],
    )
    assert result.exit_code == 0, result.output
    outputs = _all_public_bytes(out / "public")
    assert any(name.endswith(".csv") for name in outputs)
    assert leaks(outputs) == {}


def test_public_pdf_a_attachment_holds_nothing_withheld(tmp_path: Path) -> None:
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "a.md").write_text(PACK_BRIEF + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(folder / "a.md"),
            "-o",
            str(out),
            "--public",
            "--format",
            "pdf",
            "--pdf-variant",
            "pdf/a-3u",
        ],
    )
    assert result.exit_code == 0, result.output
    assert leaks(_all_public_bytes(out)) == {}


# -- scoper review -------------------------------------------------------------------------


def test_review_a_word_file_of_100000_zip_entries(tmp_path: Path) -> None:
    import time
    import zipfile

    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as package:
        package.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body/></w:document>",
        )
        for number in range(100_000):
            package.writestr(zipfile.ZipInfo(f"x/{number}"), b"")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["review", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert time.monotonic() - started < 10
