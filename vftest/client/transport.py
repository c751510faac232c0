"""Sends one request with the only retries that are safe, and classifies every fault.

`interact` is not idempotent, so a request is resent only when the runtime cannot have
processed it: a 429 (rejected before processing) or a connection that was never established.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import anyio
import httpx

from vftest import jsonlimits
from vftest.client.settings import ClientSettings, RequestGate
from vftest.errors import (
    AuthError,
    ConfigError,
    NoAnswerError,
    RateLimitedError,
    ServerError,
    TransportError,
    VftestError,
)
from vftest.redact import redact

__all__ = [
    "AUTH_MARKERS",
    "IDEMPOTENT_METHODS",
    "Caller",
    "classify_status",
    "retry_after_seconds",
    "runtime_message",
]

log = logging.getLogger("vftest.client")

# Fragments of the runtime's messages (API.md §5) that mean "your key / project / version is
# wrong": every other case would fail the same way, so these stop the run (AuthError).
AUTH_MARKERS = (
    "api key",
    "auth key",
    "missing versionid",
    "version alias",
    "resolve project",
    "not published",
    "model not found",
    "no access to project",
    "not public",
    "project version tag",
    "environment not found",
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_DEFAULT_429_WAIT = 1.0  # no Retry-After nor X-RateLimit-Reset: a polite guess
_MIN_429_WAIT = 0.01  # a server saying "Retry-After: 0" forever must still not be hammered
_MAX_BODY_QUOTE = 300


def retry_after_seconds(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait before resending after a 429, from `Retry-After` or `X-RateLimit-Reset`.

    `Retry-After` may be delta-seconds or an HTTP date; `X-RateLimit-Reset` is an ISO-8601 date
    on the Voiceflow runtime (epoch seconds or a delta are accepted too). None when neither
    header is usable.
    """
    moment = now or datetime.now(UTC)
    value = headers.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - moment).total_seconds())
    reset = headers.get("x-ratelimit-reset", "").strip()
    if reset:
        try:
            number = float(reset)
        except ValueError:
            try:
                when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
            except ValueError:
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - moment).total_seconds())
        # Large numbers are epoch seconds, small ones a delta.
        return max(0.0, number - moment.timestamp()) if number > 1e9 else max(0.0, number)
    return None


def runtime_message(body: bytes) -> str:
    """The runtime's own words from an error body (any of the three shapes of API.md §5)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return "(empty body)"
    try:
        value: Any = jsonlimits.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        for key in ("data", "message", "error"):
            found = value.get(key)
            if isinstance(found, str) and found:
                return _clip(found)
        errors = value.get("errors")
        if isinstance(errors, dict):
            parts = []
            for param, detail in errors.items():
                message = detail.get("message") if isinstance(detail, dict) else detail
                parts.append(f"{param}: {message}" if param else str(message))
            return _clip("; ".join(parts))
    if text.startswith("<"):
        # Express's default 404 page: keep the words, drop the markup.
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return _clip(text)


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_BODY_QUOTE else text[: _MAX_BODY_QUOTE - 1] + "…"


def classify_status(
    where: str, status: int, body: bytes, api: str = "", *, attempts: int = 1
) -> VftestError:
    """The exception for a non-2xx, non-429 answer; `where` is "METHOD /path".

    `attempts` > 1 says an idempotent request (a state read or reset) was already resent.
    """
    message = runtime_message(body)
    head = f"{where} -> {status}"
    lowered = message.lower()
    if status in (401, 403) or (
        status in (400, 404) and any(marker in lowered for marker in AUTH_MARKERS)
    ):
        return AuthError(f"{head}: the runtime refused the API key, project or version: {message}")
    if status == 408:
        return TransportError(f"{head}: the runtime timed out the request (not resent): {message}")
    if status >= 500:
        if not where.startswith("POST "):
            return ServerError(
                f"{head}: server error (gave up after {attempts} attempts): {message}"
            )
        return ServerError(
            f"{head}: server error (not resent, interact is not idempotent): {message}"
        )
    if status == 404 and message.lower().startswith("cannot "):
        hint = f" (unknown route: is `api: {api}` right for this runtime?)" if api else ""
        # A wrong URL or API generation: every request of the run would get the same answer.
        return ConfigError(f"{head}: {message}{hint}")
    return VftestError(f"{head}: the runtime rejected the request: {message}")


class Caller:
    """One runtime's HTTP endpoint as seen by a conversation: auth-free, retries built in.

    `secrets` is shared with the conversation and may grow (a v4 session key) after creation.
    """

    def __init__(
        self,
        settings: ClientSettings,
        http: httpx.AsyncClient,
        gate: RequestGate | None = None,
        *,
        secrets: list[str],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.settings = settings
        self._http = http
        self._gate = gate
        self._secrets = secrets
        self._clock = clock

    def __repr__(self) -> str:
        return f"Caller(base_url={self.settings.base_url!r}, api={self.settings.api.value!r})"

    def redact(self, text: str) -> str:
        """`text` without any secret this conversation knows."""
        return redact(text, self._secrets)

    def _error(self, cls: type[VftestError], message: str) -> VftestError:
        return cls(self.redact(message))

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[httpx.Response, float]:
        """Send and read a whole response; returns it (2xx/3xx) and seconds from send to body."""
        async with self._open(method, path, headers, json_body, params) as (response, started):
            where = f"{method} {response.request.url.path} -> {response.status_code}"
            try:
                await response.aread()
            except httpx.TimeoutException as exc:
                raise self._error(
                    TransportError, f"{where}: read timeout while reading the body (not resent)"
                ) from exc
            except httpx.HTTPError as exc:
                raise self._error(
                    TransportError,
                    f"{where}: connection dropped while reading the body ({type(exc).__name__})",
                ) from exc
            latency = self._clock() - started
        log.debug(self.redact(f"{where} in {latency:.3f}s"))
        return response, latency

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> AsyncIterator[tuple[httpx.Response, float]]:
        """Send and yield the open (unread) 2xx response and the time it was sent."""
        async with self._open(method, path, headers, json_body, params) as opened:
            yield opened

    @asynccontextmanager
    async def _open(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        json_body: Any,
        params: Mapping[str, str] | None,
    ) -> AsyncIterator[tuple[httpx.Response, float]]:
        response, started = await self._send(method, path, headers, json_body, params)
        try:
            yield response, started
        finally:
            await response.aclose()

    async def _send(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        json_body: Any,
        params: Mapping[str, str] | None,
    ) -> tuple[httpx.Response, float]:
        settings = self.settings
        rate_limited_since: float | None = None
        connect_failures = 0
        # Reading or resetting a user's state (GET, PUT, DELETE) can be resent after a 5xx:
        # doing it twice does what doing it once does. A POST (interact) never is.
        idempotent = method in IDEMPOTENT_METHODS
        server_failures = 0
        while True:
            request = self._http.build_request(
                method,
                settings.base_url + path,
                headers=dict(headers),
                json=json_body,
                params=params,
                timeout=settings.timeout,
            )
            where = f"{method} {request.url.path}"
            if self._gate is not None:
                await self._gate.acquire()
            started = self._clock()
            try:
                response = await self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                # Nothing reached the runtime: resending cannot run the turn twice.
                connect_failures += 1
                reason = _connect_reason(exc)
                if connect_failures > settings.connect_retries:
                    raise self._error(
                        TransportError,
                        f"{where}: {reason} (gave up after {connect_failures} attempts)",
                    ) from exc
                wait = settings.connect_backoff * 2 ** (connect_failures - 1)
                log.warning(self.redact(f"{where}: {reason}; retrying in {wait:.2f}s"))
                await anyio.sleep(wait)
                continue
            except httpx.TimeoutException as exc:
                raise self._error(
                    NoAnswerError,
                    f"{where}: no answer within {settings.timeout:g}s "
                    "(not resent: the runtime may have processed it)",
                ) from exc
            except httpx.HTTPError as exc:
                raise self._error(
                    TransportError,
                    f"{where}: connection failed after the request was sent "
                    f"({type(exc).__name__}; not resent)",
                ) from exc
            status = response.status_code
            if self._gate is not None:
                self._gate.observe(status, response.headers)
            if status == 429:
                await response.aclose()
                now = self._clock()
                if rate_limited_since is None:
                    rate_limited_since = started
                wait = retry_after_seconds(response.headers)
                wait = max(_MIN_429_WAIT, _DEFAULT_429_WAIT if wait is None else wait)
                spent = now - rate_limited_since
                if spent + wait > settings.max_429_wait:
                    raise self._error(
                        RateLimitedError,
                        f"{where} -> 429: still rate limited after {spent:.1f}s "
                        f"(next wait {wait:.1f}s exceeds max_429_wait={settings.max_429_wait:g}s)",
                    )
                log.info(self.redact(f"{where} -> 429: waiting {wait:.2f}s before resending"))
                await anyio.sleep(wait)
                continue
            if status >= 500 and idempotent and server_failures < settings.connect_retries:
                await response.aclose()
                server_failures += 1
                wait = settings.connect_backoff * 2 ** (server_failures - 1)
                log.warning(self.redact(f"{where} -> {status}; resending in {wait:.2f}s"))
                await anyio.sleep(wait)
                continue
            if status >= 400:
                try:
                    body = await response.aread()
                except httpx.HTTPError:
                    body = b""
                finally:
                    await response.aclose()
                error = classify_status(
                    where, status, body, settings.api.value, attempts=server_failures + 1
                )
                raise self._error(type(error), str(error))
            return response, started


def _connect_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in the pool"
    return "connection refused"


def json_body(
    response: httpx.Response, where: str, secrets: Iterable[str], *, quote: bool = True
) -> Any:
    """The parsed JSON of a read response, or TransportError naming what came instead.

    `quote=False` for a body that carries a credential (a v4 session key): part of a broken one
    cannot be redacted by matching, so nothing of it is quoted.
    """
    try:
        return jsonlimits.loads(response.content)
    except ValueError as exc:
        reason = "nested too deeply" if "nested deeper" in str(exc) else "malformed JSON body"
        if not quote:
            raise TransportError(
                f"{where}: {reason} ({len(response.content)} bytes, not quoted: it carries "
                "the session key)"
            ) from None
        excerpt = response.content[:120].decode("utf-8", "replace")
        raise TransportError(redact(f"{where}: {reason}: {excerpt!r}", secrets)) from None
