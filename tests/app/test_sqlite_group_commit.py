"""The embedded database's group commit: operations that arrive together share one transaction,
yet each one still succeeds or fails alone, and nobody hears of success before the commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.sqlite.database import SqliteDatabase
from app.domain.errors import Conflict, StorageError


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "studio.sqlite3")
    await database.open()
    await database.write(lambda c: c.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)"))
    yield database
    await database.close()


def insert(key: str, value: int = 1) -> object:
    return lambda c: c.execute("INSERT INTO t VALUES (?, ?)", (key, value)).rowcount


def rows(c: sqlite3.Connection) -> dict[str, int]:
    return dict(c.execute("SELECT k, v FROM t").fetchall())


async def hold_the_thread(db: SqliteDatabase) -> tuple[threading.Event, asyncio.Task[None]]:
    """Keep the database thread busy until the event is set, so that what is queued meanwhile
    runs as one group."""
    release, busy = threading.Event(), threading.Event()

    def wait(_: sqlite3.Connection) -> None:
        busy.set()
        release.wait(10)

    task = asyncio.create_task(db.read(wait))
    await asyncio.to_thread(busy.wait, 10)
    return release, task


async def queued(db: SqliteDatabase, count: int) -> None:
    """Let the callers just started take their first step, which queues their operations
    behind the held thread (one loop turn: no waiting on the clock)."""
    await asyncio.sleep(0)
    assert len(db._pending) == count


async def test_a_group_shares_one_commit_and_each_caller_gets_its_own_result(
    db: SqliteDatabase,
) -> None:
    statements: list[str] = []
    release, blocker = await hold_the_thread(db)
    # Records the statements sqlite runs from now on (the blocker's own COMMIT among them).
    db._connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
    writes = [asyncio.create_task(db.write(insert(f"k{n}", n))) for n in range(20)]
    await queued(db, 20)
    release.set()
    await blocker

    assert await asyncio.gather(*writes) == [1] * 20
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 2  # the blocker's read, then the group's one
    assert await db.read(rows) == {f"k{n}": n for n in range(20)}


async def test_an_operation_that_fails_in_a_group_is_undone_alone(db: SqliteDatabase) -> None:
    def half_then_refuse(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES ('half', 1)")
        raise Conflict("refused after a write")

    release, blocker = await hold_the_thread(db)
    before = asyncio.create_task(db.write(insert("before")))
    failing = asyncio.create_task(db.write(half_then_refuse))
    duplicate = asyncio.create_task(db.write(insert("before")))  # a constraint violation
    after = asyncio.create_task(db.write(insert("after")))
    await queued(db, 4)
    release.set()
    await blocker

    assert await before == 1
    with pytest.raises(Conflict, match="refused after a write"):
        await failing
    with pytest.raises(StorageError, match="UNIQUE constraint failed"):
        await duplicate
    assert await after == 1
    assert await db.read(rows) == {"before": 1, "after": 1}


async def test_a_cancelled_caller_does_not_disturb_the_group(db: SqliteDatabase) -> None:
    release, blocker = await hold_the_thread(db)
    cancelled = asyncio.create_task(db.write(insert("gone")))
    kept = asyncio.create_task(db.write(insert("kept")))
    await queued(db, 2)
    cancelled.cancel()
    release.set()
    await blocker

    assert await kept == 1
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    # The operation had been handed over: like a request already sent, it still happened.
    assert await db.read(rows) == {"gone": 1, "kept": 1}


async def test_a_failed_commit_fails_the_whole_group(db: SqliteDatabase, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "studio.sqlite3", isolation_level=None, timeout=0)
    await db.write(lambda c: c.execute("PRAGMA busy_timeout = 0"))
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        writes = [asyncio.create_task(db.write(insert(f"k{n}"))) for n in range(3)]
        results = await asyncio.gather(*writes, return_exceptions=True)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert all(isinstance(r, StorageError) and "locked" in r.message for r in results)
    assert await db.read(rows) == {}
    assert await db.write(insert("later")) == 1


async def test_reads_alone_do_not_take_the_write_lock(db: SqliteDatabase, tmp_path: Path) -> None:
    await db.write(lambda c: c.execute("PRAGMA busy_timeout = 0"))
    await db.write(insert("k"))
    other = sqlite3.connect(tmp_path / "studio.sqlite3", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        reads = await asyncio.gather(*(db.read(rows) for _ in range(5)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert reads == [{"k": 1}] * 5


async def test_a_read_that_fails_in_a_group_leaves_the_writes_around_it(
    db: SqliteDatabase,
) -> None:
    def bad_query(c: sqlite3.Connection) -> object:
        return c.execute("SELECT nope FROM t").fetchall()

    release, blocker = await hold_the_thread(db)
    before = asyncio.create_task(db.write(insert("before")))
    failing = asyncio.create_task(db.read(bad_query))
    reading = asyncio.create_task(db.read(rows))
    after = asyncio.create_task(db.write(insert("after")))
    await queued(db, 4)
    release.set()
    await blocker

    assert await before == 1
    with pytest.raises(StorageError, match="no such column"):
        await failing
    assert await reading == {"before": 1}  # it sees the group's earlier writes
    assert await after == 1
    assert await db.read(rows) == {"before": 1, "after": 1}
