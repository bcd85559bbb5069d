"""Tables whose columns fit their usual text, one column taking the rest of the width.

Qt's own choices do not serve a table of many short columns: every column starts 100 px wide,
and ``ResizeToContents`` measures the rows again on every change (a live table changes every
second). Here each column is sized once from a sample of its widest usual text, and the main
column (a creative's or a file's name) takes what the others leave, never less than its own
sample, so a window too narrow for every column scrolls instead of hiding the names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

PADDING = 10
"""Pixels beside a cell's text: the style's margins and a little air."""


class ColumnFitter(QObject):
    """Sizes ``table``'s columns from ``samples`` (column: widest usual text, plus ``extra``
    pixels for an icon or a bar) and lets ``main`` take the rest of the width.

    A column is never narrower than its title with the sort arrow. The user may still drag any
    column's edge; the main column is fitted again when the table is resized.
    """

    def __init__(
        self,
        table: QTableView,
        samples: Mapping[int, str],
        *,
        main: int,
        main_sample: str,
        extra: Mapping[int, int] | None = None,
    ) -> None:
        super().__init__(table)
        self._table = table
        self._main = main
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        cells, titles = table.fontMetrics(), header.fontMetrics()
        arrow = table.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize) + 8
        model = table.model()
        for column, sample in samples.items():
            text = cells.horizontalAdvance(sample) + (extra or {}).get(column, 0)
            title = str(model.headerData(column, header.orientation()) or "")
            width = max(text, titles.horizontalAdvance(title) + arrow)
            table.setColumnWidth(column, width + PADDING)
        self.main_minimum = (
            cells.horizontalAdvance(main_sample) + (extra or {}).get(main, 0) + PADDING
        )
        # The header is as wide as the table's viewport, whatever the frame and scroll bars.
        header.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            table = self._table
            others = sum(
                table.columnWidth(column)
                for column in range(table.model().columnCount())
                if column != self._main
            )
            room = cast(QResizeEvent, event).size().width() - others
            table.setColumnWidth(self._main, max(self.main_minimum, room))
        return False
