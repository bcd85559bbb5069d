"""Who the user is: the database user a team server authenticated, else the profile's user id.

The mongomock shim and SecantusDB do not authenticate, so the unauthenticated path runs on every
store kind for real; the authenticated one runs on the shim taught to answer ``connectionStatus``
with a signed-in user, as a server with authentication does.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app import diagnostics
from app.adapters.mongo import MongoStore
from app.adapters.storage import LocalBlobStore
from app.bootstrap import build_core
from app.cli import main
from app.config import AppSettings
from app.domain import Actor, RenderStatus, Role
from app.domain.errors import PermissionDenied
from app.ports.clock import SystemClock
from app.ports.repositories import Store
from app.services.access import AccessControl
from tests.app.workflow.helpers import full_draft
from tests.conftest import MongoWorkstations
from tests.fakes.mongomock_async import AsyncMongomockClient

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})
MALLORY = Actor(tenant_id="acme", user_id="mallory", roles={Role.ADMIN})


@pytest.fixture
async def signed_in_as_ana() -> AsyncIterator[MongoStore]:
    """A store on the shim, whose server says the workstation signed in as ``ana``."""
    workstations = MongoWorkstations("mongo-fake")
    workstations.client().authenticated_users = [{"user": "ana", "db": "admin"}]
    store = workstations.store()
    await store.open()
    yield store
    await workstations.close()


async def test_no_user_is_signed_in_on_sqlite_or_a_server_without_authentication(
    store: Store,
) -> None:
    assert store.authenticated_user() is None


async def test_the_server_says_who_signed_in(signed_in_as_ana: MongoStore) -> None:
    assert signed_in_as_ana.authenticated_user() == "ana"


async def test_a_signed_in_user_cannot_act_as_someone_else(signed_in_as_ana: MongoStore) -> None:
    access = AccessControl(
        signed_in_as_ana.members,
        SystemClock(),
        stored_roles=True,
        signed_in_as=signed_in_as_ana.authenticated_user(),
    )
    with pytest.raises(PermissionDenied, match="you are signed in to the database as ana"):
        await access.require(MALLORY, Role.VIEWER, "look")
    with pytest.raises(PermissionDenied, match="you are signed in to the database as ana"):
        await access.identify(MALLORY)
    assert await access.identify(ANA) == ANA


async def test_without_authentication_the_profile_is_trusted(store: Store) -> None:
    access = AccessControl(
        store.members,
        SystemClock(),
        stored_roles=False,
        signed_in_as=store.authenticated_user(),
    )
    await access.require(MALLORY, Role.VIEWER, "look")  # anyone acts as anyone
    assert access.identity("pat") == "pat"


def test_the_identity_is_the_signed_in_user_else_the_profile_else_the_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "os-login")
    members = object()  # the identity reads nothing
    trusted = AccessControl(members, SystemClock(), stored_roles=True)  # type: ignore[arg-type]
    assert trusted.identity() == "os-login"
    assert trusted.identity("pat") == "pat"
    signed_in = AccessControl(
        members,  # type: ignore[arg-type]
        SystemClock(),
        stored_roles=True,
        signed_in_as="ana",
    )
    assert signed_in.identity("pat") == "ana"  # editing the profile changes nothing
    assert signed_in.identity() == "ana"


async def test_the_core_names_its_user_and_refuses_another(
    signed_in_as_ana: MongoStore, tmp_path: Path
) -> None:
    settings = AppSettings(
        data_dir=tmp_path / "data",
        mongodb_uri="mongodb://db.example",  # type: ignore[arg-type]
        user_id="mallory",
        render_worker=False,
    )
    core = build_core(settings, signed_in_as_ana, LocalBlobStore(tmp_path / "media"))
    try:
        assert core.identity() == "ana"
        with pytest.raises(PermissionDenied, match="signed in to the database as ana"):
            await core.workspaces.create_workspace(MALLORY, "Takeover")
        created = await core.workspaces.create_workspace(ANA, "Acme")
        assert [
            m.user_id
            for m in await core.workspaces.list_members(
                ANA.model_copy(update={"tenant_id": created.id})
            )
        ] == ["ana"]
    finally:
        await core.close()


async def test_the_core_uses_the_profile_without_authentication(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "os-login")
    blobs = LocalBlobStore(tmp_path / "media")
    for settings, expected in [
        (AppSettings(data_dir=tmp_path, render_worker=False, user_id="pat"), "pat"),
        (AppSettings(data_dir=tmp_path, render_worker=False), "os-login"),
    ]:
        core = build_core(settings, store, blobs)
        try:
            assert core.identity() == expected
        finally:
            await core.close()


def shim_store(*signed_in: str) -> MongoStore:
    """A store on a server of its own (the doctor closes it) that signed ``signed_in`` in."""
    client = AsyncMongomockClient(tz_aware=True)
    client.authenticated_users = [{"user": user, "db": "admin"} for user in signed_in]
    return MongoStore(client, "cs_doctor")


def test_doctor_warns_that_a_server_without_authentication_trusts_anyone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_URI", "mongodb://db.example")
    monkeypatch.setattr(diagnostics, "build_store", lambda _settings: shim_store())
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    unauthenticated = capsys.readouterr().out
    monkeypatch.setattr(diagnostics, "build_store", lambda _settings: shim_store("ana"))
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    authenticated = capsys.readouterr().out
    assert "warn identity" in unauthenticated
    assert "the server does not authenticate users: anyone can act as anyone" in unauthenticated
    assert "ok   identity     signed in to the database as ana" in authenticated
    assert "does not authenticate" not in authenticated


async def test_doctor_warns_on_a_real_server_without_authentication(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workstations = MongoWorkstations("mongo-real")  # doctor reaches a server by its URI
    try:
        monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_URI", workstations.uri)
        monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_DATABASE", workstations.database)
        assert await asyncio.to_thread(main, ["--data-dir", str(tmp_path), "doctor"]) == 0
    finally:
        await workstations.close()
    out = capsys.readouterr().out
    assert "warn identity" in out
    assert "anyone can act as anyone" in out


def test_doctor_says_who_acts_on_the_embedded_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "os-login")
    assert main(["--data-dir", str(tmp_path), "doctor"]) == 0
    assert "ok   identity     os-login (the profile's user id" in capsys.readouterr().out


async def test_a_worker_publishes_a_render_queued_by_another_signed_in_user(
    tmp_path: Path,
) -> None:
    """Ana's worker adds Bea's render to the library as Bea's, though Ana is signed in."""
    workstations = MongoWorkstations("mongo-fake")
    client = workstations.client()
    stores = {}
    for user in ("bea", "ana"):  # each store learns who signed in as it opens
        client.authenticated_users = [{"user": user, "db": "admin"}]
        stores[user] = workstations.store()
        await stores[user].open()
    blobs = LocalBlobStore(tmp_path / "media")  # the team's media store
    cores = {
        user: build_core(
            AppSettings(
                data_dir=tmp_path / user,
                mongodb_uri="mongodb://db.example",  # type: ignore[arg-type]
                render_worker=user == "ana",
            ),
            store,
            blobs,
        )
        for user, store in stores.items()
    }
    try:
        workspace = await cores["ana"].workspaces.create_workspace(ANA, "Acme")
        ana = ANA.model_copy(update={"tenant_id": workspace.id})
        await cores["ana"].workspaces.add_member(ana, "bea", "editor")
        bea = Actor(tenant_id=workspace.id, user_id="bea", roles={Role.EDITOR})
        campaign = await cores["bea"].campaigns.create_campaign(bea, "Spring")
        await cores["bea"].strategies.create_strategy(bea, campaign.id, full_draft())
        creative = await cores["bea"].creatives.create_media_creative(
            bea,
            campaign.id,
            kind="image",
            title="Hero",
            prompt="A bright spring meadow",
            params={"width": 256, "height": 256},
        )
        assert creative.render_job_id is not None
        worker = cores["ana"].renderer.worker
        assert worker is not None
        worker.start()
        job = await cores["ana"].renderer.wait_for(ana, creative.render_job_id, timeout=30)
        assert (job.status, job.error) == (RenderStatus.PUBLISHED, None)
        assert job.asset_id is not None
        asset = await stores["ana"].assets.get(workspace.id, job.asset_id)
        assert asset.uploaded_by == "bea"
    finally:
        for core in cores.values():
            await core.close()
        await workstations.close()
