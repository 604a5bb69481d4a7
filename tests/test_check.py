"""Each check rule fires where it should and stays quiet where it should not."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.brief.parser import parse_brief
from scoper.check import CheckContext, check_brief, check_set
from scoper.cli import cli
from scoper.config import CheckSettings, Config, ConfigError, parse_config
from scoper.load import load_files
from scoper.problems import RULES
from tests.conftest import EXAMPLES, valid_brief

TODAY = dt.date(2026, 11, 28)


def problems(
    text: str, today: dt.date = TODAY, settings: CheckSettings | None = None, exists: bool = True
) -> list[str]:
    brief = parse_brief(
        text, "b.md", default_ref="b", slug="b", resolve_image=lambda src: "data:image/png,"
    )
    context = CheckContext(
        today=today, settings=settings or CheckSettings(), exists=lambda brief, path: exists
    )
    return [f"{p.line} {p.severity} {p.rule}" for p in check_brief(brief, context)]


def edit(*pairs: tuple[str, str]) -> str:
    text = valid_brief()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_the_base_brief_is_clean() -> None:
    assert problems(valid_brief()) == []


FIRING = [
    ("unknown-key", edit(("priority: 2", "priorty: 2")), "5 warning unknown-key"),
    (
        "action-due-before-brief",
        edit(
            ("Due: 2026-12-10", "Due: 2025-12-10"), ("Owner: No10", "Status: done\n  - Owner: No10")
        ),
        "49 warning action-due-before-brief",
    ),
    ("action-overdue", edit(("Due: 2026-12-10", "Due: 2026-11-27")), "48 warning action-overdue"),
    (
        "undeclared-interests",
        edit(("  - Interests: Contracts.\n", "")),
        "34 warning undeclared-interests",
    ),
    (
        "narrow-partnership (one sector)",
        edit(("Acme Care Ltd** — commercial", "Acme Care Ltd** — third-sector")),
        "28 warning narrow-partnership",
    ),
    (
        "narrow-partnership (no independent voice)",
        edit(("Age UK** — third-sector", "Age UK** — commercial")),
        "28 warning narrow-partnership",
    ),
    (
        "policy-by-anecdote (nothing above weak)",
        edit(("Strength: strong", "Strength: weak")),
        "19 warning policy-by-anecdote",
    ),
    (
        "policy-by-anecdote (mostly anecdotal)",
        edit(
            (
                "Date: 2025-06",
                "Date: 2025-06\n- Told at a visit.\n  - Source: notes\n  - Strength: anecdotal",
            )
        ),
        "19 warning policy-by-anecdote",
    ),
    (
        "evidence-unsourced",
        edit(("  - Source: roundtable notes\n", "")),
        "24 warning evidence-unsourced",
    ),
    (
        "fragile-delivery",
        edit(("Lever: spending", "Lever: communications")),
        "40 warning fragile-delivery",
    ),
    (
        "fair-weather-partners",
        edit(("Commitment: committed", "Commitment: in-principle")),
        "28 warning fair-weather-partners",
    ),
    (
        "summary-too-long",
        edit(("One in fourteen", "word " * 200 + "One in fourteen")),
        "15 warning summary-too-long",
    ),
    (
        "image-no-alt",
        edit(("local link workers.", "local link workers.\n\n![](chart.png)")),
        "19 error image-no-alt",
    ),
    ("stale-evidence", edit(("Date: 2025-06", "Date: 2020")), "23 warning stale-evidence"),
    (
        "unknown-rule",
        edit(("tags: [communities, health]", "tags: [x]\nignore: [narow-partnership]")),
        "12 warning unknown-rule",
    ),
]


@pytest.mark.parametrize("name,text,expected", FIRING, ids=[f[0] for f in FIRING])
def test_rule_fires(name: str, text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_broken_reference_fires_only_for_missing_relative_files() -> None:
    text = edit(
        (
            "local link workers.",
            "local link workers. See [annex](annex.pdf), [the web](https://gov.uk), "
            "[below](#s-risks) and ![chart](img/chart.png).",
        )
    )
    assert problems(text, exists=True) == []
    assert problems(text, exists=False) == [
        "17 error broken-reference",
        "17 error broken-reference",
    ]


QUIET = [
    (
        "done actions are never overdue",
        edit(("Due: 2026-12-10", "Due: 2026-11-27\n  - Status: done")),
    ),
    (
        "due on the brief's date is fine",
        edit(
            ("Due: 2026-12-10", "Due: 2026-11-23"), ("Owner: No10", "Status: done\n  - Owner: No10")
        ),
    ),
    ("'None declared' declares", edit(("Interests: Contracts.", "Interests: None declared"))),
    ("exactly half anecdotal is not more than half", valid_brief()),
    ("moderate evidence is above weak", edit(("Strength: strong", "Strength: moderate"))),
    ("regulation is a Government lever", edit(("Lever: spending", "Lever: regulation"))),
    (
        "200 words is within the limit",
        edit(
            (
                "One in fourteen adults is chronically lonely. We propose a partnership with\n"
                "charities, backed by funding for local link workers.",
                "We recommend " + "word " * 198,
            )
        ),
    ),
    ("five years to the day is not stale", edit(("Date: 2025-06", "Date: 2021-11-23"))),
    (
        "a lone committed public partner",
        edit(
            ("Age UK** — third-sector", "Age UK** — public"),
            ("Acme Care Ltd** — commercial", "Acme Care Ltd** — academic"),
        ),
    ),
]


@pytest.mark.parametrize("name,text", QUIET, ids=[q[0] for q in QUIET])
def test_rule_stays_quiet(name: str, text: str) -> None:
    assert problems(text) == []


def test_every_check_rule_is_tested_firing() -> None:
    tested = {expected.split()[-1] for _, _, expected in FIRING} | {"broken-reference"}
    tested |= {"duplicate-ref"}  # test_duplicate_ref
    from tests.test_check_content import CONTENT_FIRING

    tested |= {found.split()[-1] for _, _, expected in CONTENT_FIRING for found in expected}
    tested |= {"partner-inconsistent", "partner-name-variants"}  # test_check_content, across
    tested |= {"public-leak", "bad-marking"}  # tests/test_check_public.py
    check_rules = {name for name, rule in RULES.items() if rule.group == "check"}
    assert check_rules <= tested, check_rules - tested


def test_overdue_uses_the_given_day() -> None:
    text = edit(("Due: 2026-12-10", "Due: 2026-11-27"))
    assert problems(text, today=dt.date(2026, 11, 27)) == []
    assert problems(text, today=dt.date(2026, 11, 28)) == ["48 warning action-overdue"]


def test_ignore_and_project_grades() -> None:
    text = edit(
        ("Commitment: committed", "Commitment: in-principle"),
        ("tags: [communities, health]", "tags: [x]\nignore: [fair-weather-partners]"),
    )
    assert problems(text) == []
    text = edit(("Commitment: committed", "Commitment: in-principle"))
    graded = CheckSettings(grades={"fair-weather-partners": "error"})
    assert problems(text, settings=graded) == ["28 error fair-weather-partners"]
    off = CheckSettings(grades={"fair-weather-partners": "off"})
    assert problems(text, settings=off) == []
    # Schema errors cannot be ignored.
    text = edit(("tags: [communities, health]", "tags: [x]\nignore: [missing-section]"))
    assert problems(text) == ["12 warning unknown-rule"]


def test_configurable_limits() -> None:
    text = edit(("Date: 2025-06", "Date: 2023-01"))
    assert problems(text, settings=CheckSettings(stale_evidence_years=2)) == [
        "23 warning stale-evidence"
    ]
    assert problems(valid_brief(), settings=CheckSettings(summary_word_limit=10)) == [
        "15 warning summary-too-long"
    ]


def test_duplicate_ref_across_briefs() -> None:
    first = parse_brief(valid_brief(), "a.md", default_ref="a", slug="a")
    second = parse_brief(valid_brief(), "b.md", default_ref="b", slug="b")
    third = parse_brief(edit(("PU-2026-900", "PU-2026-901")), "c.md", default_ref="c", slug="c")
    found = check_set([first, second, third], CheckContext(today=TODAY))
    assert sorted(found) == ["a.md", "b.md"]
    assert [p.format() for p in found["a.md"]] == [
        "a.md:4: error C015 duplicate-ref: ref 'PU-2026-900' is also used by b.md; "
        "give each paper its own"
    ]


@pytest.mark.parametrize(
    "text,message",
    [
        ("[check]\nsummary-word-limit = 0\n", "must be a whole number above 0"),
        ("[check]\nstale-evidence-year = 3\n", "did you mean 'stale-evidence-years'"),
        ("[check.rules]\nnarrow-partnerships = 'off'\n", "did you mean 'narrow-partnership'"),
        ("[check.rules]\nnarrow-partnership = 'ignore'\n", 'must be "error", "warning" or "off"'),
        ("[check.rules]\nmissing-section = 'off'\n", "cannot be re-graded"),
        ("check = 3\n", "must be a table"),
    ],
)
def test_bad_check_settings(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text.encode(), Path("scoper.toml"))
    assert message in caught.value.message


def test_example_briefs_pass_strict(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(EXAMPLES), "--strict", "--today", "2026-11-28"])
    assert result.exit_code == 0, result.output
    assert "6 briefs checked: 0 errors, 0 warnings" in result.output


def test_cli_text_json_strict_and_sorting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.md").write_text(
        edit(
            ("Commitment: committed", "Commitment: in-principle"),
            ("**Age UK**", "**Age Concern**"),
        )
    )
    (tmp_path / "a.md").write_text(edit(("PU-2026-900", "PU-1"), ("priority: 2", "priorty: 2")))
    (tmp_path / "c.md").write_text("not a brief\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["check", ".", "--today", "2026-11-28"])
    assert result.exit_code == 1
    lines = [
        line for line in result.output.splitlines() if line.startswith(("a.md", "b.md", "c.md"))
    ]
    assert lines == [
        "a.md:5: warning C001 unknown-key: unknown front-matter key 'priorty'; "
        "did you mean 'priority'?",
        "b.md:28: warning C010 fair-weather-partners: none of the 2 partners is committed: "
        "say who will deliver if the others walk away",
        "c.md:1: error S102 not-a-brief: not a brief: a brief starts with YAML front matter "
        "between '---' lines (title and date at least)",
    ]
    assert "3 briefs checked: 1 error, 2 warnings" in result.output

    result = runner.invoke(cli, ["check", "a.md", "b.md", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["schema"] == "scoper-check/1"
    assert (data["briefs"], data["errors"], data["warnings"]) == (2, 0, 2)
    assert data["problems"][0] == {
        "path": "a.md",
        "line": 5,
        "column": None,
        "severity": "warning",
        "code": "C001",
        "rule": "unknown-key",
        "message": "unknown front-matter key 'priorty'; did you mean 'priority'?",
    }
    assert runner.invoke(cli, ["check", "a.md", "--strict"]).exit_code == 1
    assert runner.invoke(cli, ["check", "a.md", "--today", "28/11/2026"]).exit_code == 2


def test_build_runs_the_checks_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.md").write_text(edit(("local link workers.", "workers.\n\n![](x.png)")))
    (tmp_path / "warn.md").write_text(
        edit(("PU-2026-900", "PU-2"), ("Strength: strong", "Strength: weak"))
    )
    result = CliRunner().invoke(cli, ["build", "bad.md", "warn.md", "--format", "html"])
    assert result.exit_code == 1
    assert "bad.md:19: error C012 image-no-alt" in result.output
    assert "warn.md:19: warning C007 policy-by-anecdote" in result.output
    assert sorted(p.name for p in (tmp_path / "output").iterdir()) == ["warn.html"]


def test_load_files_reports_unreadable_files_too(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_bytes(b"\xff\xfe")
    [report] = load_files([tmp_path / "x.md"], Config(), CheckContext(today=TODAY))
    assert report.brief is None and not report.ok
    assert [p.rule for p in report.problems] == ["unreadable"]


def test_many_briefs_checked_side_by_side_give_what_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scoper check` reads and checks many briefs in worker processes; the set's own rules
    (a shared ref, a final paper with set-only warnings) and every file's problems must be
    exactly those one process finds, in the same order."""
    from scoper.config import Config
    from scoper.load import check_files, load_files

    for number in range(45):
        text = valid_brief(status="final" if number == 3 else "draft")
        if number % 5:  # every fifth shares the example's ref
            text = text.replace("PU-2026-900", f"PU-2026-{number:03d}")
        if number == 7:
            text = text.replace("Owner:", "Owner: TBC")
        (tmp_path / f"b{number:02d}.md").write_text(text)
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    paths = sorted(tmp_path.glob("*.md"))
    context = CheckContext(today=TODAY)
    monkeypatch.setattr("scoper.load.os.cpu_count", lambda: 2)  # two workers on any machine
    alone = [
        (r.path, [p.format() for p in r.problems]) for r in load_files(paths, Config(), context)
    ]
    together = [
        (path, [p.format() for p in found]) for path, found in check_files(paths, Config(), context)
    ]
    assert together == alone
    assert any("duplicate-ref" in line for _, lines in alone for line in lines)
    assert any(lines and "broken.md" in str(path) for path, lines in alone)
