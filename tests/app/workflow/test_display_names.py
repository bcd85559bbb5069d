"""Display names in approval timelines, votes and the activity log, on every store kind: read
from the members when a list is read, so a rename shows at once; a user without one (or no
member) is shown by their user id; records written before names existed still load."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import ActivityEntry, Approval, ApprovalScope, ApprovalState
from app.ports.repositories import Store
from tests.app.workflow.conftest import ADA, ANA, BEA, CAL
from tests.app.workflow.helpers import campaign_with_strategy

S = ApprovalScope.STRATEGY


@pytest.fixture
async def core(store: Store, tmp_path: Path) -> AsyncIterator[Core]:
    settings = AppSettings(data_dir=tmp_path / "data", render_worker=False)
    built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
    yield built
    await built.close()


def names_in(approval: Approval) -> set[tuple[str, str | None]]:
    """(user id, name shown) of every timeline line and vote."""
    lines = {(event.actor_id, event.actor_name) for event in approval.timeline}
    return lines | {(vote.user_id, vote.display_name) for vote in approval.votes}


async def test_timelines_votes_and_activity_show_display_names(core: Core) -> None:
    campaign = await campaign_with_strategy(core)  # ana acts first: the file's admin
    await core.workspaces.add_member(ADA, "bea", "approver")
    await core.workspaces.set_display_name(ANA, "Ana López")
    await core.workspaces.set_display_name(BEA, "Bea")
    await core.approvals.reject(CAL, campaign.id, S, reason="Off brand")  # cal: no member
    await core.approvals.mark_addressed(ANA, campaign.id, S, note="Tone fixed")
    voted = await core.approvals.approve(BEA, campaign.id, S)

    shown = {("ana", "Ana López"), ("bea", "Bea"), ("cal", "cal")}
    assert names_in(voted) == shown
    assert [(v.user_id, v.display_name) for v in voted.votes] == [("bea", "Bea")]
    approvals = await core.approvals.get_approvals(ADA, campaign.id)
    assert names_in(approvals[S]) == shown
    entries = await core.activity.recent(ADA, campaign_id=campaign.id)
    assert {(entry.actor_id, entry.actor_name) for entry in entries} == shown

    await core.workspaces.set_display_name(BEA, "Beatriz")  # the new name shows everywhere
    approvals = await core.approvals.get_approvals(ADA, campaign.id)
    assert ("bea", "Beatriz") in names_in(approvals[S])
    assert ("bea", "Bea") not in names_in(approvals[S])
    entries = await core.activity.recent(ADA, campaign_id=campaign.id)
    assert {entry.actor_name for entry in entries if entry.actor_id == "bea"} == {"Beatriz"}
    assert approvals[S].state is ApprovalState.APPROVED


async def test_names_are_not_written_with_the_records(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    await core.workspaces.set_display_name(ANA, "Ana López")
    await core.approvals.approve(BEA, campaign.id, S)
    stored = await core.store.approvals.list_for_campaign("acme", campaign.id)
    assert {event.actor_name for approval in stored for event in approval.timeline} == {None}
    logged = await core.store.activity.list("acme", campaign_id=campaign.id, limit=100)
    assert {entry.actor_name for entry in logged} == {None}


def test_records_from_before_display_names_load_and_show_ids() -> None:
    at = datetime(2026, 1, 5, tzinfo=UTC)
    approval = Approval.model_validate(
        {
            "id": "a1",
            "tenant_id": "acme",
            "campaign_id": "c1",
            "scope": "strategy",
            "votes": [{"user_id": "bea", "decision": "approve", "at": at}],
            "timeline": [
                {
                    "at": at,
                    "actor_id": "bea",
                    "action": "approve",
                    "from_state": "pending",
                    "to_state": "approved",
                }
            ],
        }
    )
    assert names_in(approval.named({})) == {("bea", "bea")}
    assert names_in(approval.named({"bea": "Bea"})) == {("bea", "Bea")}
    entry = ActivityEntry.model_validate(
        {
            "id": "e1",
            "tenant_id": "acme",
            "actor_id": "bea",
            "action": "approval.voted",
            "object_type": "approval",
            "object_id": "a1",
        }
    )
    assert entry.named({}).actor_name == "bea"
