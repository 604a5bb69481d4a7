"""The eighteenth hostile-input round (docs/redteam-2026-11-round18.md): round 17's fix
(the PNG drawn from an SVG for Word held to a picture's limit and counted against the
paper's budget, ``picture_reader`` / ``spend_picture_bytes``) attacked first, then the
Word paper's cost within the documented limits, then marks in public versions in the
forms a writer would type.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from tests.test_redteam import SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper
from tests.test_redteam17 import _env, _media

SECRET = "Zanzibarquux"


def _rects_svg(n: int, tag: int) -> bytes:
    """An SVG within every measure (a 2500x2500 canvas, ``n`` full-canvas rects, far
    under 20,000 elements) that the Word paper draws at 25 megapixels, slowly."""
    rects = "".join(
        f'<rect width="2500" height="2500" fill="#{i % 4096:03x}" opacity="0.5"/>' for i in range(n)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="2500" height="2500">'
        f"<!--{tag}-->{rects}</svg>"
    ).encode()


# -- 1. round 17's fix: the drawn PNG is counted -----------------------------------------------


def test_drawn_png_is_counted_against_the_budget(tmp_path: Path) -> None:
    """A 141-byte SVG draws as a ~110 KB PNG: after round 17's fix the Word paper counts
    the PNG, so a brief using one such SVG many times (each use counted) embeds at most
    40 MB of pictures, whatever the SVG's own size."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "d.svg").write_bytes(_rects_svg(1, 0))
    pics = "".join(f"![drawing {i}](d.svg)\n\n" for i in range(450))
    _brief(folder, "a.md", SUMMARY + pics + TAIL)
    out = tmp_path / "out"
    result = _scoper(
        "build",
        str(folder / "a.md"),
        "-o",
        str(out),
        "--format",
        "docx",
        env=_env(tmp_path),
        timeout=150,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    media = _media(out / "a.docx")
    assert media  # the pictures are there
    # python-docx stores one copy of identical bytes, so the file itself stays small; what
    # the budget bounds is the uses: past 40 MB of uses the rest are shown by alt text.
    with zipfile.ZipFile(out / "a.docx") as archive:
        document = archive.read("word/document.xml").decode()
    drawn = document.count("<pic:pic")
    one = max(media.values())
    assert drawn * one <= 40_000_000 + one, (drawn, one)
    assert drawn < 450


# -- 2. the Word paper's time within the documented limits ------------------------------------


def test_word_paper_with_many_slow_drawings_is_bounded_in_time(tmp_path: Path) -> None:
    """Each distinct SVG is drawn in its own child with a 20 s limit, and nothing bounds
    the sum: the budget counts only bytes (an SVG of 2,000 full-canvas rects is 120 KB
    and draws in ~17 s as an 84 KB PNG, so 40 MB admits ~190 of them: ~55 minutes for one
    Word paper). Here five distinct ~3 s drawings with ``--timeout 5``: the safe behaviour
    is a paper (or a clear error) within about that limit, as for the PDF."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    pics = ""
    for i in range(5):
        (folder / f"d{i}.svg").write_bytes(_rects_svg(350, i))
        pics += f"![drawing {i}](d{i}.svg)\n\n"
    _brief(folder, "a.md", SUMMARY + pics + TAIL)
    started = time.monotonic()
    result = _scoper(
        "build",
        str(folder / "a.md"),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "docx",
        "--timeout",
        "5",
        env=_env(tmp_path),
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stderr
    assert elapsed < 12, f"the Word paper took {elapsed:.1f} s with --timeout 5"


# -- 3. marks in public versions, as a writer types them ---------------------------------------

FORMS = {
    "spaced-braces": "{ .sensitive }\nThe minister said " + SECRET + ".\n\n",
    "capitals": "{.SENSITIVE}\nThe minister said " + SECRET + ".\n\n",
    "single-quoted-exemption": "{.sensitive exemption='s.35'}\nSaid " + SECRET + ".\n\n",
    "id-first": "{#p1 .sensitive}\nThe minister said " + SECRET + ".\n\n",
    "two-classes": "{.note .sensitive}\nThe minister said " + SECRET + ".\n\n",
    "span-spaced": "We met [" + SECRET + "]{ .sensitive } today.\n\n",
    "span-exemption": "We met [" + SECRET + ']{.sensitive exemption="s.43"} today.\n\n',
    "kramdown": "The minister said " + SECRET + ".\n{: .sensitive}\n\n",
    "span-in-bold": "We met **[" + SECRET + "]{.sensitive}** today.\n\n",
    "span-in-link": "See [" + SECRET + "](https://example.org){.sensitive}.\n\n",
    "blockquote": "> {.sensitive}\n> The minister said " + SECRET + ".\n\n",
    "list-item": "- first\n- {.sensitive}\n  The minister said " + SECRET + ".\n\n",
    "pandoc-div": "::: {.sensitive}\nThe minister said " + SECRET + ".\n:::\n\n",
    "trailing-space": "{.sensitive}   \nThe minister said " + SECRET + ".\n\n",
    "nbsp-in-mark": "{.sensitive\u00a0}\nThe minister said " + SECRET + ".\n\n",
    "heading-span": "## Handling [" + SECRET + "]{.sensitive}\nText.\n\n",
}

PARTNER = {
    "field-yes-capital": "  - Sensitive: Yes\n",
    "field-true": "  - Sensitive: true\n",
    "field-bold": "  - **Sensitive:** yes\n",
    "field-upper": "  - SENSITIVE: s.43\n",
    "field-tab": "  - Sensitive:\tyes\n",
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_public_never_carries_a_marked_word(tmp_path: Path, form: str) -> None:
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + FORMS[form] + TAIL)
    result = _scoper("export", "--public", str(folder / "a.md"), timeout=60)
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout, (form, result.stdout[-400:], result.stderr[-400:])


@pytest.mark.parametrize("form", sorted(PARTNER))
def test_public_partner_field_forms(tmp_path: Path, form: str) -> None:
    folder = tmp_path / "briefs"
    tail = TAIL.replace(
        "- **Alcohol Health Alliance** — third-sector\n",
        "- **Alcohol Health Alliance** — third-sector\n"
        + PARTNER[form]
        + f"  - Position: {SECRET}.\n",
    )
    _brief(folder, "a.md", SUMMARY + tail)
    result = _scoper("export", "--public", str(folder / "a.md"), timeout=60)
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout, (form, result.stdout[-400:], result.stderr[-400:])
