"""Fixture files of small briefs and what the parser makes of them (tests/fixtures/*.md).

Each case is: a title line, ``.``, the brief, ``.``, the expected description (or problems),
``.``. To add a case, write the brief with an empty expectation and run
``SCOPER_UPDATE_FIXTURES=1 pytest tests/test_parse_fixtures.py``, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from scoper.brief.parser import parse_brief
from scoper.problems import BriefInvalid
from tests.describe import describe

FIXTURES = Path(__file__).parent / "fixtures"


def _resolve(src: str) -> str | None:
    return "data:image/png;base64,AAAA" if src == "images/chart.png" else None


def parse_or_problems(text: str) -> str:
    try:
        brief = parse_brief(
            text, "brief.md", default_ref="brief", slug="brief", resolve_image=_resolve
        )
    except BriefInvalid as invalid:
        return "".join(problem.format() + "\n" for problem in invalid.problems)
    return describe(brief)


def _cases(name: str) -> list:
    return [
        pytest.param(text, expected, id=f"{name}:{line}:{title}")
        for line, title, text, expected in read_fixture_file(FIXTURES / name)
    ]


@pytest.mark.parametrize("text,expected", _cases("parse-valid.md"))
def test_valid_briefs(text: str, expected: str) -> None:
    assert "error" not in expected.split("\n")[0]
    assert parse_or_problems(text) == expected


@pytest.mark.parametrize("text,expected", _cases("parse-errors.md"))
def test_invalid_briefs(text: str, expected: str) -> None:
    with pytest.raises(BriefInvalid):
        parse_brief(text, "brief.md", default_ref="brief", slug="brief")
    assert parse_or_problems(text) == expected


def test_fixture_files_are_not_empty() -> None:
    assert len(_cases("parse-valid.md")) >= 7
    assert len(_cases("parse-errors.md")) >= 10


if os.environ.get("SCOPER_UPDATE_FIXTURES"):  # pragma: no cover - a developer's tool

    def test_update_fixtures() -> None:
        for name in ("parse-valid.md", "parse-errors.md"):
            out = []
            for _, title, text, _ in read_fixture_file(FIXTURES / name):
                out.append(f"{title}\n.\n{text}.\n{parse_or_problems(text)}.\n")
            (FIXTURES / name).write_text("\n".join(out), encoding="utf-8")
