"""CreativesService: copy, images and videos, linked to the strategy version they serve."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from app.domain import (
    Actor,
    ApprovalScope,
    ApprovalState,
    Creative,
    CreativeKind,
    CreativeOutput,
    RenderJob,
    Role,
    Strategy,
)
from app.domain.campaigns import check_writable
from app.domain.errors import InvalidInput
from app.domain.validation import describe
from app.ports.repositories import CreativeRepository, StrategyRepository
from app.services.approval_cascade import ApprovalCascade
from app.services.campaign_state import CampaignState, parse_enum
from app.services.context import ServiceContext
from app.services.media_renderer_service import MediaRendererService, check_num_outputs
from app.services.operations import public_calls
from app.services.render_requests import RenderRequests
from app.services.storage_service import StorageService

MAX_BODY = 20_000


def _link_job(creative: Creative, *, job_id: str, provider: str | None = None) -> Creative:
    return creative.model_copy(
        update={"render_job_id": job_id, "provider": provider or creative.provider}
    )


def _job_outputs(job: RenderJob) -> tuple[str, ...]:
    """The assets a render job stored, in order (a job from before variants has one)."""
    if job.output_asset_ids:
        return job.output_asset_ids
    return (job.asset_id,) if job.asset_id else ()


def _clean_copy(body: str | None) -> str:
    """The copy trimmed; InvalidInput when it is empty or too long."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("the copy must not be empty")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the copy is {len(body)} characters long; at most {MAX_BODY}")
    return body


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "creative"


@public_calls
class CreativesService:
    """Creatives of a campaign. Text creatives keep their copy as a text asset in the library
    (the seed's "upload to R2"); a creative reuses library assets through ``attach_asset``.

    New or changed content of a campaign whose content was approved sends the content approval
    back to needs_review: approvers see what they approve.
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
        body = _clean_copy(body)
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
            actor, body, filename=f"{_slug(creative.title)}.txt", tags=("copy",)
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

    async def attach_asset(self, actor: Actor, creative_id: str, asset_id: str) -> Creative:
        """Reuse a library asset in the creative (usage is tracked for the library)."""
        await self._access.require(actor, Role.EDITOR, "attach assets")
        asset = await self._storage.get(actor, asset_id)
        if asset.archived:
            raise InvalidInput(f"{asset.filename} is archived: restore it before reusing it")
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        check_writable(await self._state.campaign(actor.tenant_id, creative.campaign_id))

        def change(creative: Creative) -> Creative:
            if asset.id in creative.asset_ids:
                return creative
            return creative.model_copy(
                update={
                    "asset_ids": (*creative.asset_ids, asset.id),
                    "updated_at": self._clock.now(),
                }
            )

        attached = await self._creatives.modify(
            actor.tenant_id, creative_id, change, known=creative
        )
        await self._changed(actor, attached, "creative.asset_attached", asset_id=asset.id)
        return attached

    async def use_variant(self, actor: Actor, creative_id: str, asset_id: str) -> Creative:
        """Make ``asset_id``, one of the outputs of the creative's renders (a variant of a
        render that made several), the creative's current output; the output it replaces
        stays in its history. An approved content approval goes back to needs_review.

        Raises:
            NotFound: no such creative in the actor's workspace.
            InvalidInput: the asset is not an output of one of the creative's renders, or the
                campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "change content")
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        check_writable(await self._state.campaign(actor.tenant_id, creative.campaign_id))
        jobs = await self._renderer.list_jobs(actor, campaign_id=creative.campaign_id)
        job = next(
            (j for j in jobs if j.creative_id == creative.id and asset_id in _job_outputs(j)),
            None,
        )
        if job is None:
            raise InvalidInput(f"that asset is not an output of a render of {creative.title!r}")
        active = await self._strategies.find_active(actor.tenant_id, creative.campaign_id)
        chosen, switched = job, False

        def change(current: Creative) -> Creative:
            nonlocal switched
            switched = not (current.outputs and current.outputs[-1].asset_id == asset_id)
            if not switched:
                return current  # already its current output
            now = self._clock.now()
            version = chosen.strategy_version or current.strategy_version
            earlier = {o.asset_id for o in current.outputs} | set(_job_outputs(chosen))
            output = CreativeOutput(
                asset_id=asset_id, render_job_id=chosen.id, strategy_version=version, at=now
            )
            return current.model_copy(
                update={
                    # As a new render's output: it replaces the earlier outputs (kept in
                    # ``outputs`` as history); assets attached from the library stay.
                    "asset_ids": (*[a for a in current.asset_ids if a not in earlier], asset_id),
                    "outputs": (*current.outputs, output),
                    "strategy_version": max(version, current.strategy_version),
                    "stale": active is None or version < active.version,
                    "updated_at": now,
                }
            )

        updated = await self._creatives.modify(actor.tenant_id, creative_id, change, known=creative)
        if switched:
            await self._changed(
                actor, updated, "creative.variant_chosen", asset_id=asset_id, render_job_id=job.id
            )
        return updated

    async def edit_text(self, actor: Actor, creative_id: str, text: str) -> Creative:
        """Replace the copy of a text creative; it is then made for the active strategy version
        (no longer stale). The new copy is stored in the library as the creative's text asset;
        the old one stays in the library.

        Raises:
            InvalidInput: the creative is an image or a video, the copy is empty or too long, or
                the campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "change content")
        text = _clean_copy(text)
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        if creative.kind is not CreativeKind.TEXT:
            raise InvalidInput(f"{creative.title!r} is not copy: regenerate it instead")
        strategy = await self._active_strategy(actor, creative.campaign_id)
        asset = await self._storage.store_text(
            actor, text, filename=f"{_slug(creative.title)}.txt", tags=("copy",)
        )
        old_copy = creative.asset_ids[:1]  # a text creative's first asset is its copy

        def change(current: Creative) -> Creative:
            kept = tuple(i for i in current.asset_ids if i not in old_copy and i != asset.id)
            return current.model_copy(
                update={
                    "body": text,
                    "asset_ids": (asset.id, *kept),
                    "strategy_id": strategy.id,
                    "strategy_version": strategy.version,
                    "stale": False,
                    "updated_at": self._clock.now(),
                }
            )

        edited = await self._creatives.modify(actor.tenant_id, creative_id, change)
        await self._changed(actor, edited, "creative.edited")
        return edited

    async def delete_creative(self, actor: Actor, creative_id: str) -> None:
        """Delete a creative; its assets stay in the library.

        Raises:
            NotFound: no such creative in the actor's workspace.
            InvalidInput: the campaign is archived.
        """
        await self._access.require(actor, Role.EDITOR, "delete content")
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        check_writable(await self._state.campaign(actor.tenant_id, creative.campaign_id))
        await self._creatives.delete(actor.tenant_id, creative_id)
        await self._changed(actor, creative, "creative.deleted")

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

    async def _active_strategy(self, actor: Actor, campaign_id: str) -> Strategy:
        """The campaign's active strategy (InvalidInput when it has none or is archived)."""
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        strategy = await self._strategies.find_active(actor.tenant_id, campaign_id)
        if strategy is None:
            raise InvalidInput("write the campaign's strategy before creating content")
        return strategy

    def _build(self, **fields: object) -> Creative:
        try:
            return Creative.model_validate(fields)
        except ValidationError as exc:
            raise InvalidInput(f"invalid creative: {describe(exc)}") from None

    async def _changed(
        self, actor: Actor, creative: Creative, action: str, **details: object
    ) -> None:
        await self._activity.record(
            actor,
            action,
            object_type="creative",
            object_id=creative.id,
            campaign_id=creative.campaign_id,
            title=creative.title,
            **details,
        )
        approvals = await self._state.approvals(actor.tenant_id, creative.campaign_id)
        content = approvals.get(ApprovalScope.CONTENT)
        if content is not None and content.state is ApprovalState.APPROVED:
            await self._cascade.invalidate_scope(
                actor,
                creative.campaign_id,
                ApprovalScope.CONTENT,
                reason=f"content changed: {creative.title!r}",
            )
