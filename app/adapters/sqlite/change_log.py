"""The change log in the SQLite file: one row per logged write, in the write's transaction.

``seq`` is the row's ``AUTOINCREMENT`` id. Writers take the file's write lock in turn
(``BEGIN IMMEDIATE``) and hold it until they commit, so rows commit in ``seq`` order and a
follower that reads past the last ``seq`` it saw never misses one; ``AUTOINCREMENT`` never
hands out a ``seq`` again, even after pruning.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from app.adapters.sqlite.database import SqliteDatabase
from app.domain import Record, RenderJob
from app.domain.changes import (
    ChangeAction,
    LoggedChange,
    LogPage,
    Operation,
    RecordKind,
    campaign_of,
    record_kind,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // timedelta(microseconds=1)


def log_changes(
    connection: sqlite3.Connection,
    operation: Operation,
    changes: Iterable[tuple[Record, ChangeAction]],
) -> None:
    """Append the changes of ``operation`` to the log (inside the caller's transaction)."""
    at = _micros(datetime.now(UTC))
    rows = [
        (
            at,
            record.tenant_id,
            kind.value,
            record.id,
            campaign_of(record),
            action.value,
            operation.actor_id,
            operation.op_id,
        )
        for record, action in changes
        if (kind := record_kind(record)) is not None
    ]
    if rows:
        connection.executemany(
            "INSERT INTO changes (at, tenant_id, record, record_id, campaign_id, action, "
            "actor_id, op_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


class SqliteChangeLog:
    """Reads and prunes the log; the repositories write it."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def last_seq(self) -> int:
        def run(connection: sqlite3.Connection) -> int:
            # sqlite_sequence keeps the highest seq ever handed out, even when pruned away.
            row = connection.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'changes'"
            ).fetchone()
            return int(row[0]) if row else 0

        return await self._db.read(run)

    async def read_after(self, seq: int, *, limit: int) -> LogPage:
        def run(connection: sqlite3.Connection) -> LogPage:
            rows = connection.execute(
                "SELECT seq, record, record_id, tenant_id, campaign_id, action, actor_id, op_id, "
                "at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
            pruned = connection.execute("SELECT pruned_through FROM change_log_state").fetchone()
            return LogPage([_change(row) for row in rows], int(pruned[0]) if pruned else 0)

        return await self._db.read(run)

    async def prune(self, before: datetime) -> int:
        def run(connection: sqlite3.Connection) -> int:
            newest = connection.execute(
                "SELECT max(seq) FROM changes WHERE at < ?", (_micros(before),)
            ).fetchone()[0]
            if newest is None:
                return 0
            connection.execute(
                "UPDATE change_log_state SET pruned_through = max(pruned_through, ?)", (newest,)
            )
            return connection.execute("DELETE FROM changes WHERE seq <= ?", (newest,)).rowcount

        return await self._db.write(run)

    async def watch(self, wake: Callable[[], None]) -> bool:
        return False  # SQLite tells no other process of a commit: followers read the log

    async def active_jobs(self, known: Mapping[str, int]) -> list[RenderJob]:
        def run(connection: sqlite3.Connection) -> list[str]:
            rows = connection.execute(
                "SELECT id, revision, doc FROM render_jobs INDEXED BY render_jobs_claimable "
                "WHERE status IN ('queued', 'running')"
            )
            return [doc for job_id, revision, doc in rows if known.get(job_id) != revision]

        # Only the changed jobs are decoded: with hundreds running, most did not move.
        return [RenderJob.model_validate_json(doc) for doc in await self._db.read(run)]


def _change(row: tuple[Any, ...]) -> LoggedChange:
    seq, record, record_id, tenant_id, campaign_id, action, actor_id, op_id, at = row
    return LoggedChange(
        seq=int(seq),
        record=RecordKind(record),
        record_id=str(record_id),
        tenant_id=str(tenant_id),
        campaign_id=None if campaign_id is None else str(campaign_id),
        action=ChangeAction(action),
        actor_id=None if actor_id is None else str(actor_id),
        op_id=str(op_id),
        at=_EPOCH + timedelta(microseconds=int(at)),
    )
