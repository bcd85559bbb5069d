"""The asset library panel: a lazily loaded thumbnail grid (or a list) with search and filters,
drag-and-drop upload with progress, the library's commands and a preview of the selection."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelection, QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.viewmodels.asset_rows import ASSET_ROLE, AssetRow
from ui.viewmodels.library import Filters, LibraryViewModel, Usage
from ui.views.asset_dialogs import ChoiceDialog, archive_warning, category_dialog, tag_dialog
from ui.views.asset_filters import AssetFilterBar
from ui.views.asset_preview import AssetPreview
from ui.views.asset_views import DropGrid, DropTable
from ui.views.schedule_tab import InlineMessage
from ui.views.upload_progress import UploadProgress
from ui.widgets.permission import gate
from ui.widgets.thumbnail_loader import ICON_PX

EMPTY_TEXT = "The library is empty. Drop files here or use Upload to add some."
NO_MATCH_TEXT = "No assets match these filters."


class LibraryPanel(QWidget):
    """The workspace's assets in a thumbnail grid (or a table), searched by file name, type,
    tags, category and "Show archived"; files and folders dropped on the grid are uploaded
    with a progress row per file. Viewers see the edit controls disabled with the reason.

    Args:
        view_model: The panel's :class:`LibraryViewModel`.

    Attributes:
        filter_bar: the search and its filters (:class:`AssetFilterBar`).
        preview: the selected asset's picture and details (:class:`AssetPreview`).
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
        self.filter_bar = AssetFilterBar(view_model)
        self.list_toggle = QPushButton("List view")
        self.list_toggle.setAccessibleName("List view")
        self.list_toggle.setCheckable(True)
        filters = QHBoxLayout()
        filters.addWidget(self.filter_bar, 1)
        filters.addWidget(self.list_toggle)

        # -- commands
        self.upload_button = self._button("Upload")
        self.tag_button = self._button("Tag…", "Tag")
        self.category_button = self._button("Category…", "Category")
        self.archive_button = self._button("Archive")
        self.archive_button.setToolTip("Archive the selected asset (Delete)")
        self.unarchive_button = self._button("Unarchive")
        self.usage_button = self._button("Show usage")
        self.attach_button = self._button("Attach to creative…", "Attach to creative")
        commands = QHBoxLayout()
        commands.addWidget(self.upload_button)
        commands.addStretch(1)

        # -- the views
        model = view_model.model
        cell = QSize(ICON_PX + 32, ICON_PX + 3 * self.fontMetrics().height())  # names: 2 lines
        self.grid = DropGrid(model, cell)
        self.table = DropTable(model, self.grid.selectionModel())
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
        self.preview = AssetPreview(view_model.thumbnails)
        self.preview.text_wanted.connect(view_model.load_text)
        view_model.text_loaded.connect(self.preview.show_text)
        # What acts on the selection sits beside its preview (and keeps the panel narrow).
        acting = [button for button in self.buttons if button is not self.upload_button]
        for index, button in enumerate(acting):
            self.preview.commands.addWidget(button, index // 2, index % 2)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.empty_label)
        results_layout.addWidget(self.views, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(results)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        self.message = InlineMessage("Library message")
        self.progress = UploadProgress(view_model.uploads)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(commands)
        layout.addWidget(self.message)
        layout.addWidget(self.progress)
        layout.addWidget(self.splitter, 1)

        self.list_toggle.toggled.connect(self._on_list_toggle_toggled)
        self.upload_button.clicked.connect(self._on_upload_clicked)
        self.tag_button.clicked.connect(self._on_tag_clicked)
        self.category_button.clicked.connect(self._on_category_clicked)
        self.archive_button.clicked.connect(self._on_archive_clicked)
        archive_key = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.views)
        archive_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # As the button does (it warns when creatives use the asset); archiving can be undone.
        archive_key.activated.connect(
            lambda: self._on_archive_clicked() if self.archive_button.isEnabled() else None
        )
        self.unarchive_button.clicked.connect(self._on_unarchive_clicked)
        self.usage_button.clicked.connect(self._on_usage_clicked)
        self.attach_button.clicked.connect(self._on_attach_clicked)
        self.grid.selectionModel().selectionChanged.connect(self._on_selection_changed)
        model.modelReset.connect(self._update)
        model.dataChanged.connect(self._on_model_data_changed)
        model.rowsRemoved.connect(self._on_model_rows_removed)

        view_model.results_changed.connect(self._update)
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

    def _on_list_toggle_toggled(self, on: bool) -> None:
        self.views.setCurrentWidget(self.table if on else self.grid)
        self.list_toggle.setText("Grid view" if on else "List view")
        self.list_toggle.setAccessibleName(self.list_toggle.text())

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update()

    def _on_model_data_changed(self, *_args: object) -> None:
        self._update()

    def _on_model_rows_removed(self, *_args: object) -> None:
        self._update()

    def _on_thumbnail_loaded(self, asset_id: str) -> None:
        asset = self.selected()
        if asset is not None and asset.id == asset_id:
            self.preview.show_asset(asset)

    def _update(self) -> None:
        model = self._view_model.model
        empty = self._view_model.loaded_once and model.rowCount() == 0
        searched = replace(self._view_model.filters, include_archived=False) != Filters()
        self.empty_label.setText(NO_MATCH_TEXT if searched else EMPTY_TEXT)
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
        self.preview.show_asset(asset)

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
        dialog = tag_dialog(asset, self.filter_bar.tag_model, self)

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
        dialog = category_dialog(asset, self.filter_bar.categories, self)
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
        box = archive_warning(name, usage, lambda: self._view_model.archive(asset_id), self)
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
