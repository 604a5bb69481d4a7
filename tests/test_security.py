"""Briefs are untrusted text: nothing in one runs, leaks, or escapes the output folder."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from scoper.brief.source import brief_slug
from scoper.build import build_one
from scoper.config import Config
from scoper.output import output_path
from tests.conftest import valid_brief

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOSTILE_SUMMARY = """\
<script>alert('x')</script> <img src=x onerror="alert(1)"> <iframe src="https://evil.test"></iframe>
<style>body{display:none}</style> <link rel="stylesheet" href="https://evil.test/x.css">
[js](javascript:alert(1)) [vb](vbscript:msgbox(1)) [data](data:text/html;base64,PHNjcmlwdD4=)
[file](file:///etc/passwd) [tab](java\tscript:alert(1))
{{ config.organisation }} {% for x in range(3) %}loop{% endfor %} ${7*7}

![passwd](file:///etc/passwd) ![abs](/etc/passwd) ![up](../outside.png)
![meta](http://169.254.169.254/latest/meta-data) ![local](https://127.0.0.1/x.png)
![random](/dev/urandom) ![link](images/escape.png) ![ok](images/ok.png)
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    briefs = tmp_path / "briefs"
    (briefs / "images").mkdir(parents=True)
    (tmp_path / "outside.png").write_bytes(PNG)
    (briefs / "images" / "ok.png").write_bytes(PNG)
    os.symlink(tmp_path / "outside.png", briefs / "images" / "escape.png")
    text = (
        valid_brief()
        .replace("One in fourteen adults is chronically lonely.", HOSTILE_SUMMARY)
        .replace(
            "title: Tackling loneliness in later life",
            'title: "<script>alert(1)</script> {{ 7*7 }}"',
        )
    )
    path = briefs / "hostile.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_in_a_brief_runs_in_the_html(hostile: Path, tmp_path: Path) -> None:
    result = build_one(hostile, Config(), tmp_path / "out")
    assert result.ok, [p.format() for p in result.problems]
    html = (tmp_path / "out" / "hostile.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all(["script", "iframe", "link"]) == []
    assert len(soup.find_all("style")) == 1  # the theme's own
    for element in soup.find_all(True):
        assert not any(attr.lower().startswith("on") for attr in element.attrs), element
    for link in soup.find_all("a"):
        href = link["href"].replace("\t", "").lower()
        assert href.startswith(("#", "https:", "http:", "mailto:")), href
    # The raw HTML is shown as text, and template syntax is printed, not run.
    text = soup.get_text()
    assert "<script>alert('x')</script>" in text
    assert "{{ config.organisation }}" in text
    assert "{% for x in range(3) %}loop{% endfor %}" in text
    assert "<script>alert(1)</script> {{ 7*7 }}" in soup.find("h1").get_text()
    assert "49" not in soup.find("h1").get_text()


def test_only_images_inside_the_brief_folder_are_embedded(hostile: Path, tmp_path: Path) -> None:
    result = build_one(hostile, Config(), tmp_path / "out", "html")
    soup = BeautifulSoup((tmp_path / "out" / "hostile.html").read_text(), "html.parser")
    images = soup.find_all("img")
    assert [img["alt"] for img in images] == ["ok"]
    assert images[0]["src"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    placeholders = [s.get_text() for s in soup.select(".image-missing")]
    # A file: URL is not even made an image: its Markdown source stays as text.
    assert "![passwd](file:///etc/passwd)" in soup.get_text()
    for alt in ("abs", "up", "meta", "local", "random", "link"):
        assert f"[image not included: {alt}]" in placeholders
    warned = {p.message.split("'")[1] for p in result.problems if p.rule == "unsafe-link"}
    assert {"/etc/passwd", "../outside.png", "images/escape.png", "/dev/urandom"} <= warned


def test_the_pdf_renderer_fetches_nothing_and_reads_only_the_theme(
    hostile: Path, tmp_path: Path
) -> None:
    result = build_one(hostile, Config(), tmp_path / "out", "pdf")
    assert result.ok
    reader = PdfReader(tmp_path / "out" / "hostile.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    assert "root:x:0:0" not in text
    assert "[image not included: meta]" in text


def test_the_pdf_renderer_asks_no_server_for_anything(
    tmp_path: Path, spy: tuple[int, list[str]]
) -> None:
    """Even HTML that names network resources (here, a listening server on this machine)
    makes the renderer send no request: the fetcher refuses before any connection."""
    from scoper.pdf.render import render_pdf
    from scoper.render.theme import default_theme_dir

    port, requests = spy
    base = f"http://127.0.0.1:{port}"
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/style.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}">'
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.png) }}</style>"
        f'</head><body><img src="{base}/image.png" alt="x"><p>text</p>'
        f'<img src="file:///etc/hostname" alt="y"></body></html>'
    )
    rendered = render_pdf(html, (default_theme_dir(),), "t", "2026-11-23")
    assert rendered.pdf.startswith(b"%PDF-")
    assert requests == []
    refused = " ".join(rendered.warnings)
    assert "scoper fetches nothing from the network" in refused
    assert "scoper reads no file outside the theme" in refused


def test_fetcher_refuses_network_and_files_outside_the_theme(tmp_path: Path) -> None:
    from scoper.pdf.render import LocalOnlyFetcher

    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "font.ttf").write_bytes(b"font")
    fetcher = LocalOnlyFetcher([theme])
    for url in (
        "http://127.0.0.1:1/x.png",
        "https://169.254.169.254/latest",
        "ftp://example.org/x",
        "file:///etc/passwd",
        (theme / ".." / "x").as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch((theme / "font.ttf").as_uri()).read() == b"font"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "name", ["../../etc/evil.md", "..md", " .md", "résumé of Ünïcode.md", "a/b/CON.md", "-x-.md"]
)
def test_output_names_cannot_leave_the_output_folder(name: str, tmp_path: Path) -> None:
    slug = brief_slug(Path(name))
    target = output_path(tmp_path, slug, "html")
    assert target.parent == tmp_path
    assert "/" not in slug and ".." not in slug


def test_a_very_long_file_name_still_builds(write_brief, tmp_path: Path) -> None:
    path = write_brief("x" * 200 + ".md")
    result = build_one(path, Config(), tmp_path / "out", "html")
    assert result.ok, [p.format() for p in result.problems]
    [written] = result.written
    assert written.parent == tmp_path / "out" and len(written.name) <= 110


def test_file_and_protocol_relative_links_are_not_links(write_brief, tmp_path: Path) -> None:
    text = valid_brief().replace(
        "One in fourteen adults is chronically lonely.",
        "See [the annex](annex.pdf) and [this](//evil.example/x).",
    )
    (tmp_path / "briefs").mkdir(exist_ok=True)
    (tmp_path / "briefs" / "annex.pdf").write_bytes(b"%PDF-")
    result = build_one(write_brief(text=text), Config(), tmp_path / "out", "html")
    soup = BeautifulSoup((tmp_path / "out" / "loneliness.html").read_text(), "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert not any("annex" in h or "evil" in h for h in hrefs), hrefs
    assert soup.select_one(".file-link").get_text() == "the annex (annex.pdf)"
    assert result.ok


def test_output_path_refuses_unsafe_names(tmp_path: Path) -> None:
    for bad in ("../x", "x/y", "", ".hidden", "A b"):
        with pytest.raises(ValueError):
            output_path(tmp_path, bad, "pdf")


def test_a_ref_cannot_choose_the_output_file(write_brief, tmp_path: Path) -> None:
    path = write_brief(text=valid_brief().replace("ref: PU-2026-900", "ref: ../../escaped"))
    result = build_one(path, Config(), tmp_path / "out", "html")
    assert result.written == [tmp_path / "out" / "loneliness.html"]
    assert not (tmp_path / "escaped.html").exists()
