"""The MongoDB store: every repository of one database, and its lifecycle."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConfigurationError as DriverConfigurationError
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern

from app.adapters.mongo.assets import MongoAssetRepository
from app.adapters.mongo.change_log import MongoChangeLog
from app.adapters.mongo.collection import Document, describe_error
from app.adapters.mongo.indexes import MIGRATIONS
from app.adapters.mongo.read_only import GuardedDatabase, WriteGuard
from app.adapters.mongo.repositories import (
    MongoActivityRepository,
    MongoAdPlanRepository,
    MongoApprovalRepository,
    MongoCampaignRepository,
    MongoCreativeRepository,
    MongoMemberRepository,
    MongoPostRepository,
    MongoRenderJobRepository,
    MongoStrategyRepository,
    MongoWorkspaceRepository,
)
from app.adapters.mongo.schema import SchemaMigrator, Step, read_state
from app.config import mask_uri, uri_secrets
from app.domain.errors import ConfigurationError, StorageError
from app.ports.change_log import ChangeLog
from app.ports.repositories import (
    ActivityRepository,
    AdPlanRepository,
    ApprovalRepository,
    AssetRepository,
    CampaignRepository,
    CreativeRepository,
    MemberRepository,
    PostRepository,
    RenderJobRepository,
    StrategyRepository,
    WorkspaceRepository,
)

logger = logging.getLogger(__name__)

_DEFAULT_OPTIONS: dict[str, Any] = {
    "serverSelectionTimeoutMS": 5000,
    "appname": "campaign-studio",
}


def _client_options(uri: str) -> dict[str, Any]:
    """The client's keyword options: ``tz_aware`` always (the codec relies on it), and defaults
    for the options the URI does not set (keywords would override the URI's own values)."""
    query = uri.partition("?")[2].lower()
    options: dict[str, Any] = {"tz_aware": True}
    for name, value in _DEFAULT_OPTIONS.items():
        if f"{name.lower()}=" not in query:
            options[name] = value
    return options


class MongoStore:
    """Every repository of one MongoDB database (a team server).

    Args:
        client: A ``pymongo.AsyncMongoClient`` created with ``tz_aware=True``; the store owns it
            and closes it in :meth:`close`.
        database: The database name.
        location: The server's URI with its password masked, if known (for :meth:`describe`).
        migrations: The schema's steps (see :mod:`app.adapters.mongo.schema`); tests pass
            others to play an older or a newer release.
    """

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        database: str,
        *,
        location: str | None = None,
        migrations: Sequence[Step] = MIGRATIONS,
    ) -> None:
        self._client = client
        self._database_name = database
        self._location = location
        self._migrations = migrations
        self._db = client.get_database(
            database,
            write_concern=WriteConcern("majority"),
            read_concern=ReadConcern("majority"),
        )
        # Repositories reach the server through the guard: a newer database is read-only.
        self._guard = WriteGuard()
        self._user: str | None = None
        db = cast(AsyncDatabase[Document], GuardedDatabase(self._db, self._guard))
        jobs = MongoRenderJobRepository(db)
        log = MongoChangeLog(db, jobs)
        jobs._changes = log
        self.changes: ChangeLog = log
        self.workspaces: WorkspaceRepository = MongoWorkspaceRepository(db, log)
        self.members: MemberRepository = MongoMemberRepository(db, log)
        self.campaigns: CampaignRepository = MongoCampaignRepository(db, log)
        self.strategies: StrategyRepository = MongoStrategyRepository(db, log)
        self.approvals: ApprovalRepository = MongoApprovalRepository(db, log)
        self.creatives: CreativeRepository = MongoCreativeRepository(db, log)
        self.posts: PostRepository = MongoPostRepository(db, log)
        self.ad_plans: AdPlanRepository = MongoAdPlanRepository(db, log)
        self.render_jobs: RenderJobRepository = jobs
        self.assets: AssetRepository = MongoAssetRepository(db, log)
        self.activity: ActivityRepository = MongoActivityRepository(db)

    @classmethod
    def from_uri(cls, uri: str, database: str) -> MongoStore:
        """A store on a new client for ``uri`` (nothing is contacted until :meth:`open`).

        Raises:
            ConfigurationError: The URI is malformed or names unknown options.
            StorageError: The driver refused to create the client for another reason.
        """
        location = mask_uri(uri)
        try:
            client: AsyncMongoClient[Document] = AsyncMongoClient(uri, **_client_options(uri))
        except (DriverConfigurationError, ValueError, TypeError) as exc:
            cause = describe_error(exc) if isinstance(exc, PyMongoError) else str(exc)
            for secret in uri_secrets(uri):
                cause = cause.replace(secret, "****")
            raise ConfigurationError(f"the MongoDB URI {location} is unusable: {cause}") from None
        except PyMongoError as exc:
            raise StorageError(f"cannot create a MongoDB client: {describe_error(exc)}") from None
        return cls(client, database, location=location)

    async def open(self) -> None:
        """Check the server answers, then bring the schema up to this release's (idempotent).

        A database that a newer release upgraded is opened read-only: reads work, and every
        write raises :class:`StorageError` saying to update this release (see
        :mod:`app.adapters.mongo.schema`).

        Raises:
            StorageError: The server is unreachable or refused an upgrade step; the message says
                which.
        """
        where = self._location or "the MongoDB server"
        try:
            await self._client.admin.command("ping")
        except PyMongoError as exc:
            raise StorageError(f"cannot reach {where}: {describe_error(exc)}") from exc
        self._user = await self._signed_in_user()
        state = await SchemaMigrator(self._db, self._migrations).run()
        if state.newer:
            refusal = state.refusal(self._database_name)
            logger.warning("%s", refusal)
            self._guard.refuse(refusal)
        else:
            self._guard.allow()

    def authenticated_user(self) -> str | None:
        """The database user the server authenticated this client as (its first, should the
        URI name several), or None when the server does not authenticate; known after
        :meth:`open`."""
        return self._user

    async def _signed_in_user(self) -> str | None:
        try:
            status = await self._client.admin.command("connectionStatus")
        except PyMongoError as exc:
            # Any signed-in user may run it, so a refusal means nobody is signed in.
            logger.warning("the server did not say who is signed in: %s", describe_error(exc))
            return None
        users = status.get("authInfo", {}).get("authenticatedUsers") or []
        return str(users[0]["user"]) if users else None

    async def drop_database(self) -> None:
        """Delete the whole database (tests and ``doctor`` clean-ups; there is no undo).

        Raises:
            StorageError: The server refused or did not answer.
        """
        try:
            await self._client.drop_database(self._database_name)
        except PyMongoError as exc:
            raise StorageError(
                f"cannot drop the database {self._database_name}: {describe_error(exc)}"
            ) from exc

    async def close(self) -> None:
        """Close the client and its connections."""
        await self._client.close()

    async def describe(self) -> dict[str, Any]:
        """Facts for ``campaign-studio doctor``; never credentials.

        Returns:
            ``kind``, ``database``, ``location`` (masked URI, if known), ``server_version``,
            ``replica_set`` (whether the server is a replica set member, None if unknown),
            ``schema_version`` ("2 of 2": the database's and this release's) and, when a newer
            release upgraded the database, ``read_only`` with the message writes raise.

        Raises:
            StorageError: The server did not answer.
        """
        facts: dict[str, Any] = {"kind": "mongodb", "database": self._database_name}
        if self._location is not None:
            facts["location"] = self._location
        try:
            info = await self._client.server_info()
            hello = await self._client.admin.command("hello")
        except PyMongoError as exc:
            raise StorageError(
                f"cannot describe {self._location or 'the MongoDB server'}: {describe_error(exc)}"
            ) from exc
        facts["server_version"] = info.get("version")
        facts["replica_set"] = "setName" in hello if hello.get("ok") else None
        if "setName" in hello:
            facts["replica_set_name"] = hello["setName"]
        state = await read_state(self._db, len(self._migrations))
        facts["schema_version"] = f"{state.version} of {state.known}"
        if state.newer:
            facts["read_only"] = state.refusal(self._database_name)
        return facts
