"""The shortened forms of a brief that every format shows: the short title (running
headers, links between papers) and the description (the document's subject). They live
apart from the HTML renderer so that the Word writer does not load it."""

from __future__ import annotations

from scoper.brief.model import Brief

SHORT_TITLE_CHARS = 60


def short_title(title: str, limit: int = SHORT_TITLE_CHARS) -> str:
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"


def description(brief: Brief, words: int = 60) -> str:
    """The summary's opening words, for the PDF subject and the HTML description."""
    summary = brief.summary_text.split()
    text = " ".join(summary[:words])
    return text + ("…" if len(summary) > words else "")
