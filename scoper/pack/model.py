"""The weekly priorities pack as a model: which papers, in what order, and the views across
them (the action tracker, the partner register, the quality annex).

Pure: it takes checked briefs and returns values; scoper.pack.job renders and writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec
from msgspec import Struct, field

from scoper.brief.model import CLASSIFICATIONS, Action, Brief, Partner
from scoper.problems import RULES, Problem

if TYPE_CHECKING:
    from scoper.pack.changes import Changes

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class Week(Struct, frozen=True):
    """An ISO week, as written ``2026-W48``."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.match(text.strip())
        if not match:
            raise ValueError(f"'{text}' is not an ISO week; write it as YYYY-Www, e.g. 2026-W48")
        week = cls(int(match[1]), int(match[2]))
        try:
            dt.date.fromisocalendar(week.year, week.number, 1)
        except ValueError:
            raise ValueError(f"{week.year} has no week {week.number}") from None
        return week

    @classmethod
    def of(cls, day: dt.date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    def __contains__(self, day: dt.date) -> bool:
        return self.monday <= day <= self.monday + dt.timedelta(days=6)

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def pack_name(week: Week | None) -> str:
    """The file-name stem of a pack's outputs (``pack-2026-W48``; ``pack`` for every brief)."""
    return f"pack-{week}" if week else "pack"


class PackPaper(Struct):
    """One paper in the pack."""

    brief: Brief
    warnings: list[Problem] = field(default_factory=list)
    """Its check warnings, for the quality annex."""
    first_page: int = 0
    """The page of the pack PDF it starts on (1-based), once known."""

    @property
    def anchor(self) -> str:
        return f"paper-{self.brief.slug}"


class Excluded(Struct, frozen=True):
    """A brief left out of the pack (with --keep-going) because it has errors."""

    path: Path
    problems: list[Problem]
    """Its problems as the pack shows them: see ``withheld``."""


def withheld(found: Problem) -> Problem:
    """A left-out brief's problem as a pack may show it: the rule, the line and what the
    rule catches, but not the message, which may quote the brief. A brief left out may be
    marked above the pack (whose marking is its papers' highest), and often cannot be read
    well enough to know its marking at all; the full message goes to the terminal only."""
    rule = RULES.get(found.rule)
    return msgspec.structs.replace(found, message=rule.summary if rule else "")


class TrackerRow(Struct, frozen=True):
    paper: PackPaper
    action: Action
    overdue: bool


class OwnerGroup(Struct, frozen=True):
    """The tracker's actions of one owner (every spelling the project groups under it)."""

    owner: str
    """The owner's name as shown: the project's name for the group, else as written;
    "" for actions with no owner given."""
    rows: list[TrackerRow]

    @property
    def spellings(self) -> list[str]:
        """The other ways the briefs wrote this owner, as grouped here."""
        written = dict.fromkeys(" ".join((r.action.owner or "").split()) for r in self.rows)
        return [name for name in written if name and name != self.owner]


class MonthGroup(Struct, frozen=True):
    """The tracker's actions due in one month, in date order."""

    month: dt.date | None
    """The month's first day; None for actions with no due date (last)."""
    rows: list[TrackerRow]

    @property
    def label(self) -> str:
        return self.month.strftime("%B %Y") if self.month else "No due date"


def month_groups(rows: list[TrackerRow]) -> list[MonthGroup]:
    """The tracker's rows (in date order) grouped by the month they are due."""
    groups: list[MonthGroup] = []
    for row in rows:
        month = row.action.due.replace(day=1) if row.action.due else None
        if not groups or groups[-1].month != month:
            groups.append(MonthGroup(month, []))
        groups[-1].rows.append(row)
    return groups


PackPart = Literal[
    "all", "front", "contents", "part-tracker", "part-owners", "part-register", "part-annex"
]
"""The whole pack (its HTML file), or one part of its PDF: the front (cover, grid, changes),
the contents, or one closing part, named by its anchor. The front and the contents are laid
out side by side at the end, once every paper's length is known."""

BACK_PARTS: tuple[tuple[PackPart, str], ...] = (
    ("part-tracker", "Action tracker"),
    ("part-owners", "Action tracker by owner"),
    ("part-register", "Partner register"),
    ("part-annex", "Quality annex"),
)
"""The pack's closing parts, as the contents lists them: (anchor, title)."""

PIECE_ROWS = 200
"""About how many tracker rows one piece of a tracker holds (some 17 pages)."""


class ClosingPiece(Struct, frozen=True):
    """One PDF of the pack's closing parts: a whole part, or a share of a tracker's months
    (or owners), whole groups only, the first with the part's heading.

    The closing parts are laid out apart, side by side, and kept apart (a change that
    reaches one month of the tracker lays out only that piece again); and a tracker of
    hundreds of papers in one table would take the renderer time and memory that grow
    faster than its rows."""

    part: PackPart
    number: int = 0
    """0 for the piece that opens the part (its heading and introduction)."""
    groups: tuple[MonthGroup | OwnerGroup, ...] = ()
    """The tracker's months, or owners, in this piece; none for the register and annex."""

    @property
    def anchor(self) -> str:
        return self.part if self.number == 0 else f"{self.part}-{self.number + 1}"


def _pieces(
    part: PackPart, groups: list[MonthGroup] | list[OwnerGroup], rows: int
) -> list[ClosingPiece]:
    shares: list[list[MonthGroup | OwnerGroup]] = [[]]
    size = 0
    for group in groups:
        if shares[-1] and size + len(group.rows) > rows:
            shares.append([])
            size = 0
        shares[-1].append(group)
        size += len(group.rows)
    return [ClosingPiece(part, number, tuple(share)) for number, share in enumerate(shares)]


def owner_groups(
    rows: list[TrackerRow], owners: tuple[tuple[str, tuple[str, ...]], ...] = ()
) -> list[OwnerGroup]:
    """The tracker's rows grouped by owner, by name, each group in the tracker's (date)
    order; actions with no owner last. Different spellings of an owner are grouped only
    when ``owners`` (the project's ``[owners]`` table) says they are one owner."""
    from scoper.config import owner_key

    named = {owner_key(alias): name for name, aliases in owners for alias in (name, *aliases)}
    groups: dict[str, OwnerGroup] = {}
    for row in rows:
        written = " ".join((row.action.owner or "").split())
        shown = named.get(owner_key(written), written) if written else ""
        # Unconfigured names are grouped only when written alike (spacing aside).
        key = owner_key(shown) if shown in named.values() else shown
        groups.setdefault(key, OwnerGroup(shown, [])).rows.append(row)
    return sorted(groups.values(), key=lambda g: (not g.owner, g.owner.casefold(), g.owner))


class Appearance(Struct):
    """A partner as one paper names it."""

    paper: PackPaper
    partner: Partner


class RegisterEntry(Struct):
    """One organisation across the papers, merged by name."""

    name: str
    appearances: list[Appearance] = field(default_factory=list)

    @property
    def sectors(self) -> list[str]:
        return sorted({a.partner.sector for a in self.appearances})

    @property
    def refs(self) -> list[str]:
        return list(dict.fromkeys(a.paper.brief.meta.ref for a in self.appearances))

    @property
    def shapes_several(self) -> bool:
        """In two or more papers: one organisation shaping several policies at once."""
        return len(self.refs) >= 2


class Pack(Struct):
    title: str
    issued: dt.date
    """The pack's date: overdue actions are judged by it."""
    week: Week | None
    """The week chosen, or None for every brief."""
    papers: list[PackPaper]
    excluded: list[Excluded] = field(default_factory=list)
    superseded: list[Brief] = field(default_factory=list)
    """Papers of the week left out because their status is ``superseded``: the cover names them."""
    public: bool = False
    """The public pack, of the papers' public versions."""
    changes: Changes | None = None
    """What changed since the earlier pack it is compared with, if any."""

    @classmethod
    def of(
        cls,
        title: str,
        issued: dt.date,
        week: Week | None,
        good: Iterable[tuple[Brief, list[Problem]]],
        bad: Iterable[tuple[Path, list[Problem]]] = (),
    ) -> Pack:
        """The pack of the good briefs (with their warnings) in pack order, naming the bad
        ones it leaves out."""
        good = list(good)
        papers = in_pack_order(
            [PackPaper(brief, found) for brief, found in good if brief.meta.status != "superseded"]
        )
        superseded = [brief for brief, _ in good if brief.meta.status == "superseded"]
        excluded = [Excluded(path, [withheld(p) for p in found]) for path, found in bad]
        return cls(title, issued, week, papers, excluded, superseded)

    @property
    def name(self) -> str:
        """The file-name stem of the pack's outputs."""
        return pack_name(self.week)

    @property
    def classification(self) -> str:
        """The highest marking of any paper in it."""
        marks = [p.brief.meta.classification for p in self.papers]
        levels = [CLASSIFICATIONS.index(mark) for mark in marks if mark in CLASSIFICATIONS]
        if not levels and marks:
            return marks[0]  # a public pack: the public marking ("" for none)
        return CLASSIFICATIONS[max(levels, default=0)]

    @property
    def week_commencing(self) -> dt.date | None:
        if self.week:
            return self.week.monday
        dates = [p.brief.meta.date for p in self.papers]
        return Week.of(min(dates)).monday if dates else None

    @property
    def tracker(self) -> list[TrackerRow]:
        return action_tracker(self.papers, self.issued)

    @property
    def tracker_by_month(self) -> list[MonthGroup]:
        return month_groups(self.tracker)

    def closing_pieces(
        self, owners: tuple[tuple[str, tuple[str, ...]], ...] = (), rows: int | None = None
    ) -> list[ClosingPiece]:
        """The closing parts as the PDFs they are laid out in, in the pack's order, with
        about ``rows`` (PIECE_ROWS) tracker rows a piece."""
        rows = rows or PIECE_ROWS
        return [
            *_pieces("part-tracker", self.tracker_by_month, rows),
            *_pieces("part-owners", self.tracker_by_owner(owners), rows),
            ClosingPiece("part-register"),
            ClosingPiece("part-annex"),
        ]

    def tracker_by_owner(
        self, owners: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ) -> list[OwnerGroup]:
        """The tracker grouped by owner (``owners``: the project's ``[owners]`` table)."""
        return owner_groups(self.tracker, owners)

    @property
    def register(self) -> list[RegisterEntry]:
        return partner_register(self.papers)


def in_pack_order(papers: list[PackPaper]) -> list[PackPaper]:
    """Priority first (1 is highest), then date, then ref."""
    return sorted(
        papers, key=lambda p: (p.brief.meta.priority, p.brief.meta.date, p.brief.meta.ref)
    )


def action_tracker(papers: list[PackPaper], issued: dt.date) -> list[TrackerRow]:
    """Every action of every paper, by due date (then paper order)."""
    rows = [
        TrackerRow(
            paper,
            action,
            overdue=bool(action.due and action.due < issued and action.status != "done"),
        )
        for paper in papers
        for action in paper.brief.actions
    ]
    return sorted(rows, key=lambda row: (row.action.due or dt.date.max, papers.index(row.paper)))


def partner_key(name: str) -> str:
    """The name as the register merges it: case, punctuation and a leading 'The' ignored."""
    # "Barnardo's" and "Barnardos", "U.K." and "UK": apostrophes and dots join, they do not
    # part words.
    joined = re.sub(r"['’.]", "", name.casefold())
    words = re.sub(r"[^\w]+", " ", joined).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


def partner_register(papers: list[PackPaper]) -> list[RegisterEntry]:
    """Every partner across the papers, merged as ``scoper check`` matches organisation
    names ("FreshMart plc", "Freshmart"), sorted by name."""
    from scoper.check.names import group_names

    by_name: dict[str, list[Appearance]] = {}
    for paper in papers:
        for partner in paper.brief.partners:
            by_name.setdefault(partner.name, []).append(Appearance(paper, partner))
    entries = [
        RegisterEntry(group[0], [a for name in group for a in by_name[name]])
        for group in group_names(list(by_name))
    ]
    return sorted(entries, key=lambda e: partner_key(e.name))
