"""The indexes of every collection: tenant first, explicitly named, created idempotently."""

from __future__ import annotations

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel


def _unique(name: str, *keys: tuple[str, int]) -> IndexModel:
    return IndexModel(list(keys), name=name, unique=True)


def _index(name: str, *keys: tuple[str, int]) -> IndexModel:
    return IndexModel(list(keys), name=name)


TENANT = ("tenant_id", ASC)
CAMPAIGN = ("campaign_id", ASC)

INDEXES: dict[str, list[IndexModel]] = {
    "workspaces": [],
    "members": [_unique("tenant_user_unique", TENANT, ("user_id", ASC))],
    "campaigns": [_index("tenant_created", TENANT, ("created_at", DESC))],
    "strategies": [
        _unique("tenant_campaign_version_unique", TENANT, CAMPAIGN, ("version", ASC)),
        _index("tenant_campaign_status", TENANT, CAMPAIGN, ("status", ASC)),
    ],
    "approvals": [_unique("tenant_campaign_scope_unique", TENANT, CAMPAIGN, ("scope", ASC))],
    "creatives": [
        _index(
            "tenant_campaign_stale_created", TENANT, CAMPAIGN, ("stale", ASC), ("created_at", ASC)
        ),
    ],
    "posts": [_index("tenant_campaign_at", TENANT, CAMPAIGN, ("at_utc", ASC))],
    "ad_plans": [_index("tenant_campaign", TENANT, CAMPAIGN)],
    "render_jobs": [
        _index(
            "tenant_campaign_status_created",
            TENANT,
            CAMPAIGN,
            ("status", ASC),
            ("created_at", DESC),
        ),
        _index("tenant_status_created", TENANT, ("status", ASC), ("created_at", DESC)),
        # Claims read the queue in their order (one index scan per claimable status, merged)
        # instead of sorting every queued job. It replaces "claim" (see RETIRED).
        _index(
            "claim_in_order",
            ("status", ASC),
            ("available_at", ASC),
            ("created_at", ASC),
            ("_id", ASC),
        ),
        _index("provider_job", ("provider", ASC), ("provider_job_id", ASC)),
    ],
    "assets": [
        _unique("tenant_sha256_unique", TENANT, ("sha256", ASC)),
        _index(
            "tenant_archived_uploaded",
            TENANT,
            ("archived", ASC),
            ("uploaded_at", DESC),
            ("_id", DESC),
        ),
        _index(
            "tenant_archived_type_uploaded",
            TENANT,
            ("archived", ASC),
            ("type", ASC),
            ("uploaded_at", DESC),
        ),
        _index("tenant_tags_uploaded", TENANT, ("tags", ASC), ("uploaded_at", DESC)),
        _index(
            "tenant_archived_category_uploaded",
            TENANT,
            ("archived", ASC),
            ("category", ASC),
            ("uploaded_at", DESC),
        ),
    ],
    "activity": [
        _index("tenant_at", TENANT, ("at", DESC)),
        _index("tenant_campaign_at", TENANT, CAMPAIGN, ("at", DESC)),
    ],
}
"""Collection name → its indexes (besides ``_id``)."""

RETIRED: dict[str, list[str]] = {"render_jobs": ["claim"]}
"""Collection name → indexes of earlier releases that opening a database drops."""
