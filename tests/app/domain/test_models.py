"""Validation of the domain models: actors, money, strategies, campaigns, asset queries, times."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from app.domain import (
    Actor,
    Approval,
    ApprovalScope,
    ApprovalState,
    AssetQuery,
    AssetSource,
    AssetType,
    Campaign,
    CampaignStatus,
    CreativeKind,
    Money,
    RenderJob,
    RenderStatus,
    Role,
    Strategy,
    StrategyDraft,
    StrategyStatus,
    new_id,
    utc_now,
)
from app.domain.common import Timestamp, to_timestamp
from app.domain.errors import AppError, InvalidInput
from app.domain.strategies import REQUIRED_FIELDS
from app.domain.validation import build

ROLE_ORDER = [Role.VIEWER, Role.EDITOR, Role.APPROVER, Role.ADMIN]


# ------------------------------------------------------------------ Actor


def test_actor_ids_are_trimmed() -> None:
    actor = Actor(tenant_id=" acme ", user_id=" ana ")
    assert (actor.tenant_id, actor.user_id) == ("acme", "ana")
    assert actor.roles == frozenset({Role.VIEWER})


# A message names the workspace as people say it, not as the code does (tenant_id).
ACTOR_FIELDS = [("tenant_id", "workspace"), ("user_id", "user_id")]


@pytest.mark.parametrize(("field", "said"), ACTOR_FIELDS)
@pytest.mark.parametrize("value", ["", "   ", "x" * 129, None])
def test_actor_needs_non_empty_ids(field: str, said: str, value: Any) -> None:
    data = {"tenant_id": "acme", "user_id": "ana", field: value}
    with pytest.raises(InvalidInput) as info:
        Actor(**data)
    assert info.value.message.startswith(f"invalid actor: {said}: ")
    assert ";" not in info.value.message  # that field only


@pytest.mark.parametrize(("field", "said"), ACTOR_FIELDS)
def test_actor_ids_are_required(field: str, said: str) -> None:
    data = {"tenant_id": "acme", "user_id": "ana"}
    del data[field]
    with pytest.raises(InvalidInput, match=said):
        Actor(**data)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ("editor", {Role.EDITOR}),
        (["editor", "approver"], {Role.EDITOR, Role.APPROVER}),
        ({Role.ADMIN}, {Role.ADMIN}),
        (("viewer",), {Role.VIEWER}),
    ],
)
def test_actor_roles_accept_strings(roles: Any, expected: set[Role]) -> None:
    actor = Actor(tenant_id="acme", user_id="ana", roles=roles)
    assert actor.roles == frozenset(expected)
    assert all(isinstance(role, Role) for role in actor.roles)


@pytest.mark.parametrize("roles", ["owner", ["editor", "superuser"], "EDITOR"])
def test_actor_refuses_unknown_roles(roles: Any) -> None:
    with pytest.raises(InvalidInput, match="roles"):
        Actor(tenant_id="acme", user_id="ana", roles=roles)


@pytest.mark.parametrize(
    ("held", "asked"),
    list(itertools.product(ROLE_ORDER, ROLE_ORDER)),
    ids=lambda role: role.value,
)
def test_role_hierarchy(held: Role, asked: Role) -> None:
    actor = Actor(tenant_id="acme", user_id="ana", roles={held})
    expected = ROLE_ORDER.index(held) >= ROLE_ORDER.index(asked)
    assert actor.has_role(asked) is expected
    assert actor.has_role(asked.value) is expected
    assert actor.highest_role is held


def test_highest_of_several_roles_counts() -> None:
    actor = Actor(tenant_id="acme", user_id="ana", roles={"editor", "approver"})
    assert actor.highest_role is Role.APPROVER
    assert actor.has_role(Role.APPROVER)
    assert actor.has_role("viewer")
    assert not actor.has_role(Role.ADMIN)


def test_actor_is_immutable() -> None:
    actor = Actor(tenant_id="acme", user_id="ana")
    with pytest.raises(ValidationError):
        actor.user_id = "eve"  # type: ignore[misc]
    assert actor.user_id == "ana"


# ------------------------------------------------------------------ Money


@pytest.mark.parametrize(
    ("currency", "expected"), [("eur", "EUR"), (" usd ", "USD"), ("Gbp", "GBP"), ("JPY", "JPY")]
)
def test_money_currency_is_upper_cased(currency: str, expected: str) -> None:
    assert Money(amount=10, currency=currency).currency == expected


@pytest.mark.parametrize("currency", ["", "EU", "EURO", "E1R", "€", "E R", 978, None])
def test_money_currency_is_three_letters(currency: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=10, currency=currency)
    assert [error["loc"] for error in info.value.errors()] == [("currency",)]


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0, Decimal(0)), (5000, Decimal(5000)), ("12.50", Decimal("12.50")), (0.1, Decimal("0.1"))],
)
def test_money_amount_is_a_non_negative_decimal(amount: Any, expected: Decimal) -> None:
    money = Money(amount=amount, currency="EUR")
    assert money.amount == expected
    assert isinstance(money.amount, Decimal)


@pytest.mark.parametrize("amount", [-1, "-0.01", "1.005", "abc", None])
def test_money_refuses_bad_amounts(amount: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount=amount, currency="EUR")
    assert [error["loc"] for error in info.value.errors()] == [("amount",)]


def test_money_is_a_value() -> None:
    assert Money(amount=5000, currency="eur") == Money(amount="5000.00", currency="EUR")
    assert len({Money(amount=1, currency="EUR"), Money(amount="1.0", currency="eur")}) == 1
    money = Money(amount=1, currency="EUR")
    with pytest.raises(ValidationError):
        money.amount = Decimal(2)  # type: ignore[misc]


# ------------------------------------------------------------------ StrategyDraft completion

FULL: dict[str, Any] = {
    "objective": "Grow sign-ups",
    "target_audience": "Young professionals",
    "key_messages": ("Fast", "Fair"),
    "channels": ("instagram",),
    "tone": "friendly",
    "budget": {"amount": 5000, "currency": "EUR"},
    "kpis": ("CTR > 2%",),
    "call_to_action": "Sign up today",
}


def test_required_fields_in_order() -> None:
    assert REQUIRED_FIELDS == (
        "objective",
        "target_audience",
        "key_messages",
        "channels",
        "tone",
        "budget",
        "kpis",
        "call_to_action",
    )


def test_empty_draft_is_zero_percent() -> None:
    completion = StrategyDraft().completion()
    assert completion.percent == 0
    assert completion.missing == list(REQUIRED_FIELDS)


def test_full_draft_is_complete() -> None:
    completion = StrategyDraft(**FULL).completion()
    assert completion.percent == 100
    assert completion.missing == []


@pytest.mark.parametrize(
    ("filled", "percent", "missing"),
    [
        (
            ["budget", "objective", "kpis", "channels"],
            50,
            ["target_audience", "key_messages", "tone", "call_to_action"],
        ),
        (
            ["call_to_action", "tone"],
            25,
            ["objective", "target_audience", "key_messages", "channels", "budget", "kpis"],
        ),
        (
            ["objective", "target_audience", "key_messages", "channels", "tone", "kpis"],
            75,
            ["budget", "call_to_action"],
        ),
    ],
)
def test_partial_draft_lists_missing_in_order(
    filled: list[str], percent: int, missing: list[str]
) -> None:
    draft = StrategyDraft(**{name: FULL[name] for name in filled})
    completion = draft.completion()
    assert completion.percent == percent
    assert completion.missing == missing


@settings(max_examples=60, deadline=None, database=None)
@given(filled=st.sets(st.sampled_from(REQUIRED_FIELDS)))
def test_completion_for_any_subset(filled: set[str]) -> None:
    completion = StrategyDraft(**{name: FULL[name] for name in filled}).completion()
    assert completion.missing == [name for name in REQUIRED_FIELDS if name not in filled]
    exact = 100 * len(filled) / len(REQUIRED_FIELDS)
    assert abs(completion.percent - exact) <= 0.5
    assert isinstance(completion.percent, int)


def test_blank_strings_and_tuples_of_blanks_count_as_missing() -> None:
    draft = StrategyDraft(
        **{
            **FULL,
            "objective": "   ",
            "target_audience": "",
            "tone": "\t\n",
            "key_messages": ("", "  "),
            "kpis": (" ",),
        }
    )
    completion = draft.completion()
    assert completion.missing == ["objective", "target_audience", "key_messages", "tone", "kpis"]
    assert completion.percent == round(100 * 3 / 8)


def test_a_tuple_with_one_real_entry_is_filled() -> None:
    draft = StrategyDraft(key_messages=("", "Fast"), kpis=["  ", "CTR"])
    assert "key_messages" not in draft.completion().missing
    assert "kpis" not in draft.completion().missing
    assert draft.completion().percent == 25


def test_draft_accepts_money_as_a_dict_and_lower_cases_channels() -> None:
    draft = StrategyDraft(
        budget={"amount": 5000, "currency": "eur"}, channels=[" Instagram ", "TikTok"]
    )
    assert draft.budget == Money(amount=5000, currency="EUR")
    assert draft.channels == ("instagram", "tiktok")


def test_strategy_exposes_the_completion() -> None:
    strategy = Strategy(
        tenant_id="acme",
        campaign_id="camp-1",
        version=1,
        draft=StrategyDraft(objective="Grow", tone="warm"),
        created_by="ana",
    )
    assert strategy.completion.percent == 25
    assert strategy.status is StrategyStatus.ACTIVE
    assert strategy.model_dump()["completion"] == {
        "percent": 25,
        "missing": [
            "target_audience",
            "key_messages",
            "channels",
            "budget",
            "kpis",
            "call_to_action",
        ],
    }


def test_strategy_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        StrategyDraft(start=date(2024, 2, 1), end=date(2024, 1, 31))
    assert str(info.value) == "the strategy ends (2024-01-31) before it starts (2024-02-01)"


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2024, 1, 1), date(2024, 1, 1)), (date(2024, 1, 1), None), (None, date(2024, 1, 1))],
)
def test_strategy_window_may_be_one_day_or_open(start: date | None, end: date | None) -> None:
    draft = StrategyDraft(start=start, end=end)
    assert (draft.start, draft.end) == (start, end)


def test_assigning_an_end_before_the_start_changes_nothing() -> None:
    draft = StrategyDraft(start=date(2024, 2, 1), end=date(2024, 3, 1))
    with pytest.raises(ValidationError, match="frozen"):
        draft.end = date(2024, 1, 1)  # type: ignore[misc]
    assert draft.end == date(2024, 3, 1)


# ------------------------------------------------------------------ Campaign


def make_campaign(**changes: Any) -> Campaign:
    return Campaign(**{"tenant_id": "acme", "name": "Spring", "created_by": "ana", **changes})


def test_campaign_defaults() -> None:
    campaign = make_campaign(name="  Spring launch ")
    assert campaign.name == "Spring launch"
    assert campaign.status is CampaignStatus.DRAFT
    assert campaign.channels == ()
    assert campaign.revision == 0
    assert len(campaign.id) == 32


def test_campaign_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        make_campaign(start=date(2024, 6, 1), end=date(2024, 5, 1))
    assert str(info.value) == "the campaign ends (2024-05-01) before it starts (2024-06-01)"


def test_campaign_channel_names_are_lower_cased() -> None:
    campaign = make_campaign(channels=[" Instagram", "LinkedIn ", "tiktok"])
    assert campaign.channels == ("instagram", "linkedin", "tiktok")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"channels": ["instagram", "  "]}, "channels"),
        ({"status": "live"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_campaign_refuses_bad_fields(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_campaign(**changes)
    assert info.value.errors()[0]["loc"][0] == field


def test_assigning_a_start_after_the_end_changes_nothing() -> None:
    campaign = make_campaign(start=date(2024, 5, 1), end=date(2024, 6, 1))
    with pytest.raises(ValidationError, match="frozen"):
        campaign.start = date(2024, 7, 1)  # type: ignore[misc]
    assert campaign.start == date(2024, 5, 1)


# ------------------------------------------------------------------ AssetQuery


def test_asset_query_defaults() -> None:
    query = AssetQuery()
    assert (query.types, query.tags, query.filename) == (None, None, None)
    assert (query.include_archived, query.limit, query.offset) == (False, 50, 0)


@pytest.mark.parametrize("limit", [1, 50, 500])
def test_asset_query_limit_in_bounds(limit: int) -> None:
    assert AssetQuery(limit=limit).limit == limit


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": -5}, "limit"),
        ({"offset": -1}, "offset"),
        ({"types": ["image", "gif"]}, "types"),
    ],
)
def test_asset_query_refuses_out_of_bounds(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        AssetQuery(**changes)
    assert info.value.message.startswith(f"invalid asset query: {field}")


def test_asset_query_offset() -> None:
    assert AssetQuery(offset=0).offset == 0
    assert AssetQuery(offset=1000).offset == 1000


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([" Summer  Sale ", "summer sale", "LOGO"], frozenset({"summer sale", "logo"})),
        (["a\tb"], frozenset({"a b"})),
        (["", "  "], None),
        ([], None),
        (None, None),
    ],
)
def test_asset_query_normalises_tags(tags: Any, expected: frozenset[str] | None) -> None:
    assert AssetQuery(tags=tags).tags == expected


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("", None), ("   ", None), (None, None), (" Logo.PNG ", "Logo.PNG"), ("a.*b", "a.*b")],
)
def test_asset_query_filename(filename: str | None, expected: str | None) -> None:
    assert AssetQuery(filename=filename).filename == expected


def test_asset_query_types_accept_strings() -> None:
    assert AssetQuery(types=["image", "video"]).types == frozenset(
        {AssetType.IMAGE, AssetType.VIDEO}
    )


# ------------------------------------------------------------------ validation.build


def test_build_returns_the_model() -> None:
    actor = build(Actor, tenant_id="acme", user_id="ana", roles="admin")
    assert actor == Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})


def test_build_turns_validation_errors_into_invalid_input() -> None:
    with pytest.raises(InvalidInput) as info:
        build(Actor, tenant_id="", user_id="ana")
    assert isinstance(info.value, AppError)
    assert str(info.value).startswith("invalid actor: workspace: ")
    assert "user_id" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


def test_build_names_every_problem() -> None:
    with pytest.raises(InvalidInput) as info:
        build(Actor, tenant_id=" ", user_id="", nickname="x")
    message = str(info.value)
    assert message.startswith("invalid actor: ")
    parts = message.removeprefix("invalid actor: ").split("; ")
    assert [part.split(":")[0] for part in parts] == ["workspace", "user_id", "nickname"]
    assert parts[2] == "nickname: Extra inputs are not permitted"


def test_build_names_nested_fields_and_multi_word_models() -> None:
    with pytest.raises(InvalidInput) as info:
        build(StrategyDraft, budget={"amount": -5, "currency": "EUR"})
    assert str(info.value).startswith("invalid strategy draft: budget.amount: ")
    with pytest.raises(InvalidInput) as info:
        build(AssetQuery, limit=0)
    assert str(info.value) == (
        "invalid asset query: limit: Input should be greater than or equal to 1"
    )


def test_build_passes_domain_rule_errors_through() -> None:
    with pytest.raises(InvalidInput, match=r"the strategy ends \(2024-01-01\)"):
        build(StrategyDraft, start=date(2024, 2, 1), end=date(2024, 1, 1))


# ------------------------------------------------------------------ Timestamp

TIMESTAMP = TypeAdapter(Timestamp)


def test_timestamp_converts_to_utc_and_truncates_to_milliseconds() -> None:
    local = datetime(2024, 5, 1, 14, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    value = TIMESTAMP.validate_python(local)
    assert value == datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=UTC)
    assert value.utcoffset() == timedelta(0)
    assert value.microsecond == 123000


def test_timestamp_truncates_rather_than_rounds() -> None:
    value = to_timestamp(datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert value == datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def test_timestamp_accepts_iso_strings() -> None:
    value = TIMESTAMP.validate_python("2024-05-01T09:00:00.000999-03:00")
    assert value == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_timestamp_refuses_naive_times() -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP.validate_python(datetime(2024, 5, 1, 12, 0))


def test_records_hold_timestamps() -> None:
    local = datetime(2024, 5, 1, 14, 30, 0, 654321, tzinfo=timezone(timedelta(hours=2)))
    approval = Approval(tenant_id="acme", campaign_id="c", scope="strategy", created_at=local)
    assert approval.created_at == datetime(2024, 5, 1, 12, 30, 0, 654000, tzinfo=UTC)
    changed = Approval.model_validate({**approval.__dict__, "updated_at": local})
    assert changed.updated_at.microsecond == 654000
    assert changed.updated_at.utcoffset() == timedelta(0)


def test_utc_now_and_new_id() -> None:
    now = utc_now()
    assert now.utcoffset() == timedelta(0)
    assert now.microsecond % 1000 == 0
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 32 and int(i, 16) >= 0 and i == i.lower() for i in ids)


# ------------------------------------------------------------------ enumerations


@pytest.mark.parametrize(
    "enum",
    [
        ApprovalScope,
        ApprovalState,
        RenderStatus,
        AssetType,
        Role,
        CampaignStatus,
        StrategyStatus,
        CreativeKind,
        AssetSource,
    ],
)
def test_enums_are_lower_case_str_enums(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member.value == member.value.lower()
        assert enum(member.value) is member
        assert member == member.value


def test_enum_values_match_the_contract() -> None:
    assert [s.value for s in ApprovalScope] == ["strategy", "content", "schedule", "ads"]
    assert [s.value for s in ApprovalState] == ["pending", "approved", "rejected", "needs_review"]
    assert [s.value for s in RenderStatus] == [
        "queued",
        "running",
        "published",
        "failed",
        "cancelled",
    ]
    assert [s.value for s in AssetType] == ["image", "video", "text", "other"]
    assert [s.value for s in Role] == ["viewer", "editor", "approver", "admin"]


def test_models_accept_plain_strings_for_enums() -> None:
    approval = Approval(tenant_id="acme", campaign_id="c", scope="ads", state="needs_review")
    assert approval.scope is ApprovalScope.ADS
    assert approval.state is ApprovalState.NEEDS_REVIEW
    job = RenderJob(
        tenant_id="acme",
        campaign_id="c",
        creative_id="cr",
        kind="video",
        prompt="a cat",
        provider="local-video",
        status="running",
        created_by="ana",
    )
    assert job.kind is CreativeKind.VIDEO
    assert job.status is RenderStatus.RUNNING
    campaign = make_campaign(status="in_review")
    assert campaign.status is CampaignStatus.IN_REVIEW
    approved = Approval.model_validate({**approval.__dict__, "state": "approved"})
    assert approved.state is ApprovalState.APPROVED


@pytest.mark.parametrize("value", ["Approved", "APPROVED", "accepted", ""])
def test_models_refuse_unknown_enum_strings(value: str) -> None:
    with pytest.raises(ValidationError):
        Approval(tenant_id="acme", campaign_id="c", scope="strategy", state=value)
