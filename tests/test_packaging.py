"""The built package carries the theme, so scoper works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_carries_the_theme_and_builds_from_another_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("scoper-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for required in (
        "scoper/templates/paper.html.j2",
        "scoper/templates/paper.css",
        "scoper/templates/items/actions.html.j2",
        "scoper/templates/fonts/NotoSans-Regular.ttf",
        "scoper/templates/fonts/NotoSans-Regular.woff2",
        "scoper/templates/fonts/OFL.txt",
    ):
        assert required in names, required

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "brief.md").write_bytes((ROOT / "briefs" / "loneliness.md").read_bytes())
    code = (
        "import sys, scoper, scoper.render.theme\n"
        "print(scoper.__file__)\n"
        "print(scoper.render.theme.default_theme_dir())\n"
        "from scoper.cli import main\n"
        "sys.argv = ['scoper', 'build', 'brief.md', '--format', 'html']\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    module, theme = run.stdout.splitlines()[:2]
    assert module.startswith(str(site))
    assert theme == str(site / "scoper" / "templates")
    assert (elsewhere / "output" / "brief.html").stat().st_size > 10_000
