"""The pack's action tracker as CSV, for the spreadsheets that follow actions up."""

from __future__ import annotations

import csv
import io

from scoper.pack.model import Pack

COLUMNS = ["paper_ref", "paper_title", "action", "owner", "due", "lever", "status", "overdue"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection")."""


def cell(value: str) -> str:
    """A value as a spreadsheet will show it, never run it: one that a spreadsheet would
    take for a formula gets a leading single quote, as OWASP recommends."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def tracker_csv(pack: Pack) -> bytes:
    """Every action of every paper, by due date, one row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in pack.tracker:
        action = row.action
        values = [
            row.paper.brief.meta.ref,
            row.paper.brief.meta.title,
            action.text,
            action.owner or "",
            action.due.isoformat() if action.due else "",
            action.lever or "",
            action.status,
            "yes" if row.overdue else "no",
        ]
        writer.writerow([cell(value) for value in values])
    # A byte-order mark, so that Excel reads the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
