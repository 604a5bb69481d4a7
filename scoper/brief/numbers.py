"""Numbered paragraphs, as papers in government are numbered: the prose paragraphs and list
items of a paper's prose sections, 1, 2, 3... through the paper, so that a reader in a
meeting can say "paragraph 7" and a brief can link to ``#para-7``.

The numbers are worked out once from the model and handed to each writer (HTML through the
Markdown renderer's env, Word through its writer) as a map from the token that opens a
numbered block to its number: the model itself stays as parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markdown_it.token import Token

from scoper.brief.model import Brief
from scoper.brief.prose import Prose

ParagraphNumbers = dict[int, int]
"""``id()`` of a ``paragraph_open`` or ``list_item_open`` token to its paragraph number."""


def numbering_on(brief: Brief, project_default: bool) -> bool:
    """The paper's own choice (front matter ``numbered-paragraphs``), else the project's."""
    chosen = brief.meta.numbered_paragraphs
    return project_default if chosen is None else chosen


def _numbered_tokens(prose: Prose) -> Iterable[Token]:
    """The top-level paragraphs (but not a paragraph that is only a picture: that is a
    figure) and the items of top-level bullet lists, in order."""
    depth = 0
    in_list = False
    tokens = prose.tokens
    for index, token in enumerate(tokens):
        if (
            depth == 0
            and token.type == "paragraph_open"
            and not _only_images(tokens, index)
            and not _table_caption(tokens, index)
        ):
            yield token
        elif depth == 0 and token.type == "bullet_list_open":
            in_list = True
        elif depth == 1 and in_list and token.type == "list_item_open":
            yield token
        depth += token.nesting
        if depth == 0:
            in_list = False


def _table_caption(tokens: Sequence[Token], index: int) -> bool:
    """A ``Table:`` paragraph right after a table is its caption, shown with it, not a
    paragraph of its own (scoper.brief.figures)."""
    inline = tokens[index + 1] if index + 1 < len(tokens) else None
    return (
        index > 0
        and tokens[index - 1].type == "table_close"
        and inline is not None
        and inline.content.lstrip().lower().startswith("table:")
    )


def _only_images(tokens: Sequence[Token], index: int) -> bool:
    inline = tokens[index + 1] if index + 1 < len(tokens) else None
    children = (
        [c for c in (inline.children or []) if c.type not in ("softbreak", "hardbreak")]
        if inline
        else []
    )
    return bool(children) and all(
        c.type == "image" or (c.type == "text" and not c.content.strip()) for c in children
    )


def paragraph_numbers(brief: Brief) -> ParagraphNumbers:
    """The number of every numbered block of ``brief``: the prose of every section (all of
    it in Summary, Background, Options, Recommendation and free sections; the introduction
    and closing prose of sections of items, whose items have their own numbers)."""
    numbers: ParagraphNumbers = {}
    for section in brief.sections:
        if section.withheld is not None:
            continue
        for prose in (section.intro, section.outro):
            for token in _numbered_tokens(prose):
                numbers[id(token)] = len(numbers) + 1
    return numbers
