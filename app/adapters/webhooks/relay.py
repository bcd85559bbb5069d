"""The webhook relay: a small aiohttp server that receives provider webhooks forwarded from
the public URL (loopback by default) and hands them to the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from app.domain.errors import StorageError

MAX_BODY_BYTES = 1024 * 1024
Receiver = Callable[[str, Mapping[str, str], bytes], Awaitable[int]]


class WebhookRelay:
    """``POST /webhooks/{route}`` → ``receive(route, headers, body)`` → its status code.

    Bodies over 1 MiB are refused with 413 before they are read in full.

    Args:
        receive: the core's handler (``WebhookService.receive``).
        host: the address to listen on (127.0.0.1 unless a reverse proxy needs otherwise).
        port: the port; 0 picks a free one.
    """

    def __init__(self, receive: Receiver, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._receive = receive
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    async def start(self) -> str:
        """Listen; returns the local base URL (``http://host:port``)."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post("/webhooks/{route}", self._handle)
        app.router.add_get("/health", self._health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise StorageError(
                f"the webhook relay cannot listen on {self._host}:{self._port}: {exc}"
            ) from exc
        port = runner.addresses[0][1] if runner.addresses else self._port
        self._runner = runner
        self.base_url = f"http://{self._host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return web.Response(status=413, text="payload too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="payload too large")
        status = await self._receive(request.match_info["route"], dict(request.headers), body)
        return web.Response(status=status)

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})
