"""Turning pydantic validation errors into :class:`InvalidInput` messages a user can read."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def describe(error: ValidationError) -> str:
    """One line per problem: ``field: what is wrong``."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "input"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def build(model: type[M], /, **data: Any) -> M:
    """Validate ``data`` into ``model``, raising :class:`InvalidInput` that names each problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"invalid {_label(model)}: {describe(exc)}") from None


def _label(model: type[BaseModel]) -> str:
    name = model.__name__
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
