"""The formats a paper is made in, named once for the command line and the build."""

from __future__ import annotations

from typing import Literal

Format = Literal["html", "pdf", "docx"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "docx")
"""Every format a paper is made in; ``--format all`` means these."""


def parse_formats(text: str) -> frozenset[Format]:
    """``html,pdf,docx`` (any of them, in any order) or ``all``; raises ValueError."""
    names = {name.strip().lower() for name in text.split(",") if name.strip()}
    if "all" in names:
        return frozenset(FORMATS)
    unknown = sorted(names - set(FORMATS))
    if unknown or not names:
        raise ValueError(
            f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(FORMATS)} or all"
        )
    return frozenset(name for name in FORMATS if name in names)
