"""The ``campaign-studio`` command: the core's command line, plus the desktop window when no
sub-command is given (the core never imports the UI, so the window is handed to it here)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.cli import main as cli_main
from app.config import AppSettings

NO_QT = (
    "campaign-studio: the desktop window needs PySide6 and qasync, which this installation "
    "lacks: pip install 'campaign-studio[ui]' (sub-commands such as demo and worker work without)."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``campaign-studio``; the process exit status."""
    return cli_main(argv, open_window=open_window)


def open_window(settings: AppSettings) -> int:
    """Show the window on ``settings`` until it is closed (Qt is imported only now)."""
    try:
        from ui.main import run_window
    except ImportError as exc:
        if exc.name not in {"PySide6", "qasync"} and not str(exc.name).startswith("PySide6."):
            raise
        print(NO_QT, file=sys.stderr)
        return 2
    return run_window(settings)
