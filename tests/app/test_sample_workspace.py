"""The sample workspace: the seed's campaign in the middle of its life, on every store."""

from __future__ import annotations

from pathlib import Path

from app.adapters.storage import LocalBlobStore
from app.bootstrap import build_core
from app.config import AppSettings
from app.domain import Actor, ApprovalScope, ApprovalState, RenderStatus, Role, StrategyStatus
from app.ports.repositories import Store
from app.sample_workspace import NAME, create_sample_workspace


async def test_the_sample_is_mid_flow_and_every_part_of_it_is_there(
    store: Store, tmp_path: Path
) -> None:
    settings = AppSettings(data_dir=tmp_path / "data")
    core = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
    assert core.renderer.worker is not None
    core.renderer.worker.start()
    try:
        ana = Actor(tenant_id="home", user_id="ana", roles={Role.ADMIN})
        await core.workspaces.create_workspace(ana, "Home")
        workspace = await create_sample_workspace(core, ana)
        me = Actor(tenant_id=workspace.id, user_id="ana", roles={Role.VIEWER})
        assert workspace.name == NAME
        assert NAME in [w.name for w in await core.workspaces.list_workspaces(ana)]
        members = {m.user_id: m.roles for m in await core.workspaces.list_members(me)}
        assert members == {"ana": {Role.ADMIN}, "bea": {Role.APPROVER}, "cal": {Role.APPROVER}}
        campaigns = {c.name: c for c in await core.campaigns.list_campaigns(me)}
        assert set(campaigns) == {"Spring Launch", "Summer Teaser"}
        spring = campaigns["Spring Launch"].id
        history = await core.strategies.history(me, spring)
        assert [(s.version, s.status) for s in history] == [
            (1, StrategyStatus.INVALIDATED),
            (2, StrategyStatus.ACTIVE),
        ]
        approvals = await core.approvals.get_approvals(me, spring)
        assert approvals[ApprovalScope.STRATEGY].state is ApprovalState.APPROVED
        assert approvals[ApprovalScope.CONTENT].state is ApprovalState.NEEDS_REVIEW
        assert await core.creatives.list_creatives(me, spring, stale_only=True)
        assert len(await core.campaigns.list_posts(me, spring)) == 4
        assert len(await core.campaigns.list_ad_plans(me, spring)) == 1
        jobs = await core.renderer.list_jobs(me, campaign_id=spring)
        assert [job.status for job in jobs] == [RenderStatus.PUBLISHED] * 2
        evaluation = await core.prompting.evaluate(me, spring)
        assert evaluation.blockers  # content, schedule and ads wait for review
    finally:
        await core.close()
