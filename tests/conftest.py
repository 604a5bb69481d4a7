from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scoper.build import BriefResult, build_many
from scoper.config import Config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "briefs"


def scoper_in_new_python(
    arguments: list[str], before: str = "", after: str = ""
) -> subprocess.CompletedProcess[str]:
    """``scoper ARGUMENTS`` in an interpreter of its own, with the code ``before`` run
    first and ``after`` run once the command has succeeded: what a command imports or
    declares, seen from a clean start."""
    code = (
        f"import sys\n{before}\n"
        "from scoper.cli import main\n"
        f"sys.argv = ['scoper', *{arguments!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"{after}\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


VALID_BRIEF = """\
---
title: Tackling loneliness in later life
date: 2026-11-23
ref: PU-2026-900
priority: 2
status: {status}
classification: {classification}
authors: [Priya Shah, Tom Reed]
lead: Communities team
commissioned-by: Prime Minister
tags: [communities, health]
---
# Tackling loneliness in later life

## Summary
One in fourteen adults is chronically lonely. We propose a partnership with
charities, backed by funding for local link workers.

## Evidence
- Chronic loneliness rose from 6% to 7% of adults between 2020 and 2025.
  - Source: [ONS, Community Life Survey](https://www.gov.uk/community-life-survey)
  - Strength: strong
  - Date: 2025-06
- Link workers report long waits for community groups.
  - Source: roundtable notes
  - Strength: anecdotal

## External partners
- **Age UK** — third-sector
  - Insight: Runs befriending services across England.
  - Role: Deliver the pilots, under a grant agreement signed in October 2026.
  - Interests: Gains funding for its services.
  - Commitment: committed
- **Acme Care Ltd** — commercial
  - Insight: Home-care data.
  - Role: Refer clients.
  - Interests: Contracts.
  - Commitment: exploratory

## Action points
- Fund 200 link workers in five areas.
  - Owner: DHSC
  - Due: 2027-01-15
  - Lever: spending
  - Status: in-progress
- Convene a charities roundtable.
  - Owner: No10 Policy Unit
  - Due: 2026-12-10
  - Lever: partnership

## Risks
- Charities cannot recruit volunteers fast enough.
  - Likelihood: medium
  - Impact: high
  - Mitigation: Phase the roll-out.
"""


def valid_brief(status: str = "draft", classification: str = "OFFICIAL") -> str:
    return VALID_BRIEF.format(status=status, classification=classification)


BriefWriter = Callable[..., Path]


@pytest.fixture
def write_brief(tmp_path: Path) -> BriefWriter:
    """Write a brief into ``tmp_path/briefs`` and return its path."""

    def write(name: str = "loneliness.md", text: str | None = None, **values: str) -> Path:
        folder = tmp_path / "briefs"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(text if text is not None else valid_brief(**values), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BriefResult]:
    """Every example brief built once, HTML and PDF, for the tests that read papers."""
    work = tmp_path_factory.mktemp("examples")
    briefs = work / "briefs"
    shutil.copytree(EXAMPLES, briefs)
    results = build_many(
        sorted(briefs.glob("*.md")),
        Config(organisation="Prime Minister's Policy Unit"),
        work / "out",
    )
    return {result.path.stem: result for result in results}


@pytest.fixture(scope="module")
def spy() -> Iterator[tuple[int, list[str]]]:
    """A server on this machine that records every request it gets: (port, paths)."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, requests
    server.shutdown()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (which downloads no browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
