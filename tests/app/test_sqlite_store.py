"""The embedded store beyond the shared contract: file, WAL, migrations, several connections."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from app.adapters.sqlite import SqliteStore
from app.adapters.sqlite.migrations import MIGRATIONS, migrate, schema_version
from app.domain.errors import StorageError
from tests import factories
from tests.factories import at


async def test_a_new_file_is_created_in_wal_mode_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "studio.sqlite3"
    store = SqliteStore(path)
    await store.open()
    facts = await store.describe()
    await store.close()
    assert path.exists()
    assert facts["journal_mode"] == "wal"
    assert facts["schema_version"] == f"{len(MIGRATIONS)} of {len(MIGRATIONS)}"
    assert facts["integrity"] == "ok"


async def test_records_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "studio.sqlite3"
    store = SqliteStore(path)
    await store.open()
    campaign = await store.campaigns.add(factories.campaign())
    await store.close()
    reopened = SqliteStore(path)
    await reopened.open()
    assert await reopened.campaigns.get("acme", campaign.id) == campaign
    await reopened.close()


def test_migrations_apply_in_order_once() -> None:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    steps = ("CREATE TABLE a (x)", "ALTER TABLE a ADD COLUMN y; CREATE TABLE b (z)")
    assert migrate(connection, steps[:1]) == 1
    assert migrate(connection, steps) == 2
    assert migrate(connection, steps) == 2
    columns = [row[1] for row in connection.execute("PRAGMA table_info(a)")]
    assert columns == ["x", "y"]
    assert schema_version(connection) == 2


def test_a_failing_migration_leaves_the_previous_schema_intact() -> None:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrate(connection, ("CREATE TABLE a (x)",))
    with pytest.raises(sqlite3.OperationalError):
        migrate(connection, ("CREATE TABLE a (x)", "CREATE TABLE b (y); CREATE TABLE a (x)"))
    assert schema_version(connection) == 1
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"a"}


async def test_a_first_schema_file_is_brought_up_to_date_with_its_jobs_claimable(
    tmp_path: Path,
) -> None:
    """A file written at schema 1 (the first release) gets the claim index of schema 2 and
    its queued jobs are claimed as before. The schema-1 file is made by writing jobs, then
    putting back version 1 and its claim index."""
    path = tmp_path / "studio.sqlite3"
    old = SqliteStore(path)
    await old.open()
    jobs = [factories.render_job(created_at=at(n), available_at=at(n)) for n in range(3)]
    await old.render_jobs.add_many(jobs)
    await old.close()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA user_version = 1")
    connection.execute("DROP INDEX render_jobs_claimable")
    connection.execute("DROP TABLE changes")  # schema 4
    connection.execute("DROP TABLE change_log_state")
    connection.execute(
        "CREATE INDEX render_jobs_claim ON render_jobs (status, available_at, created_at, id)"
    )
    connection.close()

    store = SqliteStore(path)
    await store.open()
    claimed = await store.render_jobs.claim(worker_id="w", now=at(10), lease_until=at(40), limit=5)
    await store.close()
    assert [job.id for job in claimed] == [job.id for job in jobs]
    connection = sqlite3.connect(path)
    indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert schema_version(connection) == len(MIGRATIONS)
    connection.close()
    assert "render_jobs_claimable" in indexes
    assert "render_jobs_claim" not in indexes


async def test_a_file_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "studio.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    connection.close()
    with pytest.raises(StorageError, match="newer Campaign Studio"):
        await SqliteStore(path).open()
    connection = sqlite3.connect(path)
    assert schema_version(connection) == len(MIGRATIONS) + 5
    connection.close()


async def test_a_file_that_is_not_a_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "studio.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not usable"):
        await SqliteStore(path).open()


async def test_an_unopenable_location_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot open the database file"):
        await SqliteStore(blocker / "studio.sqlite3").open()


async def test_a_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "studio.sqlite3")
    await store.open()
    await store.close()
    with pytest.raises(StorageError, match="closed"):
        await store.campaigns.list("acme")


async def test_two_connections_to_one_file_claim_each_job_once(tmp_path: Path) -> None:
    """Two app instances (or the app and a worker) sharing the embedded file."""
    path = tmp_path / "studio.sqlite3"
    first, second = SqliteStore(path), SqliteStore(path)
    await first.open()
    await second.open()
    jobs = [factories.render_job(created_at=at(n)) for n in range(40)]
    await first.render_jobs.add_many(jobs)
    claimed: list[str] = []

    async def worker(store: SqliteStore, name: str) -> None:
        while jobs := await store.render_jobs.claim(
            worker_id=name, now=at(10), lease_until=at(60), limit=2
        ):
            claimed.extend(job.id for job in jobs)

    await asyncio.gather(*(worker(store, f"{n}") for n in range(5) for store in (first, second)))
    await first.close()
    await second.close()
    assert sorted(claimed) == sorted(job.id for job in jobs)
