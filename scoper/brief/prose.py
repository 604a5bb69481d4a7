"""Prose: a piece of a brief's text as a format-neutral tree.

The model keeps each piece of prose (a section's introduction, an item's text, a field's
value, the footnotes) as the markdown-it tokens the parser made of it, not as HTML, so every
output (HTML, Word, plain text for the checks) is made from the same content by its own
renderer. :mod:`scoper.render.prose` turns it into HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from msgspec import Struct


class Prose(Struct, frozen=True, dict=True):
    """A run of the brief's content, in markdown-it's flat token form.

    Block tokens come as markdown-it makes them (``paragraph_open``, ``inline``,
    ``paragraph_close``, lists, tables, callouts...). An ``inline`` token at the top level
    stands for inline text with no paragraph around it: a field's value, a table cell, or an
    item's text when it is one paragraph. Tokens are shared with the parser's stream and
    must not be changed by a renderer.
    """

    tokens: tuple[Token, ...] = ()
    """The tokens, in document order."""

    def __bool__(self) -> bool:
        return bool(self.tokens)

    @functools.cached_property
    def text(self) -> str:
        """The prose as plain text, one space between blocks: for checks and word counts."""
        parts = (_plain_block(block) for block in self.blocks())
        return " ".join(part for part in parts if part)

    def blocks(self) -> Iterator[Sequence[Token]]:
        """The top-level blocks, each as its run of tokens."""
        index = 0
        while index < len(self.tokens):
            end = block_end(self.tokens, index)
            yield self.tokens[index:end]
            index = end

    def tree(self) -> SyntaxTreeNode:
        """The prose as a tree of nodes, for writers that walk it (Word, say)."""
        return SyntaxTreeNode(list(self.tokens))


def block_end(tokens: Sequence[Token], index: int) -> int:
    """The index after the block that starts at ``index`` (its closing token's next)."""
    if tokens[index].nesting != 1:
        return index + 1
    depth = 0
    for end in range(index, len(tokens)):
        depth += tokens[end].nesting
        if depth == 0:
            return end + 1
    return len(tokens)


def plain_children(children: Sequence[Token]) -> str:
    """Inline tokens as plain text: markup dropped, an image by its alt text."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(plain_children(child.children or []))
    return "".join(parts)


def plain_inline(token: Token) -> str:
    return plain_children(token.children or [])


def _plain_block(block: Sequence[Token]) -> str:
    words = (plain_inline(token) for token in block if token.type == "inline")
    return " ".join(word for word in words if word)


def inline_token(children: list[Token], source: Token | None = None) -> Token:
    """An ``inline`` token holding ``children``: a part of a line as prose of its own."""
    token = Token("inline", "", 0, children=children)
    if source is not None:
        token.map = source.map
        token.content = source.content
    return token


def paragraph(inline: Token) -> tuple[Token, ...]:
    """A paragraph around an ``inline`` token: one that is shown as a paragraph although
    markdown-it hid its own (the first paragraph of a tight list item)."""
    return (
        Token("paragraph_open", "p", 1, block=True),
        inline,
        Token("paragraph_close", "p", -1, block=True),
    )


EMPTY = Prose()
