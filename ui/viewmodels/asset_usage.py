"""The library's "Used by" column: how many creatives use each loaded asset, read with each page
of the search and again, shortly after, whenever a creative changes (one may have started or
stopped using an asset)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.domain.assets import MAX_USAGE_IDS

if TYPE_CHECKING:
    from ui.viewmodels.library import LibraryViewModel

RECOUNT_DELAY_MS = 300
"""Creatives change in bursts (a strategy change marks many stale): one recount after them."""


class UsageCounter(QObject):
    """Asks the core how many creatives use the assets of ``library``'s model and puts the
    counts in the model (``set_used_counts``)."""

    def __init__(self, library: LibraryViewModel) -> None:
        super().__init__(library)
        self._library = library
        self._calls = itertools.count()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOUNT_DELAY_MS)
        self._timer.timeout.connect(self.recount)

    def count(self, asset_ids: list[str]) -> None:
        """Read the counts of ``asset_ids`` (a page of the search)."""
        library = self._library
        for start in range(0, len(asset_ids), MAX_USAGE_IDS):
            chunk = asset_ids[start : start + MAX_USAGE_IDS]
            library.run(
                f"used-by-{next(self._calls)}",
                library.core.storage.usage_counts(library.actor, chunk),
                lambda counts, chunk=chunk: library.model.set_used_counts(chunk, counts),
            )

    def recount_soon(self) -> None:
        """A creative changed: count every loaded asset again once the changes settle."""
        if not self._timer.isActive():
            self._timer.start()

    def recount(self) -> None:
        self.count([asset.id for asset in self._library.model.assets])
