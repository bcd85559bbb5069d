"""The ``campaign-studio`` command: the desktop window without a sub-command, else the core's
command line (the core never imports the UI, so the window is chosen here).

Only the command line's grammar is read before the window decides: the window paints before
the core is imported (``ui.main``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from app.cli_parser import build_parser, settings_from

NO_QT = (
    "campaign-studio: the desktop window needs PySide6 and qasync, which this installation "
    "lacks: pip install 'campaign-studio[ui]' (sub-commands such as demo and worker work without)."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``campaign-studio``; the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "self-test":
        try:
            from ui.self_test import main as self_test
        except ImportError as exc:
            if str(exc.name).split(".")[0] not in {"PySide6", "qasync", "shiboken6"}:
                raise
            print(NO_QT, file=sys.stderr)
            return 2
        return self_test()
    if args.command is not None:
        from app.cli import main as cli_main

        return cli_main(argv)
    try:
        from ui.main import run_window
    except ImportError as exc:
        if str(exc.name).split(".")[0] not in {"PySide6", "qasync", "shiboken6"}:
            raise
        print(NO_QT, file=sys.stderr)
        return 2
    return run_window(lambda: settings_from(args))


if __name__ == "__main__":
    sys.exit(main())
