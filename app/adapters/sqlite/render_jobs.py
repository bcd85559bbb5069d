"""The SQLite render-job repository: listing and the atomic, leased claim."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.adapters.records import checked
from app.adapters.sqlite.repository import SqliteRepository, micros
from app.domain import RenderJob, RenderStatus

_CLAIMABLE = (RenderStatus.QUEUED.value, RenderStatus.RUNNING.value)


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

    async def claim_next(
        self,
        *,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        providers: Sequence[str] | None = None,
    ) -> RenderJob | None:
        def claim(connection: sqlite3.Connection) -> RenderJob | None:
            where = (
                f"status IN ({_marks(_CLAIMABLE)}) AND available_at <= ? "
                "AND (lease_expires_at IS NULL OR lease_expires_at < ?)"
            )
            params: list[Any] = [*_CLAIMABLE, micros(now), micros(now)]
            if providers is not None:
                where += f" AND provider IN ({_marks(providers)})"
                params.extend(providers)
            row = connection.execute(
                f"SELECT doc FROM render_jobs WHERE {where} "
                "ORDER BY available_at, created_at, id LIMIT 1",
                params,
            ).fetchone()
            if row is None:
                return None
            job = RenderJob.model_validate_json(row[0])
            leased = checked(
                job, lease_owner=worker_id, lease_expires_at=lease_until, revision=job.revision + 1
            )
            self._replace(connection, job, leased)
            return leased

        return await self._db.write(claim)

    async def find_by_provider_job(self, provider: str, provider_job_id: str) -> RenderJob | None:
        return await self._find_one(
            "provider = ? AND provider_job_id = ?", (provider, provider_job_id)
        )
