"""A table cell drawn as a progress bar with its percentage (a render's progress)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)


class ProgressDelegate(QStyledItemDelegate):
    """Draws the 0–100 value of ``role`` as the style's progress bar, with "42 %" on it; greyed
    where ``stopped_role`` is true (a failed or cancelled render keeps where it stopped)."""

    def __init__(self, role: int, parent: object = None, stopped_role: int | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._role = role
        self._stopped_role = stopped_role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        value = index.data(self._role)
        if not isinstance(value, int):
            super().paint(painter, option, index)
            return
        # The selection's background first, so the bar sits on the row like any other cell.
        style = option.widget.style() if option.widget is not None else QApplication.style()
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, option.widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        palette = QPalette(option.palette)
        if self._stopped_role is not None and index.data(self._stopped_role):
            bar.state &= ~QStyle.StateFlag.State_Enabled
            palette.setCurrentColorGroup(QPalette.ColorGroup.Disabled)
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.palette = palette
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = max(0, min(100, value))
        bar.text = f"{bar.progress} %"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
