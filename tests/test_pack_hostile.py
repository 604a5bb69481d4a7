"""The pack against hostile briefs, folders and cache files (issue 18: 1, 2, 7, 9, 11, 12)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from scoper.cli import cli
from scoper.config import Config
from scoper.pack.build import build_pack
from scoper.pack.cache import MANIFEST
from scoper.pack.model import Week
from scoper.pack.tracker import cell
from tests.conftest import EXAMPLES, valid_brief
from tests.test_pack import TODAY
from tests.test_project import PNG

# -- every file the process opens, seen through the audit hook -------------------------------

_WATCHED: set[str] = set()
_OPENED: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event != "open" or not _WATCHED or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.path.realpath(os.fsdecode(args[0]))
    if path in _WATCHED:
        _OPENED.append(path)
        # Stop the open itself: the code before the fix would hang on the FIFO or fill
        # memory from /dev/zero, and the test is to fail, not the machine.
        raise PermissionError(13, "opened by the test's watch", path)


sys.addaudithook(_audit)


@pytest.fixture
def never_opened() -> Iterator[set[str]]:
    """Paths that must never be opened during the test (put them in the set)."""
    _OPENED.clear()
    watched: set[str] = set()
    yield watched
    _WATCHED.clear()


def _watch(watched: set[str], *paths: Path | str) -> None:
    for path in paths:
        watched.add(os.path.realpath(path))
    _WATCHED.update(watched)


def _pack_folder(tmp_path: Path) -> Path:
    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    return briefs


def _manifest_text(out: Path) -> str:
    return (out / MANIFEST).read_text(encoding="utf-8")


# -- 1: only regular files inside the brief's folder, within the limit, are opened for keys --


def test_cache_keys_open_no_image_outside_the_folder_nor_any_special_file(
    tmp_path: Path, never_opened: set[str]
) -> None:
    briefs = _pack_folder(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "shadow.png"
    secret.write_bytes(b"root:$6$not-for-the-cache:19000:0:99999:7:::\n")
    (briefs / "link.png").symlink_to(secret)
    os.mkfifo(briefs / "chart.png")
    with open(briefs / "huge.png", "wb") as stream:  # over MAX_IMAGE_BYTES, sparse
        stream.truncate(11 * 1024 * 1024)
    (briefs / "fine.png").write_bytes(PNG)
    images = "\n".join(
        f"![{name}]({src})"
        for name, src in [
            ("zero", "../../../../../../../../dev/zero"),
            ("fifo", "chart.png"),
            ("shadow", "../outside/shadow.png"),
            ("link", "link.png"),
            ("fine", "fine.png"),
        ]
    )
    brief = briefs / "loneliness.md"
    brief.write_text(
        brief.read_text().replace("## The issue\n", f"## The issue\n\n{images}\n\n", 1),
        encoding="utf-8",
    )
    secret_digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    _watch(never_opened, "/dev/zero", briefs / "chart.png", secret, briefs / "huge.png")

    outcome = build_pack(
        sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY, timeout=60
    )
    again = build_pack(
        sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY, timeout=60
    )

    assert _OPENED == []
    assert outcome.name == "pack", [p.format() for p in outcome.problems]
    assert again.rendered == 0  # keyed by name, they still make a stable key
    written = _manifest_text(tmp_path / "out")
    assert secret_digest not in written
    assert str(secret) not in written  # (the paths as written are, as in the brief)
    # The image that may be read is read, and a change to it is a change.
    from PIL import Image

    Image.new("RGB", (3, 2), "white").save(briefs / "fine.png")
    third = build_pack(
        sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY, timeout=60
    )
    assert third.rendered == 1 + 2, [p.format() for p in third.problems]


def test_an_image_over_the_size_limit_is_refused_unopened(
    tmp_path: Path, never_opened: set[str]
) -> None:
    briefs = _pack_folder(tmp_path)
    with open(briefs / "huge.png", "wb") as stream:  # over MAX_IMAGE_BYTES, sparse
        stream.truncate(11 * 1024 * 1024)
    brief = briefs / "loneliness.md"
    brief.write_text(
        brief.read_text().replace("## The issue\n", "## The issue\n\n![huge](huge.png)\n\n", 1),
        encoding="utf-8",
    )
    _watch(never_opened, briefs / "huge.png")
    outcome = build_pack(
        sorted(briefs.glob("*.md")), Config(), tmp_path / "out", today=TODAY, keep_going=True
    )
    assert _OPENED == []
    assert any(p.rule == "too-large" and "huge.png" in p.message for p in outcome.problems)
    assert outcome.name == "pack" and outcome.excluded == 1


def test_the_preview_pdf_key_opens_nothing_outside_the_folder(
    tmp_path: Path, never_opened: set[str]
) -> None:
    from scoper.brief.source import read_brief
    from scoper.pack.cache import paper_key
    from scoper.render.theme import theme_for

    folder = tmp_path / "briefs"
    folder.mkdir()
    os.mkfifo(folder / "chart.png")
    brief_path = folder / "a.md"
    brief_path.write_text(
        valid_brief().replace(
            "## Summary\n", "## Summary\n\n![z](../../../../../../dev/zero) ![f](chart.png)\n", 1
        )
    )
    brief = read_brief(brief_path)
    _watch(never_opened, "/dev/zero", folder / "chart.png")
    key = paper_key(brief, Config(), theme_for(Config()))
    assert _OPENED == [] and len(key) == 64


# -- 2: a left-out brief's words never reach a pack -------------------------------------------


def test_a_left_out_brief_is_named_but_never_quoted(tmp_path: Path) -> None:
    briefs = _pack_folder(tmp_path)
    (briefs / "secret.md").write_text(
        valid_brief(classification="TOP SECRET").replace(
            "status: draft", "status: Operation NIGHTJAR"
        )
    )
    out = tmp_path / "out"
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(),
        out,
        week=Week.parse("2026-W48"),
        today=TODAY,
        keep_going=True,
    )
    assert outcome.name == "pack-2026-W48" and outcome.excluded == 1
    assert outcome.pack is not None and outcome.pack.classification != "TOP SECRET"
    # The terminal (the author's own) has the whole message...
    assert any("NIGHTJAR" in p.message for p in outcome.problems)
    # ...the pack and everything left beside it have nothing of it.
    reader = PdfReader(out / "pack-2026-W48.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    html = (out / "pack-2026-W48.html").read_text(encoding="utf-8")
    for shown in (text, html):
        assert "secret.md" in shown and "invalid-value" in shown
        assert "NIGHTJAR" not in shown
    for path in (found for found in out.rglob("*") if found.is_file()):  # kept parts too
        assert b"NIGHTJAR" not in path.read_bytes(), path.name


# -- 7: formulas in the tracker CSV -----------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']
)
def test_a_cell_that_would_be_a_formula_is_quoted(value: str) -> None:
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "2026-12-10", "DHSC", "1 + 1", "'=x", "a=b"])
def test_other_cells_are_left_as_they_are(value: str) -> None:
    assert cell(value) == value


def test_the_tracker_csv_carries_no_formula(tmp_path: Path) -> None:
    text = (
        valid_brief()
        .replace("title: Tackling loneliness in later life", "title: \"=cmd|' /C calc'!A0\"")
        .replace("- Fund 200 link workers", '- =HYPERLINK("http://evil.example","Fund")')
        .replace("Owner: DHSC", "Owner: @SUM(1+1)*cmd")
        .replace("Owner: No10 Policy Unit", "Owner: +44 20 7946 0000")
    )
    (tmp_path / "a.md").write_text(text)
    outcome = build_pack(
        [tmp_path / "a.md"], Config(), tmp_path / "out", today=TODAY, actions_csv=True
    )
    assert outcome.name == "pack", [p.format() for p in outcome.problems]
    data = (tmp_path / "out" / "pack-actions.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))[1:]
    assert len(rows) == 4  # two actions, by date and by owner
    cells = [value for row in rows for value in row]
    assert not [value for value in cells if value[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://evil.example","Fund") in five areas.' in cells
    assert "'+44 20 7946 0000" in cells and "'@SUM(1+1)*cmd" in cells
    assert rows[0][1].startswith("'=cmd|")


# -- 9: a brief named like the pack -----------------------------------------------------------


@pytest.mark.parametrize(
    "name,week", [("pack.md", None), ("pack-2026-W48.md", "2026-W48"), ("PACK.md", None)]
)
def test_a_brief_named_like_the_pack_is_a_clash_not_overwritten(
    tmp_path: Path, name: str, week: str | None
) -> None:
    briefs = _pack_folder(tmp_path)
    shutil.copy(briefs / "loneliness.md", briefs / name)
    (briefs / "loneliness.md").unlink()
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(),
        tmp_path / "out",
        week=Week.parse(week) if week else None,
        today=TODAY,
    )
    assert outcome.name is None
    [clash] = [p for p in outcome.problems if p.severity == "error"]
    assert clash.rule == "output-clash" and clash.path.endswith(name)
    assert "like the pack's own files" in clash.message
    assert not (tmp_path / "out").exists()


def test_a_brief_named_like_another_weeks_pack_is_no_clash(tmp_path: Path) -> None:
    briefs = _pack_folder(tmp_path)
    shutil.copy(briefs / "loneliness.md", briefs / "pack-2026-W01.md")
    (briefs / "loneliness.md").unlink()
    outcome = build_pack(
        sorted(briefs.glob("*.md")),
        Config(),
        tmp_path / "out",
        week=Week.parse("2026-W48"),
        today=TODAY,
    )
    assert outcome.ok, [p.format() for p in outcome.problems]


# -- 11: a cache manifest of another shape is not trusted -------------------------------------


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of briefs packed once: ``briefs`` and ``out`` in it."""
    work = tmp_path_factory.mktemp("packed")
    briefs = _pack_folder(work)
    assert build_pack(sorted(briefs.glob("*.md")), Config(), work / "out", today=TODAY).ok
    return work


def _copy_of(packed: Path, tmp_path: Path) -> tuple[list[Path], Path]:
    """The packed briefs (the same paths, so that the run is the same run) and a copy of
    the output folder to spoil."""
    shutil.copytree(packed / "out", tmp_path / "out")
    return sorted((packed / "briefs").glob("*.md")), tmp_path / "out"


def _edit_manifest(out: Path, edit) -> None:
    data = json.loads(_manifest_text(out))
    edit(data)
    (out / MANIFEST).write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(papers=[]),
        lambda m: m.update(packs={"pack": "yes"}),
        lambda m: m.update(runs=[1, 2]),
        lambda m: m.update({"front-pages": "two"}),
        lambda m: [run.update(problems=[{"path": 1}]) for run in m["runs"].values()],
        lambda m: [run.pop("name") for run in m["runs"].values()],
        lambda m: [entry.update(pdf=None) for entry in m["papers"].values()],
    ],
    ids=["papers", "packs", "runs", "front-pages", "problems", "name", "pdf-key"],
)
def test_a_manifest_of_the_wrong_shape_means_rebuild_not_a_traceback(
    packed: Path, tmp_path: Path, edit
) -> None:
    paths, out = _copy_of(packed, tmp_path)
    _edit_manifest(out, edit)
    outcome = build_pack(paths, Config(), out, today=TODAY)
    assert outcome.ok, [p.format() for p in outcome.problems]
    assert outcome.rendered == 6 + 2  # in doubt: everything again
    # And what it writes is of the right shape again.
    assert build_pack(paths, Config(), out, today=TODAY).rendered == 0


def test_a_manifest_that_forgets_an_input_does_not_keep_a_stale_pack(tmp_path: Path) -> None:
    paths, out = sorted(_pack_folder(tmp_path).glob("*.md")), tmp_path / "out"
    assert build_pack(paths, Config(), out, today=TODAY).ok

    def forget(data: dict) -> None:
        for run in data["runs"].values():
            for name in ("inputs", "briefs"):  # before and after the change of shape
                if name in run:
                    run[name] = {}

    _edit_manifest(out, forget)
    brief = tmp_path / "briefs" / "loneliness.md"
    brief.write_text(brief.read_text().replace("Around one adult", "About one adult"))
    outcome = build_pack(paths, Config(), out, today=TODAY)
    assert outcome.ok and outcome.rendered == 1 + 2
    assert "About one adult" in (out / "pack.html").read_text(encoding="utf-8")


def test_a_manifest_cannot_make_the_pack_read_other_files(
    packed: Path, tmp_path: Path, never_opened: set[str]
) -> None:
    paths, out = _copy_of(packed, tmp_path)
    os.mkfifo(tmp_path / "fifo")

    def plant(data: dict) -> None:
        for run in data["runs"].values():
            for name in ("inputs", "briefs"):
                if name in run:
                    run[name].update({"/dev/zero": None, str(tmp_path / "fifo"): None})
            run["outputs"]["../fifo"] = None

    _edit_manifest(out, plant)
    _watch(never_opened, "/dev/zero", tmp_path / "fifo")
    outcome = build_pack(paths, Config(), out, today=TODAY)
    assert _OPENED == []
    # Not the last run's record (it names other files), but the papers' own keys hold.
    assert outcome.ok and outcome.rendered == 0 and outcome.pack is not None
    unspoilt = build_pack(paths, Config(), packed / "out", today=TODAY)
    assert unspoilt.pack is None  # the same run, unspoilt: its record is used


# -- 12: an output folder that cannot be written ----------------------------------------------


def _read_only(folder: Path) -> bool:
    """Make ``folder`` read-only, even for root (who ignores modes); False if impossible."""
    folder.chmod(0o555)
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0:
            return False
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return True
    probe.unlink()
    return False


def _writable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
    folder.chmod(0o755)


def test_a_read_only_output_folder_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _pack_folder(tmp_path)
    (tmp_path / "out").mkdir()
    if not _read_only(tmp_path / "out"):
        _writable(tmp_path / "out")
        pytest.skip("cannot make a folder read-only here")
    try:
        result = CliRunner().invoke(cli, ["pack", "briefs", "-o", "out", "--today", "2026-11-28"])
    finally:
        _writable(tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert "write-failed: cannot write" in result.output
    assert "write-failed: cannot write the cache manifest" in result.output


def test_a_manifest_that_cannot_be_saved_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    # The same failure another way, where the folder cannot be made read-only: the
    # manifest's name is taken by a folder.
    monkeypatch.chdir(tmp_path)
    _pack_folder(tmp_path)
    (tmp_path / "out" / MANIFEST).mkdir(parents=True)
    result = CliRunner().invoke(cli, ["pack", "briefs", "-o", "out", "--today", "2026-11-28"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"out/{MANIFEST}:0: error B004 write-failed: cannot write the cache manifest" in (
        result.output
    )
    assert (tmp_path / "out" / "pack.pdf").exists()  # the pack itself was made
