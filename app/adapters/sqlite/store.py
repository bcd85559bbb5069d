"""The embedded store: every repository over one SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from app.adapters.sqlite.assets import SqliteAssetRepository
from app.adapters.sqlite.change_log import SqliteChangeLog
from app.adapters.sqlite.database import SqliteDatabase
from app.adapters.sqlite.migrations import MIGRATIONS, schema_version
from app.adapters.sqlite.render_jobs import SqliteRenderJobRepository
from app.adapters.sqlite.repositories import (
    SqliteActivityRepository,
    SqliteAdPlanRepository,
    SqliteApprovalRepository,
    SqliteCampaignRepository,
    SqliteCreativeRepository,
    SqliteMemberRepository,
    SqlitePostRepository,
    SqliteStrategyRepository,
    SqliteWorkspaceRepository,
)

DATABASE_FILENAME = "campaign-studio.sqlite3"


class SqliteStore:
    """The embedded default database: one SQLite file in WAL mode.

    Args:
        path: the database file (``<data_dir>/campaign-studio.sqlite3`` by default).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteDatabase(path)
        self.workspaces = SqliteWorkspaceRepository(self._db)
        self.members = SqliteMemberRepository(self._db)
        self.campaigns = SqliteCampaignRepository(self._db)
        self.strategies = SqliteStrategyRepository(self._db)
        self.approvals = SqliteApprovalRepository(self._db)
        self.creatives = SqliteCreativeRepository(self._db)
        self.posts = SqlitePostRepository(self._db)
        self.ad_plans = SqliteAdPlanRepository(self._db)
        self.render_jobs = SqliteRenderJobRepository(self._db)
        self.assets = SqliteAssetRepository(self._db)
        self.activity = SqliteActivityRepository(self._db)
        self.changes = SqliteChangeLog(self._db)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    def authenticated_user(self) -> str | None:
        """Nobody: the embedded file is one person's, and has no users."""
        return None

    async def describe(self) -> dict[str, Any]:
        def facts(connection: sqlite3.Connection) -> dict[str, Any]:
            return {
                "kind": "sqlite (embedded)",
                "file": str(self.path),
                "schema_version": f"{schema_version(connection)} of {len(MIGRATIONS)}",
                "journal_mode": connection.execute("PRAGMA journal_mode").fetchone()[0],
                "sqlite_version": sqlite3.sqlite_version,
                "integrity": connection.execute("PRAGMA quick_check").fetchone()[0],
            }

        return await self._db.read(facts)
