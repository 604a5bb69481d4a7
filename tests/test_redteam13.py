# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The thirteenth hostile-input round (docs/redteam-2026-11-round13.md): round 12's fixes
(paper keys from ``Brief.source`` and ``RunFiles.read_as``, the front matter's caps,
``_failed`` looked up under the lock, the wide ``_SENSITIVE_FIELD``, the public export's
``path``) attacked first, then the preview over a socket, the manifest's removal of files,
the user cache and a pack into a linked output folder.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, format="PNG")
    return buffer.getvalue()


# -- 1. round 12's fix 1: keys from the bytes read once -- but images? ------------------------


def test_an_image_replaced_while_a_pack_runs_is_not_kept_by_later_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 12's finding 1 named images too ('images are keyed by name in the same way');
    the fix keys the brief by the bytes read once, but ``Keys.image`` still reads each
    image by name after ``load_files`` embedded it. A writer who replaces a chart (say with
    one whose figures are cleared for release, or corrected) while the pack runs has the
    old picture recorded under the new picture's digest: every later pack keeps it."""
    import scoper.pack.build as pack_build
    from scoper.config import load_config

    monkeypatch.chdir(tmp_path)
    old, new = _png((200, 0, 0)), _png((0, 0, 200))
    folder = tmp_path / "briefs"
    brief = _brief(folder, "a.md", SUMMARY + "![The chart](chart.png)\n\n" + TAIL)
    (folder / "chart.png").write_bytes(old)
    real = pack_build.load_files

    def replaced_meanwhile(*args: object, **kwargs: object) -> object:
        reports = real(*args, **kwargs)  # type: ignore[arg-type]
        (folder / "chart.png").write_bytes(new)
        return reports

    config, out = load_config(), tmp_path / "out"
    monkeypatch.setattr(pack_build, "load_files", replaced_meanwhile)
    first = pack_build.build_pack([brief], config, out, today=dt.date(2026, 11, 23))
    assert first.ok, first.problems
    monkeypatch.setattr(pack_build, "load_files", real)
    for day in (23, 24):
        later = pack_build.build_pack([brief], config, out, today=dt.date(2026, 11, day))
        assert later.ok
    html = (out / "a.html").read_text()
    assert base64.b64encode(old).decode() not in html
    assert base64.b64encode(new).decode() in html


# -- 2. an SVG measured by name, then read again by name -------------------------------------


SMALL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>'


def _use_bomb() -> bytes:
    """Ten levels of ten ``<use>`` each: 10**10 elements once expanded (the measure's limit
    is 20,000)."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20"><defs><rect id="l0" width="1" height="1"/>'
    ]
    for level in range(1, 11):
        uses = "".join(f'<use xlink:href="#l{level - 1}"/>' for _ in range(10))
        parts.append(f'<g id="l{level}">{uses}</g>')
    parts.append('</defs><use xlink:href="#l10"/><!--BOMB--></svg>')
    return "".join(parts).encode()


def test_the_use_bomb_is_refused_when_written_plainly(tmp_path: Path) -> None:
    """The control: the same SVG in the folder from the start is a ``too-large`` error."""
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    brief = _brief(folder, "a.md", SUMMARY + "![The chart](chart.svg)\n\n" + TAIL)
    (folder / "chart.svg").write_bytes(_use_bomb())
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "html"])
    assert built.exit_code != 0
    assert "too-large" in built.output
    assert not (out / "a.html").exists() or b"BOMB" not in (out / "a.html").read_bytes()


def test_an_svg_swapped_after_it_was_measured_is_not_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``image_file`` measures the SVG (``image_problem`` reads the file by name) and
    ``_data_uri`` then reads it again by name to embed it. Anyone who can write the briefs
    folder (shared, 'from many hands') and swaps ``chart.svg`` in that window (a loop of
    renames wins often: see the report) has an SVG that was never measured embedded in the
    HTML paper, which draws it in every reader's browser with no limit. Staged here by
    swapping right after the measure."""
    from click.testing import CliRunner

    import scoper.brief.source as source
    from scoper.cli import cli

    folder = tmp_path / "briefs"
    brief = _brief(folder, "a.md", SUMMARY + "![The chart](chart.svg)\n\n" + TAIL)
    chart = folder / "chart.svg"
    chart.write_bytes(SMALL_SVG)
    real, seen = source.bytes_problem, []

    def measured_then_swapped(data: bytes, suffix: str) -> str | None:
        # Since the fix the picture is measured as bytes (read once): the file is swapped
        # right after every measure, so any read by name after it would get the bomb.
        verdict = real(data, suffix)
        seen.append(suffix)
        chart.write_bytes(_use_bomb())
        return verdict

    monkeypatch.setattr(source, "bytes_problem", measured_then_swapped)
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "html"])
    html = (out / "a.html").read_bytes() if (out / "a.html").exists() else b""
    assert seen, "the picture was never measured"
    assert base64.b64encode(_use_bomb()) not in html


# -- 3. the front matter's caps: costly YAML within 64,000 characters and 5,000 values --------------


BASE = "title: T\ndate: 2026-11-23\n"
COSTLY_YAML = {
    "blank-lines": BASE + "\n" * 63_000,
    "flow-empty-maps": BASE + "notes: [" + "{}," * 4_900 + "]\n",
    "escapes": BASE + 'notes: "' + "\\u00e9" * 10_000 + '"\n',
    "tags": BASE + "notes: [" + "!!str a," * 4_900 + "]\n",
    "merge-many": BASE + "notes: {<<: [" + ",".join("{a: 1}" for _ in range(1_600)) + "]}\n",
    "timestamps": BASE + "notes: [" + ",".join(["2001-12-14t21:59:43.10-05:00"] * 2_000) + "]\n",
    "binary": BASE + "notes: !!binary " + "QUFB" * 15_000 + "\n",
    "sexagesimal": BASE + "notes: " + ":".join(["59"] * 15_000) + "\n",
    "big-float": BASE + "notes: 1" + "0" * 30_000 + ".5e99999999\n",
}


@pytest.mark.parametrize("name", sorted(COSTLY_YAML))
def test_costly_yaml_within_the_caps_is_read_quickly(name: str) -> None:
    import time

    from scoper.brief.frontmatter import load_front_matter, split_front_matter

    text = "---\n" + COSTLY_YAML[name] + "---\n## Summary\nx\n"
    started = time.monotonic()
    split = split_front_matter(text, "x.md")
    if hasattr(split, "yaml_text"):
        load_front_matter(split, "x.md")
    assert time.monotonic() - started < 1.5


def test_front_matter_over_the_cap_in_lines_of_comments_is_refused_at_once() -> None:
    from scoper.brief.frontmatter import split_front_matter

    found = split_front_matter("---\n" + BASE + "#x\n" * 30_000 + "---\nbody\n", "x.md")
    assert getattr(found, "rule", None) == "too-large"


@pytest.mark.parametrize("key", ["priority", "status", "title"])
def test_a_huge_base_60_number_is_a_value_error_at_its_line(tmp_path: Path, key: str) -> None:
    """YAML 1.1 reads ``1:59:59...`` as a base-60 integer: 3,000 groups make one of about
    5,300 digits, which Python refuses to turn into a string (its 4,300-digit limit), so
    ``check``, ``build``, ``export`` and the preview say 'internal-error ... please report
    this' at line 0 (the same class as issue 18's ``priority: "²"``)."""
    from click.testing import CliRunner

    from scoper.cli import cli

    huge = "1" + ":59" * 3_000
    head = (
        HEAD.replace("title: Red team brief", f"title: {huge}")
        if key == "title"
        else HEAD.replace("ref: PU-2026-099", f"ref: PU-2026-099\n{key}: {huge}")
    )
    brief = _brief(tmp_path / "briefs", "a.md", SUMMARY + TAIL, head=head)
    checked = CliRunner().invoke(cli, ["check", str(brief)])
    assert "internal-error" not in checked.output
    assert ":0:" not in checked.output
