"""The one front door to briefs: find the files named, read and parse each into the model,
and check it. Build, check, export, pack and the preview all start here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scoper.brief.model import Brief
from scoper.check import CheckContext, check_brief, check_set, final_with_warnings, grade
from scoper.config import Config
from scoper.errors import NoBriefs
from scoper.problems import BriefInvalid, Problem, problem


@dataclass(slots=True)
class FileReport:
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
    from scoper.brief.source import find_briefs

    files = find_briefs(list(paths))
    if not files:
        raise NoBriefs()
    return load_files(files, config, CheckContext.for_config(config, today))


def load_files(paths: Iterable[Path], config: Config, context: CheckContext) -> list[FileReport]:
    """Read, parse and check each file, then check them as a set."""
    from scoper.brief.source import read_brief

    reports = []
    for path in paths:
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
            reports.append(FileReport(path, None, found))
            continue
        except Exception as error:  # a fault in scoper: report it, check the rest
            message = (
                f"the brief could not be read ({type(error).__name__}: {error}); please report this"
            )
            reports.append(
                FileReport(path, None, [problem(str(path), 0, "internal-error", message)])
            )
            continue
        reports.append(FileReport(path, brief, check_brief(brief, context)))
    across = check_set((r.brief for r in reports if r.brief is not None), context)
    for report in reports:
        if report.brief is not None and report.brief.path in across:
            # A final paper that only the set shows a warning in is final with warnings.
            kept = [p for p in report.problems if p.rule != "final-with-warnings"]
            report.problems = final_with_warnings(
                report.brief, kept + across[report.brief.path], context.settings
            )
    return reports
