"""Reading what a brief says about its partners: who is tied to whom, who writes the
policy, what shows a commitment. Word lists and name matching only, so every finding can
be explained by pointing at the words that made it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from msgspec import Struct

from scoper.brief.model import Brief, Field, Item, Partner
from scoper.check.names import mentions, name_words, organisation_key

INDEPENDENT_SECTORS = frozenset({"third-sector", "academic", "community", "public"})
CLAIMANT_SECTORS = frozenset({"commercial"})
"""Sectors whose own publications are a claim, not independent evidence."""

_TIE = re.compile(
    r"\b(?:(?:funded|sponsored|owned|backed|bankrolled|financed|set up|founded|established|"
    r"run|controlled)\s+(?:wholly\s+|largely\s+|mainly\s+|in part\s+|partly\s+|jointly\s+)?by"
    r"|(?:a\s+)?(?:wholly[- ]owned\s+)?subsidiary\s+of|(?:a\s+)?part\s+of"
    r"|(?:a\s+)?(?:charity|foundation|trust|arm)\s+of)\s+(?P<who>[^.;:()]{2,80})",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|no|never|nor|without|independent of|instead of)\b", re.I)
_DRAFTING = re.compile(
    # "the draft strategy" is a noun: only drafting as a verb counts.
    r"\b(?<!the )(?<!a )(?<!our )(?P<verb>(?:co-?)?(?:draft|draw(?:s|ing)? up|write|writ|"
    r"author|chair|lead|led|own(?:s|ing)? the|sign(?:s|ing|ed)?[- ]off|approv|"
    r"set(?:s|ting)? the|design|decid)\w*)\b"
    r"(?P<between>[^.;]{0,60}?)\b(?P<object>polic(?:y|ies)|strateg(?:y|ies)|governance|"
    r"(?:programme |partnership |new |oversight |advisory )?board|task ?force|steering (?:group|"
    r"committee)|standards?|code of (?:practice|conduct)|framework|white paper|legislation|"
    r"regulations?|guidance)\b",
    re.IGNORECASE,
)
_SUPPORT = re.compile(
    r"\b(?:signed|agreed|agreement|memorandum|mou|contract(?:ed)?|letter of (?:intent|"
    r"commitment)|pledged?|committed\s+(?:£|\$|€|\d)|grant|has (?:already )?(?:committed|"
    r"agreed|signed|funded|started|begun)|funding|co-?fund\w*|match[- ]fund\w*|invest(?:s|ed|"
    r"ing)?|delivering|already (?:runs|delivers|running))\b"
    r"|[£$€]\s?\d|\b\d[\d,.]*\s?(?:m|bn|million|billion)\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+\d{4}\b",
    re.IGNORECASE,
)


T = TypeVar("T")
_MEMO: dict[tuple[str, int], tuple[Brief, object]] = {}


def per_brief(function: Callable[[Brief], T]) -> Callable[[Brief], T]:
    """Remember a reading of the last brief asked about: several rules ask for the same
    one (who is tied to whom), and a brief is never changed once parsed."""

    def remembered(brief: Brief) -> T:
        key = (function.__name__, id(brief))
        found = _MEMO.get(key)
        if found is not None and found[0] is brief:
            return found[1]  # type: ignore[return-value]
        if len(_MEMO) > 64:
            _MEMO.clear()
        value = function(brief)
        _MEMO[key] = (brief, value)
        return value

    remembered.__doc__ = function.__doc__
    return remembered


def partner_texts(partner: Partner, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """What the brief says about a partner, with the line of each piece (what it wants,
    its Interests, can be skipped: a wish shows no commitment)."""
    if partner.body.text:
        yield partner.body.text, partner.line
    for fld in (*partner.fields.values(), *partner.extra_fields):
        if fld.name not in ("commitment", "sector", "contact", *skip):
            yield fld.text, fld.line


class Tie(Struct, frozen=True):
    """One partner funded by, owned by or part of another."""

    partner: Partner
    other: Partner
    line: int
    words: str
    """The words of the brief that say so."""


@per_brief
def ties(brief: Brief) -> list[Tie]:
    """Every tie between two partners that the brief states."""
    found: list[Tie] = []
    partners = [p for p in brief.partners if p.name]
    for partner in partners:
        own = name_words(partner.name)
        # What the partner's entry says ties it to someone: read once, matched to each other.
        said = [
            (match, line)
            for text, line in partner_texts(partner)
            if "by" in text or "of" in text
            for match in _TIE.finditer(text)
            if not _negated(text, match.start())
        ]
        for other in partners:
            if other is partner:
                continue
            # "The FreshMart Foundation" is FreshMart's by its very name.
            other_words = name_words(other.name)
            if (
                len(own) > len(other_words)
                and set(own) - set(other_words) & {"foundation", "trust", "charitable", "fund"}
                and mentions(partner.name, other.name)
            ):
                found.append(Tie(partner, other, partner.line, partner.name))
                continue
            tie = next(((m, line) for m, line in said if mentions(m["who"], other.name)), None)
            if tie is not None:
                found.append(Tie(partner, other, tie[1], tie[0].group(0).strip()))
    return found


@per_brief
def interest_groups(brief: Brief) -> list[list[Partner]]:
    """The partners as interests: tied partners (and one organisation listed twice) count
    as one."""
    partners = [p for p in brief.partners if p.name]
    parent = {id(p): id(p) for p in partners}

    def root(key: int) -> int:
        while parent[key] != key:
            key = parent[key]
        return key

    def join(a: Partner, b: Partner) -> None:
        parent[root(id(a))] = root(id(b))

    for tie in ties(brief):
        join(tie.partner, tie.other)
    by_key: dict[str, Partner] = {}
    for partner in partners:
        key = organisation_key(partner.name)
        if key in by_key:
            join(partner, by_key[key])
        by_key.setdefault(key, partner)
    groups: dict[int, list[Partner]] = {}
    for partner in partners:
        groups.setdefault(root(id(partner)), []).append(partner)
    return list(groups.values())


@per_brief
def commercial_partners(brief: Brief) -> list[Partner]:
    """Commercial partners, and partners tied to one (a retailer's charity)."""
    found = []
    for group in interest_groups(brief):
        if any(p.sector == "commercial" for p in group):
            found += group
    return found


def _negated(text: str, at: int) -> bool:
    """A 'not', 'no' or 'without' shortly before a position in its clause."""
    clause = re.split(r"[.;,:]", text[:at])[-1]
    return bool(_NEGATION.search(clause[-40:]))


def drafting_words(text: str) -> str | None:
    """The words that give a partner a hand in writing or running the policy, if any."""
    for match in _DRAFTING.finditer(text):
        if not _negated(text, match.start()):
            return match.group(0)
    return None


def commitment_shown(brief: Brief, partner: Partner) -> str | None:
    """What in the brief shows a partner's commitment: words in its own entry (signed,
    agreed, money, a date), or an action it owns."""
    for text, _ in partner_texts(partner, skip=("interests",)):
        match = _SUPPORT.search(text)
        if match:
            return match.group(0)
    for action in brief.actions:
        if action.owner and mentions(action.owner, partner.name):
            return f"an action owned by {partner.name}"
    return None


def source_partner(item: Item, partners: list[Partner]) -> Partner | None:
    """The partner an evidence item's source names, if any."""
    source = item.fields.get("source")
    if source is None:
        return None
    return next((p for p in partners if p.name and mentions(source.text, p.name)), None)


def field_line(item: Item, name: str) -> int:
    found: Field | None = item.fields.get(name)
    return found.line if found else item.line
