"""PDF papers: WeasyPrint is imported in :mod:`scoper.pdf.render` only, and run in worker
processes by :mod:`scoper.pdf.pool`, so that importing this package costs nothing."""

PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")
"""The kinds of PDF: tagged for accessibility (the default), or for the record with the
brief's source attached."""
