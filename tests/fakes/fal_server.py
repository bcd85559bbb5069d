"""A FAKE fal.ai queue, used only in tests: an ``aiohttp.web`` app on ``127.0.0.1``.

It follows fal's documented queue protocol for Pika (provider-apis.md §4): ``Authorization: Key``
(401 with a ``detail`` otherwise), submit at ``POST /{model_id}`` (``?fal_webhook=`` kept for the
completion webhook; v2.2 text-to-video input validated with FastAPI-style 422s), status, result
and cancel under ``/{owner}/{alias}/requests/{id}`` — the model subpath there is a 404, as on
fal — and the documented answers (``IN_QUEUE`` with ``queue_position``, ``IN_PROGRESS`` with
``logs``, ``COMPLETED`` with ``metrics``; a failed request is ``COMPLETED`` too and its result is
an error status with a ``detail``; cancel answers 202 ``CANCELLATION_REQUESTED``, 400
``ALREADY_COMPLETED``, 404 ``NOT_FOUND``). A request cancelled while queued then reports the
third-party status ``CANCELED`` (fal does not document what it shows).

Requests move only when a test says so (:meth:`FakeFalServer.start_running`,
:meth:`FakeFalServer.complete`, :meth:`FakeFalServer.fail`); submits can be scripted
(``server.script("429", "500")``). It serves an Ed25519 JWKS at ``/.well-known/jwks.json``, signs
and sends webhooks exactly as fal describes (with options to forge, age or mis-key them), and
serves the output MP4 itself, so downloads stay on the loopback. Nothing here depends on pytest.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import io
import json
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.fakes.loopback_server import LoopbackServer, Script
from tests.fakes.loopback_server import RecordedRequest as RecordedRequest  # what it records
from tests.samples import mp4

FAKE_FAL_KEY = "fake-key-id:fake-fal-secret-0123456789"
PIKA_MODEL = "fal-ai/pika/v2.2/text-to-video"
FAKE_USER_ID = "fake-fal-user-42"
ALT_PREFIX = "/gateway-v2"
"""Where the fake's alternative request URLs live (see :attr:`FakeFalServer.url_prefix`)."""
_ASPECT_RATIOS = frozenset({"16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"})
_RESOLUTIONS = frozenset({"720p", "1080p"})
_DURATIONS = frozenset({5, 10})


@dataclass(frozen=True)
class Behaviour:
    """What the fake does with one scripted submit.

    Args:
        status: The HTTP status to answer (200 submits normally, after the key check).
        body: The JSON body of a non-200 answer; default ``{"detail": "..."}``.
        headers: Extra response headers.
        delay: Seconds to wait before answering (cut short when the server stops).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


PRESETS: dict[str, Behaviour] = {
    "ok": Behaviour(),
    "slow": Behaviour(delay=30.0),
    "401": Behaviour(401, {"detail": "Invalid API key"}),
    "422": Behaviour(
        422,
        {
            "detail": [
                {"loc": ["body", "prompt"], "msg": "field required", "type": "value_error.missing"}
            ]
        },
    ),
    "429": Behaviour(429, {"detail": "Concurrency limit exceeded"}, headers={"Retry-After": "7"}),
    "500": Behaviour(500, {"detail": "Internal Server Error"}),
    "503": Behaviour(503, {"detail": "Service Unavailable"}),
}


@dataclass
class FakeRequest:
    """One queued request, as the fake holds it."""

    request_id: str
    model_id: str
    app: str  # owner/alias
    input: dict[str, Any]
    webhook_url: str | None
    status: str = "IN_QUEUE"
    logs: list[dict[str, Any]] = field(default_factory=list)
    result_status: int = 200
    result: Any = None
    error_type: str | None = None
    cancel_requested: bool = False


class FakeFalServer(LoopbackServer):
    """A scriptable fake of fal's queue, JWKS and file CDN on ``127.0.0.1`` and a free port;
    ``base_url`` (``http://127.0.0.1:<port>``) is the queue base URL.

    Args:
        api_key: The only key it accepts.
        pad_jwks: Whether the JWKS ``x`` values carry ``=`` padding (the live JWKS was seen so).
    """

    label = "fal"
    client_max_size = 4 * 1024 * 1024

    def __init__(self, *, api_key: str = FAKE_FAL_KEY, pad_jwks: bool = False) -> None:
        super().__init__()
        self.api_key = api_key
        self.pad_jwks = pad_jwks
        self.url_prefix = ""
        """Set to :data:`ALT_PREFIX` to return request URLs that differ from the documented
        ``/{owner}/{alias}/requests/{id}`` ones (served too, like fal's own)."""
        self.signing_key = Ed25519PrivateKey.generate()
        self.published_keys: list[Ed25519PrivateKey] = [self.signing_key]
        self.queue: dict[str, FakeRequest] = {}
        self.files: dict[str, bytes] = {}
        self.file_script: deque[str] = deque()
        """What the next file downloads get: ``"500"``, ``"stall"`` (half, then silence) or
        ``"chunked"`` (no ``Content-Length``)."""
        self._script = Script(PRESETS)

    # ------------------------------------------------------------------ lifecycle and URLs

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    @property
    def video_url(self) -> str:
        return f"{self.base_url}/files/output.mp4"

    @property
    def jwks_fetches(self) -> int:
        return sum(1 for r in self.requests if r.path == "/.well-known/jwks.json")

    async def start(self) -> Self:
        if "output.mp4" not in self.files:
            self.files["output.mp4"] = await asyncio.to_thread(_tiny_mp4)
        return await super().start()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/.well-known/jwks.json", self._jwks)
        router.add_get("/files/{name}", self._file)
        for prefix in ("", ALT_PREFIX):
            base = prefix + "/{owner}/{alias}/requests/{request_id}"
            router.add_get(base + "/status", self._status)
            router.add_get(base, self._result)
            router.add_put(base + "/cancel", self._cancel)
        router.add_post("/{model_id:.+}", self._submit)
        router.add_route("*", "/{anything:.*}", self._not_found)

    # ------------------------------------------------------------------ test control

    def script(self, *behaviours: str | Behaviour) -> None:
        """Queue what the next submits get, one each (preset names are keys of
        :data:`PRESETS`); once the queue is empty, submits are answered normally."""
        self._script.extend(behaviours)

    def start_running(self, request_id: str, *messages: str) -> None:
        """Move a queued request to ``IN_PROGRESS``, with log lines."""
        req = self.queue[request_id]
        req.status = "IN_PROGRESS"
        for message in messages:
            self.log(request_id, message)

    def log(self, request_id: str, message: str, level: str = "INFO") -> None:
        self.queue[request_id].logs.append(
            {"message": message, "level": level, "source": "USER", "timestamp": _iso_now()}
        )

    async def complete(
        self, request_id: str, *, result: Any = None, deliver: bool = True
    ) -> int | None:
        """Finish a request successfully (default result: the served MP4) and, when it was
        submitted with a webhook and ``deliver`` is true, POST the signed completion webhook.

        Returns:
            The HTTP status the webhook receiver answered, or ``None`` when none was sent.
        """
        req = self.queue[request_id]
        req.status, req.result_status = "COMPLETED", 200
        req.result = result if result is not None else self.video_result()
        return await self._deliver(req) if deliver else None

    async def fail(
        self,
        request_id: str,
        *,
        status: int = 422,
        detail: Any = "Invalid input",
        error_type: str | None = None,
        deliver: bool = True,
    ) -> int | None:
        """Finish a request with a failure: ``COMPLETED``, but the result is ``status`` with
        ``{"detail": ...}`` (and ``error_type``/``X-Fal-Error-Type`` when given)."""
        req = self.queue[request_id]
        req.status, req.result_status, req.error_type = "COMPLETED", status, error_type
        req.result = {"detail": detail} | ({"error_type": error_type} if error_type else {})
        return await self._deliver(req) if deliver else None

    def video_result(self, name: str = "output.mp4") -> dict[str, Any]:
        """The documented result ``{"video": {...}}`` for a served file."""
        data = self.files[name]
        url = f"{self.base_url}/files/{name}"
        video = {"url": url, "content_type": "video/mp4", "file_name": name}
        return {"video": video | {"file_size": len(data)}}

    def rotate_key(self, *, keep_old: bool = True) -> Ed25519PrivateKey:
        """Sign with a new key from now on and publish it (the old one stays published when
        ``keep_old``)."""
        self.signing_key = Ed25519PrivateKey.generate()
        kept = self.published_keys if keep_old else []
        self.published_keys = [*kept, self.signing_key]
        return self.signing_key

    # ------------------------------------------------------------------ webhooks

    def webhook_body(self, request_id: str) -> bytes:
        """The completion webhook fal sends for a finished request (§4.3)."""
        req = self.queue[request_id]
        doc: dict[str, Any] = {"request_id": request_id, "gateway_request_id": request_id}
        if req.result_status == 200:
            doc |= {"status": "OK", "payload": req.result}
        else:
            detail = req.result if isinstance(req.result, dict) else None
            doc |= {"status": "ERROR", "error": f"Invalid status code: {req.result_status}"}
            doc["payload"] = detail
        return json.dumps(doc).encode()

    def signed_headers(
        self,
        request_id: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        key: Ed25519PrivateKey | None = None,
        forge: bool = False,
        user_id: str = FAKE_USER_ID,
    ) -> dict[str, str]:
        """The four ``X-Fal-Webhook-*`` headers for ``body``; ``forge`` sends 64 random bytes
        as the signature, ``key`` signs with another key, ``timestamp`` dates it."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        digest = hashlib.sha256(body).hexdigest()
        message = f"{request_id}\n{user_id}\n{stamp}\n{digest}".encode()
        signature = (key or self.signing_key).sign(message)
        if forge:
            signature = uuid.uuid4().bytes * 4
        return {
            "Content-Type": "application/json",
            "X-Fal-Webhook-Request-Id": request_id,
            "X-Fal-Webhook-User-Id": user_id,
            "X-Fal-Webhook-Timestamp": stamp,
            "X-Fal-Webhook-Signature": signature.hex(),
        }

    async def send_webhook(
        self,
        url: str,
        request_id: str,
        body: bytes | None = None,
        **signing: Any,
    ) -> int:
        """POST a signed webhook for ``request_id`` (default body: its completion payload) to
        ``url``; ``signing`` goes to :meth:`signed_headers`. Returns the answer's status."""
        payload = self.webhook_body(request_id) if body is None else body
        headers = self.signed_headers(request_id, payload, **signing)
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            # A stream, not bytes: aiohttp warns about big raw bodies blocking the loop.
            session.post(url, data=io.BytesIO(payload), headers=headers) as answer,
        ):
            await answer.read()
            return answer.status

    async def _deliver(self, req: FakeRequest) -> int | None:
        if req.webhook_url is None:
            return None
        return await self.send_webhook(req.webhook_url, req.request_id)

    # ------------------------------------------------------------------ handlers

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") == f"Key {self.api_key}":
            return None
        return web.json_response({"detail": "No user found for Key ID and Secret"}, status=401)

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        behaviour = await self._next(self._script)
        if behaviour.status != 200:
            answer = behaviour.body if behaviour.body is not None else {"detail": "error"}
            return web.json_response(answer, status=behaviour.status, headers=behaviour.headers)
        refused = self._refused(request)
        if refused is not None:
            return refused
        model_id = request.match_info["model_id"]
        parts = model_id.split("/")
        if model_id != PIKA_MODEL:
            return web.json_response({"detail": f"Application '{model_id}' not found"}, status=404)
        problems = _validate(body)
        if problems:
            return web.json_response({"detail": problems}, status=422)
        request_id = str(uuid.uuid4())
        webhook = request.query.get("fal_webhook")  # aiohttp decodes it
        req = FakeRequest(request_id, model_id, f"{parts[0]}/{parts[1]}", body, webhook)
        position = sum(1 for r in self.queue.values() if r.status == "IN_QUEUE")
        self.queue[request_id] = req
        answer = {"status": "IN_QUEUE", "request_id": request_id}
        answer |= {"gateway_request_id": request_id, "queue_position": position}
        return web.json_response(answer | self._urls(req))

    async def _status(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        req, problem = self._lookup(request)
        if req is None:
            return problem
        answer: dict[str, Any] = {"status": req.status, "request_id": req.request_id}
        answer |= self._urls(req)
        if req.status == "IN_QUEUE":
            queued = [r for r in self.queue.values() if r.status == "IN_QUEUE"]
            answer["queue_position"] = queued.index(req)
        elif request.query.get("logs") == "1":
            answer["logs"] = list(req.logs)
        if req.status == "COMPLETED":
            answer["metrics"] = {"inference_time": 41.2}
        return web.json_response(answer)

    async def _result(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        req, problem = self._lookup(request)
        if req is None:
            return problem
        if req.status != "COMPLETED":
            return web.json_response({"detail": "Request is still in progress"}, status=400)
        headers = {"X-Fal-Error-Type": req.error_type} if req.error_type else {}
        return web.json_response(req.result, status=req.result_status, headers=headers)

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        req, problem = self._lookup(request)
        if req is None:
            if problem.status == 404:
                return web.json_response({"status": "NOT_FOUND"}, status=404)
            return problem
        if req.status in ("COMPLETED", "CANCELED"):
            return web.json_response({"status": "ALREADY_COMPLETED"}, status=400)
        req.cancel_requested = True
        if req.status == "IN_QUEUE":
            req.status = "CANCELED"  # removed from the queue
        return web.json_response({"status": "CANCELLATION_REQUESTED"}, status=202)

    async def _jwks(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        keys = []
        for private in self.published_keys:
            raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            x = base64.urlsafe_b64encode(raw).decode()
            keys.append(
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "use": "sig",
                    "kid": hashlib.sha256(raw).hexdigest()[:16],
                    "x": x if self.pad_jwks else x.rstrip("="),
                }
            )
        return web.json_response({"keys": keys})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        data = self.files.get(request.match_info["name"])
        if data is None:
            return web.json_response({"detail": "Not Found"}, status=404)
        behaviour = self.file_script.popleft() if self.file_script else "ok"
        if behaviour == "500":
            return web.json_response({"detail": "Internal Server Error"}, status=500)
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        if behaviour == "chunked":
            response.enable_chunked_encoding()
        else:
            response.content_length = len(data)
        await response.prepare(request)
        if behaviour == "stall":
            await response.write(data[: len(data) // 2])
            await self._wait(30.0)
            return response
        await response.write(data)
        await response.write_eof()
        return response

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        return web.json_response({"detail": "Not Found"}, status=404)

    def _lookup(self, request: web.Request) -> tuple[FakeRequest | None, web.Response]:
        refused = self._refused(request)
        if refused is not None:
            return None, refused
        info = request.match_info
        req = self.queue.get(info["request_id"])
        app = f"{info['owner']}/{info['alias']}"
        if req is None or req.app != app:
            return None, web.json_response({"detail": "Request not found"}, status=404)
        return req, web.json_response({})

    def _urls(self, req: FakeRequest) -> dict[str, str]:
        base = f"{self.base_url}{self.url_prefix}/{req.app}/requests/{req.request_id}"
        return {
            "response_url": base,
            "status_url": f"{base}/status",
            "cancel_url": f"{base}/cancel",
        }


def _validate(body: Any) -> list[dict[str, Any]]:
    """FastAPI-style problems with a v2.2 text-to-video input (§4.1)."""
    if not isinstance(body, dict):
        return [{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}]
    problems = []

    def problem(name: str, msg: str, kind: str = "value_error") -> None:
        problems.append({"loc": ["body", name], "msg": msg, "type": kind})

    if not isinstance(body.get("prompt"), str) or not body["prompt"]:
        problem("prompt", "field required", "value_error.missing")
    if body.get("aspect_ratio", "16:9") not in _ASPECT_RATIOS:
        problem("aspect_ratio", "unexpected value")
    if body.get("resolution", "720p") not in _RESOLUTIONS:
        problem("resolution", "unexpected value")
    if body.get("duration", 5) not in _DURATIONS:
        problem("duration", "unexpected value")
    if "seed" in body and (isinstance(body["seed"], bool) or not isinstance(body["seed"], int)):
        problem("seed", "value is not a valid integer", "type_error.integer")
    return problems


@functools.cache
def _tiny_mp4() -> bytes:
    """A real, tiny H.264 MP4 (made with ``imageio_ffmpeg.write_frames``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = mp4(Path(folder) / "output.mp4", seconds=0.5, size=(64, 48))
        return path.read_bytes()


def _iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".000000"
