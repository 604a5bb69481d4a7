"""The pack's action tracker as CSV, for the spreadsheets that follow actions up."""

from __future__ import annotations

import csv
import io

from scoper.pack.model import Pack, TrackerRow, owner_groups

COLUMNS = [
    "paper_ref",
    "paper_title",
    "action",
    "owner",
    "due",
    "lever",
    "status",
    "overdue",
    "owner_group",
    "view",
]
"""The first eight are as before the by-owner view; ``owner_group`` is the owner as the
by-owner view groups it, ``view`` which of the two views a row belongs to."""

BY_DATE = "by date"
BY_OWNER = "by owner"
NO_OWNER = "(no owner given)"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection")."""


def cell(value: str) -> str:
    """A value as a spreadsheet will show it, never run it: one that a spreadsheet would
    take for a formula gets a leading single quote, as OWASP recommends."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def tracker_csv(pack: Pack, owners: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> bytes:
    """Every action of every paper, one row each, twice: first by due date (``view`` is
    "by date"), then grouped by owner ("by owner"). Each row also names its owner group,
    so a spreadsheet's filter on ``view`` shows either view, and one on ``owner_group``
    an owner's actions."""
    rows = pack.tracker
    groups = owner_groups(rows, owners)
    group_of = {id(row): group.owner or NO_OWNER for group in groups for row in group.rows}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)

    def write(row: TrackerRow, view: str) -> None:
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
            group_of[id(row)],
            view,
        ]
        writer.writerow([cell(value) for value in values])

    for row in rows:
        write(row, BY_DATE)
    for group in groups:
        for row in group.rows:
            write(row, BY_OWNER)
    # A byte-order mark, so that Excel reads the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
