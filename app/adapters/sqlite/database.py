"""One SQLite file, owned by one thread: the embedded database.

The standard library's ``sqlite3`` runs on a dedicated thread, so nothing blocks the event loop.
Each repository operation is one function run on that thread inside a transaction: it never
interleaves with another coroutine's statements, and a crash leaves either all of it or none of
it (SQLite's journal). WAL mode lets other processes (a second app window, the worker) read
while this one writes; ``busy_timeout`` makes them wait for each other's writes.

**Group commit.** Operations that arrive while the thread is busy are run together, in one
transaction: each inside its own savepoint (an operation that raises is rolled back alone,
the others keep their changes), then one ``COMMIT`` for all, and one wake-up of the event
loop for all their results. No caller hears of success before that commit. Under load this
turns dozens of ``BEGIN``/``COMMIT`` pairs (and WAL appends) into one; alone, an operation
is run at once in a transaction of its own, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.adapters.sqlite.migrations import MIGRATIONS, migrate
from app.domain.errors import AppError, DiskFull, StorageError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
MAX_BATCH = 256  # operations in one transaction at most


@dataclass(slots=True)
class _Operation:
    work: Callable[[sqlite3.Connection], Any]
    writes: bool
    future: asyncio.Future[Any]
    ok: bool = False
    outcome: Any = None


class SqliteDatabase:
    """The connection and its thread.

    Args:
        path: the database file; its folder is created if missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._pending: deque[_Operation] = deque()
        self._pending_lock = threading.Lock()
        self._draining = False

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
        except sqlite3.Error as exc:
            what = f"cannot open the database file {self.path}"
            raise database_error(self.path, exc, what) from exc
        except OSError as exc:
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
            what = f"the database file {self.path} is not usable"
            raise database_error(self.path, exc, what) from exc
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
        """Run ``work`` on the database thread in a transaction (one consistent snapshot)."""
        return await self._queue(work, writes=False)

    async def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the database thread in a ``BEGIN IMMEDIATE`` transaction.

        Its changes are committed if ``work`` returns and rolled back if it raises: all or
        nothing, whatever the other operations of the same group commit do.
        """
        return await self._queue(work, writes=True)

    async def _queue(self, work: Callable[[sqlite3.Connection], T], *, writes: bool) -> T:
        if self._executor is None:
            raise StorageError("the database is closed")
        operation = _Operation(work, writes, asyncio.get_running_loop().create_future())
        with self._pending_lock:
            self._pending.append(operation)
            start, self._draining = not self._draining, True
        if start:
            try:
                self._executor.submit(self._drain)
            except RuntimeError as exc:  # shut down meanwhile
                raise StorageError("the database is closed") from exc
        result: T = await operation.future
        return result

    def _drain(self) -> None:
        """On the database thread: run the waiting operations in groups until none is left."""
        while True:
            with self._pending_lock:
                if not self._pending:
                    self._draining = False
                    return
                count = min(len(self._pending), MAX_BATCH)
                batch = [self._pending.popleft() for _ in range(count)]
            self._run_group(batch)
            by_loop: dict[asyncio.AbstractEventLoop, list[_Operation]] = {}
            for operation in batch:
                by_loop.setdefault(operation.future.get_loop(), []).append(operation)
            for loop, settled in by_loop.items():
                # A closed loop raises RuntimeError: nobody waits for these any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, settled)

    def _run_group(self, batch: list[_Operation]) -> None:
        """Run ``batch`` in one transaction, each operation in a savepoint, and record each
        one's result or error on it."""
        connection = self._connection
        if connection is None:
            _fail(batch, StorageError("the database is closed"))
            return
        try:
            connection.execute(
                "BEGIN IMMEDIATE" if any(op.writes for op in batch) else "BEGIN DEFERRED"
            )
        except sqlite3.Error as exc:
            _fail(batch, database_error(self.path, exc))
            return
        alone = len(batch) == 1
        for operation in batch:
            # A read changes nothing, so it needs no savepoint to be undone by.
            guarded = operation.writes and not alone
            try:
                if guarded:
                    connection.execute("SAVEPOINT operation")
                operation.outcome, operation.ok = operation.work(connection), True
                if guarded:
                    connection.execute("RELEASE operation")
            except BaseException as exc:  # handed to the awaiting caller
                operation.outcome, operation.ok = _translated(self.path, exc), False
                if not connection.in_transaction:  # the error ended the whole transaction
                    ended = exc if isinstance(exc, sqlite3.Error) else sqlite3.Error(str(exc))
                    _fail(batch, database_error(self.path, ended))
                    return
                if not guarded and not alone:
                    continue
                try:
                    if alone:
                        connection.execute("ROLLBACK")
                        return
                    connection.execute("ROLLBACK TO operation")
                    connection.execute("RELEASE operation")
                except sqlite3.Error as undo:
                    _abandon(connection, batch, database_error(self.path, undo))
                    return
        try:
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            _abandon(connection, batch, database_error(self.path, exc))

    async def _submit(self, work: Callable[[], T]) -> T:
        if self._executor is None:
            raise StorageError("the database is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)


def database_error(path: Path, exc: sqlite3.Error, what: str = "database error") -> StorageError:
    """The error to raise for ``exc`` on the database file ``path``.

    A file that stayed locked through ``busy_timeout`` is held by another program (a copy of
    the app, a backup tool, a database browser), not damaged; a full disk names its folder.
    """
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StorageError(
            f"another program is using the database file {path}: it stayed locked for "
            f"{BUSY_TIMEOUT_MS / 1000:g} s. Close the other program, or try again in a moment"
        )
    if code == sqlite3.SQLITE_FULL:
        return DiskFull(path.parent)
    return StorageError(f"{what}: {exc}")


def _translated(path: Path, exc: BaseException) -> BaseException:
    if isinstance(exc, sqlite3.Error):
        translated = database_error(path, exc)
        translated.__cause__ = exc
        return translated
    return exc


def _fail(batch: list[_Operation], error: StorageError) -> None:
    for operation in batch:
        operation.outcome, operation.ok = error, False


def _abandon(connection: sqlite3.Connection, batch: list[_Operation], error: StorageError) -> None:
    """The group could not be committed: none of it happened."""
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
    _fail(batch, error)


def _settle(batch: list[_Operation]) -> None:
    """On the event loop: hand each operation's result or error to its caller."""
    for operation in batch:
        if operation.future.done():  # the caller was cancelled
            continue
        if operation.ok:
            operation.future.set_result(operation.outcome)
        else:
            operation.future.set_exception(operation.outcome)
