"""Render a brief's model as an HTML paper through the theme's Jinja templates.

Brief text reaches templates only as values: it is never compiled as a template, and every
value is escaped except the HTML that the Markdown parser made (which has raw HTML disabled).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from markupsafe import Markup
from msgspec import Struct

from scoper import __version__
from scoper.brief.markdown import ImageResolver
from scoper.brief.model import Brief
from scoper.brief.numbers import ParagraphNumbers, numbering_on, paragraph_numbers
from scoper.brief.shortened import description, short_title
from scoper.brief.xref import PaperLinks
from scoper.check.qa import qa_notes
from scoper.config import Config
from scoper.problems import Problem
from scoper.render.theme import Theme, data_uri, environment, font_faces, stylesheet, theme_for

if TYPE_CHECKING:
    from scoper.pack.model import ClosingPiece, Pack, PackPart

Target = Literal["screen", "pdf"]


class PaperView(Struct, frozen=True):
    """What the paper template gets besides the model: derived, display-ready values."""

    short_title: str
    description: str
    generator: str


def paper_view(brief: Brief) -> PaperView:
    return PaperView(
        short_title=short_title(brief.meta.title),
        description=description(brief),
        generator=f"scoper {__version__}",
    )


def paras_for(brief: Brief, config: Config) -> ParagraphNumbers:
    """The paper's paragraph numbers, or none when the paper or the project says not."""
    return paragraph_numbers(brief) if numbering_on(brief, config.numbered_paragraphs) else {}


def _css(theme: Theme, target: Target) -> Markup:
    return Markup(font_faces(theme, target == "screen") + "\n" + stylesheet(theme))


def _house_style(config: Config) -> dict[str, object]:
    """The unit's own touches from scoper.toml: its logo and accent colour."""
    logo = None
    if config.logo:
        try:
            logo = data_uri(config.logo, config.logo.stat().st_mtime_ns)
        except (OSError, ValueError):  # gone, or no longer a picture within the limits
            logo = None
    return {"logo": logo, "accent": config.accent_colour}


def render_html(
    brief: Brief,
    config: Config,
    *,
    target: Target = "screen",
    theme: Theme | None = None,
    resolve_image: ImageResolver | None = None,
    problems: Iterable[Problem] = (),
    papers: PaperLinks | None = None,
) -> str:
    """The paper as one HTML document.

    ``screen`` makes a self-contained file (fonts and images embedded) for reading and
    e-mailing; ``pdf`` points at the theme's font files, for the PDF renderer. Images come
    from the brief's folder unless ``resolve_image`` is given. ``problems`` are the brief's
    check findings: a draft or a paper under review shows them in its Unit QA box.
    ``papers`` says where the other papers its ``ref:`` links name are (see
    :func:`paper_links`); a ref it does not know is shown as text.
    """
    theme = theme or theme_for(config)
    if target == "pdf" and papers:
        from scoper.brief.xref import FILE_LINK

        papers = {ref: (FILE_LINK + href, title) for ref, (href, title) in papers.items()}
    template = environment(theme).get_template("paper.html.j2")
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES, picture_budget

    with picture_budget(MAX_PAPER_IMAGE_BYTES):
        return template.render(
            brief=brief,
            meta=brief.meta,
            config=config,
            view=paper_view(brief),
            target=target,
            css=_css(theme, target),
            resolve_image=resolve_image,
            qa=qa_notes(brief, problems),
            paras=paras_for(brief, config),
            papers=papers or {},
            **_house_style(config),
        )


def render_pack_html(
    pack: Pack,
    config: Config,
    *,
    part: PackPart = "all",
    pages: dict[str, int] | None = None,
    theme: Theme | None = None,
    piece: ClosingPiece | None = None,
) -> str:
    """The pack as HTML: the whole of it (one self-contained file), or for the PDF its
    front (cover, grid, changes), its contents, or one piece of its closing parts
    (``piece``: a share of a tracker, the register, the annex). ``pages`` gives the page of
    the pack PDF that each paper and part starts on, for the grid and the contents."""
    from scoper.pack.grid import cover_facts, grid
    from scoper.pack.model import BACK_PARTS

    if piece is not None:
        part = piece.part

    theme = theme or theme_for(config)
    target: Target = "screen" if part == "all" else "pdf"
    template = environment(theme).get_template("pack.html.j2")
    whole, front = part == "all", part in ("all", "front")
    rows = grid(pack) if front else []
    from scoper.brief.source import MAX_PAPER_IMAGE_BYTES, picture_budget

    # The whole pack's page, every paper in it, may embed no more than one paper may.
    with picture_budget(MAX_PAPER_IMAGE_BYTES):
        return template.render(
            grid=rows,
            facts=cover_facts(pack, rows),
            pack=pack,
            config=config,
            part=part,
            pages=pages or {},
            back_parts=BACK_PARTS,
            piece=piece,
            # The trackers' groups: all of them in the whole pack, a piece's in the PDF.
            tracker_by_month=list(piece.groups if piece else pack.tracker_by_month)
            if part in ("all", "part-tracker")
            else [],
            tracker_by_owner=list(piece.groups if piece else pack.tracker_by_owner(config.owners))
            if part in ("all", "part-owners")
            else [],
            # In the PDF the contents' links are joined to the papers' pages after merging.
            link_prefix="#" if part == "all" else "scoper-pack:",
            # What only the whole pack (the papers) or the front (the grid) shows is made only
            # for them: each closing part is rendered on its own.
            views={paper.brief.slug: paper_view(paper.brief) for paper in pack.papers}
            if front
            else {},
            qa_of={paper.brief.slug: qa_notes(paper.brief, paper.warnings) for paper in pack.papers}
            if whole
            else {},
            paras_of={paper.brief.slug: paras_for(paper.brief, config) for paper in pack.papers}
            if whole
            else {},
            # ref: links between papers of the pack go to the paper's first page.
            papers={
                paper.brief.meta.ref: ("#" + paper.anchor, short_title(paper.brief.meta.title))
                for paper in pack.papers
            },
            generator=f"scoper {__version__}",
            target=target,
            css=_css(theme, target),
            **_house_style(config),
        )
