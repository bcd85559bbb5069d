"""The progress of an upload: one row per file (name, bar, outcome) and a bar for all of them."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QScrollArea, QVBoxLayout, QWidget

from ui.viewmodels.asset_upload import AssetUploader

MAX_ROWS_SHOWN = 6
"""Rows visible before the list scrolls."""


class UploadProgress(QWidget):
    """Follows the uploader's signals; hidden until an upload starts. A refused file shows the
    core's reason on its row; the others go on.

    Attributes:
        overall: the bar of all files; ``summary`` the words once it ended.
        names, bars, outcomes: per file, in the order of the upload.
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
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(self._rows)
        self._scroll.setAccessibleName("Files being uploaded")
        self._scroll.setMaximumHeight(MAX_ROWS_SHOWN * 2 * self.fontMetrics().height())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overall)
        layout.addWidget(self._scroll)
        layout.addWidget(self.summary)
        self.hide()
        uploads.upload_started.connect(self._on_started)
        uploads.file_progress.connect(self._on_file_progress)
        uploads.file_done.connect(self._on_file_done)
        uploads.file_refused.connect(self._on_file_refused)
        uploads.upload_progress.connect(self._on_overall)
        uploads.upload_finished.connect(self.summary.setText)

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
        self.show()

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
            self.outcomes[position].setText(f"refused: {reason}")

    def _on_overall(self, done: int, total: int) -> None:
        self.overall.setRange(0, max(1, total) * 100)
        self.overall.setValue(done * 100)
