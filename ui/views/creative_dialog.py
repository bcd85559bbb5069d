"""New or edited copy, or a new image/video creative (its render is queued on OK)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from itertools import pairwise

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.creatives import Creative

DEFAULT_PROVIDER = "(the default)"
ALL_CHANNELS = "(every channel)"


class CreativeMode(StrEnum):
    NEW_TEXT = "new_text"
    EDIT_TEXT = "edit_text"
    NEW_MEDIA = "new_media"


class CreativeDialog(QDialog):
    """Asks for a creative's title and copy (text) or kind, title, prompt and provider (media);
    OK stays disabled until what it needs is filled in. The tab reads :meth:`values` once it is
    accepted; cancelling changes nothing."""

    def __init__(
        self,
        mode: CreativeMode,
        providers: dict[str, list[str]] | None = None,
        creative: Creative | None = None,
        parent: QWidget | None = None,
        channels: Sequence[str] = (),
    ) -> None:
        super().__init__(parent)
        self.mode = mode
        self.creative = creative
        self._providers = providers or {}
        titles = {
            CreativeMode.NEW_TEXT: "New text creative",
            CreativeMode.EDIT_TEXT: "Edit copy",
            CreativeMode.NEW_MEDIA: "New image or video",
        }
        self.setWindowTitle(titles[mode])
        self.setModal(True)

        self.title_edit = QLineEdit(creative.title if creative else "")
        self.title_edit.setAccessibleName("Title")
        self.title_edit.setReadOnly(mode is CreativeMode.EDIT_TEXT)
        self.body_edit = QPlainTextEdit(creative.body if creative else "")
        self.body_edit.setAccessibleName("Copy")
        self.body_edit.setTabChangesFocus(True)
        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("Kind")
        self.kind_box.addItems(["image", "video"])
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setTabChangesFocus(True)
        self.provider_box = QComboBox()
        self.provider_box.setAccessibleName("Provider")
        self.channel_box = QComboBox()
        self.channel_box.setAccessibleName("Channel")
        self.channel_box.setToolTip("The channel this creative is for, or every channel")
        self.channel_box.addItems([ALL_CHANNELS, *channels])
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if mode is CreativeMode.EDIT_TEXT else "Create")
        self.ok_button.setAccessibleName(self.ok_button.text())

        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        if mode is not CreativeMode.EDIT_TEXT:
            form.addRow("C&hannel", self.channel_box)
        media = mode is CreativeMode.NEW_MEDIA
        if media:
            form.addRow("&Kind", self.kind_box)
            form.addRow("&Prompt", self.prompt_edit)
            form.addRow("Pro&vider", self.provider_box)
        else:
            form.addRow("&Copy", self.body_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        order = (
            [self.title_edit, self.channel_box, self.kind_box, self.prompt_edit, self.provider_box]
            if media
            else [self.title_edit, self.channel_box, self.body_edit]
        )
        for first, second in pairwise([*order, self.buttons]):
            QWidget.setTabOrder(first, second)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.title_edit.textChanged.connect(self._check)
        self.body_edit.textChanged.connect(self._check)
        self.prompt_edit.textChanged.connect(self._check)
        self.kind_box.currentTextChanged.connect(self._on_kind_box_changed)
        self._on_kind_box_changed(self.kind_box.currentText())

    def values(self) -> dict[str, str | None]:
        """What was entered: title, channel (None: every channel), body (copy) or kind,
        prompt, provider (None: default)."""
        provider = self.provider_box.currentText()
        channel = self.channel_box.currentText()
        return {
            "channel": None if channel in ("", ALL_CHANNELS) else channel,
            "title": self.title_edit.text().strip(),
            "body": self.body_edit.toPlainText().strip(),
            "kind": self.kind_box.currentText(),
            "prompt": self.prompt_edit.toPlainText().strip(),
            "provider": None if provider in ("", DEFAULT_PROVIDER) else provider,
        }

    def _on_kind_box_changed(self, kind: str) -> None:
        self.provider_box.clear()
        self.provider_box.addItem(DEFAULT_PROVIDER)
        self.provider_box.addItems(self._providers.get(kind, []))
        self._check()

    def _check(self) -> None:
        values = self.values()
        if not values["title"]:
            missing = "Give it a title."
        elif self.mode is CreativeMode.NEW_MEDIA and not values["prompt"]:
            missing = "Describe what to render in the prompt."
        elif self.mode is not CreativeMode.NEW_MEDIA and not values["body"]:
            missing = "Write the copy."
        else:
            missing = ""
        self.hint.setText(missing)
        self.ok_button.setEnabled(not missing)
