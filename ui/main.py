"""The desktop app's entry point — the only module that imports qasync.

``campaign-studio`` (no sub-command) lands here. It paints a start window at once (Qt only),
then imports and opens the core, replaces the start window with the main window and, once that
is closed, cancels the window's tasks and closes the core (renders in flight handed back, the
embedded database checkpointed), then exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import PySide6.QtWidgets  # qasync picks the first Qt binding it finds: PySide6 comes first
import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ui.collector import collect_on_gui_thread
from ui.views.start_window import StartWindow
from ui.widgets.theme import apply_theme, saved_theme_mode

if TYPE_CHECKING:
    from app.config import AppSettings
    from ui.main_window import MainWindow

assert PySide6.QtWidgets


def _read_sources_without_caching() -> None:
    """PySide6's import hook looks for the word "PySide6" in the source of every module
    imported after it (PYSIDE-2029, for ``from __feature__ import …``) through
    ``inspect.getsource``, which keeps every file's lines in ``linecache``: ~13 MiB and ~30 ms
    at start. The same question, answered from the file's bytes, keeps nothing. Left alone if
    a PySide6 release no longer has that hook."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None:
        return

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(original(module))

    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]


_read_sources_without_caching()

ORGANIZATION = "Campaign Studio"
APPLICATION = "Campaign Studio"
NO_DISPLAY = (
    "campaign-studio: no display to open the window on (no DISPLAY or WAYLAND_DISPLAY); "
    "on a machine without a desktop run `campaign-studio demo` or `campaign-studio worker`."
)
PAINT_WAIT_SECONDS = 1.0
QUIT_WHEN_PAINTED = "CAMPAIGN_STUDIO_QUIT_WHEN_PAINTED"
"""Set (to anything), the window prints ``painted`` on its first paint and closes: the start-up
probe that ``bench/ui_bench.py --installed`` times from outside, on a source or a frozen build."""


class _QuitWhenPainted(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, PySide6.QtWidgets.QWidget):
            watched.removeEventFilter(self)
            print("painted", flush=True)
            QTimer.singleShot(0, watched.close)
        return False


"""How long the start waits for the start window's first paint before opening the core."""

SettingsSource = Callable[[], "AppSettings"]
T = TypeVar("T")


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
    collect_on_gui_thread(app)
    return app


def run_window(
    settings: AppSettings | SettingsSource,
    on_shown: Callable[[MainWindow], None] | None = None,
) -> int:
    """Show the window on the core of ``settings`` (or of what the callable returns, read once
    the start window is painted) until it is closed; the exit status."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    app = application()
    apply_theme(app, saved_theme_mode())
    start = StartWindow()
    start.show()
    source = settings if callable(settings) else (lambda: settings)
    if on_shown is None and os.environ.get(QUIT_WHEN_PAINTED):
        probe = _QuitWhenPainted(app)
        on_shown = lambda window: window.installEventFilter(probe)  # noqa: E731
    return run_on_qt_loop(app, run_app(source, start, on_shown))


def run_on_qt_loop(app: QApplication, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a qasync loop over ``app``."""
    if sys.version_info >= (3, 12):
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(coroutine)
    result: T = qasync.run(coroutine)
    return result


async def run_app(
    settings: SettingsSource,
    start: StartWindow,
    on_shown: Callable[[MainWindow], None] | None = None,
) -> int:
    """Open the core, swap the start window for the main window, wait for it to close, then
    shut down in order: the window's tasks first, then the core (``open_core``'s exit).
    ``on_shown`` sees the main window once it is shown (tests, the start-up benchmark)."""
    painted = asyncio.get_running_loop().create_future()
    start.painted.connect(lambda: painted.done() or painted.set_result(None))
    with contextlib.suppress(TimeoutError):  # a platform that paints late: go on anyway
        await asyncio.wait_for(painted, PAINT_WAIT_SECONDS)
    # The core and the main window are imported only now, after the first paint.
    from pydantic import ValidationError

    from app.bootstrap import open_core
    from app.domain.errors import AppError
    from app.domain.validation import describe
    from app.runtime import tune_garbage_collector
    from ui.error_reporter import ErrorReporter
    from ui.main_window import MainWindow
    from ui.viewmodels.startup import choose_start

    try:
        chosen = settings()
    except (ValidationError, AppError) as exc:
        text = describe(exc) if isinstance(exc, ValidationError) else exc.message
        return await _cannot_start(start, f"the settings are invalid: {text}")
    reporter = ErrorReporter()
    previous_hook = sys.excepthook
    sys.excepthook = reporter.excepthook
    asyncio.get_running_loop().set_exception_handler(reporter.loop_exception_handler)
    try:
        async with open_core(chosen) as core:
            tune_garbage_collector()  # the app owns its process: no full-collection stalls
            last = QSettings().value("session/workspace")
            first = await choose_start(core, str(last) if last else None)
            window = MainWindow(core, first.actor, reporter=reporter)
            closed = asyncio.Event()
            window.closed.connect(closed.set)
            window.show()
            start.close()
            if first.first_run:
                window.welcome()
            if on_shown is not None:
                on_shown(window)
            await closed.wait()
            await window.shutdown()
            window.deleteLater()
    except AppError as exc:  # the core could not open (an unreachable database, …)
        return await _cannot_start(start, exc.message)
    finally:
        sys.excepthook = previous_hook
    return 0


async def _cannot_start(start: StartWindow, text: str) -> int:
    print(f"campaign-studio: {text}", file=sys.stderr)
    closed = asyncio.Event()
    start.destroyed.connect(closed.set)
    start.close_button.clicked.connect(closed.set)
    start.show_problem(text)
    start.show()
    await closed.wait()
    return 2
