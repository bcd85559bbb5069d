"""``Settings`` (Ctrl+,): database, media storage, providers, webhook relay, profile, appearance."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from ui.viewmodels.settings import SettingsViewModel, validate
from ui.views.settings_pages import PAGES, SettingsPages, wrapped_label
from ui.widgets.theme import THEME_MODES, ThemeMode, apply_theme

_Button = QDialogButtonBox.StandardButton


class SettingsDialog(QDialog):
    """The settings, a page each; OK/Apply save through the view model, Cancel keeps what is
    saved. Secrets are typed into password fields that only say whether a key is saved."""

    def __init__(self, view_model: SettingsViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._vm = view_model
        self._closing = False
        self.banner = wrapped_label()
        self.banner.setAccessibleName("Restart needed")
        self.form_error = wrapped_label()
        self.page_list = QListWidget()
        self.page_list.setAccessibleName("Settings pages")
        self.page_list.addItems(PAGES)
        self.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        longest = max(self.page_list.fontMetrics().horizontalAdvance(page) for page in PAGES)
        self.page_list.setFixedWidth(longest + 4 * self.page_list.fontMetrics().averageCharWidth())
        self.pages = SettingsPages()
        self.buttons = QDialogButtonBox(_Button.Ok | _Button.Cancel | _Button.Apply)
        self.ok_button = self.buttons.button(_Button.Ok)
        self.apply_button = self.buttons.button(_Button.Apply)
        for button, name in ((self.ok_button, "OK"), (self.apply_button, "Apply")):
            button.setAccessibleName(name)
        self.buttons.button(_Button.Cancel).setAccessibleName("Cancel")

        self._layout()
        self.pages.show_values(view_model.values)

        self.page_list.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.page_list.setCurrentRow(0)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.pages.test_database_button.clicked.connect(self._on_test_database_button_clicked)
        self.pages.test_storage_button.clicked.connect(self._on_test_storage_button_clicked)
        self.pages.edited.connect(self._update_buttons)
        self.pages.storage_box.currentTextChanged.connect(self._update_buttons)
        view_model.loaded.connect(self.pages.show_values)
        view_model.saved.connect(self._on_view_model_saved)
        view_model.save_failed.connect(self._on_view_model_save_failed)
        view_model.error_raised.connect(self._on_view_model_error_raised)
        view_model.appearance_changed.connect(self._on_view_model_appearance_changed)
        view_model.database_tested.connect(self._on_view_model_database_tested)
        view_model.storage_tested.connect(self._on_view_model_storage_tested)
        view_model.load()
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:
        """Open wide enough for the longest page at any text scale, within the screen."""
        super().showEvent(event)
        metrics = self.fontMetrics()
        width = max(self.sizeHint().width(), 90 * metrics.averageCharWidth())
        height = max(self.sizeHint().height(), 26 * metrics.lineSpacing())
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
        self.resize(max(width, self.width()), max(height, self.height()))

    def _layout(self) -> None:
        body = QHBoxLayout()
        body.addWidget(self.page_list)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        layout.addWidget(self.form_error)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.page_list, self.pages)
        self.setTabOrder(self.pages, self.buttons)

    def _update_buttons(self) -> None:
        values = self.pages.values()
        errors = validate(values) if values is not None else {}
        if values is None:
            errors["webhook_port"] = "A port is a number from 0 to 65535 (0: any free port)"
        self.pages.show_errors(errors)
        for button in (self.ok_button, self.apply_button):
            button.setEnabled(not errors)

    def _save(self, closing: bool) -> None:
        values = self.pages.values()
        if values is None or validate(values):
            return
        self._closing = closing
        self.form_error.hide()
        self._vm.save(values, self.pages.secrets())

    def _on_buttons_accepted(self) -> None:
        self._save(closing=True)

    def _on_apply_button_clicked(self) -> None:
        self._save(closing=False)

    def _on_test_database_button_clicked(self) -> None:
        self.pages.database_result.setText("Testing…")
        self.pages.database_result.show()
        self.pages.test_database_button.setEnabled(False)
        self._vm.test_database(self.pages.uri_edit.text())

    def _on_test_storage_button_clicked(self) -> None:
        values = self.pages.values()
        if values is None:
            return
        self.pages.storage_result.setText("Testing…")
        self.pages.storage_result.show()
        self.pages.test_storage_button.setEnabled(False)
        self._vm.test_storage(values, self.pages.secrets())

    def _on_view_model_saved(self, restart: list[str]) -> None:
        for edit in self.pages.secret_edits.values():
            if edit.text():
                edit.clear()
                edit.setPlaceholderText("saved in keyring")
        if restart:
            self.banner.setText(f"Restart Campaign Studio to use the new {', '.join(restart)}.")
            self.banner.show()
        if self._closing:
            self.accept()

    def _on_view_model_save_failed(self, message: str) -> None:
        self._closing = False
        self._on_view_model_error_raised(message)

    def _on_view_model_error_raised(self, message: str) -> None:
        self.form_error.setText(message)
        self.form_error.show()

    def _on_view_model_appearance_changed(self, mode: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and mode in THEME_MODES:
            theme: ThemeMode = mode  # type: ignore[assignment]
            apply_theme(app, theme)

    def _on_view_model_database_tested(self, ok: bool, detail: str) -> None:
        self.pages.test_database_button.setEnabled(True)
        self.pages.database_result.setText(("Connected: " if ok else "Failed: ") + detail)

    def _on_view_model_storage_tested(self, ok: bool, detail: str) -> None:
        self.pages.test_storage_button.setEnabled(True)
        self.pages.storage_result.setText(("Reachable: " if ok else "Failed: ") + detail)
