"""scoper: structured Markdown briefs in, consistently styled scoping papers out."""

__version__ = "0.1.0"
