"""What every rule shares: the context of a run, the registry, and small helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from msgspec import Struct, field

from scoper.brief.model import Brief, Section
from scoper.config import CheckSettings, Config
from scoper.problems import Problem


def file_exists_beside(brief: Brief, reference: str) -> bool:
    """Whether a relative reference of the brief names an existing file or folder."""
    try:
        return (Path(brief.path).parent / reference).exists()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        return False


class CheckContext(Struct, frozen=True):
    """What the rules need besides the brief."""

    today: dt.date
    """For action-overdue; a fixed date makes a run reproducible."""
    settings: CheckSettings = field(default_factory=CheckSettings)
    exists: Callable[[Brief, str], bool] = file_exists_beside
    """Answers broken-reference's question: does this relative path exist?"""
    max_brief_bytes: int = 2_000_000
    """A larger file is refused unread (max-brief-mb in scoper.toml)."""

    @classmethod
    def for_config(cls, config: Config, today: dt.date | None = None) -> CheckContext:
        return cls(
            today=today or dt.date.today(),
            settings=config.check,
            max_brief_bytes=config.max_brief_bytes,
        )


Check = Callable[[Brief, CheckContext], Iterator[Problem]]
CHECKS: list[Check] = []


def rule(function: Check) -> Check:
    """Register a rule: every registered rule runs on every brief."""
    CHECKS.append(function)
    return function


def section_line(brief: Brief, kind: str) -> int:
    found: Section | None = brief.section(kind)  # type: ignore[arg-type]
    return found.line if found else 1


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
