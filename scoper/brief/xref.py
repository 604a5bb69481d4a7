"""Cross-references within a paper (brief format, version 2): ``#E2`` (evidence item 2),
``#A3`` (action 3), ``#R1`` (risk 1), ``#P2`` (partner 2), ``#para-7`` (numbered
paragraph 7), and the sections' own anchors; and ``ref:PU-2026-014`` to another paper.

What a paper's links may point at is worked out from the model here, so that the check
(a dead link is a ``broken-reference`` warning) and the renderers agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from scoper.brief.model import Brief
from scoper.brief.numbers import paragraph_numbers
from scoper.brief.shortened import short_title

ITEM_PREFIXES = {"evidence": "E", "actions": "A", "risks": "R", "partners": "P"}
"""The letter of each kind of item's anchors: its items are numbered from 1 in source order."""

REF_SCHEME = "ref:"
FILE_LINK = "scoper-file:"
"""How a paper's PDF HTML names the file of another paper beside it (``scoper-file:b.pdf``):
the PDF renderer would make a relative link absolute against the theme's folder, so the
link is written in a scheme it keeps as it is, and made relative again once the PDF is
written (:mod:`scoper.pdf.tagfix`). A brief cannot write it: its links' schemes are few."""
_PARA = re.compile(r"^#?para-(\d+)$")


def item_anchor(kind: str, number: int) -> str:
    return f"{ITEM_PREFIXES[kind]}{number}"


def targets(brief: Brief) -> set[str]:
    """Every fragment a link of the paper may name (without the ``#``)."""
    found = {section.anchor for section in brief.sections}
    for kind, letter in ITEM_PREFIXES.items():
        found |= {f"{letter}{n}" for n in range(1, len(brief.items(kind)) + 1)}  # type: ignore[arg-type]
    # Paragraph numbers exist whether or not they are shown: a link to one still goes
    # to its paragraph.
    found |= {f"para-{n}" for n in range(1, len(paragraph_numbers(brief)) + 1)}
    if brief.footnotes:
        found.add("notes")
    return found


def house_label(href: str, text: str) -> str | None:
    """The link text in the house form ("para 7") when the writer wrote the target itself
    ("para-7", "#para-7", "#E2"); None to keep the text as written."""
    target = href.removeprefix("#")
    if text.strip() not in (target, href):
        return None
    match = _PARA.match(target)
    return f"para {match[1]}" if match else target


def paper_ref(href: str) -> str | None:
    """The ref a ``ref:`` link names, or None for any other link."""
    if not href.lower().startswith(REF_SCHEME):
        return None
    return href[len(REF_SCHEME) :].strip() or None


def paper_refs(brief: Brief) -> list[tuple[str, int]]:
    """Every ``ref:`` link of the paper: the ref it names and its line."""
    found = []
    for link in brief.links:
        ref = paper_ref(link.href)
        if ref is not None:
            found.append((ref, link.line))
    return found


PaperLinks = Mapping[str, tuple[str, str]]
"""Where a paper's ``ref:`` links go: a paper's ref to (the link, its short title)."""


def paper_links(
    briefs: Iterable[Brief], suffix: str, *, public: bool = False
) -> dict[str, tuple[str, str]]:
    """Where each of a run's papers is beside the others: its ref to its file name (its
    slug and ``suffix``, such as ``.pdf``) and short title (``public``: the public
    version's). A ref or file name that two briefs share names no one paper, so links to
    it stay text (``duplicate-ref`` and ``output-clash`` report them)."""
    briefs = list(briefs)
    refs = _counts(b.meta.ref for b in briefs)
    slugs = _counts(b.slug for b in briefs)
    return {
        b.meta.ref: (
            b.slug + suffix,
            short_title((b.meta.public_title if public else None) or b.meta.title),
        )
        for b in briefs
        if refs[b.meta.ref] == 1 and slugs[b.slug] == 1
    }


def _counts(values: Iterable[str]) -> dict[str, int]:
    from collections import Counter

    return dict(Counter(values))


def links_of(brief: Brief, papers: PaperLinks) -> list[tuple[str, tuple[str, str] | None]]:
    """What the paper's ``ref:`` links resolve to (part of what its output depends on)."""
    return sorted({ref: papers.get(ref) for ref, _ in paper_refs(brief)}.items())
