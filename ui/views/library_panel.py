"""The asset library panel: a lazily loaded thumbnail grid (or a list) with search and filters,
drag-and-drop upload with progress, the library's commands and a preview of the selection."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import AssetType
from ui.viewmodels.library import (
    ASSET_ROLE,
    AssetRow,
    LibraryViewModel,
    Usage,
    describe_shape,
    describe_size,
)
from ui.views.schedule_tab import InlineMessage
from ui.views.upload_progress import UploadProgress
from ui.widgets.permission import gate
from ui.widgets.thumbnail_loader import ICON_PX

EMPTY_TEXT = "No assets match. Drop files here or use Upload to add some."
SEARCH_DELAY_MS = 250
ALL_TYPES = "All types"
ALL_CATEGORIES = "All categories"


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
    """The thumbnail grid; files and folders dropped on it are emitted as paths.

    Signals:
        files_dropped(list): the local paths (``str``) dropped.
    """

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accept_files()


class DropTable(_TakesFiles, QTableView):
    """The list alternative of the grid; it takes dropped files the same way.

    Signals:
        files_dropped(list): the local paths (``str``) dropped.
    """

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accept_files()


class ChoiceDialog(QDialog):
    """A list to choose one item from (a creative); OK is enabled once one is chosen."""

    def __init__(self, title: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.choices = QListWidget()
        self.choices.setAccessibleName(title)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.choices.currentRowChanged.connect(lambda row: self.ok_button.setEnabled(row >= 0))
        self.choices.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.choices)
        layout.addWidget(self.buttons)

    def set_usages(self, usages: list[Usage]) -> None:
        self.choices.clear()
        for usage in usages:
            item = QListWidgetItem(f"{usage.title} — {usage.campaign_name}")
            item.setData(Qt.ItemDataRole.UserRole, usage)
            self.choices.addItem(item)

    def chosen(self) -> Usage | None:
        item = self.choices.currentItem()
        usage = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return usage if isinstance(usage, Usage) else None


class LibraryPanel(QWidget):
    """The workspace's assets in a thumbnail grid (or a table), searched by file name, type,
    tags, category and "Show archived"; files and folders dropped on the grid are uploaded
    with a progress row per file. Viewers see the edit controls disabled with the reason.

    Args:
        view_model: The panel's :class:`LibraryViewModel`.
    """

    def __init__(self, view_model: LibraryViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.file_dialog: QFileDialog | None = None
        self.confirmation: QMessageBox | None = None
        self.usage_dialog: ChoiceDialog | None = None
        self.attach_dialog: ChoiceDialog | None = None
        self.input_dialog: QInputDialog | None = None
        self._pending_attach: str | None = None

        # -- filters
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
        self.tag_completer = QCompleter(self.tag_model, self)
        self.tag_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tag_edit.setCompleter(self.tag_completer)
        self.category_combo = QComboBox()
        self.category_combo.setAccessibleName("Category")
        self.category_combo.addItem(ALL_CATEGORIES, "")
        self.archived_check = QCheckBox("Show archived")
        self.archived_check.setAccessibleName("Show archived")
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Result count")
        self.list_toggle = QPushButton("List view")
        self.list_toggle.setAccessibleName("List view")
        self.list_toggle.setCheckable(True)
        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 2)
        filters.addWidget(self.type_combo)
        filters.addWidget(self.tag_edit, 1)
        filters.addWidget(self.category_combo)
        filters.addWidget(self.archived_check)
        filters.addWidget(self.count_label)
        filters.addWidget(self.list_toggle)

        # -- commands
        self.upload_button = self._button("Upload")
        self.tag_button = self._button("Tag…", "Tag")
        self.category_button = self._button("Category…", "Category")
        self.archive_button = self._button("Archive")
        self.unarchive_button = self._button("Unarchive")
        self.usage_button = self._button("Show usage")
        self.attach_button = self._button("Attach to creative…", "Attach to creative")
        commands = QHBoxLayout()
        commands.addWidget(self.upload_button)
        commands.addStretch(1)
        # What acts on the selection sits beside its preview (and keeps the panel narrow).
        selection_actions = QGridLayout()
        acting = [button for button in self.buttons if button is not self.upload_button]
        for index, button in enumerate(acting):
            selection_actions.addWidget(button, index // 2, index % 2)

        # -- the views
        model = view_model.model
        self.grid = DropGrid()
        self.grid.setAccessibleName("Assets")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)
        self.grid.setBatchSize(100)
        self.grid.setWordWrap(False)
        self.grid.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.grid.setIconSize(QSize(ICON_PX, ICON_PX))
        cell = QSize(ICON_PX + 32, ICON_PX + 2 * self.fontMetrics().height())
        self.grid.setGridSize(cell)
        self.grid.setItemDelegate(GridCellDelegate(cell - QSize(4, 4), self.grid))
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setModel(model)
        self.table = DropTable()
        self.table.setAccessibleName("Assets list")
        self.table.setModel(model)
        self.table.setSelectionModel(self.grid.selectionModel())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(24, 24))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.views = QStackedWidget()
        self.views.addWidget(self.grid)
        self.views.addWidget(self.table)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAccessibleName("No assets")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()

        for view in (self.grid, self.table):
            view.files_dropped.connect(self.drop_files)

        # -- preview
        self.preview_image = QLabel()
        self.preview_image.setAccessibleName("Preview")
        self.preview_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_image.setMinimumSize(256, 256)
        self.preview_details = QLabel("Select an asset to see it here.")
        self.preview_details.setAccessibleName("Asset details")
        self.preview_details.setWordWrap(True)
        self.preview_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        preview = QWidget()
        preview_layout = QVBoxLayout(preview)
        preview_layout.addWidget(self.preview_image)
        preview_layout.addWidget(self.preview_details)
        preview_layout.addLayout(selection_actions)
        preview_layout.addStretch(1)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.empty_label)
        results_layout.addWidget(self.views, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(results)
        self.splitter.addWidget(preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        self.message = InlineMessage("Library message")
        self.progress = UploadProgress(view_model)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(commands)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filters)

        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.tag_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.type_combo.currentIndexChanged.connect(lambda _index: self._apply_filters())
        self.category_combo.currentIndexChanged.connect(lambda _index: self._apply_filters())
        self.archived_check.toggled.connect(lambda _on: self._apply_filters())
        self.list_toggle.toggled.connect(self._on_list_toggle_toggled)
        self.upload_button.clicked.connect(self._on_upload_clicked)
        self.tag_button.clicked.connect(self._on_tag_clicked)
        self.category_button.clicked.connect(self._on_category_clicked)
        self.archive_button.clicked.connect(self._on_archive_clicked)
        self.unarchive_button.clicked.connect(self._on_unarchive_clicked)
        self.usage_button.clicked.connect(self._on_usage_clicked)
        self.attach_button.clicked.connect(self._on_attach_clicked)
        self.grid.selectionModel().selectionChanged.connect(self._on_selection_changed)
        model.modelReset.connect(self._update)
        model.dataChanged.connect(self._on_model_data_changed)
        model.rowsRemoved.connect(self._on_model_rows_removed)

        view_model.results_changed.connect(self._on_results_changed)
        view_model.tags_loaded.connect(self._on_tags_loaded)
        view_model.categories_loaded.connect(self._on_categories_loaded)
        view_model.archive_checked.connect(self._on_archive_checked)
        view_model.usage_loaded.connect(self._on_usage_loaded)
        view_model.creatives_loaded.connect(self._on_creatives_loaded)
        view_model.permissions_changed.connect(self._update)
        view_model.thumbnails.loaded.connect(self._on_thumbnail_loaded)
        self.message.follow(
            (view_model.error_raised, view_model.action_refused, view_model.attached), ()
        )
        view_model.archived.connect(self._on_archived)
        self._update()

    def showEvent(self, event: QShowEvent) -> None:
        """The first search runs when the library is first shown, not at the window's start."""
        super().showEvent(event)
        if not self._view_model.loaded_once:
            self._view_model.set_filters()

    @property
    def buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.upload_button,
            self.tag_button,
            self.category_button,
            self.archive_button,
            self.unarchive_button,
            self.usage_button,
            self.attach_button,
        )

    @property
    def edit_buttons(self) -> tuple[QPushButton, ...]:
        """The controls that change the library (off for viewers)."""
        return (
            self.upload_button,
            self.tag_button,
            self.category_button,
            self.archive_button,
            self.unarchive_button,
            self.attach_button,
        )

    def selected(self) -> AssetRow | None:
        """The selected asset, if any."""
        indexes = self.grid.selectionModel().selectedIndexes()
        if not indexes:
            return None
        asset = indexes[0].data(ASSET_ROLE)
        return asset if isinstance(asset, AssetRow) else None

    def select(self, asset_id: str) -> None:
        row = self._view_model.model.row_of(asset_id)
        if row is not None:
            self.grid.setCurrentIndex(self._view_model.model.index(row, 0))

    def drop_files(self, paths: list[str]) -> None:
        """Upload files and folders (what a drop on the grid does)."""
        if not self._view_model.may_edit:
            self.message.show_text("Viewers cannot upload: ask an admin for the editor role")
            return
        if paths:
            self._view_model.upload(paths)

    # -- events ---------------------------------------------------------------------------------

    def _button(self, text: str, name: str | None = None) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name or text)
        return button

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

    def _on_list_toggle_toggled(self, on: bool) -> None:
        self.views.setCurrentWidget(self.table if on else self.grid)
        self.list_toggle.setText("Grid view" if on else "List view")
        self.list_toggle.setAccessibleName(self.list_toggle.text())

    def _on_results_changed(self, total: int) -> None:
        self.count_label.setText(f"{total} asset{'s' if total != 1 else ''}")
        self._update()

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

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update()

    def _on_model_data_changed(self, *_args: object) -> None:
        self._update()

    def _on_model_rows_removed(self, *_args: object) -> None:
        self._update()

    def _on_thumbnail_loaded(self, asset_id: str) -> None:
        asset = self.selected()
        if asset is not None and asset.id == asset_id:
            self._show_preview(asset)

    def _update(self) -> None:
        model = self._view_model.model
        empty = self._view_model.loaded_once and model.rowCount() == 0
        self.empty_label.setVisible(empty)
        asset = self.selected()
        chosen = asset is not None
        archived = asset is not None and asset.archived
        self.upload_button.setEnabled(True)
        self.tag_button.setEnabled(chosen)
        self.category_button.setEnabled(chosen)
        self.archive_button.setEnabled(chosen and not archived)
        self.unarchive_button.setEnabled(archived)
        self.usage_button.setEnabled(chosen)
        self.attach_button.setEnabled(chosen and not archived)
        gate(self.edit_buttons, self._view_model.may_edit)
        self._show_preview(asset)

    def _show_preview(self, asset: AssetRow | None) -> None:
        if asset is None:
            self.preview_image.clear()
            self.preview_details.setText("Select an asset to see it here.")
            return
        image = self._view_model.thumbnails.image(asset.id) if asset.has_thumbnail else None
        if image is not None:
            room = self.preview_image.contentsRect().size().boundedTo(image.size())
            self.preview_image.setPixmap(
                QPixmap.fromImage(image).scaled(
                    room,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.preview_image.clear()
            self.preview_image.setText("…" if asset.has_thumbnail else "No preview")
        lines = [
            f"<b>{_escape(asset.filename)}</b>",
            f"{asset.type.value}, {describe_size(asset.size)}",
        ]
        if shape := describe_shape(asset):
            lines.append(shape)
        lines.append(f"Tags: {_escape(', '.join(asset.tags)) or 'none'}")
        lines.append(f"Category: {_escape(asset.category or 'none')}")
        lines.append(
            f"Uploaded {asset.uploaded_at.astimezone():%Y-%m-%d %H:%M} by {asset.uploaded_by}"
        )
        if asset.archived:
            lines.append("Archived")
        self.preview_details.setText("<br>".join(lines))

    # -- commands -------------------------------------------------------------------------------

    def _on_upload_clicked(self) -> None:
        dialog = QFileDialog(self, "Upload to the library")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(self.drop_files)
        self.file_dialog = dialog
        dialog.open()

    def _on_tag_clicked(self) -> None:
        asset = self.selected()
        if asset is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Tag asset")
        dialog.setLabelText(f"Tags of {asset.filename}, comma separated:")
        dialog.setTextValue(", ".join(asset.tags))
        edit = dialog.findChild(QLineEdit)
        if edit is not None:
            completer = QCompleter(self.tag_model, dialog)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            edit.setCompleter(completer)
            edit.setAccessibleName("Tags")

        def chosen(text: str) -> None:
            wanted = [tag.strip() for tag in text.split(",") if tag.strip()]
            lowered = {tag.lower() for tag in wanted}
            removed = [tag for tag in asset.tags if tag not in lowered]
            self._view_model.tag(asset.id, wanted, removed)

        dialog.textValueSelected.connect(chosen)
        self.input_dialog = dialog
        dialog.open()

    def _on_category_clicked(self) -> None:
        asset = self.selected()
        if asset is None:
            return
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Asset category")
        dialog.setLabelText(f"Category of {asset.filename} (empty: none):")
        categories = [
            self.category_combo.itemData(i) for i in range(1, self.category_combo.count())
        ]
        dialog.setComboBoxItems([asset.category or "", *categories])
        dialog.setComboBoxEditable(True)
        dialog.setTextValue(asset.category or "")
        dialog.textValueSelected.connect(
            lambda text: self._view_model.set_category(asset.id, text.strip() or None)
        )
        self.input_dialog = dialog
        dialog.open()

    def _on_archive_clicked(self) -> None:
        asset = self.selected()
        if asset is not None:
            self._view_model.check_archive(asset.id)

    def _on_archive_checked(self, asset_id: str, usage: list[Usage]) -> None:
        if not usage:
            self._view_model.archive(asset_id)
            return
        asset = self._view_model.model.find(asset_id)
        name = asset.filename if asset is not None else "This asset"
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Archive an asset in use")
        box.setText(f"{name} is still used by {len(usage)} creative(s). Archive it anyway?")
        box.setInformativeText(
            "\n".join(f"• {item.title} ({item.campaign_name})" for item in usage)
        )
        archive = box.addButton("Archive", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._view_model.archive(asset_id) if button is archive else None
        )
        self.confirmation = box
        box.open()

    def _on_archived(self, _asset_id: str, text: str) -> None:
        self.message.show_text(text)

    def _on_unarchive_clicked(self) -> None:
        asset = self.selected()
        if asset is not None:
            self._view_model.unarchive(asset.id)

    def _on_usage_clicked(self) -> None:
        asset = self.selected()
        if asset is not None:
            self._view_model.show_usage(asset.id)

    def _on_usage_loaded(self, asset_id: str, usage: list[Usage]) -> None:
        if self.usage_dialog is None or not self.usage_dialog.isVisible():
            asset = self.selected()
            if asset is None or asset.id != asset_id:
                return
        if not usage:
            self.message.show_text("No creative uses this asset.")
            return
        dialog = ChoiceDialog("Creatives using the asset", "Open one of the creatives:", self)
        dialog.set_usages(usage)
        dialog.ok_button.setText("Open")
        dialog.accepted.connect(lambda: self._open_usage(dialog))
        self.usage_dialog = dialog
        dialog.open()

    def _open_usage(self, dialog: ChoiceDialog) -> None:
        usage = dialog.chosen()
        if usage is not None:
            self._view_model.open_creative(usage)

    def _on_attach_clicked(self) -> None:
        asset = self.selected()
        if asset is None:
            return
        self._pending_attach = asset.id
        self._view_model.load_creatives()

    def _on_creatives_loaded(self, choices: list[Usage]) -> None:
        asset_id = self._pending_attach
        if asset_id is None:
            return
        if not choices:
            self.message.show_text("There is no creative to attach it to yet.")
            return
        dialog = ChoiceDialog("Attach to creative", "Choose the creative to use it in:", self)
        dialog.set_usages(choices)
        dialog.ok_button.setText("Attach")

        def attach() -> None:
            usage = dialog.chosen()
            if usage is not None:
                self._view_model.attach(asset_id, usage.creative_id)

        dialog.accepted.connect(attach)
        self.attach_dialog = dialog
        dialog.open()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
