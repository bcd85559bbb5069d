"""A FAKE Replicate server, used only in tests: an ``aiohttp.web`` app on ``127.0.0.1``.

It speaks the documented protocol of ``https://api.replicate.com/v1`` (``docs/provider-apis.md``
§1): Bearer auth with the recorded 401 problem body, create through
``/v1/models/{owner}/{name}/predictions`` (no ``version``) or ``/v1/predictions`` (``version``
required), ``GET /v1/predictions/{id}``, ``POST /v1/predictions/{id}/cancel``,
``GET /v1/webhooks/default/secret``, prediction objects with the documented fields, RFC 7807
error bodies and ``ratelimit-*`` headers. Output files are served at ``/files/<name>`` (with
the ``Authorization`` header the spec asks for). Tests drive predictions (``start``,
``progress``, ``succeed``, ``fail``, ``abort``, ``remove_data``), script what a route does next
(``server.script("create", "429", "ok")``), read what it received (``server.requests``,
``server.create_calls``) and send signed Standard Webhooks deliveries (``send_webhook``). Nothing
here depends on pytest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from PIL import Image

from tests.fakes.loopback_server import LoopbackServer, Script
from tests.fakes.loopback_server import RecordedRequest as RecordedRequest  # what it records

FAKE_REPLICATE_TOKEN = "r8_FakeReplicateToken0123456789abcdefXYZ"
FAKE_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"fake-replicate-webhook-key-32byte").decode()
FAKE_MODEL = "black-forest-labs/flux-schnell"
FAKE_VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
ROUTES = ("create", "get", "cancel", "secret", "file")
_EVENTS = frozenset({"start", "output", "logs", "completed"})
_TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
_PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Behaviour:
    """What the fake does with one request of a route.

    Args:
        status: 0 answers normally (auth and validation still apply); any other status is sent
            as is, with ``body`` as its problem JSON (a ``str`` body is sent raw).
        delay: Seconds to wait before answering (cut short when the server stops).
        stall: File route only: seconds to wait after sending half of the file.
        headers: Extra response headers.
        body: The body of a scripted status.
    """

    status: int = 0
    delay: float = 0.0
    stall: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None


PRESETS: dict[str, Behaviour] = {
    "ok": Behaviour(),
    "slow": Behaviour(delay=30.0),
    "stall": Behaviour(stall=30.0),
    "429": Behaviour(
        429,
        headers={"Retry-After": "2", "ratelimit-remaining": "0", "ratelimit-reset": "30"},
        body={"detail": "Request was throttled. Your rate limit resets in ~30s.", "status": 429},
    ),
    "429-reset": Behaviour(
        429,
        headers={"ratelimit-remaining": "0", "ratelimit-reset": "5"},
        body={"detail": "Request was throttled. Your rate limit resets in ~5s.", "status": 429},
    ),
    "401": Behaviour(
        401,
        body={
            "title": "Unauthenticated",
            "detail": "You did not pass a valid authentication token",
            "status": 401,
        },
    ),
    "404": Behaviour(404, body={"detail": "Not found.", "status": 404}),
    "422": Behaviour(
        422,
        body={
            "title": "Input validation failed",
            "detail": "- input.num_outputs: Must be less than or equal to 4",
            "status": 422,
            "invalid_fields": [
                {"type": "less_than_equal", "field": "input.num_outputs", "description": "..."}
            ],
        },
    ),
    "500": Behaviour(
        500, body={"title": "Internal Server Error", "detail": "Something went wrong"}
    ),
    "503": Behaviour(503, body="<html>upstream unavailable</html>"),
}


def make_png(width: int = 64, height: int = 48) -> bytes:
    """A small, real PNG (a colour gradient)."""
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 4 % 256, y * 5 % 256, 128) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sign_webhook(body: bytes, *, secret: str, msg_id: str, timestamp: int) -> dict[str, str]:
    """Standard Webhooks headers: ``v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`` with
    ``key`` the base64-decoded secret without its ``whsec_`` prefix."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
    }


class FakeReplicateServer(LoopbackServer):
    """A scriptable fake of Replicate's prediction API on ``127.0.0.1`` and a free port.

    Args:
        api_token: The only token it accepts.
        webhook_secret: The signing secret it serves and signs deliveries with.
        models: The official models it knows (version-pinned creates accept any version).
    """

    label = "Replicate"
    base_path = "/v1"

    def __init__(
        self,
        *,
        api_token: str = FAKE_REPLICATE_TOKEN,
        webhook_secret: str = FAKE_WEBHOOK_SECRET,
        models: tuple[str, ...] = (FAKE_MODEL,),
    ) -> None:
        super().__init__()
        self.api_token = api_token
        self.webhook_secret = webhook_secret
        self.models = models
        self.predictions: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.create_calls = 0
        self.secret_calls = 0
        self._scripts = {route: Script(PRESETS) for route in ROUTES}

    def script(self, route: str, *behaviours: str | Behaviour) -> None:
        """Queue what the next requests of ``route`` (one of :data:`ROUTES`) get, one each;
        preset names are keys of :data:`PRESETS`. Once empty, requests are answered normally."""
        self._scripts[route].extend(behaviours)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/models/{owner}/{name}/predictions", self._create)
        router.add_post("/v1/predictions", self._create)
        router.add_get("/v1/predictions/{id}", self._get)
        router.add_post("/v1/predictions/{id}/cancel", self._cancel)
        router.add_get("/v1/webhooks/default/secret", self._secret)
        router.add_get("/files/{name}", self._file)

    # ------------------------------------------------------------------ test control

    def start_processing(self, prediction_id: str) -> None:
        """``starting`` → ``processing``, with the first log lines."""
        prediction = self._live(prediction_id)
        prediction.update(status="processing", started_at=_now())
        prediction["logs"] += f"Using seed: {prediction['input'].get('seed', 1234)}\n"

    def progress(self, prediction_id: str, step: int, total: int) -> None:
        """Append a tqdm progress line (``76%|███   | 7568/10000 [...]``); starts processing."""
        if self.predictions[prediction_id]["status"] == "starting":
            self.start_processing(prediction_id)
        percent = round(step * 100 / total)  # tqdm's {percentage:3.0f}
        bar = "█" * (percent // 10) + " " * (10 - percent // 10)
        line = f"{percent:3d}%|{bar}| {step}/{total} [00:33<00:10, 229.00it/s]\n"
        self._live(prediction_id)["logs"] += line

    def succeed(
        self,
        prediction_id: str,
        *,
        outputs: int | None = None,
        as_list: bool = True,
        data_uri: bool = False,
        output: Any = None,
    ) -> list[bytes]:
        """Finish with ``outputs`` PNG files (a list, or one string when ``as_list`` is false;
        ``data:`` URIs when ``data_uri``), or with ``output`` as given. Returns the files.
        ``outputs`` defaults to the input's ``num_outputs`` (1 when it has none), as an image
        model does."""
        prediction = self._live(prediction_id)
        if outputs is None:
            asked = prediction["input"].get("num_outputs")
            outputs = asked if isinstance(asked, int) and not isinstance(asked, bool) else 1
        files = [make_png(64 + i, 48) for i in range(outputs)]
        if output is None:
            urls = []
            for index, data in enumerate(files):
                if data_uri:
                    urls.append("data:image/png;base64," + base64.b64encode(data).decode())
                else:
                    name = f"{prediction_id}-out-{index}.png"
                    self.files[name] = data
                    urls.append(f"{self.origin}/files/{name}")
            output = urls if as_list else urls[0]
        prediction["output"] = output
        self._finish(prediction, "succeeded")
        return files

    def fail(self, prediction_id: str, error: str) -> None:
        """Finish with ``status: failed`` and ``error``."""
        prediction = self._live(prediction_id)
        prediction["error"] = error
        self._finish(prediction, "failed")

    def abort(self, prediction_id: str) -> None:
        """Finish with ``status: aborted`` (stopped before it ran, e.g. its deadline passed)."""
        self._finish(self._live(prediction_id), "aborted")

    def remove_data(self, prediction_id: str) -> None:
        """What Replicate does an hour later: input, output and logs deleted."""
        self.predictions[prediction_id].update(input={}, output=None, logs="", data_removed=True)
        for name in [n for n in self.files if n.startswith(f"{prediction_id}-")]:
            del self.files[name]

    async def send_webhook(
        self,
        url: str,
        prediction_id: str | None = None,
        *,
        body: bytes | None = None,
        msg_id: str | None = None,
        age: float = 0.0,
        forge: bool = False,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST one signed delivery of the prediction (or of ``body``) to ``url``.

        Args:
            url: Where to deliver.
            prediction_id: The prediction whose current object is the body.
            body: Raw bytes to send instead.
            msg_id: The ``webhook-id``; a fresh ``msg_…`` by default (repeat it for a retry).
            age: Seconds to move ``webhook-timestamp`` into the past (600: a stale delivery).
            forge: Sign with the wrong key.
            headers: Header overrides; an empty value removes the header.

        Returns:
            The receiver's status and body text.
        """
        if body is None:
            if prediction_id is None:
                raise ValueError("send_webhook needs a prediction_id or a body")
            body = json.dumps(self.predictions[prediction_id]).encode()
        secret = self.webhook_secret
        if forge:
            secret = "whsec_" + base64.b64encode(b"an attacker's guess at the key").decode()
        sent = sign_webhook(
            body,
            secret=secret,
            msg_id=msg_id or f"msg_{secrets.token_hex(12)}",
            timestamp=int(time.time() - age),
        )
        sent["Content-Type"] = "application/json"
        sent["User-Agent"] = "Replicate-Webhooks/1.0 (fake)"
        sent.update(headers or {})
        sent = {name: value for name, value in sent.items() if value}
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=body, headers=sent) as response,
        ):
            return response.status, await response.text()

    # ------------------------------------------------------------------ handlers

    async def _create(self, request: web.Request) -> web.StreamResponse:
        self.create_calls += 1
        body, behaviour, refused = await self._admit(request, "create")
        if refused is not None:
            return refused
        official = "owner" in request.match_info
        model = f"{request.match_info['owner']}/{request.match_info['name']}" if official else ""
        invalid = self._validate(body, official=official, model=model)
        if invalid is not None:
            return invalid
        if official and model not in self.models:
            return self._problem(404, "The requested model could not be found.")
        if not official:
            model, _, version = str(body["version"]).rpartition(":")
        else:
            version = "hidden"
        prediction = self._new_prediction(body, model or "unknown/unknown", version)
        return self._json(prediction, status=201, headers=behaviour.headers)

    async def _get(self, request: web.Request) -> web.StreamResponse:
        behaviour, prediction = await self._admit_prediction(request, "get")
        if isinstance(prediction, web.Response):
            return prediction
        return self._json(prediction, headers=behaviour.headers)

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        _, prediction = await self._admit_prediction(request, "cancel")
        if isinstance(prediction, web.Response):
            return prediction
        if prediction["status"] not in _TERMINAL:
            self._finish(prediction, "canceled")
        return self._json(prediction)

    async def _secret(self, request: web.Request) -> web.StreamResponse:
        self.secret_calls += 1
        _, _, refused = await self._admit(request, "secret")
        if refused is not None:
            return refused
        return self._json({"key": self.webhook_secret})

    async def _file(self, request: web.Request) -> web.StreamResponse:
        _, behaviour, refused = await self._admit(request, "file")
        if refused is not None:
            return refused
        data = self.files.get(request.match_info["name"])
        if data is None:
            return self._problem(404, "File not found")
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.content_length = len(data)
        await response.prepare(request)
        half = len(data) // 2
        await response.write(data[:half])
        if behaviour.stall > 0:
            await self._wait(behaviour.stall)
        await response.write(data[half:])
        await response.write_eof()
        return response

    # ------------------------------------------------------------------ helpers

    async def _admit(
        self, request: web.Request, route: str
    ) -> tuple[Any, Behaviour, web.Response | None]:
        """Record the request, take the next behaviour of ``route`` (after its delay) and apply
        it, then the token check: the body, the behaviour and the answer to send instead
        (``None``: answer normally)."""
        body = await self._record(request)
        behaviour = await self._next(self._scripts[route])
        if behaviour.status:
            return body, behaviour, self._scripted(behaviour)
        return body, behaviour, self._refuse_token(request)

    async def _admit_prediction(
        self, request: web.Request, route: str
    ) -> tuple[Behaviour, dict[str, Any] | web.Response]:
        """:meth:`_admit`, then the prediction named in the path: the behaviour, and the
        prediction or the answer to send instead."""
        _, behaviour, refused = await self._admit(request, route)
        if refused is not None:
            return behaviour, refused
        prediction = self.predictions.get(request.match_info["id"])
        return behaviour, self._problem(404, "Not found.") if prediction is None else prediction

    def _refuse_token(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") == f"Bearer {self.api_token}":
            return None
        return self._scripted(PRESETS["401"])

    def _validate(self, body: Any, *, official: bool, model: str) -> web.Response | None:
        if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
            return self._invalid("input: input is required and must be an object")
        if official and "version" in body:
            return self._invalid(f"version: not allowed when creating through {model}")
        if not official and not isinstance(body.get("version"), str):
            return self._invalid("version: version is required")
        webhook = body.get("webhook")
        if webhook is not None and not str(webhook).startswith("https://"):
            return self._invalid("webhook: must be an HTTPS URL")
        events = body.get("webhook_events_filter", [])
        if not isinstance(events, list) or not set(events) <= _EVENTS:
            return self._invalid("webhook_events_filter: unknown event")
        if not isinstance(body["input"].get("prompt"), str):
            return self._invalid("input.prompt: prompt is required")
        return None

    def _invalid(self, detail: str) -> web.Response:
        return self._problem(422, f"- {detail}", title="Input validation failed")

    def _new_prediction(self, body: dict[str, Any], model: str, version: str) -> dict[str, Any]:
        prediction_id = secrets.token_hex(13)
        get = f"{self.base_url}/predictions/{prediction_id}"
        prediction: dict[str, Any] = {
            "id": prediction_id,
            "model": model,
            "version": version,
            "input": body["input"],
            "logs": "",
            "output": None,
            "data_removed": False,
            "error": None,
            "status": "starting",
            "source": "api",
            "created_at": _now(),
            "urls": {
                "get": get,
                "cancel": f"{get}/cancel",
                "web": f"https://replicate.com/p/{prediction_id}",
            },
        }
        self.predictions[prediction_id] = prediction
        return prediction

    def _live(self, prediction_id: str) -> dict[str, Any]:
        prediction = self.predictions[prediction_id]
        if prediction["status"] in _TERMINAL:
            raise RuntimeError(f"prediction {prediction_id} is already {prediction['status']}")
        return prediction

    def _finish(self, prediction: dict[str, Any], status: str) -> None:
        prediction.update(status=status, completed_at=_now())
        if status != "aborted":
            prediction.setdefault("started_at", prediction["created_at"])
        prediction["metrics"] = {"predict_time": 1.25, "total_time": 1.5}

    def _scripted(self, behaviour: Behaviour) -> web.Response:
        status, body = behaviour.status, behaviour.body
        if isinstance(body, str):
            return self._raw(status, body, content_type="text/html", headers=behaviour.headers)
        body = body or {"detail": "scripted failure", "status": status}
        return self._raw(status, json.dumps(body), content_type=_PROBLEM, headers=behaviour.headers)

    def _problem(self, status: int, detail: str, *, title: str | None = None) -> web.Response:
        body: dict[str, Any] = {"detail": detail, "status": status}
        if title is not None:
            body["title"] = title
        return self._scripted(Behaviour(status, body=body))

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The ``ratelimit-*`` headers every answer carries, with ``extra`` over them."""
        return {"ratelimit-remaining": "599", "ratelimit-reset": "1", **extra}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
