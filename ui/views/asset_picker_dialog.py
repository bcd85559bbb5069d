"""``Attach asset…``: pick an asset of the library (searched by file name) for a creative."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.assets import Asset
from app.domain.enums import AssetType
from ui.viewmodels.asset_rows import TYPE_ICONS
from ui.viewmodels.content import ContentViewModel
from ui.widgets.icons import symbol_icon

SEARCH_DELAY_MS = 200
THUMBNAIL_EM = 4


class AssetPickerDialog(QDialog):
    """A search field over the library's assets (images with their thumbnails); OK is enabled
    once one is chosen and emits :attr:`asset_chosen`.

    Signals:
        asset_chosen(str): the chosen asset's id (on OK).
    """

    asset_chosen = Signal(str)

    def __init__(self, view_model: ContentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attach an asset")
        self.setModal(True)
        self._view_model = view_model
        self.search_edit = QLineEdit()
        self.search_edit.setAccessibleName("Search assets")
        self.search_edit.setPlaceholderText("Search by file name")
        self.asset_list = QListWidget()
        self.asset_list.setAccessibleName("Assets")
        em = self.fontMetrics().height()
        self.asset_list.setIconSize(QSize(THUMBNAIL_EM * em, THUMBNAIL_EM * em))
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Attach")
        self.ok_button.setAccessibleName("Attach")
        self.ok_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.asset_list)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.search_edit, self.asset_list)
        QWidget.setTabOrder(self.asset_list, self.buttons)
        # Room for long file names and a few thumbnails, at any text size.
        self.resize(36 * em, 28 * em)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.asset_list.currentItemChanged.connect(self._on_asset_list_current_changed)
        self.asset_list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        view_model.assets_found.connect(self._on_view_model_assets_found)
        view_model.thumbnail_loaded.connect(self._on_view_model_thumbnail_loaded)
        self.search()

    def search(self) -> None:
        self._search_timer.stop()
        self._view_model.search_assets(self.search_edit.text().strip())

    def accept(self) -> None:
        item = self.asset_list.currentItem()
        if item is None:
            return
        self.asset_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        super().accept()

    def _on_view_model_assets_found(self, assets: list[Asset]) -> None:
        self.asset_list.clear()
        for asset in assets:
            item = QListWidgetItem(asset.filename)
            item.setData(Qt.ItemDataRole.UserRole, asset.id)
            item.setToolTip(f"{asset.filename} ({asset.type.value})")
            item.setIcon(symbol_icon(TYPE_ICONS[asset.type], self.asset_list.iconSize().width()))
            self.asset_list.addItem(item)
            if asset.type in (AssetType.IMAGE, AssetType.VIDEO):  # a video's is its poster
                self._view_model.load_thumbnail(asset.id)
        self.empty_label.setText("" if assets else "No assets match.")
        self.ok_button.setEnabled(self.asset_list.currentItem() is not None)

    def _on_view_model_thumbnail_loaded(self, asset_id: str, image: QImage) -> None:
        for row in range(self.asset_list.count()):
            item = self.asset_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == asset_id:
                item.setIcon(QIcon(QPixmap.fromImage(image)))

    def _on_asset_list_current_changed(self, current: QListWidgetItem | None) -> None:
        self.ok_button.setEnabled(current is not None)
