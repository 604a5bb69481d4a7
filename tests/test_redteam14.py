"""The fourteenth hostile-input round (docs/redteam-2026-11-round14.md): round 13's fixes
(``image_bytes``, ``bytes_problem`` and ``_MEASURED`` in scoper/brief/source.py; the front
matter's number cap) attacked first, then costly YAML within the caps, pictures used many
times over, and the preview's kept PDFs and pack page (read).

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _scoper


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (40, 20)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buffer, format="PNG", compress_level=1
    )
    return buffer.getvalue()


# -- 1. round 13's fix 1: read once, but opened by name after the folder check ----------------


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_a_picture_swapped_for_a_link_after_its_folder_check_is_not_embedded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """``brief_image_file`` resolves the path and checks it is a regular file inside the
    brief's folder; ``image_bytes`` then opens it again by name with ``read_at_most``,
    which follows links (only the file's type is checked after the open, not where it
    is). Anyone who can write the briefs folder (untrusted, 'from many hands') and swaps
    ``chart.png`` for a link to a picture of the user's own (a scanned passport in
    ``~/Pictures``) in that window has it embedded in the paper, in the HTML, PDF and Word
    alike. A loop of renames beside a real build wins often (see the report: 394 of 3,000
    resolver calls, 1 of 20 whole builds); staged here by swapping right after the check."""
    from click.testing import CliRunner

    import scoper.brief.source as source
    from scoper.cli import cli

    folder, home = tmp_path / "briefs", tmp_path / "home"
    home.mkdir()
    secret = _png((0, 0, 200))
    (home / "passport.png").write_bytes(secret)
    brief = _brief(folder, "a.md", SUMMARY + "![The chart](chart.png)\n\n" + TAIL)
    chart = folder / "chart.png"
    chart.write_bytes(_png((200, 0, 0)))
    real, checked = source.brief_image_file, []

    def checked_then_swapped(root: Path, src: str) -> Path | None:
        found = real(root, src)
        if found is not None and not checked:
            checked.append(found)
            link = found.with_name(".swap.png")
            os.symlink(home / "passport.png", link)
            os.replace(link, found)
        return found

    monkeypatch.setattr(source, "brief_image_file", checked_then_swapped)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", kind])
    assert checked, "the picture was never checked"
    made = out / f"a.{kind}"
    assert made.exists(), result.output
    if kind == "html":
        assert base64.b64encode(secret).decode() not in made.read_text()
    else:
        with zipfile.ZipFile(made) as word:
            assert not any(secret == word.read(name) for name in word.namelist())


def test_a_link_out_of_the_folder_is_refused_when_it_is_there_from_the_start(
    tmp_path: Path,
) -> None:
    """The control for finding 1: the same link, there before the build, is never read."""
    from click.testing import CliRunner

    from scoper.cli import cli

    folder, home = tmp_path / "briefs", tmp_path / "home"
    home.mkdir()
    secret = _png((0, 0, 200))
    (home / "passport.png").write_bytes(secret)
    brief = _brief(folder, "a.md", SUMMARY + "![The chart](chart.png)\n\n" + TAIL)
    os.symlink(home / "passport.png", folder / "chart.png")
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "html"])
    html = (out / "a.html").read_text() if (out / "a.html").exists() else ""
    assert base64.b64encode(secret).decode() not in html


def test_a_fifo_or_device_swapped_in_after_the_check_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Held: a link to ``/dev/zero`` or a FIFO swapped in after the folder check is opened
    without blocking and refused by ``fstat`` before anything is read."""
    import scoper.brief.source as source

    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "chart.png").write_bytes(_png((200, 0, 0)))
    (folder / "pipe.png").write_bytes(_png((200, 0, 0)))
    os.mkfifo(tmp_path / "fifo")
    real = source.brief_image_file
    targets = {"chart.png": Path("/dev/zero"), "pipe.png": tmp_path / "fifo"}

    def checked_then_swapped(root: Path, src: str) -> Path | None:
        found = real(root, src)
        if found is not None and not found.is_symlink():
            link = found.with_name(".swap.png")
            os.symlink(targets[src], link)
            os.replace(link, found)
        return found

    monkeypatch.setattr(source, "brief_image_file", checked_then_swapped)
    resolve = source.image_resolver(folder)
    started = time.monotonic()
    assert resolve("chart.png") is None
    assert resolve("pipe.png") is None
    assert time.monotonic() - started < 5


# -- 2. the measure's cache ----------------------------------------------------------------


def test_the_measures_cache_is_bounded_and_keyed_by_content() -> None:
    """``_MEASURED`` holds at most 1,024 verdicts, and two pictures with one name, time
    and size but other bytes are measured apart (the cache is keyed by digest)."""
    import scoper.brief.source as source
    from tests.test_redteam13 import SMALL_SVG, _use_bomb

    for n in range(1_500):
        source.bytes_problem(b"<svg xmlns='http://www.w3.org/2000/svg'><!--%d--></svg>" % n, ".svg")
    assert len(source._MEASURED) <= 1_024
    assert source.bytes_problem(SMALL_SVG, ".svg") is None
    assert source.bytes_problem(_use_bomb(), ".svg") is not None
    # The type goes in the key: an SVG's bytes named .png are read by Pillow, and refused.
    assert source.bytes_problem(SMALL_SVG, ".png") is not None


def test_a_picture_whose_type_lies_is_refused(tmp_path: Path) -> None:
    """An SVG named ``chart.png`` (WeasyPrint would try it as SVG when Pillow fails) and a
    PNG named ``chart.svg`` are both refused, not drawn unmeasured."""
    import scoper.brief.source as source
    from tests.test_redteam13 import _use_bomb

    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "bomb.png").write_bytes(_use_bomb())
    (folder / "pic.svg").write_bytes(_png((1, 2, 3)))
    resolve = source.image_resolver(folder)
    assert resolve("bomb.png") is None
    assert resolve("pic.svg") is None


# -- 3. one picture used many times over ---------------------------------------------------


def test_one_picture_used_many_times_does_not_make_a_paper_of_hundreds_of_megabytes(
    tmp_path: Path,
) -> None:
    """Each picture is capped (10 MB, 25 megapixels) and the number of ``[`` (5,000) and
    ``!`` characters is capped, but nothing caps what a paper embeds in all: each use of a
    picture is a new ``data:`` URI of its whole bytes. Measured by hand: one 9.7 MB PNG used
    100 times made ``scoper build --format html`` write a 1.3 GB ``a.html`` in 20 s and
    3.8 GB of memory (the HTML has no time or memory limit); the caps allow 4,999 uses
    (65 GB). The preview's paper and pack pages (the pack re-rendered on every request,
    four at once) do the same. Here: a 1 MB picture used 120 times (160 MB of base64)."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "photo.png").write_bytes(_noise_png(600))
    uses = "".join(f"![Photo {n}](photo.png)\n\n" for n in range(120))
    _brief(folder, "a.md", SUMMARY + uses + TAIL)
    out = tmp_path / "out"
    done = _scoper("build", str(folder / "a.md"), "-o", str(out), "--format", "html", timeout=120)
    made = out / "a.html"
    if done.returncode == 0:
        assert made.stat().st_size < 50_000_000, f"{made.stat().st_size / 1e6:.0f} MB"
    else:
        assert "too-large" in done.stdout + done.stderr


def test_one_picture_used_a_few_times_builds(tmp_path: Path) -> None:
    """The control for finding 2: a small picture used ten times builds as before."""
    folder = tmp_path / "briefs"
    folder.mkdir()
    (folder / "photo.png").write_bytes(_png((0, 120, 0)))
    uses = "".join(f"![Photo {n}](photo.png)\n\n" for n in range(10))
    _brief(folder, "a.md", SUMMARY + uses + TAIL)
    out = tmp_path / "out"
    done = _scoper("build", str(folder / "a.md"), "-o", str(out), "--format", "html", timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "a.html").read_text().count("data:image/png;base64,") >= 10


# -- 4. round 13's fix 2 and other YAML within the caps ------------------------------------

YAML_VALUES = {
    "binary": "!!binary aGVsbG8=",
    "set": "!!set {a, b}",
    "omap": "!!omap [a: 1, b: 2]",
    "pairs": "!!pairs [a: 1, a: 2]",
    "timestamp-tz": "2026-11-23 10:00:00+23:59",
    "timestamp-tz-out-of-range": "2026-11-23t10:00:00+99:00",
    "timestamp-bad-tag": "!!timestamp 2026-13-40",
    "float-huge": "1" + "0" * 300 + ".0",
    "float-base-60": "1:30:00.5",
    "nan": ".nan",
    "inf": "-.inf",
    "merge": "{<<: {a: 1}, b: 2}",
    "hex-long": "0x" + "f" * 60,
    "int-tag-binary": "!!int 0b" + "1" * 2_000,
    "value-tag": "!!value =",
    "merge-tag": "!!merge <<",
}
YAML_FIELDS = [
    "title",
    "date",
    "status",
    "priority",
    "owner",
    "notes",
    "ask",
    "public",
    "authors",
    "partners",
]


def test_yaml_constructs_in_every_field_are_problems_or_values_never_internal_errors(
    tmp_path: Path,
) -> None:
    """Binary, sets, ordered maps, pairs, timestamps out of range, floats of 300 digits,
    base-60 floats, NaN, merge keys and long integers (also tagged ``!!int``), in ten
    fields: every one is a value or a problem at its line, never an internal error, and
    ``check``, ``export`` and ``build`` of all 160 take seconds. (Tried by hand in 17
    fields and 25 shapes, with ``build --public`` and Word too: the same.)"""
    folder = tmp_path / "m"
    folder.mkdir()
    for field in YAML_FIELDS:
        for name, value in YAML_VALUES.items():
            if field in ("title", "date"):
                head = "\n".join(
                    f"{field}: {value}" if line.startswith(f"{field}:") else line
                    for line in HEAD.split("\n")
                )
            else:
                head = HEAD[: HEAD.rindex("---")] + f"{field}: {value}\n---\n"
            (folder / f"{field}-{name}.md").write_text(head + SUMMARY + TAIL)
    files = sorted(str(p) for p in folder.glob("*.md"))
    assert len(files) == len(YAML_FIELDS) * len(YAML_VALUES)
    for command in (
        ["check"],
        ["export"],
        ["build", "--format", "html", "-o", str(tmp_path / "out")],
    ):
        started = time.monotonic()
        done = _scoper(*command, *files, timeout=120)
        said = done.stdout + done.stderr
        assert "Traceback" not in said
        assert "internal-error" not in said, [
            line for line in said.splitlines() if "internal" in line
        ][:3]
        assert time.monotonic() - started < 60
    assert "int-tag-binary" in said  # the long integers are refused at their line


@pytest.mark.parametrize(
    "front",
    [
        "? " + ":".join(["1"] + ["59"] * 3_000) + "\n: x\n",  # a base-60 number as a key
        "notes: !!int " + ":".join(["1"] + ["59"] * 3_000) + "\n",
        "notes: " + ":".join(["1"] + ["59"] * 300) + ".5\n",
        "notes: " + "1" * 30_000 + ".5e-9\n",
    ],
    ids=["base-60-key", "base-60-tagged", "base-60-float", "long-float"],
)
def test_long_numbers_elsewhere_in_the_front_matter_are_quick_and_never_internal_errors(
    tmp_path: Path, front: str
) -> None:
    """Round 13's fix 2 caps integers at 40 characters in ``construct_yaml_int``; numbers
    as keys, tagged numbers and floats are read within the caps, quickly, as a value or a
    clean problem. Finding 3: PyYAML sums a base-60 float (``1:59:59:...:59.5``) with an
    integer place value that grows past what a float holds, so 300 groups, in any field
    (``notes``, ``priority``, ``title``, ``status``), is ``internal-error ... OverflowError``
    at line 0."""
    from scoper.config import load_config
    from scoper.load import load

    folder = tmp_path / "briefs"
    head = HEAD[: HEAD.rindex("---")] + front + "---\n"
    brief = _brief(folder, "a.md", SUMMARY + TAIL, head=head)
    started = time.monotonic()
    (report,) = load([brief], load_config())
    assert time.monotonic() - started < 5
    assert not any(p.rule == "internal-error" for p in report.problems), report.problems
    if report.brief is not None:
        assert len(str(getattr(report.brief, "notes", "") or "")) < 100_000


def test_scoper_runs_with_a_python_that_limits_int_digits() -> None:
    """Sanity: the tests above matter only because Python refuses long int-to-text."""
    assert sys.get_int_max_str_digits() > 0
