"""Which checked briefs go into a pack: the week's, under names that clash with nothing.

Shared by ``scoper pack`` and the preview's pack page, so both choose alike.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from scoper.load import FileReport
from scoper.pack.files import read_head
from scoper.pack.model import Week
from scoper.problems import problem

_DATE_LINE = re.compile(r"^date:\s*['\"]?(\d{4}-\d{2}-\d{2})", re.MULTILINE)


def _date_of_broken(path: Path) -> dt.date | None:
    """A broken brief's date, if its front matter shows one, to tell whether it belongs to
    the week; a brief whose date cannot be read counts as belonging."""
    try:
        head = read_head(path, 4000).decode("utf-8", errors="replace")
        found = _DATE_LINE.search(head)
        return dt.date.fromisoformat(found[1]) if found else None
    except (OSError, ValueError):
        return None


def chosen_for(report: FileReport, week: Week | None) -> bool:
    """Whether a checked brief belongs in the week's pack (a broken one whose date cannot be
    read does: it must not drop out of sight)."""
    if week is None:
        return True
    day = report.brief.meta.date if report.brief else _date_of_broken(report.path)
    return day is None or day in week


def report_clashes(reports: list[FileReport], pack: str) -> None:
    """Briefs whose papers would be written over: two with one file name (a.md in two
    folders, say), as in ``scoper build``, or one named like the pack itself (``pack.md``).
    Each is an error on the brief, rather than one file silently replacing another."""
    claimed: dict[str, Path] = {}
    for report in reports:
        if report.brief is None:
            continue
        slug = report.brief.slug
        if slug.casefold() == pack.casefold():  # one file where case is not told apart
            message = (
                f"its papers would be named '{slug}', like the pack's own files, and the pack "
                "would write over them; rename the file"
            )
            report.problems.append(problem(report.brief.path, 0, "output-clash", message))
            continue
        other = claimed.setdefault(slug, report.path)
        if other != report.path:
            report.problems.append(
                problem(
                    report.brief.path,
                    0,
                    "output-clash",
                    f"its papers would be named '{slug}', like those of {other}; "
                    "rename one of the files",
                )
            )
