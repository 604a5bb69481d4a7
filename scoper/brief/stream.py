"""The token stream of a brief's body, with the problems found in it so far."""

from __future__ import annotations

from markdown_it.token import Token
from msgspec import Struct, field

from scoper.problems import Problem, problem

Span = tuple[int, int]
"""A run of the stream's tokens: [first, after-last)."""


class Stream(Struct):
    """markdown-it's flat tokens of a brief's body, and where they came from."""

    path: str
    """The brief, as problems name it."""
    tokens: list[Token]
    offset: int
    """The brief line of the body's first line."""
    problems: list[Problem] = field(default_factory=list)
    misspelt_marks: list[int] = field(default_factory=list)
    """Lines of an item's field named close to 'Sensitive' (``Sensitve:``): a mark the
    writer asked for and scoper cannot read, which refuses the public version."""

    def line_of(self, token: Token, fallback: int = 0) -> int:
        if token.map:
            return self.offset + token.map[0]
        return fallback

    def problem(self, line: int, rule: str, message: str) -> None:
        self.problems.append(problem(self.path, line, rule, message))

    def blocks(self, start: int, end: int) -> list[Span]:
        """Top-level blocks between start and end."""
        found = []
        index = start
        while index < end:
            if self.tokens[index].nesting == 1:
                depth, close = 0, index
                for close in range(index, end):
                    depth += self.tokens[close].nesting
                    if depth == 0:
                        break
                found.append((index, close + 1))
                index = close + 1
            else:
                found.append((index, index + 1))
                index += 1
        return found

    def run(self, spans: list[Span]) -> tuple[Token, ...]:
        """The tokens of some blocks, in order, as one run."""
        return tuple(token for start, stop in spans for token in self.tokens[start:stop])
