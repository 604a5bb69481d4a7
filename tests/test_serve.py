"""The preview server's request handling, without a browser or a socket."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scoper.preview.changes import Changes
from scoper.preview.site import Site, host_name, is_loopback
from tests.conftest import EXAMPLES, valid_brief


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    served = Site(tmp_path / "briefs")
    yield served
    served.close()


def get(site: Site, path: str, host: str | None = "127.0.0.1:8000", method: str = "GET"):
    return site.handle(method, path, host)


@pytest.mark.parametrize(
    "header,expected",
    [
        ("localhost:8000", "localhost"),
        ("LOCALHOST", "localhost"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("evil.example:8000", "evil.example"),
        ("", None),
        (None, None),
    ],
)
def test_host_name(header: str | None, expected: str | None) -> None:
    assert host_name(header) == expected


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.1.2.3") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "localhost.evil.example", "10.0.0.1", "", None]
)
def test_other_hosts_get_nothing(site: Site, host: str | None) -> None:
    response = get(site, "/", host)
    assert response.status == 421
    assert b"Briefs" not in response.body


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_local_hosts_are_served(site: Site, host: str) -> None:
    assert get(site, "/", host).status == 200


def test_the_bound_address_is_accepted_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "briefs")
    site = Site(tmp_path / "briefs", bound_host="192.168.1.20")
    assert get(site, "/", "192.168.1.20:8000").status == 200
    assert get(site, "/", "192.168.1.21:8000").status == 421


@pytest.mark.parametrize(
    "path",
    [
        "/paper/../../etc/passwd",
        "/paper/..%2f..%2fetc%2fpasswd",
        "/paper/%2e%2e",
        "/paper/alcohol-harm/../../scoper.toml",
        "/paper/Alcohol-Harm",
        "/paper/alcohol-harm.md",
        "/paper/no-such-brief",
        "/briefs/alcohol-harm.md",
        "/images/admissions-trend.svg",
        "/etc/passwd",
        "//etc/passwd",
        "/pack/2026-W99",
        "/favicon.ico",
    ],
)
def test_nothing_but_rendered_pages(site: Site, path: str) -> None:
    response = get(site, path)
    assert response.status == 404
    assert b"root:" not in response.body and b"---" not in response.body


def test_only_get(site: Site) -> None:
    response = get(site, "/", method="POST")
    assert response.status == 405 and response.headers["Allow"] == "GET, HEAD"


def test_index_lists_every_brief_in_pack_order_with_its_problems(
    site: Site, tmp_path: Path
) -> None:
    (tmp_path / "briefs" / "broken.md").write_text("---\ntitle: [\n---\n")
    (tmp_path / "briefs" / "warned.md").write_text(
        valid_brief().replace("Strength: strong", "Strength: weak")
    )
    soup = BeautifulSoup(get(site, "/").body, "html.parser")
    rows = soup.select("tbody tr")
    assert len(rows) == 8
    cells = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in rows]
    first = cells[0]
    assert first[0] == "PU-2026-018"
    assert first[1].startswith("Halving knife crime - the next phase knife-crime.md")
    assert first[2:5] == ["review", "priority P1", "OFFICIAL-SENSITIVE"]
    assert first[5] == "No problems"
    assert rows[0].select_one(".dash-title a")["href"] == "/paper/knife-crime"
    assert [a["href"] for a in rows[0].select(".dash-links a")] == [
        "/paper/knife-crime",
        "/paper/knife-crime.pdf",
    ]
    # Last changed: the file's modification time, machine-readable too.
    stamp = rows[0].select_one("time")["datetime"]
    modified = dt.datetime.fromtimestamp((tmp_path / "briefs" / "knife-crime.md").stat().st_mtime)
    assert stamp == modified.isoformat(timespec="seconds")
    # The unreadable brief comes last, with its errors listed.
    assert cells[-1][0] == "none" and cells[-1][1] == "Cannot be read broken.md"
    assert rows[-1].select_one(".badge-errors") is not None
    assert "broken.md:2: error S103 yaml-syntax" in rows[-1].select_one("ul.problems").get_text()
    warned = next(tr for tr in rows if tr.td.get_text(strip=True) == "PU-2026-900")
    assert [b.get_text(" ", strip=True) for b in warned.select(".badge-count")] == [
        "0 errors",
        "1 warning",
    ]
    assert "policy-by-anecdote" in warned.select_one("ul.problems").get_text()
    # What the script sorts by.
    assert warned["data-problems"] == "1" and warned["data-status-name"] == "draft"
    assert [tr["data-order"] for tr in rows] == [str(n) for n in range(1, 9)]
    links = [a["href"] for a in soup.select("a")]
    assert any(re.fullmatch(r"/pack/\d{4}-W\d{2}", href) for href in links)
    assert "/pack" in links


def test_paper_page_is_the_built_paper_plus_toolbar_and_a_strict_policy(site: Site) -> None:
    response = get(site, "/paper/alcohol-harm")
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)[1]
    soup = BeautifulSoup(response.body, "html.parser")
    scripts = soup.find_all("script")
    assert [s.get("nonce") for s in scripts] == [nonce]  # only the server's own script
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    toolbar = soup.select_one(".scoper-toolbar")
    assert [a["href"] for a in toolbar.find_all("a")] == ["/", "/paper/alcohol-harm.pdf"]
    assert soup.find("h1").get_text() == "Reducing alcohol harm through an industry partnership"
    assert "@media print{.scoper-toolbar{display:none}}" in response.body.decode()
    # A new nonce every time.
    assert get(site, "/paper/alcohol-harm").headers["Content-Security-Policy"] != policy


def test_a_broken_brief_shows_its_problems_in_place_of_the_paper(
    site: Site, tmp_path: Path
) -> None:
    path = tmp_path / "briefs" / "loneliness.md"
    path.write_text(path.read_text().replace("status: draft", "status: [draft"))
    response = get(site, "/paper/loneliness")
    assert response.status == 200
    text = BeautifulSoup(response.body, "html.parser").get_text()
    assert "loneliness.md has problems" in text
    assert "briefs/loneliness.md:7: error S103 yaml-syntax" in text
    assert get(site, "/paper/loneliness.pdf").status == 200  # the problems, not a PDF
    path.write_text(path.read_text().replace("status: [draft", "status: draft"))
    assert b"Tackling chronic loneliness" in get(site, "/paper/loneliness").body


def test_hostile_content_cannot_run(site: Site, tmp_path: Path) -> None:
    (tmp_path / "briefs" / "hostile.md").write_text(
        valid_brief().replace(
            "One in fourteen adults", "<script>alert(1)</script><img src=x onerror=alert(2)>"
        )
    )
    soup = BeautifulSoup(get(site, "/paper/hostile").body, "html.parser")
    assert len(soup.find_all("script")) == 1
    assert soup.find("img", onerror=True) is None
    assert "<script>alert(1)</script>" in soup.get_text()


def test_pdf_on_demand_is_cached(site: Site) -> None:
    first = get(site, "/paper/knife-crime.pdf")
    assert first.status == 200 and first.content_type == "application/pdf"
    assert first.body.startswith(b"%PDF-")
    assert get(site, "/paper/knife-crime.pdf").body is first.body


def test_a_failed_pdf_is_not_laid_out_again_until_its_brief_changes(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brief whose PDF runs out of time would otherwise hold the one renderer for the
    whole time limit on every reload."""
    from concurrent.futures import Future

    from scoper.pdf.pool import PdfOutcome
    from scoper.preview import site as site_module

    submitted: list[object] = []

    class Pool:
        def submit(self, job: object, timeout: float) -> Future[PdfOutcome]:
            submitted.append(job)
            done: Future[PdfOutcome] = Future()
            done.set_result(PdfOutcome(None, [], "timed out after 30 s"))
            return done

    class Renderer:
        pool = Pool()

        def stop(self) -> None:
            pass

    monkeypatch.setattr(site_module, "_Renderer", Renderer)
    first = get(site, "/paper/knife-crime.pdf")
    again = get(site, "/paper/knife-crime.pdf")
    assert first.status == again.status == 500
    assert b"timed out after 30 s" in again.body and len(submitted) == 1
    brief = site.folder / "knife-crime.md"
    brief.write_text(brief.read_text().replace("knife", "Knife", 1))
    assert get(site, "/paper/knife-crime.pdf").status == 500 and len(submitted) == 2


def test_a_pdf_request_waits_for_another_at_most_one_time_limit(site: Site, tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text("pdf-timeout = 1\n")
    with site._pdf_lock:  # another PDF being laid out, for longer than the limit
        started = dt.datetime.now()
        response = get(site, "/paper/knife-crime.pdf")
        waited = (dt.datetime.now() - started).total_seconds()
    assert response.status == 503 and response.headers.get("Retry-After") == "5"
    assert 1.5 <= waited < 10


def test_pack_page(site: Site) -> None:
    response = get(site, "/pack/2026-W48")
    soup = BeautifulSoup(response.body, "html.parser")
    assert response.status == 200
    assert len(soup.select("article.pack-paper")) == 6
    assert soup.select_one(".scoper-toolbar a")["href"] == "/"
    assert b"No briefs dated in 2025-W01" in get(site, "/pack/2025-W01").body


def test_a_bad_config_is_shown_not_raised(site: Site, tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text("organisation = \n")
    response = get(site, "/")
    assert response.status == 500
    assert b"scoper.toml:1: error: not valid TOML" in response.body


def test_changes_wake_every_waiting_page() -> None:
    changes = Changes()
    heard: list[object] = []

    def page() -> None:
        heard.append(changes.wait(0, timeout=5)[1])

    pages = [threading.Thread(target=page) for _ in range(3)]
    for thread in pages:
        thread.start()
    changes.publish(["a.md"], everything=False)
    for thread in pages:
        thread.join(5)
    assert heard == [[{"paths": ["a.md"], "all": False}]] * 3
    assert changes.wait(1, timeout=0.01) == (1, [])


def test_the_change_log_keeps_only_the_last_changes() -> None:
    changes = Changes(keep=10)
    for number in range(1000):
        changes.publish([f"{number}.md"], everything=False)
    assert changes.count == 1000
    assert len(changes._events) == 10
    # A page that has seen the last three hears of those only.
    count, events = changes.wait(997, timeout=0)
    assert count == 1000 and [e["paths"] for e in events] == [["997.md"], ["998.md"], ["999.md"]]
    # One that has missed more than are kept reloads whole.
    assert changes.wait(0, timeout=0) == (1000, [{"paths": [], "all": True}])
    assert changes.wait(989, timeout=0)[1] == [{"paths": [], "all": True}]
    assert len(changes.wait(990, timeout=0)[1]) == 10


def test_the_pages_are_the_themes_templates(site: Site, tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text('organisation = "Unit A"\n')
    override = tmp_path / "templates" / "preview"
    override.mkdir(parents=True)
    (override / "index.html.j2").write_text(
        '{% extends "default/preview/index.html.j2" %}'
        "{% block main %}<p id=own>{{ rows | length }} briefs</p>{{ super() }}{% endblock %}"
    )
    soup = BeautifulSoup(get(site, "/").body, "html.parser")
    assert soup.select_one("#own").get_text() == "6 briefs"
    assert len(soup.select("tbody tr")) == 6


def test_brief_text_on_the_index_is_escaped(site: Site, tmp_path: Path) -> None:
    hostile = '</script><script>alert(1)</script><img src=x onerror="alert(2)">'
    (tmp_path / "briefs" / "hostile.md").write_text(
        valid_brief()
        .replace("title: Tackling loneliness in later life", f"title: '{hostile}'")
        .replace("ref: PU-2026-900", "ref: PU-2026-</td>")
    )
    for path in ("/", "/paper/hostile"):
        response = get(site, path)
        soup = BeautifulSoup(response.body, "html.parser")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
        assert {s.get("nonce") for s in soup.find_all("script")} == {nonce}, path
        assert soup.find("img", onerror=True) is None
    soup = BeautifulSoup(get(site, "/").body, "html.parser")
    row = next(tr for tr in soup.select("tbody tr") if "hostile.md" in tr.get_text())
    assert hostile in row.get_text()
    assert row["data-ref"] == "PU-2026-</td>"


def test_the_paper_toolbar_lists_the_papers_problems(site: Site, tmp_path: Path) -> None:
    (tmp_path / "briefs" / "warned.md").write_text(
        valid_brief().replace("Strength: strong", "Strength: weak")
    )
    soup = BeautifulSoup(get(site, "/paper/warned").body, "html.parser")
    toolbar = soup.select_one(".scoper-toolbar")
    assert toolbar.summary.get_text() == "0 errors, 1 warnings"
    assert "warning C007 policy-by-anecdote" in toolbar.select_one("ul.problems").get_text()
