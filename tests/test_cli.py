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
