"""The cloud render providers' HTTP client: aiohttp behind a small interface of our own.

Every provider call goes through :class:`HttpClient`: a request returns an :class:`HttpAnswer`
(status, headers, the whole body), a download is streamed through :meth:`HttpClient.stream`, and
anything that fails below HTTP raises one of three :class:`HttpFailure` kinds (timeout, unusable
URL, connection). The providers keep their own protocols; this module knows only HTTP.

aiohttp rather than httpx for this hot path: with fifty renders in flight a provider request
costs httpx about 0.4 ms of event-loop CPU even with sharded pools, aiohttp about 0.1 ms
(``bench/http_client_bench.py``), and a render makes at least two. Proxies are taken from the
environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``) as before, but resolved once per
host instead of through aiohttp's ``trust_env``, which looks up ``~/.netrc`` in a thread on
every request.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
import urllib.parse
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
import certifi
import yarl

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 10


class HttpFailure(Exception):
    """An exchange that failed below HTTP; its text may quote the URL, never headers."""


class HttpTimeout(HttpFailure):
    """The server did not connect, answer or send the next bytes in time."""


class HttpBadUrl(HttpFailure):
    """The URL cannot be requested (malformed, or not http/https)."""


class HttpConnectionError(HttpFailure):
    """The connection could not be made or broke (refused, reset, TLS, DNS, ...)."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A complete HTTP answer: status, headers (case-insensitive) and body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: It is not JSON (``json.JSONDecodeError``, ``UnicodeDecodeError``).
        """
        return json.loads(self.content)


class HttpStream:
    """An answer whose body is read in chunks (inside :meth:`HttpClient.stream`)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code: int = response.status
        self.headers: Mapping[str, str] = response.headers

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    async def chunks(self, size: int) -> AsyncGenerator[bytes, None]:
        """The body in chunks of at most ``size`` bytes, as they arrive.

        Raises:
            HttpFailure: A read timed out or the connection broke.
        """
        while True:
            with translated_failures():
                chunk = await self._response.content.read(size)
            if not chunk:
                return
            yield chunk


@functools.cache
def shared_tls() -> ssl.SSLContext:
    """One TLS context for every provider client (certifi's CA bundle, as httpx used):
    loading the bundle takes ~20 ms, so it is done once per process."""
    return ssl.create_default_context(cafile=certifi.where())


class HttpClient:
    """One aiohttp session, opened on first use inside the running event loop.

    Args:
        timeout: The most seconds to wait for the next bytes of an answer (each read).
        connect_timeout: The most seconds to open a connection (at most ``timeout``).

    Calls are not bounded in all here: the providers wrap each in ``asyncio.timeout``.
    """

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    ) -> None:
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies = _environment_proxies()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> HttpAnswer:
        """Send one request (redirects are not followed) and read the whole answer.

        Raises:
            HttpFailure: The exchange failed below HTTP (see the subclasses).
        """
        with translated_failures():
            async with self._session_for_loop().request(
                method,
                _target(url, params),
                headers=headers,
                json=json,
                allow_redirects=False,
                timeout=self._limits(timeout),
                proxy=self._proxy(url),
            ) as response:
                body = await response.read()
                return HttpAnswer(response.status, response.headers, body)

    @asynccontextmanager
    async def stream(
        self, url: str, *, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> AsyncIterator[HttpStream]:
        """GET ``url`` following redirects (``Authorization`` is dropped when one leaves the
        origin) and yield the answer before its body is read.

        Raises:
            HttpFailure: The exchange failed below HTTP (see the subclasses).
        """
        with translated_failures():
            response = await self._session_for_loop().get(
                _target(url, None),
                headers=headers,
                allow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=self._limits(timeout),
                proxy=self._proxy(url),
            )
        try:
            yield HttpStream(response)
        finally:
            response.release()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def is_closed(self) -> bool:
        """Whether no session is open (never used, or closed)."""
        return self._session is None or self._session.closed

    async def close(self) -> None:
        """Close the session and its connections (it is opened again if used again)."""
        session, self._session = self._session, None
        if session is not None and self._loop is asyncio.get_running_loop():
            await session.close()

    def _session_for_loop(self) -> aiohttp.ClientSession:
        """The session, opened in the running loop (a session cannot change loops)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, ssl=shared_tls()),
                timeout=self._limits(None),
                auto_decompress=True,
            )
        return self._session

    def _limits(self, timeout: float | None) -> aiohttp.ClientTimeout:
        seconds = self._timeout if timeout is None else timeout
        return _client_timeout(seconds, min(self._connect_timeout, seconds))

    def _proxy(self, url: str) -> str | None:
        if not self._proxies:
            return None
        parts = urllib.parse.urlsplit(url)
        return _proxy_for(self._proxies, parts.scheme, parts.hostname or "")


# What may stand in an already encoded URL (RFC 3986: reserved, unreserved and "%").
_ENCODED_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def _target(url: str, params: Mapping[str, str] | None) -> yarl.URL:
    """``url`` (with ``params`` appended, every reserved character percent-encoded) as sent.

    A URL that is already encoded goes out byte for byte: yarl would otherwise re-quote it,
    decoding ``%2F`` or ``%3A`` in a query value (which the providers' webhook URLs and signed
    output URLs must keep). Anything else is encoded by yarl.
    """
    target = url if _ENCODED_URL.fullmatch(url) else str(yarl.URL(url))
    if params:
        query = urllib.parse.urlencode(params, safe="", quote_via=urllib.parse.quote)
        target = f"{target}{'&' if '?' in target else '?'}{query}"
    return yarl.URL(target, encoded=True)


@functools.lru_cache(maxsize=64)
def _client_timeout(read: float, connect: float) -> aiohttp.ClientTimeout:
    """The (immutable) timeouts of a call, made once per pair of values."""
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)


@functools.cache
def _proxy_for(proxies: tuple[tuple[str, str], ...], scheme: str, host: str) -> str | None:
    if not host or urllib.request.proxy_bypass(host):
        return None
    return dict(proxies).get(scheme)


def _environment_proxies() -> tuple[tuple[str, str], ...]:
    """``(scheme, proxy URL)`` pairs from the environment's ``*_PROXY`` variables."""
    found = urllib.request.getproxies()
    return tuple(sorted((k, v) for k, v in found.items() if k in ("http", "https") and v))


@contextmanager
def translated_failures() -> Iterator[None]:
    """Raise aiohttp's and the socket layer's failures as :class:`HttpFailure` kinds.

    A ``TimeoutError`` of an ``asyncio.timeout`` around the call is not touched: it is raised
    outside this block, where its owner expects it."""
    try:
        yield
    except HttpFailure:
        raise
    except TimeoutError as exc:  # aiohttp's ServerTimeoutError and ConnectionTimeoutError
        raise HttpTimeout(_detail(exc)) from exc
    except ValueError as exc:  # aiohttp.InvalidURL and NonHttpUrlClientError are ValueErrors
        raise HttpBadUrl(_detail(exc)) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise HttpConnectionError(_detail(exc)) from exc


def _detail(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
