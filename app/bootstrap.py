"""The composition root: ``open_core()`` builds the adapters and services from settings.

It is the only place that picks concrete adapters; everything above it sees ports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.adapters.mongo import MongoStore
from app.adapters.sqlite import DATABASE_FILENAME, SqliteStore
from app.config import AppSettings
from app.domain.errors import ConfigurationError
from app.ports.clock import Clock, SystemClock
from app.ports.repositories import Store


@dataclass
class Core:
    """The open service core: settings, the store and (as they land) the services."""

    settings: AppSettings
    store: Store
    clock: Clock = field(default_factory=SystemClock)


def ensure_data_dir(path: Path) -> Path:
    """Create the data folder if needed and prove it is writable; ConfigurationError if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigurationError(f"the data folder {path} is not writable: {exc}") from exc
    return path


def build_store(settings: AppSettings) -> Store:
    """MongoDB when ``mongodb_uri`` is set, else the embedded SQLite file in ``data_dir``."""
    if settings.mongodb_uri is not None:
        return MongoStore.from_uri(
            settings.mongodb_uri.get_secret_value(), settings.mongodb_database
        )
    return SqliteStore(settings.data_dir / DATABASE_FILENAME)


@asynccontextmanager
async def open_core(settings: AppSettings | None = None) -> AsyncIterator[Core]:
    """Open the core on ``settings`` (default: ``AppSettings()``) and close it on exit.

    Raises:
        ConfigurationError: the settings cannot work (e.g. the data folder is not writable).
        StorageError: the database cannot be opened.
    """
    settings = settings or AppSettings()
    ensure_data_dir(settings.data_dir)
    store = build_store(settings)
    try:
        await store.open()
        yield Core(settings=settings, store=store)
    finally:
        await store.close()
