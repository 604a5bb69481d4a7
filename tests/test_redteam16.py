"""The sixteenth hostile-input round (docs/redteam-2026-11-round16.md): round 15's fixes
(the picture budget ``picture_budget``/``_spend`` while each paper and the pack page are
made, the logo measured where embedded, ``read_review``'s regular-file check) attacked
first, then the preview over a real socket, pictures Pillow sizes differently from a
browser, the user cache and charts from tables.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam15 import _noise_png, _png

ROOT = Path(__file__).resolve().parent.parent


def _swap_after_read(monkeypatch: pytest.MonkeyPatch, swaps: dict[Path, bytes]) -> None:
    """Each picture in ``swaps`` replaced (atomically, as an editor saves) right after the
    brief is read: the window between the parser's count and the paper being made."""
    import scoper.brief.source as source

    real = source.read_brief

    def read_then_swapped(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        brief = real(*args, **kwargs)  # type: ignore[arg-type]
        for path, data in swaps.items():
            staged = path.with_name(".new-" + path.name)
            staged.write_bytes(data)
            os.replace(staged, path)
        return brief

    monkeypatch.setattr(source, "read_brief", read_then_swapped)


# -- 1. round 15's budget: is it set for every render? -----------------------------------------


def test_word_paper_keeps_the_picture_budget_after_a_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 15's fix 1 says the budget is spent by ``image_bytes`` "so the HTML, the PDF
    and the Word paper alike"; but only ``render_html`` and ``render_pack_html`` set it.
    ``render_docx`` -> ``picture_reader`` -> ``image_bytes`` runs with no budget set
    (``_BUDGET.get()`` is None, so ``_spend`` says yes to everything). Word stores one part
    per distinct picture, so the swap needs distinct files: 24 tiny PNGs, each used once
    (well within 40 MB when read), swapped for 24 different 2 MB ones, give a 48 MB Word
    file; the caps allow 4,000 distinct pictures (the list-item and ``!`` caps aside), each
    swapped for 10 MB: tens of GB."""
    from click.testing import CliRunner

    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES
    from scoper.cli import cli

    folder = tmp_path / "briefs"
    count = 24
    body = "".join(f"![picture {n}](p{n}.png)\n\n" for n in range(count))
    _brief(folder, "a.md", SUMMARY + body + TAIL)
    swaps = {}
    for n in range(count):
        (folder / f"p{n}.png").write_bytes(_png((n, 0, 0), (8, 8)))
        swaps[folder / f"p{n}.png"] = _noise_png(820)  # about 2 MB each, distinct
    assert sum(map(len, swaps.values())) > MAX_PAPER_IMAGE_BYTES
    _swap_after_read(monkeypatch, swaps)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--format", "docx", "-o", str(out)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    made = out / "a.docx"
    if result.exit_code == 0:
        with zipfile.ZipFile(made) as package:
            pictures = sum(
                info.file_size
                for info in package.infolist()
                if info.filename.startswith("word/media/")
            )
        # Safe: the Word paper embeds no more than a paper's budget of pictures.
        assert pictures <= MAX_PAPER_IMAGE_BYTES, pictures
    else:
        assert "too-large" in result.output, result.output


def test_html_paper_keeps_the_budget_for_distinct_swapped_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control for finding 1: the same swap, for the HTML paper, stays within 40 MB
    (round 15's fix holds there)."""
    from click.testing import CliRunner

    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES
    from scoper.cli import cli

    folder = tmp_path / "briefs"
    count = 24
    body = "".join(f"![picture {n}](p{n}.png)\n\n" for n in range(count))
    _brief(folder, "a.md", SUMMARY + body + TAIL)
    swaps = {}
    for n in range(count):
        (folder / f"p{n}.png").write_bytes(_png((n, 0, 0), (8, 8)))
        swaps[folder / f"p{n}.png"] = _noise_png(820)
    _swap_after_read(monkeypatch, swaps)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    size = (out / "a.html").stat().st_size
    assert size < MAX_PAPER_IMAGE_BYTES * 4 / 3 + 1_000_000, size
    html = (out / "a.html").read_text()
    assert "picture 23" in html  # the last, left out, is shown by its alt text


# -- 2. the pack page over a real socket, several requests at once -----------------------------


def test_pack_page_over_a_socket_keeps_its_budget_in_each_request_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget is a context variable; each request is answered in its own thread,
    which starts with an empty context. Two briefs of 6 uses of a 3.6 MB picture (22 MB
    each, within the paper cap) make a pack page past 40 MB; three requests at once, over
    a real socket, must each stay within one paper's budget."""
    from concurrent.futures import ThreadPoolExecutor

    from scoper.preview.site import Site
    from tests.test_serve_hostile import Running

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "p.png").write_bytes(_noise_png(1100))
    for k in range(2):
        head = HEAD.replace("PU-2026-099", f"PU-2026-{k + 100}")
        body = "".join(f"![p{n}](p.png)\n\n" for n in range(6))
        (folder / f"b{k}.md").write_text(head + SUMMARY + body + TAIL)
    site = Site(folder)
    server = Running(site)
    try:
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: server.get("/pack"), range(3)))
        paper = server.get("/b0")
    finally:
        server.stop()
        site.close()
    for status, body in answers:
        assert status == 200
        assert len(body) < 40_000_000 * 4 / 3 + 2_000_000, len(body)
        assert body.count(b"data:image/png;base64,") >= 10  # not all left out either
        assert b"[image not included: p" in body  # the rest shown by alt text
    status, body = paper
    assert status in (200, 301, 302, 303, 307, 308, 404), status


# -- 3. pictures Pillow sizes differently from a browser ----------------------------------------


def _gif(screen: tuple[int, int], frames: list[tuple[int, int]]) -> bytes:
    """A GIF of ``frames`` (each a width and height at the origin) on a logical screen of
    ``screen``: each frame's data is a clear code and an end code (the decoder fills the
    rest), so a frame of any size is a few bytes."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", *screen) + bytes([0x80, 0, 0]))
    out += b"\x00\x00\x00\xff\xff\xff"
    for width, height in frames:
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # a graphic control block: an animation
        out += b"\x2c" + struct.pack("<HHHH", 0, 0, width, height) + b"\x00"
        out += bytes([2, 2, 0x4C, 0x01, 0])
    return bytes(out + b"\x3b")


def test_a_gif_whose_first_frame_passes_its_screen_is_measured_by_the_frame(
    tmp_path: Path,
) -> None:
    """A 10x10 logical screen holding a 6000x6000 first frame (36 megapixels, in 50 bytes):
    Pillow widens its size to the frame, so the measure refuses it."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + "![g](g.gif)\n\n" + TAIL)
    (folder / "g.gif").write_bytes(_gif((10, 10), [(6000, 6000)]))
    result = _scoper("check", str(folder / "a.md"), timeout=60)
    assert result.returncode != 0
    assert "megapixels" in result.stdout + result.stderr


def test_a_later_gif_frame_past_the_screen_is_not_drawn_past_it(tmp_path: Path) -> None:
    """A later frame of 6000x6000 on a 10x10 screen: the measure sees 10x10 (Pillow sizes
    by the first frame). Browsers clip later frames to the logical screen and WeasyPrint
    draws the first frame only, so the picture is drawn at 10x10: the PDF builds, small."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + "![g](g.gif)\n\n" + TAIL)
    (folder / "g.gif").write_bytes(_gif((10, 10), [(10, 10), (6000, 6000), (6000, 6000)]))
    out = tmp_path / "out"
    result = _scoper("build", str(folder), "--format", "pdf", "-o", str(out), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "a.pdf").stat().st_size < 2_000_000


# -- 4. the logo and the review file after round 15's fixes -------------------------------------

_LOGO_SWAP = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
os.chdir({home!r})
from scoper.config import load_config
from scoper.render.html import render_html
from scoper.brief.source import read_brief
config = load_config()
logo = Path({home!r}) / "assets" / "logo.png"
logo.unlink()
{swap}
html = render_html(read_brief(Path({brief!r})), config)
print("built", len(html))
"""


@pytest.mark.parametrize(
    "swap",
    ["os.mkfifo(logo)", "os.symlink('/dev/zero', logo)", "logo.mkdir()"],
    ids=["fifo", "dev-zero", "folder"],
)
def test_a_logo_swapped_for_a_fifo_a_device_or_a_folder_is_left_out(
    tmp_path: Path, swap: str
) -> None:
    import subprocess
    import sys

    (tmp_path / ".git").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(_png((0, 0, 200)))
    (tmp_path / "scoper.toml").write_text('logo = "assets/logo.png"\n')
    os.chmod(tmp_path / "scoper.toml", 0o600)
    brief = _brief(tmp_path / "briefs")
    script = _LOGO_SWAP.format(root=str(ROOT), home=str(tmp_path), swap=swap, brief=str(brief))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("built"), run.stderr[-2000:]


@pytest.mark.parametrize("kind", ["folder", "sparse", "link-to-fifo"])
def test_review_of_odd_files_named_docx_is_a_clean_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "comments.docx"
    if kind == "folder":
        target.mkdir()
    elif kind == "sparse":
        with open(target, "wb") as handle:
            handle.truncate(3 * 1024**3)  # 3 GB of nothing, no zip directory
    else:
        os.mkfifo(tmp_path / "pipe")
        target.symlink_to(tmp_path / "pipe")
    result = _scoper("review", str(target), timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
