"""The domain: pydantic models, enumerations, state machines and errors. Pure: no I/O."""

from app.domain.activity import ActivityEntry
from app.domain.actors import Actor, Member, Workspace
from app.domain.approvals import Approval, ApprovalAction, TimelineEvent, Vote, VoteDecision
from app.domain.assets import ArchiveResult, Asset, AssetPage, AssetQuery
from app.domain.campaigns import AdPlan, Campaign, Post
from app.domain.common import Money, Record, new_id, utc_now
from app.domain.creatives import Creative, CreativeOutput
from app.domain.enums import (
    ApprovalScope,
    ApprovalState,
    AssetSource,
    AssetType,
    CampaignStatus,
    CreativeKind,
    RenderStatus,
    Role,
    StrategyStatus,
)
from app.domain.evaluation import Blocker, Evaluation, Recommendation, ScorePart
from app.domain.render_jobs import RenderJob, RenderProgress
from app.domain.strategies import Completion, Strategy, StrategyDraft

__all__ = [
    "ActivityEntry",
    "Actor",
    "AdPlan",
    "Approval",
    "ApprovalAction",
    "ApprovalScope",
    "ApprovalState",
    "ArchiveResult",
    "Asset",
    "AssetPage",
    "AssetQuery",
    "AssetSource",
    "AssetType",
    "Blocker",
    "Campaign",
    "CampaignStatus",
    "Completion",
    "Creative",
    "CreativeKind",
    "CreativeOutput",
    "Evaluation",
    "Member",
    "Money",
    "Post",
    "Recommendation",
    "Record",
    "RenderJob",
    "RenderProgress",
    "RenderStatus",
    "Role",
    "ScorePart",
    "Strategy",
    "StrategyDraft",
    "StrategyStatus",
    "TimelineEvent",
    "Vote",
    "VoteDecision",
    "Workspace",
    "new_id",
    "utc_now",
]
