"""The SQLite asset repository: the library search in the seed's filter order."""

from __future__ import annotations

import sqlite3
from typing import Any

from app.adapters.sqlite.repository import SqliteRepository, micros
from app.domain import Asset, AssetPage, AssetQuery


class SqliteAssetRepository(SqliteRepository[Asset]):
    table = "assets"
    model = Asset
    label = "asset"
    duplicate_message = "an asset with the same content is already in the library"

    def columns(self, record: Asset) -> dict[str, Any]:
        return {
            "type": record.type.value,
            "filename_lc": record.filename.lower(),
            "archived": int(record.archived),
            "uploaded_at": micros(record.uploaded_at),
            "sha256": record.sha256,
            "category": record.category,
        }

    def after_write(self, connection: sqlite3.Connection, record: Asset, *, inserted: bool) -> None:
        if not inserted:
            connection.execute("DELETE FROM asset_tags WHERE asset_id = ?", (record.id,))
        connection.executemany(
            "INSERT INTO asset_tags (tenant_id, tag, asset_id) VALUES (?, ?, ?)",
            [(record.tenant_id, tag, record.id) for tag in set(record.tags)],
        )

    async def find_by_sha256(self, tenant_id: str, sha256: str) -> Asset | None:
        return await self._find_one("tenant_id = ? AND sha256 = ?", (tenant_id, sha256))

    async def categories(self, tenant_id: str) -> dict[str, int]:
        return await self._counts(
            "SELECT category, COUNT(*) FROM assets WHERE tenant_id = ? AND archived = 0 "
            "AND category IS NOT NULL GROUP BY category ORDER BY category",
            tenant_id,
        )

    async def tags(self, tenant_id: str) -> dict[str, int]:
        return await self._counts(
            "SELECT t.tag, COUNT(*) FROM asset_tags t JOIN assets a ON a.id = t.asset_id "
            "WHERE t.tenant_id = ? AND a.archived = 0 GROUP BY t.tag ORDER BY t.tag",
            tenant_id,
        )

    async def _counts(self, sql: str, tenant_id: str) -> dict[str, int]:
        """``{name: count}`` from a query of (name, count) rows for one tenant."""

        def run(connection: sqlite3.Connection) -> dict[str, int]:
            rows = connection.execute(sql, (tenant_id,))
            return {str(name): int(count) for name, count in rows}

        return await self._db.read(run)

    async def search(self, tenant_id: str, query: AssetQuery) -> AssetPage:
        where, params = _filters(tenant_id, query)

        def run(connection: sqlite3.Connection) -> tuple[int, list[Any]]:
            total = connection.execute(f"SELECT COUNT(*) FROM assets WHERE {where}", params)
            rows = connection.execute(
                f"SELECT doc FROM assets WHERE {where} "
                "ORDER BY uploaded_at DESC, id DESC LIMIT ? OFFSET ?",
                [*params, query.limit, query.offset],
            )
            return int(total.fetchone()[0]), rows.fetchall()

        total, rows = await self._db.read(run)
        return AssetPage(
            items=[Asset.model_validate_json(row[0]) for row in rows],
            total=total,
            limit=query.limit,
            offset=query.offset,
        )


def _filters(tenant_id: str, query: AssetQuery) -> tuple[str, list[Any]]:
    """The WHERE clause, in the seed's order; user text only ever travels as a parameter."""
    clauses: list[str] = ["tenant_id = ?"]
    params: list[Any] = [tenant_id]
    if not query.include_archived:
        clauses.append("archived = 0")
    if query.types:
        types = sorted(kind.value for kind in query.types)
        clauses.append(f"type IN ({', '.join('?' for _ in types)})")
        params.extend(types)
    if query.category is not None:
        clauses.append("category = ?")
        params.append(query.category)
    if query.tags:
        tags = sorted(query.tags)
        clauses.append(
            "id IN (SELECT asset_id FROM asset_tags WHERE tenant_id = ? AND tag IN "
            f"({', '.join('?' for _ in tags)}) GROUP BY asset_id HAVING COUNT(*) = ?)"
        )
        params.extend([tenant_id, *tags, len(tags)])
    if query.filename:
        # instr() matches literal text: no LIKE wildcards, no regular expressions.
        clauses.append("instr(filename_lc, ?) > 0")
        params.append(query.filename.lower())
    return " AND ".join(clauses), params
