"""Rules about the partners: who they are, what they want, what they will really do."""

from __future__ import annotations

from collections.abc import Iterator

from scoper.brief.model import Brief
from scoper.check.base import CheckContext, plural, rule, section_line
from scoper.check.names import mentions
from scoper.check.reading import (
    INDEPENDENT_SECTORS,
    commercial_partners,
    commitment_shown,
    drafting_words,
    interest_groups,
    ties,
)
from scoper.problems import Problem, problem


@rule
def undeclared_interests(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for partner in brief.partners:
        if not partner.value("interests"):
            yield problem(
                brief.path,
                partner.line,
                "undeclared-interests",
                f"partner '{partner.name}' has no Interests: say what it stands to gain or "
                "lose (write 'None declared' if it has declared none)",
                plain=f"{partner.name} has not declared what it stands to gain or lose.",
            )


@rule
def narrow_partnership(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """One sector, or no independent voice; partners tied to each other count as one."""
    partners = [p for p in brief.partners if p.sector]
    if not partners:
        return
    line = section_line(brief, "partners")
    sectors = {p.sector for p in partners}
    groups = interest_groups(brief)
    independent = [
        group
        for group in groups
        if all(p.sector in INDEPENDENT_SECTORS for p in group if p.sector)
        and any(p.sector for p in group)
    ]
    tied_note = ""
    if any(len(group) > 1 for group in groups):
        tied_note = " (partners tied to one another count as one)"
    if len(sectors) == 1:
        (sector,) = sectors
        who = (
            f"all {len(partners)} partners are {sector}"
            if len(partners) > 1
            else f"the only partner is {sector}"
        )
        yield problem(
            brief.path,
            line,
            "narrow-partnership",
            f"{who}: bring in partners from other sectors so that one set of interests does "
            "not shape the policy",
            plain=f"Every partner is from one sector ({sector.replace('-', ' ')}): one set "
            "of interests could shape the policy.",
        )
    elif "commercial" in sectors and not independent:
        yield problem(
            brief.path,
            line,
            "narrow-partnership",
            "there are commercial partners but no independent voice"
            f"{tied_note}: add a third-sector, academic, community or public partner "
            "that no commercial partner funds or owns",
            plain="There is no independent voice among the partners to balance the "
            "commercial ones.",
        )


@rule
def tied_partners(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """A tie the brief states but the tied partner's Interests do not declare."""
    for tie in ties(brief):
        interests = tie.partner.value("interests") or ""
        if mentions(interests, tie.other.name):
            continue
        yield problem(
            brief.path,
            tie.line,
            "tied-partners",
            f"'{tie.partner.name}' is tied to '{tie.other.name}' ('{tie.words}'): the two "
            "count as one interest; say so in its Interests, and do not count it as an "
            "independent voice",
            plain=f"{tie.partner.name} is tied to {tie.other.name}, so the two speak as one "
            "interest, not two.",
        )


@rule
def partner_drafts_policy(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """A commercial partner (or one tied to one) given the pen or the chair."""
    for partner in commercial_partners(brief):
        role = partner.fields.get("role")
        words = drafting_words(role.text) if role else None
        if role is not None and words:
            yield _drafts(brief, partner.name, role.line, words, "its Role")
            continue
        for action in brief.actions:
            owned = bool(action.owner) and mentions(action.owner or "", partner.name)
            said = drafting_words(action.text)
            if said and (owned or mentions(action.text, partner.name)):
                yield _drafts(brief, partner.name, action.line, said, "an action")
                break


def _drafts(brief: Brief, name: str, line: int, words: str, where: str) -> Problem:
    return problem(
        brief.path,
        line,
        "partner-drafts-policy",
        f"'{name}' has a commercial interest and {where} gives it a hand in the policy "
        f"itself ('{words}'): keep the pen and the chair with Government or an independent "
        "body, and give the partner an advisory or delivery role",
        plain=f"{name}, which has a commercial interest, would help write or run the policy "
        "itself.",
    )


@rule
def fair_weather_partners(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """No partner whose commitment the brief shows: the label alone does not count."""
    partners = brief.partners
    if not partners:
        return
    committed = [p for p in partners if p.commitment == "committed"]
    if any(commitment_shown(brief, p) for p in committed):
        return
    if committed:
        detail = (
            f"{plural(len(committed), 'partner')} marked committed, but nothing in the brief "
            "shows it (a signed agreement, money, a date, an action it owns)"
        )
    else:
        detail = f"none of the {plural(len(partners), 'partner')} is committed"
    yield problem(
        brief.path,
        section_line(brief, "partners"),
        "fair-weather-partners",
        f"{detail}: say who will deliver if the others walk away",
        plain="No partner has shown it will stay if the going gets hard.",
    )


@rule
def commitment_unsupported(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for partner in brief.partners:
        if partner.commitment != "committed" or commitment_shown(brief, partner):
            continue
        yield problem(
            brief.path,
            partner.fields["commitment"].line,
            "commitment-unsupported",
            f"'{partner.name}' is marked committed but nothing in the brief shows it: name "
            "the signed agreement, the money or the date, or give it an action it owns; "
            "else mark it in-principle",
            plain=f"{partner.name} is described as committed, but the paper does not show "
            "how (no agreement, money, date or action of its own).",
        )
