"""The theme: where templates, stylesheets and fonts are found, and the Jinja environment.

A project may keep a ``templates/`` folder beside its ``scoper.toml``: any file there
replaces the default theme's file of the same name, and a template there can extend the
default one as ``default/NAME`` and replace only some of its blocks.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    import jinja2

    from scoper.config import Config

FONT_FACES = (
    ("NotoSans-Regular", "normal", 400),
    ("NotoSans-Italic", "italic", 400),
    ("NotoSans-Bold", "normal", 700),
    ("NotoSans-BoldItalic", "italic", 700),
)
FONT_FAMILY = "scoper-sans"


def default_theme_dir() -> Path:
    """The default theme: inside the installed package, or ``templates/`` of a checkout."""
    here = Path(__file__).resolve().parents[1]  # the scoper package
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"


class Theme(Struct, frozen=True):
    """The default theme, and the project's overrides if it has any."""

    default: Path
    override: Path | None = None

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders the theme's files come from, the overrides first."""
        return (self.override, self.default) if self.override else (self.default,)

    def file(self, name: str) -> Path:
        for root in self.roots:
            if (root / name).is_file():
                return root / name
        return self.default / name


def theme_for(config: Config | None = None) -> Theme:
    """The theme of the project the config belongs to."""
    override = None
    if config is not None and config.path is not None:
        candidate = config.path.parent / "templates"
        override = candidate if candidate.is_dir() else None
    return Theme(default_theme_dir(), override)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    import jinja2

    """Compiled templates kept between runs: compiling the theme costs more than rendering
    a paper. The cache is keyed by each template's source, so an edited template is
    compiled afresh."""
    from scoper.usercache import cache_folder

    folder = cache_folder(f"jinja-{jinja2.__version__}")
    return jinja2.FileSystemBytecodeCache(str(folder)) if folder else None


def environment(theme: Theme) -> jinja2.Environment:
    """The Jinja environment of the theme. A new one when the override folder gains or loses
    a file: Jinja would otherwise keep serving the default template it had already loaded."""
    files: tuple[str, ...] = ()
    if theme.override:
        files = tuple(sorted(str(p.relative_to(theme.override)) for p in theme.override.rglob("*")))
    return _environment(theme, files)


@functools.cache
def _environment(theme: Theme, override_files: tuple[str, ...]) -> jinja2.Environment:
    # Loaded here, not with the module: a Word paper needs the theme but no template.
    import jinja2

    from scoper.render.prose import html_filter

    default = jinja2.FileSystemLoader(theme.default)
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({"default": default})]
    if theme.override:
        loaders.append(jinja2.FileSystemLoader(theme.override))
    loaders.append(default)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=True,  # the preview shows an edited template at once
    )
    env.filters["html"] = html_filter
    env.filters["long_date"] = long_date
    env.filters["short_date"] = short_date
    env.filters.update(_check_filters())
    return env


def _check_filters() -> dict[str, object]:
    """What the checks say, for the paper and the pack: an evidence item that is a
    partner's own claim, a paper's weakest evidence, a problem in plain words."""
    from scoper.check.qa import partner_claim, plain_words, weakest_grade

    return {
        "partner_claim": lambda item, brief: partner_claim(brief, item),
        "weakest_grade": weakest_grade,
        "plain_words": plain_words,
    }


def long_date(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def short_date(value: dt.date | None) -> str:
    """For table cells: '18 Dec 2026'."""
    return f"{value.day} {value:%b %Y}" if value else ""


def stylesheet(theme: Theme) -> str:
    path = theme.file("paper.css")
    return _read_text(path, path.stat().st_mtime_ns)


@functools.cache
def _read_text(path: Path, mtime_ns: int) -> str:
    """Keyed by modification time, so the preview sees an edited stylesheet."""
    return path.read_text(encoding="utf-8")


@functools.cache
def font_faces(theme: Theme, embed: bool) -> str:
    """@font-face rules: WOFF2 data URIs for a self-contained HTML file, or file URLs of the
    TrueType fonts for the PDF renderer (which subsets them itself)."""
    rules = []
    for name, style, weight in FONT_FACES:
        if embed:
            data = theme.file(f"fonts/{name}.woff2").read_bytes()
            src = f"url(data:font/woff2;base64,{base64.b64encode(data).decode()}) format('woff2')"
        else:
            src = f"url('{theme.file(f'fonts/{name}.ttf').as_uri()}')"
        rules.append(
            f"@font-face {{ font-family: '{FONT_FAMILY}'; font-style: {style}; "
            f"font-weight: {weight}; src: {src}; }}"
        )
    return "\n".join(rules)


MAX_LOGO_BYTES = 2_000_000
"""The logo's largest size, as the config checks it."""


@functools.cache
def data_uri(path: Path, mtime_ns: int) -> str:
    """A small file (the unit's logo) as a data: URI, so papers stay self-contained."""
    from scoper.brief.model import IMAGE_TYPES
    from scoper.brief.source import bytes_problem, read_image

    # Read and measured here, as shown: the file checked with the config may have been
    # replaced since (a regular file within the limits, read once a version).
    data = read_image(path)
    if len(data) > MAX_LOGO_BYTES or bytes_problem(data, path.suffix.lower()) is not None:
        raise ValueError(f"{path}: the logo is no longer a picture within the limits")
    mime = IMAGE_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
