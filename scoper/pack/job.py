"""One run of the pack's rendering: decide what is stale, lay it out in worker processes,
reuse the rest, assemble the pack and write every file atomically.

A run that would leave the pack partial writes no pack at all, so the last good one stays.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scoper.brief.xref import links_of, paper_links
from scoper.build import paper_job
from scoper.config import Config
from scoper.output import output_path, write_atomic
from scoper.pack.cache import Keys, Manifest
from scoper.pack.files import digest_of
from scoper.pack.model import BACK_PARTS, ClosingPiece, Pack, PackPaper, PackPart
from scoper.pack.parts import PartCache, part_key
from scoper.problems import Problem, problem
from scoper.render.html import render_html, render_pack_html
from scoper.render.theme import Theme

if TYPE_CHECKING:
    from scoper.pdf.pool import PdfJob, PdfOutcome, PdfPool


PART_TIME = 3
"""How many times a paper's time limit the pack's front and back may take, at least."""
PAPERS_PER_PART_TIME = 10
"""And one paper's time limit more for every this many papers: the back of a 200-paper pack
holds 2,000 rows of actions, and its fair time grows with the pack."""


class Progress(Protocol):
    """Told how much there is to render, and each piece as it is done."""

    def start(self, total: int) -> None: ...

    def step(self, message: str) -> None: ...

    def note(self, message: str) -> None: ...


class Silent:
    def start(self, total: int) -> None:
        pass

    def step(self, message: str) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class PackJob:
    """Renders and writes one pack, given what the manifest says is already made."""

    def __init__(
        self,
        pack: Pack,
        config: Config,
        out_dir: Path,
        theme: Theme,
        keys: Keys,
        manifest: Manifest,
        *,
        actions_csv: bool,
        timeout: float,
        tell: Progress,
        pool: PdfPool,
    ) -> None:
        self.pack, self.config, self.out_dir, self.theme = pack, config, out_dir, theme
        self.keys, self.manifest, self.files = keys, manifest, keys.files
        self.actions_csv, self.timeout, self.tell = actions_csv, timeout, tell
        self.problems: list[Problem] = []
        """Problems of rendering and writing, as opposed to the briefs' own."""
        self.warnings: list[Problem] = []
        """The PDF renderer's warnings."""
        self.written: list[Path] = []
        self.rendered = 0
        """How many PDFs were laid out."""
        # A paper's ref: links go to the other papers' files beside it (in the pack PDF,
        # to their first pages: scoper.pack.assemble); a paper outside the pack is a ref.
        briefs = [p.brief for p in pack.papers]
        self.links_html, self.links_pdf = paper_links(briefs, ".html"), paper_links(briefs, ".pdf")
        self.paper_keys = {
            p.brief.slug: keys.paper(p.brief, links_of(p.brief, self.links_pdf))
            for p in pack.papers
        }
        self.pool = pool
        """Renderer workers, started by the caller before the briefs were read."""
        self.parts = PartCache(out_dir)
        self.laid_out: list[tuple[str, Future[PdfOutcome]]] = []
        """The parts laid out in this run, to be kept once the pack is made."""
        self.front_estimate: list[Future[PdfOutcome]] = []
        """The front and contents laid out early with rough page numbers, to learn their
        length (laid out only: their PDFs are not written)."""
        self.lengths: dict[str, int] = {}
        """How many pages each paper laid out in this run has, as its renderer counted."""

    # -- names and freshness --------------------------------------------------------------------

    def path(self, slug: str, extension: str) -> Path:
        return output_path(self.out_dir, slug, extension)

    @property
    def targets(self) -> list[Path]:
        """The pack's own files: PDF, HTML and, if asked for, the tracker's CSV."""
        name = self.pack.name
        targets = [self.path(name, "pdf"), self.path(name, "html")]
        if self.actions_csv:
            targets.append(self.path(name + "-actions", "csv"))
        # The snapshot next week's pack compares with (scoper.pack.snapshot), always last.
        from scoper.pack.snapshot import file_name

        targets.append(self.out_dir / file_name(self.pack))
        return targets

    @property
    def outputs(self) -> list[str]:
        """The names of every file this run leaves in the output folder."""
        names = [target.name for target in self.targets]
        for paper in self.pack.papers:
            names += [f"{paper.brief.slug}.pdf", f"{paper.brief.slug}.html"]
        return names

    def fresh(self, slug: str, extension: str) -> bool:
        """Made from these inputs, and still the file made then."""
        path = self.path(slug, extension)
        if extension == "pdf":
            self.files.data(path)  # kept in memory once read: the pack reuses its pages
        digest = self.files.digest(path, None)
        fresh = self.manifest.fresh(slug, extension, self.paper_keys[slug], digest)
        if not fresh:
            # Not the paper made last time (stale, or planted): its bytes are not kept, so
            # that many large files in the folder never add up in memory.
            self.files.forget(path)
        return fresh

    def pack_key(self) -> str:
        excluded = [(str(e.path), [p.format() for p in e.problems]) for e in self.pack.excluded]
        warnings = [[p.format() for p in paper.warnings] for paper in self.pack.papers]
        superseded = [(b.meta.ref, b.meta.title) for b in self.pack.superseded]
        changes = repr(self.pack.changes)  # plain Structs: their repr is their value
        shown = (warnings, excluded, superseded, str(self.pack.week), self.pack.issued, changes)
        return self.keys.pack([self.paper_keys[p.brief.slug] for p in self.pack.papers], shown)

    def write(self, target: Path, data: bytes, *, keep: bool = True) -> None:
        """Write ``target``; ``keep``: its bytes stay known for the rest of the run (a
        paper's PDF, for the pack), else only its digest."""
        write_atomic(target, data)
        self.files.wrote(target, data)
        if not keep:
            self.files.forget(target)
        self.written.append(target)

    def report(self, found: Problem) -> None:
        self.problems.append(found)

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> None:
        targets = self.targets
        pack_key = self.pack_key()
        pack_fresh = self.manifest.pack_fresh(
            self.pack.name, pack_key, {t.name: self.files.digest(t, None) for t in targets}
        )
        stale = [p for p in self.pack.papers if not self.fresh(p.brief.slug, "pdf")]
        if pack_fresh and not stale:
            self.tell.note("the pack is up to date: nothing to render")
            self.write_paper_html()
            return

        self.tell.start(len(stale) + (0 if pack_fresh else 3))
        # The closing parts are the longest jobs: handed out first, each to the next free
        # worker, and the papers after them longest first, so that no worker is left with
        # one long job at the end while the other waits.
        back = None
        if not pack_fresh:
            pieces = self.pack.closing_pieces(self.config.owners)
            back = [(piece, self.part(self.piece_job(piece))) for piece in pieces]
        # When most papers are new, the last run's length of the front is no guide:
        # the front is laid out once now, beside the papers, to learn its length, so
        # that it is laid out only once more, with the real page numbers, at the end.
        if back is not None and 2 * len(stale) > len(self.pack.papers):
            from msgspec.structs import replace

            self.front_estimate = [
                self.submit(replace(job, length_only=True), part=True)
                for _, job in self.front_jobs(self.rough_pages())
            ]
        jobs = sorted(((p, self.paper_job(p)) for p in stale), key=lambda pj: -len(pj[1].html))
        pending = {self.submit(job): paper for paper, job in jobs}
        # The pool holds each job until it is laid out; the pack's assembly, at the end,
        # needs the memory of their HTML (200 papers: 30 MB) more than this list does.
        del jobs
        self.write_paper_html()
        from concurrent.futures import as_completed

        # Reported as each is done (the longest went first, so file order would say
        # nothing for seconds).
        for future in as_completed(pending):
            self.paper_done(pending[future], future.result())
        if self.problems:
            return  # no partial pack: the last good one stays
        if back is not None:
            self.assemble([(piece, future.result()) for piece, future in back], targets)
            if not self.problems:
                digests = {t.name: self.files.digest(t, None) for t in targets}
                self.manifest.pack_made(self.pack.name, pack_key, digests)
                self.keep_parts()

    def release_workers(self) -> None:
        """Every layout of the run is done: the renderer processes may stop."""
        if self.pool is not None:
            self.pool.release()

    def keep_parts(self) -> None:
        for key, future in self.laid_out:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.parts.save(key, future.result())
        self.parts.prune()

    def paper_done(self, paper: PackPaper, result: PdfOutcome) -> None:
        self.rendered += 1
        self.warnings += [
            problem(paper.brief.path, 0, "pdf-warning", message) for message in result.warnings
        ]
        if result.pdf is None:
            message = f"PDF rendering failed: {result.error}"
            self.report(problem(paper.brief.path, 0, "pdf-failed", message))
            return
        slug = paper.brief.slug
        self.lengths[slug] = result.pages
        self.write(self.path(slug, "pdf"), result.pdf)
        self.manifest.made(slug, "pdf", self.paper_keys[slug], digest_of(result.pdf))
        self.tell.step(f"rendered {self.path(slug, 'pdf').name}")

    def submit(self, job: PdfJob, *, part: bool = False) -> Any:
        """Hand a PDF to the workers. The pack's own parts get PART_TIME times the time
        limit of a paper: the back lays out every paper's actions (twice: by date and by
        owner), partners and warnings in one document, so its fair time grows with the
        pack; it is still bounded, so a runaway layout is still stopped."""
        assert self.pool is not None
        papers = len(self.pack.papers)
        times = max(PART_TIME, papers / PAPERS_PER_PART_TIME) if part else 1
        return self.pool.submit(job, self.timeout * times)

    def part(self, job: PdfJob) -> Future[PdfOutcome]:
        """One of the pack's own parts: as kept from the last run if it would come out the
        same (see scoper.pack.parts), else laid out, and kept once it is."""
        key = part_key(job)
        kept = self.parts.load(key)
        if kept is not None:
            done: Future[PdfOutcome] = Future()
            done.set_result(kept)
            return done
        future: Future[PdfOutcome] = self.submit(job, part=True)
        future.add_done_callback(lambda finished: self.laid_out.append((key, finished)))
        return future

    def paper_job(self, paper: PackPaper) -> PdfJob:
        return paper_job(paper.brief, self.config, self.theme, paper.warnings, self.links_pdf)

    def piece_job(self, piece: ClosingPiece) -> PdfJob:
        return self.part_job(piece.part, {}, piece)

    def part_job(
        self, part: PackPart, pages: dict[str, int], piece: ClosingPiece | None = None
    ) -> PdfJob:
        from scoper.pdf.pool import PdfJob

        html = render_pack_html(
            self.pack, self.config, part=part, pages=pages, theme=self.theme, piece=piece
        )
        return PdfJob(
            html=html,
            roots=self.theme.roots,
            title=self.pack.title,
            created=self.pack.issued.isoformat(),
            variant=self.config.pdf_variant,
        )

    def front_jobs(self, pages: dict[str, int]) -> list[tuple[str, PdfJob]]:
        """The front (cover, grid, changes) and the contents, each laid out as a part of its
        own, with their anchors. A project's own pack template written before the contents
        had a part of its own shows the contents in the front: the front alone then."""
        jobs = [("part-cover", self.part_job("front", pages))]
        contents = self.part_job("contents", pages)
        if 'id="contents"' in contents.html:
            jobs.append(("part-contents", contents))
        return jobs

    def stamp_job(self, total: int) -> PdfJob:
        from scoper.pack.numbering import stamp_html
        from scoper.pdf.pool import PdfJob
        from scoper.render.theme import font_faces

        return PdfJob(
            html=stamp_html(total, font_faces(self.theme, False)),
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
            data = render_html(
                paper.brief,
                self.config,
                target="screen",
                theme=self.theme,
                problems=paper.warnings,
                papers=self.links_html,
            )
            encoded = data.encode("utf-8")
            self.write(self.path(slug, "html"), encoded, keep=False)
            self.manifest.made(slug, "html", self.paper_keys[slug], digest_of(encoded))

    # -- assembly -------------------------------------------------------------------------------

    def paper_pdfs(self) -> dict[str, bytes]:
        """Every paper's PDF, as just written or as read for the freshness check."""
        pdfs: dict[str, bytes] = {}
        for paper in self.pack.papers:
            path = self.path(paper.brief.slug, "pdf")
            data = self.files.data(path)
            if data is None:
                raise FileNotFoundError(2, "the paper's PDF is missing", str(path))
            pdfs[paper.brief.slug] = data
        return pdfs

    def rough_pages(self) -> dict[str, int]:
        """Page numbers of the right number of digits, before the papers' lengths are
        known: the front's length depends on the lines of its contents, not on the numbers
        themselves."""
        pages: dict[str, int] = {}
        next_page = self.manifest.front_pages + 1
        for paper in self.pack.papers:
            pages[paper.anchor] = next_page
            next_page += 5  # a typical paper's length
        for anchor, _ in BACK_PARTS:
            pages[anchor] = next_page
        return pages

    def page_numbers(
        self,
        front_pages: int,
        lengths: dict[str, int],
        back: list[tuple[ClosingPiece, PdfOutcome]],
    ) -> dict[str, int]:
        """The 1-based page of the pack PDF on which each paper and closing part starts."""
        pages: dict[str, int] = {}
        next_page = front_pages + 1
        for paper in self.pack.papers:
            pages[paper.anchor] = paper.first_page = next_page
            next_page += lengths[paper.brief.slug]
        for piece, laid_out in back:
            pages.setdefault(piece.part, next_page)
            next_page += laid_out.pages
        return pages

    def _pack_html(self, pages: dict[str, int], made_for: object, html: str) -> tuple[object, str]:
        """The pack's HTML for these page numbers (and this changes page), made again only
        when they differ from what ``html`` was made for."""
        wanted = (tuple(sorted(pages.items())), self.pack.changes is None)
        if wanted != made_for:
            html = render_pack_html(
                self.pack, self.config, part="all", pages=pages, theme=self.theme
            )
        return wanted, html

    def assemble(self, back: list[tuple[ClosingPiece, PdfOutcome]], targets: list[Path]) -> None:
        from scoper.pack.assemble import PackPdf, Part, page_count
        from scoper.pack.snapshot import snapshot_of
        from scoper.pack.tracker import tracker_csv

        titles = dict(BACK_PARTS)
        for piece, laid_out in back:
            if laid_out.pdf is None:
                message = f"the pack's {titles[piece.part].lower()}: {laid_out.error}"
                self.report(problem(str(targets[0]), 0, "pdf-failed", message))
                return
        pdfs = self.paper_pdfs()
        # A paper kept from an earlier run is counted from its file, not from the manifest.
        lengths = {slug: self.lengths.get(slug) or page_count(data) for slug, data in pdfs.items()}
        # The grid and the contents give page numbers, and the length of the front and
        # contents moves them all: they are laid out with the last run's length, and again
        # if they came out longer or shorter. The two are laid out side by side, and the
        # pack's page-number stamp (scoper.pack.numbering), which needs the total, beside
        # them, with the same guess.
        front_pages = self.manifest.front_pages
        if self.front_estimate:
            estimates = [future.result() for future in self.front_estimate]
            if all(estimate.pdf is not None for estimate in estimates):
                front_pages = sum(estimate.pages for estimate in estimates)
        body_pages = sum(lengths.values()) + sum(laid_out.pages for _, laid_out in back)
        with PackPdf() as assembly:
            html, html_made_for = "", None
            for _ in range(3):
                pages = self.page_numbers(front_pages, lengths, back)
                front_jobs = self.front_jobs(pages)
                front_futures = [self.part(job) for _, job in front_jobs]
                stamp_future = self.part(self.stamp_job(front_pages + body_pages))
                # While the workers lay out the front: the pack's HTML (it needs the same
                # page numbers, and is made again only if they move, or the changes page is
                # dropped), and the papers and closing parts put together.
                html_made_for, html = self._pack_html(pages, html_made_for, html)
                if not assembly.parts:
                    body = [
                        Part(
                            pdfs[paper.brief.slug], paper.anchor, {}, file=f"{paper.brief.slug}.pdf"
                        )
                        for paper in self.pack.papers
                    ]
                    body += [
                        Part(laid_out.pdf or b"", piece.anchor, {}) for piece, laid_out in back
                    ]
                    for part in body:
                        assembly.add(part)
                        if _final([*front_futures, stamp_future], front_pages):
                            # The last layout is in: the idle workers go now, not after
                            # the rest of the assembly, the largest step in memory (a
                            # 200-paper pack: 600 MB in this process).
                            self.release_workers()
                fronts = [future.result() for future in front_futures]
                front, stamp = fronts[0], stamp_future.result()
                if front.pdf is None and stamp.pdf is not None and self.pack.changes is not None:
                    # The changes page is read from last week's snapshot, a file in the
                    # output folder anyone who can write there may have planted: a front it
                    # makes too long to lay out loses the changes page, not the pack.
                    message = f"the changes page could not be laid out ({front.error}): left out"
                    self.warnings.append(problem(str(targets[0]), 0, "bad-snapshot", message))
                    self.pack.changes = None
                    continue
                failed = next((o for o in (*fronts, stamp) if o.pdf is None), None)
                if failed is not None:
                    message = f"the pack's front: {failed.error}"
                    self.report(problem(str(targets[0]), 0, "pdf-failed", message))
                    return
                if sum(laid_out.pages for laid_out in fronts) == front_pages:
                    break
                front_pages = sum(laid_out.pages for laid_out in fronts)
            failed = next((o for o in (*fronts, stamp) if o.pdf is None), None)
            if failed is not None:
                # The changes page was dropped on the last pass and the front still failed.
                self.report(
                    problem(str(targets[0]), 0, "pdf-failed", f"the pack's front: {failed.error}")
                )
                return
            self.manifest.front_pages = front_pages
            self.tell.step("rendered the pack's closing parts and cover")
            self.release_workers()
            assert stamp.pdf is not None
            parts = [
                Part(laid_out.pdf or b"", anchor, {})
                for (anchor, _), laid_out in zip(front_jobs, fronts, strict=True)
            ]
            pdf = assembly.finish(parts, self.pack.title, stamp.pdf)
        _, html = self._pack_html(pages, html_made_for, html)
        csv_data = tracker_csv(self.pack, self.config.owners) if self.actions_csv else None
        snapshot = snapshot_of(self.pack, self.pack.public).to_json()
        self.write(targets[0], pdf)
        self.write(targets[1], html.encode("utf-8"))
        if csv_data is not None:
            self.write(targets[2], csv_data)
        self.write(targets[-1], snapshot)
        self.rendered += 2
        self.tell.step(f"assembled {targets[0].name}")


def _final(layouts: list[Future[PdfOutcome]], front_pages: int) -> bool:
    """Whether the front's layouts (the stamp last) are all done, and done for good: each
    made its PDF, and the front came out ``front_pages`` long, as its page numbers said."""
    if not all(layout.done() and layout.exception() is None for layout in layouts):
        return False
    outcomes = [layout.result() for layout in layouts]
    return all(o.pdf is not None for o in outcomes) and (
        sum(o.pages for o in outcomes[:-1]) == front_pages
    )
