"""Prose to HTML: the model's content trees rendered by the brief dialect's own renderer.

Raw HTML is off in the dialect, so what this makes holds no markup from the brief itself:
it is safe to put in a page unescaped (see :mod:`scoper.brief.markdown`). Figures and tables
get their numbers and captions here (:mod:`scoper.brief.figures`), and a table marked
``{.chart ...}`` is drawn as a chart (:mod:`scoper.render.chart`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup, escape
from msgspec import Struct

from scoper.brief.figures import Numbered, chart_table, figure_image, may_hold_figures, numbering
from scoper.brief.markdown import ImageResolver, make_markdown
from scoper.brief.model import Brief
from scoper.brief.numbers import ParagraphNumbers
from scoper.brief.prose import Prose
from scoper.pdf.floats import float_mark


def prose_html(
    prose: Prose,
    brief: Brief,
    resolve_image: ImageResolver | None = None,
    paras: ParagraphNumbers | None = None,
    id_prefix: str = "",
    papers: dict[str, tuple[str, str]] | None = None,
    float_marks: bool = False,
) -> str:
    """The prose as HTML. Images come from the brief's folder as data: URIs, unless
    ``resolve_image`` says otherwise; ``paras`` numbers its paragraphs; ``id_prefix``
    keeps paragraph and figure ids unique within a pack; ``papers`` names the pack's
    papers for ``ref:`` links. ``float_marks`` (for the PDF) marks each figure followed by
    a block of text, so that the PDF renderer may put the figure after it
    (:mod:`scoper.pdf.floats`)."""
    if not prose:
        return ""
    if resolve_image is None:
        from scoper.brief.source import image_resolver

        resolve_image = image_resolver(Path(brief.path).parent)
    md = make_markdown()
    env = {
        "docId": brief.slug,
        "resolve_image": resolve_image,
        "paras": paras or {},
        "id_prefix": id_prefix,
        "papers": papers or {},
    }
    numbers = numbering(brief) if may_hold_figures(prose) else {}
    parts: list[_Part] = []
    # Block by block, as each block of a brief stands on its own in the paper.
    for block in prose.blocks():
        entry = numbers.get(id(block[0]))
        if entry is None:
            parts.append(_Part(md.renderer.render(list(block), md.options, env), block[0].type))
        elif entry.caption_block != id(block[0]):  # a table's caption is written with it
            parts.append(_Part(_numbered_html(md, block, entry, env, id_prefix), entry=entry))
    if float_marks:
        return _with_float_marks(parts, id_prefix)
    return "".join(part.html for part in parts)


class _Part(Struct, frozen=True):
    html: str
    opens: str = ""
    """The type of the block's first token (for text)."""
    entry: Numbered | None = None
    """The figure or table it is."""


_TEXT_BLOCKS = (
    "paragraph_open",
    "bullet_list_open",
    "ordered_list_open",
    "blockquote_open",
    "alert_open",
)
"""The blocks a figure may be put after in print: text, not a heading or another figure."""


def _with_float_marks(parts: list[_Part], prefix: str) -> str:
    """The parts joined, each figure that is followed by a block of text marked together
    with that block, for :func:`scoper.pdf.floats.swapped`. The marks are HTML comments:
    the brief cannot write one (raw HTML is off), and layout ignores them."""
    out = []
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else None
        if (
            part.entry is not None
            and part.entry.kind == "figure"
            and following is not None
            and following.opens in _TEXT_BLOCKS
        ):
            anchor = f"{escape(prefix)}{part.entry.anchor}"
            out += [
                float_mark("float", anchor),
                part.html,
                float_mark("float-next", anchor),
                following.html,
                float_mark("float-end", anchor),
            ]
            index += 2
        else:
            out.append(part.html)
            index += 1
    return "".join(out)


def _numbered_html(
    md: MarkdownIt, block: Sequence[Token], entry: Numbered, env: dict[str, Any], prefix: str
) -> str:
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)  # the dialect's renderer (make_markdown)

    def inline(tokens: list[Token]) -> str:
        return renderer.renderInline(tokens, md.options, env).strip()

    caption = inline(entry.caption)
    label = f'<span class="caption-label">{entry.label}</span>'
    title = f"{label}: {caption}" if caption else label
    source = inline(entry.source)
    anchor = f"{escape(prefix)}{entry.anchor}"
    if entry.kind == "table":
        table = md.renderer.render(list(block), md.options, env)
        table = table.replace("<table>", f'<table>\n<caption class="caption">{title}</caption>', 1)
        line = f'<p class="caption-source">Source: {source}</p>\n' if source else ""
        return f'<div class="table-block" id="{anchor}">\n{table}{line}</div>\n'
    line = f'<span class="caption-source">Source: {source}</span>' if source else ""
    figcaption = f'<figcaption class="caption">{title}{line}</figcaption>\n'
    if entry.chart is not None:
        return _chart_html(md, block, entry, env, anchor, figcaption)
    image = figure_image(block)
    picture = inline([image]) if image is not None else ""
    return f'<figure class="figure" id="{anchor}">\n{picture}\n{figcaption}</figure>\n'


def _chart_html(
    md: MarkdownIt,
    block: Sequence[Token],
    entry: Numbered,
    env: dict[str, Any],
    anchor: str,
    figcaption: str,
) -> str:
    from scoper.render.chart import draw

    data = chart_table(block)
    assert data is not None and entry.chart is not None  # numbering made it a chart
    chart = draw(data, entry.chart, anchor)
    src = "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode("ascii")
    # The table stays for anyone who would rather read the numbers (a screen reader, a
    # keyboard user): folded away on screen, left out on paper, where the alt text says it.
    table = md.renderer.render(list(block), md.options, env)
    return (
        f'<figure class="figure chart" id="{anchor}">\n'
        f'<img class="chart-image" src="{src}" alt="{escape(chart.alt)}">\n'
        f"{figcaption}"
        f'<details class="chart-data"><summary>{entry.label} as a table</summary>\n'
        f"{table}</details>\n"
        "</figure>\n"
    )


@jinja2.pass_context
def html_filter(context: jinja2.runtime.Context, prose: Prose, brief: Brief) -> Markup:
    """``{{ item.body | html(brief) }}``: prose in a template. A page may name its own image
    resolver as ``resolve_image``; ``paras`` (scoper.brief.numbers) numbers its paragraphs,
    and the page's ``prefix`` keeps paragraph and figure ids unique in a pack."""
    paras = context.get("paras")
    prefix = str(context.get("prefix") or "")
    papers = context.get("papers")
    marks = context.get("target") == "pdf"
    html = prose_html(prose, brief, context.get("resolve_image"), paras, prefix, papers, marks)
    return Markup(html)
