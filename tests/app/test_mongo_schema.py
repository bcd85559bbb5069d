"""The MongoDB database's schema version: newer clients migrate forward, each step once, and an
older client opens a newer database read-only. On the mongomock shim and on the real server named
by CAMPAIGN_STUDIO_TEST_MONGODB_URI (skipped when it is not set)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from app.adapters.mongo import schema
from app.adapters.mongo.indexes import MIGRATIONS
from app.adapters.mongo.read_only import WRITES
from app.cli import main
from app.domain import AssetQuery
from app.domain.errors import ReadOnlyDatabase, StorageError
from tests import factories
from tests.conftest import MongoWorkstations

NEWER = "upgraded by a newer Campaign Studio"
KNOWN = len(MIGRATIONS)


@dataclass
class CountedStep:
    """A step that records each run (in this process) and makes a round trip while it runs."""

    name: str
    runs: list[str] = field(default_factory=list)
    fails: bool = False

    async def apply(self, database: Any) -> None:
        self.runs.append(self.name)
        await database["probe"].insert_one({"step": self.name})
        if self.fails:
            raise OperationFailure("no room for the index")


async def _schema(workstations: MongoWorkstations) -> dict[str, Any]:
    doc = await workstations.raw()["meta"].find_one({"_id": "schema"})
    assert doc is not None
    return dict(doc)


def _history(doc: dict[str, Any]) -> list[tuple[int, str]]:
    return [(entry["version"], entry["step"]) for entry in doc["history"]]


async def test_a_new_database_records_each_step_once(
    mongo_workstations: MongoWorkstations,
) -> None:
    store = mongo_workstations.store()
    await store.open()
    await store.open()
    doc = await _schema(mongo_workstations)
    assert doc["version"] == KNOWN
    assert doc["migrating"] is None
    assert _history(doc) == [(n + 1, step.name) for n, step in enumerate(MIGRATIONS)]
    assert all(entry["by"] and entry["at"] for entry in doc["history"])
    indexes = await mongo_workstations.raw()["render_jobs"].index_information()
    assert "claim_in_order" in indexes
    assert "claim" not in indexes


async def test_a_database_from_before_versions_is_migrated_and_keeps_its_data(
    mongo_workstations: MongoWorkstations,
) -> None:
    first = mongo_workstations.store(MIGRATIONS[:1])
    await first.open()
    campaign = await first.campaigns.add(factories.campaign())
    await mongo_workstations.raw()["meta"].delete_many({})  # releases before versions wrote none

    store = mongo_workstations.store()
    await store.open()
    assert await store.campaigns.get("acme", campaign.id) == campaign
    assert (await _schema(mongo_workstations))["version"] == KNOWN
    assert "claim" not in await mongo_workstations.raw()["render_jobs"].index_information()


async def test_a_newer_client_migrates_forward_once(
    mongo_workstations: MongoWorkstations,
) -> None:
    await mongo_workstations.store().open()
    step = CountedStep("an index for the calendar")
    newer = mongo_workstations.store((*MIGRATIONS, step))
    await newer.open()
    await newer.open()
    assert step.runs == [step.name]
    doc = await _schema(mongo_workstations)
    assert doc["version"] == KNOWN + 1
    assert _history(doc)[-1] == (KNOWN + 1, step.name)
    assert (await newer.describe())["schema_version"] == f"{KNOWN + 1} of {KNOWN + 1}"


async def test_an_older_client_reads_a_newer_database_but_never_writes(
    mongo_workstations: MongoWorkstations,
) -> None:
    newer = mongo_workstations.store((*MIGRATIONS, CountedStep("a newer release's step")))
    await newer.open()
    campaign = await newer.campaigns.add(factories.campaign())
    job = await newer.render_jobs.add(factories.render_job())

    older = mongo_workstations.store()
    await older.open()
    assert await older.campaigns.get("acme", campaign.id) == campaign
    assert [c.id for c in await older.campaigns.list("acme")] == [campaign.id]
    assert (await older.assets.search("acme", AssetQuery())).total == 0
    facts = await older.describe()
    assert facts["schema_version"] == f"{KNOWN + 1} of {KNOWN}"
    assert NEWER in facts["read_only"]

    writes = {
        "add": older.campaigns.add(factories.campaign()),
        "add_many": older.activity.add_many([factories.activity()]),
        "update": older.campaigns.update(campaign.model_copy(update={"name": "Summer"})),
        "modify": older.campaigns.modify(
            "acme", campaign.id, lambda c: c.model_copy(update={"name": "Autumn"})
        ),
        "claim": older.render_jobs.claim(
            worker_id="w1", now=factories.at(3600), lease_until=factories.at(3660)
        ),
        "mark_stale": older.creatives.mark_stale("acme", "c1", 1, factories.at(0)),
    }
    for name, write in writes.items():
        with pytest.raises(ReadOnlyDatabase, match=NEWER) as refused:
            await write
        assert "update Campaign Studio" in str(refused.value), name

    assert await newer.campaigns.get("acme", campaign.id) == campaign  # nothing was written
    assert await newer.render_jobs.get("acme", job.id) == job
    assert await newer.activity.list("acme") == []
    assert (await _schema(mongo_workstations))["version"] == KNOWN + 1
    renamed = await newer.campaigns.update(campaign.model_copy(update={"name": "Summer"}))
    assert renamed.revision == 2  # the newer client still writes


async def test_workstations_opening_a_new_database_at_once_apply_each_step_once(
    mongo_workstations: MongoWorkstations,
) -> None:
    runs: list[str] = []
    steps = (*MIGRATIONS, *(CountedStep(f"step {n}", runs) for n in (3, 4, 5)))
    stores = [mongo_workstations.store(steps) for _ in range(5)]
    await asyncio.gather(*(store.open() for store in stores))
    assert runs == ["step 3", "step 4", "step 5"]
    doc = await _schema(mongo_workstations)
    assert doc["version"] == len(steps)
    assert _history(doc) == [(n + 1, step.name) for n, step in enumerate(steps)]
    # A late copy of step 1 (create "claim") never lands after step 2 dropped it.
    assert "claim" not in await mongo_workstations.raw()["render_jobs"].index_information()


async def test_an_upgrade_left_by_a_crashed_workstation_is_taken_over(
    mongo_workstations: MongoWorkstations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "STALE_AFTER", 0.2)
    await mongo_workstations.store().open()
    await mongo_workstations.raw()["meta"].update_one(
        {"_id": "schema"}, {"$set": {"migrating": {"by": "gone/1/0", "beat": 7}}}
    )
    step = CountedStep("after the crash")
    await mongo_workstations.store((*MIGRATIONS, step)).open()
    assert step.runs == [step.name]
    doc = await _schema(mongo_workstations)
    assert (doc["version"], doc["migrating"]) == (KNOWN + 1, None)
    assert _history(doc)[-1] == (KNOWN + 1, step.name)


async def test_a_failed_step_is_a_storage_error_and_frees_the_upgrade_at_once(
    mongo_workstations: MongoWorkstations,
) -> None:
    await mongo_workstations.store().open()
    broken = CountedStep("needs room", fails=True)
    with pytest.raises(StorageError, match=r"cannot upgrade the database .*no room"):
        await mongo_workstations.store((*MIGRATIONS, broken)).open()
    doc = await _schema(mongo_workstations)
    assert (doc["version"], doc["migrating"]) == (KNOWN, None)
    fixed = CountedStep("needs room")
    await mongo_workstations.store((*MIGRATIONS, fixed)).open()
    assert fixed.runs == [fixed.name]


def test_the_guard_knows_every_write_method_of_the_driver() -> None:
    prefixes = ("insert", "update", "replace", "delete", "drop", "create", "find_one_and", "bulk")
    methods = {name for name in dir(AsyncCollection) if name.startswith(prefixes)}
    assert methods - WRITES == set()


async def test_doctor_reports_a_database_a_newer_release_upgraded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workstations = MongoWorkstations("mongo-real")  # doctor reaches a server by its URI
    try:
        await workstations.store((*MIGRATIONS, CountedStep("newer"))).open()
        monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_URI", workstations.uri)
        monkeypatch.setenv("CAMPAIGN_STUDIO_MONGODB_DATABASE", workstations.database)
        assert await asyncio.to_thread(main, ["--data-dir", str(tmp_path), "doctor"]) == 1
    finally:
        await workstations.close()
    out = capsys.readouterr().out
    assert "BAD  database" in out
    assert NEWER in out
    assert f"schema_version {KNOWN + 1} of {KNOWN}" in out
