"""The verdict in the reader's words: the Unit QA box on a draft paper's first page, the
pack's contents and its quality annex. No codes, no line numbers: the Private Office reads
these, not the unit's tools."""

from __future__ import annotations

from collections.abc import Iterable

from scoper.brief.model import STRENGTHS, Brief
from scoper.problems import Problem

QA_STATUSES = frozenset({"draft", "review"})
"""Papers that carry a QA box; a final or cleared paper cannot have warnings at all."""

PLAIN: dict[str, str] = {
    "unknown-key": "The paper's details include a setting scoper does not know (a typo?).",
    "action-due-before-brief": "An action is dated before the paper itself.",
    "action-overdue": "An action is past its due date and not done.",
    "undeclared-interests": "A partner has not declared what it stands to gain or lose.",
    "narrow-partnership": "The partners are drawn too narrowly to balance one another.",
    "policy-by-anecdote": "The evidence is weak or mostly anecdote.",
    "evidence-unsourced": "Some evidence does not say where it comes from.",
    "fragile-delivery": "Delivery rests on partners alone: no action uses spending, "
    "regulation or law.",
    "fair-weather-partners": "No partner has shown it will stay if the going gets hard.",
    "summary-too-long": "The summary is longer than the unit's limit.",
    "image-no-alt": "A picture has no description for readers who cannot see it.",
    "broken-reference": "A link or picture points to a file that is missing.",
    "stale-evidence": "Some evidence is old; it may no longer hold.",
    "duplicate-ref": "Another paper has the same reference.",
    "unknown-rule": "The paper switches off a check that does not exist.",
    "partner-drafts-policy": "A partner with a commercial interest would help write or "
    "run the policy itself.",
    "self-serving-evidence": "Some evidence comes from a partner with an interest in the outcome.",
    "tied-partners": "Two partners are tied to each other and speak as one interest.",
    "commitment-unsupported": "A partner is called committed without anything to show it.",
    "placeholder-text": "Some text is unfinished.",
    "no-recommendation": "The paper does not say what it recommends or what decision it needs.",
    "no-risks": "The paper does not say what could go wrong.",
    "partner-inconsistent": "A partner is described differently in another paper.",
    "partner-name-variants": "One organisation is named differently in different papers.",
    "unknown-field": "An item carries a detail the format does not name (a typo?).",
    "misplaced-heading": "A heading is out of place.",
    "unsafe-link": "A link or picture is left out of the paper.",
    "unknown-section": "A heading looks like a misspelt section name.",
    "public-leak": "A public version would still show something that looks private.",
    "bad-marking": "A mark for the public version is written wrongly.",
}


def plain_words(found: Problem) -> str:
    """One problem as the paper's reader should read it."""
    return found.plain or PLAIN.get(found.rule, "The unit's checks found a problem.")


def qa_notes(brief: Brief, problems: Iterable[Problem]) -> list[str]:
    """The Unit QA box of a paper: its outstanding warnings in plain words, each once, in
    the order of the paper. Empty for a final or cleared paper (it cannot have warnings)
    and for a paper without any."""
    if brief.meta.status not in QA_STATUSES:
        return []
    notes = [plain_words(p) for p in sorted(problems, key=lambda p: p.sort_key)]
    return list(dict.fromkeys(notes))


def weakest_grade(brief: Brief) -> str | None:
    """The weakest grade of the paper's evidence (a partner's own claim shown as such)."""
    from scoper.check.evidence import partner_claims

    claims = partner_claims(brief)
    grades = [
        "partner's claim" if id(item) in claims else item.strength
        for item in brief.evidence
        if item.strength
    ]
    if not grades:
        return None
    order = {grade: rank for rank, grade in enumerate(STRENGTHS)}
    order["partner's claim"] = len(STRENGTHS)
    return max(grades, key=lambda grade: order[grade])


def partner_claim(brief: Brief, item: object) -> str | None:
    """The partner whose own claim an evidence item is, if it is one (for the paper)."""
    from scoper.check.evidence import partner_claims

    return partner_claims(brief).get(id(item))
