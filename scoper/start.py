"""The command's entry point: a build of one paper's PDF starts its renderer first of all.

A paper's PDF waits, from start to finish, on its renderer process: the renderer loads
WeasyPrint (a quarter of a second), then lays the paper out, while the command reads and
checks the brief beside it and is done long before. Whatever the command loads before it
starts the renderer (Click and the command line, the process pool) is on the PDF's path.
So this module looks at the command line before anything is loaded, and when it asks for
the PDF of one brief, starts the renderer at once; then the command runs as always
(:mod:`scoper.cli`), and uses it. A guess that turns out wrong (the brief has errors, say)
costs only a renderer that is stopped unused.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

BUILD_VALUE_OPTIONS = frozenset({"-o", "--output", "--format", "--timeout", "--pdf-variant"})
"""The options of ``scoper build`` that take a value (tests/test_cli.py checks this list
against the command's own)."""


def main() -> None:
    from scoper import collect_less

    collect_less()  # the render and check workers are forked from this process
    renderer = None
    if one_pdf(sys.argv[1:]):
        from scoper.pdf.pool import PdfPool

        renderer = PdfPool(1, papers=1, repair_here=True)
    from scoper.cli import main as run

    try:
        run(renderer)
    except SystemExit as end:
        _exit(end.code)
    _exit(0)


def _exit(code: object) -> NoReturn:
    """End the command without taking the interpreter apart.

    Once a command is done, everything it made is written (atomically, and synced) and its
    worker processes have stopped; what Python would do next is free every object it still
    holds, module by module, and walk them all once more for cycles: 30 to 60 ms after a
    one-paper HTML or Word build, a sixth of its time, for memory the system takes back at
    once anyway. The exit handlers registered with :mod:`atexit` still run, and what is
    printed is flushed, as on a normal exit; ``code`` is what ``sys.exit`` was given.
    """
    import threading

    pools = sys.modules.get("multiprocessing")
    if threading.active_count() > 1 or (pools is not None and pools.active_children()):
        # Something still running (a pool a command could not close, on Ctrl-C): Python's
        # own exit stops and waits for it, as it always did.
        raise SystemExit(code)
    import atexit

    atexit._run_exitfuncs()  # what exit handlers there are: logging's, the pools'
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)  # as sys.exit("message") prints it
        status = 1
    for stream in (sys.stdout, sys.stderr):
        if stream is None or stream.closed:
            continue
        try:
            stream.flush()
        except OSError:  # a reader that went away
            status = status or 120  # as Python itself exits when it cannot flush
    os._exit(status)


def one_pdf(arguments: list[str]) -> bool:
    """Whether ``arguments`` (the command line after ``scoper``) ask ``scoper build`` for
    the PDF of one brief file."""
    if not arguments or arguments[0] != "build":
        return False
    formats, paths = "all", []
    rest = iter(arguments[1:])
    for argument in rest:
        if argument in ("-h", "--help"):
            return False
        if argument == "--":
            paths += list(rest)
            break
        name, equals, value = argument.partition("=")
        if name in BUILD_VALUE_OPTIONS:
            value = value if equals else next(rest, "")
            if name == "--format":
                formats = value
        elif not argument.startswith("-"):
            paths.append(argument)
    wanted = {name.strip() for name in formats.split(",")}
    return len(paths) == 1 and os.path.isfile(paths[0]) and bool(wanted & {"pdf", "all"})
