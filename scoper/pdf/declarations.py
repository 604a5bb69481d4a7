"""WeasyPrint's C declarations, kept parsed in the user's cache.

WeasyPrint declares the C functions it calls (Pango, HarfBuzz, fontconfig, GObject) to
cffi as C source text, which cffi parses with pycparser every time WeasyPrint loads: about
a fifth of a second, first thing in every renderer, and so on the path of every one-paper
PDF. cffi's "out-of-line ABI mode" does that parse once and writes what it found as the
arguments of one constructor: the same declarations, and the same libraries opened the
same way. The first renderer to load a given WeasyPrint records the declarations it makes
and keeps them so in the user's cache (:func:`scoper.usercache.cache_folder`), in a file
named after WeasyPrint's declaring module, cffi's version and Python's; later renderers
hand WeasyPrint the kept declarations, and the text WeasyPrint declares is checked against
the kept digest as it declares it.

The file holds data only (marshalled tuples of bytes, numbers and strings, checked for
their types as they are read), never code. Anything unexpected (no private cache, more than
one declaration, an unreadable or foreign file) leaves WeasyPrint to parse its own
declarations, as it always did.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _cffi_backend  # cffi's C part: loading it is immediate, and WeasyPrint loads it anyway

KEPT_PREFIX = "declarations-"
KEPT_SUFFIX = ".marshal"


class StaleDeclarations(ImportError):
    """WeasyPrint declared something other than what was kept for it: the caller forgets
    the half-loaded WeasyPrint and loads it again, parsing its declarations itself."""


class _Declared(_cffi_backend.FFI):
    """The kept declarations, as WeasyPrint's FFI: declaring is checking."""

    expected = ""
    """The digest of the text the declarations were parsed from."""

    def cdef(
        self, csource: str, override: bool = False, packed: bool = False, pack: Any = None
    ) -> None:
        if override or packed or pack is not None or _digest(csource) != self.expected:
            raise StaleDeclarations("WeasyPrint's C declarations are not the ones kept")


@contextlib.contextmanager
def kept_declarations() -> Iterator[None]:
    """Around WeasyPrint's import: hand it its kept declarations, or keep the ones it
    makes for next time. Raises :class:`StaleDeclarations` (from the import) when what it
    declares differs from what was kept; the kept file is then removed."""
    kept = None if "weasyprint.text.ffi" in sys.modules else _kept_file()
    if kept is None:
        yield
        return
    arguments = _read(kept)
    if arguments is not None:
        with _handing(_prebuilt(*arguments), kept):
            yield
        return
    declared: list[tuple[Any, ...]] = []
    with _recording(declared):
        yield
    _keep(declared, kept)


def _kept_file() -> Path | None:
    """Where the declarations of the WeasyPrint that would be imported are kept."""
    import importlib.util

    import cffi

    from scoper.usercache import cache_folder

    try:
        spec = importlib.util.find_spec("weasyprint")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    try:
        source = (package / "text" / "ffi.py").read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(source)
    for part in (cffi.__version__, _cffi_backend.__version__, sys.version):
        key.update(b"\0" + part.encode())
    folder = cache_folder("weasyprint")
    return folder / f"{KEPT_PREFIX}{key.hexdigest()[:32]}{KEPT_SUFFIX}" if folder else None


def _read(kept: Path) -> tuple[tuple[Any, ...], dict[str, Any], str] | None:
    """The constructor's arguments and the digest of the declarations kept in ``kept``,
    or None when it is missing or not what this module writes."""
    try:
        loaded = marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 3):
        return None
    arguments, keywords, expected = loaded
    if not (
        isinstance(arguments, tuple)
        and isinstance(keywords, dict)
        and isinstance(expected, str)
        and all(isinstance(name, str) for name in keywords)
        and _plain(arguments)
        and _plain(tuple(keywords.values()))
    ):
        return None
    return arguments, keywords, expected


def _plain(value: object) -> bool:
    """Only numbers, strings and bytes, in tuples: what cffi's constructor takes (and no
    code object, which marshal could also hold)."""
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return isinstance(value, int | str | bytes) or value is None


def _prebuilt(arguments: tuple[Any, ...], keywords: dict[str, Any], expected: str) -> _Declared:
    declared = _Declared(*arguments, **keywords)
    declared.expected = expected
    return declared


@contextlib.contextmanager
def _handing(prebuilt: _Declared, kept: Path) -> Iterator[None]:
    """The first FFI made while WeasyPrint loads is ``prebuilt``."""
    import cffi

    original = cffi.FFI
    handed = False

    def first_ffi(*arguments: Any, **keywords: Any) -> Any:
        nonlocal handed
        if handed or arguments or keywords:
            return original(*arguments, **keywords)
        handed = True
        return prebuilt

    cffi.FFI = first_ffi
    try:
        yield
    except StaleDeclarations:
        with contextlib.suppress(OSError):
            kept.unlink()
        raise
    finally:
        cffi.FFI = original


@contextlib.contextmanager
def _recording(declared: list[tuple[Any, ...]]) -> Iterator[None]:
    """Every declaration made while WeasyPrint loads, added to ``declared``."""
    import cffi.api

    original = cffi.api.FFI.cdef

    def cdef(
        self: Any, csource: str, override: bool = False, packed: bool = False, pack: Any = None
    ) -> None:
        declared.append((csource, override, packed, pack))
        original(self, csource, override=override, packed=packed, pack=pack)

    cffi.api.FFI.cdef = cdef
    try:
        yield
    finally:
        cffi.api.FFI.cdef = original


def _keep(declared: list[tuple[Any, ...]], kept: Path) -> None:
    """Keep WeasyPrint's one declaration, parsed, for the next renderer (nothing when it
    made several, or with options, or it cannot be written)."""
    if len(declared) != 1:
        return
    csource, override, packed, pack = declared[0]
    if override or packed or pack is not None or not isinstance(csource, str):
        return
    try:
        arguments, keywords = _parsed(csource)
    except Exception:  # whatever this cffi makes of it: WeasyPrint parses its own, as before
        return
    data = marshal.dumps((arguments, keywords, _digest(csource)))
    temporary = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, kept)
        for older in kept.parent.glob(f"{KEPT_PREFIX}*{KEPT_SUFFIX}"):
            if older != kept:  # another WeasyPrint's, or another Python's
                older.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _parsed(csource: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments of the FFI constructor that cffi's out-of-line ABI mode writes for
    ``csource``, read from the module it writes (as literals: nothing of it is run)."""
    import ast
    import io

    import cffi

    builder = cffi.FFI()
    builder.cdef(csource)
    builder.set_source("_scoper_weasyprint_declarations", None)
    module = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):  # cffi says what it generates
        builder.emit_python_code(module)
    body = ast.parse(module.getvalue()).body
    calls = [
        node.value
        for node in body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and isinstance(node.value.func.value, ast.Name)
        and (node.value.func.value.id, node.value.func.attr) == ("_cffi_backend", "FFI")
    ]
    others = [node for node in body if not isinstance(node, ast.Import | ast.Assign)]
    if len(calls) != 1 or others or len(body) != 2:
        raise ValueError("not the one constructor cffi writes for a module of its own")
    call = calls[0]
    if any(keyword.arg is None for keyword in call.keywords):
        raise ValueError("keywords given as **mapping")
    arguments = tuple(ast.literal_eval(argument) for argument in call.args)
    keywords = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords}
    return arguments, keywords


def _digest(csource: str) -> str:
    return hashlib.sha256(csource.encode()).hexdigest()
