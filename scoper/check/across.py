"""Problems only a set of papers shows: a shared ref, a link to a paper that is not among
them, one partner described two ways, one organisation written two ways."""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from scoper.brief.model import Brief
from scoper.check.base import CheckContext
from scoper.check.names import group_names
from scoper.problems import Problem, problem

_NONE = frozenset({"", "none", "none declared", "not declared", "n/a", "none known"})


class SetPartner(Struct, frozen=True):
    """What the set's rules read of one partner."""

    name: str
    line: int
    commitment: str | None
    commitment_line: int | None
    """The line of its Commitment field, if it has one."""
    interests: str | None
    """Its Interests field, as plain text."""


class SetEntry(Struct, frozen=True):
    """What the rules across a set of briefs read of one brief: small enough to send
    between processes, so that briefs can be read and checked side by side (scoper.load)."""

    path: str
    ref: str
    ref_line: int
    status: str
    status_line: int
    ignore: tuple[str, ...]
    partners: tuple[SetPartner, ...]
    paper_refs: tuple[tuple[str, int], ...] = ()
    """Its ``ref:`` links: the ref each names, and its line."""

    @classmethod
    def of(cls, brief: Brief) -> SetEntry:
        from scoper.brief.xref import paper_refs

        lines = brief.meta.lines
        partners = []
        for partner in brief.partners:
            commitment = partner.fields.get("commitment")
            partners.append(
                SetPartner(
                    partner.name,
                    partner.line,
                    partner.commitment,
                    commitment.line if commitment else None,
                    partner.value("interests"),
                )
            )
        return cls(
            brief.path,
            brief.meta.ref,
            lines.get("ref", 1),
            brief.meta.status,
            lines.get("status", 1),
            tuple(brief.meta.ignore),
            tuple(partners),
            tuple(paper_refs(brief)),
        )


def check_set(
    briefs: Iterable[Brief | SetEntry], context: CheckContext
) -> dict[str, list[Problem]]:
    """Problems that only a set of briefs shows, by brief path."""
    from scoper.check import grade

    entries = [b if isinstance(b, SetEntry) else SetEntry.of(b) for b in briefs]
    raw: dict[str, list[Problem]] = {}
    found_in_set = (
        *_duplicate_refs(entries),
        *_unknown_papers(entries),
        *_partners_across(entries),
    )
    for found in found_in_set:
        raw.setdefault(found.path, []).append(found)
    by_path = {entry.path: entry for entry in entries}
    graded: dict[str, list[Problem]] = {}
    for path, problems in raw.items():
        kept = grade(problems, context.settings, list(by_path[path].ignore))
        if kept:
            graded[path] = kept
    return graded


def _duplicate_refs(briefs: list[SetEntry]) -> Iterable[Problem]:
    by_ref: dict[str, list[SetEntry]] = {}
    for brief in briefs:
        by_ref.setdefault(brief.ref.casefold(), []).append(brief)
    for same in by_ref.values():
        if len(same) < 2:
            continue
        for brief in same:
            others = ", ".join(other.path for other in same if other is not brief)
            yield problem(
                brief.path,
                brief.ref_line,
                "duplicate-ref",
                f"ref '{brief.ref}' is also used by {others}; give each paper its own",
            )


def _unknown_papers(briefs: list[SetEntry]) -> Iterable[Problem]:
    """A ``ref:`` link to no paper of the set: it is shown as its ref, linked nowhere. A
    brief read alone says nothing of the papers beside it (``scoper build a.md`` of a final
    paper that cites one): only a set of two or more is judged."""
    if len(briefs) < 2:
        return
    refs = {brief.ref for brief in briefs}
    for brief in briefs:
        for ref, line in brief.paper_refs:
            if ref not in refs:
                yield problem(
                    brief.path,
                    line,
                    "broken-reference",
                    f"link 'ref:{ref}' names no paper among the briefs read with this one, "
                    "so it links nowhere: check the ref, or build the papers together",
                    "warning",
                )


def _partners_across(briefs: list[SetEntry]) -> Iterable[Problem]:
    appearances: dict[str, list[tuple[SetEntry, SetPartner]]] = {}
    for brief in briefs:
        for partner in brief.partners:
            if partner.name:
                appearances.setdefault(partner.name, []).append((brief, partner))
    for group in group_names(list(appearances)):
        seen = [pair for name in group for pair in appearances[name]]
        if len({brief.path for brief, _ in seen}) < 2:
            continue
        yield from _variants(group, seen)
        yield from _inconsistent(seen)


def _variants(group: list[str], seen: list[tuple[SetEntry, SetPartner]]) -> Iterable[Problem]:
    if len(group) < 2:
        return
    # The spelling most papers use is the one to follow.
    counts = {name: sum(p.name == name for _, p in seen) for name in group}
    usual = max(group, key=lambda name: (counts[name], -group.index(name)))
    for brief, partner in seen:
        if partner.name == usual:
            continue
        where = next(b.path for b, p in seen if p.name == usual)
        yield problem(
            brief.path,
            partner.line,
            "partner-name-variants",
            f"'{partner.name}' is probably the organisation written '{usual}' in {where}: "
            "write its name the same way in every paper so the register counts it once",
        )


def _interests(partner: SetPartner) -> str:
    return " ".join((partner.interests or "").casefold().rstrip(".").split())


def _commitment(partner: SetPartner) -> str:
    return partner.commitment or "of no stated commitment"


def _inconsistent(seen: list[tuple[SetEntry, SetPartner]]) -> Iterable[Problem]:
    # Each appearance is compared with the first other paper's that differs. A partner of
    # many papers (the same supermarket in 500 briefs) made that a walk of every pair: the
    # appearances are indexed by account instead, and only the first few of each looked at.
    by_commitment: dict[str, list[int]] = {}
    declaring: list[int] = []
    for index, (_, partner) in enumerate(seen):
        by_commitment.setdefault(_commitment(partner), []).append(index)
        if _interests(partner) not in _NONE:
            declaring.append(index)

    def first_elsewhere(indices: list[int], path: str) -> int | None:
        return next((i for i in indices if seen[i][0].path != path), None)

    for brief, partner in seen:
        found = [
            first_elsewhere(indices, brief.path)
            for account, indices in by_commitment.items()
            if account != _commitment(partner)
        ]
        differs = min((i for i in found if i is not None), default=None)
        if differs is not None:
            other, theirs = seen[differs]
            yield problem(
                brief.path,
                partner.commitment_line or partner.line,
                "partner-inconsistent",
                f"'{partner.name}' is {_commitment(partner)} here but "
                f"{_commitment(theirs)} in {other.path}: agree one account of where "
                "it stands",
            )
        if _interests(partner) in _NONE:
            declared = first_elsewhere(declaring, brief.path)
            if declared is not None:
                other, theirs = seen[declared]
                yield problem(
                    brief.path,
                    partner.line,
                    "partner-inconsistent",
                    f"'{partner.name}' declares no interests here, but {other.path} "
                    f"says it has some ('{theirs.interests}'): declare them "
                    "here too",
                )
