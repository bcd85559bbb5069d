"""The Poe language model against a FAKE Poe server on a loopback port."""

from __future__ import annotations

import email.utils
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from app.adapters.llm import PoeLanguageModel
from app.domain.errors import ConfigurationError, ProviderError
from app.ports.llm import ChatMessage, LanguageModel
from tests.fakes.poe_server import FAKE_POE_API_KEY, Behaviour, FakePoeServer

MODEL = "Claude-Sonnet-4.5"
MESSAGES = [
    ChatMessage("system", "You write ad headlines."),
    ChatMessage("user", "Three headlines for a spring sale."),
]


@pytest.fixture
async def server() -> AsyncIterator[FakePoeServer]:
    async with FakePoeServer() as fake:
        yield fake


@pytest.fixture
async def make_model(
    server: FakePoeServer,
) -> AsyncIterator[Callable[..., PoeLanguageModel]]:
    """Builds models pointed at the fake (by default) and closes them all after the test."""
    made: list[PoeLanguageModel] = []

    def make(**options: Any) -> PoeLanguageModel:
        options.setdefault("api_key", FAKE_POE_API_KEY)
        options.setdefault("base_url", server.base_url)
        options.setdefault("model", MODEL)
        model = PoeLanguageModel(**options)
        made.append(model)
        return model

    yield make
    for model in made:
        await model.close()


async def refusal(model: PoeLanguageModel, timeout: float = 5.0) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await model.complete(MESSAGES, timeout=timeout)
    return caught.value


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_implements_the_port() -> None:
    model: LanguageModel = PoeLanguageModel(api_key="k", model=MODEL)
    assert "k" not in repr(model)


@pytest.mark.parametrize(
    "options",
    [{"api_key": ""}, {"api_key": "two words"}, {"model": " "}, {"max_tokens": 0}],
)
def test_unusable_settings_are_refused(options: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"api_key": "key", "model": MODEL, **options}
    with pytest.raises(ConfigurationError):
        PoeLanguageModel(**settings)


async def test_complete_sends_the_documented_request(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    server.script(Behaviour(reply="1. Spring into savings"))

    reply = await make_model(max_tokens=123).complete(MESSAGES, timeout=5)

    assert reply == "1. Spring into savings"
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["Authorization"] == f"Bearer {FAKE_POE_API_KEY}"
    assert request.json == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You write ad headlines."},
            {"role": "user", "content": "Three headlines for a spring sale."},
        ],
        "max_tokens": 123,
        "stream": False,
    }


async def test_default_reply_passes_validation(make_model: Callable[..., PoeLanguageModel]) -> None:
    reply = await make_model().complete(MESSAGES, timeout=5)

    assert reply == "Echo: Three headlines for a spring sale."


async def test_content_parts_are_joined(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    parts = [
        {"type": "text", "text": "Spring "},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        {"type": "text", "text": "sale"},
    ]
    body = '{"choices": [{"index": 0, "message": {"role": "assistant", "content": %s}}]}'
    server.script(Behaviour(body=body % httpx.Response(200, json=parts).text))

    assert await make_model().complete(MESSAGES, timeout=5) == "Spring sale"


async def test_refused_key_is_named_but_never_shown(
    make_model: Callable[..., PoeLanguageModel], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "poe-SECRET-never-shown-4b1d"
    caplog.set_level(logging.DEBUG)

    error = await refusal(make_model(api_key=secret))

    assert "Poe refused the API key" in error.message
    assert "401" in error.message
    assert "Invalid API key provided" in error.message
    assert "invalid_api_key" in error.message
    assert not error.retryable
    assert secret not in error.message
    assert secret not in repr(error.args)
    assert secret not in caplog.text


async def test_a_key_echoed_by_the_server_is_scrubbed(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    message = f"Incorrect API key provided: {FAKE_POE_API_KEY}"
    server.script(Behaviour(403, code="invalid_api_key", message=message))

    error = await refusal(make_model())

    assert "Poe refused the API key (HTTP 403" in error.message
    assert FAKE_POE_API_KEY not in error.message


async def test_unknown_model_is_named(make_model: Callable[..., PoeLanguageModel]) -> None:
    error = await refusal(make_model(model="Claude-Nonexistent-9"))

    assert "'Claude-Nonexistent-9'" in error.message
    assert "400" in error.message
    assert "model_not_found" in error.message
    assert "Model 'Claude-Nonexistent-9' does not exist" in error.message
    assert not error.retryable


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": "3", "x-ratelimit-reset-requests": "40"}, 3.0),
        ({"x-ratelimit-reset-requests": "12"}, 12.0),
        ({"x-ratelimit-reset-requests": "1m30s"}, 90.0),
        ({"Retry-After": "<an HTTP date 120 s ahead>"}, 120.0),
    ],
)
async def test_rate_limit_is_retryable_with_the_wait(
    server: FakePoeServer,
    make_model: Callable[..., PoeLanguageModel],
    headers: dict[str, str],
    wait: float,
) -> None:
    if headers.get("Retry-After") == "<an HTTP date 120 s ahead>":
        # Made now, not at collection: a date made earlier would be stale by the time it runs.
        headers = {"Retry-After": email.utils.formatdate(time.time() + 120, usegmt=True)}
    server.script(Behaviour(429, code="rate_limit_exceeded", message="Slow down", headers=headers))

    error = await refusal(make_model())

    assert error.retryable
    assert error.retry_after == pytest.approx(wait, abs=5)
    assert "429" in error.message
    assert "Slow down" in error.message


async def test_rate_limit_preset_uses_the_reset_header(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    server.script("429", "ok")
    model = make_model()

    error = await refusal(model)
    assert (error.retryable, error.retry_after) == (True, 7.0)
    assert await model.complete(MESSAGES, timeout=5)  # no retry inside: the caller decides
    assert len(server.requests) == 2


@pytest.mark.parametrize("preset", ["500", "503"])
async def test_server_failures_are_retryable(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel], preset: str
) -> None:
    server.script(preset)

    error = await refusal(make_model())

    assert error.retryable
    assert error.retry_after is None
    assert f"HTTP {preset}" in error.message
    assert len(server.requests) == 1


async def test_a_slow_reply_is_cut_off_at_the_timeout(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    server.script("slow")
    started = time.monotonic()

    error = await refusal(make_model(), timeout=0.5)

    assert time.monotonic() - started < 0.5 + 1.0
    assert error.retryable
    assert error.message == "Poe did not answer within 0.5 s"


async def test_an_invalid_base_url_is_a_provider_error(
    make_model: Callable[..., PoeLanguageModel],
) -> None:
    error = await refusal(make_model(base_url="http://poe.example:port/v1"))

    assert "not a valid URL" in error.message
    assert not error.retryable


async def test_connection_refused_is_retryable(
    make_model: Callable[..., PoeLanguageModel],
) -> None:
    error = await refusal(make_model(base_url=f"http://127.0.0.1:{free_port()}/v1"))

    assert error.retryable
    assert error.message.startswith("Poe could not be reached at http://127.0.0.1:")
    assert FAKE_POE_API_KEY not in error.message


@pytest.mark.parametrize("preset", ["malformed", "no-choices"])
async def test_an_unexpected_answer_is_an_error(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel], preset: str
) -> None:
    server.script(preset)

    error = await refusal(make_model())

    assert error.message.startswith("Poe sent an unexpected answer")
    assert not error.retryable


async def test_check_reports_the_model_available(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    assert await make_model().check() == f"Poe reachable, model {MODEL} available"
    [request] = server.requests
    assert (request.method, request.path) == ("GET", "/v1/models")
    assert request.headers["Authorization"] == f"Bearer {FAKE_POE_API_KEY}"


async def test_check_reports_a_missing_model_without_raising(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    text = await make_model(model="Retired-Bot").check()

    assert text == (
        f"Poe reachable, but model Retired-Bot is not in the list of {len(server.models)} models"
    )


async def test_check_raises_when_the_key_is_refused(
    server: FakePoeServer, make_model: Callable[..., PoeLanguageModel]
) -> None:
    server.models_require_auth = True
    secret = "poe-SECRET-never-shown-4b1d"

    with pytest.raises(ProviderError) as caught:
        await make_model(api_key=secret).check()

    assert "Poe refused the API key (HTTP 401" in caught.value.message
    assert secret not in caught.value.message


async def test_check_raises_when_poe_is_unreachable(
    make_model: Callable[..., PoeLanguageModel],
) -> None:
    with pytest.raises(ProviderError) as caught:
        await make_model(base_url=f"http://127.0.0.1:{free_port()}/v1").check()

    assert caught.value.retryable


async def test_close_closes_only_a_client_it_created(
    server: FakePoeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[httpx.AsyncClient] = []

    class RecordingClient(httpx.AsyncClient):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            created.append(self)

    monkeypatch.setattr(httpx, "AsyncClient", RecordingClient)
    own = PoeLanguageModel(api_key=FAKE_POE_API_KEY, base_url=server.base_url, model=MODEL)
    await own.complete(MESSAGES, timeout=5)
    await own.complete(MESSAGES, timeout=5)
    [client] = created
    await own.close()
    assert client.is_closed

    async with RecordingClient() as given:
        lent = PoeLanguageModel(
            api_key=FAKE_POE_API_KEY, base_url=server.base_url, model=MODEL, client=given
        )
        assert await lent.complete(MESSAGES, timeout=5)
        await lent.close()
        assert not given.is_closed
        assert len(created) == 2  # the model used the client it was given
