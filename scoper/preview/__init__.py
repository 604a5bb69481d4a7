"""``scoper serve``: papers in a browser, refreshed on every save."""
