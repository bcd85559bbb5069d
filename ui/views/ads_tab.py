"""The campaign panel's Ads tab: the campaign's ad plans in a table."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.campaigns import Campaign
from ui.viewmodels.ads import AdsViewModel, PlanIdRole, money
from ui.views.ad_plan_dialog import AdPlanDialog
from ui.views.schedule_tab import InlineMessage, ask_to_delete
from ui.widgets.permission import gate


class AdsTab(QWidget):
    """The campaign's ad plans: ``New ad plan``, ``Edit`` and ``Delete`` (after a question);
    refusals are shown in plain words above the table.

    Args:
        view_model: The tab's :class:`AdsViewModel` (the panel sets its campaign).
    """

    def __init__(self, view_model: AdsViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self._pending_selection: str | None = None
        self.plan_dialog: AdPlanDialog | None = None
        self.confirmation: QMessageBox | None = None

        self.new_button = QPushButton("New ad plan")
        self.edit_button = QPushButton("Edit")
        self.delete_button = QPushButton("Delete")
        for button in (self.new_button, self.edit_button, self.delete_button):
            button.setAccessibleName(button.text())
        self.message = InlineMessage("Ads message")
        self.table = QTableView()
        self.table.setAccessibleName("Ad plans")
        self.table.setModel(view_model.plans)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(self._on_edit_button_clicked)

        bar = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button):
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.new_button, self.edit_button)
        self.setTabOrder(self.edit_button, self.delete_button)
        self.setTabOrder(self.delete_button, self.table)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        view_model.plans.modelAboutToBeReset.connect(self._on_plans_about_to_be_reset)
        view_model.plans_loaded.connect(self._on_view_model_plans_loaded)
        view_model.permissions_changed.connect(self._update_buttons)
        self.message.follow(
            (view_model.plan_refused, view_model.error_raised),
            (view_model.plan_saved, view_model.plan_deleted, view_model.campaign_changed),
        )
        view_model.plan_selected.connect(self.select_ad_plan)
        self._update_buttons()

    def select_ad_plan(self, plan_id: str) -> None:
        """Select ``plan_id`` in the table (once it is loaded)."""
        row = self._view_model.plans.row_of(plan_id)
        if row is None:
            self._pending_selection = plan_id
            return
        self._pending_selection = None
        index = self._view_model.plans.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def selected_plan_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(PlanIdRole)) if rows else None

    def _on_plans_about_to_be_reset(self) -> None:
        self._pending_selection = self._pending_selection or self.selected_plan_id()

    def _on_view_model_plans_loaded(self, _campaign: Campaign) -> None:
        if self._pending_selection is not None:
            self.select_ad_plan(self._pending_selection)
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def _on_new_button_clicked(self) -> None:
        dialog = self._open_dialog(None)
        if dialog is None:
            return

        def create() -> None:
            start, end = dialog.dates()
            self._view_model.create_plan(
                name=dialog.name(),
                channel=dialog.channel(),
                budget=money(dialog.amount(), dialog.currency()),
                audience=dialog.audience(),
                creative_ids=dialog.creative_ids(),
                start=start,
                end=end,
            )

        dialog.accepted.connect(create)

    def _on_edit_button_clicked(self) -> None:
        plan_id = self.selected_plan_id()
        row = self._view_model.plans.row_of(plan_id) if plan_id else None
        if plan_id is None or row is None:
            return
        dialog = self._open_dialog(plan_id)
        if dialog is None:
            return
        dialog.accepted.connect(
            lambda: self._view_model.update_plan(
                plan_id,
                budget=money(dialog.amount(), dialog.currency()),
                audience=dialog.audience(),
                creative_ids=dialog.creative_ids(),
            )
        )

    def _on_delete_button_clicked(self) -> None:
        plan_id = self.selected_plan_id()
        row = self._view_model.plans.row_of(plan_id) if plan_id else None
        if plan_id is None or row is None:
            return
        name = self._view_model.plans.plan(row).name
        self.confirmation = ask_to_delete(
            self, f"Delete the ad plan {name!r}?", lambda: self._view_model.delete_plan(plan_id)
        )

    def _open_dialog(self, plan_id: str | None) -> AdPlanDialog | None:
        campaign = self._view_model.campaign
        if campaign is None:
            return None
        row = self._view_model.plans.row_of(plan_id) if plan_id else None
        dialog = AdPlanDialog(
            self._view_model.creatives,
            campaign.channels,
            (campaign.start, campaign.end),
            self._view_model.plans.plan(row) if row is not None else None,
            parent=self,
        )
        self.plan_dialog = dialog
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        selected = self.selected_plan_id() is not None
        self.new_button.setEnabled(self._view_model.campaign is not None)
        self.edit_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
        gate((self.new_button, self.edit_button, self.delete_button), self._view_model.may_edit)
