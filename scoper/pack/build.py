"""Building the priorities pack: check the briefs, render what is out of date, assemble the
pack, write everything atomically.

A run that would leave the pack partial writes no pack at all, so the last good one stays.
Outputs are cached by a key of everything they depend on (scoper.pack.cache): with nothing
changed nothing is rendered, and with one brief changed only its paper and the pack are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scoper.build import paper_job
from scoper.check import CheckContext, FileReport, check_files
from scoper.config import Config
from scoper.output import output_path, write_atomic
from scoper.pack.cache import key_of, load_manifest, paper_key, save_manifest, theme_fingerprint
from scoper.pack.model import Pack, PackPaper, Week
from scoper.problems import Problem, problem
from scoper.render.html import BACK_PARTS, render_html, render_pack_html
from scoper.render.theme import Theme, theme_for

if TYPE_CHECKING:
    from scoper.pdf.pool import PdfJob, PdfOutcome, PdfPool


class Progress(Protocol):
    """Told how much there is to render, and each piece as it is done."""

    def start(self, total: int) -> None: ...

    def step(self, message: str) -> None: ...

    def note(self, message: str) -> None: ...


class _Silent:
    def start(self, total: int) -> None:
        pass

    def step(self, message: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass


_DATE_LINE = re.compile(r"^date:\s*['\"]?(\d{4}-\d{2}-\d{2})", re.MULTILINE)


@dataclass(slots=True)
class PackOutcome:
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


def _date_of_broken(path: Path) -> dt.date | None:
    """A broken brief's date, if its front matter shows one, to tell whether it belongs to
    the week; a brief whose date cannot be read counts as belonging."""
    try:
        found = _DATE_LINE.search(path.read_text(encoding="utf-8", errors="replace")[:4000])
        return dt.date.fromisoformat(found[1]) if found else None
    except (OSError, ValueError):
        return None


def chosen_for(report: FileReport, week: Week | None) -> bool:
    """Whether a checked brief belongs in the week's pack (a broken one whose date cannot be
    read does: it must not drop out of sight)."""
    if week is None:
        return True
    day = report.brief.meta.date if report.brief else _date_of_broken(report.path)
    return day is None or day in week


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
) -> PackOutcome:
    issued = today or dt.date.today()
    theme = theme or theme_for(config)
    tell = progress or _Silent()
    run_key = key_of(
        sorted(str(p.resolve()) for p in paths),
        str(week),
        issued,
        keep_going,
        actions_csv,
        repr(config),
        theme_fingerprint(theme),
    )
    manifest = load_manifest(out_dir)
    if (repeated := _repeat_if_unchanged(manifest, run_key, out_dir)) is not None:
        tell.note("the pack is up to date: nothing to render")
        return repeated

    reports = check_files(
        paths, config.default_classification, CheckContext.for_config(config, issued)
    )
    outcome = PackOutcome(reports=reports)
    chosen = [report for report in reports if chosen_for(report, week)]
    _report_clashes(chosen)
    outcome.problems = [found for report in chosen for found in report.problems]
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
    outcome.pack = pack
    timeout = timeout or config.pdf_timeout
    job = _PackJob(pack, config, out_dir, theme, actions_csv, timeout, tell, outcome, manifest)
    try:
        job.run()
    except OSError as error:
        where = getattr(error, "filename", None) or out_dir
        job.report(problem(str(where), 0, "write-failed", f"cannot write: {error.strerror}"))
    except Exception as error:  # a fault in scoper or a broken template: report, no traceback
        message = f"the pack could not be made ({type(error).__name__}: {error})"
        job.report(problem(str(paths[0]), 0, "internal-error", message))
    outcome.problems.sort(key=lambda p: p.sort_key)
    if not any(p.severity == "error" for p in job.run_problems):
        outcome.name, outcome.papers, outcome.excluded = (
            pack.name,
            len(pack.papers),
            len(pack.excluded),
        )
        job.remember_run(run_key, chosen)
    job.save_manifest()
    return outcome


def _report_clashes(reports: list[FileReport]) -> None:
    """Two briefs whose papers would have one file name (a.md in two folders, say): the
    second is an error, as in ``scoper build``, rather than one paper overwriting the other."""
    claimed: dict[str, Path] = {}
    for report in reports:
        if report.brief is None:
            continue
        other = claimed.setdefault(report.brief.slug, report.path)
        if other != report.path:
            report.problems.append(
                problem(
                    report.brief.path,
                    0,
                    "output-clash",
                    f"its papers would be named '{report.brief.slug}', like those of {other}; "
                    "rename one of the files",
                )
            )


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None


def _repeat_if_unchanged(
    manifest: dict[str, Any], run_key: str, out_dir: Path
) -> PackOutcome | None:
    """The last run's result, if this run is the same run over the same bytes and its
    outputs are still there: then nothing is parsed, checked or rendered."""
    last = manifest.get("runs", {}).get(run_key)
    if not last:
        return None
    if any(_digest(Path(path)) != digest for path, digest in last["inputs"].items()):
        return None
    if any(_digest(out_dir / name) != digest for name, digest in last["outputs"].items()):
        return None
    return PackOutcome(
        problems=[Problem(**found) for found in last["problems"]],
        name=last["name"],
        papers=last["papers"],
        excluded=last["excluded"],
    )


class _PackJob:
    """One run of the pack: decides what is stale, renders it, assembles and writes."""

    def __init__(
        self,
        pack: Pack,
        config: Config,
        out_dir: Path,
        theme: Theme,
        actions_csv: bool,
        timeout: float,
        tell: Progress,
        outcome: PackOutcome,
        manifest: dict[str, Any],
    ) -> None:
        self.pack, self.config, self.out_dir, self.theme = pack, config, out_dir, theme
        self.actions_csv, self.timeout, self.tell, self.outcome = (
            actions_csv,
            timeout,
            tell,
            outcome,
        )
        self.manifest = manifest
        self.manifest_as_read = repr(manifest)
        self.run_problems: list[Problem] = []
        """Problems of rendering and writing, as opposed to the briefs' own."""
        self.papers_cache: dict[str, Any] = self.manifest.setdefault("papers", {})
        self.keys = {p.brief.slug: paper_key(p.brief, config, theme) for p in pack.papers}
        self.pool: PdfPool | None = None

    # -- paths and keys ---------------------------------------------------------------------

    def path(self, slug: str, extension: str) -> Path:
        return output_path(self.out_dir, slug, extension)

    def fresh(self, slug: str, extension: str) -> bool:
        """Up to date: made from these inputs, and the file is still the one made then
        (another command may have written over it)."""
        entry = self.papers_cache.get(slug, {})
        return entry.get(extension) == self.keys[slug] and entry.get(
            extension + "-digest"
        ) == _digest(self.path(slug, extension))

    def pack_key(self) -> str:
        excluded = [(str(e.path), [p.format() for p in e.problems]) for e in self.pack.excluded]
        warnings = [[p.format() for p in paper.warnings] for paper in self.pack.papers]
        return key_of(
            [self.keys[p.brief.slug] for p in self.pack.papers],
            warnings,
            excluded,
            str(self.pack.week),
            self.pack.issued,
            repr(self.config),
            theme_fingerprint(self.theme),
        )

    def write(self, target: Path, data: bytes) -> None:
        write_atomic(target, data)
        self.outcome.written.append(target)

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        name = self.pack.name
        targets = [self.path(name, "pdf"), self.path(name, "html")]
        if self.actions_csv:
            targets.append(self.path(name + "-actions", "csv"))
        pack_key = self.pack_key()
        made = self.manifest.get("packs", {}).get(name, {})
        pack_fresh = made.get("key") == pack_key and all(
            made.get("digests", {}).get(t.name) == _digest(t) for t in targets
        )
        stale = [p for p in self.pack.papers if not self.fresh(p.brief.slug, "pdf")]
        if pack_fresh and not stale:
            self.tell.note("the pack is up to date: nothing to render")
            self.write_paper_html()
            return

        from scoper.pdf.pool import PdfPool

        self.tell.start(len(stale) + (0 if pack_fresh else 3))
        with PdfPool(min(os.cpu_count() or 1, len(stale) + 1)) as self.pool:
            back = None if pack_fresh else self.submit(self.part_job("back", {}))
            pending = [(paper, self.submit(self.paper_job(paper))) for paper in stale]
            self.write_paper_html()
            pdfs: dict[str, bytes] = {}
            for paper, future in pending:
                result = future.result()
                self.outcome.rendered += 1
                self.outcome.problems += [
                    problem(paper.brief.path, 0, "pdf-warning", message)
                    for message in result.warnings
                ]
                if result.pdf is None:
                    self.report(
                        problem(
                            paper.brief.path,
                            0,
                            "pdf-failed",
                            f"PDF rendering failed: {result.error}",
                        )
                    )
                    continue
                self.write(self.path(paper.brief.slug, "pdf"), result.pdf)
                pdfs[paper.brief.slug] = result.pdf
                entry = self.papers_cache.setdefault(paper.brief.slug, {})
                entry.update(
                    {
                        "pdf": self.keys[paper.brief.slug],
                        "pdf-digest": hashlib.sha256(result.pdf).hexdigest(),
                        "pages": result.pages,
                    }
                )
                self.tell.step(f"rendered {self.path(paper.brief.slug, 'pdf').name}")
            if self.run_problems:
                return  # no partial pack: the last good one stays
            if back is not None:
                self.assemble(back.result(), pdfs, targets)
                if not self.run_problems:
                    self.manifest.setdefault("packs", {})[name] = {
                        "key": pack_key,
                        "digests": {t.name: _digest(t) for t in targets},
                    }

    def report(self, found: Problem) -> None:
        self.run_problems.append(found)
        self.outcome.problems.append(found)

    def remember_run(self, run_key: str, chosen: list[FileReport]) -> None:
        """What a later run needs to see that nothing has changed (see
        _repeat_if_unchanged): every input's digest, the outputs, and what was reported."""
        from scoper.brief.markdown import is_relative_path
        from scoper.report import problem_dict

        inputs = {str(r.path.resolve()): _digest(r.path) for r in self.outcome.reports}
        for report in chosen:
            if report.brief is None:
                continue
            for image in report.brief.images:
                if is_relative_path(image.src):
                    path = (report.path.parent / image.src).resolve()
                    inputs[str(path)] = _digest(path)
        name = self.pack.name
        outputs = [f"{name}.pdf", f"{name}.html"] + (
            [f"{name}-actions.csv"] if self.actions_csv else []
        )
        for paper in self.pack.papers:
            outputs += [f"{paper.brief.slug}.pdf", f"{paper.brief.slug}.html"]
        if self.config.logo:
            inputs[str(self.config.logo.resolve())] = _digest(self.config.logo)
        self.manifest["runs"] = {
            run_key: {
                "inputs": inputs,
                "outputs": {name: _digest(self.out_dir / name) for name in outputs},
                "problems": [problem_dict(p) for p in self.outcome.problems],
                "name": name,
                "papers": len(self.pack.papers),
                "excluded": len(self.pack.excluded),
            }
        }

    def save_manifest(self) -> None:
        if repr(self.manifest) != self.manifest_as_read:
            save_manifest(self.out_dir, self.manifest)

    def submit(self, job: PdfJob) -> Any:
        assert self.pool is not None
        return self.pool.submit(job, self.timeout)

    def paper_job(self, paper: PackPaper) -> PdfJob:
        return paper_job(paper.brief, self.config, self.theme)

    def part_job(self, part: str, pages: dict[str, int]) -> PdfJob:
        from scoper.pdf.pool import PdfJob

        return PdfJob(
            html=render_pack_html(self.pack, self.config, part=part, pages=pages, theme=self.theme),
            roots=self.theme.roots,
            title=self.pack.title,
            created=self.pack.issued.isoformat(),
            variant=self.config.pdf_variant,
        )

    def write_paper_html(self) -> None:
        for paper in self.pack.papers:
            slug = paper.brief.slug
            if self.fresh(slug, "html"):
                continue
            data = render_html(paper.brief, self.config, target="screen", theme=self.theme)
            self.write(self.path(slug, "html"), data.encode("utf-8"))
            entry = self.papers_cache.setdefault(slug, {})
            entry.update(
                {"html": self.keys[slug], "html-digest": hashlib.sha256(data.encode()).hexdigest()}
            )

    def page_numbers(self, front_pages: int, back_anchors: dict[str, int]) -> dict[str, int]:
        """The 1-based page of the pack PDF on which each paper and closing part starts."""
        pages: dict[str, int] = {}
        next_page = front_pages + 1
        for paper in self.pack.papers:
            pages[paper.anchor] = paper.first_page = next_page
            next_page += self.papers_cache[paper.brief.slug]["pages"]
        for anchor, _ in BACK_PARTS:
            pages[anchor] = next_page + back_anchors.get(anchor, 0)
        return pages

    def assemble(self, back: PdfOutcome, fresh_pdfs: dict[str, bytes], targets: list[Path]) -> None:
        from scoper.pack.assemble import Part, merge

        if back.pdf is None:
            self.report(
                problem(str(targets[0]), 0, "pdf-failed", f"the pack's closing parts: {back.error}")
            )
            return
        # The contents give page numbers, and the front's own length moves them all: lay it
        # out with the last run's length, and again if it came out longer or shorter.
        front_pages = self.manifest.get("front-pages", 2)
        for _ in range(3):
            pages = self.page_numbers(front_pages, back.anchors)
            front = self.submit(self.part_job("front", pages)).result()
            if front.pdf is None:
                self.report(
                    problem(str(targets[0]), 0, "pdf-failed", f"the pack's cover: {front.error}")
                )
                return
            if front.pages == front_pages:
                break
            front_pages = front.pages
        self.manifest["front-pages"] = front_pages
        self.tell.step("rendered the pack's closing parts and cover")
        parts = [Part(front.pdf, "part-cover", {})]
        for paper in self.pack.papers:
            slug = paper.brief.slug
            data = fresh_pdfs.get(slug) or self.path(slug, "pdf").read_bytes()
            parts.append(Part(data, paper.anchor, {}))
        parts.append(Part(back.pdf, "part-back", back.anchors))
        pdf = merge(
            parts,
            self.pack.title,
        )
        html = render_pack_html(self.pack, self.config, part="all", pages=pages, theme=self.theme)
        csv_data = self.tracker_csv() if self.actions_csv else None
        self.write(targets[0], pdf)
        self.write(targets[1], html.encode("utf-8"))
        if csv_data is not None:
            self.write(targets[2], csv_data)
        self.outcome.rendered += 2
        self.tell.step(f"assembled {targets[0].name}")

    def tracker_csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["paper_ref", "paper_title", "action", "owner", "due", "lever", "status", "overdue"]
        )
        for row in self.pack.tracker:
            action = row.action
            writer.writerow(
                [
                    row.paper.brief.meta.ref,
                    row.paper.brief.meta.title,
                    action.text,
                    action.owner or "",
                    action.due.isoformat() if action.due else "",
                    action.lever or "",
                    action.status,
                    "yes" if row.overdue else "no",
                ]
            )
        # A byte-order mark, so that Excel reads the file as UTF-8.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
