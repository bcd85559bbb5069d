"""The common base of the FAKE provider servers, used only in tests: ``aiohttp.web`` apps on
``127.0.0.1``.

:class:`LoopbackServer` holds what the fakes of Poe, Replicate, Runway and fal share: starting on
a free port of the loopback (``start``/``stop`` or ``async with``), ``origin`` and ``base_url``,
the record of every request received (:class:`RecordedRequest` in ``requests``), queues of
scripted behaviours (:class:`Script`), a delay that is cut short when the server stops, and JSON
answers that carry the fake's standing headers. Each fake keeps its own routes, protocol checks
and bodies in its own module. Nothing here depends on pytest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy


class _Scripted(Protocol):
    @property
    def delay(self) -> float: ...


B = TypeVar("B", bound=_Scripted)


@dataclass(frozen=True)
class RecordedRequest:
    """One request a fake received.

    Attributes:
        method: The HTTP method.
        path: The decoded path, without the query.
        query: The raw, still-encoded query string (``""`` when there is none).
        headers: The request headers (a copy).
        json: The body parsed as JSON; its text when it is not JSON; ``None`` when empty.
        at: ``time.monotonic()`` on arrival, before the body was read.
    """

    method: str
    path: str
    query: str
    headers: CIMultiDictProxy[str]
    json: Any
    at: float


class Script(Generic[B]):
    """A queue of scripted behaviours: the next requests get one each, in order; once it is
    empty they get ``presets["ok"]`` (a normal answer).

    Args:
        presets: Named behaviours; ``"ok"`` must be one of them.
    """

    def __init__(self, presets: Mapping[str, B]) -> None:
        self.presets = presets
        self._queue: deque[B] = deque()

    def extend(self, behaviours: Iterable[str | B]) -> None:
        """Queue ``behaviours``; a ``str`` names one of the presets."""
        self._queue.extend(self.presets[b] if isinstance(b, str) else b for b in behaviours)

    def pop(self) -> B:
        """The next queued behaviour, or the ``"ok"`` preset when none is queued."""
        return self._queue.popleft() if self._queue else self.presets["ok"]


class LoopbackServer:
    """A FAKE HTTP server for tests on ``127.0.0.1`` and a free port; subclasses add the routes.

    Subclasses set :attr:`label` (named in errors) and :attr:`base_path` (what ``base_url`` adds
    to ``origin``), and implement :meth:`_add_routes`. A subclass that needs work done before it
    serves (e.g. making its output files) overrides :meth:`start` and calls ``super().start()``.
    """

    label: ClassVar[str] = "loopback"
    """The fake's name in ``the fake <label> server is not running``."""
    base_path: ClassVar[str] = ""
    """The API's path prefix: ``base_url`` is ``origin`` plus this."""
    client_max_size: ClassVar[int] = 1024**2
    """The largest request body the app accepts (aiohttp's default)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ------------------------------------------------------------------ lifecycle and URLs

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``; only valid once started."""
        if self._runner is None:
            raise RuntimeError(f"the fake {self.label} server is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """``origin`` plus :attr:`base_path`; only valid once started."""
        return f"{self.origin}{self.base_path}"

    async def start(self) -> Self:
        app = web.Application(client_max_size=self.client_max_size)
        self._add_routes(app.router)
        # handler_cancellation: a client that gives up (timeout) cancels the slow handler.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Release every pending delay, then close the app and its connections."""
        self._stopping.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers for handlers

    async def _record(self, request: web.Request) -> Any:
        """Read the body, record the request in :attr:`requests` and return the body as
        :attr:`RecordedRequest.json` has it."""
        at = time.monotonic()
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=request.raw_path.partition("?")[2],
                headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                json=body,
                at=at,
            )
        )
        return body

    async def _wait(self, seconds: float | None = None) -> None:
        """Wait ``seconds`` (``None``: for ever), or less if the server stops meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _next(self, script: Script[B]) -> B:
        """The next behaviour of ``script``, after its delay."""
        behaviour = script.pop()
        if behaviour.delay > 0:
            await self._wait(behaviour.delay)
        return behaviour

    def _headers(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The headers of an answer from :meth:`_json` or :meth:`_raw`: ``extra`` here;
        subclasses add their standing headers (e.g. rate limits)."""
        return dict(extra)

    def _json(
        self, payload: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        """A JSON answer, with :meth:`_headers`."""
        return web.json_response(payload, status=status, headers=self._headers(headers or {}))

    def _raw(
        self,
        status: int,
        text: str,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """``text`` as is (e.g. malformed JSON), with :meth:`_headers`."""
        return web.Response(
            status=status,
            text=text,
            content_type=content_type,
            headers=self._headers(headers or {}),
        )
