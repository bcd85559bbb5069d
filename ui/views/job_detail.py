"""The selected render job's detail: its error in plain words, prompt and parameters, a live
log tail, and its output (the image or video poster, played on demand, and the variants to
choose one from)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import CreativeKind, RenderStatus
from app.domain.render_jobs import RenderJob
from ui.viewmodels.render_monitor import RenderMonitorViewModel
from ui.widgets.icons import icon
from ui.widgets.permission import gate

NO_SELECTION = "Select a job to see its log, prompt and output."
VIEWERS_CANNOT_RENDER = "Viewers cannot request or change renders: ask an admin for the editor role"
"""Said on every render control a viewer sees greyed out: the variants' buttons here, and the
render monitor's own buttons."""
PREVIEW_SIZE = 200
USE_VARIANT = "Use this one"
IN_USE = "In use"
IN_USE_TIP = "The creative uses this variant now"


class JobDetail(QWidget):
    """The selected job: its error in plain words, prompt and parameters, a live log tail that
    follows while scrolled to the bottom, and its output (image, video poster, variants).

    Args:
        view_model: The render monitor's view model (the job's title, previews, variants).
    """

    def __init__(self, view_model: RenderMonitorViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.job: RenderJob | None = None
        self._selected = -1  # none shown yet
        self._previewed: str | None = None
        self.heading = QLabel(NO_SELECTION)
        self.heading.setAccessibleName("Selected render")
        self.heading.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setAccessibleName("Render error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.prompt_label = QLabel()
        self.prompt_label.setAccessibleName("Render prompt")
        self.prompt_label.setWordWrap(True)
        self.prompt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params_label = QLabel()
        self.params_label.setAccessibleName("Render parameters")
        self.params_label.setWordWrap(True)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(200)
        self.log.setAccessibleName("Render log")
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.preview = QLabel()
        self.preview.setAccessibleName("Render output preview")
        self.preview.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.play_button = QPushButton(icon("video"), "Play")
        self.play_button.setAccessibleName("Play")
        self.play_button.clicked.connect(self._on_play_clicked)
        self.variants = QWidget()
        self.variants.setAccessibleName("Render variants")
        self._variants_layout = QHBoxLayout(self.variants)
        self._variants_layout.setContentsMargins(0, 0, 0, 0)
        self.variant_buttons: list[QPushButton] = []
        self.variant_previews: dict[str, QLabel] = {}

        self.body = QWidget()  # hidden as a whole, labels included, while no job is selected
        form = QFormLayout()
        form.addRow("Prompt", self.prompt_label)
        form.addRow("Parameters", self.params_label)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(form)
        body.addWidget(QLabel("Log"))
        body.addWidget(self.log, 1)
        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addWidget(self.error_label)
        left.addWidget(self.body, 1)
        right = QVBoxLayout()
        right.addWidget(self.preview)
        right.addWidget(self.play_button)
        right.addWidget(self.variants)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right)
        view_model.preview_loaded.connect(self._on_preview_loaded)
        view_model.url_loaded.connect(self._on_url_loaded)
        view_model.in_use_changed.connect(self._on_in_use_changed)
        self.show_job(None)

    def show_job(self, job: RenderJob | None, *, selected: int = 0) -> None:
        """Show ``job`` (None: none or ``selected`` several); the same job again only updates
        what moved."""
        if job is None and self.job is None and selected == self._selected:
            return  # still nothing (or the same several) selected: every job update asks again
        self._selected = selected
        same = job is not None and self.job is not None and job.id == self.job.id
        self.job = job
        self.body.setVisible(job is not None)
        self.error_label.setVisible(job is not None)
        if job is None:
            several = f"{selected} renders selected: Cancel and Retry act on each that allows it."
            self.heading.setText(several if selected > 1 else NO_SELECTION)
            self._show_output(None)
            return
        title = self._view_model.title(job)
        self.heading.setText(f"<b>{title}</b> — {job.status.value} on {job.provider}")
        failed = job.status is RenderStatus.FAILED
        self.error_label.setText(f"Failed: {job.error}" if failed and job.error else "")
        self.error_label.setVisible(bool(self.error_label.text()))
        self.prompt_label.setText(job.prompt)
        params = ", ".join(f"{key} {value}" for key, value in sorted(job.params.items()))
        self.params_label.setText(f"{job.kind.value}; {params}" if params else job.kind.value)
        self._show_log(job, same)
        self._show_output(job)

    def _show_log(self, job: RenderJob, same: bool) -> None:
        text = "\n".join(job.logs[-200:])
        if same and self.log.toPlainText() == text:
            return
        bar = self.log.verticalScrollBar()
        following = not same or bar.value() >= bar.maximum()
        kept = bar.value()
        self.log.setPlainText(text)
        bar.setValue(bar.maximum() if following else kept)

    def _show_output(self, job: RenderJob | None) -> None:
        asset_id = job.asset_id if job is not None else None
        variants = tuple(getattr(job, "output_asset_ids", ()) or ()) if job is not None else ()
        self.preview.setVisible(asset_id is not None)
        self.play_button.setVisible(
            asset_id is not None and job is not None and job.kind is CreativeKind.VIDEO
        )
        if asset_id is None:
            self.preview.clear()
            self._previewed = None
        elif asset_id != self._previewed and job is not None:
            self._previewed = asset_id
            self.preview.setText("Loading the preview…")
            self._view_model.load_preview(job.id, asset_id)
        self._show_variants(job, variants if len(variants) > 1 else ())

    def _show_variants(self, job: RenderJob | None, variants: tuple[str, ...]) -> None:
        if tuple(self.variant_previews) == variants:
            return
        while self._variants_layout.count():
            item = self._variants_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.variant_buttons = []
        self.variant_previews = {}
        self.variants.setVisible(bool(variants))
        if job is None:
            return
        creative_id = job.creative_id
        for number, asset_id in enumerate(variants, start=1):
            box = QVBoxLayout()
            preview = QLabel("Loading…")
            preview.setAccessibleName(f"Variant {number}")
            preview.setFixedSize(PREVIEW_SIZE // 2, PREVIEW_SIZE // 2)
            preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
            preview.setLineWidth(2)
            button = QPushButton(USE_VARIANT)
            button.setAccessibleName(f"Use variant {number}")
            button.setMinimumWidth(button.sizeHint().width())  # never clipped to "Use this on"
            button.clicked.connect(
                lambda _checked=False, asset_id=asset_id: self._view_model.use_variant(
                    creative_id, asset_id
                )
            )
            holder = QWidget()
            holder.setLayout(box)
            box.addWidget(preview)
            box.addWidget(button)
            self._variants_layout.addWidget(holder)
            self.variant_buttons.append(button)
            self.variant_previews[asset_id] = preview
            self._view_model.load_preview(job.id, asset_id)
        self.mark_in_use()
        self._view_model.load_in_use(creative_id)

    def _on_in_use_changed(self, creative_id: str) -> None:
        if self.job is not None and self.job.creative_id == creative_id:
            self.mark_in_use()

    def mark_in_use(self) -> None:
        """Frame the variant the creative uses now; its button says so and is disabled."""
        if self.job is None:
            return
        in_use = self._view_model.in_use.get(self.job.creative_id)
        for button, (asset_id, preview) in zip(
            self.variant_buttons, self.variant_previews.items(), strict=True
        ):
            used = asset_id == in_use
            preview.setFrameShape(QFrame.Shape.Box if used else QFrame.Shape.NoFrame)
            preview.setAccessibleDescription("In use" if used else "")
            button.setText(IN_USE if used else USE_VARIANT)
            button.setEnabled(not used)
            button.setToolTip(IN_USE_TIP if used else "")
            gate([button], self._view_model.may_edit, VIEWERS_CANNOT_RENDER)

    def _on_preview_loaded(self, job_id: str, asset_id: str, data: object) -> None:
        if self.job is None or self.job.id != job_id:
            return
        labels = [self.variant_previews[asset_id]] if asset_id in self.variant_previews else []
        if asset_id == self.job.asset_id:
            labels.append(self.preview)
        for label in labels:
            pixmap = QPixmap()
            if isinstance(data, bytes) and pixmap.loadFromData(data):
                label.setPixmap(
                    pixmap.scaled(
                        label.size(),
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            else:
                label.setText("No preview")

    def _on_play_clicked(self) -> None:
        if self.job is not None and self.job.asset_id is not None:
            self._view_model.open_output(self.job.asset_id)

    def _on_url_loaded(self, asset_id: str, url: str) -> None:
        QDesktopServices.openUrl(QUrl(url))
