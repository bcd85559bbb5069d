"""Builders of valid domain records for tests, with sensible defaults."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain import (
    ActivityEntry,
    AdPlan,
    Approval,
    Asset,
    AssetType,
    Campaign,
    Creative,
    Member,
    Post,
    RenderJob,
    Strategy,
    StrategyDraft,
    Workspace,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def campaign(tenant: str = "acme", **fields: Any) -> Campaign:
    return Campaign.model_validate(
        {"tenant_id": tenant, "name": "Spring launch", "created_by": "ana", **fields}
    )


def strategy(
    tenant: str = "acme", campaign_id: str = "c1", version: int = 1, **fields: Any
) -> Strategy:
    return Strategy.model_validate(
        {
            "tenant_id": tenant,
            "campaign_id": campaign_id,
            "version": version,
            "draft": StrategyDraft(objective="Grow sign-ups"),
            "created_by": "ana",
            **fields,
        }
    )


def approval(
    tenant: str = "acme", campaign_id: str = "c1", scope: str = "strategy", **fields: Any
) -> Approval:
    return Approval.model_validate(
        {"tenant_id": tenant, "campaign_id": campaign_id, "scope": scope, **fields}
    )


def creative(tenant: str = "acme", campaign_id: str = "c1", **fields: Any) -> Creative:
    return Creative.model_validate(
        {
            "tenant_id": tenant,
            "campaign_id": campaign_id,
            "kind": "text",
            "title": "Headline",
            "body": "Spring is here",
            "strategy_id": "s1",
            "strategy_version": 1,
            "created_by": "ana",
            **fields,
        }
    )


def post(tenant: str = "acme", campaign_id: str = "c1", **fields: Any) -> Post:
    return Post.model_validate(
        {
            "tenant_id": tenant,
            "campaign_id": campaign_id,
            "creative_id": "cr1",
            "channel": "instagram",
            "at": T0,
            "created_by": "ana",
            **fields,
        }
    )


def ad_plan(tenant: str = "acme", campaign_id: str = "c1", **fields: Any) -> AdPlan:
    return AdPlan.model_validate(
        {
            "tenant_id": tenant,
            "campaign_id": campaign_id,
            "name": "Search ads",
            "channel": "google",
            "budget": {"amount": 1200, "currency": "EUR"},
            "created_by": "ana",
            **fields,
        }
    )


def render_job(tenant: str = "acme", campaign_id: str = "c1", **fields: Any) -> RenderJob:
    return RenderJob.model_validate(
        {
            "tenant_id": tenant,
            "campaign_id": campaign_id,
            "creative_id": "cr1",
            "kind": "image",
            "prompt": "a bright spring meadow",
            "provider": "local-image",
            "created_by": "ana",
            "available_at": T0,
            "created_at": T0,
            **fields,
        }
    )


def asset(tenant: str = "acme", name: str = "photo.png", **fields: Any) -> Asset:
    content = fields.pop("content", f"{tenant}/{name}/{fields.get('uploaded_at')}")
    return Asset.model_validate(
        {
            "tenant_id": tenant,
            "type": AssetType.IMAGE,
            "filename": name,
            "size": 10,
            "sha256": hashlib.sha256(str(content).encode()).hexdigest(),
            "storage_key": f"blobs/{name}",
            "uploaded_by": "ana",
            **fields,
        }
    )


def activity(tenant: str = "acme", **fields: Any) -> ActivityEntry:
    return ActivityEntry.model_validate(
        {
            "tenant_id": tenant,
            "actor_id": "ana",
            "action": "campaign.created",
            "object_type": "campaign",
            "object_id": "c1",
            **fields,
        }
    )


def member(tenant: str = "acme", user_id: str = "ana", **fields: Any) -> Member:
    return Member.model_validate(
        {"tenant_id": tenant, "user_id": user_id, "roles": {"editor"}, **fields}
    )


def workspace(tenant: str = "acme", **fields: Any) -> Workspace:
    return Workspace.model_validate({"id": tenant, "tenant_id": tenant, "name": "Acme", **fields})
