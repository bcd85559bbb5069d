"""The one global handler for the unexpected: it logs the failure and shows a report."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.domain.errors import AppError
from ui.widgets.error_report_dialog import ErrorReportDialog

log = logging.getLogger("ui")


class ErrorReporter(QObject):
    """Receives every failure no view model handled (a task's, a slot's, the loop's), logs it
    with its traceback and shows one :class:`ErrorReportDialog` listing them — the app keeps
    running.

    Signals:
        reported(object): the exception just reported.
    """

    reported = Signal(object)

    def __init__(self, parent_window: QWidget | None = None) -> None:
        super().__init__(parent_window)
        self._window = parent_window
        self._dialog: ErrorReportDialog | None = None
        self.errors: list[BaseException] = []

    def set_window(self, window: QWidget | None) -> None:
        self._window = window

    def report(self, error: BaseException) -> None:
        self.errors.append(error)
        log.error("unexpected failure", exc_info=error)
        summary = (
            error.message
            if isinstance(error, AppError)
            else f"Campaign Studio hit an unexpected problem: {type(error).__name__}: {error}"
        )
        details = "".join(traceback.format_exception(error)).rstrip()
        if self._dialog is None or not self._dialog.isVisible():
            self._dialog = ErrorReportDialog(self._window)
        self._dialog.add(summary, details)
        self._dialog.open()
        self.reported.emit(error)

    def excepthook(self, kind: type[BaseException], error: BaseException, tb: Any) -> None:
        """``sys.excepthook``: an exception escaping a Qt slot."""
        self.report(error.with_traceback(tb))

    def loop_exception_handler(self, loop: Any, context: dict[str, Any]) -> None:
        """``loop.set_exception_handler``: a failure asyncio could give to no one."""
        error = context.get("exception")
        if isinstance(error, BaseException):
            self.report(error)
        else:
            log.error("event loop: %s", context.get("message", context))
