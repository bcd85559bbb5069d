"""The library's preview pane: the selected asset's picture and its details, above the
commands that act on the selection."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.domain.enums import AssetType
from ui.viewmodels.asset_rows import AssetRow, describe_shape, describe_size
from ui.widgets.thumbnail_loader import ThumbnailLoader

NOTHING_SELECTED = "Select an asset to see it here."


class AssetPreview(QWidget):
    """An asset's thumbnail at full size (as far as the pane has room), or a text's words, and
    what is known of it: type, size, dimensions or duration, tags, category, who uploaded it
    and when.

    Signals:
        text_wanted(str): a text asset is shown: its words are wanted (see :meth:`show_text`).

    Attributes:
        image: the picture ("…" while its thumbnail loads, "No preview" without one).
        words: a text asset's beginning, read-only.
        details: the asset's details, in rich text.
        commands: where the panel puts the commands that act on the selected asset.
    """

    text_wanted = Signal(str)

    def __init__(self, thumbnails: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._text_of: str | None = None
        self.image = QLabel()
        self.image.setAccessibleName("Preview")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(256, 256)
        self.words = QPlainTextEdit()
        self.words.setAccessibleName("Text preview")
        self.words.setReadOnly(True)
        self.words.setMinimumSize(256, 160)
        self.words.hide()
        self.details = QLabel(NOTHING_SELECTED)
        self.details.setAccessibleName("Asset details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.commands = QGridLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.image)
        layout.addWidget(self.words)
        layout.addWidget(self.details)
        layout.addLayout(self.commands)
        layout.addStretch(1)

    def show_asset(self, asset: AssetRow | None) -> None:
        """Show ``asset`` (None: nothing is selected)."""
        text = asset is not None and asset.type is AssetType.TEXT
        self.image.setVisible(asset is not None and not text)  # no empty box above the hint
        self.words.setVisible(text)
        if asset is None:
            self.image.clear()
            self.details.setText(NOTHING_SELECTED)
            return
        if text and self._text_of != asset.id:
            self._text_of = asset.id
            self.words.setPlainText("…")
            self.text_wanted.emit(asset.id)
        image = self._thumbnails.image(asset.id) if asset.has_thumbnail else None
        if image is not None:
            room = self.image.contentsRect().size().boundedTo(image.size())
            self.image.setPixmap(
                QPixmap.fromImage(image).scaled(
                    room,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.image.clear()
            self.image.setText("…" if asset.has_thumbnail else "No preview")
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
        self.details.setText("<br>".join(lines))

    def show_text(self, asset_id: str, text: str) -> None:
        """The words of the text asset ``asset_id``, if it is still the one shown."""
        if asset_id == self._text_of:
            self.words.setPlainText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
