"""The change log port: the store's numbered record of every logged write, for followers.

A store writes each change's row in the same transaction as the change itself (SQLite) or
right after it, numbered by a counter the database increments (MongoDB), so ``seq`` is the
store's order, never a client's clock: a follower that reads everything after the last ``seq``
it saw misses nothing and sees nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from app.domain import RenderJob
from app.domain.changes import LogPage


class ChangeLog(Protocol):
    async def last_seq(self) -> int:
        """The ``seq`` of the newest change (0 if none was ever logged)."""
        ...

    async def read_after(self, seq: int, *, limit: int) -> LogPage:
        """Up to ``limit`` changes with a ``seq`` above ``seq``, in order."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete the changes logged before ``before``; returns how many went."""
        ...

    async def watch(self, wake: Callable[[], None]) -> bool:
        """Call ``wake()`` as soon as anyone logs a change, until cancelled, where the database
        can push that (a MongoDB replica set's change stream); return False at once where it
        cannot (the follower then reads the log on its own schedule only)."""
        ...

    async def active_jobs(self, known: Mapping[str, int]) -> list[RenderJob]:
        """The queued and running render jobs, across workspaces, whose revision is not the
        one ``known`` maps their id to: how their progress, which is not logged, reaches
        other processes."""
        ...
