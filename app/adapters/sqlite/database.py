"""One SQLite file, owned by one thread: the embedded database.

The standard library's ``sqlite3`` runs on a dedicated thread, so nothing blocks the event loop.
Each repository operation is one function run on that thread inside one transaction: a
transaction never interleaves with another coroutine's statements, and a crash leaves either all
of it or none of it (SQLite's journal). WAL mode lets other processes (a second app window, the
worker) read while this one writes; ``busy_timeout`` makes them wait for each other's writes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from app.adapters.sqlite.migrations import MIGRATIONS, migrate
from app.domain.errors import AppError, StorageError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


class SqliteDatabase:
    """The connection and its thread.

    Args:
        path: the database file; its folder is created if missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        """Open the file, set WAL and the pragmas, and apply pending migrations."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        try:
            await self._submit(self._connect)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    def _connect(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the database file {self.path}: {exc}") from exc
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            migrate(connection, MIGRATIONS)
        except AppError:
            connection.close()
            raise
        except sqlite3.Error as exc:
            connection.close()
            raise StorageError(f"the database file {self.path} is not usable: {exc}") from exc
        self._connection = connection

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL) and stop the thread."""
        if self._executor is None:
            return
        try:
            await self._submit(self._disconnect)
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database thread in a read transaction (one consistent snapshot)."""
        return await self._submit(lambda: self._guard(_transaction(work, "BEGIN DEFERRED")))

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database thread in one ``BEGIN IMMEDIATE`` transaction.

        It commits if ``work`` returns and rolls back if it raises: all or nothing.
        """
        return await self._submit(lambda: self._guard(_transaction(work, "BEGIN IMMEDIATE")))

    def _guard(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            raise StorageError("the database is closed")
        try:
            return work(self._connection)
        except sqlite3.Error as exc:
            raise StorageError(f"database error: {exc}") from exc

    async def _submit(self, work: Callable[[], T]) -> T:
        if self._executor is None:
            raise StorageError("the database is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)


def _transaction(
    work: Callable[[sqlite3.Connection], T], begin: str
) -> Callable[[sqlite3.Connection], T]:
    def run(connection: sqlite3.Connection) -> T:
        connection.execute(begin)
        try:
            result = work(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    return run
