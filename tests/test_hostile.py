"""The hostile corpus (tests/hostile/): briefs built to break in, each with what its output
must and must not contain. Every case is built as `scoper build` would, HTML and PDF, with
a server listening on this machine to catch any request the renderer might make."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from scoper.build import BriefResult, build_one
from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.preview.server import Site

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
    assert outcome.excluded == 7
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
