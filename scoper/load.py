"""The one front door to briefs: find the files named, read and parse each into the model,
and check it. Build, check, export, pack and the preview all start here."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from msgspec import Struct

from scoper.brief.model import Brief
from scoper.check import CheckContext, check_brief, check_set, final_with_warnings, grade
from scoper.check.across import SetEntry
from scoper.config import Config
from scoper.errors import NoBriefs
from scoper.problems import BriefInvalid, Problem, problem


class FileReport(Struct):
    """What became of one brief file."""

    path: Path
    brief: Brief | None
    """The model, when the file could be parsed."""
    problems: list[Problem]
    """Every problem, graded, sorted by line."""

    @property
    def ok(self) -> bool:
        return self.brief is not None and not any(p.severity == "error" for p in self.problems)


def load(paths: Iterable[Path], config: Config, today: dt.date | None = None) -> list[FileReport]:
    """Every brief the paths name (folders give their ``*.md`` files), read, parsed and
    checked. Raises :class:`NoBriefs` when they name none."""
    return load_files(_briefs(paths), config, CheckContext.for_config(config, today))


def check(
    paths: Iterable[Path], config: Config, today: dt.date | None = None
) -> list[tuple[Path, list[Problem]]]:
    """Every problem of every brief the paths name, as :func:`load` finds them, without
    keeping the models (see :func:`check_files`)."""
    return check_files(_briefs(paths), config, CheckContext.for_config(config, today))


def _briefs(paths: Iterable[Path]) -> list[Path]:
    from scoper.brief.source import find_briefs

    files = find_briefs(list(paths))
    if not files:
        raise NoBriefs()
    return files


def load_files(paths: Iterable[Path], config: Config, context: CheckContext) -> list[FileReport]:
    """Read, parse and check each file, then check them as a set."""
    reports = [_report(path, config, context) for path in paths]
    across = check_set((r.brief for r in reports if r.brief is not None), context)
    for report in reports:
        if report.brief is not None and report.brief.path in across:
            # A final paper that only the set shows a warning in is final with warnings.
            report.problems = _with_set_problems(
                report.brief, report.problems, across[report.brief.path], context
            )
    return reports


def check_files(
    paths: list[Path], config: Config, context: CheckContext
) -> list[tuple[Path, list[Problem]]]:
    """Every problem of each file, as :func:`load_files` finds them, for a caller that
    needs the problems only (``scoper check``). Many briefs are read and checked in as
    many processes as there are cores; what the rules across the set need of each brief
    (a :class:`SetEntry`, not the model) comes back to this process, which checks the set."""
    workers = min(os.cpu_count() or 1, len(paths) // _BRIEFS_PER_WORKER)
    if workers < 2 or not hasattr(os, "fork"):
        return [(r.path, r.problems) for r in load_files(paths, config, context)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Small chunks in order: each worker takes the next when it is done, so one slow brief
    # does not hold up a whole share.
    size = max(1, len(paths) // (workers * 4))
    chunks = [paths[start : start + size] for start in range(0, len(paths), size)]
    global _settings
    # The workers are forked after this is set, so they read it without it being sent
    # (a configuration holds read-only mappings, which cannot be).
    _settings = (config, context)
    try:
        context_ = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context_) as pool:
            done = [found for chunk in pool.map(_check_chunk, chunks) for found in chunk]
    finally:
        _settings = None
    across = check_set((entry for _, _, entry in done if entry is not None), context)
    return [
        (path, _with_set_problems(entry, problems, across[entry.path], context))
        if entry is not None and entry.path in across
        else (path, problems)
        for path, problems, entry in done
    ]


_BRIEFS_PER_WORKER = 20
"""Below this many briefs a core, starting the workers costs more than it saves."""


_settings: tuple[Config, CheckContext] | None = None
"""What the workers of :func:`check_files` check with."""


def _check_chunk(paths: list[Path]) -> list[tuple[Path, list[Problem], SetEntry | None]]:
    assert _settings is not None
    from scoper import collect_less

    collect_less()
    config, context = _settings
    found = []
    for path in paths:
        report = _report(path, config, context)
        entry = SetEntry.of(report.brief) if report.brief is not None else None
        found.append((path, report.problems, entry))
    return found


def _with_set_problems(
    brief: Brief | SetEntry, problems: list[Problem], extra: list[Problem], context: CheckContext
) -> list[Problem]:
    kept = [p for p in problems if p.rule != "final-with-warnings"]
    return final_with_warnings(brief, kept + extra, context.settings)


def _report(path: Path, config: Config, context: CheckContext) -> FileReport:
    """Read, parse and check one file."""
    from scoper.brief.source import read_brief

    try:
        brief = read_brief(
            path,
            default_classification=config.default_classification,
            max_bytes=context.max_brief_bytes,
        )
    except BriefInvalid as invalid:
        # The rules still run over what did parse: the writer gets every problem at once.
        found = (
            check_brief(invalid.partial, context)
            if invalid.partial is not None
            else grade(invalid.problems, context.settings)
        )
        return FileReport(path, None, found)
    except Exception as error:  # a fault in scoper: report it, check the rest
        message = (
            f"the brief could not be read ({type(error).__name__}: {error}); please report this"
        )
        return FileReport(path, None, [problem(str(path), 0, "internal-error", message)])
    return FileReport(path, brief, check_brief(brief, context))
