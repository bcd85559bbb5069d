"""Everything the contract returns, takes or raises is importable from the domain package."""

from __future__ import annotations

import app.domain
import app.domain.errors

MODELS = [
    # returned by the calls
    "Campaign",
    "Post",
    "Strategy",
    "Approval",
    "Evaluation",
    "Creative",
    "RenderJob",
    "Asset",
    "AssetPage",
    "ArchiveResult",
    "Workspace",
    "Member",
    # the parts of those models the contract names
    "Completion",
    "TimelineEvent",
    "Vote",
    "Money",
    "Recommendation",
    "Blocker",
    "ScorePart",
    # taken by the calls
    "Actor",
    "StrategyDraft",
    "AssetQuery",
    "ApprovalScope",
    "ApprovalState",
    "RenderStatus",
    "AssetType",
    "Role",
    "CreativeKind",
    "CampaignStatus",
    "StrategyStatus",
]
ERRORS = [
    "AppError",
    "NotFound",
    "PermissionDenied",
    "InvalidInput",
    "InvalidTransition",
    "Conflict",
    "StaleRecord",
    "PublishBlocked",
    "StorageError",
    "DiskFull",
    "ReadOnlyDatabase",
    "ConfigurationError",
    "ProviderError",
    "WaitTimeout",
    "WebhookRejected",
]


def test_the_contracts_models_are_exported_from_the_domain() -> None:
    missing = [name for name in MODELS if name not in app.domain.__all__]
    assert not missing
    assert all(getattr(app.domain, name) is not None for name in MODELS)


def test_the_contracts_errors_are_app_errors_of_the_errors_module() -> None:
    for name in ERRORS:
        error = getattr(app.domain.errors, name, None)
        assert isinstance(error, type), name
        assert issubclass(error, app.domain.errors.AppError), name


def test_the_renderers_wait_timeout_is_the_domains() -> None:
    from app.services.media_renderer_service import WaitTimeout

    assert WaitTimeout is app.domain.errors.WaitTimeout
