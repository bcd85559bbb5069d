"""The SQLite render-job repository: listing and the atomic, leased claim."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from app.adapters.records import checked
from app.adapters.sqlite.repository import SqliteRepository, micros
from app.domain import RenderJob, RenderStatus
from app.domain.changes import current_operation

# Word for word the WHERE of the partial index render_jobs_claimable (migration 2), which
# SQLite uses only for a query that repeats it.
CLAIMABLE_SQL = "status IN ('queued', 'running')"


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


class SqliteRenderJobRepository(SqliteRepository[RenderJob]):
    table = "render_jobs"
    model = RenderJob
    label = "render job"

    def columns(self, record: RenderJob) -> dict[str, Any]:
        return {
            "campaign_id": record.campaign_id,
            "status": record.status.value,
            "provider": record.provider,
            "provider_job_id": record.provider_job_id,
            "created_at": micros(record.created_at),
            "available_at": micros(record.available_at),
            "lease_expires_at": (
                micros(record.lease_expires_at) if record.lease_expires_at else None
            ),
        }

    async def list(
        self,
        tenant_id: str,
        *,
        campaign_id: str | None = None,
        statuses: Sequence[RenderStatus] | None = None,
    ) -> list[RenderJob]:
        where = "tenant_id = ?"
        params: list[Any] = [tenant_id]
        if campaign_id is not None:
            where += " AND campaign_id = ?"
            params.append(campaign_id)
        if statuses is not None:
            values = [RenderStatus(status).value for status in statuses]
            where += f" AND status IN ({_marks(values)})"
            params.extend(values)
        return await self._select(where, params, order="created_at DESC, id DESC")

    async def claim(
        self,
        *,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        limit: int = 1,
        room: Mapping[str, int] | None = None,
    ) -> Sequence[RenderJob]:
        left = None if room is None else {name: n for name, n in room.items() if n > 0}
        if limit < 1 or left == {}:
            return []
        op = current_operation()  # a lease is not logged (is_logged), but every write has one
        where = (
            f"{CLAIMABLE_SQL} AND available_at <= ? "
            "AND (lease_expires_at IS NULL OR lease_expires_at < ?)"
        )
        params: list[Any] = [micros(now), micros(now)]
        if left is not None:
            where += f" AND provider IN ({_marks(list(left))})"
            params.extend(left)
        order = "ORDER BY available_at, created_at, id"
        if left is None or min(left.values()) >= limit:
            order += " LIMIT ?"  # else rows of a provider without room left are read past
            params.append(limit)
        # Named: the planner, without statistics, may prefer the provider index and sort.
        sql = (
            "SELECT provider, doc FROM render_jobs INDEXED BY render_jobs_claimable "
            f"WHERE {where} {order}"
        )

        def claim(connection: sqlite3.Connection) -> list[RenderJob]:
            rows = connection.execute(sql, params)
            remaining = None if left is None else dict(left)
            docs: list[str] = []
            for provider, doc in rows:
                if remaining is not None:
                    if remaining[provider] == 0:
                        continue
                    remaining[provider] -= 1
                docs.append(doc)
                if len(docs) == limit or (remaining is not None and not any(remaining.values())):
                    break
            rows.close()
            claimed = []
            for doc in docs:
                job = RenderJob.model_validate_json(doc)
                leased = checked(
                    job,
                    lease_owner=worker_id,
                    lease_expires_at=lease_until,
                    revision=job.revision + 1,
                )
                self._replace(connection, job, leased, op)
                claimed.append(leased)
            return claimed

        return await self._db.write(claim)

    async def find_by_provider_job(self, provider: str, provider_job_id: str) -> RenderJob | None:
        return await self._find_one(
            "provider = ? AND provider_job_id = ?", (provider, provider_job_id)
        )
