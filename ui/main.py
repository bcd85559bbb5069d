"""The desktop app's entry point — the only module that imports qasync.

``campaign-studio`` (no sub-command) lands here: it opens the core, shows the window and, once
the window is closed, cancels the window's tasks and closes the core (renders in flight handed
back, the embedded database checkpointed), then exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import PySide6.QtWidgets  # qasync picks the first Qt binding it finds: PySide6 comes first
import qasync
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from app.bootstrap import open_core
from app.config import AppSettings
from ui.error_reporter import ErrorReporter
from ui.main_window import MainWindow
from ui.viewmodels.startup import choose_start

assert PySide6.QtWidgets

ORGANIZATION = "Campaign Studio"
APPLICATION = "Campaign Studio"
NO_DISPLAY = (
    "campaign-studio: no display to open the window on (no DISPLAY or WAYLAND_DISPLAY); "
    "on a machine without a desktop run `campaign-studio demo` or `campaign-studio worker`."
)

log = logging.getLogger("ui")


def has_display() -> bool:
    """Whether Qt can show a window here (Linux needs X11 or Wayland, or a chosen platform)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def application() -> QApplication:
    """The one QApplication, named so that QSettings finds the saved layout."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    # The window's close ends the entry coroutine, which closes the core before Qt quits
    # (quitting first stops the loop under the core's shutdown).
    app.setQuitOnLastWindowClosed(False)
    return app


def run_window(settings: AppSettings) -> int:
    """Show the window on ``settings``' core until it is closed; the exit status."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    app = application()
    reporter = ErrorReporter()
    previous_hook = sys.excepthook
    sys.excepthook = reporter.excepthook
    try:
        return _run_on_qt_loop(app, run_app(settings, reporter))
    finally:
        sys.excepthook = previous_hook


def _run_on_qt_loop(app: QApplication, coroutine: object) -> int:
    if sys.version_info >= (3, 12):
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return int(runner.run(coroutine))  # type: ignore[arg-type]
    return int(qasync.run(coroutine))  # type: ignore[arg-type]


async def run_app(settings: AppSettings, reporter: ErrorReporter) -> int:
    """Open the core, show the window, wait for it to close, then shut down in order: the
    window's tasks first, then the core (``open_core``'s exit)."""
    asyncio.get_running_loop().set_exception_handler(reporter.loop_exception_handler)
    async with open_core(settings) as core:
        last = QSettings().value("session/workspace")
        start = await choose_start(core, str(last) if last else None)
        window = MainWindow(core, start.actor, reporter=reporter)
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        window.show()
        if start.first_run:
            window.welcome()
        await closed.wait()
        await window.shutdown()
        window.deleteLater()
    return 0
