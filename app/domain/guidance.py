"""The prompting engine's rules, as pure functions of a campaign snapshot.

Deterministic and offline: the same snapshot always gives the same score, recommendations and
blockers. :func:`find_blockers` is the one list that both ``evaluate`` and ``publish`` use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.approvals import Approval
from app.domain.campaigns import AdPlan, Campaign, Post
from app.domain.creatives import Creative
from app.domain.enums import ApprovalScope, ApprovalState, CampaignStatus, CreativeKind
from app.domain.evaluation import Blocker, Recommendation, ScorePart
from app.domain.strategies import Strategy

_STATE_WORDS = {
    ApprovalState.PENDING: "is pending",
    ApprovalState.APPROVED: "is approved",
    ApprovalState.REJECTED: "was rejected",
    ApprovalState.NEEDS_REVIEW: "needs review",
}
"""An approval's state as a blocker says it: "the content approval needs review"."""

WEIGHTS = {"strategy": 25.0, "content": 20.0, "schedule": 20.0, "approvals": 25.0, "assets": 10.0}


@dataclass(frozen=True)
class CampaignSnapshot:
    """Everything the rules look at, read at one moment."""

    campaign: Campaign
    strategy: Strategy | None
    approvals: Mapping[ApprovalScope, Approval]
    creatives: Sequence[Creative]
    posts: Sequence[Post]
    ad_plans: Sequence[AdPlan]

    @property
    def version(self) -> int | None:
        return self.strategy.version if self.strategy else None

    @property
    def channels(self) -> tuple[str, ...]:
        if self.campaign.channels:
            return self.campaign.channels
        return self.strategy.draft.channels if self.strategy else ()

    @property
    def window(self) -> tuple[date, date] | None:
        start = self.campaign.start or (self.strategy.draft.start if self.strategy else None)
        end = self.campaign.end or (self.strategy.draft.end if self.strategy else None)
        return (start, end) if start and end else None


def approved_for(approval: Approval | None, version: int | None) -> bool:
    """Whether ``approval`` is approved for strategy ``version``."""
    return (
        approval is not None
        and version is not None
        and approval.state is ApprovalState.APPROVED
        and approval.strategy_version == version
    )


def derive_status(
    campaign: Campaign, approvals: Mapping[ApprovalScope, Approval], version: int | None
) -> CampaignStatus:
    """The campaign status the approvals imply: draft → in_review → ready → published."""
    if campaign.status is CampaignStatus.ARCHIVED:
        return CampaignStatus.ARCHIVED
    if all(approved_for(approvals.get(scope), version) for scope in ApprovalScope):
        published = campaign.published_at and campaign.published_strategy_version == version
        return CampaignStatus.PUBLISHED if published else CampaignStatus.READY
    reviewed = any(a.state is not ApprovalState.PENDING or a.votes for a in approvals.values())
    return CampaignStatus.IN_REVIEW if reviewed or campaign.published_at else CampaignStatus.DRAFT


def find_blockers(snapshot: CampaignSnapshot) -> list[Blocker]:
    """Every reason the campaign cannot be published now (empty: it can)."""
    blockers: list[Blocker] = []
    campaign, version = snapshot.campaign, snapshot.version
    if campaign.status is CampaignStatus.ARCHIVED:
        blockers.append(Blocker(code="archived", message="the campaign is archived"))
    if campaign.published_at and campaign.published_strategy_version == version:
        blockers.append(
            Blocker(
                code="already_published", message=f"strategy version {version} is already published"
            )
        )
    if snapshot.strategy is None:
        blockers.append(Blocker(code="no_strategy", message="the campaign has no strategy yet"))
    for scope in ApprovalScope:
        approval = snapshot.approvals.get(scope)
        if approved_for(approval, version):
            continue
        state = _STATE_WORDS[approval.state] if approval else "is missing"
        stale = approval is not None and approval.state is ApprovalState.APPROVED
        message = (
            f"the {scope.value} approval was given for strategy version "
            f"{approval.strategy_version}, not {version}"
            if stale and approval
            else f"the {scope.value} approval {state}"
        )
        blockers.append(
            Blocker(
                code=f"{scope.value}_not_approved",
                message=message,
                target_type="approval",
                target_id=approval.id if approval else None,
            )
        )
    blockers.extend(_usage_blockers(snapshot))
    return blockers


def _usage_blockers(snapshot: CampaignSnapshot) -> list[Blocker]:
    creatives = {creative.id: creative for creative in snapshot.creatives}
    uses = [
        (f"the {post.channel} post of {post.at:%Y-%m-%d %H:%M}", post.creative_id)
        for post in snapshot.posts
    ]
    uses += [
        (f"the ad plan {plan.name!r}", creative_id)
        for plan in snapshot.ad_plans
        for creative_id in plan.creative_ids
    ]
    blockers = []
    for where, creative_id in uses:
        creative = creatives.get(creative_id)
        if creative is None:
            blockers.append(
                Blocker(
                    code="creative_missing",
                    target_type="creative",
                    target_id=creative_id,
                    message=f"{where} uses a creative that no longer exists",
                )
            )
        elif creative.stale:
            blockers.append(
                Blocker(
                    code="stale_creative",
                    target_type="creative",
                    target_id=creative.id,
                    message=f"{where} uses {creative.title!r}, made for strategy version "
                    f"{creative.strategy_version}, which was invalidated",
                )
            )
        elif not creative.asset_ids:
            blockers.append(
                Blocker(
                    code="creative_without_output",
                    target_type="creative",
                    target_id=creative.id,
                    message=f"{where} uses {creative.title!r}, which has no rendered output yet",
                )
            )
    return blockers


def score_parts(snapshot: CampaignSnapshot) -> list[ScorePart]:
    """The five parts of the score; their points add up to the score (0–100)."""
    return [
        _strategy_part(snapshot),
        _content_part(snapshot),
        _schedule_part(snapshot),
        _approvals_part(snapshot),
        _assets_part(snapshot),
    ]


def _part(name: str, share: float, detail: str) -> ScorePart:
    weight = WEIGHTS[name]
    return ScorePart(
        name=name, points=round(weight * max(0.0, min(share, 1.0)), 2), weight=weight, detail=detail
    )


def _strategy_part(snapshot: CampaignSnapshot) -> ScorePart:
    if snapshot.strategy is None:
        return _part("strategy", 0, "no strategy yet")
    completion = snapshot.strategy.completion
    missing = ", ".join(name.replace("_", " ") for name in completion.missing)
    detail = f"{completion.percent} % complete" + (f"; missing {missing}" if missing else "")
    return _part("strategy", completion.percent / 100, detail)


def uncovered_channels(snapshot: CampaignSnapshot) -> list[str]:
    """The channels with no current (non-stale) creative."""
    current = [creative for creative in snapshot.creatives if not creative.stale]
    if any(creative.channel is None for creative in current):
        return []  # a creative for no channel in particular serves every channel
    covered = {creative.channel for creative in current}
    return [channel for channel in snapshot.channels if channel not in covered]


def _content_part(snapshot: CampaignSnapshot) -> ScorePart:
    channels = snapshot.channels
    if not channels:
        return _part("content", 0, "no channels chosen")
    missing = uncovered_channels(snapshot)
    detail = f"{len(channels) - len(missing)} of {len(channels)} channels have content"
    return _part("content", (len(channels) - len(missing)) / len(channels), detail)


def uncovered_weeks(snapshot: CampaignSnapshot) -> list[date]:
    """The first day of each week of the campaign window that has no post."""
    window = snapshot.window
    if window is None:
        return []
    start, end = window
    weeks = math.ceil(((end - start).days + 1) / 7)
    covered = {(post.at.date() - start).days // 7 for post in snapshot.posts}
    return [start + timedelta(days=7 * week) for week in range(weeks) if week not in covered]


def _schedule_part(snapshot: CampaignSnapshot) -> ScorePart:
    window = snapshot.window
    if window is None:
        return _part("schedule", 0, "no campaign window (start and end) yet")
    weeks = math.ceil(((window[1] - window[0]).days + 1) / 7)
    covered = weeks - len(uncovered_weeks(snapshot))
    return _part("schedule", covered / weeks, f"{covered} of {weeks} weeks have posts")


def _approvals_part(snapshot: CampaignSnapshot) -> ScorePart:
    approved = [
        scope.value
        for scope in ApprovalScope
        if approved_for(snapshot.approvals.get(scope), snapshot.version)
    ]
    detail = f"{len(approved)} of 4 approved" + (f" ({', '.join(approved)})" if approved else "")
    return _part("approvals", len(approved) / len(ApprovalScope), detail)


def _assets_part(snapshot: CampaignSnapshot) -> ScorePart:
    creatives = snapshot.creatives
    if not creatives:
        return _part("assets", 0, "no creatives yet")
    ready = [c for c in creatives if c.asset_ids and not c.stale]
    return _part(
        "assets",
        len(ready) / len(creatives),
        f"{len(ready)} of {len(creatives)} creatives have current output",
    )


def recommend(snapshot: CampaignSnapshot, blockers: Sequence[Blocker]) -> list[Recommendation]:
    """Next actions in the order the workflow needs them, most urgent first."""
    steps: list[tuple[str, str, str | None, str | None]] = []
    version, approvals = snapshot.version, snapshot.approvals

    def approval_step(scope: ApprovalScope, why: str) -> None:
        approval = approvals.get(scope)
        if approval is None or approved_for(approval, version):
            return
        if approval.state is ApprovalState.REJECTED:
            action = f"Address the {scope.value} feedback and mark it addressed"
            why = f"it was rejected: {approval.timeline[-1].comment if approval.timeline else ''}"
        else:
            action = f"Get the {scope.value} approved"
        steps.append((action, why, "approval", approval.id))

    strategy = snapshot.strategy
    if strategy is None:
        steps.append(
            (
                "Write the strategy",
                "everything else is made from it",
                "strategy",
                None,
            )
        )
    else:
        if strategy.completion.missing:
            missing = ", ".join(n.replace("_", " ") for n in strategy.completion.missing)
            steps.append(
                (
                    f"Complete the strategy: {missing}",
                    f"it is {strategy.completion.percent} % complete",
                    "strategy",
                    strategy.id,
                )
            )
        approval_step(ApprovalScope.STRATEGY, "content, schedule and ads wait for it")
    stale = [c for c in snapshot.creatives if c.stale]
    renders = [c for c in stale if c.kind is not CreativeKind.TEXT]
    if renders:
        steps.append(
            (
                f"Regenerate {_count(len(renders), 'stale render')}",
                "they were made from an invalidated strategy version",
                "creative",
                renders[0].id,
            )
        )
    texts = [c for c in stale if c.kind is CreativeKind.TEXT]
    if texts:
        steps.append(
            (
                f"Rewrite {_count(len(texts), 'stale text')}",
                "copy written for an invalidated strategy version is edited, not rendered",
                "creative",
                texts[0].id,
            )
        )
    for channel in uncovered_channels(snapshot):
        steps.append(
            (
                f"Create content for {channel}",
                "the channel has no current creative",
                "content",
                None,
            )
        )
    for creative in snapshot.creatives:
        if not creative.stale and not creative.asset_ids:
            steps.append(
                (
                    f"Render or attach the output of {creative.title!r}",
                    "a creative without output cannot be published",
                    "creative",
                    creative.id,
                )
            )
    approval_step(ApprovalScope.CONTENT, "posts and ads must use approved content")
    weeks = uncovered_weeks(snapshot)
    if not snapshot.posts:
        steps.append(("Schedule posts", "nothing is scheduled yet", "schedule", None))
    elif weeks:
        steps.append(
            (
                f"Schedule posts for the week of {weeks[0]:%Y-%m-%d}",
                f"{len(weeks)} week(s) of the window have no post",
                "schedule",
                None,
            )
        )
    approval_step(ApprovalScope.SCHEDULE, "the schedule must be approved before publishing")
    if not snapshot.ad_plans:
        steps.append(("Plan the ads", "no ad plan yet", "ads", None))
    approval_step(ApprovalScope.ADS, "the ads must be approved before publishing")
    if not blockers:
        steps.append(
            ("Publish the campaign", "nothing blocks it", "campaign", snapshot.campaign.id)
        )
    return [
        Recommendation(rank=rank, action=action, reason=reason, target_type=kind, target_id=target)
        for rank, (action, reason, kind, target) in enumerate(steps, start=1)
    ]


def _count(number: int, noun: str) -> str:
    """``1 stale render``, ``2 stale renders``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
