"""Four OS processes on one SQLite file, changing one record at once: nothing is lost, nobody
gets ``Conflict`` (the same rules as :mod:`test_concurrent_writers`, across processes)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import ApprovalScope, ApprovalState
from tests import samples
from tests.app.workflow.conftest import ADA, ANA
from tests.app.workflow.helpers import campaign_with_strategy

PROCESSES = 4


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    settings = AppSettings(data_dir=tmp_path / "data", render_worker=False)
    async with open_core(settings) as opened:
        yield opened


async def _in_processes(data_dir: Path, action: str, record_id: str, names: list[str]) -> dict:
    """Run ``action`` for ``names`` split over four processes started together; each name's
    outcome."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.app.workflow.concurrent_writer_process",
            str(data_dir),
            action,
            record_id,
            *names[share::PROCESSES],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parents[3],
        )
        for share in range(PROCESSES)
    ]
    for process in processes:
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 60) == b"ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    outcomes: dict[str, str] = {}
    for process in processes:
        out, _ = await asyncio.wait_for(process.communicate(), 90)
        assert process.returncode == 0
        outcomes.update(json.loads(out.splitlines()[-1]))
    return outcomes


async def test_fifty_voters_in_four_processes_all_count(core: Core, tmp_path: Path) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, ApprovalScope.STRATEGY, 50)
    voters = [f"voter{n}" for n in range(50)]

    outcomes = await _in_processes(tmp_path / "data", "vote", campaign.id, voters)

    assert outcomes == dict.fromkeys(voters, "counted")
    stored = (await core.approvals.get_approvals(ADA, campaign.id))[ApprovalScope.STRATEGY]
    assert stored.state is ApprovalState.APPROVED
    assert sorted(vote.user_id for vote in stored.votes) == sorted(voters)
    assert [e.to_state for e in stored.timeline].count(ApprovalState.APPROVED) == 1


async def test_two_hundred_voters_in_four_processes_approve_once(
    core: Core, tmp_path: Path
) -> None:
    campaign = await campaign_with_strategy(core)
    await core.approvals.set_quorum(ADA, campaign.id, ApprovalScope.STRATEGY, 50)
    voters = [f"voter{n}" for n in range(200)]

    outcomes = await _in_processes(tmp_path / "data", "vote", campaign.id, voters)

    assert Counter(outcomes.values()) == {"counted": 50, "InvalidTransition": 150}
    stored = (await core.approvals.get_approvals(ADA, campaign.id))[ApprovalScope.STRATEGY]
    counted = {name for name, outcome in outcomes.items() if outcome == "counted"}
    assert {vote.user_id for vote in stored.votes} == counted
    assert [e.to_state for e in stored.timeline].count(ApprovalState.APPROVED) == 1


async def test_fifty_tags_from_four_processes_are_all_kept(core: Core, tmp_path: Path) -> None:
    asset = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    tags = [f"tag{n}" for n in range(50)]

    outcomes = await _in_processes(tmp_path / "data", "tag", asset.id, tags)

    assert outcomes == dict.fromkeys(tags, "counted")
    assert sorted((await core.storage.get(ANA, asset.id)).tags) == sorted(tags)
