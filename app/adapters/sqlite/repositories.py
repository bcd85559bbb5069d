"""The SQLite repositories of the workflow records (campaigns, strategies, approvals, ...)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.adapters.sqlite.change_log import log_changes
from app.adapters.sqlite.repository import SqliteRepository, json_time, micros
from app.domain import (
    ActivityEntry,
    AdPlan,
    Approval,
    ApprovalScope,
    Campaign,
    Creative,
    Member,
    Post,
    Strategy,
    StrategyStatus,
    Workspace,
)
from app.domain.changes import ChangeAction, current_operation

MAX_IDS_PER_QUERY = 500
"""Ids bound to one ``IN (…)``: well below SQLite's limit on a statement's parameters."""

_SCOPE_ORDER = {scope: index for index, scope in enumerate(ApprovalScope)}


class SqliteWorkspaceRepository(SqliteRepository[Workspace]):
    table = "workspaces"
    model = Workspace
    label = "workspace"


class SqliteMemberRepository(SqliteRepository[Member]):
    table = "members"
    model = Member
    label = "member"
    duplicate_message = "this user is already a member of the workspace"

    def columns(self, record: Member) -> dict[str, Any]:
        return {"user_id": record.user_id}

    async def find(self, tenant_id: str, user_id: str) -> Member | None:
        return await self._find_one("tenant_id = ? AND user_id = ?", (tenant_id, user_id))

    async def list_for_user(self, user_id: str) -> list[Member]:
        return await self._select("user_id = ?", (user_id,), order="tenant_id")

    async def remove(self, tenant_id: str, user_id: str) -> bool:
        op = current_operation()

        def run(connection: sqlite3.Connection) -> bool:
            sql = "DELETE FROM members WHERE tenant_id = ? AND user_id = ? RETURNING doc"
            gone = [
                Member.model_validate_json(row[0])
                for row in connection.execute(sql, (tenant_id, user_id))
            ]
            log_changes(connection, op, [(member, ChangeAction.DELETED) for member in gone])
            return bool(gone)

        return await self._db.write(run)

    async def list(self, tenant_id: str) -> list[Member]:
        return await self._select("tenant_id = ?", (tenant_id,), order="user_id")


class SqliteCampaignRepository(SqliteRepository[Campaign]):
    table = "campaigns"
    model = Campaign
    label = "campaign"

    def columns(self, record: Campaign) -> dict[str, Any]:
        return {"created_at": micros(record.created_at)}

    async def list(self, tenant_id: str) -> list[Campaign]:
        return await self._select("tenant_id = ?", (tenant_id,), order="created_at DESC, id DESC")


class SqliteStrategyRepository(SqliteRepository[Strategy]):
    table = "strategies"
    model = Strategy
    label = "strategy"
    duplicate_message = "this strategy version already exists (someone saved a version first)"

    def columns(self, record: Strategy) -> dict[str, Any]:
        return {
            "campaign_id": record.campaign_id,
            "version": record.version,
            "status": record.status.value,
        }

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Strategy]:
        return await self._select(
            "tenant_id = ? AND campaign_id = ?", (tenant_id, campaign_id), order="version"
        )

    async def find_active(self, tenant_id: str, campaign_id: str) -> Strategy | None:
        return await self._find_one(
            "tenant_id = ? AND campaign_id = ? AND status = ?",
            (tenant_id, campaign_id, StrategyStatus.ACTIVE.value),
            order="version DESC",
        )


class SqliteApprovalRepository(SqliteRepository[Approval]):
    table = "approvals"
    model = Approval
    label = "approval"
    duplicate_message = "this campaign already has an approval for that scope"

    def columns(self, record: Approval) -> dict[str, Any]:
        return {"campaign_id": record.campaign_id, "scope": record.scope.value}

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Approval]:
        rows = await self._select("tenant_id = ? AND campaign_id = ?", (tenant_id, campaign_id))
        return sorted(rows, key=lambda approval: _SCOPE_ORDER[approval.scope])


class SqliteCreativeRepository(SqliteRepository[Creative]):
    table = "creatives"
    model = Creative
    label = "creative"

    def columns(self, record: Creative) -> dict[str, Any]:
        return {
            "campaign_id": record.campaign_id,
            "stale": int(record.stale),
            "created_at": micros(record.created_at),
            "strategy_version": record.strategy_version,
        }

    async def mark_stale(
        self, tenant_id: str, campaign_id: str, strategy_version: int, at: datetime
    ) -> int:
        op = current_operation()

        # json_set keeps the JSON document (the source of truth) in step with the columns;
        # on the right-hand side, revision is still the old value.
        def run(connection: sqlite3.Connection) -> int:
            marked = [
                Creative.model_validate_json(row[0])
                for row in connection.execute(
                    "UPDATE creatives SET stale = 1, revision = revision + 1, doc = json_set(doc, "
                    "'$.stale', json('true'), '$.revision', revision + 1, '$.updated_at', ?) "
                    "WHERE tenant_id = ? AND campaign_id = ? AND strategy_version = ? "
                    "AND stale = 0 RETURNING doc",
                    (json_time(at), tenant_id, campaign_id, strategy_version),
                )
            ]
            log_changes(connection, op, [(creative, ChangeAction.UPDATED) for creative in marked])
            return len(marked)

        return await self._db.write(run)

    async def list_for_campaign(
        self, tenant_id: str, campaign_id: str, *, stale_only: bool = False
    ) -> list[Creative]:
        where = "tenant_id = ? AND campaign_id = ?" + (" AND stale = 1" if stale_only else "")
        return await self._select(where, (tenant_id, campaign_id), order="created_at, id")

    async def list_using_asset(self, tenant_id: str, asset_id: str) -> list[Creative]:
        return await self._select(
            "tenant_id = ? AND id IN (SELECT creative_id FROM creative_assets "
            "WHERE tenant_id = ? AND asset_id = ?)",
            (tenant_id, tenant_id, asset_id),
            order="created_at, id",
        )

    async def count_using_assets(self, tenant_id: str, asset_ids: Sequence[str]) -> dict[str, int]:
        ids = sorted(set(asset_ids))
        counts: dict[str, int] = {}
        for start in range(0, len(ids), MAX_IDS_PER_QUERY):
            chunk = ids[start : start + MAX_IDS_PER_QUERY]
            sql = (
                "SELECT asset_id, COUNT(*) FROM creative_assets "
                f"WHERE tenant_id = ? AND asset_id IN ({', '.join('?' * len(chunk))}) "
                "GROUP BY asset_id"
            )
            params = (tenant_id, *chunk)

            def read(connection: sqlite3.Connection, sql: str = sql, params: Any = params) -> Any:
                return connection.execute(sql, params).fetchall()

            counts.update((asset_id, count) for asset_id, count in await self._db.read(read))
        return counts

    def after_write(
        self, connection: sqlite3.Connection, record: Creative, *, inserted: bool
    ) -> None:
        if not inserted:
            connection.execute("DELETE FROM creative_assets WHERE creative_id = ?", (record.id,))
        connection.executemany(
            "INSERT INTO creative_assets (tenant_id, asset_id, creative_id) VALUES (?, ?, ?)",
            [(record.tenant_id, asset_id, record.id) for asset_id in set(record.asset_ids)],
        )


class SqlitePostRepository(SqliteRepository[Post]):
    table = "posts"
    model = Post
    label = "post"

    def columns(self, record: Post) -> dict[str, Any]:
        return {"campaign_id": record.campaign_id, "at_utc": micros(record.at)}

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[Post]:
        return await self._select(
            "tenant_id = ? AND campaign_id = ?", (tenant_id, campaign_id), order="at_utc, id"
        )


class SqliteAdPlanRepository(SqliteRepository[AdPlan]):
    table = "ad_plans"
    model = AdPlan
    label = "ad plan"

    def columns(self, record: AdPlan) -> dict[str, Any]:
        return {"campaign_id": record.campaign_id, "created_at": micros(record.created_at)}

    async def list_for_campaign(self, tenant_id: str, campaign_id: str) -> list[AdPlan]:
        return await self._select(
            "tenant_id = ? AND campaign_id = ?", (tenant_id, campaign_id), order="created_at, id"
        )


class SqliteActivityRepository(SqliteRepository[ActivityEntry]):
    table = "activity"
    model = ActivityEntry
    label = "activity entry"

    def columns(self, record: ActivityEntry) -> dict[str, Any]:
        return {"campaign_id": record.campaign_id, "at": micros(record.at)}

    async def list(
        self, tenant_id: str, *, campaign_id: str | None = None, limit: int = 100
    ) -> list[ActivityEntry]:
        where = "tenant_id = ?"
        params: list[Any] = [tenant_id]
        if campaign_id is not None:
            where += " AND campaign_id = ?"
            params.append(campaign_id)
        return await self._select(where, params, order="at DESC, id DESC", limit=limit)
