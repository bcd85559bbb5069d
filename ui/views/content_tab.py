"""The campaign panel's Content tab: creatives as cards, with their commands."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.creatives import Creative
from app.domain.enums import CreativeKind
from ui.viewmodels.content import ContentViewModel
from ui.views.asset_picker_dialog import AssetPickerDialog
from ui.views.creative_dialog import CreativeDialog, CreativeMode
from ui.widgets.creative_card_delegate import CreativeCardDelegate
from ui.widgets.permission import gate

EMPTY_TEXT = "No creatives yet — write copy or render an image"
REGENERATE_ALL_TIP = "Render every stale image and video again (select cards to choose)"
REGENERATE_SELECTED_TIP = "Render the selected cards again"


class ContentTab(QWidget):
    """Cards of the campaign's creatives (an icon-mode list view, multi-selection) under a row
    of commands: New text, New image/video, Edit, Delete, Regenerate, Attach asset…; the core's
    refusals appear in words under that row."""

    def __init__(self, view_model: ContentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_model = view_model
        self._pending_selection: str | None = None
        self._dialog: QWidget | None = None

        self.new_text_button = self._button("New text", "Write copy for this campaign")
        self.new_media_button = self._button("New image/video", "Render an image or a video")
        self.edit_button = self._button("Edit", "Edit the selected copy")
        self.delete_button = self._button("Delete", "Delete the selected creatives")
        self.regenerate_button = self._button("Regenerate", REGENERATE_ALL_TIP)
        self.attach_button = self._button("Attach asset…", "Attach a library asset")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Content error")
        self.error_label.hide()

        self.card_view = QListView()
        self.card_view.setAccessibleName("Creatives")
        self.card_view.setViewMode(QListView.ViewMode.IconMode)
        self.card_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.card_view.setMovement(QListView.Movement.Static)
        self.card_view.setUniformItemSizes(True)
        self.card_view.setSpacing(4)
        self.card_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.card_view.setItemDelegate(CreativeCardDelegate(self.card_view))
        self.card_view.setModel(view_model.model)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.card_view)

        toolbar = QHBoxLayout()
        self.edit_buttons = (
            self.new_text_button,
            self.new_media_button,
            self.edit_button,
            self.delete_button,
            self.regenerate_button,
            self.attach_button,
        )
        """Every button that changes the campaign's content (off for a viewer)."""
        buttons = self.edit_buttons
        for button in buttons:
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.stack, 1)
        for first, second in zip(buttons, [*buttons[1:], self.card_view], strict=True):
            QWidget.setTabOrder(first, second)

        self.new_text_button.clicked.connect(self._on_new_text_clicked)
        self.new_media_button.clicked.connect(self._on_new_media_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.regenerate_button.clicked.connect(self._on_regenerate_clicked)
        self.attach_button.clicked.connect(self._on_attach_clicked)
        self.card_view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.card_view.doubleClicked.connect(lambda _index: self._on_edit_clicked())
        view_model.loaded.connect(self._on_view_model_loaded)
        view_model.permissions_changed.connect(self._on_selection_changed)
        view_model.error_raised.connect(self._on_view_model_error_raised)
        view_model.campaign_changed.connect(self._on_view_model_campaign_changed)
        for done in (view_model.saved, view_model.deleted, view_model.regenerated):
            done.connect(lambda *_args: self._show_error(""))
        view_model.attached.connect(lambda _creative: self._show_error(""))
        self._on_view_model_loaded()

    # Public -----------------------------------------------------------------------------

    def selected_creatives(self) -> list[Creative]:
        rows = sorted(index.row() for index in self.card_view.selectionModel().selectedIndexes())
        return [self.view_model.model.creative(row) for row in rows]

    def select_creative(self, creative_id: str) -> None:
        """Select a creative's card (a deep link); once it is loaded if it is not yet."""
        row = self.view_model.model.row_of(creative_id)
        if row is None:
            self._pending_selection = creative_id
            return
        self._pending_selection = None
        index = self.view_model.model.index(row)
        self.card_view.setCurrentIndex(index)
        self.card_view.scrollTo(index)

    # Handlers ---------------------------------------------------------------------------

    def _on_new_text_clicked(self) -> None:
        channels = self.view_model.channels
        self._open(CreativeDialog(CreativeMode.NEW_TEXT, parent=self, channels=channels))

    def _on_new_media_clicked(self) -> None:
        view_model = self.view_model
        dialog = CreativeDialog(
            CreativeMode.NEW_MEDIA, view_model.providers, parent=self, channels=view_model.channels
        )
        self._open(dialog)

    def _on_edit_clicked(self) -> None:
        chosen = self.selected_creatives()
        if len(chosen) != 1 or chosen[0].kind is not CreativeKind.TEXT:
            return
        self._open(CreativeDialog(CreativeMode.EDIT_TEXT, creative=chosen[0], parent=self))

    def _on_delete_clicked(self) -> None:
        chosen = self.selected_creatives()
        if not chosen:
            return
        what = f"“{chosen[0].title}”" if len(chosen) == 1 else f"{len(chosen)} creatives"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete",
            f"Delete {what}? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        ids = [creative.id for creative in chosen]

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                for creative_id in ids:
                    self.view_model.delete(creative_id)

        box.finished.connect(answered)
        self._open(box)

    def _on_regenerate_clicked(self) -> None:
        chosen = self.selected_creatives()
        self.view_model.regenerate([c.id for c in chosen] if chosen else None)

    def _on_attach_clicked(self) -> None:
        chosen = self.selected_creatives()
        if len(chosen) != 1:
            return
        picker = AssetPickerDialog(self.view_model, self)
        creative_id = chosen[0].id
        picker.asset_chosen.connect(
            lambda asset_id: self.view_model.attach_asset(creative_id, asset_id)
        )
        self._open(picker)

    def _on_view_model_loaded(self) -> None:
        has_cards = self.view_model.model.rowCount() > 0
        self.stack.setCurrentWidget(self.card_view if has_cards else self.empty_label)
        if self._pending_selection is not None:
            self.select_creative(self._pending_selection)
        self._on_selection_changed()

    def _on_view_model_campaign_changed(self, _campaign_id: str | None) -> None:
        self._show_error("")
        self._on_view_model_loaded()

    def _on_view_model_error_raised(self, message: str) -> None:
        self._show_error(message)

    def _on_selection_changed(
        self, _selected: QItemSelection | None = None, _deselected: QItemSelection | None = None
    ) -> None:
        chosen = self.selected_creatives()
        campaign = self.view_model.campaign_id is not None
        for button in (self.new_text_button, self.new_media_button, self.regenerate_button):
            button.setEnabled(campaign)
        single_text = len(chosen) == 1 and chosen[0].kind is CreativeKind.TEXT
        self.edit_button.setEnabled(single_text)
        self.delete_button.setEnabled(bool(chosen))
        self.attach_button.setEnabled(len(chosen) == 1)
        self.regenerate_button.setToolTip(REGENERATE_SELECTED_TIP if chosen else REGENERATE_ALL_TIP)
        gate(self.edit_buttons, self.view_model.may_edit)

    # Helpers ----------------------------------------------------------------------------

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(tip)
        return button

    def _open(self, dialog: QWidget) -> None:
        self._dialog = dialog
        if isinstance(dialog, CreativeDialog):
            dialog.accepted.connect(lambda: self._on_creative_dialog_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]

    def _on_creative_dialog_accepted(self, dialog: CreativeDialog) -> None:
        values = dialog.values()
        title, body = values["title"] or "", values["body"] or ""
        if dialog.mode is CreativeMode.NEW_TEXT:
            self.view_model.create_text(title, body, values["channel"])
        elif dialog.mode is CreativeMode.EDIT_TEXT:
            assert dialog.creative is not None
            self.view_model.edit_text(dialog.creative.id, body)
        else:
            self.view_model.create_media(
                values["kind"] or "image",
                title,
                values["prompt"] or "",
                values["provider"],
                values["channel"],
            )

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
