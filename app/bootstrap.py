"""The composition root: ``open_core()`` builds the adapters and services from settings.

It and the builders it calls (:mod:`app.adapter_factory`) are the only places that pick
concrete adapters; everything above them sees ports.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from app.adapter_factory import (
    MEDIA_FOLDER,
    STAGING_FOLDER,
    build_blob_store,
    build_language_model,
    build_providers,
    build_store,
    webhook_url_for,
)
from app.adapters.export import FolderBundleWriter, ZipWorkspaceArchive
from app.adapters.media import LocalMediaInspector
from app.adapters.storage.folders import probe_writable
from app.adapters.storage.local_blob_store import STAGING_DIRNAME
from app.adapters.storage.sweeper import sweep_data_folder
from app.config import AppSettings
from app.domain import CreativeKind, new_id
from app.domain.errors import ConfigurationError
from app.ports.blob_store import BlobStore
from app.ports.clock import Clock, Sleeper, SystemClock, SystemSleeper
from app.ports.llm import LanguageModel
from app.ports.render_provider import RenderProvider
from app.ports.repositories import Store
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.activity_service import ActivityService
from app.services.approval_cascade import ApprovalCascade
from app.services.approval_service import ApprovalService
from app.services.campaign_state import CampaignState
from app.services.campaigns_service import CampaignsService
from app.services.change_follower import ChangeFollower
from app.services.context import ServiceContext
from app.services.creatives_service import CreativesService
from app.services.events import EventBus
from app.services.media_renderer_service import MediaRendererService
from app.services.prompting_engine_service import PromptingEngineService
from app.services.publisher import Publisher
from app.services.render_engine import RenderEngine
from app.services.render_requests import RenderRequests
from app.services.render_worker import RenderWorker
from app.services.storage_service import StorageService
from app.services.strategy_service import StrategyService
from app.services.task_runner import TaskRunner
from app.services.webhook_service import WebhookService
from app.services.workspace_archive import WorkspaceArchive
from app.services.workspace_service import WorkspaceService

if TYPE_CHECKING:
    from app.adapters.webhooks import WebhookRelay

# The webhook relay (aiohttp) is imported only when the settings turn it on, like the adapters
# app.adapter_factory builds: the embedded default starts without their libraries.

EXPORTS_FOLDER = "exports"


@dataclass
class Core:
    """The open service core: settings, adapters and the services of ``core-api.md``."""

    settings: AppSettings
    store: Store
    blobs: BlobStore
    access: AccessControl
    activity: ActivityService
    storage: StorageService
    campaigns: CampaignsService
    strategies: StrategyService
    approvals: ApprovalService
    creatives: CreativesService
    prompting: PromptingEngineService
    renderer: MediaRendererService
    workspaces: WorkspaceService
    webhooks: WebhookService
    events: EventBus
    tasks: TaskRunner
    context: ServiceContext
    """What the services share (role checks, the activity log they write, the clock), for
    building more of them (the workspace archive)."""
    providers: dict[str, RenderProvider] = field(default_factory=dict)
    language_model: LanguageModel | None = None
    clock: Clock = field(default_factory=SystemClock)
    relay: WebhookRelay | None = None

    def identity(self, profile_user_id: str | None = None) -> str:
        """The user id to act as (``Actor.user_id``): on a team server with authentication,
        the database user this workstation signed in as (an actor naming anyone else is
        refused); else ``profile_user_id``, else the ``user_id`` setting, else the operating
        system's login name."""
        return self.access.identity(profile_user_id or self.settings.user_id)

    @property
    def webhook_relay_url(self) -> str | None:
        """The relay's local base URL while it runs (routes ``/webhooks/replicate`` and
        ``/webhooks/fal``), else None."""
        return self.relay.base_url if self.relay else None

    async def close(self) -> None:
        """Stop the relay and every background task, then release the clients."""
        if self.relay is not None:
            await self.relay.stop()
        await self.tasks.close()
        for provider in self.providers.values():
            await provider.close()
        if self.language_model is not None:
            await self.language_model.close()


def ensure_data_dir(path: Path) -> Path:
    """Create the data folder if needed and prove it is writable; ConfigurationError if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe_writable(path)
    except OSError as exc:
        raise ConfigurationError(f"the data folder {path} is not writable: {exc}") from exc
    return path


def build_core(
    settings: AppSettings,
    store: Store,
    blobs: BlobStore,
    *,
    clock: Clock | None = None,
    sleeper: Sleeper | None = None,
) -> Core:
    """Wire the services over opened adapters; ``clock`` and ``sleeper`` (default: the real
    ones) let tests move time on at once."""
    clock = clock or SystemClock()
    sleeper = sleeper or SystemSleeper()
    tasks = TaskRunner()
    access = AccessControl(
        store.members,
        clock,
        stored_roles=settings.uses_mongodb,
        workspaces=store.workspaces,
        signed_in_as=store.authenticated_user(),
    )
    activity = ActivityLog(store.activity, clock, names=access.names)
    context = ServiceContext(access=access, activity=activity, clock=clock)
    storage = _library(settings, store, blobs, context)
    # The render engine adds each finished render to the library as the user who queued it,
    # whoever runs the worker: it checks that user's roles, not who signed in here.
    renders_library = _library(
        settings, store, blobs, replace(context, access=access.acting_for_others())
    )
    state = CampaignState(store, clock)
    cascade = ApprovalCascade(context=context, approvals=store.approvals, state=state)
    approvals = ApprovalService(context=context, cascade=cascade, state=state)
    strategies = StrategyService(
        context=context,
        strategies=store.strategies,
        creatives=store.creatives,
        approvals=approvals,
        cascade=cascade,
        state=state,
    )
    events = EventBus()
    ChangeFollower(
        log=store.changes,
        jobs=store.render_jobs,
        bus=events,
        tasks=tasks,
        clock=clock,
        sleeper=sleeper,
    )
    providers = build_providers(settings)
    engine = RenderEngine(
        jobs=store.render_jobs,
        creatives=store.creatives,
        strategies=store.strategies,
        storage=renders_library,
        blobs=blobs,
        providers=providers,
        events=events,
        clock=clock,
        output_max_bytes=settings.render_output_max_bytes,
        retry_base_seconds=settings.render_retry_base_seconds,
    )
    worker = RenderWorker(
        engine=engine,
        jobs=store.render_jobs,
        clock=clock,
        tasks=tasks,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{new_id()[-6:]}",
        concurrency=settings.render_concurrency,
        lease_seconds=settings.render_lease_seconds,
        webhook_url=webhook_url_for(settings),
        events=events,
        sleeper=sleeper,
    )
    requests = RenderRequests(
        providers=providers,
        default_providers={
            CreativeKind.IMAGE: settings.default_image_provider,
            CreativeKind.VIDEO: settings.default_video_provider,
        },
    )
    renderer = MediaRendererService(
        context=context,
        jobs=store.render_jobs,
        creatives=store.creatives,
        strategies=store.strategies,
        engine=engine,
        events=events,
        requests=requests,
        worker=worker if settings.render_worker else None,
        sleeper=sleeper,
    )
    creatives = CreativesService(
        context=context,
        creatives=store.creatives,
        strategies=store.strategies,
        storage=storage,
        renderer=renderer,
        requests=requests,
        cascade=cascade,
        state=state,
    )
    publisher = Publisher(
        campaigns=store.campaigns,
        assets=store.assets,
        blobs=blobs,
        writer=FolderBundleWriter(settings.data_dir / EXPORTS_FOLDER),
        share=blobs.kind != "local",
    )
    campaigns = CampaignsService(
        context=context,
        store=store,
        cascade=cascade,
        state=state,
        publisher=publisher,
    )
    model = build_language_model(settings)
    prompting = PromptingEngineService(
        context=context,
        state=state,
        tasks=tasks,
        model=model,
        ai_timeout=settings.ai_timeout_seconds,
    )
    return Core(
        settings=settings,
        store=store,
        blobs=blobs,
        access=access,
        activity=ActivityService(context=context, log=activity),
        context=context,
        storage=storage,
        campaigns=campaigns,
        strategies=strategies,
        approvals=approvals,
        creatives=creatives,
        prompting=prompting,
        renderer=renderer,
        workspaces=WorkspaceService(
            context=context, workspaces=store.workspaces, members=store.members
        ),
        webhooks=WebhookService(engine=engine, jobs=store.render_jobs),
        events=events,
        tasks=tasks,
        providers=providers,
        language_model=model,
        clock=clock,
    )


def workspace_archive(core: Core) -> WorkspaceArchive:
    """The workspace export and import over the core's store and blob store."""
    try:
        app_version = version("campaign-studio")
    except PackageNotFoundError:  # run from a source tree that was never installed
        app_version = "unknown"
    return WorkspaceArchive(
        context=core.context,
        store=core.store,
        blobs=core.blobs,
        archive_file=ZipWorkspaceArchive(),
        app_version=app_version,
    )


def _library(
    settings: AppSettings, store: Store, blobs: BlobStore, context: ServiceContext
) -> StorageService:
    return StorageService(
        context=context,
        assets=store.assets,
        creatives=store.creatives,
        blobs=blobs,
        media=LocalMediaInspector(),
        max_upload_bytes=settings.upload_max_bytes,
    )


@asynccontextmanager
async def open_core(
    settings: AppSettings | None = None,
    *,
    clock: Clock | None = None,
    sleeper: Sleeper | None = None,
) -> AsyncIterator[Core]:
    """Open the core on ``settings`` (default: ``AppSettings()``) and close it on exit;
    ``clock`` and ``sleeper`` as in :func:`build_core`.

    The core changes nothing that belongs to the whole process: an entry point that wants the
    garbage collector tuned for long runs calls :func:`app.runtime.tune_garbage_collector`.

    Raises:
        ConfigurationError: the settings cannot work (e.g. the data folder is not writable).
        StorageError: the database cannot be opened.
    """
    settings = settings or AppSettings()
    ensure_data_dir(settings.data_dir)
    blobs = build_blob_store(settings)
    store = build_store(settings)
    core: Core | None = None
    try:
        await store.open()
        core = build_core(settings, store, blobs, clock=clock, sleeper=sleeper)
        await sweep_data_folder(  # what a crash left behind (older files only: see its module)
            settings.data_dir,
            staging=[
                settings.data_dir / MEDIA_FOLDER / STAGING_DIRNAME,
                settings.data_dir / STAGING_FOLDER,
            ],
            exports=settings.data_dir / EXPORTS_FOLDER,
            providers=core.providers.values(),
            jobs=store.render_jobs,
        )
        if settings.webhook_relay:
            from app.adapters.webhooks import WebhookRelay

            core.relay = WebhookRelay(
                core.webhooks.receive, host=settings.webhook_host, port=settings.webhook_port
            )
            await core.relay.start()
        if settings.render_worker and core.renderer.worker is not None:
            core.renderer.worker.start()
        yield core
    finally:
        if core is not None:
            await core.close()
        try:
            await store.close()
        finally:
            await blobs.close()
