"""The seventeenth hostile-input round (docs/redteam-2026-11-round17.md): round 16's fixes
(the picture budget failing closed in ``_spend``, set by ``render_html``,
``render_pack_html`` and ``render_docx``; the pack's HTML made while the front is laid
out) attacked first, then what earlier rounds left untried.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import base64
import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam15 import _png

ROOT = Path(__file__).resolve().parent.parent

CHART = """
{.chart type=line}
| Year | England | Wales |
|---|---:|---:|
| 2021 | 1,200 | 80 |
| 2022 | 1,300 | 95.5 |

"""

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    b'<rect width="40" height="20" fill="#c00"/></svg>'
)


def _env(tmp_path: Path) -> dict[str, str]:
    """A child's environment with its own user cache, so no drawing is reused."""
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


def _media(docx: Path) -> dict[str, int]:
    with zipfile.ZipFile(docx) as archive:
        return {
            info.filename: info.file_size
            for info in archive.infolist()
            if info.filename.startswith("word/media/")
        }


def _pictured(folder: Path, name: str = "a.md", ref: str = "PU-2026-099") -> Path:
    """A brief with a PNG, an SVG and a chart drawn from a table."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.png").write_bytes(_png((0, 120, 0)))
    (folder / "d.svg").write_bytes(SVG)
    body = "![a green picture](p.png)\n\n![a red drawing](d.svg)\n\n" + CHART
    return _brief(folder, name, SUMMARY + body + TAIL, HEAD.replace("PU-2026-099", ref))


# -- 1. round 16's fix: no real output lost its pictures ---------------------------------------


@pytest.mark.parametrize("public", [False, True], ids=["full", "public"])
def test_every_format_keeps_its_pictures_now_the_budget_fails_closed(
    tmp_path: Path, public: bool
) -> None:
    """``_spend`` now says no when no budget is set. A writer that reaches ``image_bytes``
    outside ``render_html``/``render_docx`` would silently lose every picture. The HTML,
    the PDF and the Word paper (its SVG drawn as PNG), full and public, with a chart drawn
    from a table, must all still show them."""
    folder = tmp_path / "briefs"
    _pictured(folder)
    out = tmp_path / "out"
    args = ["build", str(folder), "-o", str(out), "--timeout", "60"]
    done = _scoper(*args, *(["--public"] if public else []), cwd=tmp_path, env=_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    stem = "a.public" if public else "a"
    html = (out / f"{stem}.html").read_text()
    assert "image not included" not in html
    assert html.count("data:image/png;base64,") == 1
    assert html.count("data:image/svg+xml;base64,") == 2  # the drawing and the chart
    media = _media(out / f"{stem}.docx")
    assert len(media) >= 2, media  # the PNG, and the SVG drawn as a PNG
    from pypdf import PdfReader

    reader = PdfReader(out / f"{stem}.pdf")
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 1, "the PDF lost its raster picture"
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "image not included" not in text


def test_preview_page_and_pack_page_keep_their_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's pages are made in request threads, each with an empty context: a
    page rendered outside ``render_html`` would show alt text only."""
    from scoper.preview.site import Site
    from tests.test_serve_hostile import Running

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "briefs"
    _pictured(folder)
    site = Site(folder)
    server = Running(site)
    try:
        page = server.get("/paper/a")
        pack = server.get("/pack")
    finally:
        server.stop()
        site.close()
    for status, body in (page, pack):
        assert status == 200, status
        assert b"data:image/png;base64," in body
        assert body.count(b"data:image/svg+xml;base64,") >= 2
        assert b"image not included" not in body


def test_render_functions_each_set_their_own_budget(tmp_path: Path) -> None:
    """Called bare, as a script or a future command would, ``image_bytes`` embeds nothing
    (fail closed), a budget set for a render embeds, and the budget does not leak out."""
    from scoper.brief.source import _BUDGET, image_bytes, picture_budget

    (tmp_path / "p.png").write_bytes(_png((1, 2, 3)))
    assert _BUDGET.get() is None
    assert image_bytes(tmp_path, "p.png") is None
    with picture_budget(1_000_000):
        assert image_bytes(tmp_path, "p.png") is not None
    assert _BUDGET.get() is None
    assert image_bytes(tmp_path, "p.png") is None


# -- 2. the budget escaped: Word's drawings of SVGs -------------------------------------------


def _blown_up_svg(side: int = 1000, canvas: int = 2500) -> bytes:
    """A 4 MB SVG (within 10 MB, one picture of 1 megapixel inside, a 6 megapixel canvas):
    a noise PNG stretched over the canvas. Drawn for Word at twice its size (capped at 25
    megapixels), it becomes a PNG of some 58 MB."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    inner = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{canvas}" height="{canvas}">'
        f'<image width="{canvas}" height="{canvas}" preserveAspectRatio="none" '
        f'href="data:image/png;base64,{inner}"/></svg>'
    ).encode("ascii")


def test_word_paper_budget_counts_the_png_drawn_from_an_svg(tmp_path: Path) -> None:
    """``picture_reader`` spends ``image_bytes``'s budget on the SVG's bytes, then embeds
    ``svg_to_png(data)``, up to 25 megapixels of RGBA, which no budget counts. One such
    picture is past the whole paper's 40 MB; distinct ones (641 KB each gives a 39 MB PNG,
    measured) let a paper within every documented limit carry gigabytes."""
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES

    folder = tmp_path / "briefs"
    folder.mkdir()
    svg = _blown_up_svg()
    assert len(svg) < 10 * 1024 * 1024
    (folder / "big.svg").write_bytes(svg)
    _brief(folder, "a.md", SUMMARY + "![a drawing](big.svg)\n\n" + TAIL)
    out = tmp_path / "out"
    args = ["build", str(folder), "--format", "docx", "-o", str(out)]
    done = _scoper(*args, cwd=tmp_path, env=_env(tmp_path), timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 0:
        assert sum(_media(out / "a.docx").values()) <= MAX_PAPER_IMAGE_BYTES


def test_the_same_svg_in_html_stays_small(tmp_path: Path) -> None:
    """Control: the HTML embeds the SVG itself (4 MB), well within the budget."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "big.svg").write_bytes(_blown_up_svg(400))
    _brief(folder, "a.md", SUMMARY + "![a drawing](big.svg)\n\n" + TAIL)
    out = tmp_path / "out"
    args = ["build", str(folder), "--format", "html", "-o", str(out)]
    done = _scoper(*args, cwd=tmp_path, env=_env(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert (out / "a.html").stat().st_size < 2_000_000


# -- 3. the pack's HTML made while the front is laid out --------------------------------------


def _contents_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="page-number">(\d+)<', html)]


def test_pack_html_page_numbers_agree_with_the_pdf_when_the_front_length_moves(
    tmp_path: Path,
) -> None:
    """The manifest's remembered front length is planted wrong (9 pages), so the first
    pass lays the front out with the wrong numbers and the loop must go round again: the
    HTML made on the first pass must not survive into the written pack."""
    import json

    from pypdf import PdfReader

    folder = tmp_path / "briefs"
    for k in range(3):
        _pictured(folder, f"b{k}.md", f"PU-2026-{k + 100}")
    out = tmp_path / "out"
    args = ["pack", str(folder), "-o", str(out), "--timeout", "60"]
    first = _scoper(*args, cwd=tmp_path, env=_env(tmp_path), timeout=150)
    assert first.returncode == 0, first.stdout + first.stderr
    manifests = [p for p in out.rglob("*.json") if "front-pages" in p.read_text()]
    assert manifests, list(out.iterdir())
    manifest = manifests[0]
    data = json.loads(manifest.read_text())
    data["front-pages"] = 9
    manifest.write_text(json.dumps(data))
    # A change to one brief so the pack is assembled again.
    (folder / "b1.md").write_text((folder / "b1.md").read_text() + "\n")
    second = _scoper(*args, cwd=tmp_path, env=_env(tmp_path), timeout=150)
    assert second.returncode == 0, second.stdout + second.stderr
    html = (out / "pack.html").read_text()
    pdf = PdfReader(out / "pack.pdf")
    assert "image not included" not in html
    numbers = _contents_numbers(html)
    assert numbers, "no page numbers in the pack's contents"
    # Each paper's first page in the PDF, from its title's page.
    starts = []
    for k in range(3):
        reader = PdfReader(out / f"b{k}.pdf")
        starts.append(len(reader.pages))
    front_text = "".join(page.extract_text() or "" for page in pdf.pages[:3])
    for number in numbers[:3]:
        assert str(number) in front_text
    # The papers follow the front one after another.
    assert numbers[1] - numbers[0] == starts[0]
    assert numbers[2] - numbers[1] == starts[1]
    assert numbers[0] <= 9 and numbers[0] - 1 < len(pdf.pages)
