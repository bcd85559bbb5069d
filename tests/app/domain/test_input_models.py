"""Input models a caller builds (StrategyDraft, Actor, AssetQuery) refuse bad values with
InvalidInput naming the field; user text is bounded and never holds NUL characters."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.domain import Actor, AssetQuery, Campaign, Creative, Strategy, StrategyDraft
from app.domain.errors import InvalidInput
from app.domain.validation import build


@pytest.mark.parametrize(
    ("model", "fields", "named"),
    [
        (StrategyDraft, {"objective": 42}, "objective"),
        (StrategyDraft, {"budget": {"amount": -1, "currency": "EUR"}}, "budget.amount"),
        (StrategyDraft, {"colour": "red"}, "colour"),
        (Actor, {"tenant_id": "", "user_id": "ana"}, "workspace"),  # the word people use
        (Actor, {"tenant_id": "t", "user_id": "ana", "roles": {"boss"}}, "roles"),
        (AssetQuery, {"limit": 0}, "limit"),
        (AssetQuery, {"types": {"hologram"}}, "types"),
    ],
)
def test_building_an_input_model_with_bad_values_raises_invalid_input_naming_the_field(
    model: type[Any], fields: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"{named}[.\d]*: "):
        model(**fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"objective": "o" * 2001},
        {"target_audience": "a" * 2001},
        {"tone": "t" * 501},
        {"call_to_action": "c" * 501},
        {"key_messages": ("m" * 501,)},
        {"kpis": tuple(f"kpi {n}" for n in range(21))},
        {"mandatories": ("legal line",) * 21},
    ],
)
def test_strategy_text_is_bounded(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match=next(iter(fields))):
        StrategyDraft(**fields)


def test_the_limits_leave_room_for_real_strategies() -> None:
    draft = StrategyDraft(
        objective="o" * 2000,
        tone="t" * 500,
        key_messages=tuple("m" * 500 for _ in range(20)),
    )
    assert draft.completion().percent == 38


@pytest.mark.parametrize(
    ("build_it", "named"),
    [
        (lambda: StrategyDraft(objective="Grow\x00"), "objective"),
        (lambda: StrategyDraft(key_messages=("ok", "n\x00")), "key_messages.1"),
        (lambda: Actor(tenant_id="t", user_id="a\x00"), "user_id"),
        (lambda: AssetQuery(filename="x\x00.png"), "filename"),
        (lambda: build(Campaign, tenant_id="t", name="Spring\x00", created_by="a"), "name"),
        (
            lambda: build(
                Creative,
                tenant_id="t",
                campaign_id="c",
                kind="text",
                title="Hi",
                body="b\x00",
                strategy_id="s",
                strategy_version=1,
                created_by="a",
            ),
            "body",
        ),
    ],
)
def test_nul_characters_are_refused_in_user_text(build_it: Any, named: str) -> None:
    with pytest.raises(InvalidInput, match=rf"{named}: .*NUL"):
        build_it()


def test_stored_records_are_still_read_with_validation_errors_for_the_stores() -> None:
    """Reading a stored record (model_validate) keeps raising ValidationError, which each store
    turns into its own "unreadable record" StorageError."""
    stored = {
        "tenant_id": "t",
        "campaign_id": "c",
        "version": 1,
        "draft": {"objective": 42},
        "created_by": "ana",
    }
    with pytest.raises(ValidationError):
        Strategy.model_validate(stored)
    draft = StrategyDraft.model_validate({"objective": "Grow"})
    assert draft == StrategyDraft(objective="Grow")
