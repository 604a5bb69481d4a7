"""The Markdown dialect of briefs: CommonMark, GFM tables and strikethrough, footnotes,
GitHub-style alerts, and links and images restricted to what is safe to emit.

Raw HTML is switched off in the parser, so any HTML in a brief reaches the paper as text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

ALERT_KINDS = {
    "NOTE": "Note",
    "TIP": "Tip",
    "IMPORTANT": "Important",
    "WARNING": "Warning",
    "CAUTION": "Caution",
}
_ALERT_MARKER = re.compile(r"^\[!(" + "|".join(ALERT_KINDS) + r")\][ \t]*(?:\n|$)", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ref"})
"""``ref:`` names another paper by its ref (brief format, version 2: cross-references)."""

ImageResolver = Callable[[str], "str | None"]
"""Turns an image path from a brief into a URL to emit (e.g. a data: URI), or None when the
image may not be used; raises :class:`ImageMissing` when there is no such file."""


class ImageMissing(Exception):
    """The image file does not exist (which the broken-reference check reports)."""


def link_scheme(url: str) -> str | None:
    """The URL's scheme in lower case, or None for a relative reference."""
    # Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url)
    match = _SCHEME.match(cleaned)
    return match[1].lower() if match else None


def is_safe_link(url: str) -> bool:
    scheme = link_scheme(url)
    if scheme is None:
        # "//host/path" borrows the page's scheme and so leaves the paper for another host.
        return not url.lstrip().startswith(("//", "\\\\"))
    return scheme in LINK_SCHEMES


def is_relative_path(url: str) -> bool:
    """True for a path relative to the brief's folder (not absolute, no scheme)."""
    return link_scheme(url) is None and not url.startswith(("/", "\\", "//")) and url != ""


MARK_CLASSES = ("sensitive", "chart")
"""The classes a ``{...}`` attribute block or span may give (brief format, version 2)."""


def marks_plugin(md: MarkdownIt) -> None:
    """Read the attributes the attrs plugins set aside into named marks on the token:
    ``meta["sensitive"]`` (the exemption given, or ""), ``meta["chart"]`` (its options),
    and ``meta["unknown_marks"]`` for anything else, which a check reports."""
    md.core.ruler.after("inline", "scoper_marks", _marks_rule)


def _marks_rule(state: StateCore) -> None:
    if "{" not in state.src:
        return  # no braces, no attributes: most briefs (a check of many briefs is quicker)
    tokens = state.tokens
    for index, token in enumerate(tokens):
        _read_marks(token)
        children = token.children or []
        for number, child in enumerate(children):
            _read_marks(child)
            if child.type == "image":
                _lift_marks(child)
            if "sensitive" in child.meta:
                state.env["scoper_marked"] = True
                _note_marked_text(state, children, number)
                state.env.setdefault("scoper_marked_tokens", []).append(child)
        if "sensitive" in token.meta:
            state.env["scoper_marked"] = True
            _note_marked_text(state, tokens, index)
            state.env.setdefault("scoper_marked_tokens", []).append(token)


MARK_READ = "scoper_mark_read"
"""Set in a token's meta by a reader that moved the token's mark onto the model (a whole
item, a section, a footnote) and then left the token out: the public version's last check
counts every marked token as either in the model or read so."""


def _note_marked_text(state: StateCore, tokens: list[Token], index: int) -> None:
    """Keep the words of a marked block or span, as parsed: the public version checks at
    the end that none of them is published (scoper.brief.public), whatever reader of the
    model might drop the token that carried the mark."""
    depth, words = 0, []
    for token in tokens[index:]:
        depth += token.nesting
        words.append(token.content)
        words += [child.content for child in token.children or []]
        if depth <= 0:
            break
    # Each token's words apart (a paragraph's, each span's): a part of the block left in
    # the public version is found on its own.
    state.env.setdefault("scoper_marked_texts", []).extend(w for w in words if w.strip())


def _mark_lines(state: StateCore) -> None:
    """Before the attributes plugin moves each ``{...}`` line onto the block after it, note
    the lines of a ``.sensitive`` mark that nothing follows (the last line of a quote, a list
    item or the brief): the plugin would drop it, and the writer's passage would be published
    as if never marked. The public version refuses them and the check reports them."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "attrs_block" or "sensitive" not in _classes(token.attrs):
            continue
        after = next((t for t in tokens[index + 1 :] if t.type != "attrs_block"), None)
        # A rule (***) is a block with nothing in it to withhold: the writer meant what
        # follows it.
        if after is None or after.nesting < 0 or after.type == "hr":
            line = token.map[0] if token.map else 0
            unattached = state.env.setdefault("scoper_unattached_marks", [])
            unattached.append(line)


def _classes(attrs: object) -> list[str]:
    value = attrs.get("class", "") if isinstance(attrs, dict) else ""
    return [name.lower() for name in str(value).split()]


def _footnote_definition_marks(state: StateCore) -> None:
    """A mark line before a footnote's definition (in a quote or a list item, after a blank
    line or another attribute line, as before any block) lands on the definition's opening
    token, which the footnote plugin later drops: read it here, by the footnote's label.

    A footnote defined inside another's definition is noted too: the plugin's tail cannot
    nest them, and would put the rest of the outer note into the body."""
    depth = 0
    for token in state.tokens:
        if token.type == "footnote_reference_open":
            if depth and token.map:
                state.env.setdefault("scoper_nested_footnotes", []).append(token.map[0])
            depth += 1
        elif token.type == "footnote_reference_close":
            depth -= 1
        if token.type == "footnote_reference_open" and "insecure_attrs" in token.meta:
            _read_marks(token)
            if "sensitive" in token.meta:
                token.meta[MARK_READ] = True  # the footnote's blocks are marked instead
                marks = state.env.setdefault("scoper_footnote_marks", {})
                marks[str(token.meta.get("label", ""))] = token.meta["sensitive"]


def _footnote_marks(state: StateCore) -> None:
    """Every block of a marked footnote is marked, and the public version withholds them."""
    marked = state.env.get("scoper_footnote_marks")
    if not marked:
        return
    current: str | None = None
    for token in state.tokens:
        if token.type == "footnote_open":
            label = str(token.meta.get("label", ""))
            current = label if label in marked else None
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.nesting == 1:
            token.meta["sensitive"] = marked[current]
            state.env["scoper_marked"] = True


def _lift_marks(image: Token) -> None:
    """An image's description is inline text of its own (its children), and a span in it
    may be marked: every writer makes the alt text from all of it, so a mark anywhere in the
    description marks the whole image (the public version withholds it, alt text and all).
    Unknown marks in it are kept on the image too, so that a misspelt one is reported."""
    _read_caption_marks(image)
    stack = list(image.children or [])
    while stack:
        inner = stack.pop()
        _read_marks(inner)
        stack += list(inner.children or [])
        if "sensitive" in inner.meta and "sensitive" not in image.meta:
            image.meta["sensitive"] = inner.meta["sensitive"]
        for unknown in inner.meta.get("unknown_marks", []):
            image.meta.setdefault("unknown_marks", []).append(unknown)


_CAPTION_MARK = re.compile(r"(?:\[([^\[\]]*)\])?\{([^{}]*)\}")


def _read_caption_marks(image: Token) -> None:
    """An image's title (a figure's caption) is plain text, not Markdown, but a writer may
    mark a span in it as in prose (``"Margins [by brand]{.sensitive}"``): a sensitive mark
    there marks the whole image, and the mark's syntax is taken out of the caption (its
    words stay, for the full version). Other braces are left as they are."""
    title = image.attrGet("title")
    if not title or "{" not in str(title):
        return

    def read(found: re.Match[str]) -> str:
        words, inside = found.group(1), found.group(2)
        classes = [w[1:].lower() for w in inside.split() if w.startswith(".")]
        if "sensitive" not in classes:
            return found.group()
        exemption = re.search(r"""exemption=(?:"([^"]*)"|'([^']*)'|(\S+))""", inside)
        if "sensitive" not in image.meta:
            image.meta["sensitive"] = (
                next((g for g in exemption.groups() if g), "") if exemption else ""
            )
        return words or ""

    image.attrSet("title", " ".join(_CAPTION_MARK.sub(read, str(title)).split()))


def _read_marks(token: Token) -> None:
    attrs = token.meta.pop("insecure_attrs", None)
    if not attrs:
        return
    attrs = {str(key): str(value) for key, value in attrs.items()}
    written = attrs.pop("class", "").split()
    # A mark decides what is published: 'Sensitive' must not fail open for its capital.
    classes = [name.lower() for name in written]
    unknown = [name for name in written if name.lower() not in MARK_CLASSES]
    if "sensitive" in classes:
        token.meta["sensitive"] = attrs.pop("exemption", "")
    if "chart" in classes:
        token.meta["chart"] = {key: attrs.pop(key) for key in ("type", "highlight") if key in attrs}
    unknown += [f"{key}={value}" for key, value in attrs.items() if key != "id"]
    if unknown:
        token.meta["unknown_marks"] = unknown


def alerts_plugin(md: MarkdownIt) -> None:
    """GitHub-style alerts: a blockquote starting ``[!NOTE]`` becomes a callout box."""
    md.core.ruler.after("block", "scoper_alerts", _alerts_rule)
    md.add_render_rule("alert_open", _render_alert_open)
    md.add_render_rule("alert_close", _render_alert_close)


def _alerts_rule(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        paragraph, inline = tokens[index + 1], tokens[index + 2]
        if paragraph.type != "paragraph_open" or inline.type != "inline":
            continue
        match = _ALERT_MARKER.match(inline.content)
        if not match:
            continue
        close = _matching_close(tokens, index)
        token.type, close.type = "alert_open", "alert_close"
        token.tag = close.tag = "div"
        token.meta["kind"] = match[1].upper()
        inline.content = inline.content[match.end() :]
        if not inline.content.strip():
            # The marker stood alone on its line: drop the now empty paragraph.
            del tokens[index + 1 : index + 4]


def _matching_close(tokens: list[Token], open_index: int) -> Token:
    depth = 0
    for token in tokens[open_index:]:
        depth += token.nesting
        if depth == 0:
            return token
    raise AssertionError("unbalanced token stream")  # markdown-it always balances


def _render_alert_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    kind = tokens[idx].meta["kind"]
    label = ALERT_KINDS[kind]
    return (
        f'<div class="callout callout-{kind.lower()}" role="note" aria-label="{label}">\n'
        f'<p class="callout-title">{label}</p>\n'
    )


def _render_alert_close(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return "</div>\n"


def safe_links_plugin(md: MarkdownIt) -> None:
    """Emit only links whose scheme is safe, and images only through the env's resolver.

    A link with another scheme (``javascript:``, ``data:``, ``file:``...) is not made a link:
    markdown-it then leaves its source as text. An image is emitted only when
    ``env["resolve_image"]`` turns its path into a URL; otherwise its alt text is shown in a
    placeholder, so a paper never makes a reader's browser fetch anything.
    """
    md.validateLink = is_safe_link  # type: ignore[method-assign]  # markdown-it's documented hook
    md.core.ruler.push("scoper_file_links", _file_links_rule)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("file_link_open", _render_file_link_open)
    md.add_render_rule("file_link_close", _render_file_link_close)


def is_file_link(href: str) -> bool:
    """A link to a file, beside the brief or anywhere on a machine, as opposed to a web
    address or a place in the paper itself. An absolute path ("/etc/passwd") is one too: a
    paper has no site root, and in a PDF such a link is a file: URL to the reader's own
    machine."""
    if href.startswith("#"):
        return False
    return is_relative_path(href) or (
        link_scheme(href) is None and href.lstrip().startswith(("/", "\\"))
    )


def _file_links_rule(state: StateCore) -> None:
    """Links to files beside the brief become text that names the file: a paper travels by
    e-mail and print without its folder, so such a link would only ever be broken."""
    for block in state.tokens:
        opened: list[Token] = []
        for child in block.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if is_file_link(href):
                    child.type = "file_link_open"
                opened.append(child)
            elif child.type == "link_close" and opened:
                link = opened.pop()
                if link.type == "file_link_open":
                    child.type = "file_link_close"
                    child.meta["href"] = link.attrGet("href")


def _render_file_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return '<span class="file-link">'


def _render_file_link_close(
    self: Any, tokens: list[Token], idx: int, options: Any, env: Any
) -> str:
    href = escape(str(tokens[idx].meta.get("href", "")))
    if href.lower().endswith(".md"):
        # Another brief: its file name means nothing to a reader (link to it as ref:REF).
        return "</span>"
    return f' <span class="file-path">({href})</span></span>'


def _render_image(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    resolver: ImageResolver | None = env.get("resolve_image")
    try:
        url = resolver(src) if resolver and is_relative_path(src) else None
    except ImageMissing:
        url = None
    if url is None:
        label = alt or src
        return f'<span class="image-missing">[image not included: {escape(label)}]</span>'
    title = token.attrGet("title")
    title_attr = f' title="{escape(str(title))}"' if title else ""
    return f'<img src="{escape(url)}" alt="{escape(alt)}"{title_attr}>'


def _render_link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if href.startswith("#") and env.get("id_prefix"):
        # In the pack every id of a paper carries the paper's prefix.
        token = token.copy()
        token.attrSet("href", "#" + env["id_prefix"] + href[1:])
        return self.renderToken([token], 0, options, env)
    if link_scheme(href) == "ref":
        return _render_paper_ref_open(token, env)
    if link_scheme(str(token.attrGet("href") or "")) in ("http", "https"):
        # Papers are e-mailed: links to outside sites must not leak the referrer. A copy,
        # as the token belongs to the model, which rendering must leave as it is.
        token = token.copy()
        token.attrSet("rel", "noopener noreferrer")
        return self.renderToken([token], 0, options, env)
    return self.renderToken(tokens, idx, options, env)


def numbered_plugin(md: MarkdownIt) -> None:
    """Numbered paragraphs (scoper.brief.numbers): a block whose opening token the env's
    ``paras`` numbers gets the id ``para-N`` (after the env's ``id_prefix``) and its number
    first, in a span the theme sets in the margin."""
    md.add_render_rule("paragraph_open", _render_numbered)
    md.add_render_rule("list_item_open", _render_numbered)


def _render_numbered(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    number = (env.get("paras") or {}).get(id(token))
    if number is None:
        return self.renderToken(tokens, idx, options, env)
    token = token.copy()  # the token belongs to the model, which rendering leaves as it is
    token.attrSet("id", f"{env.get('id_prefix', '')}para-{number}")
    token.attrJoin("class", "numbered")
    opened = self.renderToken([token], 0, options, env).rstrip("\n")
    label = f'<span class="para-no"><span class="visually-hidden">Paragraph </span>{number}</span> '
    return opened + label


def _render_paper_ref_open(token: Token, env: Any) -> str:
    """A link to another paper: to where that paper is (``env["papers"]``: ref to (href,
    short title)), or, when it is not known here, its ref as text."""
    from scoper.brief.xref import paper_ref

    known = (env.get("papers") or {}).get(paper_ref(str(token.attrGet("href") or "")))
    if known is None:
        return '<span class="paper-ref">'
    href, _ = known
    return f'<a class="paper-ref" href="{escape(href)}">'


def _render_link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    ref = tokens[idx].meta.get("paper_ref")
    if ref is None:
        return self.renderToken(tokens, idx, options, env)
    known = (env.get("papers") or {}).get(ref)
    if known is None:
        return "</span>"
    return f' <span class="ref-title">({escape(known[1])})</span></a>'


def xref_plugin(md: MarkdownIt) -> None:
    """Cross-references: a link whose text is its own target takes the house form
    ("para 7"), and a link to another paper remembers its ref on its closing token."""
    md.core.ruler.push("scoper_xref", _xref_rule)
    md.add_render_rule("link_close", _render_link_close)


def _xref_rule(state: StateCore) -> None:
    if "](" not in state.src and "]:" not in state.src and "<" not in state.src:
        return  # no link written inline, by reference or as <...>: nothing to cross-refer
    from scoper.brief.xref import house_label, paper_ref

    for block in state.tokens:
        children = block.children or []
        opened: list[Token] = []
        for index, child in enumerate(children):
            if child.type == "link_open":
                opened.append(child)
                href = str(child.attrGet("href") or "")
                after = children[index + 1] if index + 1 < len(children) else None
                if href.startswith("#") and after is not None and after.type == "text":
                    label = house_label(href, after.content)
                    if label is not None:
                        after.content = label
            elif child.type == "link_close" and opened:
                ref = paper_ref(str(opened.pop().attrGet("href") or ""))
                if ref is not None:
                    child.meta["paper_ref"] = ref


@functools.cache
def make_markdown() -> MarkdownIt:
    """The one parser instance: it holds no state between documents (each parse gets its
    own env), and building it costs more than parsing a short brief."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.core.ruler.after("footnote_tail", "scoper_footnote_marks", _footnote_marks)
    # Attributes ({.sensitive}, {.chart type=bar}) are read as marks, never written into
    # the page: with nothing allowed, the plugins keep them aside in the token's meta.
    md.use(attrs_block_plugin, allowed=[])
    md.core.ruler.before("attr", "scoper_mark_lines", _mark_lines)
    md.core.ruler.after("attr", "scoper_footnote_definition_marks", _footnote_definition_marks)
    md.use(attrs_plugin, spans=True, allowed=[])
    md.use(marks_plugin)
    md.use(alerts_plugin)
    md.use(safe_links_plugin)
    md.use(numbered_plugin)
    md.use(xref_plugin)
    return md
