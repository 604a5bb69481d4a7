"""Rules about the evidence: is it there, is it independent, is it recent."""

from __future__ import annotations

from collections.abc import Iterator

from dateutil.relativedelta import relativedelta

from scoper.brief.model import Brief, Evidence
from scoper.check.base import CheckContext, plural, rule, section_line
from scoper.check.reading import commercial_partners, field_line, per_brief, source_partner
from scoper.problems import Problem, problem

FIRM = ("strong", "moderate")


@per_brief
def partner_claims(brief: Brief) -> dict[int, str]:
    """Evidence items whose source is a commercial partner (or one tied to one), by id,
    with the partner's name: that partner's own claim, not independent evidence."""
    claimants = commercial_partners(brief)
    found = {}
    for item in brief.evidence:
        partner = source_partner(item, claimants)
        if partner is not None:
            found[id(item)] = partner.name
    return found


def independent(brief: Brief) -> list[Evidence]:
    claims = partner_claims(brief)
    return [item for item in brief.evidence if id(item) not in claims]


@rule
def self_serving_evidence(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    claims = partner_claims(brief)
    for item in brief.evidence:
        name = claims.get(id(item))
        # Graded weak or anecdotal, the writer already weighs it as a claim; the paper
        # marks it as the partner's claim either way.
        if name is None or item.strength not in FIRM:
            continue
        yield problem(
            brief.path,
            field_line(item, "source"),
            "self-serving-evidence",
            f"this evidence comes from '{name}', a partner with a commercial interest (or tied "
            f"to one), yet "
            f"is graded {item.strength}: it counts as the partner's own claim, not "
            "independent evidence; find an independent source that confirms it, or grade it "
            "weak",
            plain=f"One piece of evidence comes from {name}, a partner with an interest in "
            "the outcome; nothing independent confirms it.",
        )


@rule
def policy_by_anecdote(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """Judged by the independent evidence: a partner's own claim does not count, whatever
    its grade."""
    if not brief.evidence:
        return  # no Evidence section: missing-section says so
    line = section_line(brief, "evidence")
    own = independent(brief)
    strengths = [item.strength for item in own]
    firm = [s for s in strengths if s in FIRM]
    anecdotal = strengths.count("anecdotal")
    claims = len(brief.evidence) - len(own)
    if not firm:
        why = (
            f" ({plural(claims, 'item')} graded higher {'is' if claims == 1 else 'are'} a "
            "partner's own claim)"
            if claims and any(item.strength in FIRM for item in brief.evidence)
            else ""
        )
        yield problem(
            brief.path,
            line,
            "policy-by-anecdote",
            f"no independent evidence is graded above weak{why}: find strong or moderate "
            "evidence before recommending action",
            plain="The paper rests on weak or anecdotal evidence: nothing independent and "
            "strong supports it.",
        )
    elif (anecdotal + claims) * 2 > len(brief.evidence):
        yield problem(
            brief.path,
            line,
            "policy-by-anecdote",
            f"{anecdotal + claims} of {plural(len(brief.evidence), 'evidence item')} are "
            "anecdotes or partners' own claims: they illustrate a case, they do not make it",
            plain="Most of the evidence is anecdote or partners' own claims.",
        )


@rule
def evidence_unsourced(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for item in brief.evidence:
        if not item.value("source"):
            yield problem(
                brief.path,
                item.line,
                "evidence-unsourced",
                "evidence item has no Source: say where it comes from so it can be checked",
            )


@rule
def stale_evidence(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    years = context.settings.stale_evidence_years
    if brief.meta.date.year <= years + 1:
        return  # no usable date (a partial model)
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
