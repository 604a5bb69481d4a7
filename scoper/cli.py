"""The command line. Each command imports its modules inside itself, so ``scoper --help``
starts fast and HTML-only work never imports the PDF renderer."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scoper import __version__
from scoper.errors import Failed, ScoperError
from scoper.pdf import PDF_VARIANTS

if TYPE_CHECKING:
    import datetime as dt

    from click._termui_impl import ProgressBar

    from scoper.brief.model import Brief
    from scoper.build import BriefResult
    from scoper.config import Config
    from scoper.formats import Format
    from scoper.pdf.pool import PdfPool
    from scoper.problems import Problem


class _Failure(click.ClickException):
    """A :class:`ScoperError`, shown and ended the way Click shows and ends its own."""

    def __init__(self, error: ScoperError, command: str | None) -> None:
        message = str(error)
        if error.named and message:
            message = f"scoper {command}: {message}" if command else f"scoper: {message}"
        super().__init__(message)
        self.exit_code = error.exit_code  # type: ignore[misc]  # Click reads it per instance

    def show(self, file: Any = None) -> None:
        if self.message:
            _echo(self.message, err=True)


class _Commands(click.Group):
    """The command group: the one place where the project's expected errors end a run."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ScoperError as error:
            raise _Failure(error, ctx.invoked_subcommand) from None


def _load_config(pdf_variant: str | None = None) -> Config:
    import msgspec

    from scoper.config import load_config

    config = load_config()
    return msgspec.structs.replace(config, pdf_variant=pdf_variant) if pdf_variant else config


def _echo(message: str, err: bool = False) -> None:
    """Print one line; brief text and file names in it are shown escaped, never acted on
    by the terminal (see scoper.terminal)."""
    from scoper.terminal import printable

    click.echo(printable(message), err=err)


def _echo_json(text: str) -> None:
    from scoper.terminal import printable_json

    click.echo(printable_json(text))


class _ExistingPath(click.Path):
    """click.Path, whose messages show the name as the user typed it, escaped."""

    def convert(
        self,
        value: str | os.PathLike[str],
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Any:
        from scoper.terminal import printable

        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as error:
            raise click.BadParameter(printable(error.message), ctx, param) from None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> frozenset[Format]:
    from scoper.formats import parse_formats

    try:
        return parse_formats(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


# Options and arguments that several commands share.
brief_paths = click.argument(
    "paths", nargs=-1, required=True, type=_ExistingPath(exists=True, path_type=Path)
)
pdf_variant_option = click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    help="pdf/ua-1: tagged for accessibility (default, or pdf-variant in scoper.toml); "
    "pdf/a-3u: for the record, with the brief's source attached.",
)


class _Seconds(click.ParamType):
    """A time limit in seconds: a finite number within scoper's range (``nan`` would
    otherwise switch the limit off, and ``inf`` fail deep inside)."""

    name = "seconds"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None):
        from scoper.config import seconds_problem

        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        problem = seconds_problem(seconds)
        if problem is not None:
            self.fail(f"{value!r} {problem}", param, ctx)
        return seconds


timeout_option = click.option(
    "--timeout",
    type=_Seconds(),
    metavar="SECONDS",
    help="Seconds one PDF may take before its renderer is stopped "
    "(default: pdf-timeout from scoper.toml, else 30).",
)
output_option = click.option(
    "-o",
    "--output",
    "output_dir",
    type=_ExistingPath(file_okay=False, path_type=Path),
    help="Folder for the outputs (default: output-dir from scoper.toml, else ./output).",
)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scoper")
def cli() -> None:
    """Turn structured Markdown briefs into consistently styled scoping papers."""


@cli.command()
@brief_paths
@output_option
@click.option(
    "--format",
    "formats",
    default="all",
    show_default=True,
    callback=_formats,
    metavar="FORMATS",
    help="Which files to make for each brief: html, pdf, docx, any of them joined by "
    "commas (html,docx), or all.",
)
@timeout_option
@pdf_variant_option
@click.option(
    "--public",
    is_flag=True,
    help="Make the public version instead: sensitive passages withheld, as "
    "OUTPUT/BRIEF.public.html (.pdf, .docx).",
)
def build(
    paths: tuple[Path, ...],
    output_dir: Path | None,
    formats: frozenset[Format],
    timeout: float | None,
    pdf_variant: str | None,
    public: bool,
) -> None:
    """Build papers from briefs: each BRIEF.md (or every *.md in a folder) becomes
    OUTPUT/BRIEF.html, OUTPUT/BRIEF.pdf and OUTPUT/BRIEF.docx.

    A brief with errors is reported as path:line: messages and produces nothing; the
    others are still built. Exit status 1 if any brief had errors.
    """
    pool = None
    if "pdf" in formats:
        import os

        from scoper.pdf.pool import PdfPool

        # Before the rest of scoper is imported: the renderer's own slow import (WeasyPrint)
        # then runs in the workers while this process loads, reads and checks the briefs.
        # One paper's renderer may have been started before this module (scoper.start).
        files = len(paths) if all(path.is_file() for path in paths) else os.cpu_count() or 1
        started = click.get_current_context().obj
        if files == 1 and isinstance(started, PdfPool):
            pool = started
        else:
            one = len(paths) == 1 and paths[0].is_file()
            pool = PdfPool(min(files, os.cpu_count() or 1), papers=files, repair_here=one)
    from scoper.brief.source import find_briefs
    from scoper.build import build_many
    from scoper.errors import NoBriefs

    try:
        config = _load_config(pdf_variant)
        briefs = find_briefs(list(paths))
        if not briefs:
            raise NoBriefs()
    except ScoperError:
        if pool:
            pool.close()
        raise
    out_dir = output_dir or config.output_dir

    def report(result: BriefResult) -> None:
        for problem in result.problems:
            _echo(problem.format(), err=True)
        if result.ok:
            names = ", ".join(_display(p) for p in result.written)
            _echo(f"built {_display(result.path)} -> {names}")

    results = build_many(
        briefs,
        config,
        out_dir,
        formats,
        public=public,
        on_result=report,
        pool=pool,
        timeout=timeout or config.pdf_timeout,
    )
    failed = [r for r in results if not r.ok]
    built = len(results) - len(failed)
    summary = f"{built} of {len(results)} brief{'s' if len(results) != 1 else ''} built"
    if failed:
        raise Failed(f"{summary}; {len(failed)} had errors")
    _echo(summary)


@cli.command()
@brief_paths
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: one line a problem; json: the schema in docs/check-rules.md; github: "
    "GitHub Actions annotations (::error file=...,line=...::message).",
)
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date to judge overdue actions by (default: today), for reproducible runs.",
)
def check(paths: tuple[Path, ...], fmt: str, strict: bool, today: dt.datetime | None) -> None:
    """Check briefs for the pitfalls of partnership policy-making: each BRIEF.md, or
    every *.md in a folder.

    Prints one line a problem, as path:line: severity code rule-name: message, sorted by
    path and line. Exit status 0 when there are no errors (and, with --strict, no
    warnings), 1 otherwise, 2 for a usage error.
    """

    from scoper.load import check as check_briefs
    from scoper.report import github_annotation, problems_json

    reports = check_briefs(paths, _load_config(), today.date() if today else None)
    problems = sorted((p for _, found in reports for p in found), key=lambda p: p.sort_key)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    summary = (
        f"{len(reports)} brief{'s' if len(reports) != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    if fmt == "json":
        _echo_json(problems_json(problems, briefs=len(reports)))
        summary = ""
    elif fmt == "github":
        for found in problems:
            click.echo(github_annotation(found))
    else:
        for found in problems:
            _echo(found.format())
    if errors or (strict and warnings):
        raise Failed(summary)
    if summary:
        _echo(summary, err=True)


class _Progress:
    """A progress bar on a terminal; one plain line per step anywhere else (CI, a log)."""

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None
        self.tty = sys.stderr.isatty()

    def start(self, total: int) -> None:
        if self.tty and total:
            self.bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self.bar.__enter__()

    def step(self, message: str) -> None:
        if self.bar is not None:
            self.bar.update(1)
        else:
            _echo(message, err=True)

    def note(self, message: str) -> None:
        _echo(message, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command()
@brief_paths
@click.option("--week", metavar="YYYY-Www", help="Only the briefs dated in this ISO week.")
@output_option
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The pack's date of issue, by which actions are overdue (default: today).",
)
@click.option(
    "--keep-going", is_flag=True, help="Leave out briefs with errors instead of stopping."
)
@click.option("--actions-csv", is_flag=True, help="Also write the action tracker as CSV.")
@timeout_option
@pdf_variant_option
@click.option(
    "--public",
    is_flag=True,
    help="The public pack, in OUTPUT/public/: the public version of each paper that may be "
    "published; the others are left out and named.",
)
@click.option(
    "--since",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Compare with this pack snapshot (*.snapshot.json) for the 'Changes since' page, "
    "instead of the latest earlier one in the output folder.",
)
def pack(
    paths: tuple[Path, ...],
    week: str | None,
    output_dir: Path | None,
    today: dt.datetime | None,
    keep_going: bool,
    actions_csv: bool,
    timeout: float | None,
    pdf_variant: str | None,
    public: bool,
    since: Path | None,
) -> None:
    """Build the weekly priorities pack from briefs (files or folders): a cover, contents,
    the papers in priority order, an action tracker, a partner register and a quality
    annex, as OUTPUT/pack-WEEK.pdf and .html, with each paper's own HTML and PDF.

    Any brief with errors stops the pack (the last good pack stays); with --keep-going it
    is left out and named on the cover, and the exit status is still 1.
    """
    from scoper.brief.source import find_briefs
    from scoper.errors import NoBriefs
    from scoper.pack.build import build_pack
    from scoper.pack.model import Week

    try:
        chosen_week = Week.parse(week) if week else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--week") from None
    config = _load_config(pdf_variant)
    out_dir = output_dir or config.output_dir
    briefs = find_briefs(list(paths))
    if not briefs:
        raise NoBriefs()
    progress = _Progress()
    try:
        outcome = build_pack(
            briefs,
            config,
            out_dir,
            week=chosen_week,
            today=today.date() if today else None,
            keep_going=keep_going,
            actions_csv=actions_csv,
            timeout=timeout or config.pdf_timeout,
            progress=progress,
            public=public,
            since=since,
        )
    finally:
        progress.close()
    for found in outcome.problems:
        _echo(found.format(), err=True)
    if outcome.name is None:
        errors = [p for p in outcome.problems if p.severity == "error"]
        briefs_wrong = any(p.rule != "empty-pack" for p in errors)
        hint = ": fix the errors above (or use --keep-going)" if briefs_wrong else ""
        raise Failed(f"no pack written{hint}")
    left_out = f"; {outcome.excluded} left out" if outcome.excluded else ""
    pdf = (out_dir / "public" if public else out_dir) / f"{outcome.name}.pdf"
    _echo(f"{_display(pdf)}: {outcome.papers} papers{left_out}")
    if not outcome.ok:
        raise Failed("")


@cli.command()
@click.argument(
    "folder",
    required=False,
    default="briefs",
    type=_ExistingPath(exists=True, file_okay=False, path_type=Path),
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but this machine's loopback is warned about.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the index in a browser.")
def serve(folder: Path, port: int, host: str, open_browser: bool) -> None:
    """Preview the papers of FOLDER (default: briefs) in a browser, each page refreshing
    itself within a second of a brief, template, stylesheet or scoper.toml being saved.

    Pages: / (every brief, with its check problems), /paper/NAME (a paper exactly as
    scoper build makes it, with a toolbar), /paper/NAME.pdf, and /pack/YYYY-Www.
    """
    from scoper.preview.server import is_loopback
    from scoper.preview.server import serve as run

    if not is_loopback(host.strip("[]").lower()):
        _echo(
            f"warning: serving on {host}: anyone who can reach this machine can read these papers",
            err=True,
        )
    run(folder, host, port, open_browser, lambda message: _echo(message, err=True))


@cli.command()
@click.argument("folder", required=False, default=".", type=_ExistingPath(path_type=Path))
def init(folder: Path) -> None:
    """Start a project in FOLDER (default: here): scoper.toml with every key explained,
    briefs/ with an example, templates/ for theme overrides, and output/.

    Refuses, changing nothing, if any of those files exists already.
    """
    import datetime

    from scoper.project import init_project

    made = init_project(folder, datetime.date.today())
    for path in made:
        _echo(f"made {_display(path)}")


@cli.command()
@click.argument("title")
@click.option(
    "--dir",
    "folder",
    type=_ExistingPath(file_okay=False, path_type=Path),
    default="briefs",
    show_default=True,
    help="Folder for the new brief.",
)
def new(title: str, folder: Path) -> None:
    """Start a brief called TITLE: FOLDER/TITLE-AS-A-NAME.md, dated today, with the next
    free ref (PREFIX-YEAR-NNN) and every section and field, each with a one-line prompt.

    Refuses, changing nothing, if that file exists already.
    """
    import datetime

    from scoper.project import new_brief

    config = _load_config()
    path = new_brief(
        title, folder, config.ref_prefix, config.default_classification, datetime.date.today()
    )
    _echo(f"made {_display(path)}")


@cli.command()
@brief_paths
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json"]),
    default="json",
    show_default=True,
    help="The export format (docs/export.md).",
)
@click.option(
    "--public",
    is_flag=True,
    help="Export the public versions: sensitive passages withheld; briefs that may not be "
    "published are left out.",
)
def export(paths: tuple[Path, ...], fmt: str, public: bool) -> None:
    """Print briefs (files or folders) as data, for trackers and dashboards: the model
    as JSON in the documented, versioned schema (docs/export.md).

    A brief with errors is left out and its problems printed; the exit status is then 1.
    """
    import json

    from scoper.export import export_document
    from scoper.load import load

    config = _load_config()
    reports = load(paths, config)
    good = [(r.brief, r.problems) for r in reports if r.ok and r.brief is not None]
    if public:
        from scoper.brief.public import PublicRefused, public_brief

        published: list[tuple[Brief, list[Problem]]] = []
        for brief, _ in good:
            try:
                # A public export carries no problems: their messages quote the brief.
                published.append((public_brief(brief, config.public_marking), []))
            except PublicRefused as refused:
                message = f"left out: no public version: {refused.reason}"
                _echo(f"{brief.path}:{refused.line}: {message}", err=True)
        good = published
    _echo_json(json.dumps(export_document(good), indent=2, ensure_ascii=False))
    bad = [r for r in reports if not r.ok]
    for report in bad:
        for found in report.problems:
            _echo(found.format(), err=True)
    if bad:
        raise Failed("")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line a remark; json: the schema in the README's Word section.",
)
def review(file: Path, fmt: str) -> None:
    """Bring reviewers' comments and tracked changes in a Word paper back to the brief:
    each as BRIEF:LINE: Reviewer (date): comment | deleted "..." | inserted "...", in the
    order of the brief.

    FILE is a .docx that scoper build wrote and reviewers have since commented on or
    changed, in Word or LibreOffice.
    """
    import json

    from scoper.docx.review import read_review

    found = read_review(file)
    if fmt == "json":
        _echo_json(json.dumps(found.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in found.lines(found.brief or _display(file)):
            _echo(line)
    if found.note:
        _echo(f"note: {found.note}", err=True)
    count = len(found.remarks)
    _echo(f"{count} remark{'s' if count != 1 else ''} from the reviewers", err=True)


@cli.command()
def schema() -> None:
    """Print a JSON Schema of a brief's front matter, for editors' completion and
    validation (e.g. with a YAML language server)."""
    import json

    from scoper.export import front_matter_schema

    _echo_json(json.dumps(front_matter_schema(), indent=2))


def main(renderer: PdfPool | None = None) -> None:
    """Run the command line. ``renderer``: a PDF renderer started before this module was
    loaded, for a build of one paper's PDF (see :mod:`scoper.start`); stopped if unused."""
    from scoper import collect_less

    collect_less()  # the render and check workers are forked from this process
    try:
        cli(prog_name="scoper", obj=renderer)
    finally:
        if renderer is not None:
            renderer.close()
