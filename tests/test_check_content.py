"""The rules that read what a brief says (not only its labels), the verdict in plain words,
every problem at once, structural slips, and the rules across papers."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.brief.parser import parse_brief
from scoper.check import CheckContext, check_set, qa_notes
from scoper.check.names import group_names, mentions, organisation_key, same_organisation
from scoper.cli import cli
from scoper.config import Config
from scoper.load import load_files
from tests.conftest import valid_brief
from tests.test_check import TODAY, edit, problems

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "briefs" / "good"
WEAK = ROOT / "tests" / "briefs" / "weak"

ACME_ROLE = "Role: Refer clients."
ONS_SOURCE = "Source: [ONS, Community Life Survey](https://www.gov.uk/community-life-survey)"

CONTENT_FIRING = [
    (
        "partner-drafts-policy (Role)",
        edit((ACME_ROLE, "Role: Draft the strategy with us.")),
        ["36 warning partner-drafts-policy"],
    ),
    (
        "partner-drafts-policy (chairs the board)",
        edit((ACME_ROLE, "Role: Its chief executive to chair the new programme board.")),
        ["36 warning partner-drafts-policy"],
    ),
    (
        "partner-drafts-policy (an action it owns)",
        edit(
            ("- Convene a charities roundtable.", "- Lead the steering group on the new code."),
            ("Owner: No10 Policy Unit", "Owner: Acme Care"),
        ),
        ["46 warning partner-drafts-policy"],
    ),
    (
        "self-serving-evidence (and anecdote judged without it)",
        edit((ONS_SOURCE, "Source: Acme Care press release, 2026")),
        ["19 warning policy-by-anecdote", "21 warning self-serving-evidence"],
    ),
    (
        "tied-partners (and no independent voice left)",
        edit(
            ("Interests: Gains funding for its services.", "Interests: Funding."),
            (
                "Insight: Runs befriending services",
                "Insight: Funded by Acme Care Ltd; runs befriending services",
            ),
        ),
        ["28 warning narrow-partnership", "30 warning tied-partners"],
    ),
    (
        "tied-partners (a Foundation of a partner, by its name)",
        edit(("**Age UK** — third-sector", "**The Acme Care Foundation** — third-sector")),
        ["28 warning narrow-partnership", "29 warning tied-partners"],
    ),
    (
        "commitment-unsupported (and the label no longer silences fair-weather-partners)",
        edit(
            (
                "Role: Deliver the pilots, under a grant agreement signed in October 2026.",
                "Role: Deliver the pilots.",
            )
        ),
        ["28 warning fair-weather-partners", "33 warning commitment-unsupported"],
    ),
    (
        "placeholder-text (TBC)",
        edit(("Owner: DHSC", "Owner: TBC")),
        ["42 warning placeholder-text"],
    ),
    (
        "placeholder-text (Your Name, example.org)",
        edit(
            ("authors: [Priya Shah, Tom Reed]", "authors: [Your Name]"),
            ("https://www.gov.uk/community-life-survey", "https://www.example.org/"),
        ),
        ["8 warning placeholder-text", "21 warning placeholder-text"],
    ),
    (
        "no-recommendation",
        edit(("We propose a partnership with", "There may be a partnership with")),
        ["15 warning no-recommendation"],
    ),
    (
        "no-risks (above draft)",
        valid_brief(status="review").split("## Risks")[0],
        ["6 warning no-risks"],
    ),
    (
        "final-with-warnings",
        valid_brief(status="final").replace("Due: 2026-12-10", "Due: 2026-11-27"),
        ["6 error final-with-warnings", "48 warning action-overdue"],
    ),
    (
        "fragile-delivery (a Government lever in an action a partner owns does not count)",
        edit(("Owner: DHSC", "Owner: Acme Care Ltd")),
        ["40 warning fragile-delivery"],
    ),
]


@pytest.mark.parametrize("name,text,expected", CONTENT_FIRING, ids=[f[0] for f in CONTENT_FIRING])
def test_content_rule_fires(name: str, text: str, expected: list[str]) -> None:
    assert problems(text) == expected


CONTENT_QUIET = [
    ("an advisory role", edit((ACME_ROLE, "Role: Advise on the draft strategy."))),
    (
        "a role that says it may not draft",
        edit((ACME_ROLE, "Role: Refer clients; it will not draft the strategy.")),
    ),
    (
        "a charity may lead the steering group",
        edit(
            ("Role: Deliver the pilots,", "Role: Chair the steering group and deliver the pilots,")
        ),
    ),
    (
        "a partner's research graded weak is weighed already",
        edit(
            ("Source: roundtable notes", "Source: Acme Care survey"),
            ("Strength: anecdotal", "Strength: weak"),
        ),
    ),
    (
        "an action owned by the partner shows commitment",
        edit(
            (
                "Role: Deliver the pilots, under a grant agreement signed in October 2026.",
                "Role: Deliver the pilots.",
            ),
            ("Owner: No10 Policy Unit", "Owner: Age UK"),
        ),
    ),
    (
        "a recommendation section",
        edit(
            ("We propose a partnership with", "There may be a partnership with"),
            ("## Evidence", "## Recommendation\nFund link workers.\n\n## Evidence"),
        ),
    ),
    (
        "an ask in the front matter",
        edit(
            ("We propose a partnership with", "There may be a partnership with"),
            ("tags: [communities, health]", "tags: [x]\nask: Agree to fund link workers"),
        ),
    ),
    ("a draft needs no risks yet", valid_brief().split("## Risks")[0]),
    ("a clean final paper", valid_brief(status="final")),
    ("'TBC' inside a word is not a placeholder", edit(("Owner: DHSC", "Owner: DHSC TBCU team"))),
]


@pytest.mark.parametrize("name,text", CONTENT_QUIET, ids=[q[0] for q in CONTENT_QUIET])
def test_content_rule_stays_quiet(name: str, text: str) -> None:
    assert problems(text) == []


def test_names_match_as_a_reader_would() -> None:
    assert organisation_key("FreshMart plc") == organisation_key("Freshmart") == "freshmart"
    assert same_organisation("FreshMart PLC", "Fresh Mart Ltd")
    assert same_organisation("British Beer and Pub Association", "BBPA")
    assert same_organisation("Sainsburys", "Sainsbury's")
    assert same_organisation("Alcohol Health Aliance UK", "Alcohol Health Alliance UK")
    assert not same_organisation("FreshMart", "FreshMart Foundation")
    assert not same_organisation("Age UK", "Age NI")
    assert mentions("FreshMart's press office, 2026", "FreshMart plc")
    assert mentions("Funded by the FreshMart Foundation", "FreshMart plc")
    assert not mentions("Fresh produce markets", "FreshMart plc")
    assert group_names(["FreshMart plc", "Age UK", "Freshmart", "FreshMart PLC"]) == [
        ["FreshMart plc", "Freshmart", "FreshMart PLC"],
        ["Age UK"],
    ]


def test_every_problem_at_once_when_an_item_has_an_error() -> None:
    """An action without an owner is an error, and the policy rules still run."""
    text = edit(
        ("  - Owner: DHSC\n", ""),
        (ACME_ROLE, "Role: Draft the strategy with us."),
        ("Commitment: committed", "Commitment: in-principle"),
    )
    found = problems_of_files({"b.md": text})["b.md"]
    assert found == [
        "28 warning fair-weather-partners",
        "36 warning partner-drafts-policy",
        "41 error action-incomplete",
    ]


def problems_of_files(files: dict[str, str], tmp: Path | None = None) -> dict[str, list[str]]:
    import tempfile

    folder = Path(tempfile.mkdtemp()) if tmp is None else tmp
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    reports = load_files(
        sorted(folder / name for name in files), Config(), CheckContext(today=TODAY)
    )
    return {r.path.name: [f"{p.line} {p.severity} {p.rule}" for p in r.problems] for r in reports}


FIELDS = (
    "- Fund 200 link workers in five areas.\n  - Owner: DHSC\n  - Due: 2027-01-15\n"
    "  - Lever: spending\n  - Status: in-progress"
)
SLIPS = [
    (
        "a misspelt required section",
        ("## External partners", "## External Partnres"),
        "28 error missing-section",
        "did you mean '## External partners'?",
    ),
    (
        "a misspelt optional section",
        ("## Risks", "## Rsiks"),
        "51 warning unknown-section",
        "did you mean '## Risks'?",
    ),
    (
        "a field indented one space",
        (FIELDS, FIELDS.replace("\n  - ", "\n - ")),
        "42 error invalid-item",
        "it is indented 1 space; indent it 2 spaces",
    ),
    (
        "a tab in the YAML",
        ("tags: [communities, health]", "tags:\n\t- communities"),
        "12 error yaml-syntax",
        "indented with a tab; YAML needs spaces",
    ),
]


@pytest.mark.parametrize("name,pair,expected,words", SLIPS, ids=[s[0] for s in SLIPS])
def test_structural_slips_get_a_fix(
    name: str, pair: tuple[str, str], expected: str, words: str
) -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "b.md").write_text(edit(pair), encoding="utf-8")
    [report] = load_files([folder / "b.md"], Config(), CheckContext(today=TODAY))
    lines = [f"{p.line} {p.severity} {p.rule}" for p in report.problems]
    assert lines == [expected], [p.format() for p in report.problems]
    assert words in report.problems[0].message


def test_singular_and_synonym_headings_and_table_synonyms() -> None:
    text = edit(("## Risks", "## Risk"), ("## Action points", "## Next step"))
    assert problems(text) == []
    table = edit(
        (
            "- Chronic loneliness rose from 6% to 7% of adults between 2020 and 2025.\n"
            f"  - {ONS_SOURCE}\n  - Strength: strong\n  - Date: 2025-06\n",
            "| Finding | Source | Strength | Date |\n|---|---|---|---|\n"
            "| Chronic loneliness rose to 7% | ONS | strong | 2025-06 |\n\n",
        )
    )
    brief = parse_brief(table, "b.md", default_ref="b", slug="b")
    assert [item.strength for item in brief.evidence] == ["strong", "anecdotal"]


def test_across_papers_partners_and_names() -> None:
    first = valid_brief().replace("**Acme Care Ltd**", "**FreshMart plc**")
    second = (
        valid_brief()
        .replace("PU-2026-900", "PU-2026-901")
        .replace("**Acme Care Ltd** — commercial", "**Freshmart** — commercial")
        .replace("Commitment: exploratory", "Commitment: in-principle")
    )
    third = (
        valid_brief()
        .replace("PU-2026-900", "PU-2026-902")
        .replace("**Acme Care Ltd**", "**FreshMart plc**")
        .replace("Interests: Gains funding for its services.", "Interests: None declared")
    )
    briefs = [
        parse_brief(text, name, default_ref=name, slug=name)
        for name, text in (("a.md", first), ("b.md", second), ("c.md", third))
    ]
    found = check_set(briefs, CheckContext(today=TODAY))
    messages = {
        path: [p.format() for p in found.get(path, [])] for path in ("a.md", "b.md", "c.md")
    }
    assert any(
        "'Freshmart' is probably the organisation written 'FreshMart plc'" in m
        for m in messages["b.md"]
    )
    assert any(
        "partner-inconsistent: 'Freshmart' is in-principle here but exploratory" in m
        for m in messages["b.md"]
    )
    assert any("'Age UK' declares no interests here" in m for m in messages["c.md"])
    assert not any("name-variants" in m for m in messages["a.md"] + messages["c.md"])


def test_the_weak_briefs_fire_and_the_good_stay_clean(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    good = runner.invoke(cli, ["check", str(GOOD), "--strict", "--today", "2026-11-28"])
    assert good.exit_code == 0, good.output
    reports = load_files(sorted(WEAK.glob("*.md")), Config(), CheckContext(today=TODAY))
    fired = {r.path.stem: {p.rule for p in r.problems} for r in reports}
    assert {
        "final-with-warnings",
        "partner-drafts-policy",
        "self-serving-evidence",
        "tied-partners",
        "commitment-unsupported",
        "placeholder-text",
        "no-recommendation",
        "no-risks",
        "narrow-partnership",
        "policy-by-anecdote",
    } <= fired["healthy-food-freshmart"]
    assert fired["water-slips"] == {"missing-section", "invalid-item"}
    assert fired["untouched-skeleton"] >= {"placeholder-text"}
    # The weak final paper cannot be built as final.
    freshmart = next(r for r in reports if r.path.stem == "healthy-food-freshmart")
    assert not freshmart.ok


def test_qa_notes_are_plain_words_for_drafts_only() -> None:
    text = edit((ONS_SOURCE, "Source: Acme Care press release, 2026"))
    brief = parse_brief(text, "b.md", default_ref="b", slug="b")
    found = [p for p in problems_of(text)]
    notes = qa_notes(brief, found)
    assert notes and all("C0" not in note and "line" not in note for note in notes)
    assert any("Acme Care Ltd" in note for note in notes)
    final = parse_brief(valid_brief(status="final"), "f.md", default_ref="f", slug="f")
    assert qa_notes(final, found) == []


def problems_of(text: str) -> list:
    from scoper.check import check_brief

    brief = parse_brief(text, "b.md", default_ref="b", slug="b", resolve_image=lambda s: "x")
    return check_brief(brief, CheckContext(today=TODAY, exists=lambda b, p: True))


def test_the_qa_box_is_on_a_draft_paper_and_not_on_a_final_one() -> None:
    from bs4 import BeautifulSoup

    from scoper.render.html import render_html

    text = edit((ONS_SOURCE, "Source: Acme Care press release, 2026"))
    brief = parse_brief(text, "b.md", default_ref="b", slug="b")
    html = render_html(brief, Config(), problems=problems_of(text))
    soup = BeautifulSoup(html, "html.parser")
    box = soup.select_one(".qa-box")
    assert box is not None and "Unit QA" in box.get_text()
    assert "C018" not in box.get_text() and "self-serving" not in box.get_text()
    # It comes before the first section: on the first page.
    body = str(soup.body)
    assert body.index("qa-box") < body.index("section-summary")
    assert "Acme Care Ltd's own claim" in soup.select_one(".evidence-list").get_text()
    final = parse_brief(valid_brief(status="final"), "f.md", default_ref="f", slug="f")
    assert 'class="qa-box"' not in render_html(final, Config(), problems=[])


def test_github_annotations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.md").write_text(edit(("Owner: DHSC", "Owner: TBC")))
    result = CliRunner().invoke(
        cli, ["check", "b.md", "--format", "github", "--today", "2026-11-28"]
    )
    assert result.exit_code == 0
    assert (
        "::warning file=b.md,line=42,title=C021 placeholder-text::the Owner field" in result.output
    )


def test_pre_commit_hook_runs_scoper_check() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    ids = {hook["id"]: hook for hook in hooks}
    assert ids["scoper-check"]["entry"] == "scoper check"
    assert ids["scoper-check"]["language"] == "python"
    import re

    assert re.search(ids["scoper-check"]["files"], "briefs/a.md")


def test_dates_of_partial_models_do_not_break_rules() -> None:
    """A brief with a front-matter error is reported, not crashed on."""
    text = valid_brief().replace("date: 2026-11-23", "date: someday")
    found = problems_of_files({"b.md": text})["b.md"]
    assert found == ["3 error invalid-date"]


def test_a_declared_tie_is_no_warning_but_still_one_interest() -> None:
    text = edit(
        (
            "Insight: Runs befriending services",
            "Insight: Funded by Acme Care Ltd; runs befriending services",
        ),
        (
            "Interests: Gains funding for its services.",
            "Interests: Gains funding; part-funded by Acme Care Ltd.",
        ),
    )
    assert problems(text) == ["28 warning narrow-partnership"]
