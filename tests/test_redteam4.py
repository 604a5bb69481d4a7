# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The sixth hostile-input round (docs/redteam-2026-11-round4.md): the round-3 fixes and the
new performance code attacked, then the classes of issue 18 again, one test per attack.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL

TODAY = "2026-11-23"


def _brief(folder: Path, name: str = "a.md", body: str = SUMMARY + TAIL, head: str = HEAD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(head + body)
    return path


def _limit_memory(megabytes: int):  # noqa: ANN202
    def limit() -> None:
        size = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return limit


def _scoper(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    memory_mb: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """scoper in a child process (its own PDF workers), with a time (and memory) limit."""
    return subprocess.run(
        [sys.executable, "-m", "scoper", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        preexec_fn=_limit_memory(memory_mb) if memory_mb else None,
    )


def _pack(briefs: Path, out: Path, *extra: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return _scoper("pack", str(briefs), "-o", str(out), "--today", TODAY, *extra, **kwargs)  # type: ignore[arg-type]


# -- the pack's kept parts (OUTPUT/.scoper-parts) ------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="finding 1: a planted .scoper-parts link makes the pack write into, and delete "
    "every .pdf/.json of, a folder outside the output folder",
)
def test_a_parts_link_planted_in_the_output_folder(tmp_path: Path) -> None:
    briefs, out, victim = tmp_path / "briefs", tmp_path / "out", tmp_path / "victim"
    _brief(briefs)
    victim.mkdir()
    (victim / "thesis.pdf").write_bytes(b"%PDF-1.7 the victim's own work")
    (victim / "settings.json").write_text("{}")
    out.mkdir()
    # Anyone who can write the output folder (untrusted, SECURITY.md) plants one link.
    (out / ".scoper-parts").symlink_to(victim)
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in victim.iterdir()) == ["settings.json", "thesis.pdf"]


def test_tampered_parts_are_laid_out_again(tmp_path: Path) -> None:
    """A kept part whose PDF was changed (its JSON digest no longer matches), or whose JSON
    is of the wrong shape, or which is a FIFO or a link to /dev/zero, is laid out again."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    assert _pack(briefs, out).returncode == 0
    parts = sorted((out / ".scoper-parts").glob("*.pdf"))
    assert parts
    before = (out / "pack.pdf").read_bytes()
    first, *rest = parts
    first.write_bytes(b"%PDF-1.4 LEAK-TAMPERED")
    if rest:
        rest[0].with_suffix(".json").write_text('{"pages": -1, "anchors": [], "warnings": 5}')
    if len(rest) > 1:
        rest[1].unlink()
        os.mkfifo(rest[1])
    # A brief change makes the pack be assembled again from its kept parts.
    _brief(briefs, body=SUMMARY.replace("roundtable", "round table") + TAIL)
    made = _pack(briefs, out, timeout=60)
    assert made.returncode == 0, made.stderr
    assert b"LEAK-TAMPERED" not in (out / "pack.pdf").read_bytes()
    assert (out / "pack.pdf").read_bytes() != before


# -- files in the output folder read without a limit ----------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="finding 2: the cache manifest is read with read_text(): a FIFO hangs the pack "
    "for ever, outside --timeout",
)
def test_a_manifest_that_is_a_fifo(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    os.mkfifo(out / ".scoper-cache.json")
    made = _pack(briefs, out, "--timeout", "5", timeout=15)
    assert made.returncode == 0, made.stderr


@pytest.mark.xfail(
    strict=True,
    reason="finding 2: a manifest linked to /dev/zero is read until memory runs out (MemoryError traceback)",
)
def test_a_manifest_linked_to_dev_zero(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    (out / ".scoper-cache.json").symlink_to("/dev/zero")
    made = _pack(briefs, out, timeout=60, memory_mb=1500)
    assert "Traceback" not in made.stderr and "MemoryError" not in made.stderr
    assert made.returncode == 0, made.stderr[-2000:]


@pytest.mark.xfail(
    strict=True,
    reason="finding 2: an output paper planted as a huge sparse file is read whole to compare "
    "its digest (internal error, or all memory)",
)
def test_a_huge_sparse_paper_in_the_output_folder(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    with open(out / "a.pdf", "wb") as sparse:
        sparse.truncate(4 * 1024**3)  # 4 GB that take no disk
    made = _pack(briefs, out, timeout=90, memory_mb=2500)
    assert "MemoryError" not in made.stdout + made.stderr
    assert made.returncode == 0, (made.stdout + made.stderr)[-2000:]


# -- the public version: marks in the places round 3 fixed, written other ways ---------------

from tests.test_redteam import PNG, leaks, public_outputs  # noqa: E402


@pytest.mark.parametrize(
    "body",
    [
        "We met [LEAK-CLASSATTR]{class=sensitive} today.\n\n",
        "{class=sensitive}\nLEAK-BLOCKCLS paragraph.\n\n",
        "See ![a [LEAK-REFALT]{.sensitive}][c].\n\n[c]: fine.png \"cap [LEAK-REFCAP]{.sensitive}\"\n\n",
        "See [![LEAK-IMGLINK](fine.png)](https://example.com){.sensitive}.\n\n",
        "![Chart](fine.png 'by [LEAK-CAPSQ]{ .SENSITIVE }')\n\n",
        "![Chart](fine.png (by [LEAK-CAPPAR]{.sensitive}))\n\n",
        '![Chart](fine.png "by [LEAK-A [x] B]{.sensitive}")\n\n',
        '![Chart](fine.png "by [LEAK-ESC]\\{.sensitive\\}")\n\n',
        "| a | b |\n|---|---|\n| ![x [LEAK-TBL]{.sensitive}](fine.png) | y |\n\n",
    ],
    ids=["span-class=", "block-class=", "reference-image", "image-in-marked-link",
         "caption-single-quotes-capitals", "caption-parentheses", "caption-nested-brackets",
         "caption-escaped-braces", "image-in-table"],
)
def test_public_marks_written_other_ways_are_withheld(tmp_path: Path, body: str) -> None:
    found = public_outputs(tmp_path, SUMMARY + body + TAIL, files={"fine.png": PNG})
    assert leaks(found) == {}


@pytest.mark.parametrize(
    "body",
    [
        "We met.^[Note [LEAK-INFN]{.sensitive} here.]\n\n",
        '![Chart](fine.png "by [LEAK-ENT]&#123;.sensitive&#125;")\n\n',
        "### LEAK-HDOT heading {.sensitive}\n\nText.\n\n",
    ],
    ids=["inline-footnote", "caption-entity-braces", "heading-trailing-mark"],
)
def test_public_marks_scoper_does_not_read_refuse_it(tmp_path: Path, body: str) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + body + TAIL)
    (folder / "fine.png").write_bytes(PNG)
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public"])
    assert built.exit_code != 0 and "no public version" in built.output
    assert not out.exists() or not list(out.glob("*.public.*"))


@pytest.mark.xfail(
    strict=True,
    reason="finding 4: {class=sensitive} is a mark on spans and blocks, but in a caption, "
    "code or after a heading it is neither read nor refused: published",
)
@pytest.mark.parametrize(
    "body",
    [
        '![Chart](fine.png "by [LEAK-CAPCLS]{class=sensitive}")\n\n',
        "Run `LEAK-CODE {class=sensitive}` now.\n\n",
        "### LEAK-H3 heading {class=sensitive}\n\nText.\n\n",
    ],
    ids=["caption", "code", "heading"],
)
def test_public_class_equals_sensitive_where_marks_are_not_read(tmp_path: Path, body: str) -> None:
    found = public_outputs(tmp_path, SUMMARY + body + TAIL, files={"fine.png": PNG})
    assert leaks(found) == {}
