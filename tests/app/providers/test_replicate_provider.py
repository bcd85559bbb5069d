"""The Replicate image provider against a FAKE Replicate server on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from PIL import Image

from app.adapters.providers.http_client import HttpClient
from app.adapters.providers.replicate_provider import ReplicateProvider
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError, WebhookRejected
from app.ports.render_provider import (
    ProviderState,
    ProviderStatus,
    RenderProvider,
    RenderRequest,
    WebhookDelivery,
)
from tests.fakes.replicate_server import (
    FAKE_MODEL,
    FAKE_REPLICATE_TOKEN,
    FAKE_VERSION,
    FAKE_WEBHOOK_SECRET,
    Behaviour,
    FakeReplicateServer,
    sign_webhook,
)

HOOK = "https://relay.example/webhooks/replicate?job=job-1"
REQUEST = RenderRequest(job_id="job-1", kind=CreativeKind.IMAGE, prompt="A red bicycle at dawn")
MiB = 1024 * 1024


@pytest.fixture
async def server() -> AsyncIterator[FakeReplicateServer]:
    async with FakeReplicateServer() as fake:
        yield fake


@pytest.fixture
async def make_provider(
    server: FakeReplicateServer,
) -> AsyncIterator[Callable[..., ReplicateProvider]]:
    """Builds providers pointed at the fake (by default) and closes them after the test."""
    made: list[ReplicateProvider] = []

    def make(**options: Any) -> ReplicateProvider:
        options.setdefault("api_token", FAKE_REPLICATE_TOKEN)
        options.setdefault("base_url", server.base_url)
        options.setdefault("webhook_secret", FAKE_WEBHOOK_SECRET)
        provider = ReplicateProvider(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
async def relay(
    make_provider: Callable[..., ReplicateProvider],
) -> AsyncIterator[tuple[str, list[WebhookDelivery]]]:
    """A loopback webhook receiver that hands each delivery to a provider, as the relay does:
    its URL and the deliveries it accepted."""
    provider = make_provider()
    accepted: list[WebhookDelivery] = []

    async def receive(request: web.Request) -> web.Response:
        try:
            delivery = await provider.handle_webhook(request.headers, await request.read())
        except WebhookRejected as exc:
            return web.Response(status=exc.status, text=exc.message)
        accepted.append(delivery)
        return web.Response(text="ok")

    app = web.Application(client_max_size=4 * MiB)
    app.router.add_post("/webhooks/replicate", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/webhooks/replicate", accepted
    await runner.cleanup()


async def refusal(call: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await call
    return caught.value


async def download(provider: ReplicateProvider, url: str, max_bytes: int = MiB) -> bytes:
    return b"".join([chunk async for chunk in provider.open_output(url, max_bytes=max_bytes)])


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def signed(body: bytes, *, age: float = 0.0, msg_id: str = "msg_1") -> dict[str, str]:
    return sign_webhook(
        body, secret=FAKE_WEBHOOK_SECRET, msg_id=msg_id, timestamp=int(time.time() - age)
    )


# ---------------------------------------------------------------------- settings and submit


def test_implements_the_port() -> None:
    provider: RenderProvider = ReplicateProvider(api_token=FAKE_REPLICATE_TOKEN)
    assert (provider.name, provider.supports_webhooks) == ("replicate", True)
    assert (provider.max_concurrency, provider.poll_interval) == (4, 2.0)
    assert provider.can_render(CreativeKind.IMAGE)
    assert not provider.can_render(CreativeKind.VIDEO)
    assert not provider.can_render(CreativeKind.TEXT)
    assert FAKE_REPLICATE_TOKEN not in repr(provider)


@pytest.mark.parametrize(
    "options",
    [
        {"api_token": ""},
        {"api_token": "r8_two words"},
        {"model": "flux-schnell?"},
        {"model": "a/b/c"},
        {"model": "owner/name:"},
        {"webhook_secret": ""},
        {"max_concurrency": 0},
        {"poll_interval": 0},
    ],
)
def test_unusable_settings_are_refused(options: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"api_token": FAKE_REPLICATE_TOKEN, **options}
    with pytest.raises(ConfigurationError):
        ReplicateProvider(**settings)


async def test_render_posts_the_documented_body_for_an_official_model(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    request = RenderRequest(
        job_id="job-1",
        kind=CreativeKind.IMAGE,
        prompt="A red bicycle at dawn",
        params={"aspect_ratio": "16:9", "num_outputs": 2, "seed": 1},
        webhook_url=HOOK,
        seed=42,
    )

    prediction_id = await make_provider().render(request)

    assert prediction_id in server.predictions
    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", f"/v1/models/{FAKE_MODEL}/predictions")
    assert sent.headers["Authorization"] == f"Bearer {FAKE_REPLICATE_TOKEN}"
    assert sent.json == {
        "input": {
            "prompt": "A red bicycle at dawn",
            "aspect_ratio": "16:9",
            "num_outputs": 2,
            "seed": 42,
        },
        "webhook": HOOK,
        "webhook_events_filter": ["start", "output", "logs", "completed"],
    }


async def test_params_override_the_prompt_and_webhook_fields_are_optional(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    request = RenderRequest(
        job_id="job-2", kind=CreativeKind.IMAGE, prompt="plain", params={"prompt": "styled"}
    )

    await make_provider().render(request)

    assert server.requests[0].json == {"input": {"prompt": "styled"}}


@pytest.mark.parametrize("model", [f"{FAKE_MODEL}:{FAKE_VERSION}", FAKE_VERSION])
async def test_a_pinned_version_is_created_through_predictions(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider], model: str
) -> None:
    prediction_id = await make_provider(model=model).render(REQUEST)

    [sent] = server.requests
    assert (sent.method, sent.path) == ("POST", "/v1/predictions")
    assert sent.json == {"version": model, "input": {"prompt": "A red bicycle at dawn"}}
    assert server.predictions[prediction_id]["version"] == FAKE_VERSION


async def test_a_video_is_refused_without_a_request(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    video = RenderRequest(job_id="job-3", kind=CreativeKind.VIDEO, prompt="a clip")

    error = await refusal(make_provider().render(video))

    assert not error.retryable
    assert server.create_calls == 0


# ---------------------------------------------------------------------- status and outputs


async def test_a_prediction_is_followed_to_success_with_progress_from_its_logs(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)

    queued = await provider.poll_status(prediction_id)
    assert (queued.provider_job_id, queued.state, queued.progress) == (
        prediction_id,
        ProviderState.QUEUED,
        None,
    )

    server.progress(prediction_id, 2500, 10000)
    server.progress(prediction_id, 7568, 10000)
    running = await provider.poll_status(prediction_id)
    assert running.state is ProviderState.RUNNING
    assert (running.progress, running.step, running.total_steps) == (0.76, 7568, 10000)
    assert running.logs[0] == "Using seed: 1234"
    assert running.logs[-1].startswith(" 76%|███████   | 7568/10000")
    assert len(running.logs) == 3

    [png] = server.succeed(prediction_id)
    done = await provider.poll_status(prediction_id)
    assert done.state is ProviderState.SUCCEEDED
    assert (done.progress, done.error, done.permanent) == (1.0, None, False)
    [url] = done.outputs
    assert url == f"{server.origin}/files/{prediction_id}-out-0.png"
    assert await download(provider, url) == png
    assert server.create_calls == 1


@pytest.mark.parametrize(
    ("options", "count"),
    [({"outputs": 2}, 2), ({"as_list": False}, 1), ({"data_uri": True, "outputs": 2}, 2)],
    ids=["list", "string", "data-uri"],
)
async def test_outputs_in_every_documented_shape(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    options: dict[str, Any],
    count: int,
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    files = server.succeed(prediction_id, **options)

    status = await provider.poll_status(prediction_id)

    assert status.state is ProviderState.SUCCEEDED
    assert len(status.outputs) == count
    assert all(
        u.startswith("data:image/png;base64," if "data_uri" in options else "http")
        for u in status.outputs
    )
    assert [await download(provider, url) for url in status.outputs] == files


async def test_open_output_streams_the_png_with_the_token(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.succeed(prediction_id)
    [url] = (await provider.poll_status(prediction_id)).outputs

    data = await download(provider, url)

    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (64, 48))
    fetch = server.requests[-1]
    assert (fetch.method, fetch.path) == ("GET", f"/files/{prediction_id}-out-0.png")
    assert fetch.headers["Authorization"] == f"Bearer {FAKE_REPLICATE_TOKEN}"


@contextlib.asynccontextmanager
async def file_host(
    seen: list[tuple[str, str | None]], redirect_to: str | None = None
) -> AsyncIterator[str]:
    """A loopback origin serving ``/file`` (and ``/bounce``, a redirect to ``redirect_to``),
    recording each request's path and ``Authorization``; yields its origin."""

    async def serve(request: web.Request) -> web.StreamResponse:
        seen.append((request.path, request.headers.get("Authorization")))
        if request.path == "/bounce" and redirect_to:
            raise web.HTTPFound(redirect_to)
        return web.Response(body=b"png")

    app = web.Application()
    app.router.add_get("/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", free_port())
    await site.start()
    try:
        yield site.name
    finally:
        await runner.cleanup()


async def test_the_token_goes_to_no_other_origin(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    """Downloads carry the token to the API's own origin only, and a redirect from there to
    another origin drops it."""
    api_seen: list[tuple[str, str | None]] = []
    other_seen: list[tuple[str, str | None]] = []
    async with contextlib.AsyncExitStack() as hosts:
        other = await hosts.enter_async_context(file_host(other_seen))
        api = await hosts.enter_async_context(file_host(api_seen, redirect_to=f"{other}/file"))
        provider = make_provider(base_url=f"{api}/v1")
        assert await download(provider, f"{api}/file") == b"png"
        assert await download(provider, f"{other}/file") == b"png"
        assert await download(provider, f"{api}/bounce") == b"png"

    token = f"Bearer {FAKE_REPLICATE_TOKEN}"
    assert api_seen == [("/file", token), ("/bounce", token)]
    assert other_seen == [("/file", None), ("/file", None)]


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://api.replicate.com/v1/files/abc", True),
        ("https://pbxt.replicate.delivery/abc/out-0.png", True),
        ("https://replicate.delivery/abc/out-0.png", True),
        ("http://pbxt.replicate.delivery/abc/out-0.png", False),
        ("https://replicate.delivery.example.com/out.png", False),
        ("https://elsewhere.example/out.png", False),
        ("https://api.replicate.com:8443/v1/files/abc", False),
    ],
)
def test_the_token_is_meant_only_for_replicate_hosts(url: str, sent: bool) -> None:
    provider = ReplicateProvider(
        api_token=FAKE_REPLICATE_TOKEN, base_url="https://api.replicate.com/v1"
    )
    assert ("Authorization" in provider._download_headers(url)) is sent


@pytest.mark.parametrize("data_uri", [False, True])
async def test_open_output_refuses_a_file_over_max_bytes(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider], data_uri: bool
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    [png] = server.succeed(prediction_id, data_uri=data_uri)
    [url] = (await provider.poll_status(prediction_id)).outputs

    error = await refusal(download(provider, url, max_bytes=len(png) - 1))

    assert not error.retryable
    assert f"larger than {len(png) - 1} bytes" in error.message
    assert await download(provider, url, max_bytes=len(png)) == png


@pytest.mark.parametrize(("preset", "retryable"), [("500", True), ("503", True), ("404", False)])
async def test_a_failed_download_says_whether_to_retry(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    preset: str,
    retryable: bool,
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.succeed(prediction_id)
    [url] = (await provider.poll_status(prediction_id)).outputs
    server.script("file", preset)

    error = await refusal(download(provider, url))

    assert error.retryable is retryable
    assert preset in error.message


async def test_a_download_stalling_midway_is_retryable(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    async with HttpClient(timeout=0.3) as client:
        provider = make_provider(client=client)
        prediction_id = await provider.render(REQUEST)
        server.succeed(prediction_id)
        [url] = (await provider.poll_status(prediction_id)).outputs
        server.script("file", "stall")
        started = time.monotonic()

        error = await refusal(download(provider, url))

    assert time.monotonic() - started < 5
    assert error.retryable
    assert "did not answer in time" in error.message


async def test_deleted_outputs_are_a_failure(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.succeed(prediction_id)
    server.remove_data(prediction_id)

    status = await provider.poll_status(prediction_id)

    assert status.state is ProviderState.FAILED
    assert status.error is not None
    assert "deleted" in status.error
    assert not status.permanent


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        ("NSFW content detected. Try running it again, or try a different prompt.", True),
        ("Your input was flagged as sensitive (E005)", True),
        ("CUDA out of memory. Tried to allocate 2.00 GiB", False),
    ],
)
async def test_safety_failures_are_permanent(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    error: str,
    permanent: bool,
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.start_processing(prediction_id)
    server.fail(prediction_id, error)

    status = await provider.poll_status(prediction_id)

    assert (status.state, status.error, status.permanent) == (
        ProviderState.FAILED,
        error,
        permanent,
    )


async def test_an_aborted_prediction_failed_but_may_be_retried(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.abort(prediction_id)

    status = await provider.poll_status(prediction_id)

    assert status.state is ProviderState.FAILED
    assert status.state.finished
    assert not status.permanent
    assert status.error == "Replicate aborted the prediction before it started"


async def test_an_unknown_status_is_an_error(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.predictions[prediction_id]["status"] = "hibernating"

    error = await refusal(provider.poll_status(prediction_id))

    assert "hibernating" in error.message
    assert not error.retryable


async def test_cancel_calls_the_cancel_endpoint(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider()
    prediction_id = await provider.render(REQUEST)
    server.start_processing(prediction_id)

    await provider.cancel(prediction_id)

    cancel = server.requests[-1]
    assert (cancel.method, cancel.path) == ("POST", f"/v1/predictions/{prediction_id}/cancel")
    assert cancel.headers["Authorization"] == f"Bearer {FAKE_REPLICATE_TOKEN}"
    status = await provider.poll_status(prediction_id)
    assert status.state is ProviderState.CANCELLED
    await provider.cancel(prediction_id)  # already finished: no error
    await provider.cancel("no-such-prediction")  # 404: no error


async def test_cancel_failures_are_errors(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    server.script("cancel", "500")

    error = await refusal(make_provider().cancel("abc"))

    assert error.retryable
    assert "HTTP 500" in error.message


async def test_polling_an_unknown_prediction_is_not_retryable(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    error = await refusal(make_provider().poll_status("no-such-prediction"))

    assert not error.retryable
    assert "HTTP 404: Not found." in error.message


# ---------------------------------------------------------------------- errors


async def test_server_errors_are_retryable_each_time(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    server.script("create", "500", "503")
    provider = make_provider()

    first = await refusal(provider.render(REQUEST))
    second = await refusal(provider.render(REQUEST))
    prediction_id = await provider.render(REQUEST)

    assert (first.retryable, second.retryable) == (True, True)
    assert "HTTP 500: Internal Server Error: Something went wrong" in first.message
    assert "HTTP 503" in second.message
    assert first.retry_after is None
    assert server.create_calls == 3  # no retries inside the provider
    assert list(server.predictions) == [prediction_id]


@pytest.mark.parametrize(("preset", "wait"), [("429", 2.0), ("429-reset", 5.0)])
async def test_throttling_is_retryable_with_the_wait(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    preset: str,
    wait: float,
) -> None:
    server.script("create", preset)

    error = await refusal(make_provider().render(REQUEST))

    assert error.retryable
    assert error.retry_after == wait
    assert "HTTP 429: Request was throttled" in error.message
    assert server.create_calls == 1


async def test_a_throttle_message_alone_gives_the_wait(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    body = {"detail": "Request was throttled. Expected available in 7 seconds."}
    server.script("create", Behaviour(429, body=body, headers={"ratelimit-reset": ""}))

    error = await refusal(make_provider().render(REQUEST))

    assert (error.retryable, error.retry_after) == (True, 7.0)


async def test_a_refused_token_is_named_but_never_shown(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    token = "r8_SECRET_never_shown_4b1d"

    error = await refusal(make_provider(api_token=token).render(REQUEST))

    assert not error.retryable
    assert "Replicate refused the API token" in error.message
    assert "HTTP 401: Unauthenticated: You did not pass a valid authentication token" in (
        error.message
    )
    assert token not in error.message
    assert token not in repr(error.args)


async def test_a_token_echoed_by_the_server_is_scrubbed(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    server.script("get", Behaviour(403, body={"detail": f"token {FAKE_REPLICATE_TOKEN} is off"}))

    error = await refusal(make_provider().poll_status("abc"))

    assert FAKE_REPLICATE_TOKEN not in error.message
    assert "[redacted]" in error.message


async def test_invalid_input_is_not_retryable(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    server.script("create", "422")

    error = await refusal(make_provider().render(REQUEST))

    assert not error.retryable
    assert "HTTP 422: Input validation failed" in error.message
    assert "num_outputs" in error.message


async def test_the_fake_validates_like_replicate(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    insecure = RenderRequest(
        job_id="job-4", kind=CreativeKind.IMAGE, prompt="x", webhook_url="http://relay.example"
    )

    error = await refusal(make_provider().render(insecure))

    assert not error.retryable
    assert "webhook: must be an HTTPS URL" in error.message


@pytest.mark.parametrize("route", ["create", "get"])
async def test_a_slow_answer_is_retryable(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider], route: str
) -> None:
    async with HttpClient(timeout=0.3) as client:
        provider = make_provider(client=client)
        server.script(route, "slow")
        started = time.monotonic()
        call = provider.render(REQUEST) if route == "create" else provider.poll_status("x")

        error = await refusal(call)

    assert time.monotonic() - started < 5
    assert error.retryable
    assert error.message.startswith("Replicate did not answer in time")


async def test_connection_refused_is_retryable(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    provider = make_provider(base_url=f"http://127.0.0.1:{free_port()}/v1")

    error = await refusal(provider.render(REQUEST))

    assert error.retryable
    assert error.message.startswith("Replicate could not be reached")
    assert FAKE_REPLICATE_TOKEN not in error.message


# ---------------------------------------------------------------------- webhooks


async def test_a_signed_webhook_is_accepted(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    relay: tuple[str, list[WebhookDelivery]],
) -> None:
    url, accepted = relay
    prediction_id = await make_provider().render(REQUEST)
    server.progress(prediction_id, 5, 10)

    status, _ = await server.send_webhook(url, prediction_id, msg_id="msg_abc")

    assert status == 200
    [delivery] = accepted
    assert delivery.delivery_id == "msg_abc"
    assert delivery.status == ProviderStatus(
        provider_job_id=prediction_id,
        state=ProviderState.RUNNING,
        progress=0.5,
        step=5,
        total_steps=10,
        logs=("Using seed: 1234", " 50%|█████     | 5/10 [00:33<00:10, 229.00it/s]"),
    )


@pytest.mark.parametrize(
    "options",
    [
        {"forge": True},
        {"age": 600},
        {"age": -600},
        {"headers": {"webhook-signature": ""}},
        {"headers": {"webhook-id": "", "webhook-timestamp": ""}},
        {"headers": {"webhook-signature": "v1,not base64!"}},
        {"headers": {"webhook-signature": "garbage"}},
    ],
    ids=["forged", "stale", "future", "unsigned", "no-id", "bad-base64", "no-version"],
)
async def test_an_unauthentic_webhook_is_refused_with_401(
    server: FakeReplicateServer,
    make_provider: Callable[..., ReplicateProvider],
    relay: tuple[str, list[WebhookDelivery]],
    options: dict[str, Any],
) -> None:
    url, accepted = relay
    prediction_id = await make_provider().render(REQUEST)

    status, text = await server.send_webhook(url, prediction_id, **options)

    assert status == 401, text
    assert accepted == []


async def test_missing_headers_are_refused_with_401(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await make_provider().handle_webhook({}, b'{"id": "x", "status": "starting"}')

    assert caught.value.status == 401
    assert "webhook-id" in caught.value.message


async def test_an_oversized_webhook_is_refused_with_413(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    body = json.dumps({"id": "x", "status": "processing", "logs": "x" * MiB}).encode()

    with pytest.raises(WebhookRejected) as caught:
        await make_provider().handle_webhook(signed(body), body)

    assert caught.value.status == 413


@pytest.mark.parametrize(
    "body",
    [b'{"id": "x", "status": ', b"[1, 2]", b'{"id": "x"}', b'{"id": "x", "status": "napping"}'],
)
async def test_a_malformed_body_with_a_valid_signature_is_refused_with_400(
    make_provider: Callable[..., ReplicateProvider], body: bytes
) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await make_provider().handle_webhook(signed(body), body)

    assert caught.value.status == 400


async def test_webhook_headers_match_whatever_their_case(
    make_provider: Callable[..., ReplicateProvider],
) -> None:
    body = b'{"id": "p1", "status": "succeeded", "output": ["https://replicate.delivery/o.png"]}'
    headers = {name.upper(): value for name, value in signed(body, msg_id="msg_up").items()}

    delivery = await make_provider().handle_webhook(headers, body)

    assert delivery.delivery_id == "msg_up"
    assert delivery.status.state is ProviderState.SUCCEEDED
    assert delivery.status.outputs == ("https://replicate.delivery/o.png",)


async def test_the_secret_is_fetched_once_for_concurrent_deliveries(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider(webhook_secret=None)
    server.script("secret", Behaviour(delay=0.2))
    bodies = [json.dumps({"id": f"p{i}", "status": "starting"}).encode() for i in range(3)]

    first, second = await asyncio.gather(
        provider.handle_webhook(signed(bodies[0], msg_id="m0"), bodies[0]),
        provider.handle_webhook(signed(bodies[1], msg_id="m1"), bodies[1]),
    )
    third = await provider.handle_webhook(signed(bodies[2], msg_id="m2"), bodies[2])

    assert [d.delivery_id for d in (first, second, third)] == ["m0", "m1", "m2"]
    assert server.secret_calls == 1
    [fetch] = server.requests
    assert (fetch.method, fetch.path) == ("GET", "/v1/webhooks/default/secret")
    assert fetch.headers["Authorization"] == f"Bearer {FAKE_REPLICATE_TOKEN}"


async def test_a_secret_that_cannot_be_fetched_is_a_retryable_error(
    server: FakeReplicateServer, make_provider: Callable[..., ReplicateProvider]
) -> None:
    provider = make_provider(webhook_secret=None)
    server.script("secret", "503")
    body = b'{"id": "p1", "status": "starting"}'

    error = await refusal(provider.handle_webhook(signed(body), body))
    delivery = await provider.handle_webhook(signed(body), body)  # the next one fetches again

    assert error.retryable
    assert delivery.status.state is ProviderState.QUEUED
    assert server.secret_calls == 2


async def test_close_closes_only_a_client_it_created(server: FakeReplicateServer) -> None:
    own = ReplicateProvider(api_token=FAKE_REPLICATE_TOKEN, base_url=server.base_url)
    await own.render(REQUEST)
    client = own._client
    await own.close()
    assert client is not None
    assert client.is_closed

    async with HttpClient() as given:
        lent = ReplicateProvider(
            api_token=FAKE_REPLICATE_TOKEN, base_url=server.base_url, client=given
        )
        await lent.render(REQUEST)
        await lent.close()
        assert not given.is_closed
