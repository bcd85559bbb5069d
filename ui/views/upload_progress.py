"""The progress of an upload: one row per file (name, bar, outcome) and a bar for all of them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.viewmodels.asset_upload import AssetUploader

MAX_ROWS_SHOWN = 6
"""Rows visible before the list scrolls."""


class UploadProgress(QWidget):
    """Follows the uploader's signals; hidden until an upload starts, and again when the user
    dismisses it once it ended. A refused file shows the core's reason on its row instead of a
    bar; the others go on.

    Attributes:
        overall: the bar of all files; ``summary`` the words once it ended.
        names, bars, outcomes: per file, in the order of the upload.
        dismiss_button: hides the finished upload's rows.
    """

    def __init__(self, uploads: AssetUploader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Upload progress")
        self.overall = QProgressBar()
        self.overall.setAccessibleName("Upload overall progress")
        self.summary = QLabel()
        self.summary.setAccessibleName("Upload summary")
        self.summary.setWordWrap(True)
        self.names: list[QLabel] = []
        self.bars: list[QProgressBar] = []
        self.outcomes: list[QLabel] = []
        self._rows = QWidget()
        self._grid = QGridLayout(self._rows)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(2, 1)  # the outcome, which may be a sentence
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(self._rows)
        self._scroll.setAccessibleName("Files being uploaded")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss upload progress")
        self.dismiss_button.setToolTip("Hide the finished upload's files")
        self.dismiss_button.clicked.connect(self.hide)
        footer = QHBoxLayout()
        footer.addWidget(self.summary, 1)
        footer.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overall)
        layout.addWidget(self._scroll)
        layout.addLayout(footer)
        self.hide()
        uploads.upload_started.connect(self._on_started)
        uploads.file_progress.connect(self._on_file_progress)
        uploads.file_done.connect(self._on_file_done)
        uploads.file_refused.connect(self._on_file_refused)
        uploads.upload_progress.connect(self._on_overall)
        uploads.upload_finished.connect(self._on_finished)

    def outcome(self, name: str) -> str:
        """What happened to the file called ``name`` (its last row), in words."""
        for label, outcome in zip(reversed(self.names), reversed(self.outcomes), strict=True):
            if label.text() == name:
                return outcome.text()
        raise KeyError(name)

    def _on_started(self, names: list[str]) -> None:
        for widgets in (self.names, self.bars, self.outcomes):
            for widget in widgets:
                widget.deleteLater()
            widgets.clear()
        for row, name in enumerate(names):
            label = QLabel(name)
            bar = QProgressBar()
            bar.setFixedWidth(14 * self.fontMetrics().averageCharWidth())
            bar.setAccessibleName(f"Upload of {name}")
            bar.setValue(0)
            outcome = QLabel("waiting")
            outcome.setAccessibleName(f"Outcome of {name}")
            outcome.setWordWrap(True)
            self._grid.addWidget(label, row, 0)
            self._grid.addWidget(bar, row, 1)
            self._grid.addWidget(outcome, row, 2)
            self.names.append(label)
            self.bars.append(bar)
            self.outcomes.append(outcome)
        self.overall.setRange(0, max(1, len(names)) * 100)
        self.overall.setValue(0)
        self.summary.setText(f"Uploading {len(names)} file{'s' if len(names) != 1 else ''}…")
        self.dismiss_button.hide()
        self._rows.adjustSize()
        shown = min(len(names), MAX_ROWS_SHOWN)
        row_height = self._rows.sizeHint().height() / max(1, len(names))
        frame = 2 * self._scroll.frameWidth()
        self._scroll.setFixedHeight(round(shown * row_height) + frame)
        self.show()

    def _on_finished(self, summary: str) -> None:
        self.summary.setText(summary)
        self.dismiss_button.show()

    def _on_file_progress(self, position: int, percent: int) -> None:
        """The file's bar, and the overall one counting in hundredths of a file."""
        if 0 <= position < len(self.bars):
            self.bars[position].setValue(percent)
            if percent == 0:
                self.outcomes[position].setText("uploading…")
            self.overall.setValue(max(self.overall.value(), position * 100 + percent))

    def _on_file_done(self, position: int, outcome: str) -> None:
        if 0 <= position < len(self.outcomes):
            self.outcomes[position].setText(outcome)

    def _on_file_refused(self, position: int, reason: str) -> None:
        if 0 <= position < len(self.outcomes):
            self.bars[position].hide()  # nothing of it was stored: no full bar
            self.outcomes[position].setText(f"refused: {reason}")

    def _on_overall(self, done: int, total: int) -> None:
        self.overall.setRange(0, max(1, total) * 100)
        self.overall.setValue(done * 100)
