"""WeasyPrint's HTML parser with its cache of patterns mended (scoper/pdf/htmlparser.py):
the same trees, and each pattern made once."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import scoper.pdf.render  # noqa: F401  (mends the parser as it loads)
from scoper.brief.source import read_brief
from scoper.build import paper_job
from scoper.config import Config
from scoper.pdf.htmlparser import _Patterns, mend
from scoper.render.theme import theme_for

from .conftest import EXAMPLES

tinyhtml5 = pytest.importorskip("tinyhtml5")
from tinyhtml5 import inputstream  # noqa: E402


def _page() -> str:
    config = Config()
    return paper_job(read_brief(EXAMPLES / "knife-crime.md"), config, theme_for(config)).html


def _tree(html: str) -> bytes:
    return ET.tostring(tinyhtml5.parse(html, namespace_html_elements=False))


def test_the_renderer_mends_the_parser_once() -> None:
    assert isinstance(inputstream.characters_until_regex, _Patterns)
    assert mend() is True
    assert isinstance(inputstream.characters_until_regex, _Patterns)


def test_each_pattern_is_made_once_and_the_tree_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = _page()
    made: list[str] = []
    compile_ = re.compile

    def counting(pattern: str, *args: object) -> re.Pattern[str]:
        made.append(pattern)
        return compile_(pattern, *args)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(inputstream.re, "compile", counting)
    monkeypatch.setattr(inputstream, "characters_until_regex", _Patterns())
    mended = _tree(page)
    once = len(made)
    assert 0 < once == len(set(made)) <= 12
    assert _tree(page) == mended and len(made) == once  # all found in the cache now

    # The parser's own cache, as it is: a pattern written out at every look-up.
    monkeypatch.setattr(inputstream, "characters_until_regex", {})
    made.clear()
    assert _tree(page) == mended
    assert len(made) > 50 * once
