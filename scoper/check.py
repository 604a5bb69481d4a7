"""Policy checks: the known pitfalls of partnership policy-making, found in a brief's model.

Each rule is a function from a brief (and the context of the run) to problems; a rule's
code, name and default severity live in :data:`scoper.problems.RULES`, and why it exists in
``docs/check-rules.md``. The rules only read the model; whether a referenced file exists is
asked through the context, so the rules themselves do no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dateutil.relativedelta import relativedelta

from scoper.brief.frontmatter import suggest
from scoper.brief.markdown import is_relative_path
from scoper.brief.model import Brief, Section
from scoper.config import CheckSettings, Config, regradable
from scoper.problems import RULES, Problem, problem

GOVERNMENT_LEVERS = frozenset({"spending", "regulation", "legislation"})
INDEPENDENT_SECTORS = frozenset({"third-sector", "academic", "community", "public"})


def file_exists_beside(brief: Brief, reference: str) -> bool:
    """Whether a relative reference of the brief names an existing file or folder."""
    try:
        return (Path(brief.path).parent / reference).exists()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        return False


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What the rules need besides the brief."""

    today: dt.date
    """For action-overdue; a fixed date makes a run reproducible."""
    settings: CheckSettings = field(default_factory=CheckSettings)
    exists: Callable[[Brief, str], bool] = file_exists_beside
    """Answers broken-reference's question: does this relative path exist?"""
    max_brief_bytes: int = 2_000_000
    """A larger file is refused unread (max-brief-mb in scoper.toml)."""

    @classmethod
    def for_config(cls, config: Config, today: dt.date | None = None) -> CheckContext:
        return cls(
            today=today or dt.date.today(),
            settings=config.check,
            max_brief_bytes=config.max_brief_bytes,
        )


Check = Callable[[Brief, CheckContext], Iterator[Problem]]
CHECKS: list[Check] = []


def _check(function: Check) -> Check:
    CHECKS.append(function)
    return function


def _section_line(brief: Brief, kind: str) -> int:
    found: Section | None = brief.section(kind)  # type: ignore[arg-type]
    return found.line if found else 1


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@_check
def action_due_before_brief(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for action in brief.actions:
        if action.due and action.due < brief.meta.date:
            yield problem(
                brief.path,
                action.fields["due"].line,
                "action-due-before-brief",
                f"action is due {action.due}, before the brief's date ({brief.meta.date}); "
                "check the year",
            )


@_check
def action_overdue(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for action in brief.actions:
        if action.due and action.due < context.today and action.status != "done":
            yield problem(
                brief.path,
                action.fields["due"].line,
                "action-overdue",
                f"action was due {action.due} and is still {action.status}; mark it done or "
                "give it a new due date",
            )


@_check
def undeclared_interests(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for partner in brief.partners:
        if not partner.value("interests"):
            yield problem(
                brief.path,
                partner.line,
                "undeclared-interests",
                f"partner '{partner.name}' has no Interests: say what it stands to gain or "
                "lose (write 'None declared' if it has declared none)",
            )


@_check
def narrow_partnership(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    sectors = {partner.sector for partner in brief.partners}
    line = _section_line(brief, "partners")
    if not sectors:
        return
    if len(sectors) == 1:
        (sector,) = sectors
        who = (
            f"all {len(brief.partners)} partners are {sector}"
            if len(brief.partners) > 1
            else f"the only partner is {sector}"
        )
        yield problem(
            brief.path,
            line,
            "narrow-partnership",
            f"{who}: bring in partners from other sectors so that one set of interests does "
            "not shape the policy",
        )
    elif "commercial" in sectors and not sectors & INDEPENDENT_SECTORS:
        yield problem(
            brief.path,
            line,
            "narrow-partnership",
            "there are commercial partners but no independent voice: add a third-sector, "
            "academic, community or public partner",
        )


@_check
def policy_by_anecdote(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    strengths = [item.strength for item in brief.evidence]
    line = _section_line(brief, "evidence")
    anecdotal = strengths.count("anecdotal")
    if not any(s in ("strong", "moderate") for s in strengths):
        yield problem(
            brief.path,
            line,
            "policy-by-anecdote",
            "no evidence is graded above weak: find strong or moderate evidence before "
            "recommending action",
        )
    elif anecdotal * 2 > len(strengths):
        yield problem(
            brief.path,
            line,
            "policy-by-anecdote",
            f"{anecdotal} of {_plural(len(strengths), 'evidence item')} are anecdotal: "
            "anecdotes illustrate a case, they do not make it",
        )


@_check
def evidence_unsourced(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for item in brief.evidence:
        if not item.value("source"):
            yield problem(
                brief.path,
                item.line,
                "evidence-unsourced",
                "evidence item has no Source: say where it comes from so it can be checked",
            )


@_check
def fragile_delivery(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    if not any(action.lever in GOVERNMENT_LEVERS for action in brief.actions):
        yield problem(
            brief.path,
            _section_line(brief, "actions"),
            "fragile-delivery",
            "no action uses a lever the Government controls (spending, regulation or "
            "legislation): partner initiatives alone have limited, fragile reach",
        )


@_check
def fair_weather_partners(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    partners = brief.partners
    if partners and not any(partner.commitment == "committed" for partner in partners):
        yield problem(
            brief.path,
            _section_line(brief, "partners"),
            "fair-weather-partners",
            f"none of the {_plural(len(partners), 'partner')} is committed: say who will "
            "deliver if the others walk away",
        )


@_check
def summary_too_long(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    limit = context.settings.summary_word_limit
    words = len(brief.summary_text.split())
    if words > limit:
        yield problem(
            brief.path,
            _section_line(brief, "summary"),
            "summary-too-long",
            f"the summary has {words} words; keep it to {limit} so it is read",
        )


@_check
def image_no_alt(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for image in brief.images:
        if not image.alt.strip():
            yield problem(
                brief.path,
                image.line,
                "image-no-alt",
                f"image '{image.src}' has no alt text: write what it shows, as "
                "![what it shows](path), for readers who cannot see it",
            )


@_check
def broken_reference(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    references = [(image.src, image.line, "image") for image in brief.images] + [
        (link.href, link.line, "link") for link in brief.links
    ]
    for target, line, kind in references:
        if not is_relative_path(target):
            continue
        path = unquote(urlsplit(target).path)
        if path and not context.exists(brief, path):
            yield problem(
                brief.path,
                line,
                "broken-reference",
                f"{kind} '{target}' points to a file that does not exist beside the brief",
            )


@_check
def stale_evidence(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    years = context.settings.stale_evidence_years
    cutoff = brief.meta.date - relativedelta(years=years)
    for item in brief.evidence:
        if item.published and item.published.end < cutoff:
            yield problem(
                brief.path,
                item.fields["date"].line,
                "stale-evidence",
                f"evidence dated {item.published.text} is more than {years} years older than "
                "the brief: find something newer, or say why it still holds",
            )


@_check
def unknown_rule(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    line = brief.meta.lines.get("ignore", 1)
    for name in brief.meta.ignore:
        if name not in RULES:
            yield problem(
                brief.path,
                line,
                "unknown-rule",
                f"'ignore' names no rule '{name}'{suggest(name, list(RULES))}",
            )
        elif not regradable(name):
            yield problem(
                brief.path,
                line,
                "unknown-rule",
                f"'{name}' cannot be ignored: a brief that breaks it cannot be read",
            )


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
            found = Problem(
                found.path,
                found.line,
                severity,
                found.code,
                found.rule,
                found.message,
                found.column,
            )
        graded.append(found)
    return sorted(graded, key=lambda p: p.sort_key)


def check_brief(brief: Brief, context: CheckContext) -> list[Problem]:
    """Every problem of one brief: the parser's warnings and every rule's findings."""
    found = list(brief.warnings)
    for rule in CHECKS:
        found += rule(brief, context)
    return grade(found, context.settings, brief.meta.ignore)


def check_set(briefs: Iterable[Brief], context: CheckContext) -> dict[str, list[Problem]]:
    """Problems that only a set of briefs shows (duplicate-ref), by brief path."""
    by_ref: dict[str, list[Brief]] = {}
    for brief in briefs:
        by_ref.setdefault(brief.meta.ref.casefold(), []).append(brief)
    found: dict[str, list[Problem]] = {}
    for same in by_ref.values():
        if len(same) < 2:
            continue
        for brief in same:
            others = ", ".join(other.path for other in same if other is not brief)
            clash = problem(
                brief.path,
                brief.meta.lines.get("ref", 1),
                "duplicate-ref",
                f"ref '{brief.meta.ref}' is also used by {others}; give each paper its own",
            )
            found.setdefault(brief.path, []).extend(
                grade([clash], context.settings, brief.meta.ignore)
            )
    return found
