"""The command line, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.conftest import BriefWriter, valid_brief


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_build_one_brief_makes_html_pdf_and_word(
    run, write_brief: BriefWriter, tmp_path: Path
) -> None:
    write_brief()
    result = run("build", "briefs/loneliness.md")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "output" / "loneliness.html").stat().st_size > 10_000
    assert (tmp_path / "output" / "loneliness.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "output" / "loneliness.docx").read_bytes().startswith(b"PK")
    assert (
        "built briefs/loneliness.md -> output/loneliness.html, output/loneliness.docx, "
        "output/loneliness.pdf" in result.output
    )
    assert "1 of 1 brief built" in result.output


def test_folder_with_a_bad_brief_builds_the_good_ones_and_keeps_old_output(
    run,
    write_brief: BriefWriter,
    tmp_path: Path,
) -> None:
    write_brief("good.md")
    write_brief("bad.md", text=valid_brief().replace("date: 2026-11-23", "date: someday"))
    write_brief("worse.md", text="just notes\n")
    old = tmp_path / "out" / "bad.html"
    old.parent.mkdir()
    old.write_text("previous good paper")
    result = run("build", "briefs", "-o", "out", "--format", "html")
    assert result.exit_code == 1
    assert "briefs/bad.md:3: error S107 invalid-date: 'date' is 'someday'" in result.output
    assert "briefs/worse.md:1: error S102 not-a-brief" in result.output
    assert "1 of 3 briefs built; 2 had errors" in result.output
    assert (tmp_path / "out" / "good.html").exists()
    assert old.read_text() == "previous good paper"
    assert not (tmp_path / "out" / "worse.html").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bad.html", "good.html"]


def test_format_option(run, write_brief: BriefWriter, tmp_path: Path) -> None:
    write_brief()
    assert run("build", "briefs", "--format", "pdf").exit_code == 0
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["loneliness.pdf"]
    assert run("build", "briefs", "--format", "word").exit_code == 2


def test_warnings_are_printed_but_do_not_fail(run, write_brief: BriefWriter) -> None:
    write_brief(text=valid_brief().replace("priority: 2", "priorty: 2"))
    result = run("build", "briefs", "--format", "html")
    assert result.exit_code == 0
    assert "briefs/loneliness.md:5: warning C001 unknown-key" in result.output
    assert "did you mean 'priority'?" in result.output


def test_config_sets_output_folder_and_bad_config_fails(
    run,
    write_brief: BriefWriter,
    tmp_path: Path,
) -> None:
    write_brief()
    (tmp_path / "scoper.toml").write_text('organisation = "Unit"\noutput-dir = "papers"\n')
    assert run("build", "briefs", "--format", "html").exit_code == 0
    assert (tmp_path / "papers" / "loneliness.html").exists()
    (tmp_path / "scoper.toml").write_text('organisation = "Unit"\noutput_dir = "papers"\n')
    result = run("build", "briefs")
    assert result.exit_code == 1
    assert "scoper.toml:2: error: unknown key 'output_dir'; did you mean 'output-dir'?" in (
        result.output
    )


def test_same_output_name_twice_is_an_error(run, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        text = valid_brief().replace("PU-2026-900", f"PU-2026-{folder}")
        (tmp_path / folder / "paper.md").write_text(text)
    result = run("build", "a", "b", "--format", "html")
    assert result.exit_code == 1
    assert "b/paper.md:0: error B001 output-clash" in result.output


def test_missing_path_is_a_usage_error(run) -> None:
    result = run("build", "nowhere.md")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_failed_pdf_writes_nothing_for_that_brief(
    run,
    write_brief: BriefWriter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import scoper.pdf.render

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(scoper.pdf.render, "render_pdf", explode)
    write_brief()
    result = run("build", "briefs")
    assert result.exit_code == 1
    expected = "error B002 pdf-failed: PDF rendering failed: RuntimeError: layout failed"
    assert expected in result.output
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").iterdir())


def test_an_interrupted_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from scoper.output import write_atomic

    target = tmp_path / "paper.pdf"
    target.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["paper.pdf"]


def test_version_and_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scoper", "--version"], capture_output=True, text=True, check=True
    )
    from scoper import __version__

    assert done.stdout.strip() == f"scoper, version {__version__}"
    result = CliRunner().invoke(cli, ["--help"])
    assert "build" in result.output
    result = CliRunner().invoke(cli, ["build", "--help"])
    for option in ("--output", "--format"):
        assert option in result.output


def test_an_output_folder_that_cannot_be_made_is_an_error(
    run,
    write_brief: BriefWriter,
    tmp_path: Path,
) -> None:
    write_brief()
    (tmp_path / "afile").write_text("not a folder")
    result = run("build", "briefs", "-o", "afile/sub", "--format", "html")
    assert result.exit_code == 1
    assert "error B004 write-failed: cannot write afile/sub/loneliness.html" in result.output


def test_a_fault_in_rendering_fails_that_brief_only(
    run,
    write_brief: BriefWriter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import scoper.render.html

    real = scoper.render.html.render_html

    def faulty(brief, *args, **kwargs):
        if brief.slug == "bad":
            raise RuntimeError("boom")
        return real(brief, *args, **kwargs)

    monkeypatch.setattr(scoper.render.html, "render_html", faulty)
    write_brief("bad.md")
    write_brief("good.md", text=valid_brief().replace("PU-2026-900", "PU-2026-901"))
    result = run("build", "briefs", "--format", "html")
    assert result.exit_code == 1
    assert "briefs/bad.md:0: error B005 internal-error: the paper could not be made" in (
        result.output
    )
    assert (tmp_path / "output" / "good.html").exists()


def test_the_renderer_is_started_first_only_for_one_papers_pdf(tmp_path: Path) -> None:
    """scoper.start reads the command line before Click is loaded, to start one paper's PDF
    renderer at once; it must read it as the build command does."""
    import click

    from scoper.start import BUILD_VALUE_OPTIONS, one_pdf

    build = cli.commands["build"]
    taking_values = {
        name
        for param in build.params
        if isinstance(param, click.Option) and not param.is_flag
        for name in param.opts + param.secondary_opts
    }
    assert taking_values == BUILD_VALUE_OPTIONS
    brief = tmp_path / "a.md"
    brief.write_text("---\n---\n", encoding="utf-8")
    other = tmp_path / "b.md"
    other.write_text("---\n---\n", encoding="utf-8")
    path = str(brief)
    assert one_pdf(["build", path])
    assert one_pdf(["build", "--format", "pdf", path])
    assert one_pdf(["build", "--format=html,pdf", "-o", str(tmp_path), path])
    assert one_pdf(["build", "--timeout", "5", path, "--public"])
    assert one_pdf(["build", "--", path])
    assert not one_pdf(["build", "--format", "html,docx", path])
    assert not one_pdf(["build", path, str(other)])
    assert not one_pdf(["build", str(tmp_path)])  # a folder: a pool of its own
    assert not one_pdf(["build", "-o", path])  # the path is the option's value
    assert not one_pdf(["build", path, "--help"])
    assert not one_pdf(["check", path])
    assert not one_pdf([])


def test_one_paper_built_with_its_renderer_started_first(
    write_brief: BriefWriter, tmp_path: Path
) -> None:
    """The installed command (scoper.start) builds one paper's PDF with the renderer it
    started before the command line was read; a build that wants no PDF stops it unused."""
    path = write_brief()
    out = tmp_path / "out"
    code = (
        "import atexit, sys\n"
        "from scoper import start\n"
        "from scoper.pdf import pool\n"
        "made = []\n"
        "atexit.register(lambda: print(made))  # the command ends the process itself\n"
        "real = pool.PdfPool.__init__\n"
        "def init(self, *args, **kwargs):\n"
        "    made.append((kwargs, 'scoper.cli' in sys.modules))\n"
        "    real(self, *args, **kwargs)\n"
        "pool.PdfPool.__init__ = init\n"
        f"sys.argv = ['scoper', 'build', {str(path)!r}, '-o', {str(out)!r}] + sys.argv[1:]\n"
        "start.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # One renderer, started before the command line's module was loaded.
    assert done.stdout.strip().splitlines()[-1] == "[({'papers': 1, 'repair_here': True}, False)]"
    assert (out / f"{path.stem}.pdf").stat().st_size > 10_000
    done = subprocess.run(
        [sys.executable, "-c", code, "--format", "html"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_installed_command_ends_as_python_would(
    write_brief: BriefWriter, tmp_path: Path
) -> None:
    """scoper.start ends the process without taking the interpreter apart, once the command
    is done: the exit status is the command's, what it printed is all there, and the exit
    handlers still run."""
    good = write_brief()
    bad = write_brief("bad.md", text="---\ntitle: [unclosed\n---\n")
    out = tmp_path / "out"

    def scoper(*args: str) -> subprocess.CompletedProcess[str]:
        code = (
            "import atexit, sys\n"
            "atexit.register(lambda: print('exit handler ran'))\n"
            "from scoper.start import main\n"
            f"sys.argv = ['scoper', *{list(args)!r}]\n"
            "main()\n"
            "print('never here')\n"
        )
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    done = scoper("build", str(good), "--format", "html,docx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"built {good} -> {out / 'loneliness.html'}, {out / 'loneliness.docx'}",
        "1 of 1 brief built",
        "exit handler ran",
    ]
    assert (out / "loneliness.docx").stat().st_size > 5_000
    done = scoper("build", str(bad), "--format", "html", "-o", str(out))
    assert done.returncode == 1
    assert f"{bad}:" in done.stderr and "0 of 1 brief built" in done.stderr
    assert done.stdout.splitlines()[-1] == "exit handler ran"
    done = scoper("build", "--format", "nonsense", str(good))
    assert done.returncode == 2 and "nonsense" in done.stderr
    done = scoper("check", str(good))
    assert done.returncode == 0 and done.stdout.splitlines()[-1] == "exit handler ran"
