"""The Pika provider (fal's queue) against a FAKE fal server on a loopback port."""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.adapters.providers.fal_webhooks import MAX_WEBHOOK_BYTES
from app.adapters.providers.http_client import HttpClient
from app.adapters.providers.pika_provider import PikaProvider
from app.domain import CreativeKind
from app.domain.errors import ConfigurationError, ProviderError, WebhookRejected
from app.ports.render_provider import (
    ProviderState,
    RenderProvider,
    RenderRequest,
    WebhookDelivery,
)
from tests.fakes.fal_server import ALT_PREFIX, FAKE_FAL_KEY, Behaviour, FakeFalServer

PROMPT = "A paper boat sails across a sunny puddle, slow motion"
APP_PATH = "/fal-ai/pika/requests"


class FakeClock:
    """Unix time that moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Receiver:
    """A webhook endpoint on the loopback that hands deliveries to the provider, answering
    200 or the status of :class:`WebhookRejected`, as the app's relay does."""

    def __init__(self, provider: PikaProvider) -> None:
        self.provider = provider
        self.deliveries: list[WebhookDelivery] = []
        self.rejections: list[WebhookRejected] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * MAX_WEBHOOK_BYTES)  # the provider decides
        app.router.add_post("/hooks/pika/{job_id}", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hooks/pika/job-1"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            delivery = await self.provider.handle_webhook(dict(request.headers), body)
        except WebhookRejected as exc:
            self.rejections.append(exc)
            return web.Response(status=exc.status, text=exc.message)
        self.deliveries.append(delivery)
        return web.Response(status=200)


@pytest.fixture
async def server() -> AsyncIterator[FakeFalServer]:
    async with FakeFalServer() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def make_provider(
    server: FakeFalServer, clock: FakeClock
) -> AsyncIterator[Callable[..., PikaProvider]]:
    """Builds providers pointed at the fake (by default) and closes them all after the test."""
    made: list[PikaProvider] = []

    def make(**options: Any) -> PikaProvider:
        options.setdefault("fal_key", FAKE_FAL_KEY)
        options.setdefault("queue_base_url", server.base_url)
        options.setdefault("jwks_url", server.jwks_url)
        options.setdefault("clock", clock)
        provider = PikaProvider(**options)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
async def provider(make_provider: Callable[..., PikaProvider]) -> PikaProvider:
    return make_provider()


@pytest.fixture
async def receiver(provider: PikaProvider) -> AsyncIterator[Receiver]:
    hook = Receiver(provider)
    await hook.start()
    yield hook
    await hook.stop()


def video(webhook_url: str | None = None, **params: Any) -> RenderRequest:
    return RenderRequest(
        job_id="job-1",
        kind=CreativeKind.VIDEO,
        prompt=PROMPT,
        params=params,
        webhook_url=webhook_url,
    )


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def refusal(provider: PikaProvider, request: RenderRequest | None = None) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await provider.render(request or video())
    return caught.value


async def download(provider: PikaProvider, url: str, max_bytes: int = 10_000_000) -> bytes:
    return b"".join([chunk async for chunk in provider.open_output(url, max_bytes=max_bytes)])


# ---------------------------------------------------------------------------- settings


def test_implements_the_port() -> None:
    provider: RenderProvider = PikaProvider(fal_key="secret-key")
    assert (provider.name, provider.supports_webhooks) == ("pika", True)
    assert (provider.max_concurrency, provider.poll_interval) == (2, 3.0)
    assert provider.can_render(CreativeKind.VIDEO)
    assert not provider.can_render(CreativeKind.IMAGE)
    assert not provider.can_render(CreativeKind.TEXT)
    assert "secret-key" not in repr(provider)
    assert "fal-ai/pika/v2.2/text-to-video" in repr(provider)


@pytest.mark.parametrize(
    "options",
    [{"fal_key": ""}, {"fal_key": "key with space"}, {"model_id": "pika"}, {"model_id": "a//b"}],
)
def test_unusable_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        PikaProvider(**{"fal_key": "key", **options})


# ---------------------------------------------------------------------------- submit


async def test_submit_sends_the_key_and_the_model_input(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    request = RenderRequest(
        "job-1", CreativeKind.VIDEO, PROMPT, params={"aspect_ratio": "9:16"}, seed=7
    )
    job_id = await provider.render(request)

    assert job_id in server.queue
    [sent] = server.requests
    assert (sent.method, sent.path, sent.query) == ("POST", "/fal-ai/pika/v2.2/text-to-video", "")
    assert sent.headers["Authorization"] == f"Key {FAKE_FAL_KEY}"
    assert sent.json == {"prompt": PROMPT, "aspect_ratio": "9:16", "seed": 7}


async def test_the_webhook_url_travels_url_encoded(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    hook = "https://relay.example.com/hooks/pika/job-1?tenant=a&sig=x/y"
    job_id = await provider.render(video(webhook_url=hook))

    query = server.requests[-1].query
    assert query == "fal_webhook=" + urllib.parse.quote(hook, safe="")
    assert query.startswith("fal_webhook=https%3A%2F%2Frelay.example.com%2Fhooks")
    assert server.queue[job_id].webhook_url == hook


async def test_only_videos_are_submitted(provider: PikaProvider, server: FakeFalServer) -> None:
    error = await refusal(provider, RenderRequest("job-1", CreativeKind.IMAGE, PROMPT))
    assert not error.retryable
    assert server.requests == []


@pytest.mark.parametrize(("script", "retry_after"), [("429", 7.0), ("500", None), ("503", None)])
async def test_rate_limits_and_server_errors_are_retryable(
    provider: PikaProvider, server: FakeFalServer, script: str, retry_after: float | None
) -> None:
    server.script(script)
    error = await refusal(provider)
    assert error.retryable
    assert error.retry_after == retry_after
    assert f"HTTP {script}" in error.message
    assert "Pika" in error.message


async def test_a_refused_key_is_not_retryable_and_not_shown(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    error = await refusal(make_provider(fal_key="wrong-key:secret"))
    assert not error.retryable
    assert "HTTP 401" in error.message
    assert "wrong-key" not in error.message

    server.script(Behaviour(401, {"detail": f"Key {FAKE_FAL_KEY} is revoked"}))
    error = await refusal(make_provider())
    assert FAKE_FAL_KEY not in error.message
    assert "[redacted]" in error.message


async def test_invalid_input_is_not_retryable(provider: PikaProvider) -> None:
    error = await refusal(provider, video(aspect_ratio="7:3", duration=12))
    assert not error.retryable
    assert "HTTP 422" in error.message
    assert "body.aspect_ratio: unexpected value" in error.message
    assert "body.duration" in error.message


async def test_a_scripted_422_is_not_retryable(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    server.script("422")
    error = await refusal(provider)
    assert not error.retryable
    assert "body.prompt: field required" in error.message


async def test_timeouts_and_refused_connections_are_retryable(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    async with HttpClient(timeout=0.3) as client:
        server.script("slow")
        started = time.monotonic()
        error = await refusal(make_provider(client=client))
        assert error.retryable
        assert time.monotonic() - started < 5

    error = await refusal(make_provider(queue_base_url=f"http://127.0.0.1:{free_port()}"))
    assert error.retryable
    assert FAKE_FAL_KEY not in error.message


# ---------------------------------------------------------------------------- status


async def test_a_new_process_polls_and_cancels_with_the_id_alone(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    first = make_provider()
    job_id = await first.render(video())
    await first.close()  # the process that submitted is gone

    second = make_provider()
    status = await second.poll_status(job_id)
    assert (status.provider_job_id, status.state) == (job_id, ProviderState.QUEUED)
    assert status.logs == ("waiting in fal's queue at position 0",)
    poll = server.requests[-1]
    # Status, result and cancel drop the model's subpath (§4.2).
    assert (poll.method, poll.path, poll.query) == ("GET", f"{APP_PATH}/{job_id}/status", "logs=1")
    assert poll.headers["Authorization"] == f"Key {FAKE_FAL_KEY}"

    server.start_running(job_id, "Loading model")
    await second.cancel(job_id)
    cancel = server.requests[-1]
    assert (cancel.method, cancel.path) == ("PUT", f"{APP_PATH}/{job_id}/cancel")
    assert server.queue[job_id].cancel_requested
    # A running request only gets a signal; the model may go on (§4.2).
    assert (await second.poll_status(job_id)).state is ProviderState.RUNNING


async def test_other_returned_urls_are_kept_in_the_id(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    server.url_prefix = ALT_PREFIX
    job_id = await make_provider().render(video())
    request_id = job_id.split("|")[0]
    assert request_id in server.queue
    assert job_id.count("|") == 3

    resumed = make_provider()
    await server.complete(request_id)
    status = await resumed.poll_status(job_id)
    assert status.state is ProviderState.SUCCEEDED
    where = f"{ALT_PREFIX}{APP_PATH}/{request_id}"
    assert [r.path for r in server.requests[-2:]] == [f"{where}/status", where]
    await resumed.cancel(job_id)  # already completed: not an error
    assert server.requests[-1].path == f"{where}/cancel"


@pytest.mark.parametrize(
    "job_id",
    [
        "../../etc/passwd",
        "",
        "abc|def",
        "abc|http://evil.example/s|http://evil.example/r|http://evil.example/c",
    ],
)
async def test_foreign_job_ids_are_refused_without_a_request(
    provider: PikaProvider, server: FakeFalServer, job_id: str
) -> None:
    with pytest.raises(ProviderError):
        await provider.poll_status(job_id)
    with pytest.raises(ProviderError):
        await provider.cancel(job_id)
    assert server.requests == []


async def test_queue_position_and_logs(provider: PikaProvider, server: FakeFalServer) -> None:
    first = await provider.render(video())
    second = await provider.render(video())
    assert (await provider.poll_status(second)).logs == ("waiting in fal's queue at position 1",)

    server.start_running(first, "Loading model", "Rendering frames")
    server.log(first, "Frame budget low", level="WARN")
    status = await provider.poll_status(first)
    assert status.state is ProviderState.RUNNING
    assert status.logs == ("INFO Loading model", "INFO Rendering frames", "WARN Frame budget low")
    assert status.progress is None  # Pika publishes no percentage (§4.2)
    assert (await provider.poll_status(second)).logs == ("waiting in fal's queue at position 0",)


async def test_completed_with_a_video_succeeds(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    server.start_running(job_id, "Rendering frames")
    await server.complete(job_id)

    status = await provider.poll_status(job_id)
    assert status.state is ProviderState.SUCCEEDED
    assert status.outputs == (server.video_url,)
    assert status.logs == ("INFO Rendering frames", "inference took 41.2 s")
    assert server.requests[-1].path == f"{APP_PATH}/{job_id}"


@pytest.mark.parametrize(
    ("status", "detail", "error_type", "permanent", "said"),
    [
        (
            422,
            [{"loc": ["body", "prompt"], "msg": "flagged by the content checker", "type": "x"}],
            None,
            True,
            "HTTP 422: body.prompt: flagged by the content checker",
        ),
        (400, "Unsupported input", None, True, "HTTP 400: Unsupported input"),
        (500, "Runner crashed", "runner_disconnected", False, "runner_disconnected: Runner"),
        (504, "Timed out", "request_timeout", False, "HTTP 504, request_timeout"),
    ],
)
async def test_completed_with_an_error_fails(
    provider: PikaProvider,
    server: FakeFalServer,
    status: int,
    detail: Any,
    error_type: str | None,
    permanent: bool,
    said: str,
) -> None:
    job_id = await provider.render(video())
    await server.fail(job_id, status=status, detail=detail, error_type=error_type)

    result = await provider.poll_status(job_id)
    assert result.state is ProviderState.FAILED
    assert result.permanent is permanent
    assert result.error is not None
    assert said in result.error
    assert result.outputs == ()


async def test_completed_without_a_video_fails(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    await server.complete(job_id, result={"images": []})

    status = await provider.poll_status(job_id)
    assert status.state is ProviderState.FAILED
    assert not status.permanent
    assert status.error is not None
    assert "no video" in status.error


async def test_a_bare_gateway_error_on_the_result_is_retried_not_failed(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    await server.fail(job_id, status=502, detail=None)
    with pytest.raises(ProviderError) as caught:
        await provider.poll_status(job_id)
    assert caught.value.retryable


async def test_polling_errors(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    provider = make_provider()
    job_id = await provider.render(video())
    with pytest.raises(ProviderError) as caught:
        await make_provider(fal_key="wrong:key").poll_status(job_id)
    assert not caught.value.retryable
    with pytest.raises(ProviderError) as caught:
        await provider.poll_status("0a1b2c3d-unknown")
    assert not caught.value.retryable
    assert "HTTP 404" in caught.value.message


# ---------------------------------------------------------------------------- cancel


async def test_cancel_in_the_queue_then_reports_cancelled(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    await provider.cancel(job_id)
    assert (await provider.poll_status(job_id)).state is ProviderState.CANCELLED


async def test_cancelling_a_finished_or_unknown_request_is_not_an_error(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    await server.complete(job_id)
    await provider.cancel(job_id)
    assert [r.method for r in server.requests[-1:]] == ["PUT"]
    await provider.cancel("0a1b2c3d-gone")  # NOT_FOUND


async def test_cancel_with_a_refused_key_raises(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    job_id = await make_provider().render(video())
    with pytest.raises(ProviderError) as caught:
        await make_provider(fal_key="wrong:key").cancel(job_id)
    assert "HTTP 401" in caught.value.message


# ---------------------------------------------------------------------------- webhooks


async def test_a_completion_webhook_is_accepted(
    provider: PikaProvider, server: FakeFalServer, receiver: Receiver
) -> None:
    job_id = await provider.render(video(webhook_url=receiver.url))
    assert await server.complete(job_id) == 200

    [delivery] = receiver.deliveries
    assert delivery.delivery_id == job_id
    assert delivery.status.provider_job_id == job_id  # the id render() returned
    assert delivery.status.state is ProviderState.SUCCEEDED
    assert delivery.status.outputs == (server.video_url,)

    # fal retries until acknowledged: a second delivery has the same id (a duplicate).
    assert await server.send_webhook(receiver.url, job_id) == 200
    assert receiver.deliveries[1].delivery_id == delivery.delivery_id


async def test_an_error_webhook_reports_a_failure(
    provider: PikaProvider, server: FakeFalServer, receiver: Receiver
) -> None:
    job_id = await provider.render(video(webhook_url=receiver.url))
    detail = [{"loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"}]
    assert await server.fail(job_id, status=422, detail=detail) == 200

    status = receiver.deliveries[0].status
    assert status.state is ProviderState.FAILED
    assert status.permanent
    assert status.error is not None
    assert "Invalid status code: 422" in status.error
    assert "body.prompt: field required" in status.error


async def test_an_unserialisable_payload_leaves_the_result_to_polling(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    body = json.dumps(
        {"request_id": job_id, "status": "OK", "payload": None, "payload_error": "too big"}
    ).encode()
    delivery = await provider.handle_webhook(server.signed_headers(job_id, body), body)
    assert delivery.status.state is ProviderState.RUNNING
    assert "too big" in delivery.status.logs[0]


@pytest.mark.parametrize(
    ("signing", "status"),
    [
        ({"forge": True}, 401),
        ({"key": Ed25519PrivateKey.generate()}, 401),
        ({"timestamp": -301}, 401),  # offsets from now, made absolute below
        ({"timestamp": 301}, 401),
    ],
)
async def test_bad_signatures_and_stale_timestamps_are_rejected(
    provider: PikaProvider,
    server: FakeFalServer,
    receiver: Receiver,
    clock: FakeClock,
    signing: dict[str, Any],
    status: int,
) -> None:
    job_id = await provider.render(video())
    await server.complete(job_id, deliver=False)
    clock.now = time.time()
    if "timestamp" in signing:
        signing = signing | {"timestamp": int(clock.now) + signing["timestamp"]}
    assert await server.send_webhook(receiver.url, job_id, **signing) == status
    assert receiver.deliveries == []


async def test_a_timestamp_just_within_tolerance_is_accepted(
    provider: PikaProvider, server: FakeFalServer, clock: FakeClock
) -> None:
    job_id = await provider.render(video())
    await server.complete(job_id, deliver=False)
    body = server.webhook_body(job_id)
    headers = server.signed_headers(job_id, body, timestamp=int(clock.now) - 299)
    assert (await provider.handle_webhook(headers, body)).delivery_id == job_id


async def test_a_signature_over_other_bytes_is_rejected(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    job_id = await provider.render(video())
    await server.complete(job_id, deliver=False)
    body = server.webhook_body(job_id)
    headers = server.signed_headers(job_id, body)
    tampered = body.replace(b'"OK"', b'"ERROR"')
    with pytest.raises(WebhookRejected) as caught:
        await provider.handle_webhook(headers, tampered)
    assert caught.value.status == 401
    other_user = headers | {"X-Fal-Webhook-User-Id": "someone-else"}
    with pytest.raises(WebhookRejected):
        await provider.handle_webhook(other_user, body)


@pytest.mark.parametrize(
    "header",
    [
        "X-Fal-Webhook-Request-Id",
        "X-Fal-Webhook-User-Id",
        "X-Fal-Webhook-Timestamp",
        "X-Fal-Webhook-Signature",
    ],
)
async def test_a_missing_header_is_rejected(
    provider: PikaProvider, server: FakeFalServer, header: str
) -> None:
    body = b'{"request_id": "r-1", "status": "OK", "payload": {}}'
    headers = server.signed_headers("r-1", body)
    del headers[header]
    with pytest.raises(WebhookRejected) as caught:
        await provider.handle_webhook(headers, body)
    assert (caught.value.status, header in caught.value.message) == (401, True)


@pytest.mark.parametrize(
    ("signature", "timestamp"), [("zz" * 64, None), ("ab" * 10, None), (None, "soon")]
)
async def test_malformed_signature_headers_are_rejected(
    provider: PikaProvider, server: FakeFalServer, signature: str | None, timestamp: str | None
) -> None:
    body = b"{}"
    headers = server.signed_headers("r-1", body)
    if signature is not None:
        headers["X-Fal-Webhook-Signature"] = signature
    if timestamp is not None:
        headers["X-Fal-Webhook-Timestamp"] = timestamp
    with pytest.raises(WebhookRejected) as caught:
        await provider.handle_webhook(headers, body)
    assert caught.value.status == 401


async def test_an_oversized_body_is_rejected(
    provider: PikaProvider, server: FakeFalServer, receiver: Receiver
) -> None:
    job_id = await provider.render(video())
    body = b'{"request_id": "%s", "status": "OK", "pad": "' % job_id.encode()
    body += b"x" * MAX_WEBHOOK_BYTES + b'"}'
    assert await server.send_webhook(receiver.url, job_id, body) == 413
    assert server.jwks_fetches == 0  # refused before any key is fetched


@pytest.mark.parametrize(
    "body",
    [
        b'{"request_id": "R", "status": "OK", "payload": ',
        b"[1, 2, 3]",
        b'{"request_id": "R", "status": "MAYBE"}',
        b'{"request_id": "someone-else", "status": "OK", "payload": {}}',
        b"\xff\xfe",
    ],
)
async def test_a_signed_malformed_body_is_rejected(
    provider: PikaProvider, server: FakeFalServer, receiver: Receiver, body: bytes
) -> None:
    job_id = await provider.render(video())
    body = body.replace(b'"R"', json.dumps(job_id).encode())
    assert await server.send_webhook(receiver.url, job_id, body) == 400


# ---------------------------------------------------------------------------- the JWKS


async def deliver(provider: PikaProvider, server: FakeFalServer, clock: FakeClock) -> str:
    """A fresh request, completed, and its webhook handed to the provider; its request id."""
    job_id = await provider.render(video())
    await server.complete(job_id, deliver=False)
    body = server.webhook_body(job_id)
    headers = server.signed_headers(job_id, body, timestamp=int(clock.now))
    return (await provider.handle_webhook(headers, body)).delivery_id


async def test_the_jwks_is_fetched_once_for_several_deliveries(
    provider: PikaProvider, server: FakeFalServer, clock: FakeClock
) -> None:
    for _ in range(3):
        await deliver(provider, server, clock)
    assert server.jwks_fetches == 1
    jwks = next(r for r in server.requests if r.path.endswith("jwks.json"))
    assert "Authorization" not in jwks.headers  # the key goes to the queue only

    clock.now += 24 * 3600 + 1  # the cache lives 24 h at most
    await deliver(provider, server, clock)
    assert server.jwks_fetches == 2


async def test_a_new_key_makes_the_jwks_be_fetched_again(
    provider: PikaProvider, server: FakeFalServer, clock: FakeClock
) -> None:
    await deliver(provider, server, clock)
    server.rotate_key(keep_old=False)

    # Within a minute of the last fetch, an unknown key is not worth another fetch: fal retries
    # the delivery later.
    with pytest.raises(WebhookRejected):
        await deliver(provider, server, clock)
    assert server.jwks_fetches == 1

    clock.now += 61
    await deliver(provider, server, clock)
    assert server.jwks_fetches == 2
    await deliver(provider, server, clock)
    assert server.jwks_fetches == 2


async def test_forged_deliveries_cannot_hammer_the_jwks(
    provider: PikaProvider, server: FakeFalServer, clock: FakeClock
) -> None:
    await deliver(provider, server, clock)
    body = b'{"request_id": "r-1", "status": "OK", "payload": {}}'
    for _ in range(5):
        headers = server.signed_headers("r-1", body, timestamp=int(clock.now), forge=True)
        with pytest.raises(WebhookRejected):
            await provider.handle_webhook(headers, body)
    assert server.jwks_fetches == 1


async def test_padded_jwks_keys_are_read(
    make_provider: Callable[..., PikaProvider], clock: FakeClock
) -> None:
    async with FakeFalServer(pad_jwks=True) as padded:
        provider = make_provider(queue_base_url=padded.base_url, jwks_url=padded.jwks_url)
        assert await deliver(provider, padded, clock)
        async with HttpClient() as client:
            jwks = (await client.request("GET", padded.jwks_url)).json()
        assert jwks["keys"][0]["x"].endswith("=")


async def test_an_unreachable_jwks_answers_503(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer, clock: FakeClock
) -> None:
    provider = make_provider(jwks_url=f"http://127.0.0.1:{free_port()}/.well-known/jwks.json")
    with pytest.raises(WebhookRejected) as caught:
        await deliver(provider, server, clock)
    assert caught.value.status == 503


# ---------------------------------------------------------------------------- outputs


async def test_the_output_mp4_is_streamed_without_the_key(
    provider: PikaProvider, server: FakeFalServer
) -> None:
    data = await download(provider, server.video_url)
    assert data == server.files["output.mp4"]
    assert data[4:8] == b"ftyp"
    assert "Authorization" not in server.requests[-1].headers


@pytest.mark.parametrize("served", ["ok", "chunked"])
async def test_an_output_over_the_cap_is_refused(
    provider: PikaProvider, server: FakeFalServer, served: str
) -> None:
    server.file_script.append(served)
    with pytest.raises(ProviderError) as caught:
        await download(provider, server.video_url, max_bytes=len(server.files["output.mp4"]) - 1)
    assert not caught.value.retryable
    assert "larger than the limit" in caught.value.message


async def test_data_uri_outputs(provider: PikaProvider) -> None:
    payload = bytes(range(256)) * 600
    url = "data:video/mp4;base64," + base64.b64encode(payload).decode()
    assert await download(provider, url) == payload
    with pytest.raises(ProviderError):
        await download(provider, url, max_bytes=1000)
    with pytest.raises(ProviderError):
        await download(provider, "data:video/mp4;base64,@@@")


async def test_download_failures(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    provider = make_provider()
    server.file_script.append("500")
    with pytest.raises(ProviderError) as caught:
        await download(provider, server.video_url)
    assert caught.value.retryable

    with pytest.raises(ProviderError) as caught:
        await download(provider, f"{server.base_url}/files/expired.mp4")
    assert not caught.value.retryable

    async with HttpClient(timeout=0.3) as client:
        server.file_script.append("stall")
        with pytest.raises(ProviderError) as caught:
            await download(make_provider(client=client), server.video_url)
        assert caught.value.retryable


# ---------------------------------------------------------------------------- close


async def test_close_leaves_a_passed_client_open(
    make_provider: Callable[..., PikaProvider], server: FakeFalServer
) -> None:
    async with HttpClient() as client:
        provider = make_provider(client=client)
        await provider.render(video())
        await provider.close()
        assert not client.is_closed

    own = make_provider()
    await own.render(video())
    await own.close()
    await own.close()  # twice is fine
