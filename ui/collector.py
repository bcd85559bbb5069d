"""Python's cyclic garbage collector, run on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is
crossed: often a worker thread (a boto3 upload to R2, a file copy run by ``asyncio.to_thread``).
A cycle holding a Qt object is then freed in that thread, but a QObject must be destroyed in its
own thread: its timers cannot be unregistered from another one, and the GUI thread later fires
a timer on freed memory. Measured: a segmentation fault in ``QTimerInfoList::activateTimers``
after an R2 upload, in one run of two. Collecting from a timer on the GUI thread instead (the
collector's own thresholds, so ``app.runtime.tune_garbage_collector`` still applies) ends it.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 200
"""How often the thresholds are checked: a check is three integer comparisons."""


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects from the GUI thread's event loop instead,
    the oldest generation whose threshold was crossed (as the automatic collector would)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.collections = 0
        """How many collections this ran (for tests)."""
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the oldest generation whose count passed its threshold, if any."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                self.collections += 1
                return


def collect_on_gui_thread(parent: QObject) -> GuiThreadCollector:
    """The collector of the application ``parent`` (made once)."""
    found = parent.findChild(GuiThreadCollector)
    return found if isinstance(found, GuiThreadCollector) else GuiThreadCollector(parent)
