"""Turning pydantic validation errors into :class:`InvalidInput` messages a user can read.

One mechanism, two doors: services validate what they are given with :func:`build`, and the
models callers construct themselves (:class:`InputModel`: ``StrategyDraft``, ``Actor``,
``AssetQuery``) raise the same :class:`InvalidInput` from their constructor.
``model_validate``, which the stores use to read records back, still raises pydantic's
``ValidationError``, which each store reports as an unreadable record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from app.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)

_SAID_AS = {"tenant_id": "workspace"}
"""Fields whose name in the code is not the word people use."""


def article(noun: str) -> str:
    """ "a" or "an" before ``noun`` in a message."""
    return "an" if noun[:1] in "aeiou" else "a"


def describe(error: ValidationError) -> str:
    """One line per problem: ``field: what is wrong``."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(_SAID_AS.get(str(part), str(part)) for part in item["loc"]) or "input"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def build(model: type[M], /, **data: Any) -> M:
    """Validate ``data`` into ``model``, raising :class:`InvalidInput` that names each problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(model, exc) from None


def invalid(model: type[BaseModel], error: ValidationError) -> InvalidInput:
    """The :class:`InvalidInput` for ``error``, raised while validating a ``model``."""
    return InvalidInput(f"invalid {_label(model)}: {describe(error)}")


class InputModel(BaseModel):
    """Base of the immutable models callers build themselves; unknown fields are refused.

    ``InputModel(**fields)`` with a bad value raises :class:`InvalidInput` naming each field.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    if not TYPE_CHECKING:  # type checkers keep pydantic's typed signature of each model

        def __init__(self, /, **data: Any) -> None:
            try:
                super().__init__(**data)
            except ValidationError as exc:
                raise invalid(type(self), exc) from None

        # pydantic calls a model's own __init__ from every validation, nested ones included
        # (a Strategy read back holds a StrategyDraft), unless the __init__ carries the mark of
        # BaseModel's: with it, only a direct construction comes through here.
        __init__.__pydantic_base_init__ = True


def _label(model: type[BaseModel]) -> str:
    name = model.__name__
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
