"""The rules for public versions: public-leak and bad-marking fire, and stay quiet."""

from __future__ import annotations

import datetime as dt

import pytest

from scoper.brief.parser import parse_brief
from scoper.check import CheckContext, check_brief

HEAD = """---
title: Public rules
date: 2026-11-23
{extra}---
## Summary
{summary}

## Evidence
- A claim.
  - Source: ONS
  - Strength: strong

## External partners
- **Acme Ltd** — commercial
  - Interests: {interests}
  - Contact: private@acme.example, 020 7946 0001
  - Commitment: exploratory
{partner_lines}
## Action points
- Do the thing.
  - Owner: No10 Policy Unit
  - Due: 2026-12-11
  - Lever: regulation
"""


def problems(
    summary: str = "We recommend a roundtable.",
    interests: str = "Market share.",
    partner_lines: str = "",
    extra: str = "",
) -> list[tuple[str, str]]:
    text = HEAD.format(
        summary=summary, interests=interests, partner_lines=partner_lines, extra=extra
    )
    brief = parse_brief(text, "b.md", default_ref="b", slug="b")
    found = check_brief(brief, CheckContext(today=dt.date(2026, 11, 23)))
    return [(p.rule, p.message) for p in found if p.rule in ("public-leak", "bad-marking")]


def test_a_clean_brief_with_its_contact_withheld_is_quiet() -> None:
    assert problems() == []


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({"summary": "Call Jo on 020 7946 0000."}, "a phone number ('020 7946 0000')"),
        ({"summary": "Write to jo@example.gov.uk today."}, "an e-mail address"),
        ({"interests": "Gains £40m a year if MUP is dropped."}, "naming money ('£40m')"),
        ({"interests": "Would lose 3 million pounds."}, "naming money"),
        ({"partner_lines": "  - Email: ceo@acme.example\n"}, "'Email' would be shown"),
    ],
)
def test_public_leak_fires(kwargs: dict[str, str], expected: str) -> None:
    found = problems(**kwargs)
    assert found and all(rule == "public-leak" for rule, _ in found), found
    assert any(expected in message for _, message in found), found


@pytest.mark.parametrize(
    "kwargs",
    [
        {"summary": "Call Jo on [020 7946 0000]{.sensitive}."},
        {"summary": "{.sensitive}\nWrite to jo@example.gov.uk today."},
        {"interests": "[Gains £40m a year]{.sensitive} if MUP is dropped."},
        {"partner_lines": "  - Sensitive: s.43\n", "interests": "Gains £40m a year."},
        {"summary": "Roughly 2026 people in 12 areas, 2,500 referrals."},
        {"extra": "public: false\n", "summary": "Call Jo on 020 7946 0000."},
        {"extra": "classification: SECRET\n", "interests": "Gains £40m a year."},
    ],
)
def test_public_leak_stays_quiet_when_withheld_or_never_published(kwargs: dict[str, str]) -> None:
    assert [rule for rule, _ in problems(**kwargs) if rule == "public-leak"] == []


@pytest.mark.parametrize(
    "summary,expected",
    [
        ("{.sensitve}\nAn aside.", "'.sensitve' is not a mark scoper knows"),
        ("{.sensitive reason=x}\nAn aside.", "'reason=x' is not a mark"),
        ('{.sensitive exemption="commercial"}\nAn aside.', "the exemption 'commercial'"),
        ("An [aside]{.sensitve} here.", "did you mean '.sensitive'?"),
    ],
)
def test_bad_marking_fires(summary: str, expected: str) -> None:
    found = problems(summary=summary)
    assert any(rule == "bad-marking" and expected in message for rule, message in found), found


def test_bad_marking_on_an_item_field() -> None:
    found = problems(partner_lines="  - Sensitive: maybe\n")
    assert (
        "bad-marking",
        "the exemption 'maybe' is not a section of the FOI Act such as "
        "s.35 or s.43(2); write 'yes' for no exemption",
    ) in found


@pytest.mark.parametrize(
    "summary",
    [
        '{.sensitive exemption="s.35"}\nAn aside.',
        '{.sensitive exemption="s43(2)"}\nAn aside.',
        "{.sensitive}\nAn aside.",
        "An [aside]{.sensitive} here.",
    ],
)
def test_bad_marking_stays_quiet_on_good_marks(summary: str) -> None:
    assert [rule for rule, _ in problems(summary=summary) if rule == "bad-marking"] == []
