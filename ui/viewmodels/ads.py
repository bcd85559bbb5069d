"""The Ads tab's data: the campaign's ad plans, and the calls creating, changing, deleting them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from app.domain.campaigns import AdPlan, Campaign
from app.domain.changes import RecordKind
from app.domain.creatives import Creative
from app.domain.errors import AppError
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.table_model import RowTableModel

PlanIdRole = Qt.ItemDataRole.UserRole + 1
"""The ad plan's id."""

COLUMNS = ("Name", "Channel", "Audience", "Budget", "Creatives", "Dates")


class AdPlanTableModel(RowTableModel):
    """The campaign's ad plans, a row each: name, channel, audience, budget, creatives, dates."""

    columns = COLUMNS

    def cell(self, row: AdPlan, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(row, column)
        if role == PlanIdRole:
            return row.id
        return None

    def set_plans(self, plans: Iterable[AdPlan]) -> None:
        self.set_rows(plans)

    def plan(self, row: int) -> AdPlan:
        plan: AdPlan = self._rows[row]
        return plan

    def row_of(self, plan_id: str) -> int | None:
        for row, plan in enumerate(self._rows):
            if plan.id == plan_id:
                return row
        return None


def cell_text(plan: AdPlan, column: int) -> str | None:
    """What column ``column`` of the table shows for ``plan``."""
    if column == 0:
        return plan.name
    if column == 1:
        return str(plan.channel)
    if column == 2:
        return plan.audience
    if column == 3:
        return f"{plan.budget.amount:,.2f} {plan.budget.currency}"
    if column == 4:
        return str(len(plan.creative_ids))
    if column == 5:
        if plan.start is None and plan.end is None:
            return "Campaign dates"
        return f"{plan.start or '…'} to {plan.end or '…'}"
    return None


class AdsViewModel(CampaignPageViewModel):
    """The campaign's ad plans, kept live; create, edit and delete them.

    Signals:
        plans_loaded(object): the campaign (``Campaign``) whose plans :attr:`plans` now holds.
        plan_saved(str): a plan was created or changed (its id).
        plan_refused(str): a create, edit or delete was refused ("Refused: …").
        plan_deleted(str): a plan was deleted (its id).
        plan_selected(str): a deep link asks the tab to show this plan.
    """

    plans_loaded = Signal(object)
    plan_saved = Signal(str)
    plan_refused = Signal(str)
    plan_deleted = Signal(str)
    plan_selected = Signal(str)

    records = frozenset({RecordKind.AD_PLAN, RecordKind.CREATIVE, RecordKind.CAMPAIGN})

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.plans = AdPlanTableModel(self)
        self.campaign: Campaign | None = None
        self.creatives: list[Creative] = []

    def load(self) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def read() -> tuple[Campaign, list[AdPlan], list[Creative]]:
            campaign = await self.core.campaigns.get_campaign(self.actor, campaign_id)
            plans = await self.core.campaigns.list_ad_plans(self.actor, campaign_id)
            creatives = await self.core.creatives.list_creatives(self.actor, campaign_id)
            return campaign, plans, creatives

        self.run("load", read(), self._on_read)

    def _on_read(self, result: tuple[Campaign, list[AdPlan], list[Creative]]) -> None:
        campaign, plans, creatives = result
        if campaign.id != self.campaign_id:
            return
        self.campaign = campaign
        self.creatives = creatives
        self.plans.set_plans(plans)
        self.plans_loaded.emit(campaign)

    def create_plan(
        self,
        *,
        name: str,
        channel: str,
        budget: Mapping[str, Any],
        audience: str,
        creative_ids: Sequence[str],
        start: date | None,
        end: date | None,
    ) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None
        call = self.core.campaigns.create_ad_plan(
            self.actor,
            campaign_id,
            name=name,
            channel=channel,
            budget=budget,
            audience=audience,
            creative_ids=creative_ids,
            start=start,
            end=end,
        )
        self.run("create", call, self._on_saved, self._on_refused)

    def update_plan(
        self,
        plan_id: str,
        *,
        budget: Mapping[str, Any],
        audience: str,
        creative_ids: Sequence[str],
    ) -> None:
        call = self.core.campaigns.update_ad_plan(
            self.actor, plan_id, budget=budget, audience=audience, creative_ids=creative_ids
        )
        self.run(f"update-{plan_id}", call, self._on_saved, self._on_refused)

    def delete_plan(self, plan_id: str) -> None:
        async def delete() -> str:
            await self.core.campaigns.delete_ad_plan(self.actor, plan_id)
            return plan_id

        self.run(f"delete-{plan_id}", delete(), self._on_deleted, self._on_refused)

    def select_ad_plan(self, plan_id: str) -> None:
        """Deep link: show and select ``plan_id``."""
        self.plan_selected.emit(plan_id)

    def _on_saved(self, plan: AdPlan) -> None:
        self.plan_saved.emit(plan.id)
        self.refresh()

    def _on_deleted(self, plan_id: str) -> None:
        self.plan_deleted.emit(plan_id)
        self.refresh()

    def _on_refused(self, error: AppError) -> None:
        self.plan_refused.emit(f"Refused: {error.message}")
        self.refresh()


def money(amount: float, currency: str) -> dict[str, Any]:
    """A budget as the core takes it (the amount to the cent)."""
    return {"amount": Decimal(str(round(amount, 2))), "currency": currency.strip().upper()}
