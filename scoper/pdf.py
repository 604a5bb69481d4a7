"""HTML to PDF with WeasyPrint: the only module that imports it (it is slow to import)."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from scoper.model import Brief


class LocalOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URIs and files under the given folders; refuse everything else.

    Brief images arrive as data: URIs (see scoper.source), so the renderer needs files only
    for the theme's fonts: nothing is fetched from the network, and a brief cannot make the
    renderer read any other file.
    """

    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5)
        self.allowed_roots = [root.resolve() for root in allowed_roots]

    def fetch(self, url: str, headers: dict | None = None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.allowed_roots):
                raise ValueError(f"scoper reads no file outside the theme: {url}")
        elif scheme != "data":
            raise ValueError(f"scoper fetches nothing from the network: {url[:80]}")
        return super().fetch(url, headers)


class RenderWarnings(logging.Handler):
    """Collects what WeasyPrint logs while rendering one paper."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_pdf(html: str, brief: Brief, theme_dir: Path) -> tuple[bytes, list[str]]:
    """The paper's PDF and any warnings the renderer logged."""
    logger = logging.getLogger("weasyprint")
    handler = RenderWarnings()
    logger.addHandler(handler)
    previous = logger.propagate
    logger.propagate = False  # the caller reports them as the brief's problems
    try:
        document = HTML(
            string=html,
            base_url=theme_dir.as_uri() + "/",
            url_fetcher=LocalOnlyFetcher([theme_dir]),
        ).render()
        document.metadata.title = brief.meta.title
        document.metadata.created = brief.meta.date.isoformat()
        document.metadata.modified = brief.meta.date.isoformat()
        return document.write_pdf(), handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
