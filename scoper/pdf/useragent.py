"""WeasyPrint's user-agent stylesheet without the rules that style, on every element, a
pseudo-element a paper never has.

WeasyPrint's default stylesheet gives ``::marker``, ``::footnote-call``,
``::footnote-marker``, ``::note-call``, ``::note-marker`` and ``::note-callback`` a style
on every element. A pseudo-element's style is made (and its anchor looked up) for each
element it matches, so a paper of 1,750 elements carried 10,500 styles it never used,
about 3.5% of its layout. Only a list item has a marker (``li``, the one element the
stylesheet makes a list item), and only an element floated as a footnote, or positioned
as a note, has the others. The lean copy keeps ``li::marker`` as it was (the same rule,
its weight unchanged) and leaves the rest out, which is exact for a page whose stylesheets
make no other list item, footnote or note: :func:`fits` reads the theme's stylesheets,
and scoper.pdf.render also reads a page's own styles (its ``style`` attributes and any
``<style>`` left in it); a page that links a stylesheet gets the whole default.

Nothing here imports WeasyPrint: the stylesheet is given (see scoper.pdf.render).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

UNIVERSAL_PSEUDO = (
    "marker",
    "footnote-call",
    "footnote-marker",
    "note-call",
    "note-marker",
    "note-callback",
)
"""The pseudo-elements the default stylesheet styles on every element (``::marker {...}``)."""

_NEEDS_THEM = {"list-item", "footnote", "import"}
"""Words that, in a theme's stylesheet, may make an element other than ``li`` a list item,
or an element a footnote, or bring in a stylesheet not read here (``@import``): the
default stylesheet is then used whole."""

_INHERITS_DISPLAY = {"display", "all"}
"""Properties that, set to ``inherit``, make a list item's child a list item too."""


def lean(stylesheet: Any) -> Any | None:
    """A copy of WeasyPrint's parsed default stylesheet with its rules for
    :data:`UNIVERSAL_PSEUDO` left out but for ``li::marker``; None if the stylesheet is not
    shaped as expected (another WeasyPrint), when the default is used as it is."""
    from cssselect2 import Matcher

    matcher = stylesheet.matcher
    try:
        universal = [entry for entry in matcher.other_selectors if entry[3] in UNIVERSAL_PSEUDO]
        by_name = matcher.lower_local_name_selectors
        rest = [entry for entry in matcher.other_selectors if entry[3] not in UNIVERSAL_PSEUDO]
    except (AttributeError, IndexError, TypeError):
        return None
    if sorted(entry[3] for entry in universal) != sorted(UNIVERSAL_PSEUDO):
        return None
    (marker,) = [entry for entry in universal if entry[3] == "marker"]
    kept = Matcher()
    kept.id_selectors = matcher.id_selectors
    kept.class_selectors = matcher.class_selectors
    kept.namespace_selectors = matcher.namespace_selectors
    kept.lang_attr_selectors = matcher.lang_attr_selectors
    # The same entry (its test passes any element, its specificity and order unchanged),
    # looked up for li only: li::marker is weighed against the other rules as before.
    kept.lower_local_name_selectors = {**by_name, "li": [*by_name.get("li", []), marker]}
    kept.other_selectors = rest
    kept.order = matcher.order
    copied = copy.copy(stylesheet)
    copied.matcher = kept
    return copied


@functools.cache
def fits(styles: tuple[str, ...]) -> bool:
    """:func:`fits_text`, remembered for a theme's stylesheets (the same in every paper)."""
    return fits_text(styles)


def fits_text(styles: tuple[str, ...]) -> bool:
    """Whether the lean default stylesheet lays out pages styled by ``styles`` (the theme's
    stylesheets, as text) exactly as the whole one does. It does unless one of them names
    ``list-item`` or ``footnote`` (as a word: a class so named counts too, which only
    costs the saving), uses the ``note()`` position, imports another stylesheet, or sets
    ``display`` or ``all`` to ``inherit`` (a list item's child would be one). Comments do
    not count."""
    import tinycss2

    pending = [tinycss2.parse_component_value_list(css, skip_comments=True) for css in styles]
    while pending:
        tokens = pending.pop()
        property_name = ""
        for token in tokens:
            kind = getattr(token, "type", "")
            if kind in ("ident", "at-keyword") and token.lower_value in _NEEDS_THEM:
                return False
            if kind == "function" and token.lower_name == "note":
                return False
            if kind == "ident" and token.lower_value == "inherit":
                if property_name in _INHERITS_DISPLAY:
                    return False
            elif kind == "ident":
                property_name = token.lower_value
            elif kind == "literal" and token.value in ";{}":
                property_name = ""
            if kind in ("function", "() block", "[] block", "{} block"):
                pending.append(token.arguments if kind == "function" else token.content)
    return True
