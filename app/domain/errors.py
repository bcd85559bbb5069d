"""The error hierarchy of the service core.

Every error the core raises on purpose derives from :class:`AppError` and carries a message fit to
show a user. Adapters translate driver exceptions into these (``raise StorageError(...) from exc``);
nothing above an adapter sees a driver exception.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence


class AppError(Exception):
    """Base of every error the core raises on purpose; ``message`` reads well in a dialog."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(AppError):
    """The record does not exist, or belongs to another tenant (the two are indistinguishable)."""


class Conflict(AppError):
    """A concurrent writer changed the record first (stale version) or an identity is taken."""


class StaleRecord(Conflict):
    """The record changed since it was read: an optimistic ``update`` lost the race."""


class PermissionDenied(AppError):
    """The acting user lacks the role the call needs."""


class InvalidInput(AppError):
    """The input is malformed or breaks a rule; nothing was changed."""


class InvalidTransition(AppError):
    """A state machine refused a transition; ``from_state`` and ``to_state`` name it."""

    def __init__(self, from_state: str, to_state: str, reason: str = "") -> None:
        message = f"cannot go from {from_state} to {to_state}"
        if reason:
            message = f"{message}: {reason}"
        super().__init__(message)
        self.from_state = from_state
        self.to_state = to_state


class PublishBlocked(AppError):
    """Publishing was refused; ``blockers`` lists every reason."""

    def __init__(self, blockers: Sequence[str]) -> None:
        self.blockers = list(blockers)
        super().__init__("publishing is blocked: " + "; ".join(self.blockers))


class StorageError(AppError):
    """The database or the media store failed (unreachable, corrupt, out of space, ...)."""


class DiskFull(StorageError):
    """The disk holding ``folder`` has no room left; ``needed`` is the size wanted, when known."""

    def __init__(self, folder: object, *, needed: int | None = None) -> None:
        wanted = f" ({byte_size(needed)} needed)" if needed else ""
        super().__init__(
            f"the disk holding {folder} is full{wanted}: free some space and try again"
        )
        self.folder = str(folder)
        self.needed = needed


_NO_ROOM = (errno.ENOSPC, errno.EDQUOT)  # a full disk, or the user's quota on it


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is the operating system saying there is no room left to write."""
    return isinstance(exc, OSError) and exc.errno in _NO_ROOM


def byte_size(count: int) -> str:
    """A size in bytes for people: ``512 bytes``, ``3.2 MiB``, ``1.5 GiB``."""
    if count < 1024:
        return f"{count} bytes"
    value = float(count)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


class ReadOnlyDatabase(StorageError):
    """The team database was upgraded by a newer release: this one may read it but not write."""


class ConfigurationError(AppError):
    """The settings are unusable (a secret in the config file, a bad URI, ...)."""


class ProviderError(AppError):
    """An external service (render provider, AI model) failed or refused.

    ``retryable`` says whether trying again later may help (timeouts, 5xx, 429); ``retry_after``
    is the wait the service asked for, in seconds, when it said.
    """

    def __init__(
        self, message: str, *, retryable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class WaitTimeout(AppError):
    """``renderer.wait_for`` gave up before the job finished (the job goes on)."""


class WebhookRejected(AppError):
    """A webhook delivery that must not be believed; ``status`` is the HTTP status to answer
    (401 bad or missing signature or stale timestamp, 400 malformed, 413 too large)."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.status = status
