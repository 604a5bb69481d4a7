"""The HTML papers stay exactly as they were when the model stopped carrying rendered HTML.

The golden files in tests/golden/ were written by the renderer of the time the model held
HTML; every example brief, every valid parser fixture and every buildable brief of the
hostile corpus must still render to the same bytes, for the screen and for the PDF.
The theme's stylesheet and folder are replaced by placeholders: they do not depend on the
model. To accept a deliberate change of the theme, run
``SCOPER_UPDATE_GOLDEN=1 pytest tests/test_html_unchanged.py`` and read the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from scoper.brief.parser import parse_brief
from scoper.brief.source import read_brief
from scoper.config import Config
from scoper.problems import BriefInvalid
from scoper.render.html import render_html
from scoper.render.theme import default_theme_dir

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
TARGETS = ("screen", "pdf")


def _fixture_image(src: str) -> str | None:
    return "data:image/png;base64,AAAA" if src == "images/chart.png" else None


def _fixture_cases() -> list[tuple[str, str]]:
    cases = []
    for line, _title, text, _expected in read_fixture_file(
        Path(__file__).parent / "fixtures" / "parse-valid.md"
    ):
        cases.append((f"fixture-{line}", text))
    return cases


def _brief_files() -> list[Path]:
    examples = sorted((ROOT / "briefs").glob("*.md"))
    hostile = sorted((Path(__file__).parent / "hostile").glob("*.md"))
    return examples + hostile


def _normalised(html: str) -> str:
    # The stylesheet (with its fonts) is the theme's, the same for every paper.
    html = re.sub(r"<style>.*?</style>", "<style>THEME</style>", html, count=1, flags=re.S)
    return html.replace(default_theme_dir().as_uri(), "THEME")


def _rendered_file(path: Path, target: str) -> str | None:
    try:
        brief = read_brief(path)
    except BriefInvalid:
        return None
    return render_html(brief, Config(), target=target)  # type: ignore[arg-type]


def _rendered_fixture(text: str, target: str) -> str:
    brief = parse_brief(
        text, "brief.md", default_ref="brief", slug="brief", resolve_image=_fixture_image
    )
    return render_html(brief, Config(), target=target, resolve_image=_fixture_image)  # type: ignore[arg-type]


def _cases() -> list:
    cases = []
    for path in _brief_files():
        group = "example" if path.parent.name == "briefs" else "hostile"
        for target in TARGETS:
            cases.append(pytest.param(f"{group}-{path.stem}-{target}", path, None, target))
    for name, text in _fixture_cases():
        for target in TARGETS:
            cases.append(pytest.param(f"{name}-{target}", None, text, target))
    return cases


@pytest.mark.parametrize("name,path,text,target", _cases())
def test_html_is_unchanged(name: str, path: Path | None, text: str | None, target: str) -> None:
    html = (
        _rendered_file(path, target) if path is not None else _rendered_fixture(text or "", target)
    )
    golden = GOLDEN / f"{name}.html"
    if html is None:
        assert not golden.exists(), f"{name} used to build"
        return
    html = _normalised(html)
    if os.environ.get("SCOPER_UPDATE_GOLDEN"):
        golden.write_text(html, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == html


def test_every_example_has_a_golden_file() -> None:
    for path in sorted((ROOT / "briefs").glob("*.md")):
        assert (GOLDEN / f"example-{path.stem}-screen.html").is_file(), path
