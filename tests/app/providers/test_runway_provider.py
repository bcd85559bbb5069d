"""The Runway provider against a FAKE Runway server on a loopback port."""

from __future__ import annotations

import base64
import email.utils
import logging
import socket
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

import pytest

from app.adapters.providers import runway_provider
from app.adapters.providers.http_client import HttpClient
from app.adapters.providers.runway_provider import API_VERSION, RunwayProvider
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError, WebhookRejected
from app.ports.render_provider import ProviderState, RenderProvider, RenderRequest
from tests.fakes.runway_server import (
    FAKE_RUNWAY_API_KEY,
    VERSION_ERROR,
    Behaviour,
    FakeRunwayServer,
)

VIDEO = RenderRequest(job_id="job-1", kind=CreativeKind.VIDEO, prompt="A sunrise over the sea")
SECRET = "key_" + "f00d" * 32


@pytest.fixture
async def server() -> AsyncIterator[FakeRunwayServer]:
    async with FakeRunwayServer() as fake:
        yield fake


@pytest.fixture
async def make_provider(
    server: FakeRunwayServer,
) -> AsyncIterator[Callable[..., RunwayProvider]]:
    """Builds providers pointed at the fake (by default) and closes them all after the test."""
    made: list[RunwayProvider] = []

    def make(**options: Any) -> RunwayProvider:
        options.setdefault("api_key", FAKE_RUNWAY_API_KEY)
        options.setdefault("base_url", server.base_url)
        provider = RunwayProvider(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


async def refusal(provider: RunwayProvider, request: RenderRequest = VIDEO) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await provider.render(request)
    return caught.value


async def download(provider: RunwayProvider, url: str, max_bytes: int = 10_000_000) -> bytes:
    return b"".join([chunk async for chunk in provider.open_output(url, max_bytes=max_bytes)])


async def download_error(provider: RunwayProvider, url: str, max_bytes: int) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await download(provider, url, max_bytes)
    return caught.value


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_implements_the_port() -> None:
    provider: RenderProvider = RunwayProvider(api_key=SECRET)
    assert (provider.name, provider.supports_webhooks, provider.max_concurrency) == (
        "runway",
        False,
        2,
    )
    assert provider.can_render(CreativeKind.VIDEO)
    assert not provider.can_render(CreativeKind.IMAGE)
    assert not provider.can_render(CreativeKind.TEXT)
    assert SECRET not in repr(provider)


@pytest.mark.parametrize(("asked", "used"), [(1.0, 5.0), (0.0, 5.0), (5.0, 5.0), (7.5, 7.5)])
def test_poll_interval_is_never_below_five_seconds(asked: float, used: float) -> None:
    assert RunwayProvider(api_key=SECRET, poll_interval=asked).poll_interval == used


@pytest.mark.parametrize(
    "options",
    [
        {"api_key": ""},
        {"api_key": "key with space"},
        {"model": " "},
        {"api_version": ""},
        {"max_concurrency": 0},
        {"poll_interval": float("nan")},
        {"timeout": 0},
    ],
)
def test_unusable_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RunwayProvider(**{"api_key": SECRET, **options})


async def test_render_sends_the_versioned_header_auth_and_documented_body(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    task_id = await make_provider().render(VIDEO)

    assert task_id in server.tasks
    [request] = server.requests
    assert (request.method, request.path) == ("POST", "/v1/text_to_video")
    assert request.headers["Authorization"] == f"Bearer {FAKE_RUNWAY_API_KEY}"
    assert request.headers["X-Runway-Version"] == API_VERSION == "2024-11-06"
    assert request.json == {
        "model": "gen4.5",
        "promptText": "A sunrise over the sea",
        "ratio": "1280:720",
        "duration": 5,
    }


async def test_params_pass_through_and_a_prompt_image_means_image_to_video(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    image = "https://assets.example.com/first-frame.png"
    params = {"duration": 8, "ratio": "960:960", "promptImage": image, "fps": 30, "seed": 1}
    request = RenderRequest("job-2", CreativeKind.VIDEO, "Waves", params=params, seed=42)

    await make_provider().render(request)

    [sent] = server.requests
    assert sent.path == "/v1/image_to_video"
    assert sent.json == {
        "model": "gen4.5",
        "promptText": "Waves",
        "ratio": "960:960",
        "duration": 8,
        "promptImage": image,
        "seed": 42,  # the request's seed wins over params["seed"]; "fps" is not Runway's
    }


@pytest.mark.parametrize(
    "request_",
    [
        RenderRequest("job-3", CreativeKind.IMAGE, "A poster"),
        RenderRequest("job-4", CreativeKind.VIDEO, "x" * 1001),
        RenderRequest("job-5", CreativeKind.VIDEO, "  "),
    ],
)
async def test_requests_runway_cannot_take_are_refused_without_a_call(
    server: FakeRunwayServer,
    make_provider: Callable[..., RunwayProvider],
    request_: RenderRequest,
) -> None:
    error = await refusal(make_provider(), request_)

    assert not error.retryable
    assert server.requests == []


async def test_a_render_runs_to_success_with_progress_and_the_mp4(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    seen = []
    for _ in range(5):
        status = await provider.poll_status(task_id)
        seen.append((status.state, status.progress))
        server.advance(task_id)
    status = await provider.poll_status(task_id)

    assert seen == [
        (ProviderState.QUEUED, None),  # PENDING
        (ProviderState.QUEUED, None),  # THROTTLED: waiting for a slot, not an error
        (ProviderState.RUNNING, 0.0),
        (ProviderState.RUNNING, 0.5),
        (ProviderState.SUCCEEDED, 1.0),
    ]
    assert status.outputs == (server.output_url(task_id),)
    assert status.error is None
    video = await download(provider, status.outputs[0])
    assert video == server.video
    assert video[4:8] == b"ftyp"  # a real MP4
    poll = server.requests[1]
    assert (poll.method, poll.path) == ("GET", f"/v1/tasks/{task_id}")
    assert poll.headers["X-Runway-Version"] == API_VERSION
    assert "Authorization" not in server.requests[-1].headers  # the key stays with the API


async def test_throttled_is_reported_as_queued(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.throttle(task_id)

    status = await provider.poll_status(task_id)

    assert (status.state, status.error, status.permanent) == (ProviderState.QUEUED, None, False)


async def test_progress_is_missing_when_runway_gives_none(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.run(task_id, progress=None)

    status = await provider.poll_status(task_id)

    assert (status.state, status.progress) == (ProviderState.RUNNING, None)


@pytest.mark.parametrize(
    ("code", "permanent"),
    [
        ("SAFETY.INPUT.TEXT", True),
        ("SAFETY.INPUT.IMAGE", True),
        ("SAFETY.OUTPUT.VIDEO", True),
        ("INPUT_PREPROCESSING.SAFETY.TEXT", True),
        ("ASSET.INVALID", True),
        ("INTERNAL", False),
        ("INTERNAL.BAD_OUTPUT.CODE01", False),
        ("INPUT_PREPROCESSING.INTERNAL", False),
        ("THIRD_PARTY.UNAVAILABLE", False),
    ],
)
async def test_failures_follow_runways_failure_table(
    server: FakeRunwayServer,
    make_provider: Callable[..., RunwayProvider],
    code: str,
    permanent: bool,
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.fail(task_id, code, failure="Raw internal text not meant for users")

    status = await provider.poll_status(task_id)

    assert status.state is ProviderState.FAILED
    assert status.permanent is permanent
    assert status.error is not None
    assert code in status.error
    assert "Runway" in status.error
    assert "Raw internal text" not in status.error  # the docs advise against showing it


@pytest.mark.parametrize("code", ["SOMETHING.NEW", None])
async def test_unknown_failure_codes_are_permanent_and_logged(
    server: FakeRunwayServer,
    make_provider: Callable[..., RunwayProvider],
    caplog: pytest.LogCaptureFixture,
    code: str | None,
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.fail(task_id, code)

    status = await provider.poll_status(task_id)

    assert (status.state, status.permanent) == (ProviderState.FAILED, True)
    assert "unknown failure code" in caplog.text


async def test_success_without_output_is_a_retryable_failure(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id).output.clear()

    status = await provider.poll_status(task_id)

    assert (status.state, status.permanent) == (ProviderState.FAILED, False)


@pytest.mark.parametrize(
    ("behaviour", "wait"),
    [
        ("429", None),
        (Behaviour(429, error="Daily limit", headers={"Retry-After": "30"}), 30.0),
        ("429 with an HTTP date 90 s ahead", 90.0),
        ("500", None),
        ("502", None),
        ("503", None),
        (Behaviour(504, error="Overloaded"), None),
    ],
)
async def test_rate_limits_and_server_failures_are_retryable(
    server: FakeRunwayServer,
    make_provider: Callable[..., RunwayProvider],
    behaviour: str | Behaviour,
    wait: float | None,
) -> None:
    if behaviour == "429 with an HTTP date 90 s ahead":
        # Made now, not at collection: a date made earlier would be stale by the time it runs.
        date = email.utils.formatdate(time.time() + 90, usegmt=True)
        behaviour = Behaviour(429, headers={"Retry-After": date})
    server.script(behaviour)
    provider = make_provider()

    error = await refusal(provider)

    assert error.retryable
    if wait is None:
        assert error.retry_after is None
    else:
        assert error.retry_after == pytest.approx(wait, abs=5)
    assert error.message.startswith("Runway ")
    assert "HTTP 5" in error.message or "HTTP 429" in error.message
    assert await provider.render(VIDEO)  # no retry inside: the engine decides
    assert len(server.requests) == 2


async def test_the_daily_generation_limit_answers_429(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    async with FakeRunwayServer(daily_limit=1) as limited:
        provider = make_provider(base_url=limited.base_url)
        await provider.render(VIDEO)

        error = await refusal(provider)

    assert error.retryable
    assert "generation limit" in error.message


async def test_bad_input_is_not_retryable(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    server.script("400")

    error = await refusal(make_provider())

    assert not error.retryable
    assert "HTTP 400" in error.message
    assert "promptImage" in error.message  # Runway's text names the field
    assert FAKE_RUNWAY_API_KEY not in error.message


async def test_invalid_params_reach_runway_and_come_back_as_400(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    request = RenderRequest("job-6", CreativeKind.VIDEO, "Waves", params={"duration": 60})

    error = await refusal(make_provider(), request)

    assert not error.retryable
    assert "duration" in error.message


async def test_a_wrong_version_header_is_refused(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    error = await refusal(make_provider(api_version="2020-01-01"))

    assert not error.retryable
    assert f"HTTP 400: {VERSION_ERROR}" in error.message


async def test_a_refused_key_is_explained_but_never_shown(
    make_provider: Callable[..., RunwayProvider], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    error = await refusal(make_provider(api_key=SECRET))

    assert not error.retryable
    assert "Runway refused the API key (HTTP 401" in error.message
    assert "api.dev.runwayml.com" in error.message
    assert "api.runwayml.com is a common cause of 401" in error.message
    assert SECRET not in error.message
    assert SECRET not in repr(error.args)
    assert SECRET not in caplog.text


async def test_a_key_echoed_by_the_server_is_scrubbed(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    server.script(Behaviour(401, error=f"Key {FAKE_RUNWAY_API_KEY} is revoked"))

    error = await refusal(make_provider())

    assert "[redacted]" in error.message
    assert FAKE_RUNWAY_API_KEY not in error.message


async def test_a_slow_answer_is_a_retryable_timeout(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider(timeout=0.5)
    task_id = await provider.render(VIDEO)
    server.script("slow", route="task")
    started = time.monotonic()

    with pytest.raises(ProviderError) as caught:
        await provider.poll_status(task_id)

    assert time.monotonic() - started < 0.5 + 1.0
    assert caught.value.retryable
    assert caught.value.message == "Runway did not answer within 0.5 s"


async def test_connection_refused_is_retryable(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    error = await refusal(make_provider(base_url=f"http://127.0.0.1:{free_port()}"))

    assert error.retryable
    assert error.message.startswith("Runway could not be reached at http://127.0.0.1:")


@pytest.mark.parametrize("body", ['{"id": "17f2', '["not", "an", "object"]', '{"no": "id"}'])
async def test_an_unexpected_answer_is_an_error(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider], body: str
) -> None:
    server.script(Behaviour(body=body))

    error = await refusal(make_provider())

    assert error.message.startswith("Runway sent an unexpected answer")
    assert not error.retryable


async def test_an_unknown_task_is_not_retryable(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    with pytest.raises(ProviderError) as caught:
        await make_provider().poll_status("no-such-task")

    assert not caught.value.retryable
    assert "HTTP 404" in caught.value.message


async def test_cancel_deletes_the_task(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.run(task_id, 0.3)

    await provider.cancel(task_id)

    delete = server.requests[-1]
    assert (delete.method, delete.path) == ("DELETE", f"/v1/tasks/{task_id}")
    assert delete.headers["Authorization"] == f"Bearer {FAKE_RUNWAY_API_KEY}"
    assert delete.headers["X-Runway-Version"] == API_VERSION
    assert (await provider.poll_status(task_id)).state is ProviderState.CANCELLED


async def test_cancelling_a_finished_or_unknown_task_is_not_an_error(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)

    await provider.cancel(task_id)  # deletes it
    await provider.cancel(task_id)  # now 404

    assert [r.method for r in server.requests] == ["POST", "DELETE", "DELETE"]
    assert task_id not in server.tasks


async def test_a_failed_cancel_is_an_error(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    server.script("503", route="task")

    with pytest.raises(ProviderError) as caught:
        await make_provider().cancel("17f20503-6c24-4c16-946b-35dbbce2af2f")

    assert caught.value.retryable


async def test_webhooks_are_refused(make_provider: Callable[..., RunwayProvider]) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await make_provider().handle_webhook({"content-type": "application/json"}, b"{}")

    assert caught.value.status == 404
    assert caught.value.message == "Runway sends no webhooks"


async def test_polls_are_recorded_with_their_times(
    make_provider: Callable[..., RunwayProvider],
) -> None:
    async with FakeRunwayServer(auto_advance=True) as auto:
        provider = make_provider(base_url=auto.base_url)
        task_id = await provider.render(VIDEO)
        states = [(await provider.poll_status(task_id)).state for _ in range(6)]

        times = auto.poll_times(task_id)

    assert states == [
        ProviderState.QUEUED,
        ProviderState.QUEUED,
        ProviderState.RUNNING,
        ProviderState.RUNNING,
        ProviderState.SUCCEEDED,
        ProviderState.SUCCEEDED,
    ]
    assert len(times) == 6
    assert times == sorted(times)


async def test_a_download_can_be_abandoned_midway(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)
    stream = provider.open_output(server.output_url(task_id), max_bytes=10_000_000)
    assert isinstance(stream, AsyncGenerator)

    first = await anext(stream)
    await stream.aclose()

    assert server.video.startswith(first)
    assert await download(provider, server.output_url(task_id)) == server.video  # client reusable


@pytest.mark.parametrize("preset", ["ok", "chunked"])
async def test_open_output_refuses_more_than_max_bytes(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider], preset: str
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)
    server.script(preset, route="output")

    error = await download_error(provider, server.output_url(task_id), len(server.video) - 1)

    assert not error.retryable
    assert "larger than the limit" in error.message


async def test_open_output_streams_a_chunked_answer_in_full(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)
    server.script("chunked", route="output")

    assert await download(provider, server.output_url(task_id), len(server.video)) == server.video


@pytest.mark.parametrize(("preset", "retryable"), [("403", False), ("500", True)])
async def test_open_output_failures(
    server: FakeRunwayServer,
    make_provider: Callable[..., RunwayProvider],
    preset: str,
    retryable: bool,
) -> None:
    provider = make_provider()
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)
    server.script(preset, route="output")

    error = await download_error(provider, server.output_url(task_id), 10_000_000)

    assert error.retryable is retryable
    assert f"HTTP {preset}" in error.message
    assert "_jwt" not in error.message  # the signed part of the URL is not shown


async def test_a_download_that_stalls_is_a_retryable_timeout(
    server: FakeRunwayServer, make_provider: Callable[..., RunwayProvider]
) -> None:
    provider = make_provider(timeout=0.5)
    task_id = await provider.render(VIDEO)
    server.succeed(task_id)
    server.script("stall", route="output")
    started = time.monotonic()

    error = await download_error(provider, server.output_url(task_id), 10_000_000)

    assert time.monotonic() - started < 0.5 + 1.0
    assert error.retryable
    assert "stopped arriving" in error.message


async def test_open_output_reads_data_uris(make_provider: Callable[..., RunwayProvider]) -> None:
    payload = bytes(range(256)) * 1000
    url = "data:video/mp4;base64," + base64.b64encode(payload).decode()
    provider = make_provider()

    assert await download(provider, url) == payload
    error = await download_error(provider, url, len(payload) - 1)
    assert not error.retryable
    bad = await download_error(provider, "data:video/mp4;base64,@@@", 100)
    assert not bad.retryable


async def test_close_closes_only_a_client_it_created(
    server: FakeRunwayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[HttpClient] = []

    class RecordingClient(HttpClient):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            created.append(self)

    monkeypatch.setattr(runway_provider, "HttpClient", RecordingClient)
    own = RunwayProvider(api_key=FAKE_RUNWAY_API_KEY, base_url=server.base_url)
    await own.render(VIDEO)
    await own.render(VIDEO)
    [client] = created
    await own.close()
    assert client.is_closed

    async with RecordingClient() as given:
        lent = RunwayProvider(api_key=FAKE_RUNWAY_API_KEY, base_url=server.base_url, client=given)
        await lent.render(VIDEO)
        await lent.close()
        assert not given.is_closed
        assert len(created) == 2
