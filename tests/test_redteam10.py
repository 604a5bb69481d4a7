# ruff: noqa: E501  (briefs are written inline, one line of Markdown per string)
"""The tenth hostile-input round (docs/redteam-2026-11-round10.md): the round-9 fixes (output
folders reached through ``/proc/self/fd/N``, ``_lost_mark``, ``Sensitive:`` in every written
form) attacked first, then the atomic writer that every output goes through.

A test of an attack that succeeded (a finding) is marked ``xfail(strict=True)`` with the
finding's number and asserts the safe behaviour, so the suite stays green until the fix
lands and then says so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoper.cli import cli
from tests.test_redteam import PNG, SUMMARY
from tests.test_redteam4 import _brief
from tests.test_redteam5 import _leaks

ROOT = Path(__file__).resolve().parent.parent
EV = "## Evidence\n- First claim.\n  - Source: ONS\n  - Strength: strong\n\n"
PA = "## External partners\n- **Alcohol Health Alliance** — third-sector\n  - Interests: Public health.\n  - Commitment: committed\n\n"
AC = "## Action points\n- Convene a roundtable.\n  - Owner: No10 Policy Unit\n  - Due: 2026-12-11\n\n"


def _public(tmp_path: Path, body: str) -> tuple[int, str, dict[str, list[str]]]:
    """Build the public HTML of a brief whose body after the summary is ``body`` (with
    ``{EV}``, ``{PA}``, ``{AC}`` standing for ordinary Evidence, Partners and Actions)."""
    body = body.replace("{EV}", EV).replace("{PA}", PA).replace("{AC}", AC)
    folder = tmp_path / "briefs"
    _brief(folder, "rt.md", SUMMARY + body)
    (folder / "fine.png").write_bytes(PNG)
    out = tmp_path / "out"
    built = CliRunner().invoke(
        cli, ["build", str(folder / "rt.md"), "-o", str(out), "--public", "--format", "html"]
    )
    return built.exit_code, built.output, _leaks(out) if out.exists() else {}


# -- 1. the atomic writer: chmod by name after the temporary file is written ------------------


def test_a_temporary_file_swapped_for_a_link_before_its_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone who can write the output folder (shared, or OUTPUT/public of a pack) renames
    scoper's ``.NAME.XXXX.tmp`` away once written and puts a link to one of the user's own
    files in its place: ``os.chmod(temporary, 0o666 & ~umask)`` follows the link and makes
    the user's private file (an SSH key) readable by everyone, and the link is then renamed
    into place as the paper. Here the attacker acts during the ``fsync`` (a real race, a
    polling process, wins in the first file of the first build: see the report)."""
    folder = tmp_path / "briefs"
    _brief(folder, "a.md", SUMMARY + EV + PA + AC)
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY")
    os.chmod(secret, 0o600)
    real_fsync = os.fsync

    def attacker(descriptor: int) -> None:
        real_fsync(descriptor)
        for entry in os.scandir(out):
            if entry.name.endswith(".tmp"):
                os.rename(entry.path, entry.path + ".moved")
                os.symlink(secret, entry.path)

    monkeypatch.setattr(os, "fsync", attacker)
    old_umask = os.umask(0o022)
    try:
        CliRunner().invoke(cli, ["build", str(folder / "a.md"), "-o", str(out), "--format", "html"])
    finally:
        os.umask(old_umask)
        monkeypatch.undo()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600, "the user's private file was chmodded"
    assert not (out / "a.html").is_symlink()


# -- 2. Sensitive: within a line, as prose ------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "The figures are *commercially sensitive*: we hold them back.\n\n{EV}{PA}{AC}",
        "These numbers are **market sensitive**: handle them with care.\n\n{EV}{PA}{AC}",
    ],
    ids=["em", "strong"],
)
def test_emphasised_sensitive_in_prose_is_not_a_field(tmp_path: Path, body: str) -> None:
    code, output, _ = _public(tmp_path, body)
    assert code == 0, output


@pytest.mark.parametrize(
    "body",
    [
        "The figures are commercially sensitive: we hold them back.\n\n{EV}{PA}{AC}",
        "{EV}{PA}{AC}## Risks\n- Politically sensitive: the unions may object.\n  - Likelihood: low\n  - Impact: high\n\n",
    ],
    ids=["plain-prose", "risk-prose"],
)
def test_sensitive_in_plain_prose_is_published(tmp_path: Path, body: str) -> None:
    code, output, _ = _public(tmp_path, body)
    assert code == 0, output


@pytest.mark.parametrize(
    "body",
    [
        "## Handling\n- Sensitive: press lines agreed with No10.\n\n{EV}{PA}{AC}",
        "## Sensitive: what we cannot say\nThe handling.\n\n{EV}{PA}{AC}",
    ],
    ids=["free-list", "heading"],
)
def test_sensitive_as_a_field_where_none_is_read_is_refused(tmp_path: Path, body: str) -> None:
    """By design (round 9's fix 3): refused at its line, with nothing written."""
    code, output, found = _public(tmp_path, body)
    assert code != 0 and "no public version" in output and found == {}


# -- _lost_mark and the redactor: marks copied or rendered from elsewhere -------------------------

HELD = {
    "readme-example": 'We recommend [LEAK-A with the two largest producers]{.sensitive} in December.\n\n{.sensitive exemption="s.35"}\nLEAK-B Ministers have privately signalled.\n\n{.sensitive exemption="s.43"}\n## Handling\nLEAK-C whole section.\n\n{EV}## External partners\n- **British Beer and Pub Association** — commercial\n  - Sensitive: s.43\n  - Interests: LEAK-D\n\n{AC}',
    "heading-span": "## Costs [LEAK-HS]{.sensitive}\nText.\n\n{EV}{PA}{AC}",
    "owner-span": "{EV}{PA}## Action points\n- Do it.\n  - Owner: [LEAK-OWN]{.sensitive} Treasury\n  - Due: 2026-12-01\n\n",
    "partner-name-span": "{EV}## External partners\n- **Alliance [LEAK-PN]{.sensitive}** — third-sector\n  - Interests: x\n\n{AC}",
    "footnote-in-list": "## Notes\n- A point[^1].\n\n  {.sensitive}\n  [^1]: LEAK-FN note.\n\n{EV}{PA}{AC}",
    "mark-before-risk-table": "{EV}{PA}{AC}## Risks\n{.sensitive}\n| Risk | Likelihood | Impact |\n|---|---|---|\n| LEAK-RT | low | low |\n\n",
    "repeated-title-mark": "# Red team brief [x]{.sensitive}\n\n{EV}{PA}{AC}",
    "option-span": "## Options\n1. Option one [LEAK-OPT]{.sensitive} text.\n2. Option two.\n\n{EV}{PA}{AC}",
    "alt-span-figure": '## Figures\n![A chart [LEAK-ALT]{.sensitive}](fine.png "Figure 1: Caption")\n\n{EV}{PA}{AC}',
    "caption-span": '## Figures\n![A chart](fine.png "Figure 1: [LEAK-CAP]{.sensitive}")\n\n{EV}{PA}{AC}',
    "chart-marked": "## Figures\n{.chart .sensitive}\n| Region | Cost |\n|---|---|\n| LEAK-CHN | 3 |\n| South | 4 |\n\nTable: LEAK-CHCAP costs\n\n{EV}{PA}{AC}",
    "mark-then-chart": "## Figures\n{.sensitive}\n{.chart}\n| Region | Cost |\n|---|---|\n| LEAK-CHM | 3 |\n| South | 4 |\n\n{EV}{PA}{AC}",
    "chart-then-mark": "## Figures\n{.chart}\n{.sensitive}\n| Region | Cost |\n|---|---|\n| LEAK-CHMB | 3 |\n| South | 4 |\n\n{EV}{PA}{AC}",
    "chart-head-span": "## Figures\n{.chart}\n| Region | [LEAK-CHARTHEAD]{.sensitive} |\n|---|---|\n| North | 3 |\n| South | 4 |\n\n{EV}{PA}{AC}",
    "chart-category-span": "## Figures\n{.chart}\n| Region | Cost |\n|---|---|\n| [LEAK-CHARTCAT]{.sensitive} | 3 |\n| South | 4 |\n\n{EV}{PA}{AC}",
    "alert-marked": "## Notes\n{.sensitive}\n> [!NOTE]\n> LEAK-ALERT text\n\n{EV}{PA}{AC}",
    "alert-span": "## Notes\n> [!WARNING]\n> [LEAK-ALSPAN]{.sensitive} text\n\n{EV}{PA}{AC}",
    "table-caption-span": "## Figures\n| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: Costs [LEAK-TCAP]{.sensitive}\n\n{EV}{PA}{AC}",
    "xref-self-label": "## Notes\nSee [#LEAK-XREF](#LEAK-XREF){.sensitive}.\n\n{EV}{PA}{AC}",
    "link-ref-title": '## Notes\nSee [the site][r]{.sensitive}.\n\n[r]: https://example.org "LEAK-LRTITLE"\n\n{EV}{PA}{AC}',
    "image-title-marked": '## Notes\n![fine](fine.png "LEAK-IMGTITLE"){.sensitive}\n\n{EV}{PA}{AC}',
    "code-span": "## Notes\n`LEAK-CODE`{.sensitive} kept\n\n{EV}{PA}{AC}",
}


@pytest.mark.parametrize("body", HELD.values(), ids=HELD.keys())
def test_marks_copied_or_rendered_elsewhere_are_withheld(tmp_path: Path, body: str) -> None:
    code, output, found = _public(tmp_path, body)
    assert found == {}, output
    assert code == 0, output


REFUSED = {
    "em-attrs-partner-name": "{EV}## External partners\n- *LEAK-PNAME*{.sensitive} — third-sector\n  - Interests: x\n\n{AC}",
    "em-attrs-action-head": "{EV}{PA}## Action points\n- *LEAK-ACTHEAD*{.sensitive} do it.\n  - Owner: Me\n  - Due: 2026-12-01\n\n",
    "em-attrs-items-header": "{EV}{PA}## Action points\n| Action | Owner | Due | *LEAK-TH*{.sensitive} |\n|---|---|---|---|\n| Do it | Me | 2026-12-01 | 40m |\n\n",
    "em-attrs-items-cell": "{EV}{PA}## Action points\n| Action | Owner | Due |\n|---|---|---|\n| Do it | *LEAK-TOWNER*{.sensitive} | 2026-12-01 |\n\n",
    "strike-attrs": "## Notes\n~~LEAK-STRIKE~~{.sensitive} kept\n\n{EV}{PA}{AC}",
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_marks_on_emphasis_fail_closed(tmp_path: Path, body: str) -> None:
    """The attributes plugin does not put a mark on emphasis: the braces stay as text, and
    the public version is refused (a writer can use ``[words]{.sensitive}``), or the brief
    has errors; nothing is written either way."""
    code, output, found = _public(tmp_path, body)
    assert code != 0 and found == {}, output


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "briefs").glob("*.md")))
def test_the_example_briefs_have_public_versions(tmp_path: Path, name: str) -> None:
    built = CliRunner().invoke(
        cli,
        ["build", str(ROOT / "briefs" / name), "-o", str(tmp_path), "--public", "--format", "html"],
    )
    assert built.exit_code == 0, built.output


# -- PinnedFolder ---------------------------------------------------------------------------------


def test_a_pinned_folder_is_not_a_link_and_follows_its_folder(tmp_path: Path) -> None:
    from scoper.output import PinnedFolder, write_atomic

    real, victim = tmp_path / "public", tmp_path / "victim"
    real.mkdir()
    victim.mkdir()
    (tmp_path / "link").symlink_to(victim)
    assert not PinnedFolder(tmp_path / "link").opened
    pinned = PinnedFolder(real)
    assert pinned.opened
    real.rename(tmp_path / "moved")
    (tmp_path / "public").symlink_to(victim)
    write_atomic(pinned.path / "pack.html", b"x")
    assert list(victim.iterdir()) == []
    assert (tmp_path / "moved" / "pack.html").read_bytes() == b"x"
    assert pinned.shown(str(pinned.path / "pack.html")) == str(real / "pack.html")
