"""The prompting engine: deterministic score, ranked recommendations, the publish blockers, and
AI suggestions from a local server speaking Poe's protocol that never hold the rules up."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.adapters.llm import PoeLanguageModel
from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain import ApprovalScope
from app.domain.errors import NotFound, PermissionDenied, PublishBlocked
from tests.app.workflow.conftest import ANA, BEA, GUS
from tests.app.workflow.helpers import at, campaign_with_strategy, full_draft, text_creative
from tests.conftest import open_store
from tests.fakes.poe_server import FAKE_POE_API_KEY, Behaviour, FakePoeServer


def _parts(evaluation) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {part.name: part.points for part in evaluation.parts}


async def test_a_new_campaign_scores_zero_and_says_write_the_strategy(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(ANA, "Empty", channels=["instagram"])
    evaluation = await core.prompting.evaluate(ANA, campaign.id)
    assert evaluation.score == 0
    assert evaluation.recommendations[0].action == "Write the strategy"
    assert [b.code for b in evaluation.blockers] == [
        "no_strategy",
        "strategy_not_approved",
        "content_not_approved",
        "schedule_not_approved",
        "ads_not_approved",
    ]
    assert (evaluation.suggestions, evaluation.suggestions_pending) == ([], False)


async def test_the_score_parts_follow_the_campaign(core: Core) -> None:
    campaign = await core.campaigns.create_campaign(
        ANA, "Parts", channels=["instagram", "linkedin"]
    )
    await core.strategies.create_strategy(ANA, campaign.id, {"objective": "Grow", "tone": "Warm"})
    evaluation = await core.prompting.evaluate(ANA, campaign.id)
    assert _parts(evaluation) == {
        "strategy": 6.25,
        "content": 0,
        "schedule": 0,
        "approvals": 0,
        "assets": 0,
    }
    assert evaluation.recommendations[0].action.startswith("Complete the strategy: target")
    full = await campaign_with_strategy(core, name="Full")
    await text_creative(core, full.id, "instagram")
    await core.campaigns.schedule_post(
        ANA,
        full.id,
        creative_id=(await core.creatives.list_creatives(ANA, full.id))[0].id,
        channel="instagram",
        at=at(1),
    )
    await core.approvals.approve(BEA, full.id, ApprovalScope.STRATEGY)
    evaluation = await core.prompting.evaluate(ANA, full.id)
    parts = _parts(evaluation)
    assert parts == {
        "strategy": 25.0,
        "content": 10.0,
        "schedule": 5.0,
        "approvals": 6.25,
        "assets": 10.0,
    }
    assert evaluation.score == 56
    actions = [r.action for r in evaluation.recommendations]
    assert actions[0] == "Create content for linkedin"
    assert actions.index("Get the content approved") < actions.index("Get the schedule approved")
    assert [r.rank for r in evaluation.recommendations] == list(range(1, len(actions) + 1))


async def test_evaluate_and_publish_share_one_list_of_blockers(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    creative = await text_creative(core, campaign.id)
    await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(2)
    )
    await core.strategies.update_strategy(ANA, campaign.id, full_draft(tone="Calm"))
    evaluation = await core.prompting.evaluate(ANA, campaign.id)
    with pytest.raises(PublishBlocked) as blocked:
        await core.campaigns.publish(ANA, campaign.id)
    assert blocked.value.blockers == [b.message for b in evaluation.blockers]
    assert any(
        "made for strategy version 1, which was invalidated" in message
        for message in blocked.value.blockers
    )


async def test_evaluate_is_deterministic(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    first = await core.prompting.evaluate(ANA, campaign.id)
    second = await core.prompting.evaluate(ANA, campaign.id)
    assert first.model_dump(exclude={"evaluated_at"}) == second.model_dump(exclude={"evaluated_at"})


async def test_evaluate_checks_tenant_and_role(core: Core) -> None:
    campaign = await campaign_with_strategy(core)
    with pytest.raises(NotFound):
        await core.prompting.evaluate(GUS, campaign.id)
    with pytest.raises(PermissionDenied):
        await core.prompting.evaluate(ANA.model_copy(update={"roles": frozenset()}), campaign.id)


@pytest.fixture
async def poe() -> AsyncIterator[FakePoeServer]:
    async with FakePoeServer() as server:
        yield server


@pytest.fixture
async def ai_core(poe: FakePoeServer, tmp_path: Path) -> AsyncIterator[Core]:
    settings = AppSettings(
        data_dir=tmp_path / "data",
        poe_api_key=FAKE_POE_API_KEY,
        poe_base_url=poe.base_url,
        ai_timeout_seconds=2,
    )
    async for store in open_store("sqlite", tmp_path):
        built = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
        yield built
        await built.tasks.close()
        assert built.language_model is not None
        await built.language_model.close()


async def test_ai_suggestions_arrive_later_and_are_cached(
    ai_core: Core, poe: FakePoeServer
) -> None:
    assert isinstance(ai_core.language_model, PoeLanguageModel)
    campaign = await campaign_with_strategy(ai_core)
    poe.script(Behaviour(reply="- Name a concrete saving\n- Show the bike in rain\n"))
    first = await ai_core.prompting.evaluate(ANA, campaign.id)
    assert (first.suggestions, first.suggestions_pending) == ([], True)
    suggestions = await ai_core.prompting.suggest(ANA, campaign.id)
    assert suggestions == ["Name a concrete saving", "Show the bike in rain"]
    later = await ai_core.prompting.evaluate(ANA, campaign.id)
    assert (later.suggestions, later.suggestions_pending) == (suggestions, False)
    chats = [r for r in poe.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 1  # cached: one call for the same campaign state
    assert "Grow sign-ups" in chats[0].json["messages"][1]["content"]
    assert chats[0].headers["Authorization"] == f"Bearer {FAKE_POE_API_KEY}"


async def test_a_slow_model_never_holds_the_rules_up(ai_core: Core, poe: FakePoeServer) -> None:
    campaign = await campaign_with_strategy(ai_core)
    poe.script(Behaviour(delay=30))
    loop = asyncio.get_running_loop()
    began = loop.time()
    evaluation = await ai_core.prompting.evaluate(ANA, campaign.id)
    assert loop.time() - began < 1.0  # the model's 30 s delay is not waited for
    assert evaluation.suggestions_pending
    assert evaluation.score > 0
    assert await ai_core.prompting.suggest(ANA, campaign.id) == []  # timed out after 2 s


@pytest.mark.parametrize("failure", ["429", "500", "401", "malformed"])
async def test_model_errors_leave_the_rules_intact(
    ai_core: Core, poe: FakePoeServer, failure: str
) -> None:
    campaign = await campaign_with_strategy(ai_core)
    poe.script(failure)
    assert await ai_core.prompting.suggest(ANA, campaign.id) == []
    evaluation = await ai_core.prompting.evaluate(ANA, campaign.id)
    assert evaluation.score == 25
    assert evaluation.suggestions_pending  # not cached: the next evaluation asks again
    poe.script(Behaviour(reply="- Try again later"))
    assert await ai_core.prompting.suggest(ANA, campaign.id) == ["Try again later"]


async def test_doctor_checks_the_poe_key(poe: FakePoeServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CAMPAIGN_STUDIO_POE_API_KEY": FAKE_POE_API_KEY,
        "CAMPAIGN_STUDIO_POE_BASE_URL": poe.base_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "--data-dir",
        str(tmp_path),
        "doctor",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "ok   AI model     Poe reachable, model Claude-Sonnet-4.5 available" in text
    assert FAKE_POE_API_KEY not in text
    poe.script("503")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "--data-dir",
        str(tmp_path),
        "doctor",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    assert "BAD  AI model" in out.decode()
