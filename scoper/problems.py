"""Problems found in a brief or a config file, reported as `path:line: ...`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A kind of problem, with a stable code so users can look it up and switch it off."""

    code: str
    """Stable identifier, e.g. ``S104``; never reused for another rule."""
    name: str
    """Kebab-case name used in output, config and a brief's ``ignore:`` list."""
    severity: Severity
    """Default severity."""
    summary: str
    """One line saying why the rule exists (shown in the docs)."""


# Schema rules: the brief does not follow the format, so no paper can be made from it
# (except the warnings, which point at likely typos).
SCHEMA_RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("S100", "unreadable", "error", "The file cannot be read as UTF-8 text."),
        Rule("S101", "empty-file", "error", "The file is empty."),
        Rule("S102", "not-a-brief", "error", "The file does not start with YAML front matter."),
        Rule("S103", "yaml-syntax", "error", "The front matter is not valid YAML."),
        Rule("S104", "yaml-unsafe", "error", "The front matter uses YAML aliases or tags."),
        Rule("S105", "missing-field", "error", "A required front-matter field is missing."),
        Rule("S106", "invalid-value", "error", "A value is not of the expected type or list."),
        Rule("S107", "invalid-date", "error", "A date is not an ISO 8601 date."),
        Rule("S108", "duplicate-key", "error", "The same front-matter key is given twice."),
        Rule("S109", "missing-section", "error", "A required section is missing."),
        Rule("S110", "duplicate-section", "error", "The same section appears twice."),
        Rule("S111", "invalid-item", "error", "A structured item cannot be read."),
        Rule("S112", "unknown-field", "warning", "An item field the format does not name."),
        Rule("S113", "misplaced-heading", "warning", "A level-1 heading inside a section."),
        Rule("S114", "unsafe-link", "warning", "A link or image that scoper will not emit."),
        Rule("C001", "unknown-key", "warning", "A front-matter key scoper does not know."),
        Rule("C002", "action-incomplete", "error", "An action without an owner or due date."),
    )
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, at a place in it."""

    path: str
    """The file, as the user named it."""
    line: int
    """1-based line in the file (0 when the problem concerns the whole file)."""
    severity: Severity
    """``error`` stops the paper being made; ``warning`` is reported only."""
    code: str
    """The rule's stable code."""
    rule: str
    """The rule's name."""
    message: str
    """What is wrong and how to fix it."""
    column: int | None = None
    """1-based column where known."""

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.severity} {self.code} {self.rule}: {self.message}"

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column or 0, self.code)


def schema_problem(path: str, line: int, rule_name: str, message: str) -> Problem:
    rule = SCHEMA_RULES[rule_name]
    return Problem(path, line, rule.severity, rule.code, rule.name, message)


class BriefInvalid(Exception):
    """A file could not be turned into a model; carries every problem found in it."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.sort_key)
        super().__init__("\n".join(p.format() for p in self.problems))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
