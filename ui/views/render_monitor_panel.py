"""The render monitor: every render job of the workspace in a flat table, live, with the
selected job's log, prompt, error and output below."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import CreativeKind, RenderStatus
from app.domain.render_jobs import RenderJob
from ui.viewmodels.render_monitor import (
    PROGRESS,
    JobIdRole,
    ProgressRole,
    RenderMonitorViewModel,
    job_ids,
)
from ui.views.new_render_dialog import NewRenderDialog
from ui.views.schedule_tab import InlineMessage
from ui.widgets.icons import icon
from ui.widgets.permission import gate
from ui.widgets.progress_delegate import ProgressDelegate

ALL_STATUSES = "All statuses"
ALL_CAMPAIGNS = "All campaigns"
ALL_PROVIDERS = "All providers"
NO_SELECTION = "Select a job to see its log, prompt and output."
VIEWERS_CANNOT_RENDER = "Viewers cannot request or change renders: ask an admin for the editor role"
PREVIEW_SIZE = 200
USE_VARIANT = "Use this one"
IN_USE = "In use"
IN_USE_TIP = "The creative uses this variant now"


class JobDetail(QWidget):
    """The selected job: its error in plain words, prompt and parameters, a live log tail that
    follows while scrolled to the bottom, and its output (image, video poster, variants)."""

    def __init__(self, view_model: RenderMonitorViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.job: RenderJob | None = None
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

        form = QFormLayout()
        form.addRow("Prompt", self.prompt_label)
        form.addRow("Parameters", self.params_label)
        left = QVBoxLayout()
        left.addWidget(self.heading)
        left.addWidget(self.error_label)
        left.addLayout(form)
        left.addWidget(QLabel("Log"))
        left.addWidget(self.log, 1)
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
        same = job is not None and self.job is not None and job.id == self.job.id
        self.job = job
        for widget in (self.error_label, self.prompt_label, self.params_label, self.log):
            widget.setVisible(job is not None)
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


class RenderMonitorPanel(QWidget):
    """Filters (status, campaign, provider, mine), the jobs table, ``Cancel``, ``Retry`` and
    ``New render…`` acting on the selected rows, and the selected job's detail.

    Args:
        view_model: The panel's :class:`RenderMonitorViewModel`.
    """

    def __init__(self, view_model: RenderMonitorViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_model = view_model
        self.dialog: NewRenderDialog | None = None
        self.confirmation: QMessageBox | None = None

        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Status filter")
        self.status_combo.addItem(ALL_STATUSES, None)
        for status in RenderStatus:
            self.status_combo.addItem(status.value, status.value)
        self.campaign_combo = QComboBox()
        self.campaign_combo.setAccessibleName("Campaign filter")
        self.campaign_combo.addItem(ALL_CAMPAIGNS, None)
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider filter")
        self.provider_combo.addItem(ALL_PROVIDERS, None)
        self.mine_check = QCheckBox("Mine")
        self.mine_check.setAccessibleName("Mine")
        self.mine_check.setToolTip("Only the renders you requested")
        for combo in (self.status_combo, self.campaign_combo, self.provider_combo):
            combo.currentIndexChanged.connect(self._apply_filters)
            # Long campaign names must not widen the window: the combos shrink, names elide.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
        self.mine_check.toggled.connect(self._apply_filters)

        self.cancel_button = QPushButton(icon("circle-stop"), "Cancel")
        self.cancel_button.setAccessibleName("Cancel")
        self.retry_button = QPushButton(icon("rotate-ccw"), "Retry")
        self.retry_button.setAccessibleName("Retry")
        self.new_button = QPushButton(icon("plus"), "New render…")
        self.new_button.setAccessibleName("New render…")
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.retry_button.clicked.connect(self._retry_selected)
        self.new_button.clicked.connect(self._open_new_render)

        self.message = InlineMessage("Render monitor message")
        self.message.follow((view_model.error_raised, view_model.refused), ())

        self.table = QTableView()
        self.table.setAccessibleName("Render jobs")
        self.table.setModel(view_model.filtered)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(PROGRESS, 120)
        self._delegate = ProgressDelegate(ProgressRole, self.table)
        self.table.setItemDelegateForColumn(PROGRESS, self._delegate)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.confirm_cancel)

        self.detail = JobDetail(view_model)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        filters = QHBoxLayout()
        filters.addWidget(self.status_combo)
        filters.addWidget(self.campaign_combo)
        filters.addWidget(self.provider_combo)
        filters.addWidget(self.mine_check)
        filters.addStretch(1)
        actions = QHBoxLayout()  # a row of its own: the panel stays narrow enough for 1024 px
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.retry_button)
        actions.addWidget(self.new_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

        view_model.loaded.connect(self._on_loaded)
        view_model.names_changed.connect(self._on_loaded)
        view_model.variant_used.connect(
            lambda _asset_id: self.message.show_text(
                "The chosen variant is now the creative's output"
            )
        )
        view_model.jobs.dataChanged.connect(self._on_jobs_changed)
        view_model.jobs.rowsInserted.connect(self._on_jobs_inserted)
        view_model.permissions_changed.connect(self._update_buttons)
        view_model.render_queued.connect(lambda _job: self.message.show_text(""))
        self._update_buttons()

    # ------------------------------------------------------------------ selection

    def selected_ids(self) -> list[str]:
        """The ids of the selected jobs, in table order."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=QModelIndex.row)
        return job_ids(rows)

    def selected_jobs(self) -> list[RenderJob]:
        jobs = (self.view_model.job(job_id) for job_id in self.selected_ids())
        return [job for job in jobs if job is not None]

    def select_job(self, job_id: str) -> None:
        """Select the job's row (tests, and a notification's "show")."""
        model = self.view_model.filtered
        for row in range(model.rowCount()):
            if model.index(row, 0).data(JobIdRole) == job_id:
                self.table.selectRow(row)
                return

    # ------------------------------------------------------------------ commands

    def _cancel_selected(self) -> None:
        chosen = [j.id for j in self.selected_jobs() if self.view_model.why_not_cancel(j) is None]
        self.message.show_text("")
        self.view_model.cancel(chosen)

    def _retry_selected(self) -> None:
        chosen = [j.id for j in self.selected_jobs() if self.view_model.why_not_retry(j) is None]
        self.message.show_text("")
        self.view_model.retry(chosen)

    def confirm_cancel(self) -> None:
        """Ask before cancelling the selected jobs (the Delete key)."""
        if not self.cancel_button.isEnabled():
            return
        chosen = [j for j in self.selected_jobs() if self.view_model.why_not_cancel(j) is None]
        what = (
            f"“{self.view_model.title(chosen[0])}”"
            if len(chosen) == 1
            else f"{len(chosen)} renders"
        )
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Cancel renders",
            f"Cancel {what}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Cancel renders")
        box.button(QMessageBox.StandardButton.No).setText("Keep rendering")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        ids = [job.id for job in chosen]

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.view_model.cancel(ids)

        box.finished.connect(answered)
        self.confirmation = box
        box.open()

    def _open_new_render(self) -> None:
        dialog = NewRenderDialog(self.view_model, self)
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    # ------------------------------------------------------------------ reactions

    def _on_loaded(self) -> None:
        self._fill_combo(
            self.campaign_combo,
            ALL_CAMPAIGNS,
            sorted(self.view_model.jobs.campaign_titles.items(), key=lambda kv: kv[1].casefold()),
        )
        providers = sorted({job.provider for job in self.view_model.jobs.jobs})
        self._fill_combo(self.provider_combo, ALL_PROVIDERS, [(p, p) for p in providers])
        self._update_buttons()

    @staticmethod
    def _fill_combo(combo: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for value, text in items:
            combo.addItem(text, value)
        found = combo.findData(current)
        combo.setCurrentIndex(max(0, found))
        combo.blockSignals(False)

    def _on_jobs_inserted(self, *_args: object) -> None:
        known = {self.provider_combo.itemData(i) for i in range(self.provider_combo.count())}
        for job in self.view_model.jobs.jobs:
            if job.provider not in known:
                self.provider_combo.addItem(job.provider, job.provider)
                known.add(job.provider)
        self._update_buttons()

    def _apply_filters(self, *_args: object) -> None:
        self.view_model.filtered.set_filters(
            status=self.status_combo.currentData(),
            campaign_id=self.campaign_combo.currentData(),
            provider=self.provider_combo.currentData(),
            mine=self.mine_check.isChecked(),
        )

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()
        self._update_detail()

    def _on_jobs_changed(self, *_args: object) -> None:
        self._update_buttons()
        self._update_detail()

    def _update_detail(self) -> None:
        jobs = self.selected_jobs()
        self.detail.show_job(jobs[0] if len(jobs) == 1 else None, selected=len(jobs))

    def _update_buttons(self) -> None:
        jobs = self.selected_jobs()
        for button, why_not, verb in (
            (self.cancel_button, self.view_model.why_not_cancel, "cancel"),
            (self.retry_button, self.view_model.why_not_retry, "retry"),
        ):
            reasons = [why_not(job) for job in jobs]
            allowed = any(reason is None for reason in reasons)
            button.setEnabled(allowed)
            if allowed:
                tip = f"{verb.capitalize()} the selected renders"
            elif not jobs:
                tip = f"Select the renders to {verb}"
            else:
                tip = next(reason for reason in reasons if reason is not None)
            button.setToolTip(tip)
        self.new_button.setEnabled(True)
        self.new_button.setToolTip("Render an image or video of a creative")
        may = self.view_model.may_edit
        gate([self.cancel_button, self.retry_button, self.new_button], may, VIEWERS_CANNOT_RENDER)
        self.detail.mark_in_use()
