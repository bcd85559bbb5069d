"""A FAKE Runway API server, used only in tests: an ``aiohttp.web`` app on ``127.0.0.1``.

It follows the documented protocol of ``https://api.dev.runwayml.com`` (``docs/provider-apis.md``
§3): Bearer auth (401), the required ``X-Runway-Version: 2024-11-06`` header (400), the create
endpoints ``POST /v1/text_to_video`` and ``/v1/image_to_video`` answering ``{"id": ...}``, task
objects from ``GET /v1/tasks/{id}`` shaped by status (``PENDING``, ``THROTTLED``, ``RUNNING``
with ``progress``, ``SUCCEEDED`` with ``output``, ``FAILED`` with ``failure``/``failureCode``,
``CANCELLED``), ``DELETE /v1/tasks/{id}`` that cancels an unfinished task and deletes a
finished one, error bodies ``{"error": "..."}``, and a daily generation limit answered with 429.
Runway documents no exact error texts, so the ones here are made up.

Tests drive the tasks (``advance``, ``throttle``, ``run``, ``succeed``, ``fail``, or
``auto_advance=True``: every poll moves a task one step on), script what a route does next
(``server.script("429", route="create")``), and read what it received (``server.requests``, with
arrival times for the polling cadence). Outputs are a real tiny MP4, made once per server and
served at signed-looking local URLs. Nothing here depends on pytest.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

from aiohttp import web

from tests.fakes.loopback_server import LoopbackServer, Script
from tests.fakes.loopback_server import RecordedRequest as RecordedRequest  # what it records
from tests.samples import mp4

FAKE_RUNWAY_API_KEY = "key_" + "0123456789abcdef" * 8  # the documented form: key_ + 128 hex
RUNWAY_VERSION = "2024-11-06"
VERSION_ERROR = "Invalid or missing X-Runway-Version header; the supported version is 2024-11-06"
UNFINISHED = frozenset({"PENDING", "THROTTLED", "RUNNING"})
_GEN45_RATIOS = {
    "text_to_video": frozenset({"1280:720", "720:1280"}),
    "image_to_video": frozenset(
        {"1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"}
    ),
}
_MODELS = {
    "text_to_video": {"gen4.5", "veo3.1", "veo3.1_fast", "veo3"},
    "image_to_video": {"gen4.5", "gen4_turbo", "veo3.1", "veo3.1_fast", "veo3"},
}
Route = Literal["create", "task", "output"]


@dataclass(frozen=True)
class Behaviour:
    """What the fake does with one request on a scripted route.

    Args:
        status: 200 answers normally (auth, version and validation still apply); any other
            status is sent as is, with ``{"error": error}`` unless ``body`` is given.
        delay: Seconds to wait before answering (cut short when the server stops).
        headers: Extra response headers (e.g. ``Retry-After``).
        body: A raw response body sent instead (e.g. malformed JSON).
        error: The error body's text.
        stall_after: Outputs only: send this many bytes of the video, then hang.
        chunked: Outputs only: send the video without a ``Content-Length``.
    """

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    error: str = "An unexpected error occurred"
    stall_after: int | None = None
    chunked: bool = False


PRESETS: dict[str, Behaviour] = {
    "ok": Behaviour(),
    "slow": Behaviour(delay=30.0),
    "malformed": Behaviour(body='{"id": "17f2', status=200),
    "400": Behaviour(400, error="promptImage: the URL redirects, redirects are not followed"),
    "401": Behaviour(401, error="Unauthorized: the API key is invalid"),
    "403": Behaviour(403, error="Request has expired"),
    "429": Behaviour(429, error="You have exceeded your daily generation limit"),
    "500": Behaviour(500),
    "502": Behaviour(502, error="Bad gateway"),
    "503": Behaviour(503, error="Service unavailable: shedding load"),
    "stall": Behaviour(stall_after=1024),
    "chunked": Behaviour(chunked=True),
}


@dataclass
class FakeTask:
    """One task as the fake stores it; :meth:`to_json` gives the documented shape."""

    id: str
    endpoint: str
    body: dict[str, Any]
    created_at: str
    status: str = "PENDING"
    progress: float | None = None
    output: list[str] = field(default_factory=list)
    failure: str | None = None
    failure_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        task: dict[str, Any] = {"id": self.id, "status": self.status, "createdAt": self.created_at}
        if self.status == "RUNNING" and self.progress is not None:
            task["progress"] = self.progress
        elif self.status == "SUCCEEDED":
            task["output"] = list(self.output)
        elif self.status == "FAILED":
            task["failure"] = self.failure or "The task failed."
            if self.failure_code is not None:
                task["failureCode"] = self.failure_code
        return task


class FakeRunwayServer(LoopbackServer):
    """A scriptable fake of Runway's task API on ``127.0.0.1`` and a free port.

    Args:
        api_key: The only key it accepts.
        version: The only ``X-Runway-Version`` it accepts.
        auto_advance: Every ``GET`` of a task answers, then moves it one step on (see
            :meth:`advance`).
        daily_limit: Creates allowed before the create endpoints answer 429 (None: no limit).
    """

    label = "Runway"

    def __init__(
        self,
        *,
        api_key: str = FAKE_RUNWAY_API_KEY,
        version: str = RUNWAY_VERSION,
        auto_advance: bool = False,
        daily_limit: int | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.version = version
        self.auto_advance = auto_advance
        self.daily_limit = daily_limit
        self.tasks: dict[str, FakeTask] = {}
        self.video = b""
        self._signature = secrets.token_hex(8)
        self._scripts: dict[Route, Script[Behaviour]] = {
            "create": Script(PRESETS),
            "task": Script(PRESETS),
            "output": Script(PRESETS),
        }

    def script(self, *behaviours: str | Behaviour, route: Route = "create") -> None:
        """Queue what the next requests on ``route`` get, one each (``create``: the create
        endpoints; ``task``: GET and DELETE of tasks; ``output``: downloads). Preset names are
        keys of :data:`PRESETS`; an empty queue means normal answers."""
        self._scripts[route].extend(behaviours)

    def output_url(self, task_id: str) -> str:
        """Where the task's video is served (signed-looking, like Runway's CDN URLs)."""
        return f"{self.base_url}/outputs/{task_id}.mp4?_jwt={self._signature}"

    def poll_times(self, task_id: str) -> list[float]:
        """Arrival times (``time.monotonic()``) of the ``GET`` requests for ``task_id``."""
        path = f"/v1/tasks/{task_id}"
        return [r.at for r in self.requests if r.method == "GET" and r.path == path]

    def throttle(self, task_id: str) -> FakeTask:
        return self._set(task_id, "THROTTLED")

    def run(self, task_id: str, progress: float | None = 0.0) -> FakeTask:
        return self._set(task_id, "RUNNING", progress=progress)

    def succeed(self, task_id: str, output: list[str] | None = None) -> FakeTask:
        return self._set(task_id, "SUCCEEDED", output=output or [self.output_url(task_id)])

    def fail(
        self, task_id: str, code: str | None = "INTERNAL", failure: str = "The task failed."
    ) -> FakeTask:
        return self._set(task_id, "FAILED", failure=failure, failure_code=code)

    def cancel(self, task_id: str) -> FakeTask:
        return self._set(task_id, "CANCELLED")

    def advance(self, task_id: str) -> FakeTask:
        """One step on: PENDING → THROTTLED → RUNNING 0.0 → RUNNING 0.5 → SUCCEEDED.
        A finished task stays as it is."""
        task = self.tasks[task_id]
        if task.status == "PENDING":
            return self.throttle(task_id)
        if task.status == "THROTTLED":
            return self.run(task_id, 0.0)
        if task.status == "RUNNING":
            progress = (task.progress or 0.0) + 0.5
            return self.succeed(task_id) if progress >= 1.0 else self.run(task_id, progress)
        return task

    async def start(self) -> Self:
        self.video = await asyncio.to_thread(_tiny_mp4)
        return await super().start()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/{endpoint:text_to_video|image_to_video}", self._create)
        router.add_get("/v1/tasks/{id}", self._get_task)
        router.add_delete("/v1/tasks/{id}", self._delete_task)
        router.add_get("/outputs/{name}", self._output)

    def _set(self, task_id: str, status: str, **changes: Any) -> FakeTask:
        task = self.tasks[task_id]
        task.status = status
        task.progress = changes.get("progress")
        task.output = changes.get("output", [])
        task.failure = changes.get("failure")
        task.failure_code = changes.get("failure_code")
        return task

    async def _create(self, request: web.Request) -> web.StreamResponse:
        body, refused = await self._admit(request, "create")
        if refused is not None:
            return refused
        endpoint = request.match_info["endpoint"]
        invalid = _validate(endpoint, body)
        if invalid is not None:
            return _error(400, invalid)
        if self.daily_limit is not None and len(self.tasks) >= self.daily_limit:
            return _error(429, "You have exceeded your daily generation limit")
        task_id = str(uuid.uuid4())
        created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.tasks[task_id] = FakeTask(task_id, endpoint, body, created)
        return web.json_response({"id": task_id})

    async def _get_task(self, request: web.Request) -> web.StreamResponse:
        task = await self._admit_task(request)
        if isinstance(task, web.Response):
            return task
        answer = web.json_response(task.to_json())
        if self.auto_advance:
            self.advance(task.id)
        return answer

    async def _delete_task(self, request: web.Request) -> web.StreamResponse:
        task = await self._admit_task(request)
        if isinstance(task, web.Response):
            return task
        if task.status in UNFINISHED:
            self.cancel(task.id)  # cancelled tasks stay readable, as CANCELLED
        else:
            del self.tasks[task.id]  # a finished task is deleted: it cannot be fetched again
        return web.Response(status=204)

    async def _output(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        behaviour = await self._next(self._scripts["output"])
        scripted = _scripted_answer(behaviour)
        if scripted is not None:
            return scripted
        name = request.match_info["name"]
        task = self.tasks.get(name.removesuffix(".mp4"))
        if request.query.get("_jwt") != self._signature or task is None:
            return _error(403, "Request has expired")
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        if behaviour.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(self.video)
        await response.prepare(request)
        if behaviour.stall_after is not None:
            await response.write(self.video[: behaviour.stall_after])
            await self._wait()  # until the server stops
            return response
        for start in range(0, len(self.video), 4096):
            await response.write(self.video[start : start + 4096])
        await response.write_eof()
        return response

    async def _admit(self, request: web.Request, route: Route) -> tuple[Any, web.Response | None]:
        """Record the request, then apply the next scripted behaviour of ``route`` (after its
        delay) and the header checks: the body and the answer to send instead (``None``: answer
        normally)."""
        body = await self._record(request)
        scripted = _scripted_answer(await self._next(self._scripts[route]))
        if scripted is not None:
            return body, scripted
        return body, self._check_headers(request)

    async def _admit_task(self, request: web.Request) -> FakeTask | web.Response:
        """:meth:`_admit` on the ``task`` route, then the task named in the path: the task, or
        the answer to send instead."""
        _, refused = await self._admit(request, "task")
        if refused is not None:
            return refused
        task = self.tasks.get(request.match_info["id"])
        return _error(404, "Task not found") if task is None else task

    def _check_headers(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Unauthorized: the API key is invalid or missing")
        if request.headers.get("X-Runway-Version") != self.version:
            return _error(400, VERSION_ERROR)
        return None


def _scripted_answer(behaviour: Behaviour) -> web.Response | None:
    if behaviour.body is not None:
        return web.Response(
            status=behaviour.status,
            text=behaviour.body,
            content_type="application/json",
            headers=behaviour.headers,
        )
    if behaviour.status != 200:
        return _error(behaviour.status, behaviour.error, behaviour.headers)
    return None


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Runway's documented error body: ``{"error": "..."}``."""
    return web.json_response({"error": message}, status=status, headers=headers)


def _validate(endpoint: str, body: Any) -> str | None:
    """The first documented rule ``body`` breaks, naming the field, or ``None``."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    model = body.get("model")
    if model not in _MODELS[endpoint]:
        return f"model: {model!r} is not a model of {endpoint}"
    prompt = body.get("promptText")
    if prompt is not None and (
        not isinstance(prompt, str) or not 1 <= len(prompt.encode("utf-16-le")) // 2 <= 1000
    ):
        return "promptText: must be 1 to 1000 characters"
    image = body.get("promptImage")
    if endpoint == "image_to_video" and not (
        isinstance(image, list) or (isinstance(image, str) and image.startswith(_IMAGE_SCHEMES))
    ):
        return "promptImage: must be an HTTPS URL, a runway:// URI or a data URI"
    if model == "gen4.5":
        if endpoint == "text_to_video" and prompt is None:
            return "promptText: required"
        if body.get("ratio") not in _GEN45_RATIOS[endpoint]:
            return f"ratio: {body.get('ratio')!r} is not supported by {model}"
        duration = body.get("duration")
        if isinstance(duration, bool) or not isinstance(duration, int) or not 2 <= duration <= 10:
            return "duration: must be an integer from 2 to 10"
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 4294967295
    ):
        return "seed: must be an integer from 0 to 4294967295"
    return None


_IMAGE_SCHEMES = ("https://", "runway://", "data:image/")


def _tiny_mp4() -> bytes:
    """A real H.264 MP4 of half a second, made with the bundled ffmpeg."""
    with tempfile.TemporaryDirectory(prefix="fake-runway-") as folder:
        return mp4(Path(folder) / "output.mp4", seconds=0.5, size=(64, 48)).read_bytes()
