"""The preview in a real headless Chromium (Debian's), driven by Playwright: pages follow
every save with no action in the browser."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, EXAMPLES, valid_brief

# Locally these tests need Debian's chromium; in CI (which installs it) they must run.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not here"
)


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scoper", "serve", "briefs", "--port", "0"],
            cwd=folder,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, line
        self.url = found[0]

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / "briefs" / name
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(10)
        return code, self.process.stderr.read()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    (tmp_path / "scoper.toml").write_text('organisation = "Unit A"\n')
    running = Server(tmp_path)
    yield running
    if running.process.poll() is None:
        running.stop()


def open_page(browser, url: str):
    page = browser.new_page()
    page.goto(url)
    time.sleep(0.3)  # for the page's event stream to open
    return page


def wait_for_text(page, selector: str, text: str, timeout: float = 10) -> float:
    start = time.perf_counter()
    page.wait_for_function(
        "([selector, text]) => { const e = document.querySelector(selector);"
        " return e !== null && e.textContent.includes(text); }",
        arg=[selector, text],
        timeout=timeout * 1000,
    )
    return time.perf_counter() - start


def test_saving_a_brief_updates_the_open_page(server: Server, browser) -> None:
    page = open_page(browser, server.url + "paper/loneliness")
    assert "Tackling chronic loneliness" in page.inner_text("h1")
    reloads = []
    page.on("load", lambda: reloads.append(1))
    server.edit("loneliness.md", "title: Tackling chronic", "title: Revised, tackling chronic")
    elapsed = wait_for_text(page, "h1", "Revised, tackling chronic")
    assert elapsed < 5
    assert reloads  # the page reloaded itself; the test never asked it to


def test_broken_yaml_shows_the_error_and_the_paper_comes_back(server: Server, browser) -> None:
    page = open_page(browser, server.url + "paper/alcohol-harm")
    server.edit("alcohol-harm.md", "status: review", "status: [review")
    wait_for_text(page, "main", "yaml-syntax")
    assert "alcohol-harm.md:" in page.inner_text("main")
    assert "has problems" in page.inner_text("h1")
    server.edit("alcohol-harm.md", "status: [review", "status: review")
    wait_for_text(page, "h1", "Reducing alcohol harm")
    assert server.process.poll() is None  # the server kept running throughout


def test_scroll_position_survives_the_reload(server: Server, browser) -> None:
    page = open_page(browser, server.url + "paper/knife-crime")
    page.evaluate("window.scrollTo(0, 900)")
    page.wait_for_function("() => window.scrollY >= 899")
    server.edit(
        "knife-crime.md", "Knife crime is highly concentrated", "Knife crime stays concentrated"
    )
    wait_for_text(page, "main", "Knife crime stays concentrated")
    page.wait_for_function("() => window.scrollY > 0")
    assert abs(page.evaluate("window.scrollY") - 900) <= 5


def test_every_open_tab_follows_and_the_index_too(server: Server, browser) -> None:
    first = open_page(browser, server.url + "paper/school-attendance")
    second = open_page(browser, server.url + "paper/school-attendance")
    index = open_page(browser, server.url)
    other = open_page(browser, server.url + "paper/loneliness")
    other_loads = []
    other.on("load", lambda: other_loads.append(1))
    server.edit("school-attendance.md", "title: Getting severely", "title: Now getting severely")
    for page in (first, second):
        wait_for_text(page, "h1", "Now getting severely")
    wait_for_text(index, "tbody", "Now getting severely")
    time.sleep(0.5)
    assert other_loads == []  # a page showing another brief stays as it is


def test_briefs_added_and_deleted_come_and_go_on_the_index(server: Server, browser) -> None:
    index = open_page(browser, server.url)
    new = server.folder / "briefs" / "new-brief.md"
    new.write_text(valid_brief().replace("Tackling loneliness in later life", "A brand new brief"))
    wait_for_text(index, "tbody", "A brand new brief")
    new.unlink()
    index.wait_for_function(
        "() => !document.querySelector('tbody').textContent.includes('A brand new brief')",
        timeout=10000,
    )


def test_saving_the_config_updates_the_page(server: Server, browser) -> None:
    page = open_page(browser, server.url + "paper/loneliness")
    assert "Unit A" in page.text_content(".kicker")
    (server.folder / "scoper.toml").write_text('organisation = "Unit B"\n')
    wait_for_text(page, ".kicker", "Unit B")
    # Editors often save by writing a new file and renaming it over the old one.
    for unit in ("Unit C", "Unit D"):
        (server.folder / "scoper.toml.new").write_text(f'organisation = "{unit}"\n')
        os.replace(server.folder / "scoper.toml.new", server.folder / "scoper.toml")
        wait_for_text(page, ".kicker", unit)


def test_a_broken_template_shows_the_fault_and_recovers(server: Server, browser) -> None:
    page = open_page(browser, server.url + "paper/loneliness")
    templates = server.folder / "templates"
    templates.mkdir()
    time.sleep(0.3)
    (templates / "paper.html.j2").write_text(
        '{% extends "default/paper.html.j2" %}{% block colours %}{{ no_such }}{% endblock %}'
    )
    wait_for_text(page, "main", "no_such")
    (templates / "paper.html.j2").unlink()
    wait_for_text(page, "h1", "Tackling chronic loneliness")


def test_ctrl_c_stops_it_cleanly_and_a_busy_port_is_named(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1].strip("/")
    second = subprocess.run(
        [sys.executable, "-m", "scoper", "serve", "briefs", "--port", port],
        cwd=server.folder,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert second.returncode == 1
    assert f"port {port} is already in use" in second.stderr
    code, output = server.stop()
    assert code == 0
    assert "stopped" in output and "Traceback" not in output


def refs(page) -> list[str]:
    return page.eval_on_selector_all(
        "tbody tr:not([hidden]) td.dash-ref", "cells => cells.map(c => c.textContent.trim())"
    )


def test_the_dashboard_sorts_and_filters_in_the_page(server: Server, browser) -> None:
    (server.folder / "briefs" / "broken.md").write_text("---\ntitle: [\n---\n")
    page = open_page(browser, server.url)
    loads = []
    page.on("load", lambda: loads.append(1))
    pack_order = refs(page)
    assert pack_order[0] == "PU-2026-018" and pack_order[-1] == "none"
    assert page.inner_text("#dash-count") == "Showing all 7 briefs"
    page.click("th[data-key=ref] button")
    assert refs(page)[:3] == ["none", "PU-2026-014", "PU-2026-015"]
    assert page.get_attribute("th[data-key=ref]", "aria-sort") == "ascending"
    page.click("th[data-key=ref] button")
    assert refs(page)[0] == "PU-2026-019"
    assert page.get_attribute("th[data-key=ref]", "aria-sort") == "descending"
    page.select_option("#dash-sort", "problems")
    assert refs(page)[0] == "none"  # the most errors first
    page.fill("#dash-filter", "loneliness")
    assert refs(page) == ["PU-2026-015"]
    assert page.inner_text("#dash-count") == "Showing 1 of 7 briefs"
    page.fill("#dash-filter", "")
    page.select_option("#dash-status", "final")
    assert sorted(refs(page)) == ["PU-2026-016", "PU-2026-019"]
    page.select_option("#dash-status", "")
    page.check("#dash-problems")
    assert refs(page) == ["none"]
    assert loads == []  # all of it without a reload
    # A save reloads the index; the choices made stay.
    server.edit("loneliness.md", "title: Tackling chronic", "title: Now tackling chronic")
    page.wait_for_function("() => document.body.textContent.includes('Now tackling chronic')")
    assert page.is_checked("#dash-problems") and refs(page) == ["none"]


@pytest.mark.parametrize("width", [1280, 400])
def test_the_dashboard_fits_the_window(server: Server, browser, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Refs are never broken over lines.
    lines = page.eval_on_selector_all(
        "td.dash-ref",
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; })",
    )
    assert lines == [1] * 6
    page.close()
