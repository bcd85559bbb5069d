"""What every view model shares: busy state, errors in plain words, tasks run for it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.domain.errors import AppError
from ui.tasks import UiTaskRunner

T = TypeVar("T")


class ViewModel(QObject):
    """Base of the view models.

    Signals:
        busy_changed(bool): a call of this view model started or all of them ended.
        error_raised(str): a call failed with the core's message (shown next to what failed).
    """

    busy_changed = Signal(bool)
    error_raised = Signal(str)

    def __init__(self, tasks: UiTaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._busy = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def run(
        self,
        key: str,
        call: Coroutine[Any, Any, T],
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[AppError], None] | None = None,
    ) -> None:
        """Run a core call as task ``key`` of this view model (a newer one of the same key
        replaces it); its result goes to ``on_result`` on the loop's thread, an ``AppError``
        to ``on_error`` or else :attr:`error_raised`."""

        if self._tasks.closed:
            # A timer or a late signal after the window closed: the core may be closing too.
            call.close()
            return

        async def guarded() -> None:
            self._set_busy(+1)
            try:
                result = await call
            except AppError as exc:
                if on_error is not None:
                    on_error(exc)
                else:
                    self.error_raised.emit(exc.message)
                return
            finally:
                self._set_busy(-1)
            if on_result is not None:
                on_result(result)

        task = self._tasks.start(f"{type(self).__name__}-{id(self):x}-{key}", guarded())
        # Cancelled before its first step (superseded, or the window closed): the call was
        # never awaited; close it so it is not reported as such.
        task.add_done_callback(lambda _task: call.close())

    def _set_busy(self, step: int) -> None:
        was = self.busy
        self._busy += step
        if self.busy != was:
            self.busy_changed.emit(self.busy)
