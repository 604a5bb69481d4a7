"""PDF papers: WeasyPrint is imported in :mod:`scoper.pdf.render` only, and run in worker
processes by :mod:`scoper.pdf.pool`, so that importing this package costs nothing."""
