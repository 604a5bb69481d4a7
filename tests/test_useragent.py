"""WeasyPrint's default stylesheet, trimmed of the rules that style pseudo-elements a paper
never has (scoper/pdf/useragent.py): the same pages, word for word, and the whole default
kept for a theme that makes list items, footnotes or notes of its own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import scoper.pdf.render as render
from scoper.brief.source import read_brief
from scoper.build import paper_job
from scoper.config import Config
from scoper.pdf.useragent import UNIVERSAL_PSEUDO, fits, lean
from scoper.render.theme import theme_for

from .conftest import EXAMPLES

LAYOUT = Path(__file__).parent / "layout"
BRIEFS = sorted(EXAMPLES.glob("*.md")) + sorted(LAYOUT.glob("*.md"))

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def _words(pdf: bytes) -> str:
    """Every word of the PDF with its box."""
    return subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_lean_default_is_in_use() -> None:
    assert render._LEAN_USER_AGENT is not None
    assert render._page("<p>Text</p>", []) is render._LeanPage


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_each_paper_is_laid_out_word_for_word_as_with_the_whole_default(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(organisation="Prime Minister's Policy Unit")
    job = paper_job(read_brief(path), config, theme_for(config))
    trimmed = render.render_pdf(job.html, job.roots, job.title, job.created)
    monkeypatch.setattr(render, "_LEAN_USER_AGENT", None)
    whole = render.render_pdf(job.html, job.roots, job.title, job.created)
    assert trimmed.pages == whole.pages
    words = _words(trimmed.pdf)
    assert words == _words(whole.pdf)
    assert words.count("<word") > 300


def test_a_numbered_list_keeps_its_markers() -> None:
    """li::marker is the one rule of the six kept: its numbers are where they were."""
    roots = theme_for(Config()).roots
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>x</title></head><body>'
        "<ol><li>First point</li><li>Second point</li></ol></body></html>"
    )
    text = _words(render.render_pdf(html, roots, "x", "2026-11-30").pdf)
    assert ">1.</word>" in text and ">2.</word>" in text


def test_a_theme_with_footnotes_keeps_the_whole_default() -> None:
    """A theme that floats footnotes needs the default's rules for the footnote's call and
    marker."""
    roots = theme_for(Config()).roots
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><title>x</title>'
        "<style>.fn { float: footnote }</style></head><body>"
        '<p>Claim<span class="fn">Source of the claim</span> stands.</p></body></html>'
    )
    assert render._page("<p>Text</p>", [".fn { float: footnote }"]) is not render._LeanPage
    text = _words(render.render_pdf(html, roots, "x", "2026-11-30").pdf)
    assert ">Source</word>" in text
    # The call after "Claim" and the marker before the note (with the lean default, the
    # renderer fails on the marker's missing style).
    assert ">1</word>" in text and ">1.</word>" in text


@pytest.mark.parametrize(
    ("css", "lean_fits"),
    [
        (".footnote-ref a { color: red } li { margin: 0 }", True),
        ("/* display: list-item; float: footnote */ p { color: red }", True),
        ("p.note { color: red }", True),
        (".x { display: list-item }", False),
        ("dd { display: inline LIST-ITEM }", False),
        ("aside { float: footnote }", False),
        ("aside { position: note(side) }", False),
        ("@media print { @supports (display: grid) { dd { display: list-item } } }", False),
        # A list item's child set to inherit its display is a list item too.
        ("li > div { display: inherit; text-transform: uppercase }", False),
        ("li > div { ALL: Inherit }", False),
        ("p { color: inherit; font: inherit }", True),
        ('@import url("more.css"); p { color: red }', False),
    ],
)
def test_which_themes_the_lean_default_fits(css: str, lean_fits: bool) -> None:
    assert fits((css,)) is lean_fits


def test_the_lean_default_leaves_out_only_the_six_rules() -> None:
    from weasyprint.html import UA_STYLESHEET

    whole, trimmed = UA_STYLESHEET.matcher, render._LEAN_USER_AGENT.matcher
    assert [e[3] for e in trimmed.other_selectors if e[3]] == []
    assert sorted(e[3] for e in whole.other_selectors if e[3]) == sorted(UNIVERSAL_PSEUDO)
    assert len(trimmed.other_selectors) == len(whole.other_selectors) - 6
    assert [e[3] for e in trimmed.lower_local_name_selectors["li"]][-1] == "marker"
    for name, entries in whole.lower_local_name_selectors.items():
        extra = 1 if name == "li" else 0
        assert len(trimmed.lower_local_name_selectors[name]) == len(entries) + extra
    assert whole.lower_local_name_selectors["li"] is not trimmed.lower_local_name_selectors["li"]


def test_a_default_stylesheet_of_another_shape_is_used_as_it_is() -> None:
    from cssselect2 import Matcher

    class Sheet:
        matcher = Matcher()

    assert lean(Sheet()) is None


@pytest.mark.parametrize(
    ("page", "lean_reads_it"),
    [
        ('<table><tr><th style="text-align:right">2025</th></tr></table>', True),
        ('<p style="display:list-item">x</p>', False),
        ("<p style='display: &#108;ist-item'>x</p>", False),
        ("<p style=display:list-item>x</p>", False),
        ("<body><style>.note { float: footnote }</style><p>x</p></body>", False),
        ('<style media="print">li { color: red }</style><p>x</p>', True),
        ('<link rel="stylesheet" href="more.css"><p>x</p>', False),
        # A brief's own text, escaped: no stylesheet, whatever it says.
        (
            '<p>&lt;style&gt;.x { float: footnote }&lt;/style&gt; style="display:list-item"</p>',
            True,
        ),
    ],
)
def test_a_page_with_styles_of_its_own_is_read_with_them(page: str, lean_reads_it: bool) -> None:
    assert (render._page(page, []) is render._LeanPage) is lean_reads_it
