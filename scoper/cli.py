"""The command line. Each command imports its modules inside itself, so ``scoper --help``
starts fast and HTML-only work never imports the PDF renderer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scoper import __version__

if TYPE_CHECKING:
    from scoper.build import BriefResult
    from scoper.config import Config


def _load_config() -> Config:
    from scoper.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scoper")
def cli() -> None:
    """Turn structured Markdown briefs into consistently styled scoping papers."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the papers (default: output-dir from scoper.toml, else ./output).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf", "all"]),
    default="all",
    show_default=True,
    help="Which files to make for each brief.",
)
def build(paths: tuple[Path, ...], output_dir: Path | None, fmt: str) -> None:
    """Build papers from briefs: each BRIEF.md (or every *.md in a folder) becomes
    OUTPUT/BRIEF.html and OUTPUT/BRIEF.pdf.

    A brief with errors is reported as path:line: messages and produces nothing; the
    others are still built. Exit status 1 if any brief had errors.
    """
    from scoper.build import build_many
    from scoper.source import find_briefs

    config = _load_config()
    out_dir = output_dir or config.output_dir
    briefs = find_briefs(list(paths))
    if not briefs:
        click.echo("scoper: no briefs (*.md files) found", err=True)
        sys.exit(1)

    def report(result: BriefResult) -> None:
        for problem in result.problems:
            click.echo(problem.format(), err=True)
        if result.ok:
            names = ", ".join(_display(p) for p in result.written)
            click.echo(f"built {_display(result.path)} -> {names}")

    results = build_many(briefs, config, out_dir, fmt, on_result=report)  # type: ignore[arg-type]
    failed = [r for r in results if not r.ok]
    built = len(results) - len(failed)
    summary = f"{built} of {len(results)} brief{'s' if len(results) != 1 else ''} built"
    if failed:
        click.echo(f"{summary}; {len(failed)} had errors", err=True)
        sys.exit(1)
    click.echo(summary)


def main() -> None:
    cli(prog_name="scoper")
