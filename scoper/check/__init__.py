"""Policy checks: the known pitfalls of partnership policy-making, found in a brief's model.

Each rule is a function from a brief (and the context of the run) to problems; a rule's
code, name and default severity live in :data:`scoper.problems.RULES`, and why it exists in
``docs/check-rules.md``. The rules only read the model (they read what the brief says, not
only its labels); whether a referenced file exists is asked through the context, so the
rules themselves do no I/O. The rules are grouped by theme: :mod:`.partners`,
:mod:`.evidence`, :mod:`.paper`; rules across papers are in :mod:`.across`, and the verdict
in the reader's words in :mod:`.qa`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from scoper.brief.model import Brief
from scoper.check import evidence, paper, partners, public  # noqa: F401  (they register rules)
from scoper.check.across import SetEntry, check_set
from scoper.check.base import CHECKS, CheckContext, file_exists_beside
from scoper.check.qa import partner_claim, qa_notes, weakest_grade
from scoper.config import CheckSettings, regradable
from scoper.problems import Problem, problem

__all__ = [
    "CHECKS",
    "CheckContext",
    "check_brief",
    "check_set",
    "file_exists_beside",
    "final_with_warnings",
    "grade",
    "partner_claim",
    "qa_notes",
    "weakest_grade",
]

SETTLED = frozenset({"final", "cleared"})


def grade(
    problems: Iterable[Problem], settings: CheckSettings, ignore: Iterable[str] = ()
) -> list[Problem]:
    """Apply the project's grades and a brief's ``ignore:`` list; sorted by line."""
    ignored = {name for name in ignore if regradable(name)}
    graded = []
    for found in problems:
        if found.rule in ignored:
            continue
        severity = settings.grades.get(found.rule, found.severity)
        if severity == "off":
            continue
        if severity != found.severity:
            found = msgspec.structs.replace(found, severity=severity)
        graded.append(found)
    return sorted(graded, key=lambda p: p.sort_key)


def final_with_warnings(
    brief: Brief | SetEntry, problems: list[Problem], settings: CheckSettings
) -> list[Problem]:
    """The problems, with final-with-warnings added when a final or cleared paper has any
    warning outstanding: such a paper would go up looking as strong as a clean one."""
    warnings = [p for p in problems if p.severity == "warning"]
    status = brief.status if isinstance(brief, SetEntry) else brief.meta.status
    if status not in SETTLED or not warnings:
        return problems
    entry = brief if isinstance(brief, SetEntry) else SetEntry.of(brief)
    rules = ", ".join(dict.fromkeys(p.rule for p in warnings))
    settled = problem(
        entry.path,
        entry.status_line,
        "final-with-warnings",
        f"the paper is {entry.status} but {len(warnings)} warning"
        f"{'s' if len(warnings) != 1 else ''} stand ({rules}): fix them, or set the status "
        "back to review",
    )
    return sorted(
        problems + grade([settled], settings, list(entry.ignore)), key=lambda p: p.sort_key
    )


def check_brief(brief: Brief, context: CheckContext) -> list[Problem]:
    """Every problem of one brief: the parser's warnings and every rule's findings. A
    partial model (a brief with errors) is checked the same way: its ``warnings`` hold
    every problem the parser found."""
    found = list(brief.warnings)
    for check in CHECKS:
        found += check(brief, context)
    graded = grade(found, context.settings, brief.meta.ignore)
    return final_with_warnings(brief, graded, context.settings)
