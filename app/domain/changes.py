"""Change events: what a write changed, as the change feed reports it.

Every write of a record the UI shows is logged by the store in the same transaction as the write
(a :class:`LoggedChange`, numbered by the store's own sequence), so any process on the same data
folder or database can follow what every other one did. The write belongs to the
:class:`Operation` current when it is made: the public call that made it, whose actor and
``op_id`` every change of that call shares (a strategy update's cascade reads as one operation).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from app.domain.actors import Member, Workspace
from app.domain.approvals import Approval
from app.domain.assets import Asset
from app.domain.campaigns import AdPlan, Campaign, Post
from app.domain.common import Record, new_id
from app.domain.creatives import Creative
from app.domain.enums import RenderStatus
from app.domain.render_jobs import RenderJob
from app.domain.strategies import Strategy


class RecordKind(StrEnum):
    """The kinds of record the change feed reports."""

    CAMPAIGN = "campaign"
    STRATEGY = "strategy"
    APPROVAL = "approval"
    CREATIVE = "creative"
    POST = "post"
    AD_PLAN = "ad_plan"
    ASSET = "asset"
    RENDER_JOB = "render_job"
    MEMBER = "member"
    WORKSPACE = "workspace"


class ChangeAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RELOAD = "reload"
    """Not a change: the subscriber missed some, and should read again what it shows."""


class EventKind(StrEnum):
    """How a render job changed (its events keep this beside the change's ``action``)."""

    JOB_CHANGED = "job_changed"
    JOB_FINISHED = "job_finished"  # published
    JOB_FAILED = "job_failed"
    JOB_CANCELLED = "job_cancelled"

    @classmethod
    def of(cls, job: RenderJob) -> EventKind:
        """The kind that fits the job's status."""
        return {
            RenderStatus.PUBLISHED: cls.JOB_FINISHED,
            RenderStatus.FAILED: cls.JOB_FAILED,
            RenderStatus.CANCELLED: cls.JOB_CANCELLED,
        }.get(job.status, cls.JOB_CHANGED)


_KINDS: dict[type[Record], RecordKind] = {
    Campaign: RecordKind.CAMPAIGN,
    Strategy: RecordKind.STRATEGY,
    Approval: RecordKind.APPROVAL,
    Creative: RecordKind.CREATIVE,
    Post: RecordKind.POST,
    AdPlan: RecordKind.AD_PLAN,
    Asset: RecordKind.ASSET,
    RenderJob: RecordKind.RENDER_JOB,
    Member: RecordKind.MEMBER,
    Workspace: RecordKind.WORKSPACE,
}


def record_kind(record: Record) -> RecordKind | None:
    """The feed's name for ``record``'s type; None for records it does not report (the
    activity log, which is itself a record of changes)."""
    return _KINDS.get(type(record))


def campaign_of(record: Record) -> str | None:
    """The campaign a record belongs to (a campaign is its own), or None."""
    if isinstance(record, Campaign):
        return record.id
    campaign_id = getattr(record, "campaign_id", None)
    return campaign_id if isinstance(campaign_id, str) else None


_ACTIVE = frozenset({RenderStatus.QUEUED, RenderStatus.RUNNING})


def is_logged(old: Record, new: Record) -> bool:
    """Whether a change from ``old`` to ``new`` goes into the change log.

    A render job's progress, lease and heartbeat change many times a second across hundreds of
    jobs; logging each would swamp the log. Those changes keep the job queued or running, and
    followers read them from the active jobs themselves; everything else is logged.
    """
    if isinstance(old, RenderJob) and isinstance(new, RenderJob):
        return not (old.status == new.status and new.status in _ACTIVE)
    return True


@dataclass(frozen=True, slots=True)
class Operation:
    """One public call: who made it, and the id its changes share."""

    actor_id: str | None
    op_id: str = field(default_factory=new_id)


_current: contextvars.ContextVar[Operation | None] = contextvars.ContextVar(
    "campaign_studio_operation", default=None
)


def current_operation() -> Operation:
    """The operation a write made now belongs to; outside any call (the render worker, a sweep)
    each write is an operation of its own, with no actor."""
    return _current.get() or Operation(actor_id=None)


@contextmanager
def operation(actor_id: str | None) -> Iterator[Operation]:
    """Make the writes inside one operation of ``actor_id``; inside another one, they join it
    (a call that makes other calls is still one operation)."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    started = Operation(actor_id)
    token = _current.set(started)
    try:
        yield started
    finally:
        _current.reset(token)


def outside_operations() -> contextvars.Context:
    """A context with no current operation, for background work that a call starts but that
    outlives it (its writes are not the caller's)."""
    context = contextvars.copy_context()
    context.run(_current.set, None)
    return context


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """One row of the change log: which record changed, how, by whom, and where in the store's
    order (``seq``, assigned by the store as it commits the change)."""

    seq: int
    record: RecordKind
    record_id: str
    tenant_id: str
    campaign_id: str | None
    action: ChangeAction
    actor_id: str | None
    op_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LogPage:
    """What :meth:`ChangeLog.read_after` found: the changes in order, and up to which ``seq``
    the log was pruned (a reader whose position is below it missed changes)."""

    changes: list[LoggedChange]
    pruned_through: int


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """What a change-feed subscriber receives: one changed record.

    ``seq`` is the store's order (for de-duplication); it is None for a render job's progress,
    which is not logged, and for ``reload``. Render-job events also carry ``job`` (its new
    state) and ``kind`` (``job_changed``, ``job_finished``, ``job_failed``,
    ``job_cancelled``). A ``reload`` event names no record: the subscriber missed changes and
    should read again what it shows.
    """

    record: RecordKind | None
    record_id: str | None
    tenant_id: str | None
    campaign_id: str | None
    action: ChangeAction
    actor_id: str | None
    seq: int | None
    op_id: str | None
    kind: EventKind | None = None
    job: RenderJob | None = None


RELOAD = ChangeEvent(
    record=None,
    record_id=None,
    tenant_id=None,
    campaign_id=None,
    action=ChangeAction.RELOAD,
    actor_id=None,
    seq=None,
    op_id=None,
)
