"""PromptingEngineService: score, recommendations and blockers; AI suggestions when configured."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict

from app.domain import Actor, Role
from app.domain.errors import AppError
from app.domain.evaluation import Evaluation
from app.domain.guidance import CampaignSnapshot, find_blockers, recommend, score_parts
from app.ports.llm import ChatMessage, LanguageModel
from app.services.campaign_state import CampaignState
from app.services.context import ServiceContext
from app.services.operations import public_calls
from app.services.task_runner import TaskRunner

log = logging.getLogger(__name__)

CACHE_SIZE = 256
MAX_SUGGESTIONS = 8
SYSTEM_PROMPT = (
    "You are a senior marketing strategist reviewing a campaign plan. Reply with at most "
    f"{MAX_SUGGESTIONS} short, concrete suggestions, one per line, each starting with '- '. "
    "Cover weaknesses of the strategy and ideas for copy. No preamble."
)


@public_calls
class PromptingEngineService:
    """Evaluates a campaign with deterministic, offline rules (:mod:`app.domain.guidance`).

    With a language model configured, AI suggestions are fetched in the background, cached per
    campaign state, and added to later evaluations; the deterministic result never waits for
    them and never fails because of them.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        state: CampaignState,
        tasks: TaskRunner,
        model: LanguageModel | None = None,
        ai_timeout: float = 20.0,
    ) -> None:
        self._state = state
        self._access = context.access
        self._clock = context.clock
        self._tasks = tasks
        self._model = model
        self._ai_timeout = ai_timeout
        self._cache: OrderedDict[str, list[str]] = OrderedDict()

    async def evaluate(self, actor: Actor, campaign_id: str) -> Evaluation:
        """Score (0–100) with its parts, ranked recommendations, and the publish blockers."""
        await self._access.require(actor, Role.VIEWER, "evaluate campaigns")
        snapshot = await self._state.snapshot(actor.tenant_id, campaign_id)
        parts = score_parts(snapshot)
        blockers = find_blockers(snapshot)
        suggestions, pending = self._suggestions(snapshot)
        return Evaluation(
            campaign_id=campaign_id,
            score=round(sum(part.points for part in parts)),
            parts=parts,
            recommendations=recommend(snapshot, blockers),
            blockers=blockers,
            suggestions=suggestions,
            suggestions_pending=pending,
            evaluated_at=self._clock.now(),
        )

    async def suggest(self, actor: Actor, campaign_id: str) -> list[str]:
        """Wait for the AI suggestions of the campaign's current state (empty without a model,
        or when the model fails or times out)."""
        await self._access.require(actor, Role.VIEWER, "ask for suggestions")
        snapshot = await self._state.snapshot(actor.tenant_id, campaign_id)
        if self._model is None:
            return []
        key = _cache_key(snapshot)
        if key not in self._cache:
            await self._tasks.wait(f"suggest:{key}", lambda: self._fetch(key, snapshot))
        return list(self._cache.get(key, []))

    def _suggestions(self, snapshot: CampaignSnapshot) -> tuple[list[str], bool]:
        if self._model is None or snapshot.strategy is None:
            return [], False
        key = _cache_key(snapshot)
        if key in self._cache:
            self._cache.move_to_end(key)
            return list(self._cache[key]), False
        self._tasks.start(f"suggest:{key}", lambda: self._fetch(key, snapshot))
        return [], True

    async def _fetch(self, key: str, snapshot: CampaignSnapshot) -> None:
        assert self._model is not None
        messages = [ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", _describe(snapshot))]
        try:
            async with asyncio.timeout(self._ai_timeout):
                reply = await self._model.complete(messages, timeout=self._ai_timeout)
        except (AppError, TimeoutError) as exc:
            log.warning("AI suggestions unavailable: %s", exc)
            return  # not cached: a later evaluation tries again
        self._cache[key] = _parse(reply)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _describe(snapshot: CampaignSnapshot) -> str:
    campaign, strategy = snapshot.campaign, snapshot.strategy
    draft = strategy.draft.model_dump(mode="json") if strategy else {}
    copy = [
        {"channel": c.channel, "title": c.title, "body": c.body[:500]}
        for c in snapshot.creatives
        if not c.stale and c.body
    ][:10]
    return json.dumps(
        {
            "campaign": campaign.name,
            "description": campaign.description,
            "channels": list(snapshot.channels),
            "strategy": draft,
            "copy": copy,
        },
        ensure_ascii=False,
    )


def _cache_key(snapshot: CampaignSnapshot) -> str:
    return hashlib.sha256(_describe(snapshot).encode()).hexdigest()


def _parse(reply: str) -> list[str]:
    lines = [line.strip().lstrip("-•*0123456789.) ").strip() for line in reply.splitlines()]
    return [line for line in lines if line][:MAX_SUGGESTIONS]
