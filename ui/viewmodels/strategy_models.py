"""The Strategy tab's item models (version history, side-by-side diff) and its field words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from app.domain.strategies import Strategy, StrategyDraft
from ui.viewmodels.table_model import RowTableModel

StrategyIdRole = Qt.ItemDataRole.UserRole + 1
"""The strategy version's id."""
ChangedRole = Qt.ItemDataRole.UserRole + 2
"""Whether a diff row's field differs between the two versions (``bool``)."""

FIELD_LABELS = {
    "objective": "Objective",
    "target_audience": "Target audience",
    "key_messages": "Key messages",
    "channels": "Channels",
    "tone": "Tone",
    "budget": "Budget",
    "kpis": "KPIs",
    "call_to_action": "Call to action",
    "start": "Start",
    "end": "End",
    "mandatories": "Mandatories",
}
"""Every draft field in the form's order, as people call it."""

HISTORY_COLUMNS = ("Version", "Status", "Saved", "Author")


def field_words(name: str) -> str:
    """A field's name in a sentence ("tone", "KPIs")."""
    label = FIELD_LABELS.get(name, name)
    return label if label[:2].isupper() else label.lower()  # an acronym keeps its capitals


def field_text(draft: StrategyDraft, name: str) -> str:
    """What ``draft`` holds in field ``name``, as text (lists one item a line)."""
    value = getattr(draft, name)
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "\n".join(str(item) for item in value)
    if name == "budget":
        return f"{value.amount:,.2f} {value.currency}"
    return str(value)


class StrategyHistoryModel(RowTableModel):
    """The campaign's strategy versions, newest first: version, status, when saved, by whom."""

    columns = HISTORY_COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: Mapping[str, str] = {}

    def set_history(self, history: Iterable[Strategy], names: Mapping[str, str]) -> None:
        """Show ``history`` (oldest first, as the core gives it); ``names`` maps user ids to
        display names."""
        self._names = dict(names)
        self.set_rows(sorted(history, key=lambda strategy: -strategy.version))

    def strategy(self, row: int) -> Strategy:
        strategy: Strategy = self._rows[row]
        return strategy

    def row_of(self, strategy_id: str) -> int | None:
        for row, strategy in enumerate(self._rows):
            if strategy.id == strategy_id:
                return row
        return None

    def author(self, strategy: Strategy) -> str:
        return self._names.get(strategy.created_by) or strategy.created_by

    def cell(self, row: Strategy, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and row.invalidation_reason:
            return f"Invalidated: {row.invalidation_reason}"
        if role == StrategyIdRole:
            return row.id
        return None

    def _text(self, strategy: Strategy, column: int) -> str | None:
        if column == 0:
            return f"Version {strategy.version}"
        if column == 1:
            return str(strategy.status)
        if column == 2:
            return strategy.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == 3:
            return self.author(strategy)
        return None


class StrategyDiffModel(RowTableModel):
    """Two strategy versions side by side, a row per field; a changed field is bold on the
    palette's highlight tint (:data:`ChangedRole` says it too)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = ("Field", "", "")

    def compare(self, left: Strategy, right: Strategy) -> None:
        """Show ``left`` (usually the older) beside ``right``."""
        self.columns = ("Field", f"Version {left.version}", f"Version {right.version}")
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        self.set_rows(
            (
                name,
                field_text(left.draft, name),
                field_text(right.draft, name),
            )
            for name in FIELD_LABELS
        )

    def changed_fields(self) -> list[str]:
        return [name for name, left, right in self._rows if left != right]

    def cell(self, row: tuple[str, str, str], column: int, role: int) -> Any:
        name, left, right = row
        changed = left != right
        if role == Qt.ItemDataRole.DisplayRole:
            return (FIELD_LABELS[name], left, right)[column] if 0 <= column < 3 else None
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return f"{FIELD_LABELS[name]}, changed" if changed else FIELD_LABELS[name]
        if role == ChangedRole:
            return changed
        if role == Qt.ItemDataRole.FontRole and changed:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and changed:
            # Follows the theme: the palette's highlight, faint enough for its text to read.
            tint = QColor(QGuiApplication.palette().color(QPalette.ColorRole.Highlight))
            tint.setAlpha(60)
            return tint
        return None
