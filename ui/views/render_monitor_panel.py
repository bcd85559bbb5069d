"""The render monitor: every render job of the workspace in a flat table, live, with the
selected job's log, prompt, error and output below."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import RenderStatus
from app.domain.render_jobs import RenderJob
from ui.viewmodels.render_jobs import (
    COLUMN_SAMPLES,
    CREATIVE,
    PROGRESS,
    STATUS,
    JobIdRole,
    ProgressRole,
    StoppedRole,
    job_ids,
)
from ui.viewmodels.render_monitor import RenderMonitorViewModel
from ui.views.job_detail import VIEWERS_CANNOT_RENDER, JobDetail
from ui.views.new_render_dialog import NewRenderDialog
from ui.views.schedule_tab import InlineMessage
from ui.widgets.column_fitter import ColumnFitter
from ui.widgets.icons import icon
from ui.widgets.permission import gate
from ui.widgets.progress_delegate import ProgressDelegate

NO_RENDERS = (
    "No renders yet. Use New render…, or add an image or video to a campaign on its Content tab."
)
NO_MATCH = "No render matches these filters."
ALL_STATUSES = "All statuses"
ALL_CAMPAIGNS = "All campaigns"
ALL_PROVIDERS = "All providers"


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
        style, metrics = self.table.style(), self.table.fontMetrics()
        self.columns = ColumnFitter(
            self.table,
            COLUMN_SAMPLES,
            main=CREATIVE,
            main_sample="Hero visual 2",
            extra={
                STATUS: style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 6,
                PROGRESS: metrics.horizontalAdvance("100 %"),  # the bar beside its text
            },
        )
        self._delegate = ProgressDelegate(ProgressRole, self.table, StoppedRole)
        self.table.setItemDelegateForColumn(PROGRESS, self._delegate)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.confirm_cancel)

        self.empty_label = QLabel(NO_RENDERS)
        self.empty_label.setAccessibleName("No renders")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.hide()
        for signal in (
            view_model.filtered.rowsInserted,
            view_model.filtered.rowsRemoved,
            view_model.filtered.modelReset,
            view_model.filtered.layoutChanged,
            view_model.loaded,
        ):
            signal.connect(self._show_empty_state)

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
        layout.addWidget(self.empty_label)
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
        # For the selected job's campaign, else the one open in the window.
        jobs = self.selected_jobs()
        campaign_id = jobs[0].campaign_id if jobs else self.view_model.campaign_id
        dialog = NewRenderDialog(self.view_model, self, campaign_id)
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

    def _show_empty_state(self, *_args: object) -> None:
        """Say why the table is empty: no render at all, or none that the filters let through."""
        shown = self.view_model.filtered.rowCount() > 0
        anything = self.view_model.jobs.rowCount() > 0
        self.empty_label.setText(NO_MATCH if anything else NO_RENDERS)
        self.empty_label.setVisible(self.view_model.jobs.loaded_once and not shown)

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
