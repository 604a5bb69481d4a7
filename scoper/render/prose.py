"""Prose to HTML: the model's content trees rendered by the brief dialect's own renderer.

Raw HTML is off in the dialect, so what this makes holds no markup from the brief itself:
it is safe to put in a page unescaped (see :mod:`scoper.brief.markdown`).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from scoper.brief.markdown import ImageResolver, make_markdown
from scoper.brief.model import Brief
from scoper.brief.numbers import ParagraphNumbers
from scoper.brief.prose import Prose


def prose_html(
    prose: Prose,
    brief: Brief,
    resolve_image: ImageResolver | None = None,
    paras: ParagraphNumbers | None = None,
    id_prefix: str = "",
    papers: dict[str, tuple[str, str]] | None = None,
) -> str:
    """The prose as HTML. Images come from the brief's folder as data: URIs, unless
    ``resolve_image`` says otherwise; ``paras`` numbers its paragraphs (ids after
    ``id_prefix``)."""
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
    # Block by block, as each block of a brief stands on its own in the paper.
    return "".join(md.renderer.render(list(block), md.options, env) for block in prose.blocks())


@jinja2.pass_context
def html_filter(context: jinja2.runtime.Context, prose: Prose, brief: Brief) -> Markup:
    """``{{ item.body | html(brief) }}``: prose in a template. A page may name its own image
    resolver as ``resolve_image``; ``paras`` (scoper.brief.numbers) numbers its paragraphs,
    their ids after the page's ``prefix``."""
    paras = context.get("paras")
    prefix = context.get("prefix") or ""
    papers = context.get("papers")
    html = prose_html(prose, brief, context.get("resolve_image"), paras, prefix, papers)
    return Markup(html)
