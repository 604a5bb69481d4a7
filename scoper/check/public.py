"""Rules for the public version: what a release would still show that looks private, and
marks written so that they would not work."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

from scoper.brief.markdown import MARK_CLASSES
from scoper.brief.model import Brief, Field, Item, Partner
from scoper.brief.prose import Prose
from scoper.brief.public import WITHHELD_FIELDS, public_brief, refusal
from scoper.check.base import CheckContext, rule
from scoper.problems import Problem, problem

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w])(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s-]?\d){8,9}(?![\w])")
MONEY = re.compile(
    r"[£$€]\s?\d[\d,.]*(?:\s?(?:m|bn|k|million|billion)\b)?"
    r"|\b\d[\d,.]*\s?(?:m|bn|million|billion|thousand)\b|\b\d[\d,.]*\s?pounds\b",
    re.IGNORECASE,
)
CONTACT_LABELS = re.compile(r"e-?mail|phone|tel(?:ephone)?|mobile|contact|address", re.I)
EXEMPTION = re.compile(r"s\.?\s?\d{1,2}[A-Za-z]?(?:\(\d+\)(?:\([a-z]\))?)?", re.IGNORECASE)
"""A section of the Freedom of Information Act 2000, as units write them: s.35, s43(2)."""


def _proses(brief: Brief) -> Iterator[tuple[Prose, int, Item | None, Field | None]]:
    """Every piece of prose, with the line it stands at and the item and field it is in."""
    yield brief.preamble, brief.body_line, None, None
    for section in brief.sections:
        yield section.intro, section.line, None, None
        for item in section.items:
            yield item.body, item.line, item, None
            for found in (*item.fields.values(), *item.extra_fields):
                yield found.value, found.line, item, found
        yield section.outro, section.line, None, None
    yield brief.footnotes, brief.body_line, None, None


def _tokens(prose: Prose) -> Iterator[Token]:
    for token in prose.tokens:
        yield token
        yield from token.children or []


@rule
def public_leak(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    if refusal(brief) is not None:
        return  # never published: nothing to leak
    marked = brief.marked or any(
        section.sensitive is not None or any(item.sensitive is not None for item in section.items)
        for section in brief.sections
    )
    # Without marks the public version is the brief less its contacts: no need to make it.
    public = public_brief(brief, verified=False) if marked else brief
    seen: set[tuple[int, str]] = set()
    for prose, line, item, found in _proses(public):
        if found is not None and found.name in WITHHELD_FIELDS:
            continue
        text = prose.text
        where = brief.line_of(prose.tokens[0].map, line) if prose.tokens else line
        extra = item is not None and any(f is found for f in item.extra_fields)
        labelled = found is not None and extra and CONTACT_LABELS.search(found.label)
        if found is not None and labelled and (found.line, "label") not in seen:
            seen.add((found.line, "label"))
            yield problem(
                brief.path,
                found.line,
                "public-leak",
                f"'{found.label}' would be shown in the public version: give a person's "
                "details as 'Contact:' (always withheld) or mark it 'Sensitive: yes'",
                plain="A public version would show someone's contact details.",
            )
        for pattern, what, sign in (
            (EMAIL, "an e-mail address", "@"),
            (PHONE, "a phone number", "0"),
        ):
            match = pattern.search(text) if sign in text else None
            if match and (where, what) not in seen:
                seen.add((where, what))
                yield problem(
                    brief.path,
                    found.line if found else where,
                    "public-leak",
                    f"{what} ('{match[0]}') would be shown in the public version: mark it "
                    "[like this]{.sensitive}, or move it to a partner's 'Contact:'",
                    plain="A public version would show someone's contact details.",
                )
        if (
            isinstance(item, Partner)
            and found is not None
            and found.name == "interests"
            and (match := MONEY.search(text))
        ):
            yield problem(
                brief.path,
                found.line,
                "public-leak",
                f"the public version would show {item.name}'s interests naming money "
                f"('{match[0]}'): the unit's view of a partner's money is for the unit; mark "
                "it [like this]{.sensitive} or the partner 'Sensitive: s.43'",
                plain="A public version would show the unit's view of a partner's money.",
            )


@rule
def bad_marking(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for line in brief.unattached_marks:
        yield problem(
            brief.path,
            line,
            "bad-marking",
            "this mark marks nothing where it stands (a '{.sensitive}' line with no passage "
            "after it, or before a rule; a 'Sensitive:' field scoper does not read: outside "
            "Evidence, Partners, Actions and Risks, within a line, or misspelt); put "
            "'{.sensitive}' directly before the passage (or, if the word 'sensitive' there is "
            "prose, not a mark, write it without the emphasis or colon)",
            plain="A mark for the public version stands where it marks nothing.",
        )
    for prose, line, _item, _found in _proses(brief):
        for token in _tokens(prose):
            here = brief.line_of(token.map, line)
            for name in token.meta.get("unknown_marks", []):
                mark = name if "=" in name else f".{name}"
                import difflib  # only for a misspelt mark

                close = difflib.get_close_matches(name, MARK_CLASSES, n=1, cutoff=0.6)
                hint = f"; did you mean '.{close[0]}'?" if close else ""
                yield problem(
                    brief.path,
                    here,
                    "bad-marking",
                    f"'{mark}' is not a mark scoper knows (only "
                    f"{', '.join('.' + c for c in MARK_CLASSES)}), so it does nothing{hint}",
                    plain="A mark for the public version is written wrongly and does nothing.",
                )
            exemption = token.meta.get("sensitive")
            if exemption and not EXEMPTION.fullmatch(exemption.strip()):
                yield _exemption(brief, here, exemption)
    for section in brief.sections:
        if section.sensitive and not EXEMPTION.fullmatch(section.sensitive.strip()):
            yield _exemption(brief, section.line, section.sensitive)
        for item in section.items:
            if item.sensitive and not EXEMPTION.fullmatch(item.sensitive.strip()):
                found = item.fields.get("sensitive")
                yield _exemption(brief, found.line if found else item.line, item.sensitive)


def _exemption(brief: Brief, line: int, exemption: str) -> Problem:
    return problem(
        brief.path,
        line,
        "bad-marking",
        f"the exemption '{exemption}' is not a section of the FOI Act such as s.35 or s.43(2); "
        "write 'yes' for no exemption",
        plain="A mark for the public version is written wrongly.",
    )
