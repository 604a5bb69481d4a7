"""The briefs of the preview's folder, each read and checked once per version of its file.

Every page starts from the listing, so it must be cheap: a brief is read and checked again
only when its file's stat (modification time, size, inode) changes, or when something every
brief depends on does (the config, the day, a theme or image change the watcher reports).
One lock serialises the work, so that many requests at once wait for one check of a brief
rather than each making its own.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from msgspec import Struct

from scoper.check import CheckContext
from scoper.config import Config
from scoper.load import FileReport
from scoper.problems import problem


class Entry(Struct, frozen=True):
    """One brief file of the folder, as the preview shows it."""

    path: Path
    slug: str
    """The name of its page (/paper/SLUG), made from the file name."""
    report: FileReport
    """Its check, including the problems only the set of briefs shows."""
    changed: dt.datetime
    """When the file was last modified."""
    clash: bool = False
    """Another file of the folder already has this slug: it has no page of its own."""


class _Checked(Struct, frozen=True):
    stat: tuple[int, ...]
    report: FileReport
    changed: dt.datetime


class Briefs:
    """The folder's briefs, checked, with the last check of each file kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._checked: dict[Path, _Checked] = {}
        self._context: object = None
        self.reads = 0
        """Briefs read and checked so far (for tests and benchmarks)."""

    def entries(self, config: Config, generation: int = 0) -> list[Entry]:
        """Every brief file, in file-name order, checked as ``scoper check`` would check them
        together; a second file whose pages would have the same name is an output clash, as
        in ``scoper build``."""
        from scoper.brief.source import brief_slug, find_briefs
        from scoper.check import check_set

        today = dt.date.today()
        context = CheckContext.for_config(config, today)
        with self._lock:
            key = (repr(config), today, generation)
            if key != self._context:
                self._checked.clear()
                self._context = key
            kept: dict[Path, _Checked] = {}
            for path in find_briefs([self.folder]):
                checked = self._check(path, config, context)
                if checked is not None:
                    kept[path] = checked
            self._checked = kept  # files that are gone are forgotten
        across = check_set((c.report.brief for c in kept.values() if c.report.brief), context)
        claimed: dict[str, Path] = {}
        entries = []
        for path, checked in kept.items():
            report = checked.report
            problems = list(report.problems)
            if report.brief is not None:
                problems += across.get(report.brief.path, [])
            slug = brief_slug(path)
            other = claimed.setdefault(slug, path)
            if other != path:
                problems.append(
                    problem(
                        os.fspath(path),
                        0,
                        "output-clash",
                        f"its papers would be named '{slug}', like those of {other}; "
                        "rename one of the files",
                    )
                )
            problems.sort(key=lambda p: p.sort_key)
            entries.append(
                Entry(
                    path,
                    slug,
                    FileReport(path, report.brief, problems),
                    checked.changed,
                    clash=other != path,
                )
            )
        return entries

    def _check(self, path: Path, config: Config, context: CheckContext) -> _Checked | None:
        from scoper.load import load_files

        try:
            info = path.stat()
        except OSError:  # deleted, or a broken link, since the folder was listed
            return None
        stat = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
        known = self._checked.get(path)
        if known is not None and known.stat == stat:
            return known
        self.reads += 1
        [report] = load_files([path], config, context)
        changed = dt.datetime.fromtimestamp(info.st_mtime)
        return _Checked(stat, report, changed)
