"""FileProgress: one upload's progress, from byte counts on worker threads to growing
fractions on the event loop's thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable


class FileProgress:
    """Turns the byte counts of staging and committing one file, which arrive on worker
    threads, into growing fractions handed to ``report`` on the event loop's thread.

    Reading counts for 0.0–0.5 and storing for 0.5–1.0, but 1.0 itself is only reported by
    :meth:`finish`, once the asset is saved, so that a failure after the bytes were sent never
    shows as done. Made on the event loop's thread, whose loop it reports on.

    Args:
        report: Told each new fraction, on the event loop's thread; it should return quickly.
    """

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._last = 0.0

    def reading(self, done: int, total: int) -> None:
        """Staging has read ``done`` of ``total`` bytes (a TransferProgress, any thread)."""
        self._forward(0.5 * _share(done, total))

    def storing(self, done: int, total: int) -> None:
        """The commit has sent ``done`` of ``total`` bytes (a TransferProgress, any thread)."""
        self._forward(0.5 + 0.5 * _share(done, total))

    async def finish(self) -> None:
        """Report 1.0, and return once it (and every fraction before it) has been handed over."""
        self._forward(1.0, last=True)
        # Callbacks run in the order they were scheduled: once this future is resolved, the
        # fractions scheduled before it have been reported.
        handed_over = self._loop.create_future()
        self._loop.call_soon(handed_over.set_result, None)
        await handed_over

    def _forward(self, fraction: float, *, last: bool = False) -> None:
        with self._lock:  # check and schedule together, so fractions arrive in order
            if fraction <= self._last or (fraction >= 1.0 and not last):
                return
            self._last = fraction
            self._loop.call_soon_threadsafe(self._report, fraction)


def _share(done: int, total: int) -> float:
    """``done / total`` kept within 0.0–1.0."""
    return min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
