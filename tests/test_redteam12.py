"""The twelfth hostile-input round (docs/redteam-2026-11-round12.md): round 11's fixes
(``Brief.source``, the sentence-start ``Sensitive:`` form, ``scoper new`` reading within
limits) attacked first, then the preview's PDF lock and remembered failures, then the pack's
cache keys and the front matter's size.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import HEAD, SUMMARY, TAIL, _pdf_bytes, leaks, public_outputs
from tests.test_redteam4 import _brief, _pack
from tests.test_redteam10 import _public

# -- Brief.source: the bytes read once, never in a public version --------------------------------

MARKED = "## Summary\nWe recommend [LEAK-SUMMARY the secret deal]{.sensitive} now.\n\n"


def test_no_public_output_carries_the_brief_or_its_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PDF/A public version attaches JSON, not ``Brief.source``; the public Word file has
    no digest of the full brief; the public export is the public model. Checked in the
    decompressed PDF (attachments included), the unzipped Word file and the JSON."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scoper.toml").write_text('pdf-variant = "pdf/a-3u"\n')
    outputs = public_outputs(tmp_path, MARKED + TAIL, formats="html,pdf,docx")
    assert leaks(outputs) == {}
    full = (tmp_path / "briefs" / "rt.md").read_bytes()
    digest = hashlib.sha256(full).hexdigest().encode()
    for name, data in outputs.items():
        assert digest not in data, name
    assert any(name.endswith(".pdf") for name in outputs)


def test_the_public_pdf_a_names_no_brief_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public Word file leaves out the brief's path ('the path names an official's
    folder': scoper/docx/paper.py); the public PDF/A record attaches the public export,
    whose ``path`` is the brief's path as given, here (as from a script or a file
    manager) absolute: /home/<official>/..."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scoper.toml").write_text('pdf-variant = "pdf/a-3u"\n')
    outputs = public_outputs(tmp_path, MARKED + TAIL, formats="pdf")
    folder = str(tmp_path / "briefs").encode()
    assert not [name for name, data in outputs.items() if name.endswith(".pdf") and folder in data]


def test_the_full_pdf_a_attaches_the_bytes_first_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 11's fix 4: the full PDF/A record's attachment is the brief as read, even if
    its name is swapped for another brief after it was read."""
    import scoper.load as load_module

    monkeypatch.chdir(tmp_path)
    (tmp_path / "scoper.toml").write_text('pdf-variant = "pdf/a-3u"\n')
    brief = _brief(tmp_path / "briefs", "a.md", SUMMARY + TAIL)
    real = load_module.load_files

    def swapping(*args: object, **kwargs: object) -> object:
        reports = real(*args, **kwargs)  # type: ignore[arg-type]
        brief.write_text(HEAD + "## Summary\nSWAPPED-IN text.\n\n" + TAIL)
        return reports

    monkeypatch.setattr(load_module, "load_files", swapping)
    out = tmp_path / "out"
    built = CliRunner().invoke(cli, ["build", str(brief), "-o", str(out), "--format", "pdf"])
    assert built.exit_code == 0, built.output
    data = _pdf_bytes(out / "a.pdf")
    assert b"We recommend a roundtable." in data and b"SWAPPED-IN" not in data


def test_a_public_pack_in_pdf_a_carries_no_brief(tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text('pdf-variant = "pdf/a-3u"\n')
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", MARKED + TAIL)
    out = tmp_path / "out"
    packed = _pack(folder, out, "--public", cwd=tmp_path, timeout=150)
    assert packed.returncode == 0, packed.stdout + packed.stderr
    found = {p.name: _pdf_bytes(p) for p in (out / "public").glob("*.pdf")}
    assert found and leaks(found) == {}


# -- 1. the pack's cache: a paper keyed by the brief read again, not by what it was made of ----


def test_a_brief_marked_while_a_public_pack_runs_is_not_published_by_later_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer marks a passage sensitive and saves while the weekly public pack runs. The
    pack made its paper from the text it read (unmarked, fine at that moment) but keys it
    by the brief's digest read *after* the save (``Keys.brief`` reads the file by name in
    ``PackJob``). Every later public pack then finds a paper 'made from' the marked
    brief and publishes the marked words: the same day as 'up to date', the next day in a
    fresh pack. Staged at the end of ``load_files`` (the window is every brief's check)."""
    import scoper.pack.build as pack_build
    from scoper.config import load_config

    monkeypatch.chdir(tmp_path)
    brief = _brief(
        tmp_path / "briefs", "a.md", "## Summary\nWe recommend LEAK-WORDS talks.\n\n" + TAIL
    )
    real = pack_build.load_files

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        reports = real(*args, **kwargs)  # type: ignore[arg-type]
        brief.write_text(
            HEAD + "## Summary\nWe recommend [LEAK-WORDS]{.sensitive} talks.\n\n" + TAIL
        )
        return reports

    config, out = load_config(), tmp_path / "out"
    monkeypatch.setattr(pack_build, "load_files", saved_meanwhile)
    first = pack_build.build_pack([brief], config, out, public=True, today=dt.date(2026, 11, 23))
    assert first.ok
    monkeypatch.setattr(pack_build, "load_files", real)
    for day in (23, 24):  # the same day, then a new run the next day
        later = pack_build.build_pack(
            [brief], config, out, public=True, today=dt.date(2026, 11, day)
        )
        assert later.ok
    shown = {
        p.name: _pdf_bytes(p) if p.suffix == ".pdf" else p.read_bytes()
        for p in (out / "public").glob("*.*")
        if p.suffix in (".pdf", ".html")
    }
    assert leaks(shown) == {}


# -- 2. the front matter has no size cap of its own ------------------------------------------


def test_a_large_front_matter_is_checked_within_seconds(tmp_path: Path) -> None:
    """The body is capped (lines, items, markup) so a brief within 2 MB is read within a
    second; the front matter is not: 1.9 MB of YAML (a flow list of 900,000 one-letter
    values, or 85,000 keys) takes PyYAML about 25 s and 0.5-0.7 GB to read, in ``check``,
    ``build``, every preview page (under the briefs lock), and ``scoper new`` reads up to
    100 MB of it (about 40 s and 1 GB for 4.7 MB)."""
    folder = tmp_path / "briefs"
    flow = ",".join(["a"] * 900_000)
    _brief(folder, "big.md", SUMMARY + TAIL, head=f"---\nnotes: [{flow}]\n" + HEAD[4:])
    text = (folder / "big.md").read_text()
    assert text.startswith("---\nnotes: [a,") and len(text) < 2_000_000
    started = time.monotonic()
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            [sys.executable, "-m", "scoper", "check", str(folder / "big.md")],
            capture_output=True,
            timeout=8,
            cwd=tmp_path,
        )
    assert time.monotonic() - started < 5


# -- 3. the preview: a failed PDF laid out again for every request that waited -------------------


def test_requests_that_waited_for_a_failed_pdf_do_not_lay_it_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brief whose PDF runs to its time limit: the user reloads while it is laid out (or
    has it open in two tabs). The failure is remembered only for requests that arrive
    after it; those already waiting on the PDF lock each lay it out again for the whole
    time limit (``_failed`` is not looked at again under the lock), and every other PDF
    waits or gets 503 meanwhile."""
    from scoper.pdf.pool import PdfOutcome
    from scoper.preview import site as site_module

    monkeypatch.chdir(tmp_path)
    (tmp_path / "scoper.toml").write_text("pdf-timeout = 5\n")
    _brief(tmp_path / "briefs", "a.md", SUMMARY + TAIL)
    submitted: list[float] = []

    class Pool:
        def submit(self, job: object, timeout: float) -> Future[PdfOutcome]:
            submitted.append(time.monotonic())
            time.sleep(1.0)  # stands for a layout that runs to its limit
            done: Future[PdfOutcome] = Future()
            done.set_result(PdfOutcome(None, [], "timed out after 5 s"))
            return done

    class Renderer:
        pool = Pool()

        def stop(self) -> None:
            pass

    monkeypatch.setattr(site_module, "_Renderer", Renderer)
    site = site_module.Site(tmp_path / "briefs")
    statuses: list[int] = []

    def ask() -> None:
        statuses.append(site.handle("GET", "/paper/a.pdf", "127.0.0.1:8000").status)

    try:
        first = threading.Thread(target=ask)
        first.start()
        time.sleep(0.4)  # the first is being laid out: reloads arrive
        others = [threading.Thread(target=ask) for _ in range(3)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join(30)
    finally:
        site.close()
    assert statuses == [500] * 4
    assert len(submitted) == 1, f"laid out {len(submitted)} times"


def test_a_failed_pdf_is_remembered_for_later_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sequential case (round 11's fix) holds: ten reloads after the failure, one layout."""
    from scoper.pdf.pool import PdfOutcome
    from scoper.preview import site as site_module

    monkeypatch.chdir(tmp_path)
    _brief(tmp_path / "briefs", "a.md", SUMMARY + TAIL)
    submitted: list[object] = []

    class Pool:
        def submit(self, job: object, timeout: float) -> Future[PdfOutcome]:
            submitted.append(job)
            done: Future[PdfOutcome] = Future()
            done.set_result(PdfOutcome(None, [], "timed out"))
            return done

    class Renderer:
        pool = Pool()

        def stop(self) -> None:
            pass

    monkeypatch.setattr(site_module, "_Renderer", Renderer)
    site = site_module.Site(tmp_path / "briefs")
    try:
        statuses = [site.handle("GET", "/paper/a.pdf", "localhost").status for _ in range(10)]
    finally:
        site.close()
    assert statuses == [500] * 10 and len(submitted) == 1


# -- 4. 'Sensitive:' within a line: sentence ends the field pattern does not see ------------------


@pytest.mark.parametrize(
    "line",
    [
        "The figure is agreed—**Sensitive:** LEAK-COST the cost is £3bn.",
        "**The figure is agreed.** **Sensitive:** LEAK-COST the cost is £3bn.",
        'The minister said "agreed." *Sensitive:* LEAK-COST the cost is £3bn.',
    ],
)
def test_sensitive_within_a_line_after_other_sentence_ends(tmp_path: Path, line: str) -> None:
    code, output, found = _public(tmp_path, "## Background\n" + line + "\n\n{EV}{PA}{AC}")
    assert code != 0 or found == {}, output


@pytest.mark.parametrize(
    "line",
    [
        "The figure is agreed – **Sensitive:** LEAK-COST the cost is £3bn.",
        "The figure is agreed. ***Sensitive:*** LEAK-COST the cost is £3bn.",
        "The figure is agreed; *Sensitive*: LEAK-COST the cost is £3bn.",
        "The figure is agreed.\u00a0**Sensitive:** LEAK-COST the cost is £3bn.",
    ],
)
def test_sensitive_within_a_line_where_the_fix_reads_it(tmp_path: Path, line: str) -> None:
    code, output, found = _public(tmp_path, "## Background\n" + line + "\n\n{EV}{PA}{AC}")
    assert code != 0 and found == {}, output


@pytest.mark.parametrize(
    "line",
    [
        "The timing is *politically sensitive*: the King's Speech is close.",
        "The data are commercially sensitive: see the annex.",
    ],
)
def test_emphasised_sensitive_in_prose_is_still_published(tmp_path: Path, line: str) -> None:
    """(The word alone in emphasis before a colon, '**sensitive**:', is refused since
    round 12's fixes: see tests/test_redteam11.py.)"""
    code, output, _ = _public(tmp_path, "## Background\n" + line + "\n\n{EV}{PA}{AC}")
    assert code == 0, output
