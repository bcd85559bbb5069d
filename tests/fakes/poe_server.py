"""A FAKE Poe server, used only in tests: an ``aiohttp.web`` app on ``127.0.0.1``.

It speaks the documented OpenAI-compatible protocol of ``https://api.poe.com/v1`` (see
``docs/provider-apis.md`` §5): Bearer auth with the documented error body, body validation
(``missing_parameter``, ``invalid_parameter``, ``model_not_found``), ``chat.completion`` replies
with ``usage`` and the ``x-ratelimit-*`` headers, and ``GET /v1/models``. Tests script what it
does next (``server.script("429", "500", "ok")``) and read what it received (``server.requests``).
Nothing here depends on pytest.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback_server import LoopbackServer, Script
from tests.fakes.loopback_server import RecordedRequest as RecordedRequest  # what it records

FAKE_POE_API_KEY = "fake-poe-key-0123456789"
FAKE_POE_MODELS = ("Claude-Sonnet-4.5", "Claude-Haiku-4.5", "GPT-5.2", "Gemini-2.5-Pro")
RATE_LIMIT = 500
RATE_RESET_SECONDS = 60
_ROLES = frozenset({"system", "user", "assistant", "tool"})


@dataclass(frozen=True)
class Behaviour:
    """What the fake does with one request.

    Args:
        status: 200 answers normally (auth and validation still apply); any other status is
            sent as is, with the documented error body unless ``body`` is given.
        reply: The reply text of a normal answer; default: an echo of the last user message.
        delay: Seconds to wait before answering (cut short when the server stops).
        headers: Extra response headers; they override the ``x-ratelimit-*`` defaults.
        body: A raw response body sent instead of JSON (e.g. malformed JSON).
        code: The error body's ``code``.
        message: The error body's ``message``.
        error_type: The error body's ``type``.
    """

    status: int = 200
    reply: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    code: str = "internal_error"
    message: str = "Internal server error"
    error_type: str = "server_error"


PRESETS: dict[str, Behaviour] = {
    "ok": Behaviour(),
    "slow": Behaviour(delay=30.0),
    "malformed": Behaviour(body='{"id": "chatcmpl-broken", "choices": [', status=200),
    "no-choices": Behaviour(body='{"id": "chatcmpl-empty", "object": "chat.completion"}'),
    "401": Behaviour(
        401,
        code="invalid_api_key",
        message="Invalid API key provided",
        error_type="invalid_request_error",
    ),
    "403": Behaviour(
        403,
        code="insufficient_permissions",
        message="The key may not use this bot",
        error_type="invalid_request_error",
    ),
    "429": Behaviour(
        429,
        code="rate_limit_exceeded",
        message="Rate limit exceeded",
        error_type="rate_limit_error",
        headers={"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "7"},
    ),
    "500": Behaviour(500),
    "503": Behaviour(503, code="service_unavailable", message="The bot is overloaded"),
}


class FakePoeServer(LoopbackServer):
    """A scriptable fake of Poe's OpenAI-compatible API on ``127.0.0.1`` and a free port.

    Args:
        api_key: The only key it accepts.
        models: The bot names it knows.
        models_require_auth: Whether ``GET /v1/models`` checks the key (Poe documents that it
            does not).
    """

    label = "Poe"
    base_path = "/v1"

    def __init__(
        self,
        *,
        api_key: str = FAKE_POE_API_KEY,
        models: tuple[str, ...] = FAKE_POE_MODELS,
        models_require_auth: bool = False,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = models
        self.models_require_auth = models_require_auth
        self._script = Script(PRESETS)
        self._ids = itertools.count(1)
        self._remaining = RATE_LIMIT

    def script(self, *behaviours: str | Behaviour) -> None:
        """Queue what the next requests get, one each; preset names are keys of
        :data:`PRESETS`. Once the queue is empty, requests are answered normally."""
        self._script.extend(behaviours)

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/chat/completions", self._chat_completions)
        router.add_get("/v1/models", self._list_models)

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        behaviour = await self._next(self._script)
        if behaviour.status != 200 or behaviour.body is not None:
            return self._scripted(behaviour)
        refused = self._refuse_key(request)
        if refused is not None:
            return refused
        invalid = self._validate(body)
        if invalid is not None:
            return invalid
        return self._completion(body, behaviour)

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        behaviour = await self._next(self._script)
        if behaviour.status != 200 or behaviour.body is not None:
            return self._scripted(behaviour)
        if self.models_require_auth:
            refused = self._refuse_key(request)
            if refused is not None:
                return refused
        created_ms = int(time.time() * 1000)
        data = [
            {
                "id": m,
                "object": "model",
                "created": created_ms,
                "description": f"Fake {m}",
                "owned_by": "fake-poe",
            }
            for m in self.models
        ]
        return self._json({"object": "list", "data": data})

    def _refuse_key(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return self._scripted(PRESETS["401"])

    def _validate(self, body: Any) -> web.Response | None:
        if not isinstance(body, dict):
            return self._error(400, "invalid_parameter", "The request body must be a JSON object")
        for name in ("model", "messages"):
            if name not in body:
                return self._error(
                    400, "missing_parameter", f"Missing required parameter: '{name}'"
                )
        messages = body["messages"]
        if not isinstance(body["model"], str):
            return self._error(400, "invalid_parameter", "'model' must be a string")
        if not isinstance(messages, list) or not messages:
            return self._error(400, "invalid_parameter", "'messages' must be a non-empty list")
        for index, message in enumerate(messages):
            if (
                not isinstance(message, dict)
                or message.get("role") not in _ROLES
                or not isinstance(message.get("content"), str | list)
            ):
                return self._error(
                    400, "invalid_parameter", f"Invalid message at messages[{index}]"
                )
        max_tokens = body.get("max_tokens", 1)
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            return self._error(400, "invalid_parameter", "'max_tokens' must be a positive integer")
        if not isinstance(body.get("stream", False), bool):
            return self._error(400, "invalid_parameter", "'stream' must be a boolean")
        if body.get("stream"):
            return self._error(400, "invalid_parameter", "This fake does not stream")
        if body["model"] not in self.models:
            return self._error(400, "model_not_found", f"Model '{body['model']}' does not exist")
        return None

    def _completion(self, body: dict[str, Any], behaviour: Behaviour) -> web.Response:
        messages: list[dict[str, Any]] = body["messages"]
        last_user = next((m for m in reversed(messages) if m["role"] == "user"), messages[-1])
        reply = behaviour.reply if behaviour.reply is not None else f"Echo: {last_user['content']}"
        prompt_tokens = sum(len(str(m["content"]).split()) for m in messages)
        completion_tokens = len(reply.split())
        answer = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        return self._json(answer, headers=behaviour.headers)

    def _scripted(self, behaviour: Behaviour) -> web.Response:
        if behaviour.body is not None:
            return self._raw(behaviour.status, behaviour.body, headers=behaviour.headers)
        return self._error(
            behaviour.status,
            behaviour.code,
            behaviour.message,
            error_type=behaviour.error_type,
            headers=behaviour.headers,
        )

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        """A response with Poe's documented error body."""
        body = {"error": {"message": message, "type": error_type, "code": code}}
        return self._json(body, status=status, headers=headers)

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers every answer carries (each counts one request), with
        ``extra`` over them."""
        self._remaining = max(self._remaining - 1, 0)
        headers = {
            "x-ratelimit-limit-requests": str(RATE_LIMIT),
            "x-ratelimit-remaining-requests": str(self._remaining),
            "x-ratelimit-reset-requests": str(RATE_RESET_SECONDS),
        }
        headers.update(extra)
        return headers
