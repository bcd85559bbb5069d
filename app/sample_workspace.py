"""A sample workspace to explore: the seed's campaign caught in the middle of its life.

The desktop app offers it on first start and ``campaign-studio sample`` makes it on any store.
Everything goes through the public services, as a team would: a strategy at version 2 with the
invalidated version 1 in its history, the new version approved while content, schedule and ads
wait for review again, copy made for version 1 marked stale, posts on the calendar, an ad plan,
rendered images in the library, and a second campaign still in draft.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.bootstrap import Core
from app.domain import Actor, ApprovalScope, Creative, Role, Workspace
from app.domain.errors import WaitTimeout

NAME = "Sample: Spring Launch"
TIME_ZONE = "Europe/Berlin"
RENDER_TIMEOUT = 120.0
TEAM = ("bea", "cal")  # approvers


def _draft(version: int) -> dict[str, object]:
    messages = ["Skip the traffic", "Service included"]
    if version > 1:
        messages.append("Cancel any month")
    return {
        "objective": "Grow trial sign-ups by 20 % during the spring launch",
        "target_audience": "Urban professionals aged 25–40 who cycle to work",
        "key_messages": messages,
        "channels": ["instagram", "linkedin"],
        "tone": "Upbeat, practical, no jargon",
        "budget": {"amount": 12000, "currency": "EUR"},
        "kpis": ["trial sign-ups", "cost per sign-up", "click-through rate"],
        "call_to_action": "Start your free 30-day trial",
        "mandatories": ["Legal line: terms apply"],
    }


async def create_sample_workspace(
    core: Core, actor: Actor, *, today: date | None = None
) -> Workspace:
    """Make the sample workspace with ``actor``'s user as its admin; returns it.

    Renders run on the local image provider and are waited for when this core runs a render
    worker (else they stay queued for one).
    """
    start = (today or date.today()) + timedelta(days=3)
    end = start + timedelta(days=27)
    workspace = await core.workspaces.create_workspace(actor, NAME)
    me = Actor(tenant_id=workspace.id, user_id=actor.user_id, roles={Role.ADMIN})
    for member_id in TEAM:
        await core.workspaces.add_member(me, member_id, [Role.APPROVER])
    bea = Actor(tenant_id=workspace.id, user_id=TEAM[0], roles={Role.APPROVER})

    campaign = await core.campaigns.create_campaign(
        me,
        "Spring Launch",
        description="Launch of the commuter bike subscription",
        channels=("instagram", "linkedin"),
        start=start,
        end=end,
        time_zone=TIME_ZONE,
    )
    await core.strategies.create_strategy(me, campaign.id, _draft(1))
    copy = [
        await _post_copy(core, me, campaign.id, channel) for channel in ("instagram", "linkedin")
    ]
    await core.approvals.approve(bea, campaign.id, ApprovalScope.STRATEGY, comment="Clear plan")
    images = [
        await core.creatives.create_media_creative(
            me,
            campaign.id,
            kind="image",
            title=title,
            channel="instagram",
            prompt=prompt,
            provider="local-image",
            params={"campaign": "Spring Launch", "tagline": "Skip the traffic", "seed": seed},
        )
        for seed, (title, prompt) in enumerate(
            [
                ("Hero visual", "A commuter on a city bike gliding past a traffic jam at sunrise"),
                ("Service van", "A friendly mechanic servicing a bike at an office entrance"),
            ]
        )
    ]
    if core.renderer.worker is not None:
        for creative in images:
            try:
                await core.renderer.wait_for(
                    me, str(creative.render_job_id), timeout=RENDER_TIMEOUT
                )
            except WaitTimeout:
                break  # the sample is still worth exploring; the render finishes later
    await core.approvals.approve(bea, campaign.id, ApprovalScope.CONTENT)
    zone = ZoneInfo(TIME_ZONE)
    for week in range(4):
        creative = copy[week % len(copy)]
        at = datetime.combine(start + timedelta(days=7 * week + 1), time(9, 30), tzinfo=zone)
        await core.campaigns.schedule_post(
            me, campaign.id, creative_id=creative.id, channel=creative.channel or "", at=at
        )
    await core.campaigns.create_ad_plan(
        me,
        campaign.id,
        name="Commuter retargeting",
        channel="instagram",
        budget={"amount": 4000, "currency": "EUR"},
        audience="Site visitors, last 30 days",
        creative_ids=[copy[0].id],
        start=start,
        end=end,
    )
    # Mid-flow: the strategy moves to version 2; its approval is granted again, the rest wait.
    await core.strategies.update_strategy(me, campaign.id, _draft(2))
    await core.approvals.approve(bea, campaign.id, ApprovalScope.STRATEGY, comment="Good addition")
    await core.campaigns.create_campaign(
        me,
        "Summer Teaser",
        description="Early teaser for the summer range",
        channels=("instagram",),
        start=end + timedelta(days=14),
        end=end + timedelta(days=42),
        time_zone=TIME_ZONE,
    )
    return workspace


async def _post_copy(core: Core, actor: Actor, campaign_id: str, channel: str) -> Creative:
    return await core.creatives.create_text_creative(
        actor,
        campaign_id,
        title=f"{channel.title()} launch post",
        channel=channel,
        body="Skip the traffic this spring: your bike, serviced, for one monthly price. "
        "Start your free 30-day trial. Terms apply.",
    )
