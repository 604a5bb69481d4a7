# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The seventh hostile-input round (docs/redteam-2026-11-round5.md): the round-4 fixes and
the newest features (the pack's snapshot and changes page, the grid, the tracker by owner,
figures moved in the PDF) attacked, one test per attack.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number, so the suite stays green until the fix lands and then says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_redteam import HEAD, PNG, SUMMARY, TAIL
from tests.test_redteam4 import _brief, _foreign_manifest, _pack, _scoper

LAST_WEEK = "2026-11-16"

SECRET_BRIEF = """\
---
title: Red team brief
date: 2026-11-23
ref: PU-2026-099
classification: OFFICIAL-SENSITIVE
ask: Agree LEAK-ASK to the deal
---
## Summary
We recommend a roundtable with [LEAK-SUMMARY Diageo]{.sensitive}.

## Recommendation
Agree to [LEAK-REC the secret deal]{.sensitive}. Then more.
"""


def _leaks(folder: Path) -> dict[str, list[str]]:
    import re

    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            words = sorted(set(re.findall(rb"LEAK-[A-Z]+", path.read_bytes())))
            if words:
                found[str(path.relative_to(folder))] = [w.decode() for w in words]
    return found


# -- the snapshot: a full one left where the public pack goes ---------------------------------


def test_a_full_snapshot_stays_in_the_public_folder(tmp_path: Path) -> None:
    """The round-3 scenario (`pack -o site/public`, then `pack --public -o site`), a week
    apart: remove_foreign removes the full papers and pack, but not the full snapshot,
    which holds every paper's summary, recommendation and actions, marked passages too."""
    briefs, site = tmp_path / "briefs", tmp_path / "site"
    _brief(
        briefs,
        body=SECRET_BRIEF.split("---\n", 2)[2] + TAIL,
        head="---\n" + SECRET_BRIEF.split("---\n")[1] + "---\n",
    )
    full = _scoper("pack", str(briefs), "-o", str(site / "public"), "--today", LAST_WEEK)
    assert full.returncode == 0, full.stderr
    public = _pack(briefs, site, "--public")
    assert public.returncode == 0, public.stderr
    assert _leaks(site / "public") == {}


# -- the snapshot: planted or hand-edited in the output folder ---------------------------------


def _planted(tmp_path: Path, edit: object = None, raw: bytes | None = None) -> tuple[Path, Path]:
    """Briefs and an output folder holding last week's real snapshot, edited."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    made = _scoper("pack", str(briefs), "-o", str(out), "--today", LAST_WEEK)
    assert made.returncode == 0, made.stderr
    snap = out / f"pack-{LAST_WEEK}.snapshot.json"
    data = json.loads(snap.read_text())
    if callable(edit):
        edit(data)
    snap.write_bytes(raw if raw is not None else json.dumps(data).encode())
    return briefs, out


def test_a_planted_snapshot_with_a_lone_surrogate(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["papers"][0]["recommendation"] = "Old \ud800 text"

    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stdout + made.stderr


def test_a_planted_snapshot_with_a_huge_summary(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["papers"][0]["summary"] = "word " * 3_000_000

    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out, "--timeout", "2", timeout=180)
    assert made.returncode == 0, made.stdout + made.stderr


def test_the_redline_of_a_planted_snapshot_is_bounded() -> None:
    """A real paper's summary (here 1,500 words) against a planted old one of 300,000
    words holding those words in order among others (1.6 MB, a twelfth of the 20 MB a
    snapshot may be): difflib finds one match per call and scans the rest each time."""
    code = (
        "from scoper.pack.changes import redline\n"
        "old = ' '.join(f'w{i}' for i in range(300_000))\n"
        "new = ' '.join(f'w{i}' for i in range(0, 3000, 2))\n"
        "redline(old, new)\n"
    )
    try:
        subprocess.run([sys.executable, "-c", code], timeout=30, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("the redline took more than 30 s (99 s measured)")


def test_a_planted_snapshot_with_a_huge_integer(tmp_path: Path) -> None:
    briefs, out = _planted(tmp_path)
    snap = out / f"pack-{LAST_WEEK}.snapshot.json"
    snap.write_text(snap.read_text().replace('"priority": 3', '"priority": ' + "9" * 5000))
    made = _pack(briefs, out)
    assert "Traceback" not in made.stderr
    assert made.returncode == 0, made.stderr


def test_a_planted_snapshot_with_control_characters(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["papers"][0]["actions"].append(
            {
                "text": "X\x1b]0;pwned\x07 <script>alert(1)</script>",
                "owner": "",
                "due": "",
                "status": "done",
            }
        )

    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stderr
    html = (out / "pack.html").read_text()
    assert "<script>alert" not in html  # held: escaped
    # Fixed by refusing such a snapshot (a brief can hold no control character, so no
    # snapshot scoper wrote can): it is ignored with a warning, and nothing of it shown.
    assert "\x1b" not in html and "pwned" not in html
    assert "bad-snapshot" in made.stderr and "control character" in made.stderr


def test_a_planted_snapshot_that_is_a_fifo_a_device_or_deep(tmp_path: Path) -> None:
    briefs, out = _planted(tmp_path)
    os.mkfifo(out / "a-fifo.snapshot.json")
    (out / "zero.snapshot.json").symlink_to("/dev/zero")
    (out / "deep.snapshot.json").write_bytes(
        b'{"format":"scoper-pack-snapshot","version":1,"x":'
        + b"[" * 1_000_000
        + b"]" * 1_000_000
        + b"}"
    )
    with (out / "big.snapshot.json").open("wb") as big:
        big.truncate(30_000_000)
    started = time.monotonic()
    made = _pack(briefs, out, timeout=60)
    assert made.returncode == 0, made.stderr
    assert time.monotonic() - started < 45
    for name in ("a-fifo", "zero", "deep", "big"):
        assert f"{name}.snapshot.json" in made.stdout + made.stderr
    assert "Changes since" in (out / "pack.html").read_text()


def test_a_dangling_snapshot_link_hides_the_others() -> None:
    import datetime as dt
    import tempfile

    from scoper.pack.snapshot import find_baseline

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "zz.snapshot.json").symlink_to(folder / "gone")
        (folder / "real.snapshot.json").write_text("{}")
        found = find_baseline(folder, dt.date(2026, 11, 23), False)
        # At least a warning for each file, as for any other unreadable snapshot.
        assert len(found.skipped) == 2


def test_last_weeks_higher_marked_text_is_not_quoted(tmp_path: Path) -> None:
    """Last week the paper was SECRET (its text in the snapshot); this week it is OFFICIAL,
    and so is the pack: the changes page quotes nothing of last week's version. A second
    SECRET paper, dropped since, is counted, not named."""

    def edit(data: dict) -> None:
        paper = data["papers"][0]
        paper["classification"] = "SECRET"
        paper["summary"] = "LEAK-OLDSUMMARY words"
        paper["actions"].append(
            {"text": "LEAK-OLDACTION", "owner": "", "due": "", "status": "done"}
        )
        data["papers"].append(dict(paper, ref="PU-2026-777", title="LEAK-DROPPED title"))

    briefs, out = _planted(tmp_path, edit)
    (briefs / "a.md").write_text((HEAD + SUMMARY + TAIL).replace("OFFICIAL-SENSITIVE", "OFFICIAL"))
    made = _pack(briefs, out)
    assert made.returncode == 0, made.stderr
    html = (out / "pack.html").read_text()
    assert "Changes since" in html and "LEAK-" not in html
    assert "1 paper of the earlier pack" in html


def test_a_full_snapshot_said_public_is_refused_by_a_public_pack(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["public"] = True
        data["papers"][0]["summary"] = "LEAK-FULL"

    briefs, out = _planted(tmp_path, edit)
    made = _pack(briefs, out, "--public", "--since", str(out / f"pack-{LAST_WEEK}.snapshot.json"))
    assert made.returncode != 0 and "bad-snapshot" in made.stdout + made.stderr
    assert not (out / "public" / "pack.html").exists()


@pytest.mark.xfail(
    strict=True,
    reason="finding 9: with public-marking = OFFICIAL every public snapshot is refused as 'under a classification'",
)
def test_public_snapshots_with_the_marking_official(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    (tmp_path / ".git").mkdir()
    (tmp_path / "scoper.toml").write_text('public-marking = "OFFICIAL"\n')
    first = _scoper("pack", "briefs", "-o", "out", "--public", "--today", LAST_WEEK, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = _pack(briefs, out, "--public", cwd=tmp_path)
    assert "bad-snapshot" not in second.stdout + second.stderr
    assert "Changes since" in (out / "public" / "pack.html").read_text()


# -- the output folder's files: limits added together -----------------------------------------


def test_sparse_papers_add_up_past_the_limit(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    for number in range(4):
        _brief(briefs, f"p{number}.md", head=HEAD.replace("099", f"10{number}"))
    made = _scoper("pack", str(briefs), "-o", str(out), "--today", LAST_WEEK)
    assert made.returncode == 0, made.stderr
    for number in range(4):
        paper = out / f"p{number}.pdf"
        paper.unlink()
        with paper.open("wb") as sparse:
            sparse.truncate(400 * 1024 * 1024)  # within the 512 MB limit; no disk used
    # The pack's own peak, measured in a process of its own: this test process's children
    # include every earlier test's subprocesses, whose peaks would count here too.
    from tests.test_redteam4 import TODAY

    measure = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    command = [sys.executable, "-m", "scoper", "pack", str(briefs), "-o", str(out)]
    again = subprocess.run(
        [sys.executable, "-c", measure, *command, "--today", TODAY],
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, peak_kb = again.stdout.split()
    assert code == "0", again.stderr
    peak_mb = int(peak_kb) / 1024
    assert peak_mb < 1024, f"{peak_mb:.0f} MB"


@pytest.mark.parametrize(
    "name", ["budget.csv", "pack-budget-actions.csv", "pack-minutes.snapshot.json"]
)
def test_a_foreign_manifest_with_the_users_digest(tmp_path: Path, name: str) -> None:
    """A name no pack writes (a pack's files carry its week or date) stays, whatever
    digest a planted manifest records for it."""
    import hashlib

    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    public = out / "public"
    public.mkdir(parents=True)
    (public / name).write_text("the user's own file, not scoper's")
    _foreign_manifest(public, [])
    manifest = json.loads((public / ".scoper-cache.json").read_text())
    digest = hashlib.sha256((public / name).read_bytes()).hexdigest()
    manifest["runs"]["x"]["outputs"] = {name: digest}
    (public / ".scoper-cache.json").write_text(json.dumps(manifest))
    made = _pack(briefs, out, "--public")
    assert made.returncode == 0, made.stderr
    assert (public / name).exists()


# -- the public version: marks where scoper does not read them --------------------------------


def _public(tmp_path: Path, body: str, head: str = HEAD) -> tuple[int, str, dict[str, list[str]]]:
    from click.testing import CliRunner

    from scoper.cli import cli

    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + body + TAIL, head=head)
    (folder / "fine.png").write_bytes(PNG)
    out = tmp_path / "out"
    built = CliRunner().invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public", "--format", "html"]
    )
    return built.exit_code, built.output, _leaks(out) if out.exists() else {}


@pytest.mark.parametrize(
    "body",
    [
        "```{.sensitive}\nLEAK-FA\n```\n\n",
        "``` {.sensitive}\nLEAK-FB\n```\n\n",
        "```{.python .sensitive}\nLEAK-FC\n```\n\n",
        "~~~ python {.sensitive}\nLEAK-FD\n~~~\n\n",
        "```python {class=sensitive}\nLEAK-FE\n```\n\n",
    ],
    ids=["bare", "space", "pandoc", "tilde-lang", "class-eq"],
)
def test_a_mark_in_a_code_fence_info_string(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


@pytest.mark.parametrize(
    "title",
    ["|\n  LEAK-FM {\n  .sensitive}", '"LEAK-FZ {.\\u200Bsensitive}"'],
    ids=["block-scalar", "zero-width-space"],
)
def test_a_mark_split_across_lines_in_the_front_matter(tmp_path: Path, title: str) -> None:
    head = HEAD.replace("title: Red team brief", "title: " + title)
    code, _, found = _public(tmp_path, "", head)
    assert code != 0 or found == {}, found


@pytest.mark.parametrize(
    "body",
    [
        "We agreed [LEAK-A1]{.sensitive} and LEAK-B1 {\n.sensitive} with them.\n\n",
        'The deal with [LEAK-W0 X]{.sensitive} covers LEAK-W1 {exemption="s.43"\n.sensitive} a unit.\n\n',
        "- [LEAK-L0]{.sensitive} and LEAK-L1 {#n\n.sensitive}\n\n",
        "We agreed [LEAK-P7]&#123;\n.sensitive&#125; with them.\n\n",
        "We agreed [LEAK-P8]&lcub;\n&period;sensitive&rcub; with them.\n\n",
        'We agreed [LEAK-A0]{.sensitive}; [x](https://e.org "LEAK-F1 {\n.sensitive}") here.\n\n',
        '[LEAK-A0]{.sensitive} and [the data][d].\n\n[d]: https://e.org "LEAK-R1 {\n.sensitive}"\n\n',
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-Z1 {.\u200bsensitive} here.\n\n",
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-Z2 {.sen&shy;sitive} here.\n\n",
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-B2 *{*\n.sensitive} here.\n\n",
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-C5 {`.sensitive`} here.\n\n",
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-C7 {`#id` .sensitive} here.\n\n",
        "We agreed [LEAK-A0]{.sensitive}. And LEAK-C8 {`x`\n.sensitive} here.\n\n",
        "### Background [LEAK-A0]{.sensitive} LEAK-H5 {`.sensitive`}\n\nText.\n\n",
    ],
    ids=[
        "beside-a-read-mark",
        "exemption-wrapped",
        "list-item",
        "references",
        "named-references",
        "link-title",
        "reference-title",
        "zero-width-space",
        "soft-hyphen",
        "emphasis",
        "code-span-inside",
        "code-span-id",
        "code-span-then-line-end",
        "heading-code-span",
    ],
)
def test_a_mark_split_across_lines_in_a_paragraph_that_has_a_read_mark(
    tmp_path: Path, body: str
) -> None:
    """The review of the fix for finding 11: a paragraph whose read mark empties its own
    text is published as its children read, a line end between them; a mark split there
    (or written as references) was published."""
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


@pytest.mark.parametrize(
    "body",
    [
        "Run `LEAK-A {#x .sensitive}` now.\n\n",
        "Run `LEAK-B {.SENSITIVE}` now.\n\n",
        "Run `LEAK-C {class='sensitive'}` now.\n\n",
        "| a | b |\n|---|---|\n| `LEAK-F {.sensitive}` | x |\n\n",
        '[site](https://example.org "LEAK-G {.sensitive}") here.\n\n',
        "We met.[^1]\n\n[^1]: LEAK-H note {.sensitive}\n\n",
        "We met.[^1]\n\n[^1]: Note [LEAK-I]{.sensitive} here.\n\n",
        "### LEAK-J heading {class='sensitive'}\n\nText.\n\n",
        "### LEAK-K heading {#k .sensitive}\n\nText.\n\n",
        "We [LEAK-L words]{\n.sensitive} met.\n\n",
        "We [LEAK-N words]{\t.sensitive} met.\n\n",
        "We [LEAK-O words]{data-x=1 .sensitive} met.\n\n",
        '[site][r] here.\n\n[r]: https://example.org "LEAK-Q {.sensitive}"\n\n',
        "<https://example.org/LEAK-R{.sensitive}>\n\n",
        "LEAK-V para\n{class='sensitive'}\n\n",
        "We [LEAK-W words]{\u00a0.sensitive} met.\n\n",
        "![Chart](fine.png \"by [LEAK-Y]{class='sensitive'}\")\n\n",
        '![Chart](fine.png "by [LEAK-Z]{#q .sensitive}")\n\n',
        '![Chart](fine.png "by [LEAK-AA]{\n.sensitive}")\n\n',
        "![by [LEAK-AB]{class=sensitive}](fine.png)\n\n",
        "**LEAK-AF**{.sensitive} text.\n\n",
    ],
    ids=[
        "code-id-class",
        "code-upper",
        "code-single-quote",
        "table-code",
        "link-title",
        "footnote-text",
        "footnote-span",
        "heading-class-quote",
        "heading-id",
        "span-split",
        "span-tab",
        "span-key-first",
        "reference-title",
        "autolink",
        "para-class-single-quote",
        "nbsp",
        "caption-class-single-quote",
        "caption-id-class",
        "caption-split",
        "alt-class-eq",
        "strong",
    ],
)
def test_public_marks_other_spellings_held(tmp_path: Path, body: str) -> None:
    code, _, found = _public(tmp_path, body)
    assert code != 0 or found == {}, found


def test_front_matter_value_with_the_attribute_form(tmp_path: Path) -> None:
    head = HEAD.replace("title: Red team brief", "title: \"LEAK-FM1 {class='sensitive'}\"")
    code, _, found = _public(tmp_path, "", head)
    assert code != 0 and found == {}


# -- the grid, the tracker by owner, figures moved in the PDF ----------------------------------


def test_the_grid_of_a_public_pack_carries_no_ask(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(
        briefs,
        body=SECRET_BRIEF.split("---\n", 2)[2] + TAIL,
        head="---\n" + SECRET_BRIEF.split("---\n")[1] + "---\n",
    )
    made = _pack(briefs, out, "--public", "--actions-csv")
    assert made.returncode == 0, made.stderr
    assert _leaks(out / "public") == {}


def test_tracker_owner_groups_are_neutralised(tmp_path: Path) -> None:
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    tail = TAIL.replace("- Convene a roundtable.", '- =HYPERLINK("http://x") roundtable.').replace(
        "Owner: ", "Owner: @SUM(1+1) "
    )
    _brief(briefs, body=SUMMARY + tail)
    (tmp_path / ".git").mkdir()
    (tmp_path / "scoper.toml").write_text('[owners]\n"-2+3" = ["@SUM(1+1) No10 Policy Unit"]\n')
    made = _scoper(
        "pack", "briefs", "-o", "out", "--actions-csv", "--today", LAST_WEEK, cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    import csv

    rows = list(csv.reader((out / "pack-actions.csv").read_text("utf-8-sig").splitlines()))
    for row in rows[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert any("'-2+3" in row for row in rows) and any("'=HYPERLINK" in c for r in rows for c in r)


def test_brief_text_cannot_forge_float_marks(tmp_path: Path) -> None:
    """The PDF's figure marks are HTML comments: written in the text, code or a caption,
    they arrive escaped, so only scoper's own marks are found."""
    from scoper.config import Config
    from scoper.load import load
    from scoper.pdf.floats import movable
    from scoper.render.html import render_html

    mark = "<!--scoper:float fig-1--> <!--scoper:float-next fig-1--> <!--scoper:float-end fig-1-->"
    body = (
        SUMMARY
        + f"{mark}\n\n`{mark}`\n\n"
        + f'![Chart {mark}](fine.png "A caption {mark}")\n\nText after the figure.\n\n'
    )
    path = _brief(tmp_path / "briefs", "rt.md", body + TAIL)
    (path.parent / "fine.png").write_bytes(PNG)
    report = load([path], Config())[0]
    assert report.brief is not None
    html = render_html(report.brief, Config(), target="pdf")
    assert html.count("<!--scoper:float fig-1-->") == 1  # scoper's own, once
    assert movable(html) == ["fig-1"]


def test_a_foreign_manifest_naming_many_sparse_files(tmp_path: Path) -> None:
    """Each named output is read whole (up to 512 MB) and hashed before the run starts, in
    the main process: about 2 s a file here, for as many files as the manifest names."""
    briefs, out = tmp_path / "briefs", tmp_path / "out"
    _brief(briefs)
    public = out / "public"
    public.mkdir(parents=True)
    names = [f"planted-{number}.pdf" for number in range(30)]
    for name in names:
        with (public / name).open("wb") as sparse:
            sparse.truncate(500 * 1024 * 1024)
    _foreign_manifest(public, [])
    manifest = json.loads((public / ".scoper-cache.json").read_text())
    manifest["runs"]["x"]["outputs"] = dict.fromkeys(names, "0" * 64)
    (public / ".scoper-cache.json").write_text(json.dumps(manifest))
    started = time.monotonic()
    made = _pack(briefs, out, "--public", "--timeout", "5", timeout=45)
    assert made.returncode == 0, made.stderr
    assert time.monotonic() - started < 25
