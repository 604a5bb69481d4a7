"""The fifteenth hostile-input round (docs/redteam-2026-11-round15.md): round 14's fixes
(``read_at_most(..., inside=...)``, ``_opened_inside``, ``read_image``, ``Keys.image``, the
per-paper picture cap ``MAX_PAPER_IMAGE_BYTES``, the preview's kept PDFs, the float cap)
attacked first, then the preview's pack page, the logo, and the Word file ``scoper review``
reads.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper

ROOT = Path(__file__).resolve().parent.parent


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (40, 20)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buffer, format="PNG", compress_level=1
    )
    return buffer.getvalue()


def _uses(count: int, name: str = "p.png") -> str:
    return "".join(f"![picture {n}]({name})\n\n" for n in range(count))


# -- 1. the per-paper cap is counted by the parser, never by the renderer ----------------------


def test_a_picture_swapped_between_read_and_render_stays_within_the_paper_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``FolderImages`` counts each use of a picture while the brief is parsed; the HTML
    is made later by ``image_resolver``, which reads the file again (a new version is a new
    key of ``read_image``) and embeds it at every use, counting nothing. ``build_many`` and
    the pack read every brief before making any paper, so the window is the time to read
    the other briefs and make the papers before this one (seconds in a folder of 40). A
    writer of the briefs folder who swaps a 1 KB picture used 25 times for a 2 MB one in
    that window gets a 67 MB paper (measured by hand: 200 uses swapped for a 3 MB picture
    made an 800 MB ``a.html`` in 7 s; the caps allow 4,999 uses of a 10 MB picture).
    Staged by swapping the picture right after the brief is read."""
    from click.testing import CliRunner

    import scoper.brief.source as source
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES
    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _uses(25) + TAIL)
    picture = folder / "p.png"
    picture.write_bytes(_png((200, 0, 0), (8, 8)))
    big = _noise_png(820)  # about 2 MB, within every per-picture cap
    real = source.read_brief

    def read_then_swapped(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        brief = real(*args, **kwargs)  # type: ignore[arg-type]
        staged = picture.with_name(".new.png")
        staged.write_bytes(big)
        os.replace(staged, picture)
        return brief

    monkeypatch.setattr(source, "read_brief", read_then_swapped)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--format", "html", "-o", str(out)])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    made = out / "a.html"
    size = made.stat().st_size if made.exists() else 0
    # Safe: the paper holds at most the cap's pictures (base64 adds a third), or is refused.
    if result.exit_code == 0:
        assert size < MAX_PAPER_IMAGE_BYTES * 4 / 3 + 1_000_000, size
    else:  # refused: with a message saying why, and no paper of the swapped picture
        assert "too-large" in result.output and size < 1_000_000, result.output


def test_each_use_of_a_picture_counts_towards_the_paper_cap(tmp_path: Path) -> None:
    """The control: the same picture shown 41 times, 1 MB each, is refused when read."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + _uses(41) + TAIL)
    data = _noise_png(580)
    assert 1_000_000 < len(data) < 1_100_000
    (folder / "p.png").write_bytes(data)
    result = _scoper("check", str(folder / "a.md"), timeout=60)
    assert result.returncode != 0
    assert "too-large" in result.stdout + result.stderr
    assert "each use counted" in result.stdout + result.stderr


# -- 2. the preview's pack page: every paper's pictures, made again on every request ----------

_PACK_PAGE = """
import io, os, resource, sys
from pathlib import Path
from PIL import Image
sys.path.insert(0, {root!r})
from tests.test_redteam import HEAD, SUMMARY, TAIL
folder = Path({folder!r})
buffer = io.BytesIO()
Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3)).save(
    buffer, format="PNG", compress_level=1)
(folder / "p.png").write_bytes(buffer.getvalue())
uses = 36_000_000 // len(buffer.getvalue())
for k in range({papers}):
    head = HEAD.replace("PU-2026-099", f"PU-2026-{{k + 100}}")
    body = "".join("![p](p.png)\\n\\n" for _ in range(uses))
    (folder / f"b{{k}}.md").write_text(head + SUMMARY + body + TAIL)
os.chdir(folder.parent)
from scoper.preview.site import Site
site = Site(folder)
index = site.handle("GET", "/", "127.0.0.1")
bad = [e.path.name for e in site.briefs.entries(__import__("scoper.config").config.load_config())
       if not e.report.ok]
page = site.handle("GET", "/pack", "127.0.0.1")
print(index.status, page.status, len(page.body), bad,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
site.close()
"""


def test_the_preview_pack_page_is_bounded_when_each_paper_is_within_its_cap(
    tmp_path: Path,
) -> None:
    """Two briefs, each within the 40 MB cap (a 3.6 MB picture used 9 times), sharing one
    picture: the pack page is one HTML document of about 100 MB, made afresh on every
    request (and every live reload), four at once. Measured by hand: 3 such briefs made a
    156 MB page in 2.2 s with 1.4 GB peak memory per request; 40 briefs (a weekly pack)
    would be about 2 GB a page and tens of GB of memory, from one 10 MB picture on disk.
    ``scoper pack`` writes the same whole-pack HTML."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    script = _PACK_PAGE.format(root=str(ROOT), folder=str(folder), papers=2)
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    index, status, size, bad, _rss = run.stdout.split(maxsplit=4)
    assert (index, bad) == ("200", "[]"), run.stdout  # each paper is within its own cap
    # Safe: one page embeds no more than one paper may (or the page is refused).
    assert status != "200" or int(size) < 40_000_000 * 4 / 3 + 2_000_000, run.stdout


# -- 3. the logo: measured when the config is read, embedded by name later --------------------


def test_the_logo_embedded_is_the_logo_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``parse_config`` checks the logo (2 MB, ``image_size_ok``); ``render_html`` then
    embeds ``data_uri(config.logo, mtime)``, ``path.read_bytes()`` by name, following
    links, with no limit and no measure. A logo kept where others can write (a shared
    assets folder; only the config, its folder and ``templates/`` are checked for that)
    swapped after the config is read, or in the preview (which reads the config on every
    request) at any moment, goes into every paper as it is: a link to ``/dev/zero`` takes
    all memory, a FIFO hangs, an SVG bomb reaches every reader's browser."""
    from scoper.config import load_config
    from scoper.render.html import render_html

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "assets").mkdir()
    logo = tmp_path / "assets" / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (tmp_path / "scoper.toml").write_text('logo = "assets/logo.svg"\n')
    os.chmod(tmp_path / "scoper.toml", 0o600)
    config = load_config()
    assert config.logo is not None
    layers = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, 10):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
        layers.append(f'<g id="l{level}">{uses}</g>')
    bomb = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>'
        + "".join(layers)
        + '</defs><use href="#l9"/></svg>'
    )
    staged = logo.with_name(".new.svg")
    staged.write_text(bomb)
    os.replace(staged, logo)
    folder = tmp_path / "briefs"
    from scoper.brief.source import read_brief

    html = render_html(read_brief(_brief(folder)), config)
    import base64

    assert base64.b64encode(bomb.encode()).decode() not in html


# -- 4. scoper review: the Word file itself ---------------------------------------------------


def test_review_of_a_fifo_named_docx_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "comments.docx"
    os.mkfifo(fifo)
    try:
        result = _scoper("review", str(fifo), timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("scoper review waited for a writer")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_review_of_a_link_to_dev_zero_is_a_clean_error(tmp_path: Path) -> None:
    link = tmp_path / "comments.docx"
    os.symlink("/dev/zero", link)
    result = _scoper("review", str(link), timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "comments.docx" in result.stderr


# -- what held ---------------------------------------------------------------------------------


def test_read_at_most_inside_refuses_a_link_at_the_last_step_and_a_folder_link(
    tmp_path: Path,
) -> None:
    """Round 14's fix 1: ``read_at_most(..., inside=...)`` opens without following a link
    at the last step and checks the open file's own path; a folder on the way that is a
    link out of the brief's folder shows in ``/proc/self/fd``."""
    from scoper.brief.source import read_at_most, read_image

    folder, home = tmp_path / "briefs", tmp_path / "home"
    (home / "sub").mkdir(parents=True)
    folder.mkdir()
    (home / "secret.png").write_bytes(_png((0, 0, 200)))
    (home / "sub" / "secret.png").write_bytes(_png((0, 0, 201)))
    os.symlink(home / "secret.png", folder / "chart.png")
    os.symlink(home / "sub", folder / "sub")
    root = folder.resolve()
    with pytest.raises(OSError):
        read_at_most(folder / "chart.png", 10_000_000, root)
    with pytest.raises(OSError):
        read_image(folder / "chart.png", root)
    with pytest.raises(OSError):  # the last step is a file; the folder before it a link out
        read_at_most(folder / "sub" / "secret.png", 10_000_000, root)
    (folder / "real.png").write_bytes(_png((1, 2, 3)))
    assert read_image(folder / "real.png", root) == _png((1, 2, 3))


def test_the_pack_keys_never_open_a_picture_linked_out(tmp_path: Path) -> None:
    """``Keys.image`` digests only what ``read_image(..., inside)`` reads: a link out of
    the folder is keyed by its name, and nothing of the file reaches the manifest."""
    from scoper.config import Config
    from scoper.pack.cache import Keys
    from scoper.pack.files import RunFiles
    from scoper.render.theme import theme_for

    folder, home = tmp_path / "briefs", tmp_path / "home"
    home.mkdir()
    folder.mkdir()
    (home / "secret.png").write_bytes(_png((0, 0, 200)))
    os.symlink(home / "secret.png", folder / "chart.png")
    (folder / "ok.png").write_bytes(_png((5, 5, 5)))
    keys = Keys(Config(), theme_for(None), RunFiles())
    assert keys.image(folder, "chart.png") is None
    assert keys.image(folder, "ok.png") is not None


@pytest.mark.parametrize(
    "value",
    [
        "1:" + "59:" * 12 + "59.5",  # within 40 characters: read
        "1:" + "59:" * 300 + "59.5",  # round 14's finding 3
        "1." + "0" * 38 + "e+308",
        "-.inf",
        "0x" + "f" * 39,
        "1_" * 30 + "1.5",
    ],
)
def test_long_floats_are_values_or_clean_problems(tmp_path: Path, value: str) -> None:
    folder = tmp_path / "briefs"
    _brief(folder, head=HEAD.replace("classification:", f"notes: {value}\nclassification:"))
    result = _scoper("check", str(folder / "a.md"), timeout=30)
    assert "internal-error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_preview_keeps_a_bounded_number_of_pdf_bytes() -> None:
    """Round 14's fix 2 (read): the oldest kept PDFs go first until the new one fits in
    256 MB; a single PDF is bounded by the worker's 1 GB memory limit."""
    from scoper.preview import site

    assert site.KEPT_PDF_BYTES == 256 * 1024 * 1024
    source = Path(site.__file__).read_text()
    assert "sum(map(len, self._pdfs.values())) + len(outcome.pdf) > KEPT_PDF_BYTES" in source


def test_a_config_that_is_large_or_a_fifo_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = tmp_path / "scoper.toml"
    config.write_text("# x\n" * 400_000)  # 1.6 MB
    os.chmod(config, 0o600)
    _brief(tmp_path / "briefs")
    result = _scoper("check", "briefs", cwd=tmp_path, timeout=30)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "scoper.toml" in result.stdout + result.stderr
    config.unlink()
    os.mkfifo(config)
    result = _scoper("check", "briefs", cwd=tmp_path, timeout=30)
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_a_huge_or_fifo_snapshot_for_since_is_a_clean_error(tmp_path: Path) -> None:
    """``--since FILE``: read with ``read_limited`` (a regular file, opened without
    waiting, within its limit), so a sparse 3 GB file or a FIFO is a SnapshotError."""
    from scoper.pack.snapshot import SnapshotError, read_snapshot

    big = tmp_path / "big.snapshot.json"
    with big.open("wb") as stream:
        stream.truncate(3_000_000_000)  # sparse: 3 GB claimed
    fifo = tmp_path / "fifo.snapshot.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.snapshot.json"
    os.symlink("/dev/zero", zero)
    for snapshot in (big, fifo, zero):
        with pytest.raises(SnapshotError):
            read_snapshot(snapshot)
