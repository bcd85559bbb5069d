"""Changing a stored record: the one way services write an existing record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.domain import Record
from app.ports.repositories import Repository

R = TypeVar("R", bound=Record)


async def mutate(
    repository: Repository[R],
    tenant_id: str,
    record_id: str,
    change: Callable[[R], R],
    *,
    known: R | None = None,
) -> R:
    """Apply ``change`` to the stored record atomically (see :meth:`Repository.modify`).

    ``change`` gets the current record and returns the new one (or the same object when there
    is nothing to change: then nothing is written); it may run more than once, so it must not
    act on the world. Errors it raises propagate unchanged, and nothing is written. ``known``,
    a copy the caller has just read, may save a read.
    """
    return await repository.modify(tenant_id, record_id, change, known=known)
