"""The asset library's rows as a Qt model: the slim ``AssetRow`` kept for each asset, the words
a row shows (size, dimensions or duration), and ``AssetListModel``, the rows of the search read a
page at a time."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from app.domain.assets import Asset
from app.domain.enums import AssetType
from ui.viewmodels.table_model import AnyIndex, RowTableModel
from ui.widgets.icons import icon

if TYPE_CHECKING:
    # Only for the annotation: the view model builds this model and imports this module.
    from ui.viewmodels.library import LibraryViewModel

ASSET_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's ``AssetRow``."""

COLUMN_SAMPLES = {
    1: "image",
    2: "1009.9 KB",
    3: "0:03 (1280×720)",
    4: "campaign, summer",
    5: "2026-12-06",
    6: "12",
}
"""The usual widest text of each column but the name (which takes the rest)."""

TYPE_ICONS = {
    AssetType.IMAGE: "image",
    AssetType.VIDEO: "film",
    AssetType.TEXT: "file-text",
    AssetType.OTHER: "file-text",
}
"""The picture of an asset without a thumbnail (a text, or a file the library cannot draw)."""


def describe_size(size: int) -> str:
    """A byte count in words a person reads (1.2 MB)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


@dataclass(frozen=True, slots=True)
class AssetRow:
    """What the library shows of an asset. A row is about 500 bytes where a whole ``Asset``
    (keys, hash, three dates, pydantic's bookkeeping) is about 3.8 KB: with 10,000 rows loaded
    that is 5 MiB instead of 38."""

    id: str
    filename: str
    type: AssetType
    size: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    tags: tuple[str, ...]
    category: str | None
    archived: bool
    has_thumbnail: bool
    uploaded_at: datetime
    uploaded_by: str

    @classmethod
    def of(cls, asset: Asset) -> AssetRow:
        return cls(
            id=asset.id,
            filename=asset.filename,
            type=asset.type,
            size=asset.size,
            width=asset.width,
            height=asset.height,
            duration_seconds=asset.duration_seconds,
            tags=tuple(sys.intern(tag) for tag in asset.tags),
            category=None if asset.category is None else sys.intern(asset.category),
            archived=asset.archived,
            has_thumbnail=asset.thumbnail_key is not None,
            uploaded_at=asset.uploaded_at,
            uploaded_by=sys.intern(asset.uploaded_by),
        )


def describe_shape(asset: AssetRow) -> str:
    """The asset's dimensions or its duration, whichever it has."""
    if asset.duration_seconds is not None:
        seconds = round(asset.duration_seconds)
        shape = f"{seconds // 60}:{seconds % 60:02d}"
        if asset.width and asset.height:
            shape += f" ({asset.width}×{asset.height})"
        return shape
    if asset.width and asset.height:
        return f"{asset.width}×{asset.height}"
    return ""


class AssetListModel(RowTableModel):
    """One row per asset of the search, newest first; more rows are read as the view scrolls
    (``canFetchMore``/``fetchMore`` ask the view model for the next page). The name column's
    decoration is the thumbnail, asked of the loader only when a view paints the item."""

    columns = ("Name", "Type", "Size", "Dimensions", "Tags", "Uploaded", "Used by")

    def __init__(self, view_model: LibraryViewModel) -> None:
        super().__init__(view_model)
        self._view_model = view_model
        self._used_by: dict[str, int] = {}
        self._positions: dict[str, int] = {}

    @property
    def assets(self) -> list[AssetRow]:
        return list(self._rows)

    def row_of(self, asset_id: str) -> int | None:
        return self._positions.get(asset_id)

    def find(self, asset_id: str) -> AssetRow | None:
        """The shown asset of that id, if it is loaded."""
        row = self.row_of(asset_id)
        return None if row is None else self._rows[row]

    def asset(self, row: int) -> AssetRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_rows(self, rows: Iterable[AssetRow]) -> None:
        super().set_rows(rows)
        self._index_from(0)

    def _index_from(self, first: int) -> None:
        """Note the rows' positions from ``first`` on (by id: a thumbnail or a change finds its
        row without scanning 10,000)."""
        if first == 0:
            self._positions = {}
        for row in range(first, len(self._rows)):
            self._positions[self._rows[row].id] = row

    def cell(self, row: Any, column: int, role: int) -> Any:
        asset: AssetRow = row
        if role == ASSET_ROLE:
            return asset
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(asset, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(asset, column)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            if not asset.has_thumbnail:
                return icon(TYPE_ICONS[asset.type])
            return self._view_model.thumbnails.icon(asset.id)
        if role == Qt.ItemDataRole.FontRole and asset.archived:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and asset.archived:
            return QGuiApplication.palette().brush(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return asset.filename
        return None

    def _text(self, asset: AssetRow, column: int) -> str:
        if column == 0:
            return asset.filename
        if column == 1:
            return asset.type.value
        if column == 2:
            return describe_size(asset.size)
        if column == 3:
            return describe_shape(asset)
        if column == 4:
            return ", ".join(asset.tags)
        if column == 5:
            return asset.uploaded_at.astimezone().strftime("%Y-%m-%d")
        used = self._used_by.get(asset.id)
        return "" if used is None else str(used)

    @staticmethod
    def _tooltip(asset: AssetRow, column: int) -> str | None:
        archived = "\nArchived" if asset.archived else ""
        if column == 0:
            return f"{asset.filename}\n{asset.type.value}, {describe_size(asset.size)}{archived}"
        if column == 5:
            return f"{asset.uploaded_at.astimezone():%Y-%m-%d %H:%M} by {asset.uploaded_by}"
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._view_model.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self._view_model.fetch_more()

    def append(self, assets: list[AssetRow]) -> None:
        fresh = [asset for asset in assets if asset.id not in self._positions]
        if not fresh:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(fresh)
        self._index_from(first)
        self.endInsertRows()

    def replace(self, asset: AssetRow) -> bool:
        row = self.row_of(asset.id)
        if row is None:
            return False
        self._rows[row] = asset
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        return True

    def remove(self, asset_id: str) -> None:
        row = self.row_of(asset_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        del self._positions[asset_id]
        self._index_from(row)
        self.endRemoveRows()

    def set_used_counts(self, asset_ids: list[str], counts: dict[str, int]) -> None:
        """The number of creatives using each of ``asset_ids`` (0 when ``counts`` lacks it)."""
        rows = []
        for asset_id in asset_ids:
            self._used_by[asset_id] = counts.get(asset_id, 0)
            row = self.row_of(asset_id)
            if row is not None:
                rows.append(row)
        if rows:
            column = len(self.columns) - 1
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column))

    def set_used_by(self, asset_id: str, count: int) -> None:
        self.set_used_counts([asset_id], {asset_id: count})

    def thumbnail_loaded(self, asset_id: str) -> None:
        row = self.row_of(asset_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
