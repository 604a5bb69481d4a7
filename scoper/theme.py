"""The theme: where templates, stylesheets and fonts are found, and the Jinja environment."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import os
from pathlib import Path

import jinja2

FONT_FACES = (
    ("NotoSans-Regular", "normal", 400),
    ("NotoSans-Italic", "italic", 400),
    ("NotoSans-Bold", "normal", 700),
    ("NotoSans-BoldItalic", "italic", 700),
)
FONT_FAMILY = "scoper-sans"


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or ``templates/`` of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs: compiling the theme costs more than rendering
    a paper. The cache is keyed by each template's source, so an edited template is
    compiled afresh."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "scoper" / f"jinja-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


@functools.cache
def environment(theme_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme_dir),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    return env


def long_date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


@functools.cache
def stylesheet(theme_dir: Path) -> str:
    return (theme_dir / "paper.css").read_text(encoding="utf-8")


@functools.cache
def font_faces(theme_dir: Path, embed: bool) -> str:
    """@font-face rules: WOFF2 data URIs for a self-contained HTML file, or file URLs of the
    TrueType fonts for the PDF renderer (which subsets them itself)."""
    rules = []
    for name, style, weight in FONT_FACES:
        if embed:
            data = (theme_dir / "fonts" / f"{name}.woff2").read_bytes()
            src = f"url(data:font/woff2;base64,{base64.b64encode(data).decode()}) format('woff2')"
        else:
            src = f"url('{(theme_dir / 'fonts' / f'{name}.ttf').as_uri()}')"
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; font-style: {style}; "
            f"font-weight: {weight}; src: {src}; }}"
        )
    return "\n".join(rules)


def short_date(value: dt.date | None) -> str:
    """For table cells: '18 Dec 2026'."""
    return f"{value.day} {value:%b %Y}" if value else ""
