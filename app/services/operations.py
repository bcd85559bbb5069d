"""Public calls as operations: the unit the change feed reports changes in.

A service class decorated with :func:`public_calls` makes each of its public calls one
operation (:func:`app.domain.changes.operation`): every record the call writes is logged with
the calling user's id and one ``op_id``, including the writes of the calls it makes on other
services, so a strategy update and its cascade read as one change in the feed (like Anki's
``OpChanges``). Decorating the class rather than each method keeps a call added later covered.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.domain import Actor
from app.domain.changes import operation

T = TypeVar("T")


def public_calls(cls: type[T]) -> type[T]:
    """Make every public ``async def`` of ``cls``, its own or inherited, an operation of the
    actor it is called with."""
    for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction):
        if not name.startswith("_") and not getattr(member, "is_operation", False):
            setattr(cls, name, _as_operation(member))
    return cls


def _as_operation(call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(call)
    async def run(self: object, actor: object, *args: Any, **kwargs: Any) -> Any:
        # A call without an actor (a provider's webhook) is the core's own doing.
        with operation(actor.user_id if isinstance(actor, Actor) else None):
            return await call(self, actor, *args, **kwargs)

    run.is_operation = True  # type: ignore[attr-defined]
    return run
