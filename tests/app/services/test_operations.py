"""Public calls as operations: each call's writes share its actor and one op_id."""

from __future__ import annotations

from app.domain import Actor, Role
from app.domain.changes import Operation, current_operation
from app.services.operations import public_calls

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.EDITOR})


class Base:
    async def inherited(self, actor: Actor) -> Operation:
        return current_operation()


@public_calls
class Service(Base):
    async def outer(self, actor: Actor) -> tuple[Operation, Operation]:
        return current_operation(), await self.inner(actor)

    async def inner(self, actor: Actor) -> Operation:
        return current_operation()

    async def _private(self, actor: Actor) -> Operation:
        return current_operation()


@public_calls
class Derived(Service):
    pass


async def test_a_call_is_one_operation_of_its_actor_and_calls_it_makes_join_it() -> None:
    outer, inner = await Service().outer(ANA)
    assert outer.actor_id == "ana"
    assert inner == outer


async def test_each_call_is_its_own_operation() -> None:
    first, second = await Service().inner(ANA), await Service().inner(ANA)
    assert first.op_id != second.op_id


async def test_inherited_calls_are_operations_too_and_never_wrapped_twice() -> None:
    assert (await Derived().inherited(ANA)).actor_id == "ana"
    assert Derived.inner is Service.inner  # already an operation: not wrapped again


async def test_private_helpers_and_code_outside_calls_have_no_actor() -> None:
    assert (await Service()._private(ANA)).actor_id is None
    assert current_operation().actor_id is None
