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

The file holds data only (marshalled tuples of bytes, numbers and strings, of the shape
cffi's constructor takes, checked as they are read), never code, with a digest of its
contents that catches a file damaged on disk; it sits in the user's private cache, trusted
like the compiled templates beside it (see SECURITY.md): cffi believes what it is given. It
is used on Linux, where WeasyPrint names each library by its file name (cffi's kept form
opens a library by that name only, without the search for a short name that its parsing
form adds). Anything unexpected (no private cache, more than one declaration, a file
that is not what this module writes, an import that fails with it) leaves WeasyPrint to
parse its own declarations, as it always did, and the file is made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _cffi_backend  # cffi's C part: loading it is immediate, and WeasyPrint loads it anyway

FORMAT = b"scoper: WeasyPrint's declarations, 1\n"
"""The first line of a kept file; its number changes with what follows it."""
MAX_KEPT_BYTES = 1 << 20
"""WeasyPrint's declarations take 15 KB."""
KEYWORDS = {
    "_version": int,
    "_types": bytes,
    "_globals": tuple,
    "_struct_unions": tuple,
    "_enums": tuple,
    "_typenames": tuple,
}
"""What cffi's out-of-line constructor is given, by name: a module that cffi writes with
anything else is not kept."""


class StaleDeclarations(ImportError):
    """WeasyPrint did not load with the declarations kept for it (it declared others, or
    failed with them): the caller forgets the half-loaded WeasyPrint and loads it again,
    parsing its declarations itself."""


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
    makes for next time. Raises :class:`StaleDeclarations` (from the import) when the
    import fails with the kept declarations; the kept file is then removed."""
    kept = None if "weasyprint.text.ffi" in sys.modules else _kept_file()
    if kept is None:
        yield
        return
    try:
        arguments = _read(kept)
        prebuilt = _prebuilt(*arguments) if arguments is not None else None
    except Exception:  # a file of the right shape that cffi cannot make declarations of
        prebuilt = None
    if prebuilt is not None:
        with _handing(prebuilt, kept):
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

    if not sys.platform.startswith("linux"):
        return None
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
    key = hashlib.sha256(FORMAT + source)
    for part in (cffi.__version__, _cffi_backend.__version__, sys.version):
        key.update(b"\0" + part.encode())
    folder = cache_folder("weasyprint")
    return folder / f"declarations-{key.hexdigest()[:32]}" if folder else None


def _read(kept: Path) -> tuple[tuple[Any, ...], dict[str, Any], str] | None:
    """The constructor's arguments and the digest of the declarations kept in ``kept``,
    or None when it is missing, damaged, or not what this module writes."""
    from scoper.usercache import read_kept

    loaded = read_kept(kept, FORMAT, MAX_KEPT_BYTES)
    if not (isinstance(loaded, tuple) and len(loaded) == 3):
        return None
    arguments, keywords, expected = loaded
    if not (
        isinstance(arguments, tuple)
        and len(arguments) == 1
        and isinstance(arguments[0], str)
        and isinstance(keywords, dict)
        and isinstance(expected, str)
        and all(
            name in KEYWORDS and type(value) is KEYWORDS[name] and _plain(value)
            for name, value in keywords.items()
        )
    ):
        return None
    return arguments, keywords, expected


def _plain(value: object, depth: int = 0) -> bool:
    """Only numbers, strings and bytes, in tuples nested no deeper than cffi nests them
    (and no code object, which marshal could also hold)."""
    if isinstance(value, tuple):
        return depth < 4 and all(_plain(item, depth + 1) for item in value)
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

    # For the import's duration only, in a renderer that imports WeasyPrint before it runs
    # anything else; another FFI made meanwhile is cffi's own.
    cffi.FFI = first_ffi
    try:
        yield
    except Exception as failed:  # the declarations WeasyPrint makes, or a library it opens
        with contextlib.suppress(OSError):
            kept.unlink()
        if isinstance(failed, StaleDeclarations):
            raise
        message = f"WeasyPrint did not load with its kept declarations: {failed}"
        raise StaleDeclarations(message) from failed
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
    from scoper.usercache import keep

    # Another WeasyPrint's (a second environment's) is left: each keeps its own.
    keep(kept, FORMAT, (arguments, keywords, _digest(csource)))


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
    if any(keyword.arg not in KEYWORDS for keyword in call.keywords):
        raise ValueError("a constructor this module does not know")
    arguments = tuple(ast.literal_eval(argument) for argument in call.args)
    keywords = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords}
    return arguments, keywords


def _digest(csource: str) -> str:
    return hashlib.sha256(csource.encode()).hexdigest()
