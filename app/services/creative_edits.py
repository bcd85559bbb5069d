"""The creative calls that change or remove what exists: attaching a library asset,
choosing a render's variant, editing copy and deleting (part of :class:`CreativesService`),
with the helpers both share."""

from __future__ import annotations

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
from app.domain.creatives import file_stem
from app.domain.errors import InvalidInput
from app.ports.clock import Clock
from app.ports.repositories import CreativeRepository, StrategyRepository
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.approval_cascade import ApprovalCascade
from app.services.campaign_state import CampaignState
from app.services.media_renderer_service import MediaRendererService
from app.services.operations import public_calls
from app.services.storage_service import StorageService

MAX_BODY = 20_000


def clean_copy(body: str | None) -> str:
    """The copy trimmed; InvalidInput when it is empty or too long."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("the copy must not be empty")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the copy is {len(body)} characters long; at most {MAX_BODY}")
    return body


def copy_filename(title: str) -> str:
    """The library file name of a creative's copy: its title's :func:`file_stem`, ``.txt``."""
    return f"{file_stem(title)}.txt"


def _job_outputs(job: RenderJob) -> tuple[str, ...]:
    """The assets a render job stored, in order (a job from before variants has one)."""
    if job.output_asset_ids:
        return job.output_asset_ids
    return (job.asset_id,) if job.asset_id else ()


@public_calls
class CreativeEdits:
    """Changing a campaign's creatives once they exist, and removing them.

    Every change of an archived campaign's creatives is refused; a change to approved content
    sends the content approval back to needs_review.
    """

    # Set by CreativesService.__init__.
    _creatives: CreativeRepository
    _strategies: StrategyRepository
    _storage: StorageService
    _cascade: ApprovalCascade
    _renderer: MediaRendererService
    _state: CampaignState
    _access: AccessControl
    _activity: ActivityLog
    _clock: Clock

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
        text = clean_copy(text)
        creative = await self._creatives.get(actor.tenant_id, creative_id)
        if creative.kind is not CreativeKind.TEXT:
            raise InvalidInput(f"{creative.title!r} is not copy: regenerate it instead")
        strategy = await self._active_strategy(actor, creative.campaign_id)
        asset = await self._storage.store_text(
            actor, text, filename=copy_filename(creative.title), tags=("copy",)
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

    # ------------------------------------------------------------------ helpers

    async def _active_strategy(self, actor: Actor, campaign_id: str) -> Strategy:
        """The campaign's active strategy (InvalidInput when it has none or is archived)."""
        check_writable(await self._state.campaign(actor.tenant_id, campaign_id))
        strategy = await self._strategies.find_active(actor.tenant_id, campaign_id)
        if strategy is None:
            raise InvalidInput("write the campaign's strategy before creating content")
        return strategy

    async def _changed(
        self, actor: Actor, creative: Creative, action: str, **details: object
    ) -> None:
        """Record ``action``; a change to approved content sends it back to needs_review."""
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
