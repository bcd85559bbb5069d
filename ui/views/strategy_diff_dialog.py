"""Two strategy versions side by side, a row per field, the changed ones highlighted."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.strategies import Strategy
from ui.viewmodels.strategy_models import FIELD_LABELS, StrategyDiffModel


class StrategyDiffDialog(QDialog):
    """Versions ``left`` and ``right`` of a strategy in two columns, one row per field; a
    changed field is bold on the palette's highlight tint, and the line above names the
    changed fields in words. Open it with ``open()``.

    Args:
        left: The version in the left column (the older one, usually).
        right: The version in the right column.
    """

    def __init__(self, left: Strategy, right: Strategy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Strategy: version {left.version} and version {right.version}")
        self.model = StrategyDiffModel(self)
        self.model.compare(left, right)
        changed = [FIELD_LABELS[name] for name in self.model.changed_fields()]
        self.summary = QLabel(
            f"Changed: {', '.join(changed)}." if changed else "The two versions are the same."
        )
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Changed fields")
        self.table = QTableView()
        self.table.setAccessibleName("Strategy versions side by side")
        self.table.setModel(self.model)
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        # Rows fit their (multi-line) text once the columns have their width.
        header.sectionResized.connect(lambda *_args: self.table.resizeRowsToContents())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        chars = self.fontMetrics().averageCharWidth()
        lines = self.fontMetrics().lineSpacing()
        self.resize(chars * 110, lines * 30)
