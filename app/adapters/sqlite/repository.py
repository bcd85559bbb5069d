"""The generic SQLite repository: one table per record type, the record as JSON in ``doc``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic_core import to_json

from app.adapters.records import checked, id_taken, not_found, stale
from app.adapters.sqlite.change_log import log_changes
from app.adapters.sqlite.database import SqliteDatabase
from app.domain.changes import ChangeAction, Operation, current_operation, is_logged
from app.domain.common import Record, to_timestamp
from app.domain.errors import Conflict, StaleRecord

R = TypeVar("R", bound=Record)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IDS_PER_DELETE = 500  # well under SQLite's limit on a statement's parameters


def micros(value: datetime) -> int:
    """A time as integer microseconds since the epoch, UTC: how columns store it."""
    delta = value.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def json_time(value: datetime) -> str:
    """A time as the JSON documents hold it (pydantic's serialisation of a Timestamp)."""
    return to_json(to_timestamp(value)).decode().strip('"')


def dump(record: Record) -> str:
    """The record as stored: JSON without computed fields."""
    return record.model_dump_json(exclude=set(type(record).model_computed_fields))


class SqliteRepository(Generic[R]):
    """Get, add and optimistic update for one record type.

    Subclasses name the ``table``, the ``model``, a ``label`` for messages, and the query
    ``columns`` they copy out of each record; they add their own queries with :meth:`_select`.
    """

    table: ClassVar[str]
    model: type[R]
    label: ClassVar[str]
    duplicate_message: ClassVar[str] = ""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def columns(self, record: R) -> dict[str, Any]:
        """The indexed columns copied out of ``record`` (beside id, tenant, revision, doc)."""
        return {}

    def after_write(self, connection: sqlite3.Connection, record: R, *, inserted: bool) -> None:
        """Keep side tables in step with ``record`` (inside the same transaction)."""

    async def get(self, tenant_id: str, record_id: str) -> R:
        rows = await self._select("id = ? AND tenant_id = ?", (record_id, tenant_id))
        if not rows:
            raise not_found(self.label, record_id)
        return rows[0]

    # The rows are built here, on the caller's thread: serialising a record holds the
    # interpreter lock, and the database thread should hold it as little as it can (the event
    # loop waits for it each time it comes back from a system call).

    # Each write logs its change in its own transaction (``change_log.py``), as part of the
    # operation current here, on the caller's side (the database thread has no context).

    async def add(self, record: R) -> R:
        stored = checked(record, revision=1)
        rows, op = [self._row(stored)], current_operation()
        await self._db.write(lambda connection: self._insert(connection, [stored], op, rows))
        return stored

    async def add_many(self, records: Sequence[R]) -> None:
        stored = [checked(record, revision=1) for record in records]
        rows, op = [self._row(record) for record in stored], current_operation()
        await self._db.write(lambda connection: self._insert(connection, stored, op, rows))

    async def update(self, record: R) -> R:
        stored = checked(record, revision=record.revision + 1)
        row, op = self._row(stored), current_operation()
        await self._db.write(lambda connection: self._replace(connection, record, stored, op, row))
        return stored

    async def modify(
        self,
        tenant_id: str,
        record_id: str,
        change: Callable[[R], R],
        *,
        known: R | None = None,
    ) -> R:
        """Read, change and write the record in one ``BEGIN IMMEDIATE`` transaction on the
        database thread: no other writer, in this process or another, comes in between, so
        nothing is lost and nothing conflicts.

        With ``known``, the change is first made here and written if the record is still at
        ``known``'s revision (the row built on this thread, as :meth:`update` does); only a
        stale ``known`` is changed again on the database thread.
        """
        op = current_operation()
        if known is None:
            return await self._db.write(
                lambda connection: self._modify_in_place(
                    connection, tenant_id, record_id, change, op
                )
            )
        changed = change(known)
        if changed is known:
            return known
        stored = checked(changed, revision=known.revision + 1)
        row = self._row(stored)

        def work(connection: sqlite3.Connection) -> R:
            try:
                self._replace(connection, known, stored, op, row)
            except StaleRecord:
                return self._modify_in_place(connection, tenant_id, record_id, change, op)
            return stored

        return await self._db.write(work)

    async def delete_many(self, tenant_id: str, record_ids: Sequence[str]) -> int:
        """Delete in one transaction (side tables follow by ``ON DELETE CASCADE``)."""
        ids, op = list(record_ids), current_operation()

        def run(connection: sqlite3.Connection) -> int:
            gone: list[R] = []
            for start in range(0, len(ids), _IDS_PER_DELETE):
                batch = ids[start : start + _IDS_PER_DELETE]
                sql = (
                    f"DELETE FROM {self.table} "
                    f"WHERE tenant_id = ? AND id IN ({', '.join('?' * len(batch))}) RETURNING doc"
                )
                rows = connection.execute(sql, (tenant_id, *batch))
                gone += [self.model.model_validate_json(row[0]) for row in rows]
            log_changes(connection, op, [(record, ChangeAction.DELETED) for record in gone])
            return len(gone)

        return await self._db.write(run)

    async def delete(self, tenant_id: str, record_id: str) -> None:
        """Delete one record (side tables follow); NotFound if missing or another tenant's."""
        if not await self.delete_many(tenant_id, [record_id]):
            raise not_found(self.label, record_id)

    def _modify_in_place(
        self,
        connection: sqlite3.Connection,
        tenant_id: str,
        record_id: str,
        change: Callable[[R], R],
        op: Operation,
    ) -> R:
        found = connection.execute(
            f"SELECT doc FROM {self.table} WHERE id = ? AND tenant_id = ?", (record_id, tenant_id)
        ).fetchone()
        if found is None:
            raise not_found(self.label, record_id)
        current = self.model.model_validate_json(found[0])
        changed = change(current)
        if changed is current:
            return current
        stored = checked(changed, revision=current.revision + 1)
        self._replace(connection, current, stored, op)
        return stored

    def _row(self, record: R) -> dict[str, Any]:
        return {
            "id": record.id,
            "tenant_id": record.tenant_id,
            "revision": record.revision,
            "doc": dump(record),
            **self.columns(record),
        }

    def _insert(
        self,
        connection: sqlite3.Connection,
        records: Sequence[R],
        op: Operation,
        rows: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        if not records:
            return
        rows = rows if rows is not None else [self._row(record) for record in records]
        names = list(rows[0])
        sql = (
            f"INSERT INTO {self.table} ({', '.join(names)}) "
            f"VALUES ({', '.join(':' + name for name in names)})"
        )
        try:
            connection.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise self._conflict(exc) from None
        for record in records:
            self.after_write(connection, record, inserted=True)
        log_changes(connection, op, [(record, ChangeAction.CREATED) for record in records])

    def _replace(
        self,
        connection: sqlite3.Connection,
        old: R,
        new: R,
        op: Operation,
        row: dict[str, Any] | None = None,
    ) -> None:
        row = row if row is not None else self._row(new)
        assignments = ", ".join(f"{name} = :{name}" for name in row if name != "id")
        sql = (
            f"UPDATE {self.table} SET {assignments} "
            "WHERE id = :id AND tenant_id = :tenant_id AND revision = :expected"
        )
        try:
            changed = connection.execute(sql, {**row, "expected": old.revision}).rowcount
        except sqlite3.IntegrityError as exc:
            raise self._conflict(exc) from None
        if changed == 1:
            self.after_write(connection, new, inserted=False)
            if is_logged(old, new):
                log_changes(connection, op, [(new, ChangeAction.UPDATED)])
            return
        exists = connection.execute(
            f"SELECT 1 FROM {self.table} WHERE id = ? AND tenant_id = ?", (old.id, old.tenant_id)
        ).fetchone()
        if exists is None:
            raise not_found(self.label, old.id)
        raise stale(self.label, old.id)

    def _conflict(self, exc: sqlite3.IntegrityError) -> Conflict:
        text = str(exc)
        if f"{self.table}.id" in text:
            return id_taken(self.label)
        return Conflict(self.duplicate_message or f"this {self.label} already exists")

    async def _select(
        self,
        where: str,
        params: Sequence[Any] = (),
        *,
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[R]:
        sql = f"SELECT doc FROM {self.table} WHERE {where}"
        if order:
            sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = await self._db.read(lambda connection: connection.execute(sql, params).fetchall())
        return [self.model.model_validate_json(row[0]) for row in rows]

    async def _find_one(self, where: str, params: Sequence[Any], order: str = "") -> R | None:
        rows = await self._select(where, params, order=order, limit=1)
        return rows[0] if rows else None
