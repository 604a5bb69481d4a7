"""Building the priorities pack: check the briefs, choose the week's, and have what is out
of date rendered (scoper.pack.job), remembering what was made (scoper.pack.cache).

Outputs are cached by a key of everything they depend on: with nothing changed nothing is
parsed or rendered, and with one brief changed only its paper and the pack are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from msgspec import Struct, field

from scoper.check import CheckContext
from scoper.config import Config
from scoper.load import FileReport, load_files
from scoper.output import PinnedFolder
from scoper.pack.cache import MANIFEST, Keys, Manifest
from scoper.pack.files import RunFiles
from scoper.pack.job import PackJob, Progress, Silent
from scoper.pack.model import Pack, Week, pack_name
from scoper.pack.select import chosen_for, report_clashes
from scoper.problems import Problem, problem
from scoper.render.theme import Theme, theme_for

if TYPE_CHECKING:
    from scoper.pack.snapshot import Snapshot

__all__ = ["PackOutcome", "Progress", "build_pack"]


class PackOutcome(Struct):
    problems: list[Problem] = field(default_factory=list)
    """Everything to report: the chosen briefs' problems and the run's own, sorted."""
    name: str | None = None
    """The pack's file-name stem, when a pack was written or is up to date."""
    papers: int = 0
    excluded: int = 0
    written: list[Path] = field(default_factory=list)
    rendered: int = 0
    """How many PDFs were laid out (0 when everything was up to date)."""
    pack: Pack | None = None
    """The pack's model (None when the last run's result was reused)."""
    reports: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.name is not None
            and self.excluded == 0
            and not any(p.severity == "error" for p in self.problems)
        )


def build_pack(
    paths: list[Path],
    config: Config,
    out_dir: Path,
    *,
    week: Week | None = None,
    today: dt.date | None = None,
    keep_going: bool = False,
    actions_csv: bool = False,
    timeout: float | None = None,
    theme: Theme | None = None,
    progress: Progress | None = None,
    public: bool = False,
    since: Path | None = None,
) -> PackOutcome:
    issued = today or dt.date.today()
    if public:
        # Its own folder: the public papers and their cache never meet the full ones.
        out_dir = out_dir / "public"
        refused = "not a folder of its own (a link, or a file): the public pack goes only there"
        if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
            # A link planted there would have the public pack written (and its papers
            # replaced, its snapshot read) wherever it points.
            return PackOutcome(problems=[problem(str(out_dir), 0, "write-failed", refused)])
    made = [f for f in (out_dir.parent, out_dir) if not os.path.lexists(f)]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = f"cannot write: {error.strerror}"
        return PackOutcome(problems=[problem(str(out_dir), 0, "write-failed", message)])
    # From here on the folder is reached through itself, not its name: a link swapped in
    # for OUTPUT/public (or the output folder) while the pack is made is not followed.
    folder = PinnedFolder(out_dir)
    if public and not folder.opened:
        return PackOutcome(problems=[problem(str(out_dir), 0, "write-failed", refused)])
    outcome = _build_pack(
        paths,
        config,
        folder.path,
        week=week,
        issued=issued,
        keep_going=keep_going,
        actions_csv=actions_csv,
        timeout=timeout,
        theme=theme,
        progress=progress,
        public=public,
        since=since,
    )
    for empty in reversed(made):
        # A pack that stopped before writing anything leaves no folder behind.
        with contextlib.suppress(OSError):
            empty.rmdir()
    return _shown(outcome, folder)


def _shown(outcome: PackOutcome, folder: PinnedFolder) -> PackOutcome:
    """The outcome with the output folder's own name in its paths and messages."""
    outcome.problems = [
        msgspec.structs.replace(
            found, path=folder.shown(found.path), message=folder.shown(found.message)
        )
        for found in outcome.problems
    ]
    outcome.written = [Path(folder.shown(str(path))) for path in outcome.written]
    return outcome


def _build_pack(
    paths: list[Path],
    config: Config,
    out_dir: Path,
    *,
    week: Week | None,
    issued: dt.date,
    keep_going: bool,
    actions_csv: bool,
    timeout: float | None,
    theme: Theme | None,
    progress: Progress | None,
    public: bool,
    since: Path | None,
) -> PackOutcome:
    from scoper.pack.snapshot import MAX_BYTES, SnapshotError, period_of

    theme = theme or theme_for(config)
    tell = progress or Silent()
    keys = Keys(config, theme, RunFiles(), public=public)
    try:
        baseline, baseline_path, notes = _baseline(out_dir, period_of(week, issued), public, since)
    except SnapshotError as error:
        message = f"--since: not a snapshot this pack can compare with: {error}"
        return PackOutcome(problems=[problem(str(since), 0, "bad-snapshot", message, "error")])
    baseline_digest = keys.files.digest(baseline_path, MAX_BYTES) if baseline_path else None
    run_key = keys.run(paths, str(week), issued, keep_going, actions_csv, baseline_digest)
    manifest = Manifest.load(out_dir, keys.kind)
    try:
        manifest.remove_foreign(out_dir)
    except OSError as error:
        return PackOutcome(
            problems=[problem(str(out_dir), 0, "write-failed", f"cannot write: {error.strerror}")]
        )
    if (last := manifest.repeat(run_key, keys, paths, out_dir)) is not None:
        tell.note("the pack is up to date: nothing to render")
        return PackOutcome(
            # The snapshot folder's warnings are this run's own: the folder may have
            # changed since, without changing what the pack is made from.
            problems=sorted(
                [Problem(**found) for found in last["problems"] if found["rule"] != "bad-snapshot"]
                + notes,
                key=lambda p: p.sort_key,
            ),
            name=last["name"],
            papers=last["papers"],
            excluded=last["excluded"],
        )

    from scoper.pdf.pool import PdfPool

    # Started before the briefs are read, so that the workers load the renderer meanwhile.
    workers = min(os.cpu_count() or 1, len(paths) + 2)
    with PdfPool(workers, papers=len(paths) + 3) as pool:
        reports = load_files(paths, config, CheckContext.for_config(config, issued))
        for report in reports:
            if report.brief is not None and report.brief.source:
                keys.files.read_as(report.path, report.brief.source)
        if public:
            reports, refused = _public_reports(reports, config)
            notes += refused
        outcome = PackOutcome(reports=reports)
        chosen = [report for report in reports if chosen_for(report, week)]
        report_clashes(chosen, pack_name(week))
        outcome.problems = [found for report in chosen for found in report.problems] + notes
        good = [report for report in chosen if report.ok]
        bad = [report for report in chosen if not report.ok]
        if not good and not (bad and not keep_going):
            where = f"dated in {week}" if week else "without errors"
            outcome.problems.append(problem(str(out_dir), 0, "empty-pack", f"no briefs {where}"))
        if not good or (bad and not keep_going):
            outcome.problems.sort(key=lambda p: p.sort_key)
            return outcome

        pack = Pack.of(
            config.pack_title,
            issued,
            week,
            [(r.brief, r.problems) for r in good if r.brief is not None],
            [(r.path, r.problems) for r in bad],
        )
        pack.public = public
        if baseline is not None:
            from scoper.pack.changes import compare
            from scoper.pack.snapshot import snapshot_of

            pack.changes = compare(baseline, snapshot_of(pack, public))
        outcome.pack = pack
        timeout = timeout or config.pdf_timeout
        job = PackJob(
            pack,
            config,
            out_dir,
            theme,
            keys,
            manifest,
            actions_csv=actions_csv,
            timeout=timeout,
            tell=tell,
            pool=pool,
        )
        try:
            job.run()
        except OSError as error:
            failed_file: object = getattr(error, "filename", None) or out_dir
            job.report(
                problem(str(failed_file), 0, "write-failed", f"cannot write: {error.strerror}")
            )
        except Exception as error:  # a fault in scoper or a broken template: report, no traceback
            message = f"the pack could not be made ({type(error).__name__}: {error})"
            job.report(problem(str(paths[0]), 0, "internal-error", message))
        outcome.written, outcome.rendered = job.written, job.rendered
        outcome.problems += job.warnings + job.problems
        if not any(p.severity == "error" for p in job.problems):
            outcome.name, outcome.papers, outcome.excluded = (
                pack.name,
                len(pack.papers),
                len(pack.excluded),
            )
            if not pack.excluded:
                # A run that left briefs out is not remembered: the manifest, in the output
                # folder, would keep their problems' messages, which may quote them.
                manifest.remember_run(
                    run_key,
                    keys,
                    [r.path for r in reports],
                    [image for r in good if r.brief for image in keys.images(r.brief)],
                    {name: keys.files.digest(out_dir / name, None) for name in job.outputs},
                    outcome.problems,
                    (pack.name, len(pack.papers), len(pack.excluded)),
                )
        try:
            manifest.save(out_dir)
        except OSError as error:
            message = f"cannot write the cache manifest: {error.strerror}"
            outcome.problems.append(problem(str(out_dir / MANIFEST), 0, "write-failed", message))
        outcome.problems.sort(key=lambda p: p.sort_key)
        return outcome


def _baseline(
    out_dir: Path, period: dt.date, public: bool, since: Path | None
) -> tuple[Snapshot | None, Path | None, list[Problem]]:
    """The snapshot to compare with (``since``, else the latest earlier one in the output
    folder), and a warning for each snapshot file in the folder that could not be read."""
    from scoper.pack.snapshot import find_baseline, given_baseline

    if since is not None:
        return given_baseline(since, public), since, []
    found = find_baseline(out_dir, period, public)
    notes = [
        problem(str(path), 0, "bad-snapshot", f"ignored, not compared with: {why}")
        for path, why in found.skipped
    ]
    return found.snapshot, found.path, notes


def _public_reports(
    reports: list[FileReport], config: Config
) -> tuple[list[FileReport], list[Problem]]:
    """The public versions of the good briefs (with no problems: their messages may quote
    what is withheld), and a note for each brief that may not be published, left out."""
    from scoper.brief.public import PublicRefused, public_brief

    kept: list[FileReport] = []
    notes: list[Problem] = []
    for report in reports:
        if not report.ok or report.brief is None:
            kept.append(report)
            continue
        try:
            public = public_brief(report.brief, config.public_marking)
        except PublicRefused as refused:
            notes.append(
                problem(
                    str(report.path),
                    refused.line,
                    "public-refused",
                    f"left out of the public pack: {refused.reason}",
                    severity="warning",
                )
            )
            continue
        kept.append(FileReport(report.path, public, []))
    return kept, notes
