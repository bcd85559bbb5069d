"""The MongoDB asset library: search in the seed's filter order, content lookup, tag and
category counts (see :class:`app.ports.repositories.AssetRepository`)."""

from __future__ import annotations

import re
from typing import Any

from app.adapters.mongo.change_log import MongoChangeLog
from app.adapters.mongo.codec import DocumentCodec
from app.adapters.mongo.collection import MongoRepository, storage_errors
from app.adapters.mongo.repositories import Database
from app.domain import Asset, AssetPage, AssetQuery


class MongoAssetRepository(MongoRepository[Asset]):
    """The asset library; ``sha256`` is unique per tenant."""

    def __init__(self, database: Database, changes: MongoChangeLog | None = None) -> None:
        codec = DocumentCodec(
            Asset,
            noun="asset",
            datetime_fields=("uploaded_at", "archived_at"),
            derived={"filename_lc": lambda asset: asset.filename.lower()},
        )
        super().__init__(
            database["assets"],
            codec,
            taken=lambda _asset: "an asset with the same content is already in the library",
        )
        self._changes = changes

    async def search(self, tenant_id: str, query: AssetQuery) -> AssetPage:
        """Apply ``query`` in the seed's filter order; see :class:`AssetQuery`."""
        mongo_query: dict[str, Any] = {"tenant_id": tenant_id}
        if not query.include_archived:
            mongo_query["archived"] = False
        if query.types:
            mongo_query["type"] = {"$in": sorted(kind.value for kind in query.types)}
        if query.category is not None:
            mongo_query["category"] = query.category
        if query.tags:
            mongo_query["tags"] = {"$all": sorted(query.tags)}
        if query.filename:
            # Literal text: a user's input is never a regular expression.
            mongo_query["filename_lc"] = {"$regex": re.escape(query.filename.lower())}
        items = await self._find_all(
            mongo_query,
            sort=[("uploaded_at", -1), ("_id", -1)],
            skip=query.offset,
            limit=query.limit,
        )
        with storage_errors("count the assets"):
            total = await self._collection.count_documents(mongo_query)
        return AssetPage(items=items, total=total, limit=query.limit, offset=query.offset)

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Asset | None:
        """The tenant's asset with this content, or None."""
        return await self._find_one({"tenant_id": tenant_id, "sha256": sha256})

    async def categories(self, tenant_id: str) -> dict[str, int]:
        """The categories of the tenant's unarchived assets with their counts."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"tenant_id": tenant_id, "archived": False, "category": {"$ne": None}}},
            {"$group": {"_id": "$category", "count": {"$sum": 1}}},
        ]
        return await self._counts(pipeline, "categories")

    async def tags(self, tenant_id: str) -> dict[str, int]:
        """The tags of the tenant's unarchived assets with how many carry each."""
        pipeline: list[dict[str, Any]] = [
            {"$match": {"tenant_id": tenant_id, "archived": False}},
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        ]
        return await self._counts(pipeline, "tags")

    async def _counts(self, pipeline: list[dict[str, Any]], what: str) -> dict[str, int]:
        """``{name: count}`` from a pipeline grouping by name, sorted by name."""
        with storage_errors(f"count the asset {what}"):
            cursor = await self._collection.aggregate(pipeline)
            rows = await cursor.to_list(None)
        return {str(row["_id"]): int(row["count"]) for row in sorted(rows, key=lambda r: r["_id"])}
