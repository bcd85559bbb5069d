"""The MongoDB database's schema version: recorded in the database, migrated forward at open.

A team's workstations are upgraded one at a time, so one database meets several releases. The
``meta`` collection's ``schema`` document holds the version (the number of steps applied), the
history of the steps (which, when, by whom) and, while a step runs, the workstation running it::

    {"_id": "schema", "version": 2, "history": [...], "migrating": None}

Opening applies the steps above the database's version, in order; a database of a newer release
(a higher version than this release knows) is left untouched and opened read-only.

Two workstations may open a new database at once. MongoDB cannot change indexes inside a
transaction, so one workstation at a time runs the steps, holding ``migrating``, which it takes
and hands back with compare-and-swap updates; the others wait for the version to move. Without
that, a late copy of step 1 (create ``claim``) could land after step 2 dropped it. The holder
bumps a heartbeat while it works; if the heartbeat stops for :data:`STALE_AFTER` seconds (the
workstation crashed or lost the network), another takes over and runs the step again, which is
why steps are idempotent (:mod:`app.adapters.mongo.indexes`). The version and history are
changed only by the holder, and only from the version it started at: each step is recorded once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from app.adapters.mongo.collection import Document, describe_error
from app.domain.errors import StorageError

logger = logging.getLogger(__name__)

META = "meta"
SCHEMA_ID = "schema"
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = 30.0  # six missed heartbeats: the holder is gone, not slow
WAIT_AT_MOST = 900.0  # building an index on a large collection takes minutes, not hours
POLL_FIRST = 0.05
POLL_LONGEST = 1.0


class Step(Protocol):
    """One migration step (see :class:`app.adapters.mongo.indexes.Migration`)."""

    @property
    def name(self) -> str:
        """What the step does, recorded in the history."""
        ...

    async def apply(self, database: AsyncDatabase[Document]) -> None:
        """Make the step's changes; safe to run again."""
        ...


@dataclass(frozen=True)
class SchemaState:
    """The database's schema version and the newest one this release knows."""

    version: int
    known: int

    @property
    def newer(self) -> bool:
        """Whether a newer release upgraded the database (this one must not write)."""
        return self.version > self.known

    def refusal(self, database: str) -> str:
        """The message every write on a newer database raises."""
        return (
            f"the database {database} was upgraded by a newer Campaign Studio (schema "
            f"{self.version}; this release knows up to {self.known}): it is open read-only; "
            "update Campaign Studio on this computer to make changes"
        )


def _workstation() -> str:
    # Unique per store (two stores in one process are two workstations), readable in history.
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


async def read_state(database: AsyncDatabase[Document], known: int) -> SchemaState:
    """The recorded version (0 when nothing is recorded yet).

    Raises:
        StorageError: The server refused or did not answer.
    """
    try:
        doc = await database[META].find_one({"_id": SCHEMA_ID})
    except PyMongoError as exc:
        raise StorageError(f"cannot read the schema version: {describe_error(exc)}") from exc
    return SchemaState(int(doc["version"]) if doc else 0, known)


class SchemaMigrator:
    """Brings one database's schema up to ``steps`` (see the module's docstring).

    Args:
        database: The database.
        steps: Step ``n`` (1-based) brings version ``n - 1`` to ``n``.
    """

    def __init__(self, database: AsyncDatabase[Document], steps: Sequence[Step]) -> None:
        self._database = database
        self._meta = database[META]
        self._steps = steps
        self._me = _workstation()

    async def run(self) -> SchemaState:
        """Apply the missing steps (or wait while another workstation does).

        Returns:
            The database's version afterwards; ``newer`` if a newer release wrote it.

        Raises:
            StorageError: The server refused, a step failed, or another workstation kept
                migrating for longer than :data:`WAIT_AT_MOST` seconds.
        """
        try:
            return await self._run()
        except PyMongoError as exc:
            raise StorageError(
                f"cannot upgrade the database {self._database.name}: {describe_error(exc)}"
            ) from exc

    async def _run(self) -> SchemaState:
        known = len(self._steps)
        with contextlib.suppress(DuplicateKeyError):  # another workstation created it first
            await self._meta.insert_one(
                {"_id": SCHEMA_ID, "version": 0, "history": [], "migrating": None}
            )
        seen: Mapping[str, Any] | None = None
        seen_at = started = time.monotonic()
        pause = POLL_FIRST
        while True:
            doc = await self._meta.find_one({"_id": SCHEMA_ID})
            if doc is None:
                raise StorageError(f"the schema version of {self._database.name} was deleted")
            version, holder = int(doc["version"]), doc.get("migrating")
            if version >= known:
                return SchemaState(version, known)
            if holder != seen:
                seen, seen_at = holder, time.monotonic()
            stale = time.monotonic() - seen_at >= STALE_AFTER
            if (holder is None or stale) and await self._take(version, holder):
                if holder is not None:
                    logger.warning("took over the schema upgrade %s left unfinished", holder)
                await self._apply(version)
                pause = POLL_FIRST
                continue
            if time.monotonic() - started >= WAIT_AT_MOST:
                raise StorageError(
                    f"another Campaign Studio ({(holder or {}).get('by')}) has been upgrading "
                    f"the database {self._database.name} for {WAIT_AT_MOST / 60:.0f} minutes: "
                    "try again when it has finished"
                )
            # Another workstation holds the upgrade: wait for the version (or its heartbeat)
            # to move; the server offers no notification that works without a replica set.
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_LONGEST)

    async def _take(self, version: int, holder: Mapping[str, Any] | None) -> bool:
        """Become the holder if the document is still as read (``holder`` None: nobody)."""
        query: dict[str, Any] = {"_id": SCHEMA_ID, "version": version}
        if holder is None:
            query["migrating"] = None
        else:
            query["migrating.by"] = holder.get("by")
            query["migrating.beat"] = holder.get("beat")
        taken = await self._meta.update_one(
            query, {"$set": {"migrating": {"by": self._me, "beat": 0}}}
        )
        return taken.modified_count == 1

    async def _apply(self, version: int) -> None:
        step = self._steps[version]
        heartbeat = asyncio.create_task(self._heartbeat(), name="schema-upgrade-heartbeat")
        try:
            await step.apply(self._database)
        except BaseException:
            with contextlib.suppress(PyMongoError):  # let another try at once, not in 30 s
                await self._meta.update_one(
                    {"_id": SCHEMA_ID, "migrating.by": self._me}, {"$set": {"migrating": None}}
                )
            raise
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        done = {"version": version + 1, "step": step.name, "at": datetime.now(UTC), "by": self._me}
        recorded = await self._meta.update_one(
            {"_id": SCHEMA_ID, "version": version, "migrating.by": self._me},
            {"$set": {"version": version + 1, "migrating": None}, "$push": {"history": done}},
        )
        if recorded.modified_count:
            logger.info(
                "database %s is at schema %d: %s", self._database.name, version + 1, step.name
            )
        # Otherwise another workstation judged this one gone and took over: it records the step.

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            # A missed beat is only a missed beat: the step's own calls report a lost server.
            with contextlib.suppress(PyMongoError):
                await self._meta.update_one(
                    {"_id": SCHEMA_ID, "migrating.by": self._me}, {"$inc": {"migrating.beat": 1}}
                )
