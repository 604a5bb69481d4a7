"""Drawing an SVG as a PNG (for the Word paper) in a child process with time and memory
limits, like the PDF renderer's: an SVG within the measure (scoper.brief.svg) may still
ask for an enormous canvas (``width="100000"``) or a long drawing, and a drawing library
cannot be stopped from inside."""

from __future__ import annotations

import math
import os

DRAWING_TIMEOUT = 20.0
"""Seconds one drawing may take (a chart takes well under one)."""
DRAWING_MEMORY_MB = 512
"""Megabytes one drawing may take on top of what scoper had already."""
MAX_PNG_PIXELS = 25_000_000
"""The largest picture drawn (the limit of an image in a brief): a larger canvas is
drawn smaller."""


class DrawingFailed(Exception):
    """The SVG could not be drawn; the message says why."""


class PictureFailed(Exception):
    """A brief's picture could not be drawn for the Word paper: the paper is not made."""

    def __init__(self, src: str, reason: str) -> None:
        super().__init__(f"the image '{src}' could not be drawn for the Word paper: {reason}")
        self.src = src


def svg_png(data: bytes, scale: float = 2.0, timeout: float = DRAWING_TIMEOUT) -> bytes:
    """``data`` drawn as a PNG at ``scale`` (fewer pixels if that would be more than
    MAX_PNG_PIXELS), in at most ``timeout`` seconds. Raises DrawingFailed."""
    if not hasattr(os, "fork"):  # Windows: no fork; drawn here, without the limits
        return _draw(data, scale)
    from scoper.forked import ChildFailed, Forked, TimedOut

    def draw() -> bytes | str:
        _limit(DRAWING_MEMORY_MB, timeout)
        try:
            return _draw(data, scale)
        except DrawingFailed as failed:
            return str(failed)

    try:
        result = Forked(draw).result(timeout)
    except TimedOut:
        raise DrawingFailed(f"drawing it took more than {timeout:g} seconds") from None
    except ChildFailed:
        raise DrawingFailed(f"drawing it took more than {DRAWING_MEMORY_MB} MB of memory") from None
    if isinstance(result, str):
        raise DrawingFailed(result)
    return bytes(result)


def _draw(data: bytes, scale: float) -> bytes:
    """With ``unsafe=False`` cairosvg reads no XML entities and fetches nothing an SVG
    names but ``data:`` URLs (which scoper.brief.svg has measured)."""
    import cairosvg

    try:
        width, height = _canvas(data)
        pixels = max(width, 1.0) * max(height, 1.0) * scale * scale
        if pixels > MAX_PNG_PIXELS:
            scale *= math.sqrt(MAX_PNG_PIXELS / pixels)
        png = cairosvg.svg2png(bytestring=data, unsafe=False, scale=scale)
    except MemoryError:
        raise DrawingFailed(f"drawing it took more than {DRAWING_MEMORY_MB} MB of memory") from None
    except Exception as error:  # a drawing cairosvg cannot read
        raise DrawingFailed(f"it cannot be drawn ({type(error).__name__})") from None
    if not isinstance(png, bytes):
        raise DrawingFailed("it cannot be drawn")
    return png


def _canvas(data: bytes) -> tuple[float, float]:
    """The size the SVG asks for, in pixels, as cairosvg reads it (without drawing)."""
    from cairosvg.helpers import node_format, size
    from cairosvg.parser import Tree

    class _Reading:  # what cairosvg's size readers look at on a surface
        dpi = 96
        context_width = None
        context_height = None
        font_size = 16.0

    _Reading.font_size = size(_Reading, "12pt")
    width, height, _ = node_format(_Reading, Tree(bytestring=data, unsafe=False))
    return float(width), float(height)


def _limit(memory_mb: int, timeout: float) -> None:
    """Cap the child's address space at what it uses now plus ``memory_mb``, and its CPU
    time, should the process waiting for it be gone."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            now = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        seconds = math.ceil(timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    except (ImportError, OSError, ValueError):  # no /proc (not Linux): no cap
        pass
