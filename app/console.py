"""What the command line shows of failures: one plain line each, never a traceback page.

The core logs the failures of background work (a render, a claim) with their tracebacks, for
a log file or a developer. At a terminal those pages bury the one line that matters, so the
commands print each logged failure as its message and the error's own message, and a failure
that repeats is printed once a minute with a count (a full disk makes the worker fail the same
way on every turn). ``--verbose`` restores the tracebacks.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.domain.errors import AppError, DiskFull, is_disk_full

REPEAT_WINDOW_SECONDS = 60.0


def plain_message(exc: BaseException) -> str:
    """What went wrong, in the words of the error's message (for a full disk: which folder)."""
    if isinstance(exc, AppError):
        return exc.message
    if isinstance(exc, OSError) and is_disk_full(exc):
        where = Path(str(exc.filename)).parent if exc.filename else "the data folder"
        return DiskFull(where).message
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class OneLineFormatter(logging.Formatter):
    """``message: the error's message`` on one line, without the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text = f"{text}: {plain_message(record.exc_info[1])}"
        return text


class RepeatFilter(logging.Filter):
    """Lets a message through once per :data:`REPEAT_WINDOW_SECONDS`, then says how often it
    came meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[str, tuple[float, int]] = {}  # line -> (shown at, repeats since)

    def filter(self, record: logging.LogRecord) -> bool:
        line = OneLineFormatter().format(record)
        now = time.monotonic()
        shown_at, repeats = self._seen.get(line, (None, 0))
        if shown_at is not None and now - shown_at < REPEAT_WINDOW_SECONDS:
            self._seen[line] = (shown_at, repeats + 1)
            return False
        if repeats:
            record.msg = f"{record.msg} (and {repeats} more times in the last minute)"
        self._seen[line] = (now, 0)
        return True


@contextmanager
def console_logging(*, verbose: bool = False) -> Iterator[None]:
    """Print warnings and errors logged meanwhile to stderr, one plain line each (whole
    records with tracebacks when ``verbose``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    if verbose:
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(OneLineFormatter())
        handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
