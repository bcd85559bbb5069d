"""``campaign-studio demo``: the seed's two data flows, end to end, through the public core API.

The demo keeps everything it makes (database, media, publish bundles) in ``<data_dir>/demo``,
which each run empties first: the user's own workspaces and exports are never touched, and
running it again does not pile up bundles.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from app.bootstrap import Core
from app.config import AppSettings
from app.domain import (
    Actor,
    ApprovalScope,
    Campaign,
    Creative,
    RenderJob,
    RenderStatus,
    Role,
    StrategyDraft,
)
from app.domain.errors import AppError, ConfigurationError

Say = Callable[[str], None]

BERLIN = ZoneInfo("Europe/Berlin")
RENDER_TIMEOUT = 120.0
DEMO_FOLDER = "demo"
# Written into the demo folder so that a folder the demo did not make is never emptied.
DEMO_MARKER = ".campaign-studio-demo"
WORKSPACE = "demo"


def prepare_demo(settings: AppSettings) -> AppSettings:
    """Empty ``<data_dir>/demo`` (or create it) and return the settings a demo run uses there.

    The demo runs on the embedded default whatever the settings say (no team database, no
    bucket, no relay), with its own data folder, so that its records and bundles replace the
    previous run's instead of joining the user's.

    Raises:
        ConfigurationError: The folder holds files the demo did not make, or cannot be emptied.
    """
    folder = settings.data_dir / DEMO_FOLDER
    try:
        _empty_demo_folder(folder)
        (folder / DEMO_MARKER).write_text(
            "Made by campaign-studio demo; the next run replaces it.\n"
        )
    except OSError as exc:
        raise ConfigurationError(f"cannot prepare the demo folder {folder}: {exc}") from exc
    return settings.model_copy(
        update={
            "data_dir": folder,
            "mongodb_uri": None,
            "blob_store": "local",
            "webhook_relay": False,
        }
    )


def _empty_demo_folder(folder: Path) -> None:
    if folder.is_dir() and not (folder / DEMO_MARKER).exists() and any(folder.iterdir()):
        raise ConfigurationError(
            f"{folder} holds files the demo did not make; move them, or run the demo with "
            "another --data-dir"
        )
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def _draft(key_messages: tuple[str, ...]) -> StrategyDraft:
    return StrategyDraft(
        objective="Grow trial sign-ups by 20 % during the spring launch",
        target_audience="Urban professionals aged 25–40 who cycle to work",
        key_messages=key_messages,
        channels=("instagram", "linkedin"),
        tone="Upbeat, practical, no jargon",
        budget={"amount": 12000, "currency": "EUR"},
        kpis=("trial sign-ups", "cost per sign-up", "click-through rate"),
        call_to_action="Start your free 30-day trial",
        mandatories=("Legal line: terms apply",),
    )


async def run_demo(core: Core, say: Say) -> Campaign:
    """Run "campaign creation" then "strategy update"; returns the published campaign."""
    ana = Actor(tenant_id=WORKSPACE, user_id="ana", roles={Role.EDITOR})
    bea = Actor(tenant_id=WORKSPACE, user_id="bea", roles={Role.APPROVER})
    start = date.today() + timedelta(days=7)
    end = start + timedelta(days=27)

    say("== Data flow: campaign creation")
    campaign = await core.campaigns.create_campaign(
        ana,
        "Spring Launch",
        description="Launch of the commuter bike subscription",
        channels=("instagram", "linkedin"),
        start=start,
        end=end,
    )
    say(f"1. campaign {campaign.name!r} created ({campaign.status.value}), {start} → {end}")
    await _show_approvals(core, ana, campaign.id, say, "2. approvals initialised:")
    strategy = await core.strategies.create_strategy(
        ana, campaign.id, _draft(("Skip the traffic", "Service included"))
    )
    say(f"3. strategy v{strategy.version} defined: {strategy.completion.percent} % complete")
    evaluation = await core.prompting.evaluate(ana, campaign.id)
    say(f"4. evaluated: score {evaluation.score}/100; next: {evaluation.recommendations[0].action}")
    posts_copy = await _write_copy(core, ana, campaign.id, "v1")
    say(f"5. content created: {len(posts_copy)} text creatives, stored in the library")
    await core.approvals.approve(bea, campaign.id, ApprovalScope.STRATEGY, comment="Clear plan")
    say("6. strategy approved by bea")
    hero = await core.creatives.create_media_creative(
        ana,
        campaign.id,
        kind="image",
        title="Hero visual",
        channel="instagram",
        prompt="A commuter on a sleek city bike gliding past a traffic jam at sunrise",
        params={"campaign": "Spring Launch", "tagline": "Skip the traffic", "seed": 7},
    )
    job = await _render(core, ana, hero, say, "7. image generation")
    say(f"   → stored as asset {job.asset_id}; creative updated")
    await core.approvals.approve(bea, campaign.id, ApprovalScope.CONTENT)
    say("8. content approved by bea")
    posts = await _schedule(core, ana, campaign, posts_copy)
    say(f"9. {len(posts)} posts scheduled across {((end - start).days + 1) // 7} weeks")
    await core.approvals.approve(bea, campaign.id, ApprovalScope.SCHEDULE)
    say("10. schedule approved by bea")
    await core.campaigns.create_ad_plan(
        ana,
        campaign.id,
        name="Commuter retargeting",
        channel="instagram",
        budget={"amount": 4000, "currency": "EUR"},
        audience="site visitors, 30 days",
        creative_ids=[posts_copy[0].id],
        start=start,
        end=end,
    )
    await core.approvals.approve(bea, campaign.id, ApprovalScope.ADS)
    say("11. ad plan created and approved by bea")
    evaluation = await core.prompting.evaluate(ana, campaign.id)
    say(f"12. evaluated: score {evaluation.score}/100, {len(evaluation.blockers)} blockers")
    published = await core.campaigns.publish(ana, campaign.id)
    say(
        f"13. campaign published (strategy v{published.published_strategy_version}): "
        f"bundle {published.bundle_path}"
    )

    say("\n== Data flow: strategy update")
    v2 = await core.strategies.update_strategy(
        ana, campaign.id, _draft(("Skip the traffic", "Service included", "Cancel any month"))
    )
    say(f"1. strategy v{v2.version} created")
    v1 = (await core.strategies.history(ana, campaign.id))[0]
    say(f"2. strategy v1 {v1.status.value}: {v1.invalidation_reason}")
    await _show_approvals(core, ana, campaign.id, say, "3. dependents invalidated:")
    stale = await core.creatives.list_creatives(ana, campaign.id, stale_only=True)
    say(f"   {len(stale)} creatives of v1 are stale")
    fresh = await _write_copy(core, ana, campaign.id, "v2")
    for post in await core.campaigns.list_posts(ana, campaign.id):
        replacement = next(c for c in fresh if c.channel == post.channel)
        await core.campaigns.update_post(ana, post.id, creative_id=replacement.id)
    for plan in await core.campaigns.list_ad_plans(ana, campaign.id):
        await core.campaigns.update_ad_plan(ana, plan.id, creative_ids=[fresh[0].id])
    say(f"4. copy rewritten for v2: {len(fresh)} creatives; posts and ads use them")
    jobs = await core.creatives.regenerate(ana, campaign.id)
    for job in jobs:
        creative = await core.creatives.get_creative(ana, job.creative_id)
        await _render(core, ana, creative, say, f"5. regenerating {creative.title!r}", job)
    history = (await core.creatives.get_creative(ana, hero.id)).outputs
    say(f"   {len(history)} outputs kept in the hero visual's history")
    for scope in ApprovalScope:
        await core.approvals.approve(bea, campaign.id, scope)
    say("6. all approvals re-requested and granted for v2")
    published = await core.campaigns.publish(ana, campaign.id)
    say(
        f"7. published again (strategy v{published.published_strategy_version}): "
        f"bundle {published.bundle_path}"
    )
    await _show_approvals(core, ana, campaign.id, say, "\nFinal approval states:")
    return published


async def _render(
    core: Core,
    actor: Actor,
    creative: Creative,
    say: Say,
    title: str,
    job: RenderJob | None = None,
) -> RenderJob:
    job = job or await core.renderer.get_job(actor, str(creative.render_job_id))
    # The whole id: a job's first characters are its creation time, shared by jobs made together.
    say(f"{title}: {job.kind.value} render job {job.id} queued on {job.provider}")
    done = await core.renderer.wait_for(actor, job.id, timeout=RENDER_TIMEOUT)
    if done.status is not RenderStatus.PUBLISHED:
        raise AppError(f"the render of {creative.title!r} ended {done.status.value}: {done.error}")
    say(
        f"   {done.status.value} after {done.submissions} submission(s), "
        f"{len(done.logs)} log lines, progress {done.progress.fraction:.0%}"
    )
    return done


async def _write_copy(core: Core, actor: Actor, campaign_id: str, tag: str) -> list[Creative]:
    return [
        await core.creatives.create_text_creative(
            actor,
            campaign_id,
            title=f"{channel.title()} launch post ({tag})",
            channel=channel,
            body=f"Skip the traffic this spring. {tag}: your bike, serviced, for one monthly "
            f"price. Start your free 30-day trial. Terms apply. [{channel}]",
        )
        for channel in ("instagram", "linkedin")
    ]


async def _schedule(
    core: Core, actor: Actor, campaign: Campaign, creatives: list[Creative]
) -> list[object]:
    assert campaign.start is not None
    posts: list[object] = []
    for week in range(4):
        creative = creatives[week % len(creatives)]
        day = campaign.start + timedelta(days=7 * week + 1)
        at = datetime.combine(day, time(9, 30), tzinfo=BERLIN)
        posts.append(
            await core.campaigns.schedule_post(
                actor, campaign.id, creative_id=creative.id, channel=creative.channel or "", at=at
            )
        )
    return posts


async def _show_approvals(core: Core, actor: Actor, campaign_id: str, say: Say, title: str) -> None:
    say(title)
    for scope, approval in (await core.approvals.get_approvals(actor, campaign_id)).items():
        version = approval.strategy_version
        subject = f"strategy v{version}" if version else "no strategy yet"
        say(
            f"   {scope.value:<9} {approval.state.value:<13} {subject}, "
            f"votes {approval.approve_count}/{approval.required_approvals}"
        )
