"""The library's filter bar: the search by file name, type, tags, category and "Show archived",
with the number of assets that match."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.domain.enums import AssetType
from ui.viewmodels.library import LibraryViewModel
from ui.widgets.tag_completer import TagListCompleter

SEARCH_DELAY_MS = 250
ALL_TYPES = "All types"
ALL_CATEGORIES = "All categories"


class AssetFilterBar(QWidget):
    """Sets the view model's search as the user types (after a pause) or picks a filter, and
    offers the workspace's tags (completion) and categories as the view model reads them.

    Args:
        view_model: The library's :class:`LibraryViewModel`.
    """

    def __init__(self, view_model: LibraryViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.search_edit = QLineEdit()
        self.search_edit.setAccessibleName("Search assets")
        self.search_edit.setPlaceholderText("Search by file name")
        self.search_edit.setClearButtonEnabled(True)
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Asset type")
        self.type_combo.addItem(ALL_TYPES, None)
        for kind in AssetType:
            self.type_combo.addItem(kind.value.capitalize(), kind)
        self.tag_edit = QLineEdit()
        self.tag_edit.setAccessibleName("Filter by tags")
        self.tag_edit.setPlaceholderText("Tags, comma separated")
        self.tag_model = QStringListModel(self)
        self.tag_completer = TagListCompleter(self.tag_model, self)
        self.tag_edit.setCompleter(self.tag_completer)
        self.category_combo = QComboBox()
        self.category_combo.setAccessibleName("Category")
        self.category_combo.addItem(ALL_CATEGORIES, "")
        self.archived_check = QCheckBox("Show archived")
        self.archived_check.setAccessibleName("Show archived")
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Result count")
        layout = QHBoxLayout(self)
        # The bar sits in the panel's layout as a row of it would: no margins of its own.
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit, 2)
        layout.addWidget(self.type_combo)
        layout.addWidget(self.tag_edit, 1)
        layout.addWidget(self.category_combo)
        layout.addWidget(self.archived_check)
        layout.addWidget(self.count_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.tag_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.type_combo.currentIndexChanged.connect(lambda _index: self._apply_filters())
        self.category_combo.currentIndexChanged.connect(lambda _index: self._apply_filters())
        self.archived_check.toggled.connect(lambda _on: self._apply_filters())
        view_model.results_changed.connect(self._on_results_changed)
        view_model.tags_loaded.connect(self._on_tags_loaded)
        view_model.categories_loaded.connect(self._on_categories_loaded)

    @property
    def categories(self) -> list[str]:
        """The workspace's categories, as the filter offers them."""
        return [self.category_combo.itemData(i) for i in range(1, self.category_combo.count())]

    def _apply_filters(self) -> None:
        self._search_timer.stop()
        tags = frozenset(tag.strip() for tag in self.tag_edit.text().split(",") if tag.strip())
        kind = self.type_combo.currentData()
        self._view_model.set_filters(
            filename=self.search_edit.text(),
            types=frozenset({kind}) if kind is not None else frozenset(),
            tags=tags,
            category=self.category_combo.currentData() or "",
            include_archived=self.archived_check.isChecked(),
        )

    def _on_results_changed(self, total: int) -> None:
        self.count_label.setText(f"{total} asset{'s' if total != 1 else ''}")

    def _on_tags_loaded(self, tags: list[str]) -> None:
        self.tag_model.setStringList(tags)

    def _on_categories_loaded(self, categories: list[str]) -> None:
        current = self.category_combo.currentData()
        self.category_combo.blockSignals(True)
        self.category_combo.clear()
        self.category_combo.addItem(ALL_CATEGORIES, "")
        for category in categories:
            self.category_combo.addItem(category, category)
        index = self.category_combo.findData(current)
        self.category_combo.setCurrentIndex(max(0, index))
        self.category_combo.blockSignals(False)
