"""The README documents every command, option and problem code, and keeps its two
commands true."""

from __future__ import annotations

import re

import click
import pytest

from scoper.cli import cli
from scoper.problems import RULES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CHECK_DOCS = (ROOT / "docs" / "check-rules.md").read_text(encoding="utf-8")
SETUP_COMMAND = "scripts/setup.sh && .venv/bin/scoper build briefs/"
TEST_COMMAND = ".venv/bin/python -m pytest"


def _commands() -> list[tuple[str, click.Command]]:
    return sorted(cli.commands.items())


@pytest.mark.parametrize("name,command", _commands())
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    assert f"### `scoper {name}`" in README
    for param in command.params:
        if isinstance(param, click.Option):
            for flag in param.opts:
                assert f"`{flag}" in README or f", `{flag}" in README, flag


def test_every_problem_code_is_documented() -> None:
    for rule in RULES.values():
        if rule.group == "check":
            assert f"### {rule.name} ({rule.code})\n\nDefault: {rule.severity}." in CHECK_DOCS, rule
        else:
            assert f"| {rule.code} | {rule.name} | {rule.severity} |" in README, rule


def test_every_check_rule_has_a_reason_and_an_example_or_case() -> None:
    sections = CHECK_DOCS.split("\n### ")[1:]
    assert len(sections) == sum(rule.group == "check" for rule in RULES.values())
    for section in sections:
        name = section.split("\n")[0]
        assert "Fires " in section and re.search(r"Why:\s", section), name
        assert re.search(r"Example[:s]|```markdown", section), name


def test_the_two_commands_are_the_ones_setup_and_ci_use() -> None:
    assert SETUP_COMMAND in README
    assert TEST_COMMAND in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/setup.sh" in ci
    assert TEST_COMMAND in ci


def test_every_front_matter_key_and_section_is_documented() -> None:
    from scoper.brief.frontmatter import KNOWN_KEYS
    from scoper.brief.kinds import REQUIRED_SECTIONS, SECTION_ALIASES, SECTION_TITLES

    for key in KNOWN_KEYS:
        assert f"`{key}`" in README, key
    for kind, title in SECTION_TITLES.items():
        if kind == "other":
            continue
        aliases = [a for a, k in SECTION_ALIASES.items() if k == kind and a != title.lower()]
        required = "yes" if kind in REQUIRED_SECTIONS else "no"
        row = f"| {title} | {required} | {', '.join(a.capitalize() for a in aliases)} |"
        assert row.replace("|  |", "| |") in README, row
