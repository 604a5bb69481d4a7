"""The pack's snapshot: what a pack contained, as JSON beside its PDF, so that next week's
pack can say what changed (scoper.pack.changes). The format is in docs/snapshot.md.

A snapshot in the output folder is read as untrusted input: hand-edited, truncated or of
another version, it is refused with a message saying why, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from msgspec import Struct, field

from scoper.brief.model import CLASSIFICATIONS, Brief
from scoper.pack.model import Pack, Week

FORMAT = "scoper-pack-snapshot"
VERSION = 1
SUFFIX = ".snapshot.json"
MAX_BYTES = 20_000_000
"""A larger file is not read: forty papers make well under a megabyte."""


class SnapshotError(ValueError):
    """A file that is not a snapshot this scoper can read; the message says why."""


class ActionShot(Struct, frozen=True):
    text: str
    owner: str
    due: str
    """ISO date, or "" for none."""
    status: str

    @property
    def due_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.due) if self.due else None


class PartnerShot(Struct, frozen=True):
    name: str
    sector: str
    commitment: str
    """"" when not stated."""


class PaperShot(Struct, frozen=True):
    ref: str
    title: str
    status: str
    classification: str
    priority: int
    summary: str
    recommendation: str
    actions: list[ActionShot] = field(default_factory=list)
    partners: list[PartnerShot] = field(default_factory=list)


class Snapshot(Struct, frozen=True):
    pack: str
    """The pack's file-name stem."""
    week: str | None
    issued: dt.date
    public: bool
    marking: str
    papers: list[PaperShot]
    superseded: list[PaperShot]
    """Papers of the week left out as superseded: ref, title and marking only."""

    @property
    def period(self) -> dt.date:
        """What "earlier" is judged by: the week's Monday, or the date of issue."""
        return Week.parse(self.week).monday if self.week else self.issued

    @property
    def label(self) -> str:
        """How the changes page names it: "week 47 (issued 21 November 2026)"."""
        issued = f"{self.issued.day} {self.issued:%B %Y}"
        if self.week:
            week = Week.parse(self.week)
            return f"week {week.number} of {week.year} (issued {issued})"
        return issued

    def to_json(self) -> bytes:
        data = {"format": FORMAT, "version": VERSION, **msgspec.to_builtins(self)}
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def file_name(pack: Pack) -> str:
    """A week's pack keeps one snapshot (a rebuild in the week replaces it); a pack of
    every brief keeps one a day."""
    stem = pack.name if pack.week else f"{pack.name}-{pack.issued.isoformat()}"
    return stem + SUFFIX


def _paper(brief: Brief) -> PaperShot:
    recommendation = brief.section("recommendation")
    return PaperShot(
        ref=brief.meta.ref,
        title=brief.meta.title,
        status=brief.meta.status,
        classification=brief.meta.classification,
        priority=brief.meta.priority,
        summary=" ".join(brief.summary_text.split()),
        recommendation=" ".join(recommendation.text.split()) if recommendation else "",
        actions=[
            ActionShot(
                " ".join(a.text.split()),
                " ".join((a.owner or "").split()),
                a.due.isoformat() if a.due else "",
                a.status,
            )
            for a in brief.actions
        ],
        partners=[PartnerShot(p.name, p.sector, p.commitment or "") for p in brief.partners],
    )


def snapshot_of(pack: Pack, public: bool) -> Snapshot:
    return Snapshot(
        pack=pack.name,
        week=str(pack.week) if pack.week else None,
        issued=pack.issued,
        public=public,
        marking=pack.classification,
        papers=[_paper(paper.brief) for paper in pack.papers],
        superseded=[
            PaperShot(b.meta.ref, b.meta.title, b.meta.status, b.meta.classification, 0, "", "")
            for b in pack.superseded
        ],
    )


# -- reading ---------------------------------------------------------------------------------


MAX_TEXT = 20_000
"""The longest text a snapshot may hold in one field (characters): a summary of 3,000 words
is well under it. Longer, it is no snapshot scoper wrote, and laying out or comparing it
could take minutes outside the renderer's limits."""

_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters and lone surrogates: never in text a brief may hold (scoper.brief
refuses them), so never in a snapshot it wrote."""


def _check(value: object, kind: type | tuple[type, ...], where: str) -> Any:
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise SnapshotError(f"{where} should be {names}")
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise SnapshotError(f"{where} is longer than any text a paper holds")
        if _UNWRITABLE.search(value):
            raise SnapshotError(f"{where} holds a control character")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**9:
        raise SnapshotError(f"{where} is out of range")
    return value


def _record(value: object, where: str, fields: dict[str, type]) -> dict[str, Any]:
    record = _check(value, dict, where)
    for name, kind in fields.items():
        if name not in record:
            raise SnapshotError(f"{where} has no '{name}'")
        _check(record[name], kind, f"{where}.{name}")
    return record


def _list(value: object, where: str, each: Callable[[object, str], Any]) -> list[Any]:
    items = _check(value, list, where)
    return [each(item, f"{where}[{n}]") for n, item in enumerate(items)]


def _date(value: str, where: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise SnapshotError(f"{where} is not a date written YYYY-MM-DD") from None
    return value


def _action(value: object, where: str) -> ActionShot:
    record = _record(value, where, {"text": str, "owner": str, "due": str, "status": str})
    if record["due"]:
        _date(record["due"], f"{where}.due")
    return ActionShot(record["text"], record["owner"], record["due"], record["status"])


def _partner(value: object, where: str) -> PartnerShot:
    record = _record(value, where, {"name": str, "sector": str, "commitment": str})
    return PartnerShot(record["name"], record["sector"], record["commitment"])


_PAPER_FIELDS: dict[str, type] = {
    "ref": str,
    "title": str,
    "status": str,
    "classification": str,
    "priority": int,
    "summary": str,
    "recommendation": str,
    "actions": list,
    "partners": list,
}


def _paper_shot(value: object, where: str) -> PaperShot:
    record = _record(value, where, _PAPER_FIELDS)
    return PaperShot(
        record["ref"],
        record["title"],
        record["status"],
        record["classification"],
        record["priority"],
        record["summary"],
        record["recommendation"],
        _list(record["actions"], f"{where}.actions", _action),
        _list(record["partners"], f"{where}.partners", _partner),
    )


MAX_NODES = 100_000
"""The most values a snapshot may hold: 200 papers with their actions and partners are
about 25,000."""
MAX_TOTAL_TEXT = 2_000_000
"""The most characters of text in all: 200 papers are about 1.2 million."""


def _within_budget(value: object) -> None:
    """Refuse a snapshot larger in all than any pack makes, however small each part: the
    changes page lays out what it holds, outside any one paper's limits."""
    nodes, text, stack = 0, 0, [value]
    while stack:
        found = stack.pop()
        nodes += 1
        if isinstance(found, str):
            text += len(found)
        elif isinstance(found, dict):
            stack += found.values()
            text += sum(len(key) for key in found)
        elif isinstance(found, list):
            stack += found
        if nodes > MAX_NODES or text > MAX_TOTAL_TEXT:
            raise SnapshotError("it holds more than any pack's snapshot")


def parse_snapshot(data: bytes) -> Snapshot:
    """A snapshot from its JSON; SnapshotError saying what is wrong otherwise."""
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SnapshotError("it is not UTF-8 text") from None
    except ValueError as error:  # (an integer of thousands of digits, say)
        if not isinstance(error, json.JSONDecodeError):
            raise SnapshotError("it holds a number out of range") from None
        raise SnapshotError(f"it is not valid JSON (line {error.lineno}: {error.msg})") from None
    except json.JSONDecodeError as error:
        raise SnapshotError(f"it is not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise SnapshotError("it is nested too deeply to be a snapshot") from None
    _within_budget(value)
    record = _check(value, dict, "the file")
    if record.get("format") != FORMAT:
        raise SnapshotError(f'it is not a pack snapshot (no "format": "{FORMAT}")')
    version = record.get("version")
    if version != VERSION:
        raise SnapshotError(f"it is of version {version!r}; this scoper reads version {VERSION}")
    _record(
        record,
        "the snapshot",
        {"pack": str, "issued": str, "public": bool, "marking": str, "papers": list},
    )
    week = record.get("week")
    if week is not None:
        try:
            Week.parse(_check(week, str, "week"))
        except ValueError as error:
            raise SnapshotError(f"its week: {error}") from None
    issued = dt.date.fromisoformat(_date(record["issued"], "issued"))
    return Snapshot(
        pack=record["pack"],
        week=week,
        issued=issued,
        public=record["public"],
        marking=record["marking"],
        papers=_list(record["papers"], "papers", _paper_shot),
        superseded=_list(record.get("superseded", []), "superseded", _paper_shot),
    )


def _public_holds_only_public(shot: Snapshot) -> None:
    """A snapshot that says it is public must look it: a public pack's papers carry the
    public marking, never a classification. (A full snapshot edited to say "public" must
    not bring its text into a public pack.)"""
    if not shot.public:
        return
    marked = [
        p.ref for p in (*shot.papers, *shot.superseded) if p.classification in CLASSIFICATIONS
    ]
    if shot.marking in CLASSIFICATIONS or marked:
        raise SnapshotError(
            "it says it is a public pack's but holds papers under a classification "
            f"({', '.join(marked[:3]) or shot.marking})"
        )


def read_snapshot(path: Path, *, follow: bool = True) -> Snapshot:
    """The snapshot in ``path``. ``follow=False`` for one found in the output folder: a
    link planted there could show another team's papers on this pack's changes page."""
    from scoper.pack.files import read_limited

    data = read_limited(path, MAX_BYTES, follow)
    if data is None:
        raise SnapshotError(
            "it cannot be read (not a regular file, a link in the output folder, missing, "
            f"or over {MAX_BYTES // 1_000_000} MB)"
        )
    shot = parse_snapshot(data)
    _public_holds_only_public(shot)
    return shot


MAX_CANDIDATES = 200
"""At most this many snapshot files are looked at, newest first."""


class Baseline(Struct, frozen=True):
    """The snapshot a pack compares with, and what was wrong with the others."""

    snapshot: Snapshot | None
    path: Path | None
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    """Snapshot files not read as snapshots, each with why: warnings for the run."""


def period_of(week: Week | None, issued: dt.date) -> dt.date:
    """A pack's place in time, as snapshots are ordered: its week's Monday, or for a pack
    of every brief its date of issue."""
    return week.monday if week else issued


def find_baseline(out_dir: Path, period: dt.date, public: bool) -> Baseline:
    """The latest snapshot in the output folder earlier than this pack (an earlier week, or
    for a pack of every brief an earlier date of issue), of the same kind: a public pack
    compares only with public snapshots, a full one only with full ones."""
    try:
        found = [p for p in out_dir.glob("*" + SUFFIX) if not p.name.startswith(".")]
        found.sort(key=lambda p: p.lstat().st_mtime, reverse=True)
    except OSError:
        return Baseline(None, None)
    best: tuple[Snapshot, Path] | None = None
    skipped: list[tuple[Path, str]] = []
    for path in found[:MAX_CANDIDATES]:
        try:
            shot = read_snapshot(path, follow=False)
        except SnapshotError as error:
            skipped.append((path, str(error)))
            continue
        if shot.public != public or shot.period >= period:
            continue
        if best is None or (shot.period, shot.issued) > (best[0].period, best[0].issued):
            best = (shot, path)
    return Baseline(best[0] if best else None, best[1] if best else None, skipped)


def given_baseline(path: Path, public: bool) -> Snapshot:
    """The snapshot named with ``--since``: SnapshotError if it is not one this pack may
    compare with."""
    shot = read_snapshot(path)
    if shot.public != public:
        kind = "a public pack's" if shot.public else "a full (not public) pack's"
        raise SnapshotError(
            f"it is {kind} snapshot; a {'public' if public else 'full'} pack compares only "
            f"with {'public' if public else 'full'} ones"
        )
    return shot
