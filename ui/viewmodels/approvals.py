"""The approval panel's data: the campaign's four approvals, who may act on them, the calls."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.domain import Approval, ApprovalAction, ApprovalScope, Member, Role
from app.domain import approval_rules as rules
from app.domain.campaigns import Campaign
from app.domain.changes import ChangeEvent, RecordKind
from app.domain.errors import AppError, NotFound
from ui.tasks import UiTaskRunner
from ui.viewmodels.approval_timeline import ApprovalTimelineModel
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel

Loaded = tuple[Campaign, dict[ApprovalScope, Approval], list[Member], bool]


class ApprovalsViewModel(CampaignPageViewModel):
    """The campaign's approvals (strategy, content, schedule, ads), kept live by the change
    feed; approve, reject, mark feedback addressed and set a quorum, and why not, in words.

    Signals:
        approvals_loaded(object): the campaign (``Campaign``) whose approvals
            :attr:`approvals` now holds.
        action_started(str): an action on the scope (its value) is under way.
        action_done(str): an action on the scope (its value) was saved.
        action_refused(str, str): an action on the scope (its value) was refused
            ("Refused: …").
    """

    approvals_loaded = Signal(object)
    action_started = Signal(str)
    action_done = Signal(str)
    action_refused = Signal(str, str)

    records = frozenset({RecordKind.APPROVAL, RecordKind.CAMPAIGN, RecordKind.STRATEGY})

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.campaign: Campaign | None = None
        self.approvals: dict[ApprovalScope, Approval] = {}
        self.members: list[Member] = []
        self.has_strategy = False
        """Whether the campaign has a strategy (without one nothing can be voted on)."""
        self.timelines = {scope: ApprovalTimelineModel(self) for scope in ApprovalScope}
        self._acting: set[ApprovalScope] = set()
        self.campaign_changed.connect(self._on_self_campaign_changed)

    def load(self) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def read() -> Loaded:
            campaign = await self.core.campaigns.get_campaign(self.actor, campaign_id)
            approvals = await self.core.approvals.get_approvals(self.actor, campaign_id)
            members = await self.core.workspaces.list_members(self.actor)
            try:
                await self.core.strategies.get_active(self.actor, campaign_id)
            except NotFound:
                return campaign, approvals, members, False
            return campaign, approvals, members, True

        self.run("load", read(), self._on_read)

    def concerns(self, event: ChangeEvent) -> bool:
        """Approvals and the campaign, and the members (their roles and names) too."""
        return super().concerns(event) or event.record is RecordKind.MEMBER

    @property
    def roles(self) -> frozenset[Role]:
        """The user's roles in the workspace: their stored membership, else what they claim."""
        for member in self.members:
            if member.user_id == self.actor.user_id:
                return frozenset(member.roles)
        return frozenset(self.actor.roles)

    @property
    def approver_count(self) -> int:
        """How many members may vote (approvers and admins)."""
        return sum(
            any(role.rank >= Role.APPROVER.rank for role in member.roles) for member in self.members
        )

    def why_not(self, scope: ApprovalScope, action: ApprovalAction) -> str | None:
        """Why the user cannot do ``action`` on ``scope`` now, in plain words; None if they can."""
        approval = self.approvals.get(scope)
        if approval is None:
            return "No approval is loaded"
        if scope in self._acting:
            return "Saving the last change…"
        return rules.why_not(
            action,
            approval,
            self.approvals,
            user_id=self.actor.user_id,
            roles=self.roles,
            has_strategy=self.has_strategy,
        )

    def approve(self, scope: ApprovalScope, comment: str = "") -> None:
        """Vote to approve ``scope`` (the comment is optional)."""
        call = self.core.approvals.approve(
            self.actor, self._campaign(), scope, comment=comment.strip() or None
        )
        self._act(scope, "approve", call)

    def reject(self, scope: ApprovalScope, reason: str) -> None:
        """Reject ``scope`` with ``reason`` (the core refuses an empty one)."""
        call = self.core.approvals.reject(self.actor, self._campaign(), scope, reason=reason)
        self._act(scope, "reject", call)

    def mark_addressed(self, scope: ApprovalScope, note: str) -> None:
        """Say the rejection's feedback on ``scope`` is addressed, with ``note``."""
        call = self.core.approvals.mark_addressed(self.actor, self._campaign(), scope, note=note)
        self._act(scope, "address", call)

    def set_quorum(self, scope: ApprovalScope, required: int) -> None:
        """How many approve votes ``scope`` needs (admins)."""
        call = self.core.approvals.set_quorum(self.actor, self._campaign(), scope, required)
        self._act(scope, "quorum", call)

    def _campaign(self) -> str:
        assert self.campaign_id is not None
        return self.campaign_id

    def _act(self, scope: ApprovalScope, key: str, call: Coroutine[Any, Any, Approval]) -> None:
        def done(_approval: Approval) -> None:
            self._acting.discard(scope)
            self.action_done.emit(scope.value)
            self.refresh()

        def refused(error: AppError) -> None:
            self._acting.discard(scope)
            self.action_refused.emit(scope.value, f"Refused: {error.message}")
            self.refresh()

        self._acting.add(scope)
        self.action_started.emit(scope.value)
        self.run(f"{key}-{scope.value}", call, done, refused)

    def _on_read(self, result: Loaded) -> None:
        campaign, approvals, members, has_strategy = result
        if campaign.id != self.campaign_id:
            return
        self.campaign = campaign
        self.members = members
        self.has_strategy = has_strategy
        self.approvals = dict(approvals)
        for scope, model in self.timelines.items():
            approval = self.approvals.get(scope)
            model.set_events(approval.timeline if approval else ())
        self.approvals_loaded.emit(campaign)

    def _on_self_campaign_changed(self, _campaign_id: object) -> None:
        self.campaign = None
        self.approvals = {}
        for model in self.timelines.values():
            model.set_events(())
