"""The adapter builders: which store, blob store, language model and render providers the
settings choose, and where providers should send their webhooks.

:mod:`app.bootstrap` wires the services over what these build; ``campaign-studio doctor``
(:mod:`app.diagnostics`) builds them alone to check each one.
"""

from __future__ import annotations

from collections.abc import Callable

from app.adapters.providers.local_image_provider import LocalImageProvider
from app.adapters.providers.local_video_provider import LocalVideoProvider
from app.adapters.sqlite import DATABASE_FILENAME, SqliteStore
from app.adapters.storage import LocalBlobStore
from app.config import AppSettings
from app.domain import RenderJob
from app.domain.errors import ConfigurationError
from app.ports.blob_store import BlobStore
from app.ports.llm import LanguageModel
from app.ports.render_provider import RenderProvider
from app.ports.repositories import Store

# The adapters of a team server, a bucket, the cloud providers and Poe are imported only when
# the settings choose them: the embedded default starts without pymongo, boto3, aiohttp or
# httpx (docs/benchmarks.md, "Desktop start").

MEDIA_FOLDER = "media"
STAGING_FOLDER = "staging"
RENDERS_FOLDER = "renders"
WEBHOOK_ROUTES = {"replicate": "replicate", "pika": "fal"}


def build_store(settings: AppSettings) -> Store:
    """MongoDB when ``mongodb_uri`` is set, else the embedded SQLite file in ``data_dir``."""
    if settings.mongodb_uri is not None:
        from app.adapters.mongo import MongoStore

        return MongoStore.from_uri(
            settings.mongodb_uri.get_secret_value(), settings.mongodb_database
        )
    return SqliteStore(settings.data_dir / DATABASE_FILENAME)


def build_blob_store(settings: AppSettings) -> BlobStore:
    """The local media folder, or the R2 bucket when ``blob_store = "r2"``."""
    if settings.blob_store == "local":
        return LocalBlobStore(settings.data_dir / MEDIA_FOLDER)
    required = {
        "r2_endpoint_url": settings.r2_endpoint_url,
        "r2_bucket": settings.r2_bucket,
        "r2_access_key_id": settings.r2_access_key_id,
        "r2_secret_access_key": settings.r2_secret_access_key,
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ConfigurationError(
            "blob_store is r2 but these settings are missing: " + ", ".join(missing)
        )
    key_id, secret = settings.r2_access_key_id, settings.r2_secret_access_key
    if key_id is None or secret is None:  # already reported above; narrows the types
        raise ConfigurationError("the R2 credentials are missing")
    from app.adapters.storage.r2_blob_store import R2BlobStore

    return R2BlobStore(
        endpoint_url=str(settings.r2_endpoint_url),
        bucket=str(settings.r2_bucket),
        access_key_id=key_id.get_secret_value(),
        secret_access_key=secret.get_secret_value(),
        staging_dir=settings.data_dir / STAGING_FOLDER,
        public_base_url=settings.r2_public_base_url,
        presign_expiry_seconds=settings.r2_presign_expiry_seconds,
    )


def build_language_model(settings: AppSettings) -> LanguageModel | None:
    """Poe when ``poe_api_key`` is set; otherwise no AI model (the rules work offline)."""
    if settings.poe_api_key is None:
        return None
    from app.adapters.llm import PoeLanguageModel

    return PoeLanguageModel(
        api_key=settings.poe_api_key.get_secret_value(),
        base_url=settings.poe_base_url,
        model=settings.poe_model,
    )


def build_providers(settings: AppSettings) -> dict[str, RenderProvider]:
    """The local providers always; a cloud provider when its key is set.

    Each provider keeps its own defaults (poll interval, jobs in flight); ``provider_poll_seconds``
    overrides the cloud providers' poll interval when it is set (``None`` keeps theirs).
    """
    work = settings.data_dir / RENDERS_FOLDER
    poll = settings.provider_poll_seconds
    providers: dict[str, RenderProvider] = {
        "local-image": LocalImageProvider(work / "local-image"),
        "local-video": LocalVideoProvider(work / "local-video"),
    }
    if settings.replicate_api_token is not None:
        secret = settings.replicate_webhook_secret
        from app.adapters.providers.replicate_provider import ReplicateProvider

        providers["replicate"] = ReplicateProvider(
            api_token=settings.replicate_api_token.get_secret_value(),
            base_url=settings.replicate_base_url,
            model=settings.replicate_model,
            webhook_secret=secret.get_secret_value() if secret else None,
            poll_interval=poll,
        )
    if settings.runway_api_key is not None:
        from app.adapters.providers.runway_provider import RunwayProvider

        providers["runway"] = RunwayProvider(
            api_key=settings.runway_api_key.get_secret_value(),
            base_url=settings.runway_base_url,
            model=settings.runway_model,
            poll_interval=poll,
        )
    if settings.fal_key is not None:
        from app.adapters.providers.pika_provider import PikaProvider

        providers["pika"] = PikaProvider(
            fal_key=settings.fal_key.get_secret_value(),
            queue_base_url=settings.fal_queue_base_url,
            model_id=settings.pika_model,
            jwks_url=settings.fal_jwks_url,
            poll_interval=poll,
        )
    return providers


def webhook_url_for(settings: AppSettings) -> Callable[[RenderProvider, RenderJob], str | None]:
    """Where a provider should send a job's webhooks: the public URL, if there is one."""

    def url(provider: RenderProvider, job: RenderJob) -> str | None:
        route = WEBHOOK_ROUTES.get(provider.name)
        if not settings.public_webhook_url or route is None:
            return None
        return f"{settings.public_webhook_url.rstrip('/')}/webhooks/{route}?job={job.id}"

    return url
