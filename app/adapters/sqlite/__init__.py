"""The embedded SQLite database adapter."""

from app.adapters.sqlite.store import DATABASE_FILENAME, SqliteStore

__all__ = ["DATABASE_FILENAME", "SqliteStore"]
