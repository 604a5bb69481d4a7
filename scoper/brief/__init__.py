"""The brief: reading a brief file, its front matter and Markdown dialect, and the typed
model that every later stage reads (see docs/architecture.md)."""
