"""The dialogs of the library's commands: an asset's tags and its category to edit, the warning
before archiving an asset still in use, and a list of creatives to choose one from (to open one
that uses an asset, or to attach the asset to one)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ui.viewmodels.asset_rows import AssetRow
from ui.viewmodels.library import Usage
from ui.widgets.tag_completer import TagListCompleter


def tag_dialog(asset: AssetRow, tags: QStringListModel, parent: QWidget) -> QInputDialog:
    """The asset's tags to edit, comma separated, completed from the workspace's ``tags``."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Tag asset")
    dialog.setLabelText(f"Tags of {asset.filename}, comma separated:")
    dialog.setTextValue(", ".join(asset.tags))
    edit = dialog.findChild(QLineEdit)
    if edit is not None:
        edit.setCompleter(TagListCompleter(tags, dialog))
        edit.setAccessibleName("Tags")
    return dialog


def category_dialog(asset: AssetRow, categories: list[str], parent: QWidget) -> QInputDialog:
    """The asset's category to pick from the workspace's ``categories`` or to type anew."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Asset category")
    dialog.setLabelText(f"Category of {asset.filename} (empty: none):")
    dialog.setComboBoxItems([asset.category or "", *categories])
    dialog.setComboBoxEditable(True)
    dialog.setTextValue(asset.category or "")
    return dialog


def archive_warning(
    name: str, usage: list[Usage], archive: Callable[[], None], parent: QWidget
) -> QMessageBox:
    """Asks whether to archive ``name`` although the creatives of ``usage`` still use it;
    ``archive`` is called if the user says so."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Archive an asset in use")
    creatives = "1 creative" if len(usage) == 1 else f"{len(usage)} creatives"
    box.setText(f"{name} is still used by {creatives}. Archive it anyway?")
    box.setInformativeText("\n".join(f"• {item.title} ({item.campaign_name})" for item in usage))
    archive_button = box.addButton("Archive", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda button: archive() if button is archive_button else None)
    return box


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
