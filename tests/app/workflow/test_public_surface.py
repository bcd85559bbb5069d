"""Every public call of every service on ``core`` checks who calls it.

The services are found by introspection, so a call added later is covered at once: it must be
async, take the actor first, and have a row in ``CALLS`` saying what a viewer of the workspace
and an admin of another workspace may do with it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from app.bootstrap import Core
from app.domain import Actor, AssetQuery, Role
from app.domain.errors import AppError, NotFound, PermissionDenied
from tests import samples
from tests.app.workflow.conftest import ANA, VIC
from tests.app.workflow.helpers import at, campaign_with_strategy, full_draft, text_creative

OUTSIDER = Actor(tenant_id="globex", user_id="olga", roles={Role.ADMIN})

# The one public call without an actor: the relay hands it a provider's delivery, which it
# believes only when the signature is right.
NO_ACTOR = {"webhooks.receive"}

READ = "read"  # a viewer may; an outsider gets NotFound or PermissionDenied
WRITE = "write"  # neither may
OWN = "own"  # no record of the workspace is named: an outsider acts in their own workspace
OWN_WRITE = "own-write"  # as OWN, and a viewer may not

Args = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass
class Ids:
    campaign: str
    strategy: str
    creative: str
    post: str
    ad_plan: str
    asset: str
    job: str
    path: Path


def call(*args: Any, **kwargs: Any) -> Args:
    return args, kwargs


CALLS: dict[str, tuple[str, Callable[[Ids], Args]]] = {
    "activity.recent": (OWN, lambda i: call()),
    "campaigns.create_campaign": (OWN_WRITE, lambda i: call("Autumn")),
    "campaigns.get_campaign": (READ, lambda i: call(i.campaign)),
    "campaigns.list_campaigns": (OWN, lambda i: call()),
    "campaigns.schedule_post": (
        WRITE,
        lambda i: call(i.campaign, creative_id=i.creative, channel="instagram", at=at(3)),
    ),
    "campaigns.update_post": (WRITE, lambda i: call(i.post, at=at(5))),
    "campaigns.list_posts": (READ, lambda i: call(i.campaign)),
    "campaigns.export_calendar": (READ, lambda i: call(i.campaign)),
    "campaigns.create_ad_plan": (
        WRITE,
        lambda i: call(i.campaign, name="Push", channel="instagram", budget=EUR),
    ),
    "campaigns.update_ad_plan": (WRITE, lambda i: call(i.ad_plan, audience="Students")),
    "campaigns.list_ad_plans": (READ, lambda i: call(i.campaign)),
    "campaigns.publish": (WRITE, lambda i: call(i.campaign)),
    "campaigns.download_bundle": (READ, lambda i: call(i.campaign)),
    "campaigns.rename_campaign": (WRITE, lambda i: call(i.campaign, "Renamed")),
    "campaigns.set_time_zone": (WRITE, lambda i: call(i.campaign, "Europe/Paris")),
    "campaigns.archive_campaign": (WRITE, lambda i: call(i.campaign)),
    "campaigns.unarchive_campaign": (WRITE, lambda i: call(i.campaign)),
    "campaigns.delete_post": (WRITE, lambda i: call(i.post)),
    "campaigns.delete_ad_plan": (WRITE, lambda i: call(i.ad_plan)),
    "strategies.create_strategy": (WRITE, lambda i: call(i.campaign, full_draft())),
    "strategies.update_strategy": (WRITE, lambda i: call(i.campaign, full_draft(tone="Calm"))),
    "strategies.get_active": (READ, lambda i: call(i.campaign)),
    "strategies.history": (READ, lambda i: call(i.campaign)),
    "strategies.preview_update": (READ, lambda i: call(i.campaign)),
    "strategies.invalidate": (WRITE, lambda i: call(i.strategy, reason="withdrawn")),
    "approvals.get_approvals": (READ, lambda i: call(i.campaign)),
    "approvals.approve": (WRITE, lambda i: call(i.campaign, "strategy")),
    "approvals.reject": (WRITE, lambda i: call(i.campaign, "strategy", reason="no")),
    "approvals.mark_addressed": (WRITE, lambda i: call(i.campaign, "strategy", note="done")),
    "approvals.set_quorum": (WRITE, lambda i: call(i.campaign, "strategy", 2)),
    "approvals.invalidate_dependents": (WRITE, lambda i: call(i.campaign, reason="redo")),
    "prompting.evaluate": (READ, lambda i: call(i.campaign)),
    "prompting.suggest": (READ, lambda i: call(i.campaign)),
    "creatives.create_text_creative": (WRITE, lambda i: call(i.campaign, title="T", body="B")),
    "creatives.create_media_creative": (
        WRITE,
        lambda i: call(i.campaign, kind="image", title="Hero", prompt="a bicycle"),
    ),
    "creatives.attach_asset": (WRITE, lambda i: call(i.creative, i.asset)),
    "creatives.get_creative": (READ, lambda i: call(i.creative)),
    "creatives.list_creatives": (READ, lambda i: call(i.campaign)),
    "creatives.regenerate": (WRITE, lambda i: call(i.campaign)),
    "creatives.edit_text": (WRITE, lambda i: call(i.creative, "New copy")),
    "creatives.use_variant": (WRITE, lambda i: call(i.creative, i.asset)),
    "creatives.delete_creative": (WRITE, lambda i: call(i.creative)),
    "renderer.queue_render": (WRITE, lambda i: call(i.creative, kind="image", prompt="a bike")),
    "renderer.get_job": (READ, lambda i: call(i.job)),
    "renderer.list_jobs": (OWN, lambda i: call()),
    "renderer.cancel": (WRITE, lambda i: call(i.job)),
    "renderer.retry": (WRITE, lambda i: call(i.job)),
    "renderer.wait_for": (READ, lambda i: call(i.job, timeout=0.01)),
    "renderer.providers": (OWN, lambda i: call()),
    "storage.upload": (OWN_WRITE, lambda i: call(i.path)),
    "storage.add_file": (OWN_WRITE, lambda i: call(i.path)),
    "storage.ingest": (
        OWN_WRITE,
        lambda i: call(i.path, filename="render.png", render_job_id="job-1"),
    ),
    "storage.store_text": (OWN_WRITE, lambda i: call("copy", filename="copy.txt")),
    "storage.search": (OWN, lambda i: call(AssetQuery())),
    "storage.get": (READ, lambda i: call(i.asset)),
    "storage.categories": (OWN, lambda i: call()),
    "storage.tags": (OWN, lambda i: call()),
    "storage.usage": (READ, lambda i: call(i.asset)),
    "storage.url": (READ, lambda i: call(i.asset)),
    "storage.thumbnail": (READ, lambda i: call(i.asset)),
    "storage.text": (READ, lambda i: call(i.asset)),
    "storage.usage_counts": (OWN, lambda i: call([i.asset])),
    "storage.tag": (WRITE, lambda i: call(i.asset, add=("x",))),
    "storage.set_category": (WRITE, lambda i: call(i.asset, "hero")),
    "storage.archive": (WRITE, lambda i: call(i.asset)),
    "storage.unarchive": (WRITE, lambda i: call(i.asset)),
    "workspaces.list_workspaces": (OWN, lambda i: call()),
    "workspaces.create_workspace": (OWN, lambda i: call("Side project")),
    "workspaces.rename_workspace": (OWN_WRITE, lambda i: call("Renamed")),
    "workspaces.list_members": (OWN, lambda i: call()),
    "workspaces.add_member": (OWN_WRITE, lambda i: call("zed", {Role.VIEWER})),
    "workspaces.set_roles": (OWN_WRITE, lambda i: call("ana", {Role.VIEWER})),
    "workspaces.remove_member": (OWN_WRITE, lambda i: call("ana")),
    "workspaces.set_display_name": (OWN, lambda i: call("Vic")),
}
EUR = {"amount": 100, "currency": "EUR"}


def public_calls(core: Core) -> Iterator[tuple[str, Any]]:
    """(``service.method``, bound method) for every public method of every service on core."""
    for field in fields(core):
        service = getattr(core, field.name)
        if not type(service).__name__.endswith("Service"):
            continue
        for name, _ in inspect.getmembers(type(service), inspect.isfunction):
            if not name.startswith("_"):
                yield f"{field.name}.{name}", getattr(service, name)


async def prepared(core: Core, tmp_path: Path) -> Ids:
    campaign = await campaign_with_strategy(core)
    strategy = await core.strategies.get_active(ANA, campaign.id)
    creative = await text_creative(core, campaign.id)
    post = await core.campaigns.schedule_post(
        ANA, campaign.id, creative_id=creative.id, channel="instagram", at=at(2)
    )
    plan = await core.campaigns.create_ad_plan(
        ANA, campaign.id, name="Spring", channel="instagram", budget=EUR
    )
    asset = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    job = await core.renderer.queue_render(ANA, creative.id, kind="image", prompt="a bicycle")
    path = samples.png(tmp_path / "other.png", color="#a33")
    return Ids(campaign.id, strategy.id, creative.id, post.id, plan.id, asset.id, job.id, path)


def test_every_public_call_is_async_and_takes_the_actor_first(core: Core) -> None:
    for name, method in public_calls(core):
        if name in NO_ACTOR:
            continue
        assert inspect.iscoroutinefunction(method), f"{name} is not async"
        first = next(iter(inspect.signature(method).parameters), None)
        assert first == "actor", f"{name} does not take the actor first"


def test_the_cascade_steps_are_not_on_the_public_services(core: Core) -> None:
    names = {name for name, _ in public_calls(core)}
    internal = {"approvals.invalidate_scope", "approvals.rerequest_all", "renderer.check_request"}
    assert not names & internal


async def test_viewers_and_outsiders_reach_only_what_they_may(core: Core, tmp_path: Path) -> None:
    ids = await prepared(core, tmp_path)
    acme = {ids.campaign, ids.strategy, ids.creative, ids.post, ids.ad_plan, ids.asset, ids.job}
    surface = dict(public_calls(core))
    missing = sorted(set(surface) - set(CALLS) - NO_ACTOR)
    assert not missing, f"no row in CALLS for {missing}"
    for name, method in surface.items():
        if name in NO_ACTOR:
            continue
        kind, arguments = CALLS[name]
        args, kwargs = arguments(ids)
        viewer = await _outcome(method, VIC, args, kwargs)
        if kind in (WRITE, OWN_WRITE):
            assert isinstance(viewer, PermissionDenied), f"a viewer may {name}: {viewer!r}"
        else:
            assert not isinstance(viewer, PermissionDenied | NotFound), f"{name}: {viewer!r}"
        outsider = await _outcome(method, OUTSIDER, args, kwargs)
        if kind in (READ, WRITE):
            assert isinstance(outsider, PermissionDenied | NotFound), f"{name}: {outsider!r}"
        else:  # their own workspace: whatever it gives back names nothing of acme's
            assert not any(i in repr(outsider) for i in acme), f"{name} leaks: {outsider!r}"


async def _outcome(method: Any, actor: Actor, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return await method(actor, *args, **kwargs)
    except AppError as exc:
        return exc
