"""Workstations sharing a team database: cores over one store, each with its own data folder
(its exports, its settings) and its own blob store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.ports.blob_store import BlobStore
from tests.conftest import open_store

Workstation = Callable[[str, BlobStore], Core]
"""Opens the workstation ``name`` (its data folder is ``<root>/<name>``) with its blob store."""


@asynccontextmanager
async def workstations(root: Path) -> AsyncIterator[Workstation]:
    """Cores over one SQLite database in ``root``, closed (then the database) on leaving."""
    cores: list[Core] = []
    opened = open_store("sqlite", root)
    store = await anext(opened)

    def make(name: str, blobs: BlobStore) -> Core:
        settings = AppSettings(data_dir=root / name, render_worker=False)
        core = build_core(settings, store, blobs)
        cores.append(core)
        return core

    try:
        yield make
    finally:
        for core in cores:
            await core.close()
        await anext(opened, None)
