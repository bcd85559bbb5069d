"""The embedded database's schema, as forward-only migrations.

``PRAGMA user_version`` holds the schema version. Opening a file applies every migration above
its version, each in its own transaction; a file written by a newer release is refused rather
than damaged. Append new migrations; never edit a released one.

Every table keeps the record as JSON in ``doc`` (the source of truth) and copies the fields its
queries filter or sort on into indexed columns. Timestamps in columns are integer microseconds
since the Unix epoch, UTC.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from app.domain.errors import StorageError

_RECORD = (
    "id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, revision INTEGER NOT NULL, doc TEXT NOT NULL"
)

SCHEMA_V1 = f"""
CREATE TABLE workspaces ({_RECORD});

CREATE TABLE members ({_RECORD}, user_id TEXT NOT NULL);
CREATE UNIQUE INDEX members_user ON members (tenant_id, user_id);

CREATE TABLE campaigns ({_RECORD}, created_at INTEGER NOT NULL);
CREATE INDEX campaigns_list ON campaigns (tenant_id, created_at DESC, id DESC);

CREATE TABLE strategies ({_RECORD}, campaign_id TEXT NOT NULL, version INTEGER NOT NULL,
    status TEXT NOT NULL);
CREATE UNIQUE INDEX strategies_version ON strategies (tenant_id, campaign_id, version);
CREATE INDEX strategies_status ON strategies (tenant_id, campaign_id, status);

CREATE TABLE approvals ({_RECORD}, campaign_id TEXT NOT NULL, scope TEXT NOT NULL);
CREATE UNIQUE INDEX approvals_scope ON approvals (tenant_id, campaign_id, scope);

CREATE TABLE creatives ({_RECORD}, campaign_id TEXT NOT NULL, stale INTEGER NOT NULL,
    created_at INTEGER NOT NULL, strategy_version INTEGER NOT NULL);
CREATE INDEX creatives_list ON creatives (tenant_id, campaign_id, stale, created_at, id);

-- Which creatives use which library asset (usage tracking), kept in step with creatives.doc.
CREATE TABLE creative_assets (
    tenant_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    creative_id TEXT NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, asset_id, creative_id)
) WITHOUT ROWID;
CREATE INDEX creative_assets_creative ON creative_assets (creative_id);

CREATE TABLE posts ({_RECORD}, campaign_id TEXT NOT NULL, at_utc INTEGER NOT NULL);
CREATE INDEX posts_list ON posts (tenant_id, campaign_id, at_utc, id);

CREATE TABLE ad_plans ({_RECORD}, campaign_id TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX ad_plans_list ON ad_plans (tenant_id, campaign_id, created_at, id);

CREATE TABLE render_jobs ({_RECORD}, campaign_id TEXT NOT NULL, status TEXT NOT NULL,
    provider TEXT NOT NULL, provider_job_id TEXT, created_at INTEGER NOT NULL,
    available_at INTEGER NOT NULL, lease_expires_at INTEGER);
CREATE INDEX render_jobs_campaign ON render_jobs (tenant_id, campaign_id, status, created_at DESC);
CREATE INDEX render_jobs_status ON render_jobs (tenant_id, status, created_at DESC);
CREATE INDEX render_jobs_created ON render_jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX render_jobs_claim ON render_jobs (status, available_at, created_at, id);
CREATE INDEX render_jobs_provider ON render_jobs (provider, provider_job_id);

CREATE TABLE assets ({_RECORD}, type TEXT NOT NULL, filename_lc TEXT NOT NULL,
    archived INTEGER NOT NULL, uploaded_at INTEGER NOT NULL, sha256 TEXT NOT NULL,
    category TEXT);
CREATE UNIQUE INDEX assets_content ON assets (tenant_id, sha256);
-- The search indexes carry filename_lc (and type) so that filters run on the index alone and
-- only the rows of the requested page are read from the table.
CREATE INDEX assets_newest ON assets (tenant_id, archived, uploaded_at DESC, id DESC, type,
    filename_lc);
CREATE INDEX assets_all ON assets (tenant_id, uploaded_at DESC, id DESC, archived, type,
    filename_lc);
CREATE INDEX assets_type ON assets (tenant_id, archived, type, uploaded_at DESC, id DESC,
    filename_lc);
CREATE INDEX assets_category ON assets (tenant_id, archived, category, uploaded_at DESC, id DESC,
    type, filename_lc);

CREATE TABLE asset_tags (
    tenant_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, tag, asset_id)
) WITHOUT ROWID;
CREATE INDEX asset_tags_asset ON asset_tags (asset_id);

CREATE TABLE activity ({_RECORD}, campaign_id TEXT, at INTEGER NOT NULL);
CREATE INDEX activity_newest ON activity (tenant_id, at DESC, id DESC);
CREATE INDEX activity_campaign ON activity (tenant_id, campaign_id, at DESC, id DESC);
"""

# Claims read the claimable jobs in queue order straight from this index, filters included,
# and stop at the jobs they take: the first one sorted every queued job (their documents too).
# Its WHERE must match the claim query's status condition word for word.
SCHEMA_V2 = """
DROP INDEX render_jobs_claim;
CREATE INDEX render_jobs_claimable ON render_jobs (available_at, created_at, id, lease_expires_at,
    provider) WHERE status IN ('queued', 'running');
"""

# A user's workspaces (``members.list_for_user``): the first index leads with the tenant.
SCHEMA_V3 = """
CREATE INDEX IF NOT EXISTS members_by_user ON members (user_id, tenant_id);
"""

# The change log (``change_log.py``): one row per logged write, numbered by the file itself.
SCHEMA_V4 = """
CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
    tenant_id TEXT NOT NULL, record TEXT NOT NULL, record_id TEXT NOT NULL, campaign_id TEXT,
    action TEXT NOT NULL, actor_id TEXT, op_id TEXT NOT NULL);
CREATE INDEX changes_at ON changes (at);
CREATE TABLE change_log_state (id INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through INTEGER NOT NULL);
INSERT INTO change_log_state (id, pruned_through) VALUES (1, 0);
"""

MIGRATIONS: tuple[str, ...] = (SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4)
"""Migration ``n`` (1-based) brings the schema from version ``n - 1`` to ``n``."""


def schema_version(connection: sqlite3.Connection) -> int:
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    return int(version)


def migrate(connection: sqlite3.Connection, migrations: Sequence[str]) -> int:
    """Apply the migrations above the file's version, each atomically; returns the new version.

    The version is read again inside each write transaction, so two processes opening the same
    file at once never apply a migration twice.
    """
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(connection)
            if current > len(migrations):
                raise StorageError(
                    f"the database was written by a newer Campaign Studio (schema {current}; "
                    f"this release knows up to {len(migrations)}): update the app or choose "
                    "another data folder"
                )
            if current == len(migrations):
                connection.execute("COMMIT")
                return current
            # executescript() would commit the open transaction first: run statement by
            # statement to keep each migration all-or-nothing.
            for statement in _statements(migrations[current]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {current + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
