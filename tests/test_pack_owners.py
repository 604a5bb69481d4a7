"""The action tracker by owner: grouped as written, and across spellings only as the
project's ``[owners]`` table says; both views in the CSV and in the pack's HTML."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scoper.brief.parser import parse_brief
from scoper.config import Config, ConfigError, parse_config
from scoper.pack.model import Pack, owner_groups
from scoper.pack.tracker import tracker_csv
from scoper.render.html import render_pack_html
from tests.conftest import valid_brief

ISSUED = dt.date(2026, 11, 28)
OWNERS_TOML = b"""
[owners]
"No10 Policy Unit" = ["Policy Unit, No10", "PU No10"]
"""


def _brief(number: int, owners: list[str], due: list[str]) -> object:
    text = valid_brief().replace("PU-2026-900", f"PU-2026-{number:03d}")
    text = text.replace("Owner: DHSC", f"Owner: {owners[0]}").replace(
        "Owner: No10 Policy Unit", f"Owner: {owners[1]}"
    )
    text = text.replace("Due: 2027-01-15", f"Due: {due[0]}").replace(
        "Due: 2026-12-10", f"Due: {due[1]}"
    )
    return parse_brief(text, f"b{number}.md", default_ref="X", slug=f"b{number}")


@pytest.fixture
def pack() -> Pack:
    briefs = [
        _brief(1, ["DHSC", "No10 Policy Unit"], ["2027-01-15", "2026-12-10"]),
        _brief(2, ["Policy Unit, No10", '=HYPERLINK("x")'], ["2026-11-20", "2026-12-01"]),
        _brief(3, ["pu  no10", "dhsc"], ["2026-12-05", "2026-12-02"]),
    ]
    return Pack.of("Pack", ISSUED, None, [(b, []) for b in briefs])  # type: ignore[misc]


def test_owners_are_grouped_as_written_without_the_project_saying_so(pack: Pack) -> None:
    groups = owner_groups(pack.tracker)
    names = [g.owner for g in groups]
    # Spellings stay apart: "dhsc" is not "DHSC" until the project says so.
    assert names == [
        '=HYPERLINK("x")',
        "DHSC",
        "dhsc",
        "No10 Policy Unit",
        "Policy Unit, No10",
        "pu no10",
    ]
    assert sum(len(g.rows) for g in groups) == len(pack.tracker) == 6


def test_owners_table_groups_spellings_under_one_name_in_date_order(pack: Pack) -> None:
    config = parse_config(OWNERS_TOML, Path("scoper.toml"))
    groups = {g.owner: g for g in pack.tracker_by_owner(config.owners)}
    unit = groups["No10 Policy Unit"]
    assert [r.paper.brief.meta.ref for r in unit.rows] == [
        "PU-2026-002",
        "PU-2026-003",
        "PU-2026-001",
    ]
    assert [r.action.due for r in unit.rows] == sorted(r.action.due for r in unit.rows)
    assert unit.spellings == ["Policy Unit, No10", "pu no10"]
    assert unit.rows[0].overdue  # due 2026-11-20, before the issue
    assert "DHSC" in groups and "dhsc" in groups  # not in the table: apart


def test_csv_has_both_views_with_owner_groups_and_no_formulas(pack: Pack) -> None:
    config = parse_config(OWNERS_TOML, Path("scoper.toml"))
    text = tracker_csv(pack, config.owners).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[-2:] == ["owner_group", "view"]
    by_date = [r for r in rows if r["view"] == "by date"]
    by_owner = [r for r in rows if r["view"] == "by owner"]
    assert len(by_date) == len(by_owner) == 6 and len(rows) == 12
    assert [r["due"] for r in by_date] == sorted(r["due"] for r in by_date)
    groups = [r["owner_group"] for r in by_owner]
    assert groups == sorted(groups, key=lambda g: g.lstrip("'").casefold())
    assert groups.count("No10 Policy Unit") == 3
    written = {r["owner"] for r in by_owner if r["owner_group"] == "No10 Policy Unit"}
    assert {" ".join(w.split()) for w in written} == {
        "No10 Policy Unit",
        "Policy Unit, No10",
        "pu no10",
    }
    # The formula-looking owner is neutralised in both columns.
    assert all(
        not r["owner"].startswith("=") and not r["owner_group"].startswith("=") for r in rows
    )
    assert '\'=HYPERLINK("x")' in {r["owner_group"] for r in rows}


def test_pack_html_shows_the_tracker_by_owner_after_the_tracker(pack: Pack) -> None:
    config = Config(owners=parse_config(OWNERS_TOML, Path("scoper.toml")).owners)
    soup = BeautifulSoup(render_pack_html(pack, config), "html.parser")
    parts = [s["id"] for s in soup.select("section.pack-part")]
    assert parts.index("part-owners") == parts.index("part-tracker") + 1
    section = soup.find(id="part-owners")
    headings = [" ".join(h.get_text().split()) for h in section.find_all("h3")]
    assert "No10 Policy Unit (3 actions, 1 overdue)" in headings
    assert len(headings) == 4  # =HYPERLINK, DHSC, dhsc, No10 Policy Unit
    assert "Also written: Policy Unit, No10; pu no10" in section.get_text()
    contents = [a.get_text() for a in soup.select("nav.contents a")]
    assert "Action tracker by owner" in contents


@pytest.mark.parametrize(
    "text,line,message",
    [
        ('owners = "x"\n', 1, "'owners' must be a table"),
        ('\n[owners]\n"A" = "B"\n', 3, "'A' in [owners] must be a list"),
        ('[owners]\n"A" = ["B", 3]\n', 2, "must be a list"),
        ('[owners]\n"A" = ["B"]\n"C" = ["b"]\n', 3, "'b' is in [owners] under both 'A' and 'C'"),
        ('[owners]\n"A" = ["B"]\n"B" = []\n', 3, "under both 'A' and 'B'"),
        ('[owners]\n"A" = [""]\n', 2, "must be a list"),
    ],
)
def test_bad_owners_table_is_a_clear_error(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text.encode(), Path("scoper.toml"))
    assert caught.value.line == line, caught.value
    assert message in caught.value.message
