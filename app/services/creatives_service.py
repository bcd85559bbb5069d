"""CreativesService: copy, images and videos, linked to the strategy version they serve."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from app.domain import Actor, Creative, CreativeKind, RenderJob, Role
from app.domain.errors import InvalidInput
from app.domain.validation import describe
from app.ports.repositories import CreativeRepository, StrategyRepository
from app.services.approval_cascade import ApprovalCascade
from app.services.campaign_state import CampaignState, parse_enum
from app.services.context import ServiceContext
from app.services.creative_edits import CreativeEdits, clean_copy, copy_filename
from app.services.media_renderer_service import MediaRendererService, check_num_outputs
from app.services.operations import public_calls
from app.services.render_requests import RenderRequests
from app.services.storage_service import StorageService


def _link_job(creative: Creative, *, job_id: str, provider: str | None = None) -> Creative:
    return creative.model_copy(
        update={"render_job_id": job_id, "provider": provider or creative.provider}
    )


@public_calls
class CreativesService(CreativeEdits):
    """Creatives of a campaign. Text creatives keep their copy as a text asset in the library
    (the seed's "upload to R2"); a creative reuses library assets through ``attach_asset``.

    New or changed content of a campaign whose content was approved sends the content approval
    back to needs_review: approvers see what they approve. Attaching assets, choosing a
    variant, editing copy and deleting are in :class:`CreativeEdits`.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        creatives: CreativeRepository,
        strategies: StrategyRepository,
        storage: StorageService,
        cascade: ApprovalCascade,
        renderer: MediaRendererService,
        requests: RenderRequests,
        state: CampaignState,
    ) -> None:
        self._creatives = creatives
        self._strategies = strategies
        self._storage = storage
        self._cascade = cascade
        self._renderer = renderer
        self._requests = requests
        self._state = state
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock

    async def create_text_creative(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        title: str,
        body: str,
        channel: str | None = None,
    ) -> Creative:
        """Copy for a channel, made from the active strategy version; its text is stored in the
        asset library and attached as the creative's output."""
        await self._access.require(actor, Role.EDITOR, "create content")
        body = clean_copy(body)
        strategy = await self._active_strategy(actor, campaign_id)
        now = self._clock.now()
        creative = self._build(
            tenant_id=actor.tenant_id,
            campaign_id=campaign_id,
            kind=CreativeKind.TEXT,
            title=title,
            body=body,
            channel=channel,
            strategy_id=strategy.id,
            strategy_version=strategy.version,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        text_asset = await self._storage.store_text(
            actor, body, filename=copy_filename(creative.title), tags=("copy",)
        )
        stored = await self._creatives.add(
            creative.model_copy(update={"asset_ids": (text_asset.id,)})
        )
        await self._changed(actor, stored, "creative.created")
        return stored

    async def create_media_creative(
        self,
        actor: Actor,
        campaign_id: str,
        *,
        kind: CreativeKind | str,
        title: str,
        prompt: str,
        provider: str | None = None,
        params: Mapping[str, Any] | None = None,
        channel: str | None = None,
    ) -> Creative:
        """An image or video made from the active strategy version; its render is queued at
        once (``render_job_id``) and its output attached when the render is published."""
        await self._access.require(actor, Role.EDITOR, "create content")
        kind = parse_enum(CreativeKind, kind, "creative kind")
        if kind is CreativeKind.TEXT:
            raise InvalidInput("use create_text_creative for copy")
        # Everything the render needs is checked before anything is stored.
        kind, prompt, provider, clean = self._requests.check(kind, prompt, provider, params)
        check_num_outputs(clean)
        strategy = await self._active_strategy(actor, campaign_id)
        now = self._clock.now()
        creative = self._build(
            tenant_id=actor.tenant_id,
            campaign_id=campaign_id,
            kind=kind,
            title=title,
            prompt=prompt,
            provider=provider,
            params=clean,
            channel=channel,
            strategy_id=strategy.id,
            strategy_version=strategy.version,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        stored = await self._creatives.add(creative)
        job = await self._renderer.queue_render(
            actor, stored.id, kind=kind, prompt=prompt, provider=provider, params=clean
        )
        linked = await self._creatives.modify(
            actor.tenant_id,
            stored.id,
            functools.partial(_link_job, job_id=job.id, provider=job.provider),
        )
        await self._changed(actor, linked, "creative.created", render_job_id=job.id)
        return linked

    async def regenerate(
        self, actor: Actor, campaign_id: str, *, creative_ids: Iterable[str] | None = None
    ) -> list[RenderJob]:
        """Render the chosen media creatives again (None: every stale one) for the active
        strategy version; earlier outputs stay in each creative's history."""
        await self._access.require(actor, Role.EDITOR, "regenerate content")
        await self._active_strategy(actor, campaign_id)
        if creative_ids is None:
            chosen = [
                c
                for c in await self._creatives.list_for_campaign(
                    actor.tenant_id, campaign_id, stale_only=True
                )
                if c.kind is not CreativeKind.TEXT
            ]
        else:
            chosen = [
                await self._creatives.get(actor.tenant_id, cid)
                for cid in dict.fromkeys(creative_ids)
            ]
            for creative in chosen:
                if creative.campaign_id != campaign_id:
                    raise InvalidInput(f"{creative.title!r} belongs to another campaign")
                if creative.kind is CreativeKind.TEXT or not creative.prompt:
                    raise InvalidInput(
                        f"{creative.title!r} is copy: edit it instead of regenerating it"
                    )
        jobs = []
        for creative in chosen:
            assert creative.prompt is not None
            # A new seed, so a regeneration gives a new picture (kept in the job's params, so
            # it can be rendered again exactly).
            params = {**creative.params, "seed": secrets.randbelow(2**31)}
            job = await self._renderer.queue_render(
                actor,
                creative.id,
                kind=creative.kind,
                prompt=creative.prompt,
                provider=creative.provider,
                params=params,
            )
            await self._creatives.modify(
                actor.tenant_id,
                creative.id,
                functools.partial(_link_job, job_id=job.id),
            )
            jobs.append(job)
        if jobs:
            await self._activity.record(
                actor,
                "creative.regenerated",
                object_type="campaign",
                object_id=campaign_id,
                campaign_id=campaign_id,
                creatives=[c.id for c in chosen],
            )
        return jobs

    async def get_creative(self, actor: Actor, creative_id: str) -> Creative:
        await self._access.require(actor, Role.VIEWER, "see content")
        return await self._creatives.get(actor.tenant_id, creative_id)

    async def list_creatives(
        self, actor: Actor, campaign_id: str, *, stale_only: bool = False
    ) -> list[Creative]:
        """The campaign's creatives, oldest first (only the stale ones if asked)."""
        await self._access.require(actor, Role.VIEWER, "see content")
        await self._state.campaign(actor.tenant_id, campaign_id)
        return await self._creatives.list_for_campaign(
            actor.tenant_id, campaign_id, stale_only=stale_only
        )

    def _build(self, **fields: object) -> Creative:
        try:
            return Creative.model_validate(fields)
        except ValidationError as exc:
            raise InvalidInput(f"invalid creative: {describe(exc)}") from None
