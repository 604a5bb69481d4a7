"""The project's expected failures: each carries the message for the user and the exit
status, and the command line handles them in one place (``scoper.cli``), as Click handles
its own usage errors."""

from __future__ import annotations


class ScoperError(Exception):
    """A failure the user can act on; never a bug. ``str(error)`` is what they read."""

    exit_code = 1
    """The command's exit status when this stops it."""
    named = True
    """Shown as ``scoper COMMAND: message``; False for a message that is a line of its own
    (``path:line: message``, or a summary)."""


class NoBriefs(ScoperError):
    """The paths named hold no brief files."""

    def __init__(self) -> None:
        super().__init__("no briefs (*.md files) found")


class Failed(ScoperError):
    """The command ran but did not succeed (a brief had errors, say); what went wrong has
    been reported already, and the message sums it up."""

    named = False
