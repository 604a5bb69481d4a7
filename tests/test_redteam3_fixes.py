"""Sibling cases of the fifth hostile-input round's findings (docs/redteam-2026-11-round3.md),
tried after their fixes: each class, not only the example the round found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from scoper.config import Config
from scoper.pack.build import build_pack
from tests.test_redteam import HEAD, SUMMARY, TAIL, _pdf_bytes, leaks, public_outputs

PNG = (Path(__file__).parent / "hostile" / "images" / "fine.png").read_bytes()

TODAY = dt.date(2026, 11, 23)


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): _pdf_bytes(path)
        if path.suffix == ".pdf"
        else path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# -- finding 1: the pack's cache and the kind of pack -----------------------------------------


def test_a_public_pack_removes_full_papers_it_leaves_out(tmp_path: Path) -> None:
    """A full pack written where the public one goes, with a brief the public pack leaves
    out (``public: false``): its full paper must not stay beside the public papers."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "open.md").write_text(HEAD + SUMMARY + TAIL)
    closed = HEAD.replace("ref: PU-2026-099", "ref: PU-2026-098\npublic: false")
    (briefs / "closed.md").write_text(
        closed + SUMMARY.replace("roundtable", "LEAK-CLOSED roundtable") + TAIL
    )
    paths = sorted(briefs.glob("*.md"))
    full = build_pack(paths, Config(), tmp_path / "out" / "public", today=TODAY)
    assert full.ok, full.problems
    assert (tmp_path / "out" / "public" / "closed.pdf").exists()
    public = build_pack(
        paths, Config(), tmp_path / "out", today=TODAY, public=True, keep_going=True
    )
    assert public.name, public.problems
    assert not (tmp_path / "out" / "public" / "closed.pdf").exists()
    assert leaks(_folder_bytes(tmp_path / "out" / "public")) == {}


@pytest.mark.parametrize("week", [None, "2026-W48"], ids=["every-brief", "week"])
def test_a_public_pack_removes_every_file_a_full_pack_wrote(
    tmp_path: Path, week: str | None
) -> None:
    """Every file of a full pack written where the public one goes (its papers, the pack,
    the tracker's CSV, the snapshot, named by the week or by the date) is gone or made
    again by the public pack: none of the full pack's bytes stays."""
    from scoper.pack.model import Week

    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "open-2.md").write_text(HEAD + SUMMARY + TAIL)
    paths = sorted(briefs.glob("*.md"))
    folder = tmp_path / "out" / "public"
    chosen = Week.parse(week) if week else None
    full = build_pack(paths, Config(), folder, week=chosen, today=TODAY, actions_csv=True)
    assert full.ok, full.problems
    written = {
        path.name: path.read_bytes() for path in folder.iterdir() if not path.name.startswith(".")
    }
    assert any(name.endswith("-actions.csv") for name in written), sorted(written)
    assert any(name.endswith(".snapshot.json") for name in written), sorted(written)
    # A day later (in the same week): a snapshot named by its date is not simply written over.
    later = TODAY + dt.timedelta(days=1)
    public = build_pack(paths, Config(), tmp_path / "out", week=chosen, today=later, public=True)
    assert public.name, public.problems
    stayed = [
        name
        for name, data in written.items()
        if (folder / name).exists() and (folder / name).read_bytes() == data
    ]
    assert stayed == []


def test_a_full_pack_never_takes_public_papers(tmp_path: Path) -> None:
    """The reverse: a public pack in a folder, then the full pack written there, must be the
    full papers (an integrity fault otherwise), rendered again."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "a.md").write_text(
        HEAD + SUMMARY.replace("roundtable.", "roundtable with [LEAK-KEPT]{.sensitive}.") + TAIL
    )
    paths = sorted(briefs.glob("*.md"))
    public = build_pack(paths, Config(), tmp_path, today=TODAY, public=True)
    assert public.ok, public.problems
    assert leaks(_folder_bytes(tmp_path / "public")) == {}
    full = build_pack(paths, Config(), tmp_path / "public", today=TODAY)
    assert full.ok and full.rendered > 0
    assert "a.pdf" in leaks(_folder_bytes(tmp_path / "public"))


def test_another_public_marking_renders_again(tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "a.md").write_text(HEAD + SUMMARY + TAIL)
    paths = sorted(briefs.glob("*.md"))
    first = build_pack(paths, Config(), tmp_path, today=TODAY, public=True)
    assert first.ok and first.rendered > 0
    again = build_pack(paths, Config(public_marking="PUBLIC"), tmp_path, today=TODAY, public=True)
    assert again.ok and again.rendered > 0


# -- findings 2 and 8: marks in an image's description and a figure's caption -----------------


@pytest.mark.parametrize(
    "image",
    [
        "[![a [LEAK-LINKED]{.sensitive} b](fine.png)](https://example.com/)",
        "![a *[LEAK-EMPH]{.sensitive}* b](fine.png)",
        '![a [LEAK-EXEMPT]{.sensitive exemption="s43"} b](https://example.com/x.png)',
        '![Chart](fine.png "Caption {.sensitive} LEAK-WHOLE words")',
        "![Chart](fine.png \"A [LEAK-SINGLE]{ .Sensitive exemption='s27' }\")",
    ],
    ids=["in-a-link", "in-emphasis", "exemption", "whole-caption", "spaced-capital"],
)
def test_public_marks_in_image_descriptions_and_captions(tmp_path: Path, image: str) -> None:
    body = SUMMARY + "See this.\n\n" + image + "\n\n" + TAIL
    outputs = public_outputs(tmp_path, body, formats="html,pdf,docx", files={"fine.png": PNG})
    assert leaks(outputs) == {}
    html = next(data for name, data in outputs.items() if name.endswith(".html"))
    assert b"withheld" in html


def test_public_a_marked_image_in_a_table_cell(tmp_path: Path) -> None:
    body = (
        SUMMARY + "| a | b |\n|---|---|\n| ![x [LEAK-CELL]{.sensitive}](fine.png) | y |\n\n" + TAIL
    )
    assert leaks(public_outputs(tmp_path, body, files={"fine.png": PNG})) == {}


def test_the_full_paper_shows_a_marked_caption_without_its_braces(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "fine.png").write_bytes(PNG)
    (folder / "rt.md").write_text(
        HEAD + SUMMARY + '![Chart](fine.png "Margins [by brand]{.sensitive}")\n\n' + TAIL
    )
    built = CliRunner().invoke(cli, ["build", str(folder / "rt.md"), "-o", str(tmp_path / "o")])
    assert built.exit_code == 0, built.output
    html = (tmp_path / "o" / "rt.html").read_text()
    assert "Margins by brand" in html and "{.sensitive}" not in html


@pytest.mark.parametrize(
    ("head", "body", "where"),
    [
        (HEAD, SUMMARY + "![a [x]{.sensitve} b](fine.png)\n\n", ":10:"),
        (HEAD.replace("title: Red team brief", 'title: "Talks {.sensitive}"'), SUMMARY, "rt.md:"),
    ],
    ids=["misspelt-in-alt", "front-matter"],
)
def test_public_refuses_marks_it_cannot_read(
    tmp_path: Path, head: str, body: str, where: str
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "fine.png").write_bytes(PNG)
    (folder / "rt.md").write_text(head + body + TAIL)
    out = tmp_path / "o"
    built = CliRunner().invoke(cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public"])
    assert built.exit_code != 0
    assert "no public version" in built.output and where in built.output
    assert not out.exists() or not any(out.iterdir())


# -- finding 6: digits Python reads otherwise -------------------------------------------------


@pytest.mark.parametrize(
    "digits", ["9" * 5000, "\u0669\u0669"], ids=["5000-digits", "arabic-indic"]
)
def test_next_ref_ignores_refs_of_odd_digits(tmp_path: Path, digits: str) -> None:
    from scoper.project import next_ref

    (tmp_path / "a.md").write_text(HEAD.replace("PU-2026-099", f"PU-2026-{digits}") + SUMMARY)
    (tmp_path / "b.md").write_text(HEAD.replace("PU-2026-099", "PU-2026-007") + SUMMARY)
    assert next_ref(tmp_path, "PU", 2026) == "PU-2026-008"


# -- finding 7: the ends of the calendar in the Word paper ------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "0999-12-31", "1000-01-01", "9999-12-31"])
def test_the_word_paper_at_the_ends_of_the_calendar(tmp_path: Path, day: str) -> None:
    import docx

    folder = tmp_path / "b"
    folder.mkdir()
    head = HEAD.replace("2026-11-23", day)
    body = (SUMMARY + TAIL).replace("Due: 2026-12-11", f"Due: {day}")
    (folder / "rt.md").write_text(head.replace("---\n", f"---\ndecision-by: {day}\n", 1) + body)
    out = tmp_path / "o"
    built = CliRunner().invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--format", "docx"]
    )
    assert built.exit_code == 0 and "internal-error" not in built.output, built.output
    core = docx.Document(str(out / "rt.docx")).core_properties
    if day >= "1000":  # earlier years cannot be written as W3CDTF: left as the template's
        assert core.created.date().isoformat() == day


# -- finding 9: the user's umask --------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o077, 0o027, 0o022, 0o002])
def test_write_atomic_makes_files_as_the_umask_says(tmp_path: Path, mask: int) -> None:
    import os

    from scoper.output import current_umask, write_atomic

    old = os.umask(mask)
    try:
        assert current_umask() == mask
        write_atomic(tmp_path / "new.html", b"x")
        (tmp_path / "old.html").write_bytes(b"old")
        os.chmod(tmp_path / "old.html", 0o644)
        write_atomic(tmp_path / "old.html", b"y")
    finally:
        os.umask(old)
    for name in ("new.html", "old.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_pack_keeps_the_users_umask(tmp_path: Path) -> None:
    import os

    briefs = tmp_path / "briefs"
    briefs.mkdir()
    (briefs / "a.md").write_text(HEAD + SUMMARY + TAIL)
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    old = os.umask(0o077)
    try:
        done = build_pack(sorted(briefs.glob("*.md")), Config(), out, today=TODAY, actions_csv=True)
    finally:
        os.umask(old)
    assert done.ok, done.problems
    made = [p for p in out.rglob("*") if p.is_file()]
    assert len(made) >= 4
    assert all(p.stat().st_mode & 0o077 == 0 for p in made), made


# -- finding 4: the user cache ----------------------------------------------------------------


def _cache_at(monkeypatch: pytest.MonkeyPatch, base: Path) -> Path | None:
    from scoper.usercache import cache_folder

    monkeypatch.setenv("XDG_CACHE_HOME", str(base))
    return cache_folder("probe")


def test_the_user_cache_is_made_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "cache"
    folder = _cache_at(monkeypatch, base)
    assert folder == base / "scoper" / "probe"
    for made in (base / "scoper", folder):
        assert made.stat().st_mode & 0o777 == 0o700
    # A cache folder of an older scoper, readable by all: made private, still used.
    (base / "scoper").chmod(0o755)
    folder.chmod(0o755)
    assert _cache_at(monkeypatch, base) == folder
    assert folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    "spoil",
    [
        lambda base: base.chmod(0o777),  # the cache folder itself is shared
        lambda base: base.chmod(0o775),
        lambda base: base.chmod(0o1777),  # sticky: others may still add their own folders
        lambda base: (base / "scoper").chmod(0o777),
        lambda base: (base / "scoper" / "probe").chmod(0o770),
        lambda base: base.parent.chmod(0o777),  # a folder above that anyone may rename in
    ],
    ids=["base-777", "base-775", "base-sticky", "scoper-777", "name-770", "parent-777"],
)
def test_a_cache_others_can_write_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil
) -> None:
    base = tmp_path / "above" / "cache"
    assert _cache_at(monkeypatch, base) is not None
    spoil(base)
    try:
        assert _cache_at(monkeypatch, base) is None
    finally:
        base.parent.chmod(0o755)


def test_a_cache_owned_by_another_user_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    base = tmp_path / "cache"
    assert _cache_at(monkeypatch, base) is not None
    monkeypatch.setattr(os, "getuid", lambda: 4242)
    assert _cache_at(monkeypatch, base) is None


def test_a_cached_chart_is_measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart in the cache that is not a chart scoper drew within the limits is drawn again."""
    import json

    from scoper.brief.figures import ChartData
    from scoper.render import chart as chart_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = ChartData(["2024", "2025"], [("Sales", [3.0, 5.0])], "Year")
    first = chart_module.draw(data, {}, "c1")
    (kept,) = (tmp_path / "cache").rglob("*.json")
    bomb = "<svg xmlns='http://www.w3.org/2000/svg'>" + "<g>" * 200 + "</g>" * 200 + "</svg>"
    kept.write_text(json.dumps({"svg": bomb, "alt": "FORGED"}))
    again = chart_module.draw(data, {}, "c1")
    assert again.svg == first.svg and again.alt == first.alt


# -- finding 3: what an SVG holds, and drawing it for Word --------------------------------------

SVG_OPEN = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' width="100" height="100">'
)


def _b64(data: bytes | str) -> str:
    import base64

    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _svg(inside: str) -> str:
    return SVG_OPEN + inside + "</svg>"


def _image(svg: str) -> str:
    return f'<image href="data:image/svg+xml;base64,{_b64(svg)}"/>'


def _png_image(width: int, height: int, attrs: str = "") -> str:
    from tests.test_redteam3 import _png_of_zeros

    return f'<image{attrs} href="data:image/png;base64,{_b64(_png_of_zeros(width, height))}"/>'


def _bomb() -> str:
    from tests.test_redteam3 import _use_bomb

    return _use_bomb()


def _svg_refused(svg: str) -> str | None:
    from scoper.brief.svg import SvgRefused, check_svg

    try:
        check_svg(svg.encode())
    except SvgRefused as refused:
        return str(refused)
    return None


def _bomb_uri() -> str:
    return f"data:image/svg+xml;base64,{_b64(_bomb())}"


HOLDS = {
    "percent-encoded": lambda: _svg(
        f'<image href="data:image/svg+xml,{__import__("urllib.parse").parse.quote(_bomb())}"/>'
    ),
    "feImage": lambda: _svg(f'<filter id="f"><feImage href="{_bomb_uri()}"/></filter>'),
    "style-attribute": lambda: _svg(f'<rect style="mask-image:url({_bomb_uri()})"/>'),
    "style-element": lambda: _svg(f'<style>rect {{ mask-image: url("{_bomb_uri()}") }}</style>'),
    "image-set": lambda: _svg(f'<style>rect {{ mask: image-set("{_bomb_uri()}" 1x) }}</style>'),
    "mask-attribute": lambda: _svg(f'<rect mask="url({_bomb_uri()})"/>'),
    "import": lambda: _svg('<style>@import "x.css";</style>'),
    "css-escape": lambda: _svg("<style>rect { fill: url(d\\61ta:x) }</style>"),
    "foreignObject": lambda: _svg(
        '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>'
    ),
    "three-deep": lambda: _svg(_image(_svg(_image(_svg(_image(_svg("<rect/>"))))))),
    "text-html": lambda: _svg('<image href="data:text/html;base64,PGgxPng8L2gxPg=="/>'),
    "broken-uri": lambda: _svg('<image href="data:image/png;base64,!!!"/>'),
    "picture-used-200-times": lambda: _svg(
        "<defs>" + _png_image(1000, 1000, ' id="p"') + "</defs>" + '<use href="#p"/>' * 200
    ),
    "pictures-together": lambda: _svg(_png_image(4000, 4000) * 2),
    "bomb-in-nested": lambda: _svg(_image(_svg(_image(_bomb())))),
}


@pytest.mark.parametrize("name", sorted(HOLDS))
def test_what_an_svg_holds_is_measured(name: str) -> None:
    assert _svg_refused(HOLDS[name]()) is not None


@pytest.mark.parametrize(
    "svg",
    [
        lambda: _svg(_png_image(10, 10, ' width="9" height="9"')),
        lambda: _svg(_image(_svg('<rect width="5" height="5"/>'))),
        lambda: _svg(
            '<style>rect { fill: url(#g) }</style><linearGradient id="g"/>'
            '<rect width="5" height="5" aria-label="data: ONS"/>'
        ),
    ],
    ids=["small-png", "small-svg", "css-and-a-label"],
)
def test_a_reasonable_svg_still_passes(svg) -> None:
    assert _svg_refused(svg()) is None


def test_a_huge_canvas_is_drawn_smaller_for_word() -> None:
    import io

    from PIL import Image

    from scoper.drawing import MAX_PNG_PIXELS, svg_png

    png = svg_png(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000">'
        b'<rect width="100000" height="100000"/></svg>'
    )
    with Image.open(io.BytesIO(png)) as image:
        assert image.size[0] * image.size[1] <= MAX_PNG_PIXELS * 1.01


def test_a_drawing_that_fails_is_an_error_for_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scoper.drawing

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(scoper.drawing, "DRAWING_TIMEOUT", 0.001)
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "fig.svg").write_text(_svg('<rect width="5" height="5"/>'))
    (folder / "rt.md").write_text(HEAD + SUMMARY + "![A figure](fig.svg)\n\n" + TAIL)
    out = tmp_path / "o"
    built = CliRunner().invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--format", "docx"]
    )
    assert built.exit_code != 0
    assert "rt.md:10: error B008 docx-failed" in built.output, built.output
    assert not (out / "rt.docx").exists()


# -- finding 5: event streams held open ---------------------------------------------------------


def _fake_socket():
    import socket

    left, right = socket.socketpair()
    return left, right


def test_event_streams_are_capped_per_address_and_in_all() -> None:
    from scoper.preview.slots import Slots, Streams

    slots = Slots()
    woken = []
    streams = Streams(slots, lambda: woken.append(1), total=6, per_client=2)
    pairs = [_fake_socket() for _ in range(10)]
    try:
        for sock, _ in pairs:
            assert slots.admit(sock, "10.0.0.1")
        first = streams.start(pairs[0][0], "10.0.0.1")
        second = streams.start(pairs[1][0], "10.0.0.1")
        third = streams.start(pairs[2][0], "10.0.0.1")  # over its share: the oldest ends
        assert first.is_set() and not second.is_set() and not third.is_set()
        assert pairs[0][1].recv(1) == b""  # its socket is shut: the page reconnects
        ended = [streams.start(pairs[i][0], f"10.0.0.{i}") for i in range(3, 10)]
        assert len(streams) == 6 and second.is_set() and not ended[-1].is_set()
        assert woken
    finally:
        for left, right in pairs:
            left.close()
            right.close()


def test_ended_streams_free_their_threads_at_once(preview) -> None:  # noqa: F811
    import threading
    import time

    from tests.test_redteam3 import _hold_event_streams

    before = threading.active_count()
    held = _hold_event_streams(preview.port, 100)
    try:
        deadline = time.monotonic() + 5
        while threading.active_count() - before > 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert threading.active_count() - before <= 40
    finally:
        for sock in held:
            sock.close()


from tests.test_redteam import preview  # noqa: E402, F401  (the fixture is used)
from tests.test_serve_hostile import site  # noqa: E402, F401
