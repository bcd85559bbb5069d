"""The seed's two data flows — campaign creation, strategy update — end to end on each store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.bootstrap import Core
from app.cli import main
from app.demo import run_demo
from app.domain import ApprovalState, CampaignStatus, StrategyStatus
from tests.app.workflow.conftest import ANA


async def test_both_seed_flows_run_end_to_end(core: Core) -> None:
    lines: list[str] = []
    published = await run_demo(core, lines.append)
    tenant = published.tenant_id
    actor = ANA.model_copy(update={"tenant_id": tenant})
    assert published.status is CampaignStatus.PUBLISHED
    assert published.published_strategy_version == 2
    history = await core.strategies.history(actor, published.id)
    assert [(s.version, s.status) for s in history] == [
        (1, StrategyStatus.INVALIDATED),
        (2, StrategyStatus.ACTIVE),
    ]
    assert history[0].superseded_by == history[1].id
    approvals = await core.approvals.get_approvals(actor, published.id)
    assert {(a.state, a.strategy_version) for a in approvals.values()} == {
        (ApprovalState.APPROVED, 2)
    }
    timeline = [(e.from_state.value, e.to_state.value) for e in approvals["content"].timeline]  # type: ignore[index]
    assert timeline == [
        ("pending", "approved"),
        ("approved", "needs_review"),
        ("needs_review", "approved"),
    ]
    creatives = await core.creatives.list_creatives(actor, published.id)
    assert [(c.kind.value, c.stale) for c in creatives] == [
        ("text", True),
        ("text", True),
        ("image", False),
        ("text", False),
        ("text", False),
    ]
    hero = creatives[2]
    assert len(hero.outputs) == 2
    assert [o.strategy_version for o in hero.outputs] == [1, 2]
    assert hero.asset_ids == (hero.outputs[-1].asset_id,)
    bundles = sorted((Path(core.settings.data_dir) / "exports").iterdir())
    assert [b.name.split("-v")[1][:1] for b in bundles] == ["1", "2"]
    manifest = json.loads((Path(str(published.bundle_path)) / "manifest.json").read_text())
    assert manifest["strategy"]["version"] == 2
    assert {a["state"] for a in manifest["approvals"].values()} == {"approved"}
    for entry in manifest["assets"]:
        assert (Path(str(published.bundle_path)) / entry["file"]).stat().st_size == entry["size"]
    assert any(line.startswith("12. evaluated: score 100/100, 0 blockers") for line in lines)
    activity = await core.store.activity.list(tenant, limit=500)
    actions = {entry.action for entry in activity}
    assert {
        "campaign.created",
        "strategy.saved",
        "strategy.invalidated",
        "approval.voted",
        "approval.rerequested",
        "approval.invalidated",
        "creative.created",
        "post.scheduled",
        "post.changed",
        "ad_plan.created",
        "campaign.published",
        "asset.added",
    } <= actions


def test_the_demo_command_prints_each_step_and_the_final_states(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
    out = capsys.readouterr().out
    assert "== Data flow: campaign creation" in out
    assert "== Data flow: strategy update" in out
    assert "2. strategy v1 invalidated: superseded by version 2" in out
    assert "strategy  pending       no strategy yet, votes 0/1" in out
    assert "content   needs_review  strategy v2, votes 0/1" in out
    final = out.split("Final approval states:")[1]
    assert final.count("approved      strategy v2, votes 1/1") == 4
    assert "13. campaign published (strategy v1): bundle " in out
    assert "7. published again (strategy v2): bundle " in out
    assert "Demo finished: both seed flows worked." in out
    for odd in ("published (published)", "strategy -"):
        assert odd not in out
    # The first render and the regeneration are told apart by their full ids.
    job_ids = re.findall(r"render job ([0-9a-f]+) queued", out)
    assert len(job_ids) == 2
    assert len(set(job_ids)) == 2
    assert all(len(job_id) == 32 for job_id in job_ids)


def test_the_demo_keeps_its_data_in_one_folder_that_the_next_run_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_folder = tmp_path / "demo"
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
    first_bundles = sorted((demo_folder / "exports").iterdir())
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
    out = capsys.readouterr().out
    bundles = sorted((demo_folder / "exports").iterdir())
    assert len(bundles) == 2  # this run's v1 and v2, not four
    assert not set(first_bundles) & set(bundles)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo"]  # nothing of the user's
    assert out.count(f"Its data and bundles are in {demo_folder}") == 2


def test_the_demo_refuses_to_replace_a_demo_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = tmp_path / "demo" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("mine")
    assert main(["--data-dir", str(tmp_path), "demo"]) == 1
    assert keep.read_text() == "mine"
    assert f"{keep.parent} holds files the demo did not make" in capsys.readouterr().err
