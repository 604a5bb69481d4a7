"""The hostile corpus (tests/hostile/): briefs built to break in, each with what its output
must and must not contain. Every case is built as `scoper build` would, HTML and PDF, with
a server listening on this machine to catch any request the renderer might make."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from scoper.brief.source import FolderImages, image_resolver, read_brief
from scoper.build import BriefResult, build_many, build_one
from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.pdf.pool import PdfJob, render_job
from scoper.preview.server import Site
from scoper.problems import BriefInvalid
from tests.conftest import valid_brief

CORPUS = Path(__file__).parent / "hostile"
ALLOWED_SCHEMES = ("#", "https:", "http:", "mailto:", "tel:")


@pytest.fixture
def corpus(tmp_path: Path, spy: tuple[int, list[str]]) -> Path:
    """The corpus, copied below an outer folder holding a file no brief may read."""
    (tmp_path / "outside.png").write_bytes((CORPUS / "images" / "fine.png").read_bytes())
    (tmp_path / "secret.txt").write_text("root:x:0:0:secret")
    briefs = tmp_path / "briefs"
    shutil.copytree(CORPUS, briefs)
    port = str(spy[0])
    for path in [*briefs.glob("*.md"), briefs / "images" / "evil.svg"]:
        data = path.read_bytes()
        path.write_bytes(data.replace(b"PORT", port.encode()))
    return briefs


def build(corpus: Path, name: str) -> BriefResult:
    start = time.perf_counter()
    result = build_one(corpus / name, Config(), corpus.parent / "out")
    assert time.perf_counter() - start < 30
    return result


def html_of(corpus: Path, name: str) -> BeautifulSoup:
    stem = name.removesuffix(".md")
    return BeautifulSoup((corpus.parent / "out" / f"{stem}.html").read_text(), "html.parser")


def assert_inert(soup: BeautifulSoup) -> None:
    """Nothing in the page can run, load anything, or change where links go."""
    assert soup.find_all(["script", "iframe", "object", "embed", "link", "base", "frame"]) == []
    assert len(soup.find_all("style")) == 1  # the theme's own
    assert [m for m in soup.find_all("meta") if m.get("http-equiv")] == []
    for element in soup.find_all(True):
        assert not any(name.lower().startswith("on") for name in element.attrs), element
    for link in soup.find_all("a"):
        assert link["href"].startswith(ALLOWED_SCHEMES), link["href"]
    for image in soup.find_all("img"):
        assert image["src"].startswith("data:image/"), image["src"][:40]


def test_script_in_prose(corpus: Path) -> None:
    result = build(corpus, "script-in-prose.md")
    assert result.ok, [p.format() for p in result.problems]
    soup = html_of(corpus, "script-in-prose.md")
    assert_inert(soup)
    text = soup.get_text()
    for shown in (
        "<script>alert('prose')</script>",
        "<img src=x onerror=\"alert('img')\">",
        '<iframe src="https://evil.example/"></iframe>',
        "<style>body { display: none }</style>",
        '<a href="#" onclick=',
    ):
        assert shown in text, shown


def test_script_in_front_matter(corpus: Path) -> None:
    result = build(corpus, "script-in-front-matter.md")
    assert result.ok, [p.format() for p in result.problems]
    soup = html_of(corpus, "script-in-front-matter.md")
    assert_inert(soup)
    assert soup.find("h1").get_text() == "<script>alert('title')</script>"
    assert "<script>alert('title')</script>" in soup.title.get_text()
    rows = soup.select_one("table.meta").get_text()
    assert "<img src=x onerror=alert(1)>" in rows and "<svg onload=alert(2)>" in rows
    assert "<b onmouseover=alert(3)>PU</b>" in soup.select_one(".running-ref").get_text()
    pdf = PdfReader(corpus.parent / "out" / "script-in-front-matter.pdf")
    assert pdf.metadata.title == "<script>alert('title')</script>"


def test_unsafe_links_are_not_links(corpus: Path) -> None:
    result = build(corpus, "unsafe-links.md")
    assert result.ok
    soup = html_of(corpus, "unsafe-links.md")
    assert_inert(soup)
    links = {a["href"] for a in soup.select("main a") if not a["href"].startswith("#")}
    assert links == {"https://www.gov.uk/", "https://www.gov.uk/community-life-survey"}
    text = soup.get_text()
    for shown in (
        "[js](javascript:alert(1))",
        "[data](data:text/html",
        "[file](file:///etc/passwd)",
        "[proto](//evil.example/x)",
    ):
        assert shown in text, shown


def test_hostile_images_fetch_and_leak_nothing(corpus: Path, spy: tuple[int, list[str]]) -> None:
    result = build(corpus, "hostile-images.md")
    assert result.ok, [p.format() for p in result.problems]
    soup = html_of(corpus, "hostile-images.md")
    assert_inert(soup)
    assert sorted(img["alt"] for img in soup.find_all("img")) == ["fine", "svg"]
    placeholders = " ".join(s.get_text() for s in soup.select(".image-missing"))
    for alt in ("absolute", "up", "local server", "metadata", "random"):
        assert f"[image not included: {alt}]" in placeholders
    assert "![passwd](file:///etc/passwd)" in soup.get_text()
    pdf_text = "".join(
        p.extract_text() for p in PdfReader(corpus.parent / "out" / "hostile-images.pdf").pages
    )
    assert "root:x:0:0" not in pdf_text and "secret" not in pdf_text
    # The svg's own <image> references, to a file and to the spy, were refused too.
    assert spy[1] == []
    warned = " ".join(p.message for p in result.problems)
    assert "scoper reads no file outside the theme" in warned
    assert "scoper fetches nothing from the network" in warned


def test_jinja_in_every_field_is_printed_not_run(corpus: Path) -> None:
    result = build(corpus, "jinja-everywhere.md")
    assert result.ok, [p.format() for p in result.problems]
    soup = html_of(corpus, "jinja-everywhere.md")
    assert_inert(soup)
    text = soup.get_text()
    for shown in (
        "{{ 7*7 }}",
        "{% for x in range(3) %}{{ x }}{% endfor %}",
        "{{ 6*6 }}",
        "{{ 5*5 }}",
        "{{ 4*4 }}",
        "{{ 2*2 }}",
        "{{ 8*8 }}",
        "{{ 9*9 }}",
        "{% raw %}{{ 11*11 }}",
        "{# comment #}{{ 12*12 }}",
        "{{ 13*13 }}",
        "config.__class__",
    ):
        assert shown in text, shown
    assert soup.find("img", alt="{{ 3*3 }}") is not None
    for result_of_running in ("49", "012", "36", "121", "144"):
        assert result_of_running not in soup.find("h1").get_text()
    assert "<function" not in text and "__builtins__" not in text


def test_names_and_refs_cannot_leave_the_output_folder(corpus: Path) -> None:
    before = {p for p in corpus.parent.parent.rglob("*")}
    for name in ("ref-escapes-output.md", "....md"):
        result = build(corpus, name)
        assert result.ok
        for written in result.written:
            assert written.parent == corpus.parent / "out"
    assert {p.name for p in (corpus.parent / "out").iterdir()} >= {
        "ref-escapes-output.html",
        "brief.html",
    }
    after = {p for p in corpus.parent.parent.rglob("*")}
    assert {p for p in after - before if not p.is_relative_to(corpus.parent / "out")} == set()
    assert not Path("/tmp/escaped.html").exists()


@pytest.mark.parametrize(
    "name,rule,line",
    [
        ("yaml-python-tags.md", "yaml-unsafe", 9),
        ("yaml-billion-laughs.md", "yaml-unsafe", 12),
        ("nul-bytes.md", "unreadable", 16),
        ("invalid-utf8.md", "unreadable", 16),
        ("utf16.md", "unreadable", 1),
        ("huge-table.md", "too-many", None),
        ("deep-nesting.md", "too-deep", None),
        ("svg-use-bomb.md", "too-large", 16),
        ("yaml-escaped-surrogate.md", "yaml-syntax", 9),
        ("yaml-escaped-control.md", "yaml-syntax", 2),
        ("control-in-body.md", "unreadable", 17),
        ("priority-superscript.md", "invalid-value", 5),
        ("date-not-yyyy-mm-dd.md", "invalid-date", 3),
    ],
)
def test_broken_and_pathological_files_fail_fast_with_a_message(
    corpus: Path, name: str, rule: str, line: int | None
) -> None:
    start = time.perf_counter()
    result = build(corpus, name)
    assert time.perf_counter() - start < 5
    assert not result.ok and result.written == []
    errors = [p for p in result.problems if p.severity == "error"]
    assert errors and errors[0].rule == rule, [p.format() for p in result.problems]
    if line is not None:
        assert errors[0].line == line
    assert not (corpus / "MARKER").exists() and not Path("MARKER").exists()


@pytest.mark.parametrize(
    "name,line_of_priorty",
    [("bom-crlf.md", 5), ("mixed-endings.md", 5), ("tabs.md", 5)],
)
def test_byte_order_marks_line_endings_and_tabs_read_right(
    corpus: Path, name: str, line_of_priorty: int
) -> None:
    path = corpus / name
    path.write_bytes(path.read_bytes().replace(b"priority: 2", b"priorty: 2"))
    result = build(corpus, name)
    assert result.ok, [p.format() for p in result.problems]
    assert [p.line for p in result.problems if p.rule == "unknown-key"] == [line_of_priorty]
    assert result.brief is not None and len(result.brief.evidence) == 2
    assert len(result.brief.actions) == 2


def test_pack_keeps_going_past_the_whole_corpus(corpus: Path) -> None:
    outcome = build_pack(
        sorted(corpus.glob("*.md")), Config(), corpus.parent / "pack", keep_going=True
    )
    assert outcome.name == "pack" and not outcome.ok
    assert outcome.excluded == 13
    soup = BeautifulSoup((corpus.parent / "pack" / "pack.html").read_text(), "html.parser")
    assert len(soup.find_all("style")) == 1 and soup.find("script") is None
    for element in soup.find_all(True):
        assert not any(name.lower().startswith("on") for name in element.attrs)


def test_the_preview_serves_the_corpus_safely(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus.parent)
    site = Site(corpus)
    assert site.handle("GET", "/", "localhost").status == 200
    for path in sorted(corpus.glob("*.md")):
        from scoper.brief.source import brief_slug

        response = site.handle("GET", f"/paper/{brief_slug(path)}", "localhost")
        assert response.status == 200, path.name
        soup = BeautifulSoup(response.body, "html.parser")
        assert len(soup.find_all("script")) == 1, path.name  # the preview's own
        nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert soup.find("script")["nonce"] == nonce


# -- Limits the renderer cannot escape ----------------------------------------------------------


def _job_with_image(data: bytes, mime: str = "image/svg+xml") -> PdfJob:
    """A render job whose HTML carries an image as the renderer would get it, past the
    checks made when a brief is read (as a brief could if those checks missed a case)."""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    html = f'<html lang="en"><title>t</title><p>A chart: <img alt="chart" src="{uri}"></p></html>'
    return PdfJob(html=html, roots=(CORPUS,), title="t", created="2026-11-23")


def test_a_renderer_that_catches_the_time_limit_is_still_stopped() -> None:
    # WeasyPrint catches every exception while drawing an SVG (an alarm too) and leaves
    # the image out; the limit must end the render from outside.
    job = _job_with_image((CORPUS / "images" / "use-bomb.svg").read_bytes())
    start = time.perf_counter()
    outcome = render_job(job, timeout=2)
    assert time.perf_counter() - start < 10
    assert outcome.pdf is None
    assert outcome.error == "stopped after 2 seconds: the layout ran away"


def test_a_render_stopped_at_its_limit_leaves_no_files_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render killed at its time limit cannot clean up after itself: the copy of the
    theme's fonts WeasyPrint makes (800 KB) was left in the temporary folder every time.
    Each render now has a folder of its own, made and removed by the process that started
    it."""
    import tempfile

    from scoper.config import Config
    from scoper.render.theme import font_faces, theme_for

    theme = theme_for(Config())
    bomb = _job_with_image((CORPUS / "images" / "use-bomb.svg").read_bytes())
    styled = bomb.html.replace(
        "<title>t</title>", f"<title>t</title><style>{font_faces(theme, False)}</style>"
    )
    job = PdfJob(html=styled, roots=theme.roots, title="t", created="2026-11-23")
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: object, **kwargs: object) -> str:
        made.append(real_mkdtemp(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    outcome = render_job(job, timeout=2)
    assert outcome.error == "stopped after 2 seconds: the layout ran away"
    assert made and all(folder.startswith(str(private)) for folder in made)
    assert not list(private.iterdir())


def test_an_image_the_renderer_cannot_draw_fails_the_paper() -> None:
    outcome = render_job(_job_with_image(b"\x89PNG not really", "image/png"))
    assert outcome.pdf is None
    assert outcome.error is not None and outcome.error.startswith("an image could not be drawn")
    assert "base64" not in outcome.error  # the data: URI is not printed whole


def test_a_render_that_takes_too_much_memory_is_stopped() -> None:
    """Run in a process of its own: the limit caps how far the render's address space may
    grow, and a process that has already rendered many papers in itself (as the test
    process may have, before this test) holds freed memory it can reuse without growing."""
    code = (
        "import io\n"
        "from PIL import Image\n"
        "import scoper.pdf.render  # loaded, as a renderer worker has it, before each fork\n"
        "from scoper.pdf.pool import render_job\n"
        "from tests.test_hostile import _job_with_image\n"
        "data = io.BytesIO()\n"
        "# 16 megapixels in 56 KB: drawing it takes about 50 MB.\n"
        "Image.new('RGB', (4000, 4000), '#12436d').save(data, 'PNG')\n"
        "job = _job_with_image(data.getvalue(), 'image/png')\n"
        "print(render_job(job).pdf is not None)\n"
        "outcome = render_job(job, memory_mb=10)\n"
        "print(outcome.pdf is None, outcome.error)\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    unlimited, limited = done.stdout.splitlines()
    assert unlimited == "True"
    assert limited.startswith("True ") and "memory" in limited


@pytest.mark.parametrize("limit_name", ["drawn", "elements", "depth", "entities", "cycle"])
def test_svg_complexity_is_measured_before_layout(tmp_path: Path, limit_name: str) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    body = {
        "drawn": "<defs><g id='a'>"
        + "<rect/>" * 200
        + "</g><g id='b'>"
        + "<use xlink:href='#a'/>" * 200
        + "</g></defs><use href='#b'/>",
        "elements": "<rect/>" * 25_000,
        "depth": "<g>" * 150 + "</g>" * 150,
        "entities": "",
        "cycle": "<g id='a'><use href='#b'/></g><g id='b' fill='url(#a)'/>",
    }[limit_name]
    text = svg + body + "</svg>"
    if limit_name == "entities":
        text = '<!DOCTYPE svg [<!ENTITY x "xxxxxxxx">]>' + svg + "<text>&x;</text></svg>"
    (tmp_path / "chart.svg").write_text(text)
    resolve = FolderImages(tmp_path)
    start = time.perf_counter()
    assert resolve("chart.svg") is None
    assert time.perf_counter() - start < 2
    assert resolve.refused["chart.svg"].startswith("the SVG is refused: ")


def test_a_chart_of_a_few_thousand_shapes_is_fine(tmp_path: Path) -> None:
    marker = "<defs><path id='m' d='M0 0h1v1z'/></defs>"
    points = "".join(f"<use href='#m' x='{n % 100}' y='{n // 100}'/>" for n in range(3000))
    (tmp_path / "scatter.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30">{marker}{points}</svg>'
    )
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES, picture_budget

    with picture_budget(MAX_PAPER_IMAGE_BYTES):
        drawn = image_resolver(tmp_path)("scatter.svg")
    assert drawn is not None and drawn.startswith("data:image/svg+xml;base64,")


# -- Brief files that are not files ---------------------------------------------------------


def _scoper(*args: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scoper", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "dev-urandom"])
def test_a_brief_that_is_not_a_regular_file_is_refused_unread(tmp_path: Path, kind: str) -> None:
    brief = tmp_path / "brief.md"
    if kind == "fifo":
        os.mkfifo(brief)
    else:
        brief.symlink_to("/dev/zero" if kind == "dev-zero" else "/dev/urandom")
    start = time.perf_counter()
    done = _scoper("check", "brief.md", cwd=tmp_path)
    assert time.perf_counter() - start < 20
    assert done.returncode == 1, done.stderr
    assert "brief.md:0: error S100 unreadable: cannot read the file: not a regular file" in (
        done.stdout
    )
    assert "Traceback" not in done.stderr


def test_a_brief_is_read_no_further_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that grows after it is measured, or whose size the system does not know
    # (files in /proc say 0): its measured size must not decide how much is read.
    path = tmp_path / "big.md"
    path.write_text("x" * 3_000_000)
    real_stat = Path.stat

    def small(self: Path, **kwargs: bool) -> os.stat_result:
        result = real_stat(self, **kwargs)
        return os.stat_result((*result[:6], 10, *result[7:]))

    read: list[int] = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(Path, "stat", small)
    monkeypatch.setattr(os, "read", counting_read)
    with pytest.raises(BriefInvalid) as invalid:
        read_brief(path, max_bytes=1000)
    assert sum(read) <= 1001
    assert invalid.value.problems[0].rule == "too-large"


# -- Caps on every construct ----------------------------------------------------------------

_NOTES_LINE = valid_brief().count("\n") + 2  # the first line after "## Notes"

CAPPED = {
    # The cases of the second hostile round, each under the size limit of a brief:
    "150,000 list items in a free section": (
        "".join(f"- item {n}\n" for n in range(150_000)),
        "too-many",
        "lines",
    ),
    "40,000 footnotes": (
        "".join(f"Claim[^{n}].\n" for n in range(40_000))
        + "".join(f"[^{n}]: Note {n}.\n" for n in range(40_000)),
        "too-many",
        "lines",
    ),
    "190,000 one-word paragraphs": (
        "".join(f"w{n}\n\n" for n in range(190_000)),
        "too-many",
        "lines",
    ),
    "one 1.8 MB word": ("x" * 1_800_000 + "\n", "too-large", "a word of 1,800,000"),
    "300,000 [ characters": ("[" * 300_000 + "\n", "too-many", "'[' characters"),
    # Each cap on its own, under the others:
    "4,500 list items": ("".join(f"- item {n}\n" for n in range(4_500)), "too-many", "list items"),
    "1,200 footnotes": (
        "".join(f"[^{n}]: Note {n}.\n" for n in range(1_200)),
        "too-many",
        "footnotes",
    ),
    "6,000 links": (
        "".join(f"[l{n}](https://a.b/{n}) " for n in range(6_000)),
        "too-many",
        "'[' characters",
    ),
    "25,000 emphases": ("*a* " * 12_500, "too-many", "markup characters"),
}


@pytest.mark.parametrize("case", list(CAPPED))
def test_every_construct_is_capped_before_layout(tmp_path: Path, case: str) -> None:
    body, rule, words = CAPPED[case]
    path = tmp_path / "capped.md"
    path.write_text(valid_brief() + "\n## Notes\n" + body)
    assert path.stat().st_size < 2_000_000  # within the documented size limit
    start = time.perf_counter()
    with pytest.raises(BriefInvalid) as invalid:
        read_brief(path)
    assert time.perf_counter() - start < 3
    [found] = [p for p in invalid.value.problems if words in p.message]
    assert found.rule == rule and found.severity == "error"
    assert found.line >= _NOTES_LINE, found.format()


def test_the_token_stream_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scoper.brief import limits

    path = tmp_path / "brief.md"
    path.write_text(valid_brief())
    read_brief(path)
    monkeypatch.setattr(limits, "MAX_TOKENS", 100)
    with pytest.raises(BriefInvalid) as invalid:
        read_brief(path)
    assert [p.rule for p in invalid.value.problems] == ["too-many"]
    assert "pieces of text and markup" in invalid.value.problems[0].message


def test_a_brief_at_the_caps_still_renders_within_the_time_limit(tmp_path: Path) -> None:
    from scoper.brief.limits import MAX_BRACKETS

    path = tmp_path / "links.md"
    links = "".join(f"[l{n}](https://a.b/{n}) " for n in range(MAX_BRACKETS - 100))
    path.write_text(valid_brief() + "\n## Notes\n" + links + "\n")
    result = build_one(path, Config(), tmp_path / "out", formats=frozenset({"pdf"}))
    assert result.ok, [p.format() for p in result.problems]


# -- Time limits that are numbers -----------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "pack"])
@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "1e300", "0", "abc"])
def test_a_time_limit_must_be_a_finite_number_of_seconds(
    tmp_path: Path, command: str, seconds: str
) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli

    (tmp_path / "brief.md").write_text(valid_brief())
    result = CliRunner().invoke(cli, [command, str(tmp_path / "brief.md"), "--timeout", seconds])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--timeout'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("value", ["nan", "inf", "1e300", "0", '"30"'])
def test_a_configured_time_limit_must_be_a_finite_number_of_seconds(
    tmp_path: Path, value: str
) -> None:
    from scoper.config import ConfigError, parse_config

    text = f'organisation = "Unit"\npdf-timeout = {value}\n'
    with pytest.raises(ConfigError) as error:
        parse_config(text.encode(), tmp_path / "scoper.toml")
    assert error.value.line == 2 and "'pdf-timeout' must be a number of seconds" in str(error.value)
    assert parse_config(b"pdf-timeout = 12.5\n", tmp_path / "scoper.toml").pdf_timeout == 12.5


# -- Escaped characters, values and dates -------------------------------------------------


@pytest.mark.parametrize(
    "value,shown",
    [
        ('"\\ud800"', "a lone surrogate (U+D800)"),
        ('"\\udfff x"', "a lone surrogate (U+DFFF)"),
        ('"\\u0001"', "a control character (U+0001)"),
        ('"\\x1b[31m"', "a control character (U+001B)"),
        ('"\\x7f"', "a control character (U+007F)"),
        ('["ok", "\\ud800"]', "a lone surrogate (U+D800)"),
        ('{"a": "\\u0007"}', "a control character (U+0007)"),
    ],
)
@pytest.mark.parametrize("key", ["title", "status", "tags", "lead", "made-up-key"])
def test_escaped_characters_are_refused_like_typed_ones(
    tmp_path: Path, key: str, value: str, shown: str
) -> None:
    text = valid_brief().replace("---\n#", f"{key}: {value}\n---\n#", 1)
    text = "\n".join(
        line for line in text.split("\n") if not line.startswith(f"{key}:") or value in line
    )
    path = tmp_path / "brief.md"
    path.write_text(text)
    line = text.split("\n").index(f"{key}: {value}") + 1
    with pytest.raises(BriefInvalid) as invalid:
        read_brief(path)
    [found] = [p for p in invalid.value.problems if p.severity == "error"]
    assert (found.line, found.rule) == (line, "yaml-syntax")
    assert f"'{key}' holds {shown}, written as an escape" in found.message


def test_no_command_tracebacks_on_any_brief_of_the_corpus(corpus: Path) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli

    runner = CliRunner()
    for path in sorted(corpus.glob("*.md")):
        built = ["build", "--format", "html", "-o", str(corpus.parent / "cli-out")]
        for args in (["check"], ["export"], built):
            result = runner.invoke(cli, [*args, str(path)])
            assert result.exit_code in (0, 1), (path.name, args, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                path.name,
                args,
                result.exception,
            )


@pytest.mark.parametrize(
    "written,ok",
    [
        ("2026-11-23", True),
        ("20261123", False),
        ("2026-W48-1", False),
        ("2026-W48", False),
        ("2026-328", False),
        ("2026-11-23T10:00:00", False),
        ("2026-11-23 10:00", False),
        ("2026-1-5", False),
        ("２０２６-１１-２３", False),
        ("2026-02-30", False),
    ],
)
def test_dates_are_exactly_yyyy_mm_dd(tmp_path: Path, written: str, ok: bool) -> None:
    for original in ("date: 2026-11-23", "Due: 2027-01-15"):
        path = tmp_path / "brief.md"
        path.write_text(valid_brief().replace(original, original.split(" ")[0] + " " + written))
        if ok:
            read_brief(path)
            continue
        with pytest.raises(BriefInvalid) as invalid:
            read_brief(path)
        rules = [p.rule for p in invalid.value.problems if p.severity == "error"]
        assert rules == ["invalid-date"], [p.format() for p in invalid.value.problems]


@pytest.mark.parametrize("written", ['"²"', '"١"', '"2²"', "'٣'", '"0x2"', '" 2 "'])
def test_a_priority_that_is_not_a_plain_number_is_a_value_error(
    tmp_path: Path, written: str
) -> None:
    path = tmp_path / "brief.md"
    path.write_text(valid_brief().replace("priority: 2", f"priority: {written}"))
    if written == '" 2 "':
        assert read_brief(path).meta.priority == 2
        return
    with pytest.raises(BriefInvalid) as invalid:
        read_brief(path)
    [found] = invalid.value.problems
    assert (found.line, found.rule) == (5, "invalid-value")


# -- Nothing printed acts on the terminal ---------------------------------------------------

_ACTING = ("\x1b", "\x07", "\x9b", "\u202e", "\r")


@pytest.mark.parametrize("command", ["check", "build", "export"])
def test_file_names_and_brief_text_are_printed_escaped(tmp_path: Path, command: str) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli

    name = "evil\x1b]0;pwned\x07\nx\u202e.md"
    (tmp_path / name).write_text(
        valid_brief().replace("status: draft", 'status: "\u202ewarb"')
        if command != "build"
        else valid_brief()
    )
    (tmp_path / "clean.md").write_text(valid_brief().replace("PU-2026-900", "PU-2026-901"))
    args = [command, str(tmp_path)] + (
        ["--format", "html", "-o", str(tmp_path / "o")] if command == "build" else []
    )
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    printed = result.output
    for char in _ACTING:
        assert char not in printed, (char, printed)
    assert "evil\\x1b]0;pwned\\x07\\nx\\u202e.md" in printed
    if command == "check":
        assert "'status' is '\\u202ewarb'" in printed
        for line in printed.splitlines()[:-1]:  # every problem on one line of its own
            assert line.startswith(str(tmp_path)), line


def test_json_output_stays_valid_and_escaped(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from scoper.cli import cli

    name = "evil\x1b[2J\u202e.md"
    (tmp_path / name).write_text(valid_brief().replace("status: draft", "status: drafty"))
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(tmp_path / name)])
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    [found] = json.loads(result.stdout)["problems"]
    assert found["path"].endswith(name)


def test_a_problem_is_always_one_printable_line() -> None:
    from scoper.problems import problem

    found = problem("a\nb\x1b[31m.md", 3, "invalid-value", "'x' is '\ud800\x9b\u2028'")
    assert found.format() == (
        "a\\nb\\x1b[31m.md:3: error S106 invalid-value: 'x' is '\\ud800\\x9b\\u2028'"
    )
    found.format().encode("utf-8")  # a lone surrogate would not encode


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain ASCII: 100% {ok} ~", "plain ASCII: 100% {ok} ~"),
        ("tab\there", "tab\\there"),
        ("del\x7f", "del\\x7f"),
        ("nul\x00", "nul\\x00"),
        ("bell\x07 and escape\x1b[0m", "bell\\x07 and escape\\x1b[0m"),
        ("not ASCII: café \x85", "not ASCII: café \\x85"),
    ],
)
def test_printable_text_plain_ascii_and_not(text: str, shown: str) -> None:
    """Plain ASCII comes back as it is, without the patterns being used; ASCII with a
    control character in it does not count as plain (scoper.terminal)."""
    from scoper.terminal import printable

    assert printable(text) == shown


# -- The trusted code of a project is the project's own ------------------------------------


def _planted(folder: Path) -> None:
    """A config and a template in a shared parent folder, as another user would plant them."""
    (folder / "scoper.toml").write_text('organisation = "Planted"\noutput-dir = "/tmp/taken"\n')
    (folder / "templates").mkdir()
    (folder / "templates" / "paper.html.j2").write_text("{{ cycler.__init__.__globals__ }}")


def test_a_config_above_the_project_root_is_not_used(tmp_path: Path) -> None:
    from scoper.config import load_config

    _planted(tmp_path)
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "briefs").mkdir()
    config = load_config(project / "briefs")
    assert config.path is None and config.organisation == ""
    (project / "scoper.toml").write_text('organisation = "Ours"\n')
    assert load_config(project / "briefs").organisation == "Ours"


def test_the_search_stops_at_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scoper.config import load_config

    _planted(tmp_path)
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert load_config(home / "work").path is None
    (home / "scoper.toml").write_text('organisation = "Mine"\n')
    assert load_config(home / "work").organisation == "Mine"


@pytest.mark.parametrize(
    "what,mode,owner",
    [
        ("scoper.toml", 0o666, None),
        ("templates", 0o777, None),
        ("templates/paper.html.j2", 0o646, None),
        (".", 0o777, None),
        ("scoper.toml", 0o664, 4242),
        ("templates", 0o755, 4242),
    ],
)
def test_a_config_or_theme_others_can_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, mode: int, owner: int | None
) -> None:
    from click.testing import CliRunner

    from scoper.cli import cli
    from scoper.config import ConfigError, load_config

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "scoper.toml").write_text('organisation = "Ours"\n')
    (project / "templates").mkdir()
    (project / "templates" / "paper.html.j2").write_text('{% extends "default/paper.html.j2" %}')
    target = project / what
    os.chmod(target, mode)
    if owner is not None:
        if os.getuid() != 0:
            pytest.skip("giving a file to another user needs root")
        os.chown(target, owner, -1)
    with pytest.raises(ConfigError) as error:
        load_config(project)
    assert "is not used" in str(error.value) and "run as code" in str(error.value)
    (project / "brief.md").write_text(valid_brief())
    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["check", "brief.md"])
    assert result.exit_code == 1 and "is not used" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("kind", ["folder", "fifo", "dangling-link"])
def test_a_config_that_is_not_a_file_is_an_error(tmp_path: Path, kind: str) -> None:
    from scoper.config import ConfigError, load_config

    (tmp_path / ".git").mkdir()
    config = tmp_path / "scoper.toml"
    if kind == "folder":
        config.mkdir()
    elif kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to(tmp_path / "gone.toml")
    start = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert time.perf_counter() - start < 5
    assert "scoper.toml is" in str(error.value) and "the config must be a file" in str(error.value)


# -- Names that every system can hold -------------------------------------------------------

# Made here, not kept in tests/hostile/: a checkout on Windows could not hold these files.
WINDOWS_RESERVED = ["CON", "nul", "Aux", "PRN", "com1", "LPT9", "con.backup"]


def test_outputs_never_take_a_name_windows_reserves(tmp_path: Path) -> None:
    from scoper.brief.source import find_briefs

    briefs = tmp_path / "briefs"
    briefs.mkdir()
    for number, stem in enumerate(WINDOWS_RESERVED):
        brief = valid_brief().replace("PU-2026-900", f"PU-2026-{940 + number}")
        (briefs / f"{stem}.md").write_text(brief)
    results = build_many(
        find_briefs([briefs]), Config(), tmp_path / "out", formats=frozenset({"html"})
    )
    assert all(r.ok for r in results), [p.format() for r in results for p in r.problems]
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(
        [
            "aux-paper.html",
            "com1-paper.html",
            "con-backup.html",
            "con-paper.html",
            "lpt9-paper.html",
            "nul-paper.html",
            "prn-paper.html",
        ]
    )
    reserved = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10))}
    reserved |= {f"lpt{n}" for n in range(10)}
    assert not any(name.split(".")[0] in reserved for name in names)


def test_a_new_brief_never_takes_a_name_windows_reserves(tmp_path: Path) -> None:
    import datetime

    from scoper.project import new_brief

    path = new_brief("Con", tmp_path, "PU", "OFFICIAL", datetime.date(2026, 11, 23))
    assert path.name == "con-paper.md"


def test_the_writer_refuses_a_reserved_name(tmp_path: Path) -> None:
    from scoper.output import output_path

    with pytest.raises(ValueError):
        output_path(tmp_path, "nul", "html")


def test_runaway_renders_in_the_worker_pool_are_stopped_on_time() -> None:
    from scoper.pdf.pool import PdfPool

    bomb = _job_with_image((CORPUS / "images" / "use-bomb.svg").read_bytes())
    fine = _job_with_image((CORPUS / "images" / "fine.png").read_bytes(), "image/png")
    start = time.perf_counter()
    with PdfPool(2) as pool:
        futures = [pool.submit(bomb, 2), pool.submit(bomb, 2), pool.submit(fine, 2)]
        outcomes = [future.result() for future in futures]
    assert time.perf_counter() - start < 15
    assert [o.error for o in outcomes[:2]] == ["stopped after 2 seconds: the layout ran away"] * 2
    assert outcomes[2].pdf is not None  # the workers live on for the next paper
