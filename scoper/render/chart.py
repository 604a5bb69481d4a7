"""Charts from a brief's tables of numbers, drawn as vector SVG by pygal.

A table preceded by ``{.chart type=bar highlight="2025"}`` is drawn as a bar, line or stacked
bar chart in the house colours, with the highlighted category or series in a contrasting
colour. The SVG holds no script and names nothing to fetch: pygal's own stylesheet is written
inside it, its script list is empty, and its fonts are named, never loaded. Both the HTML and
the Word writers draw charts here, so a chart is the same picture in every output.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from msgspec import Struct

from scoper.brief.figures import CHART_TYPES, ChartData

ACCENT = "#12436d"
HIGHLIGHT = "#f46a25"
SERIES = ("#12436d", "#28a197", "#801650", "#3d3d3d", "#a285d1", "#f46a25")
"""The house palette, in order; distinguishable in grey print and by colour-blind readers."""
MUTED_SERIES = "#8eb8dc"
"""Series not highlighted, when one is: the accent, lightened."""

_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
_TITLE = re.compile(rb"<title>Pygal</title>")
_UUID = re.compile(rb"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Chart(Struct, frozen=True):
    svg: bytes
    alt: str
    """What the chart shows, in words: its kind, its series and every value."""


def chart_kind(options: dict[str, str]) -> str:
    kind = options.get("type", "bar")
    return kind if kind in CHART_TYPES else "bar"


def draw(data: ChartData, options: dict[str, str], anchor: str) -> Chart:
    """The chart of ``data`` as SVG; ``anchor`` makes its ids unique and the output the
    same on every run (pygal would otherwise name it by a random id and date it). Charts
    are kept in the user's cache, keyed by everything they are drawn from: loading the
    charting library costs more than the rest of an HTML paper."""
    import hashlib
    import json

    from scoper.usercache import cache_folder, library_stamp

    key = hashlib.sha256(
        repr((data, sorted(options.items()), anchor)).encode()
        + Path(__file__).read_bytes()  # a change of this drawing code is a new chart
    ).hexdigest()
    folder = cache_folder(f"charts-{library_stamp('pygal')}")
    cached = folder / f"{key}.json" if folder else None
    if cached is not None and cached.is_file():
        from scoper.brief.svg import SvgRefused, check_svg

        try:
            kept = json.loads(cached.read_text(encoding="utf-8"))
            svg, alt = kept["svg"].encode("utf-8"), kept["alt"]
            if not isinstance(alt, str):
                raise TypeError("alt")
            check_svg(svg)  # measured like any other SVG before a renderer sees it
            return Chart(svg=svg, alt=alt)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, SvgRefused):
            pass  # made again below
    chart = _draw(data, options, anchor)
    if cached is not None:
        from scoper.output import write_atomic

        text = json.dumps({"svg": chart.svg.decode("utf-8"), "alt": chart.alt})
        with contextlib.suppress(OSError):
            write_atomic(cached, text.encode("utf-8"))
    return chart


def _draw(data: ChartData, options: dict[str, str], anchor: str) -> Chart:
    import pygal
    from pygal.style import Style

    kind = chart_kind(options)
    highlight = options.get("highlight", "").strip()
    names = [name for name, _ in data.series]
    series_highlight = highlight if highlight in names else ""
    category_highlight = highlight if highlight in data.categories else ""
    colours = tuple(
        (HIGHLIGHT if name == series_highlight else MUTED_SERIES)
        if series_highlight
        else SERIES[index % len(SERIES)]
        for index, name in enumerate(names)
    )
    style = Style(
        font_family='"Noto Sans", "DejaVu Sans", sans-serif',
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#0b0c0c",
        foreground_strong="#0b0c0c",
        foreground_subtle="#b1b4b6",
        colors=colours,
        label_font_size=14,
        major_label_font_size=14,
        value_font_size=13,
        legend_font_size=14,
        title_font_size=16,
        tooltip_font_size=12,
    )
    one = len(data.series) == 1
    chart_class = {"bar": pygal.Bar, "line": pygal.Line, "stacked-bar": pygal.StackedBar}[kind]
    chart = chart_class(
        style=style,
        js=[],
        width=800,
        height=400,
        explicit_size=False,
        show_legend=not one,
        legend_at_bottom=True,
        print_values=one and kind != "line",
        print_values_position="top",
        y_title=names[0] if one else None,
        x_title=data.heading or None,
        show_y_guides=kind == "line" or not one,
        show_x_guides=False,
        margin=12,
        spacing=10,
        truncate_label=-1,
        truncate_legend=-1,
        include_x_axis=kind != "line",
        dots_size=4,
        stroke_style={"width": 3},
        tooltip_border_radius=0,
        disable_xml_declaration=True,
    )
    chart.x_labels = data.categories
    for name, values in data.series:
        points: list[object] = []
        for category, value in zip(data.categories, values, strict=True):
            if category_highlight and category == category_highlight and value is not None:
                points.append({"value": value, "color": HIGHLIGHT})
            else:
                points.append(value)
        chart.add(name, points)
    rendered = chart.render()
    svg = rendered.encode("utf-8") if isinstance(rendered, str) else rendered
    # pygal writes its settings for its (absent) tooltip script into a script element: a
    # chart holds no script at all, and says nothing that changes from run to run.
    svg = _SCRIPT.sub(b"", _COMMENT.sub(b"", svg))
    svg = _TITLE.sub(b"", svg)
    svg = _UUID.sub(f"chart-{anchor}".encode(), svg)
    # A highlight that names no category or series highlights nothing, and is not said.
    shown = series_highlight or category_highlight
    return Chart(svg=svg, alt=describe(data, kind, shown))


def describe(data: ChartData, kind: str, highlight: str = "") -> str:
    """The chart in words, for its alt text: what it shows and how each series moves; every
    value too, while that still reads as language (a list of bare numbers does not, and the
    HTML offers the table itself)."""
    names = [name for name, _ in data.series]
    what = {"bar": "Bar chart", "line": "Line chart", "stacked-bar": "Stacked bar chart"}[kind]
    heading = f" by {data.heading.lower()}" if data.heading else ""
    span = f", {data.categories[0]} to {data.categories[-1]}" if data.categories else ""
    parts = [f"{what} of {_join(names)}{heading}{span}"]
    for name, values in data.series:
        parts.append(_trend(name if len(names) > 1 else "It", data.categories, values))
    if highlight:
        parts.append(f"The chart highlights {highlight}")
    summary = ". ".join(part for part in parts if part) + "."
    listed = "; ".join(
        (f"{name}: " if len(names) > 1 else "")
        + ", ".join(
            f"{category} {_number(value)}"
            for category, value in zip(data.categories, series, strict=True)
            if value is not None
        )
        for name, series in data.series
    )
    full = f"{summary} The values are {listed}."
    letters = sum(ch.isalpha() for ch in full)
    return full if letters / len(full) >= 0.55 else summary


def _trend(name: str, categories: list[str], values: list[float | None]) -> str:
    known = [(c, v) for c, v in zip(categories, values, strict=True) if v is not None]
    if not known:
        return ""
    (first_cat, first), (last_cat, last) = known[0], known[-1]
    top_cat, top = max(known, key=lambda pair: pair[1])
    verb = "rises" if last > first else "falls" if last < first else "stays level"
    said = f"{name} {verb} from {_number(first)} in {first_cat} to {_number(last)} in {last_cat}"
    if top_cat not in (first_cat, last_cat):
        said += f", with its highest value, {_number(top)}, in {top_cat}"
    return said


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"
