"""Problems found in a brief or a config file, reported as `path:line: ...`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from msgspec import Struct

if TYPE_CHECKING:
    from scoper.brief.model import Brief

Severity = Literal["error", "warning"]
Group = Literal["schema", "check", "build"]


class Rule(Struct, frozen=True):
    """A kind of problem, with a stable code so users can look it up and switch it off."""

    code: str
    """Stable identifier, e.g. ``S104``; never reused for another rule."""
    name: str
    """Kebab-case name used in output, config and a brief's ``ignore:`` list."""
    severity: Severity
    """Default severity."""
    summary: str
    """One line saying what the rule catches."""
    group: Group = "schema"
    """Schema rules are the format itself; check rules are policy pitfalls; build rules
    are about making files."""


def _rules(group: Group, *rules: tuple[str, str, Severity, str]) -> dict[str, Rule]:
    return {
        name: Rule(code, name, severity, summary, group) for code, name, severity, summary in rules
    }


RULES: dict[str, Rule] = {
    # Schema rules: the brief does not follow the format, so no paper can be made from it
    # (the warnings among them point at likely typos).
    **_rules(
        "schema",
        ("S100", "unreadable", "error", "The file cannot be read as UTF-8 text."),
        ("S101", "empty-file", "error", "The file is empty."),
        ("S102", "not-a-brief", "error", "The file does not start with YAML front matter."),
        ("S103", "yaml-syntax", "error", "The front matter is not valid YAML."),
        ("S104", "yaml-unsafe", "error", "The front matter uses YAML aliases or tags."),
        ("S105", "missing-field", "error", "A required front-matter field is missing."),
        ("S106", "invalid-value", "error", "A value is not of the expected type or list."),
        ("S107", "invalid-date", "error", "A date is not an ISO 8601 date."),
        ("S108", "duplicate-key", "error", "The same front-matter key is given twice."),
        ("S109", "missing-section", "error", "A required section is missing."),
        ("S110", "duplicate-section", "error", "The same section appears twice."),
        ("S111", "invalid-item", "error", "A structured item cannot be read."),
        ("S112", "unknown-field", "warning", "An item field the format does not name."),
        ("S113", "misplaced-heading", "warning", "A level-1 heading inside a section."),
        ("S114", "unsafe-link", "warning", "A link or image that scoper will not emit."),
        ("S115", "empty-section", "error", "A required section with nothing in it."),
        ("S116", "too-large", "error", "The file, a word or an image is larger than allowed."),
        ("S117", "too-many", "error", "More items, rows, lines or markup than allowed."),
        ("S118", "too-deep", "error", "Lists or quotes nested too deeply to read."),
        ("S119", "unknown-section", "warning", "A heading close to a section name, misspelt."),
        ("C002", "action-incomplete", "error", "An action without an owner or due date."),
    ),
    # Check rules: the pitfalls of partnership policy-making (see docs/check-rules.md).
    **_rules(
        "check",
        ("C001", "unknown-key", "warning", "A front-matter key scoper does not know."),
        ("C003", "action-due-before-brief", "warning", "An action due before the brief's date."),
        ("C004", "action-overdue", "warning", "An action past its due date and not done."),
        ("C005", "undeclared-interests", "warning", "A partner without declared interests."),
        (
            "C006",
            "narrow-partnership",
            "warning",
            "One sector only, or no independent voice.",
        ),
        ("C007", "policy-by-anecdote", "warning", "Evidence too weak or mostly anecdotal."),
        ("C008", "evidence-unsourced", "warning", "An evidence item without a source."),
        ("C009", "fragile-delivery", "warning", "No action uses a lever the Government controls."),
        ("C010", "fair-weather-partners", "warning", "There are partners and none is committed."),
        ("C011", "summary-too-long", "warning", "The summary is longer than the limit."),
        ("C012", "image-no-alt", "error", "An image without alt text."),
        ("C013", "broken-reference", "error", "A relative link or image whose file is missing."),
        ("C014", "stale-evidence", "warning", "Evidence much older than the brief."),
        ("C015", "duplicate-ref", "error", "Two briefs share a reference."),
        ("C016", "unknown-rule", "warning", "An 'ignore:' entry that names no rule."),
        (
            "C017",
            "partner-drafts-policy",
            "warning",
            "A commercial partner writes, chairs or signs off the policy or its governance.",
        ),
        (
            "C018",
            "self-serving-evidence",
            "warning",
            "Evidence whose source is a commercial partner: its own claim.",
        ),
        ("C019", "tied-partners", "warning", "A partner funded by, owned by or part of another."),
        (
            "C020",
            "commitment-unsupported",
            "warning",
            "A partner marked committed with nothing in the brief to show it.",
        ),
        ("C021", "placeholder-text", "warning", "Text left from a skeleton: TBC, Your Name."),
        ("C022", "no-recommendation", "warning", "Neither a Recommendation nor an ask."),
        ("C023", "no-risks", "warning", "No Risks section on a paper above draft."),
        (
            "C024",
            "final-with-warnings",
            "error",
            "A final or cleared paper with warnings outstanding.",
        ),
        (
            "C025",
            "partner-inconsistent",
            "warning",
            "One partner with different interests or commitment across papers.",
        ),
        (
            "C026",
            "partner-name-variants",
            "warning",
            "One organisation written differently across papers.",
        ),
        (
            "C027",
            "public-leak",
            "warning",
            "A public version would still show something that looks private.",
        ),
        ("C028", "bad-marking", "warning", "A public-version mark that would not work."),
    ),
    # Build rules: making the files went wrong.
    **_rules(
        "build",
        ("B001", "output-clash", "error", "Two briefs would write the same file name."),
        ("B002", "pdf-failed", "error", "The PDF renderer failed."),
        ("B003", "pdf-warning", "warning", "The PDF renderer warned."),
        ("B004", "write-failed", "error", "A paper could not be written to the output folder."),
        ("B005", "internal-error", "error", "scoper failed on this brief: a fault in scoper."),
        ("B006", "empty-pack", "error", "No brief could go into the pack."),
        ("B007", "public-refused", "error", "A public version of a paper that may not have one."),
        ("B008", "docx-failed", "error", "A picture could not be drawn for the Word paper."),
        ("B009", "bad-snapshot", "warning", "A pack snapshot that cannot be read as one."),
    ),
}
SCHEMA_RULES = {name: rule for name, rule in RULES.items() if rule.group == "schema"}


class Problem(Struct, frozen=True):
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
    plain: str | None = None
    """The problem in plain words for the paper's reader (no codes, no line numbers), where
    the rule says more than its general sentence (scoper.check.qa)."""

    def format(self) -> str:
        """One line, ``path:line: severity code rule: message``, with any control
        character from a file name or a brief shown escaped."""
        from scoper.terminal import printable

        return printable(
            f"{self.path}:{self.line}: {self.severity} {self.code} {self.rule}: {self.message}"
        )

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column or 0, self.code)


def problem(
    path: str,
    line: int,
    rule_name: str,
    message: str,
    severity: Severity | None = None,
    *,
    plain: str | None = None,
) -> Problem:
    """A problem of a registered rule, at its default severity unless one is given."""
    rule = RULES[rule_name]
    return Problem(
        path, line, severity or rule.severity, rule.code, rule.name, message, plain=plain
    )


class BriefInvalid(Exception):
    """A file could not be turned into a model; carries every problem found in it, and,
    when the front matter could be read, the model of what did parse (``partial``), so that
    the check rules can still run over it and the writer gets every problem at once."""

    def __init__(self, problems: Iterable[Problem], partial: Brief | None = None) -> None:
        self.problems = sorted(problems, key=lambda p: p.sort_key)
        self.partial = partial
        super().__init__("\n".join(p.format() for p in self.problems))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
