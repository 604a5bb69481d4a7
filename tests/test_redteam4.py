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
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL

TODAY = "2026-11-23"


def _brief(folder: Path, name: str = "a.md", body: str = SUMMARY + TAIL, head: str = HEAD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(head + body)
    return path


def _limit_memory(megabytes: int) -> Callable[[], None]:
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


def _pack(
    briefs: Path, out: Path, *extra: str, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return _scoper("pack", str(briefs), "-o", str(out), "--today", TODAY, *extra, **kwargs)  # type: ignore[arg-type]


# -- the pack's kept parts (OUTPUT/.scoper-parts) ------------------------------------------


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


def test_a_manifest_that_is_a_fifo(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    os.mkfifo(out / ".scoper-cache.json")
    made = _pack(briefs, out, "--timeout", "5", timeout=15)
    assert made.returncode == 0, made.stderr


def test_a_manifest_linked_to_dev_zero(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    out.mkdir()
    (out / ".scoper-cache.json").symlink_to("/dev/zero")
    made = _pack(briefs, out, timeout=60, memory_mb=1500)
    assert "Traceback" not in made.stderr and "MemoryError" not in made.stderr
    assert made.returncode == 0, made.stderr[-2000:]


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
        'See ![a [LEAK-REFALT]{.sensitive}][c].\n\n[c]: fine.png "cap [LEAK-REFCAP]{.sensitive}"\n\n',
        "See [![LEAK-IMGLINK](fine.png)](https://example.com){.sensitive}.\n\n",
        "![Chart](fine.png 'by [LEAK-CAPSQ]{ .SENSITIVE }')\n\n",
        "![Chart](fine.png (by [LEAK-CAPPAR]{.sensitive}))\n\n",
        '![Chart](fine.png "by [LEAK-A [x] B]{.sensitive}")\n\n',
        '![Chart](fine.png "by [LEAK-ESC]\\{.sensitive\\}")\n\n',
        "| a | b |\n|---|---|\n| ![x [LEAK-TBL]{.sensitive}](fine.png) | y |\n\n",
    ],
    ids=[
        "span-class=",
        "block-class=",
        "reference-image",
        "image-in-marked-link",
        "caption-single-quotes-capitals",
        "caption-parentheses",
        "caption-nested-brackets",
        "caption-escaped-braces",
        "image-in-table",
    ],
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
    """Fixed as `{.sensitive}` written there is: the public version is refused, at its line,
    and nothing is published."""
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + body + TAIL)
    (folder / "fine.png").write_bytes(PNG)
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public"])
    assert built.exit_code != 0 and "no public version" in built.output
    assert "class=sensitive" in built.output
    assert not out.exists() or not list(out.glob("*.public.*"))


# -- scoper check in forked workers ------------------------------------------------------------


def _many_briefs(folder: Path, count: int = 44) -> None:
    """Briefs the rules across a set have something to say about (a shared ref, one partner
    two ways), some invalid, one unreadable, in an order that is not the workers' order."""
    for number in range(count):
        head = HEAD.replace("PU-2026-099", f"PU-2026-{number % 7:03d}")
        body = SUMMARY + TAIL
        if number % 5 == 0:
            body = body.replace("Commitment: committed", "Commitment: in-principle")
        if number % 9 == 0:
            body = body.replace("Alcohol Health Alliance", "The Alcohol Health Alliance")
        if number % 11 == 0:
            head = head.replace("date: 2026-11-23", "date: 2026-13-45")
        _brief(folder, f"b{count - number:03d}.md", body, head)
    (folder / "b999.md").write_bytes(b"\xff\xfe not text \x00")
    os.mkfifo(folder / "b998.md")


def test_check_in_workers_says_what_one_process_says(tmp_path: Path) -> None:
    """`scoper check` over many briefs (forked workers) gives exactly the problems, in the
    order, that reading them in one process gives: nothing lost, nothing reordered."""
    import datetime as dt

    from scoper.check import CheckContext
    from scoper.config import Config
    from scoper.load import check_files, load_files

    folder = tmp_path / "briefs"
    _many_briefs(folder)
    from scoper.brief.source import find_briefs

    paths = find_briefs([folder])
    config = Config()
    context = CheckContext.for_config(config, dt.date(2026, 11, 23))
    serial = [
        (r.path, [p.format() for p in r.problems]) for r in load_files(paths, config, context)
    ]
    forked = [
        (path, [p.format() for p in found]) for path, found in check_files(paths, config, context)
    ]
    assert (os.cpu_count() or 1) < 2 or len(paths) >= 40  # the workers are used
    assert forked == serial


def test_check_in_workers_with_a_brief_at_every_cap(tmp_path: Path) -> None:
    """Briefs at the caps in many workers: a clean answer in time, no traceback."""
    folder = tmp_path / "briefs"
    _many_briefs(folder, 40)
    for number in range(4):
        _brief(folder, f"cap{number}.md", SUMMARY + "- x\n" * 3_990 + TAIL)
        _brief(folder, f"word{number}.md", SUMMARY + "y" * 1_999 + "\n\n" + TAIL)
        _brief(folder, f"brackets{number}.md", SUMMARY + "[" * 4_990 + "\n\n" + TAIL)
    checked = _scoper("check", str(folder), timeout=90, memory_mb=4000)
    assert "Traceback" not in checked.stderr
    assert checked.returncode in (0, 1), checked.stderr[-2000:]
    assert "b999.md" in checked.stdout + checked.stderr


# -- the preview: connections that are answered slowly -----------------------------------------

from tests.test_redteam import preview  # noqa: E402, F401  (the fixture is used)
from tests.test_serve_hostile import site  # noqa: E402, F401


def _slow_readers(port: int, count: int, path: str) -> list:
    """Connections that ask for a page and then read nothing, with a tiny receive window:
    the server's answer stalls in its send. They are "being answered", not waiting."""
    import socket

    held = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.settimeout(5)
        try:
            sock.connect(("127.0.0.1", port))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        except OSError:
            sock.close()
            continue
        held.append(sock)
    return held


def test_preview_slow_readers_do_not_lock_everyone_out(preview) -> None:  # noqa: F811
    import socket
    import time

    page = "/paper/alcohol-harm"
    held = _slow_readers(preview.port, 256, page)
    try:
        time.sleep(3)  # the answers are made and stall in their sends
        with socket.create_connection(("127.0.0.1", preview.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            try:
                first = sock.recv(12)
            except OSError:
                first = b""
        assert first == b"HTTP/1.1 200"
    finally:
        for sock in held:
            sock.close()


# -- the manifest of another kind: what remove_foreign deletes ---------------------------------


def _foreign_manifest(folder: Path, names: list[str]) -> None:
    from scoper import __version__

    folder.mkdir(parents=True, exist_ok=True)
    run: dict[str, object] = {
        "briefs": {},
        "images": [],
        "logo": None,
        "outputs": dict.fromkeys(names),
        "problems": [],
        "name": "pack",
        "papers": 0,
        "excluded": 0,
    }
    data = {
        "version": __version__,
        "kind": "full",
        "runs": {"x": run},
        "papers": {"../../victim": {}},
    }
    (folder / ".scoper-cache.json").write_text(json.dumps(data))


def test_a_foreign_manifest_deletes_nothing_outside_the_output_folder(tmp_path: Path) -> None:
    """A planted manifest of the other kind names files outside the folder (by a path, a
    link) and the folder's own hidden files: none is removed."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    (tmp_path / "victim.pdf").write_text("mine")
    public = out / "public"
    public.mkdir(parents=True)
    (public / "link.pdf").symlink_to(tmp_path / "victim.pdf")
    _foreign_manifest(public, ["../victim.pdf", "/etc/passwd", ".scoper-parts", "link.pdf", "a.md"])
    (public / "a.md").write_text("a brief kept here")
    made = _pack(briefs, out, "--public")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "victim.pdf").read_text() == "mine"
    assert (public / "a.md").exists()


def test_a_foreign_manifest_deletes_only_the_packs_own_outputs(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    public = out / "public"
    public.mkdir(parents=True)
    for name in ("minutes-of-the-board.docx", "budget.csv", "handbook.pdf"):
        (public / name).write_text("the user's own file, not scoper's")
    _foreign_manifest(public, ["minutes-of-the-board.docx", "budget.csv", "handbook.pdf"])
    made = _pack(briefs, out, "--public")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in public.glob("[bhm]*")) == [
        "budget.csv",
        "handbook.pdf",
        "minutes-of-the-board.docx",
    ]


def test_warm_up_sees_no_word_of_the_brief(tmp_path: Path) -> None:
    """The renderer's warm-up (outside the per-paper limits) takes only the <style> of the
    head: brief text in the head (title, authors, tags, description) cannot put any there."""
    from scoper.config import Config
    from scoper.load import load
    from scoper.pdf.render import _split_styles
    from scoper.render.html import render_html

    head = HEAD.replace(
        "title: Red team brief",
        'title: "LEAK-T </title><style>*{}</style><body"\nauthors: ["LEAK-A <style>x</style>"]\ntags: ["LEAK-G </style><style>"]',
    )
    path = _brief(tmp_path, body=SUMMARY + "<style>LEAK-B</style>\n\n" + TAIL, head=head)
    (report,) = load([path], Config())
    assert report.brief is not None, report.problems
    html = render_html(report.brief, Config(), target="pdf")
    styles = "".join(_split_styles(html)[1])
    assert styles and "LEAK" not in styles


# -- siblings of the fixes ----------------------------------------------------------------------


def test_a_kept_part_file_linked_elsewhere_is_neither_read_nor_followed(tmp_path: Path) -> None:
    """A part file (not the folder) replaced by a link to a file outside: the part is laid
    out again, and pruning removes the link, never what it points to."""
    from scoper.pack.parts import FOLDER

    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    assert _pack(briefs, out).returncode == 0
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.7 mine")
    for part in (out / FOLDER).glob("*.pdf"):
        part.unlink()
        part.symlink_to(outside)
    brief = briefs / "a.md"
    brief.write_text(brief.read_text().replace("## Summary", "## Summary\n\nNew.", 1))
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stderr
    assert outside.read_bytes() == b"%PDF-1.7 mine"
    assert b"mine" not in (out / "pack.pdf").read_bytes()


@pytest.mark.parametrize(
    "mark", ["{class=sensitive}", '{class="note sensitive"}', "{ class = sensitive }"]
)
def test_the_attribute_form_of_a_mark_in_code_refuses_the_public_version(
    tmp_path: Path, mark: str
) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + f"Run `LEAK-CODE {mark}` now.\n\n" + TAIL)
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public"])
    assert built.exit_code != 0 and "no public version" in built.output
    assert not out.exists() or not list(out.glob("*.public.*"))
