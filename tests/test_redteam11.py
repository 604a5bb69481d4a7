# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The eleventh hostile-input round (docs/redteam-2026-11-round11.md): round 10's fixes
(``write_atomic``'s checks around the rename, the in-line ``Sensitive:`` form) attacked
first, then what round 10 did not try (charts in a public version, ``scoper new`` in a
folder of hostile files, the Word paper's second read of its brief).

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import base64
import os
import re
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import SUMMARY
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam10 import AC, EV, PA, _public

# -- the atomic writer: a link or another file swapped in at each step ----------------------------


def _shared_out(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A brief, an output folder anyone can write (no sticky bit), and a private file of
    the user's that an attacker would like to have chmodded, replaced or shown."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + EV + PA + AC)
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    os.chmod(secret, 0o600)
    return folder / "a.md", out, secret


def _build_html(brief: Path, out: Path) -> tuple[int, str]:
    old_umask = os.umask(0o022)
    try:
        built = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "html"])
    finally:
        os.umask(old_umask)
    return built.exit_code, built.output + repr(built.exception or "")


def _assert_secret_untouched(secret: Path, out: Path) -> None:
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text() == "PRIVATE KEY"
    paper = out / "a.html"
    assert not paper.is_symlink()
    if paper.exists():
        assert paper.stat().st_ino != secret.stat().st_ino
        assert "PRIVATE KEY" not in paper.read_text()


@pytest.mark.parametrize("planted", ["symlink", "hardlink", "own-file"])
def test_a_temporary_file_swapped_between_the_check_and_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    """The attacker acts in the window round 10's fix leaves: after ``_same_file`` has
    checked the name, before ``os.replace``. A link to the user's key, a hard link to it
    (root here; elsewhere ``protected_hardlinks`` stops it), or a file of the attacker's
    own is put in place of ``.a.html.XXXX.tmp``: the post-rename check must remove it and
    fail the write, so none becomes the paper and the key keeps its mode."""
    brief, out, secret = _shared_out(tmp_path)
    real_replace = os.replace
    acted: list[str] = []

    def attacker(src: str, dst: str, *args: object, **kwargs: object) -> None:
        if str(src).endswith(".tmp") and Path(src).parent == out and not acted:
            acted.append(src)
            real_replace(src, src + ".moved")
            if planted == "symlink":
                os.symlink(secret, src)
            elif planted == "hardlink":
                os.link(secret, src)
            else:
                Path(src).write_text("<p>the attacker's paper</p>")
        real_replace(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", attacker)
    code, output = _build_html(brief, out)
    monkeypatch.undo()
    assert acted, "the writer never renamed a temporary file"
    _assert_secret_untouched(secret, out)
    assert code != 0 and "Traceback" not in output, output
    assert not (out / "a.html").exists(), "a swapped-in file became the paper"


def test_a_link_swapped_in_for_the_paper_just_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename happens, then the attacker puts a link to the key at ``a.html`` before
    the writer looks: the writer removes the link (not the key) and fails."""
    brief, out, secret = _shared_out(tmp_path)
    real_replace = os.replace

    def attacker(src: str, dst: str, *args: object, **kwargs: object) -> None:
        real_replace(src, dst, *args, **kwargs)  # type: ignore[arg-type]
        if Path(dst) == out / "a.html":
            os.unlink(dst)
            os.symlink(secret, dst)

    monkeypatch.setattr(os, "replace", attacker)
    code, output = _build_html(brief, out)
    monkeypatch.undo()
    _assert_secret_untouched(secret, out)
    assert code != 0 and "Traceback" not in output, output


def test_planted_leftovers_of_every_kind(tmp_path: Path) -> None:
    """``_remove_leftovers`` globs ``.a.html.*.tmp`` and removes the old ones: planted as a
    link to the key, a FIFO, a folder with a file in it, and a hard link to the key, all
    made to look old. Only names are removed: the key stays, the FIFO is never opened
    (the build does not hang), the folder's file stays."""
    brief, out, secret = _shared_out(tmp_path)
    old = time.time() - 3600
    link = out / ".a.html.000000000000.tmp"
    link.symlink_to(secret)
    fifo = out / ".a.html.111111111111.tmp"
    os.mkfifo(fifo)
    folder = out / ".a.html.222222222222.tmp"
    folder.mkdir()
    (folder / "keep").write_text("kept")
    hard = out / ".a.html.333333333333.tmp"
    os.link(secret, hard)
    for planted in (fifo, folder, secret):
        os.utime(planted, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    code, output = _build_html(brief, out)
    assert code == 0, output
    _assert_secret_untouched(secret, out)
    assert (folder / "keep").read_text() == "kept"
    assert (out / "a.html").is_file()


# -- the in-line Sensitive: form after round 10's fix --------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "## Costs\nThe figure is agreed. ***Sensitive:*** LEAK-BI the cost is £3bn.\n\n{EV}{PA}{AC}",
        "## Costs\nThe figure is agreed. ***Sensitive***: LEAK-BJ the cost is £3bn.\n\n{EV}{PA}{AC}",
        "## Costs\nThe figure is agreed. *__Sensitive:__* LEAK-MIX the cost is £3bn.\n\n{EV}{PA}{AC}",
    ],
    ids=["bold-italic", "bold-italic-colon-after", "mixed-markers"],
)
def test_sensitive_within_a_line_in_bold_italic(tmp_path: Path, body: str) -> None:
    """``**Sensitive:**`` and ``*Sensitive:*`` within a line refuse the public version
    (the writer asked for a mark scoper does not read there); with three markers, or
    ``*`` and ``__`` mixed, the lookbehind ``(?<![\\w*_])`` and ``[*_]{1,2}`` miss it and
    the words after it are published. Safe: refused (or withheld), nothing published."""
    code, output, found = _public(tmp_path, body)
    assert found == {}, (code, output, found)


def test_sensitive_within_a_line_in_bold_is_refused(tmp_path: Path) -> None:
    """The control: two markers are refused, as round 9's fix meant."""
    code, output, found = _public(
        tmp_path,
        "## Costs\nThe figure is agreed. **Sensitive:** LEAK-B the cost is £3bn.\n\n{EV}{PA}{AC}",
    )
    assert code != 0 and "no public version" in output and found == {}


@pytest.mark.parametrize(
    "body",
    [
        "## Handling\nThese figures are **sensitive**: do not share them beyond the unit.\n\n{EV}{PA}{AC}",
        "## Handling\nThe timing is *sensitive*: the announcement is in the King's Speech.\n\n{EV}{PA}{AC}",
    ],
    ids=["strong", "em"],
)
def test_an_emphasised_adjective_sensitive_in_prose(tmp_path: Path, body: str) -> None:
    """The word alone in emphasis before a colon: prose here, but written exactly as the
    field is within a line (round 12's finding 4 showed no narrower rule tells them apart
    by their punctuation). Decided after round 12: fail closed, with a message that says
    how to reword prose, rather than publish a field that was meant as a mark."""
    code, output, _ = _public(tmp_path, body)
    assert code != 0 and "write it without the emphasis or colon" in output, output


# -- charts in a public version -----------------------------------------------------------------


def _svgs(out: Path) -> list[str]:
    found = []
    for page in out.rglob("*.html"):
        for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page.read_text()):
            found.append(base64.b64decode(data).decode("utf-8", "replace"))
    return found


@pytest.mark.parametrize(
    "table",
    [
        "{.chart type=bar}\n| Year | Cost |\n|---|---|\n| 2024 | 100 |\n| 2025 | [987]{.sensitive} |\n",
        "{.chart type=line}\n| Year | Cost | Other |\n|---|---|---|\n| 2024 | 100 | 5 |\n| 2025 | 1[987]{.sensitive} | 6 |\n",
        "{.chart type=stacked-bar}\n| Year | Cost |\n|---|---|\n| 2024 | 100 |\n| 2025 | 987[ (LEAK-CELL)]{.sensitive} |\n",
    ],
    ids=["bar-cell", "line-part-of-cell", "stacked-bar-tail"],
)
def test_a_withheld_number_is_not_drawn(tmp_path: Path, table: str) -> None:
    """A chart drawn from a table with a marked number: the public chart (an SVG inside
    the HTML, base64) draws no bar, point or label for it, and its alt text names none."""
    code, output, found = _public(tmp_path, "## Costs\n" + table + "\n{EV}{PA}{AC}")
    assert code == 0 and found == {}, output
    svgs = _svgs(tmp_path / "out")
    assert svgs, "no chart drawn"
    for svg in svgs:
        assert "987" not in svg and "LEAK" not in svg
    page = (tmp_path / "out" / "rt.public.html").read_text()
    assert "LEAK" not in page and ("987" not in page or "987[" in table)


# -- scoper new reads every brief in the folder --------------------------------------------------


def test_scoper_new_beside_a_fifo(tmp_path: Path) -> None:
    """``next_ref`` reads every ``*.md`` in the folder with ``Path.read_bytes``: a FIFO
    (typed by a careless glob, or planted in a shared briefs folder) blocks it for good."""
    (tmp_path / "briefs").mkdir()
    os.mkfifo(tmp_path / "briefs" / "pipe.md")
    try:
        made = _scoper("new", "A title", "--dir", "briefs", cwd=tmp_path, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("scoper new hung on a FIFO")
    assert made.returncode == 0 and (tmp_path / "briefs" / "a-title.md").is_file(), made.stderr


def test_scoper_new_beside_a_link_to_dev_zero(tmp_path: Path) -> None:
    """The same read, of a link to ``/dev/zero``: all the memory there is, then a
    MemoryError traceback (bounded here by a 1 GB address-space limit)."""
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "zero.md").symlink_to("/dev/zero")
    try:
        made = _scoper(
            "new", "A title", "--dir", "briefs", cwd=tmp_path, timeout=60, memory_mb=1024
        )
    except subprocess.TimeoutExpired:
        pytest.fail("scoper new ran on for a minute")
    assert made.returncode == 0 and "Traceback" not in made.stderr, made.stderr[-800:]


def test_scoper_new_beside_ordinary_briefs(tmp_path: Path) -> None:
    """The control: with only regular briefs it takes the next ref and writes the file."""
    folder = tmp_path / "briefs"
    _brief(folder, "old.md", SUMMARY + EV + PA + AC)
    made = _scoper("new", "A title", "--dir", "briefs", cwd=tmp_path, timeout=30)
    assert made.returncode == 0, made.stderr
    assert (folder / "a-title.md").is_file()


# -- the Word paper reads its brief a second time, by name ----------------------------------------


def test_the_word_digest_reads_the_brief_again_without_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``scoper/docx/paper.py`` takes the brief's SHA-256 with ``Path(brief.path).read_bytes()``
    after the brief was read (within 2 MB, regular files only). Whoever can write the
    briefs folder swaps the name for a link to a 64 MB file (or ``/dev/zero``, a FIFO)
    between the two: it is read whole (all memory, or a hang outside any time limit), and
    the paper records the digest of a file that is not the brief it shows. Staged here by
    swapping at the second read; safe: no read of the brief's name past the size limit."""
    folder = tmp_path / "briefs"
    brief = _brief(folder, "a.md", SUMMARY + EV + PA + AC)
    big = tmp_path / "big"
    with open(big, "wb") as stream:
        stream.truncate(64 * 1024 * 1024)
    real_read_bytes = Path.read_bytes
    sizes: list[int] = []

    def read_bytes(self: Path) -> bytes:
        if str(self) == str(brief) and not sizes:
            os.rename(brief, str(brief) + ".orig")
            os.symlink(big, brief)
        data = real_read_bytes(self)
        if str(self) == str(brief):
            sizes.append(len(data))
        return data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    built = CliRunner().invoke(
        cli, ["build", str(brief), "-o", str(tmp_path / "out"), "--format", "docx"]
    )
    monkeypatch.undo()
    # Fixed: the brief is never read again by name (the digest is of the bytes first read,
    # kept on the model), so no swap can be staged at a second read.
    assert built.exit_code == 0, built.output
    assert sizes == [], f"the brief was read again by name: {sizes}"
    import hashlib

    from scoper.docx.review import DIGEST_PROPERTY, _properties

    with zipfile.ZipFile(tmp_path / "out" / "a.docx") as package:
        from lxml import etree

        custom = etree.fromstring(package.read("docProps/custom.xml"))
    assert _properties(custom)[DIGEST_PROPERTY] == hashlib.sha256(brief.read_bytes()).hexdigest()
