"""Rendering the model: the theme and its Jinja environment, and the HTML papers and pack."""
