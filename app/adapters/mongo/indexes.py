"""The indexes of every collection, as the steps of the database's schema.

Each step is a :class:`Migration` that creates indexes (tenant first, explicitly named) and
drops those of earlier steps; :mod:`app.adapters.mongo.schema` applies the steps above the
database's recorded version, in order. Append new steps; never edit a released one. A step must
be safe to run again (a workstation that stopped in the middle of it leaves it half done): index
creation is idempotent, and a drop skips an index that is already gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pymongo import ASCENDING as ASC
from pymongo import DESCENDING as DESC
from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from app.adapters.mongo.collection import Document


def _unique(name: str, *keys: tuple[str, int]) -> IndexModel:
    return IndexModel(list(keys), name=name, unique=True)


def _index(name: str, *keys: tuple[str, int]) -> IndexModel:
    return IndexModel(list(keys), name=name)


TENANT = ("tenant_id", ASC)
CAMPAIGN = ("campaign_id", ASC)

FIRST_INDEXES: dict[str, list[IndexModel]] = {
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
        _index("tenant_asset_ids", TENANT, ("asset_ids", ASC)),  # usage of a library asset
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
        _index("claim", ("status", ASC), ("available_at", ASC)),
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
"""Collection name → its indexes (besides ``_id``) in the first release."""

# Claims read the queue in their order (one index scan per claimable status, merged) instead of
# sorting every queued job.
CLAIM_IN_ORDER = _index(
    "claim_in_order", ("status", ASC), ("available_at", ASC), ("created_at", ASC), ("_id", ASC)
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: create the ``create`` indexes, then drop the ``drop`` ones.

    Attributes:
        name: What the step does, recorded in the database's history.
        create: Collection name → indexes to create.
        drop: Collection name → names of indexes to drop.
    """

    name: str
    create: Mapping[str, Sequence[IndexModel]] = field(default_factory=dict)
    drop: Mapping[str, Sequence[str]] = field(default_factory=dict)

    async def apply(self, database: AsyncDatabase[Document]) -> None:
        """Make the step's changes (again, if it was interrupted).

        Raises:
            pymongo.errors.PyMongoError: The server refused; the caller translates it.
        """
        for collection, indexes in self.create.items():
            if indexes:
                await database[collection].create_indexes(list(indexes))
        for collection, names in self.drop.items():
            for name in names:
                await _drop_index(database, collection, name)


async def _drop_index(database: AsyncDatabase[Document], collection: str, name: str) -> None:
    # Looking first keeps a re-run quiet: servers and mongomock word "no such index"
    # differently (mongomock gives no error code at all).
    if name not in await database[collection].index_information():
        return
    try:
        await database[collection].drop_index(name)
    except OperationFailure:
        if name in await database[collection].index_information():
            raise  # still there: a real failure, not a workstation that dropped it first


MIGRATIONS: tuple[Migration, ...] = (
    Migration("the first release's indexes", create=FIRST_INDEXES),
    Migration(
        "claims read the queue in order",
        create={"render_jobs": [CLAIM_IN_ORDER]},
        drop={"render_jobs": ["claim"]},
    ),
    Migration(
        "a user's workspaces are listed by user id",
        create={"members": [_index("user_tenant", ("user_id", ASC), TENANT)]},
    ),
    # Releases before this one do not log their writes: the step makes them read-only here.
    Migration("the change log is pruned by age", create={"changes": [_index("at", ("at", ASC))]}),
)
"""Migration ``n`` (1-based) brings the schema from version ``n - 1`` to ``n``."""
