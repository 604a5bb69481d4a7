"""The pack at a glance: the one-page grid at the front (a row per paper: what it asks, by
when, how strong its evidence is) and the facts the cover gives.

Pure: values from the pack's model, for the template (scoper/render/html.py).
"""

from __future__ import annotations

import datetime as dt
import re

from msgspec import Struct

from scoper.pack.model import Pack, PackPaper, Week

ASK_WORDS = 30
"""The longest ask the grid shows, in words: its row must stay a few lines high so that
twelve papers fit one page."""

COMMERCIAL_SHOWN = 3
"""The most commercial partners a grid row names (the register lists them all)."""

_FIRST_SENTENCE = re.compile(r"(.+?[.!?][\"'”’)]*)(?=\s+[\"“‘(]?[A-Z0-9])")


def first_sentence(text: str) -> str:
    """The first sentence of plain text (all of it if it has one sentence)."""
    text = " ".join(text.split())
    found = _FIRST_SENTENCE.match(text)
    return found[1] if found else text


def clipped(text: str, words: int = ASK_WORDS) -> str:
    parts = text.split()
    if len(parts) <= words:
        return text
    return " ".join(parts[:words]).rstrip(",;:—–- ") + "…"


def ask_of(paper: PackPaper) -> str:
    """What the paper asks the reader: its front matter's ``ask``, else the first sentence
    of its Recommendation section, else of its summary."""
    brief = paper.brief
    if brief.meta.ask and brief.meta.ask.strip():
        return clipped(" ".join(brief.meta.ask.split()))
    for kind in ("recommendation", "summary"):
        section = brief.section(kind)
        if section is not None and section.text.strip():
            return clipped(first_sentence(section.text))
    return ""


class GridRow(Struct, frozen=True):
    paper: PackPaper
    ask: str
    decision_by: dt.date | None
    decision_due: bool
    """The decision is needed in the pack's week."""
    weakest: str | None
    warnings: int
    """Open QA warnings: the paper's check warnings."""
    commercial: list[str]
    """Its partners from the commercial sector: interests a reader must weigh."""

    @property
    def commercial_shown(self) -> str:
        """The commercial partners as the grid shows them: three at most, then how many
        more, so that a row stays a few lines high."""
        if not self.commercial:
            return "None"
        shown = "; ".join(self.commercial[:COMMERCIAL_SHOWN])
        more = len(self.commercial) - COMMERCIAL_SHOWN
        return shown + (f"; and {more} more" if more > 0 else "")


def meeting_week(pack: Pack) -> Week:
    """The week the pack is for: the one chosen, else the week of issue."""
    return pack.week or Week.of(pack.issued)


def grid(pack: Pack) -> list[GridRow]:
    """One row per paper, in the pack's (priority) order."""
    from scoper.check.qa import weakest_grade

    week = meeting_week(pack)
    rows = []
    for paper in pack.papers:
        meta = paper.brief.meta
        rows.append(
            GridRow(
                paper=paper,
                ask=ask_of(paper),
                decision_by=meta.decision_by,
                decision_due=meta.decision_by in week if meta.decision_by else False,
                weakest=weakest_grade(paper.brief),
                warnings=sum(1 for p in paper.warnings if p.severity == "warning"),
                commercial=list(
                    dict.fromkeys(
                        partner.name
                        for partner in paper.brief.partners
                        if partner.sector == "commercial"
                    )
                ),
            )
        )
    return rows


class CoverFacts(Struct, frozen=True):
    week: Week
    overdue_actions: int
    decisions_due: list[GridRow]
    """Papers whose decision is needed in the pack's week."""


def cover_facts(pack: Pack, rows: list[GridRow]) -> CoverFacts:
    return CoverFacts(
        week=meeting_week(pack),
        overdue_actions=sum(1 for row in pack.tracker if row.overdue),
        decisions_due=[row for row in rows if row.decision_due],
    )
