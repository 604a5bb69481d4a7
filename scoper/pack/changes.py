"""What changed since an earlier pack: papers new, dropped and superseded; each changed
paper's summary and recommendation as a word-level redline; its actions done, moved,
added and removed; its partners added, dropped, or whose commitment changed.

It compares two snapshots (scoper.pack.snapshot): this pack's and an earlier one. What the
earlier pack held may be marked above this pack (a paper of last week marked SECRET, this
week's pack OFFICIAL): nothing of a paper marked above this pack's marking is quoted, not
even its title; the page says only how many such papers it leaves out.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Literal

from msgspec import Struct, field

from scoper.brief.model import CLASSIFICATIONS, COMMITMENTS
from scoper.pack.model import partner_key
from scoper.pack.snapshot import ActionShot, PaperShot, PartnerShot, Snapshot

Edit = Literal["equal", "insert", "delete"]


class Segment(Struct, frozen=True):
    kind: Edit
    text: str


MAX_REDLINE_WORDS = 6_000
"""The most words (old and new together) compared word by word: a summary and a
recommendation are a few hundred; the comparison's time grows with the square."""


def redline(old: str, new: str) -> list[Segment]:
    """The new text against the old, word by word: runs of words kept, inserted and
    deleted (a replaced run is its deletion, then its insertion)."""
    before, after = old.split(), new.split()
    if len(before) + len(after) > MAX_REDLINE_WORDS:
        # Too long to compare word by word in good time: the old text out, the new in.
        return [Segment("delete", " ".join(before)), Segment("insert", " ".join(after))]
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", " ".join(before[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", " ".join(after[j1:j2])))
    return segments


class Moved(Struct, frozen=True):
    action: ActionShot
    before: str
    """The earlier due date (ISO)."""

    @property
    def before_date(self) -> dt.date:
        return dt.date.fromisoformat(self.before)

    @property
    def slipped(self) -> bool:
        return self.action.due > self.before


class Recommitted(Struct, frozen=True):
    partner: PartnerShot
    before: str

    @property
    def direction(self) -> str:
        """ "down", "up", or "" when either is not on the scale."""
        order = {name: rank for rank, name in enumerate(COMMITMENTS)}  # committed first
        if self.before not in order or self.partner.commitment not in order:
            return ""
        return "down" if order[self.partner.commitment] > order[self.before] else "up"


class PaperChanges(Struct):
    paper: PaperShot
    """The paper as it is now."""
    withheld: bool = False
    """Last week's version was marked above this pack: nothing of it is shown."""
    status_before: str | None = None
    summary: list[Segment] | None = None
    recommendation: list[Segment] | None = None
    done: list[ActionShot] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    added: list[ActionShot] = field(default_factory=list)
    removed: list[ActionShot] = field(default_factory=list)
    partners_added: list[PartnerShot] = field(default_factory=list)
    partners_dropped: list[PartnerShot] = field(default_factory=list)
    recommitted: list[Recommitted] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(
            self.withheld
            or self.status_before
            or self.summary
            or self.recommendation
            or self.done
            or self.moved
            or self.added
            or self.removed
            or self.partners_added
            or self.partners_dropped
            or self.recommitted
        )


class Changes(Struct):
    since: str
    """The earlier pack, as the page's heading names it."""
    new: list[PaperShot] = field(default_factory=list)
    dropped: list[PaperShot] = field(default_factory=list)
    superseded: list[PaperShot] = field(default_factory=list)
    changed: list[PaperChanges] = field(default_factory=list)
    withheld: int = 0
    """Papers of the earlier pack dropped or superseded since and marked above this pack:
    counted, never named."""

    @property
    def nothing(self) -> bool:
        return not (self.new or self.dropped or self.superseded or self.changed or self.withheld)


def _rank(marking: str) -> int:
    return CLASSIFICATIONS.index(marking) if marking in CLASSIFICATIONS else len(CLASSIFICATIONS)


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _actions(old: PaperShot, new: PaperShot, into: PaperChanges) -> None:
    before: dict[str, ActionShot] = {}
    for action in old.actions:
        before.setdefault(_words(action.text), action)
    after: dict[str, ActionShot] = {}
    for action in new.actions:
        after.setdefault(_words(action.text), action)
    for key, action in after.items():
        earlier = before.get(key)
        if earlier is None:
            into.added.append(action)
            continue
        if action.status == "done" and earlier.status != "done":
            into.done.append(action)
        if action.due and earlier.due and action.due != earlier.due:
            into.moved.append(Moved(action, earlier.due))
    into.removed = [action for key, action in before.items() if key not in after]


def _partners(old: PaperShot, new: PaperShot, into: PaperChanges) -> None:
    before = {partner_key(p.name): p for p in old.partners}
    after = {partner_key(p.name): p for p in new.partners}
    for key, partner in after.items():
        earlier = before.get(key)
        if earlier is None:
            into.partners_added.append(partner)
        elif earlier.commitment != partner.commitment:
            into.recommitted.append(Recommitted(partner, earlier.commitment))
    into.partners_dropped = [p for key, p in before.items() if key not in after]


def _paper(old: PaperShot, new: PaperShot, shown_up_to: int | None) -> PaperChanges:
    changes = PaperChanges(new)
    if shown_up_to is not None and _rank(old.classification) > shown_up_to:
        changes.withheld = True
        return changes
    if old.status != new.status:
        changes.status_before = old.status
    if _words(old.summary) != _words(new.summary):
        changes.summary = redline(old.summary, new.summary)
    if _words(old.recommendation) != _words(new.recommendation):
        changes.recommendation = redline(old.recommendation, new.recommendation)
    _actions(old, new, changes)
    _partners(old, new, changes)
    return changes


def compare(old: Snapshot, new: Snapshot) -> Changes:
    """What changed from ``old`` to ``new`` (this pack's own snapshot), showing nothing of
    ``old`` marked above ``new``'s marking. Public snapshots hold only public versions, so
    a public pack (which compares only with public snapshots) may show all of them."""
    shown_up_to = None if new.public else _rank(new.marking)

    def shown(paper: PaperShot) -> bool:
        return shown_up_to is None or _rank(paper.classification) <= shown_up_to

    changes = Changes(since=old.label)
    before = {paper.ref: paper for paper in old.papers}
    now = {paper.ref: paper for paper in new.papers}
    superseded_now = {paper.ref: paper for paper in new.superseded}
    changes.new = [paper for ref, paper in now.items() if ref not in before]
    for ref, paper in before.items():
        if ref in now:
            continue
        # A paper superseded since is superseded, not dropped (a paper new this week and
        # already superseded is named on the cover only: the earlier pack never held it).
        if not shown(paper) or (ref in superseded_now and not shown(superseded_now[ref])):
            changes.withheld += 1
        elif ref in superseded_now:
            changes.superseded.append(superseded_now[ref])
        else:
            changes.dropped.append(paper)
    for ref, paper in now.items():
        if ref in before:
            found = _paper(before[ref], paper, shown_up_to)
            if found.any:
                changes.changed.append(found)
    return changes
