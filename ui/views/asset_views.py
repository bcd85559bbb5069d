"""The views of the library's rows: the thumbnail grid and the list, which both take files and
folders dropped on them, and the delegate that gives every grid item one cell's size."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ui.viewmodels.asset_rows import ASSET_ROLE, COLUMN_SAMPLES, TYPE_ICONS, AssetRow
from ui.widgets.column_fitter import ColumnFitter
from ui.widgets.icons import symbol_icon
from ui.widgets.thumbnail_loader import ICON_PX


def _dropped_paths(event: QDropEvent) -> list[str]:
    return [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]


class GridCellDelegate(QStyledItemDelegate):
    """Every grid item is one cell's size. With uniform item sizes the view asks only the first
    item for its size; without an icon loaded yet that is one line of text, and every
    thumbnail was drawn clipped to that strip."""

    def __init__(self, size: QSize, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._size = size

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self._size

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        # QStyledItemDelegate shrinks the decoration to the icon's actual size, so a wide
        # picture (or none, for a text file) lifted its name above its neighbours'. One box
        # for every item keeps the names of a row on one line, the picture centred above.
        option.decorationSize = QSize(ICON_PX, ICON_PX)
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration
        # Names of one line and of two start on the same line, right under the picture.
        option.displayAlignment = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        asset = index.data(ASSET_ROLE)
        if isinstance(asset, AssetRow) and not asset.has_thumbnail:
            option.icon = symbol_icon(TYPE_ICONS[asset.type], ICON_PX)


class NameDelegate(QStyledItemDelegate):
    """A file name too long for its cell keeps its end and type ("service-…f544-3.png");
    the other columns (tags) keep their start."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class _TakesFiles:
    """What the grid and the list share: files and folders dropped on them are emitted as
    local paths (``files_dropped``); other drops go to the view as usual. Put before the view
    class in the bases."""

    files_dropped: Any

    def _accept_files(self: Any) -> None:
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)  # type: ignore[misc]

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)  # type: ignore[misc]

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            super().dropEvent(event)  # type: ignore[misc]


class DropGrid(_TakesFiles, QListView):
    """The thumbnail grid of ``model``'s rows, a ``cell`` each, one selected at a time; files
    and folders dropped on it are emitted as paths.

    Signals:
        files_dropped(list): the local paths (``str``) dropped.
    """

    files_dropped = Signal(list)

    def __init__(
        self, model: QAbstractItemModel, cell: QSize, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._accept_files()
        self.setAccessibleName("Assets")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(100)
        self.setWordWrap(True)  # long names take a second line, then elide
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        self.setGridSize(cell)
        self.setItemDelegate(GridCellDelegate(cell - QSize(4, 4), self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setModel(model)


class DropTable(_TakesFiles, QTableView):
    """The list alternative of the grid, a row per asset; it shares the grid's ``selection``
    (one row at a time) and takes dropped files the same way.

    Signals:
        files_dropped(list): the local paths (``str``) dropped.
    """

    files_dropped = Signal(list)

    def __init__(
        self,
        model: QAbstractItemModel,
        selection: QItemSelectionModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._accept_files()
        self.setAccessibleName("Assets list")
        self.setModel(model)
        self.setSelectionModel(selection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.setIconSize(QSize(24, 24))
        self.setWordWrap(False)
        self.setItemDelegateForColumn(0, NameDelegate(self))
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(
            max(self.iconSize().height() + 6, self.fontMetrics().height() + 8)
        )
        self.columns = ColumnFitter(
            self,
            COLUMN_SAMPLES,
            main=0,
            main_sample="teaser.png",
            extra={0: self.iconSize().width() + 6},
        )
