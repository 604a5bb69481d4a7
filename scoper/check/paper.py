"""Rules about the paper as a whole: its actions, its ask, its risks, what is left unfinished."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from scoper.brief.frontmatter import suggest
from scoper.brief.markdown import is_relative_path
from scoper.brief.model import Brief
from scoper.check.base import CheckContext, rule, section_line
from scoper.check.names import mentions
from scoper.config import regradable
from scoper.problems import RULES, Problem, problem

GOVERNMENT_LEVERS = frozenset({"spending", "tax", "regulation", "legislation", "procurement"})
ABOVE_DRAFT = frozenset({"review", "cleared", "final"})

_PLACEHOLDER = re.compile(
    r"\b(?:TBC|TBD|TBA|XXX+|to be (?:confirmed|decided|determined)|lorem ipsum|your name|"
    r"name of the organisation|insert [a-z ]{1,20} here)\b|\[(?:placeholder|todo|tk)\]"
    r"|\bexample\.(?:org|com|net)\b",
    re.IGNORECASE,
)
_RECOMMENDS = re.compile(
    r"\b(?:recommend\w*|propos\w*|we (?:suggest|advise|ask)|asked to|invited to|"
    r"(?:seek|seeking|ask for|asks for) (?:\w+ ){0,2}(?:agreement|approval|a decision|"
    r"decisions|views|steer)|(?:agree|approve|endorse|note|decide|commission|choose) "
    r"(?:to |that |whether |the |a |an |on |option )|should (?:\w+ ){0,3}(?:now|agree|"
    r"fund|legislate|act|adopt|launch|proceed|back))",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def skeleton_phrases() -> frozenset[str]:
    """The sentences of ``scoper new``'s skeleton, as a writer would leave them."""
    from scoper.project import NEW_BRIEF

    body = NEW_BRIEF.split("\n---\n", 1)[1]
    found = []
    for line in body.splitlines():
        text = re.sub(r"^\s*(?:[-#]+\s*)?(?:\*\*[^*]*\*\*\s*—\s*\S+)?", "", line)
        text = re.sub(r"^[A-Z][a-z]+: ", "", text).strip()
        if "{" not in text and len(text.split()) >= 4:
            found.append(_normal(text))
    return frozenset(found)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def brief_texts(brief: Brief) -> Iterator[tuple[str, int, str]]:
    """Every piece of text of a brief: (text, line, where it is)."""
    meta = brief.meta
    for key, value in (
        ("title", meta.title),
        ("lead", meta.lead),
        ("ask", meta.ask),
        ("authors", ", ".join(meta.authors)),
        ("commissioned-by", meta.commissioned_by),
    ):
        if value:
            yield value, meta.lines.get(key, meta.lines.get("topic", 1)), f"'{key}'"
    for section in brief.sections:
        if section.text:
            yield section.text, section.line, f"the {section.title} section"
        for item in section.items:
            yield item.text, item.line, f"an item of {section.title}"
            for fld in (*item.fields.values(), *item.extra_fields):
                yield fld.text, fld.line, f"the {fld.label} field"
    for link in brief.links:
        yield link.href, link.line, "a link"


@rule
def placeholder_text(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    skeleton = skeleton_phrases()
    seen: set[tuple[int, str]] = set()
    for text, line, where in brief_texts(brief):
        match = _PLACEHOLDER.search(text)
        if match is not None:
            words = _normal(match.group(0))
        elif len(text) < 120 and _normal(text) in skeleton:  # the skeleton's, left as was
            words = _normal(text)
        else:
            continue
        if (line, words) in seen:
            continue
        seen.add((line, words))
        yield problem(
            brief.path,
            line,
            "placeholder-text",
            f"{where} still holds placeholder text ('{_short(words)}'): write what the paper means",
            plain=f"Some text is unfinished ({where.removeprefix('the ')} still says "
            f"'{_short(words)}').",
        )


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@rule
def no_recommendation(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    section = brief.section("recommendation")
    if brief.meta.ask or (section is not None and (section.text or section.items)):
        return
    summary = brief.section("summary")
    if summary is None or _RECOMMENDS.search(summary.text):
        return
    yield problem(
        brief.path,
        summary.line,
        "no-recommendation",
        "the summary makes no recommendation and asks the reader for nothing: add a "
        "'## Recommendation' section, an 'ask:' line in the front matter, or a sentence "
        "that says what you recommend",
        plain="The paper does not say what it recommends or what decision it needs.",
    )


@rule
def no_risks(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    if brief.meta.status not in ABOVE_DRAFT:
        return
    section = brief.section("risks")
    if section is not None and (section.items or section.text):
        return
    yield problem(
        brief.path,
        brief.meta.lines.get("status", 1),
        "no-risks",
        f"a paper at {brief.meta.status} has no Risks: add a '## Risks' section saying what "
        "could go wrong and what you would do about it",
        plain="The paper does not say what could go wrong.",
    )


@rule
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


@rule
def action_overdue(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    for action in brief.actions:
        if action.due and action.due < context.today and action.status != "done":
            yield problem(
                brief.path,
                action.fields["due"].line,
                "action-overdue",
                f"action was due {action.due} and is still {action.status}; mark it done or "
                "give it a new due date",
                plain=f"An action due on {action.due.day} {action.due:%B %Y} is not done.",
            )


@rule
def fragile_delivery(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    """A Government lever counts only in an action that a partner does not own."""
    if not brief.actions:
        return  # no Action points: missing-section says so
    partners = [p.name for p in brief.partners if p.name]

    def governments(action_owner: str | None) -> bool:
        return not any(mentions(action_owner or "", name) for name in partners)

    if not any(
        action.lever in GOVERNMENT_LEVERS and governments(action.owner) for action in brief.actions
    ):
        yield problem(
            brief.path,
            section_line(brief, "actions"),
            "fragile-delivery",
            "no action owned by Government uses a lever it controls (spending, tax, "
            "regulation, legislation or procurement): partner initiatives alone have "
            "limited, fragile reach",
            plain="Delivery rests on partners alone: no action uses spending, regulation or law.",
        )


@rule
def summary_too_long(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    limit = context.settings.summary_word_limit
    words = len(brief.summary_text.split())
    if words > limit:
        yield problem(
            brief.path,
            section_line(brief, "summary"),
            "summary-too-long",
            f"the summary has {words} words; keep it to {limit} so it is read",
        )


@rule
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


@rule
def broken_reference(brief: Brief, context: CheckContext) -> Iterator[Problem]:
    references = [(image.src, image.line, "image") for image in brief.images] + [
        (link.href, link.line, "link") for link in brief.links
    ]
    fragments = None
    for target, line, kind in references:
        if kind == "link" and target.startswith("#"):
            from scoper.brief.xref import targets

            fragments = targets(brief) if fragments is None else fragments
            if target[1:] not in fragments:
                yield problem(
                    brief.path,
                    line,
                    "broken-reference",
                    f"link '{target}' points to nothing in this paper: name an item (#E2, "
                    "#A3, #R1, #P2) or a paragraph (#para-7)",
                    "warning",
                )
            continue
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


@rule
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
