"""Optimistic read-modify-write: re-read and retry when another writer got there first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.domain import Record
from app.domain.errors import Conflict
from app.ports.repositories import Repository

R = TypeVar("R", bound=Record)

ATTEMPTS = 20


async def mutate(
    repository: Repository[R],
    tenant_id: str,
    record_id: str,
    change: Callable[[R], R],
    *,
    known: R | None = None,
) -> R:
    """Apply ``change`` to the stored record and save it, retrying on :class:`Conflict`.

    ``change`` gets the freshly read record and returns the new one (or the same object when
    there is nothing to change: then nothing is written). Errors it raises propagate unchanged,
    and nothing is written. ``known``, a copy the caller has just read, saves the first read;
    if it turns out stale, the write conflicts and the record is read again.
    """
    for attempt in range(ATTEMPTS):
        current = (
            known
            if attempt == 0 and known is not None
            else (await repository.get(tenant_id, record_id))
        )
        changed = change(current)
        if changed is current:
            return current
        try:
            return await repository.update(changed)
        except Conflict:
            continue
    raise Conflict("the record is being changed by many people at once; try again in a moment")
