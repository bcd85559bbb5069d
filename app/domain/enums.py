"""Enumerations of the domain. Values are lower case; every call also accepts the plain string."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Member roles, ordered viewer < editor < approver < admin."""

    VIEWER = "viewer"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.VIEWER: 0, Role.EDITOR: 1, Role.APPROVER: 2, Role.ADMIN: 3}


class ApprovalScope(StrEnum):
    STRATEGY = "strategy"
    CONTENT = "content"
    SCHEDULE = "schedule"
    ADS = "ads"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"


class RenderStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (RenderStatus.PUBLISHED, RenderStatus.FAILED, RenderStatus.CANCELLED)


class AssetType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    TEXT = "text"
    OTHER = "other"


class CreativeKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    READY = "ready"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class StrategyStatus(StrEnum):
    ACTIVE = "active"
    INVALIDATED = "invalidated"


class AssetSource(StrEnum):
    UPLOAD = "upload"
    RENDER = "render"
