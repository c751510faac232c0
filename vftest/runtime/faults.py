"""Deliberate misbehaviour of the local runtime: latency, rate limiting and injected faults.

Where each fault strikes (so tests know what a retry may repeat):
* `500`/`502`/`503` and `timeout` answer *before* the request is handled: no state changes,
  like a crashed worker, a gateway error or an overloaded pod; retrying is safe.
* `cut` and `malformed` strike *after* the turn ran and was saved, while the answer travels:
  the conversation moved on even though the client got nothing usable.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from datetime import UTC, datetime

import httpx
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from vftest.runtime.errors import response_builder
from vftest.runtime.options import RateLimit, RuntimeOptions

__all__ = [
    "BEFORE_HANDLING",
    "CutResponse",
    "FaultInjector",
    "RateLimiter",
    "connection_cut",
    "malformed_json",
    "too_many_requests",
]

BEFORE_HANDLING = frozenset({"500", "502", "503", "timeout"})
"""Faults answered instead of handling the request (nothing is saved)."""

_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
)


class FaultInjector:
    """Latency and fault choice for one app, from one seeded RNG (reproducible with `seed`)."""

    def __init__(self, options: RuntimeOptions) -> None:
        self._latency = options.latency
        self._faults = options.faults
        self._rng = random.Random(options.seed)
        # uvicorn runs the app on one loop, but RunningServer users may share it across threads.
        self._rng_guard = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether any knob is on (the app skips all of this on its hot path otherwise)."""
        return self._latency is not None or (self._faults is not None and self._faults.rate > 0)

    async def delay(self) -> None:
        """Sleep the configured latency (asynchronously: other requests keep running)."""
        if self._latency is None:
            return
        jitter = 0.0
        if self._latency.jitter_ms:
            with self._rng_guard:
                jitter = self._rng.uniform(0, self._latency.jitter_ms)
        await asyncio.sleep((self._latency.fixed_ms + jitter) / 1000)

    def pick(self) -> str | None:
        """The fault for this request, or None for a normal answer."""
        faults = self._faults
        if faults is None or faults.rate <= 0:
            return None
        with self._rng_guard:
            if self._rng.random() >= faults.rate:
                return None
            return self._rng.choice(faults.kinds)

    async def answer_before(self, kind: str) -> Response:
        """The response for a fault that strikes before handling (see module docstring)."""
        if kind == "timeout":
            await asyncio.sleep(self._faults.hang_seconds if self._faults else 0.0)
            # What the real runtime's connect-timeout middleware sends after ERROR_RESPONSE_MS.
            return Response("response timeout", 408, media_type="text/html; charset=utf-8")
        code = int(kind)
        if code == 500:
            return response_builder(500, "Injected fault: Internal Server Error")
        phrase = "Bad Gateway" if code == 502 else "Service Temporarily Unavailable"
        return Response(
            _GATEWAY_PAGE.format(code=code, phrase=phrase), code, media_type="text/html"
        )


def connection_cut() -> httpx.RemoteProtocolError:
    """The error that ends a cut response.

    It is httpx's own error on purpose: in-process (httpx.ASGITransport) the app's exception
    reaches the client unchanged, so a client sees exactly what a dropped socket gives it.
    Over uvicorn the exception makes the server close the connection mid-body.
    """
    return httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body (vftest injected 'cut')"
    )


class CutResponse(Response):
    """Sends the status, headers and half the body of `response`, then drops the connection."""

    def __init__(self, response: Response) -> None:
        self._inner = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Start the inner response, deliver half its body, then fail."""
        body = bytes(self._inner.body)
        if not body:
            # With `Content-Length: 0` the headers alone complete the response, and a drop
            # after them would race keep-alive (landing on the *next* request): drop before.
            raise connection_cut()
        await send(
            {
                "type": "http.response.start",
                "status": self._inner.status_code,
                "headers": self._inner.raw_headers,
            }
        )
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        raise connection_cut()


def malformed_json(body: bytes) -> bytes:
    """A JSON document cut short, so it no longer parses (framing stays valid)."""
    return body[: max(1, len(body) // 2)]


class RateLimiter:
    """Fixed-window request budget per key, with the headers of backend-utils' rate limiter."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._windows: dict[str, tuple[float, int]] = {}
        self._guard = threading.Lock()

    def consume(self, key: str) -> tuple[bool, dict[str, str]]:
        """Spend one point of `key`'s budget.

        Returns:
            (allowed, headers): the `X-RateLimit-*` headers (plus `Retry-After` when refused).
        """
        now = time.monotonic()
        with self._guard:
            start, used = self._windows.get(key, (now, 0))
            if now - start >= self._limit.seconds:
                start, used = now, 0
                if len(self._windows) > 10_000:  # drop stale windows now and then
                    self._prune(now)
            used += 1
            self._windows[key] = (start, used)
        ms_before_next = max(0.0, (start + self._limit.seconds - now) * 1000)
        reset = datetime.fromtimestamp(time.time() + ms_before_next / 1000, UTC)
        allowed = used <= self._limit.points
        headers = {
            "X-RateLimit-Limit": str(self._limit.points),
            "X-RateLimit-Remaining": str(max(0, self._limit.points - used)),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        }
        if not allowed:
            # backend-utils floors the seconds (capture 39: 59 with ~60 s left).
            headers = {"Retry-After": str(math.floor(ms_before_next / 1000)), **headers}
        return allowed, headers

    def _prune(self, now: float) -> None:
        expired = [k for k, (s, _) in self._windows.items() if now - s >= self._limit.seconds]
        for key in expired:
            del self._windows[key]


def too_many_requests(headers: dict[str, str]) -> Response:
    """The 429 body and headers of capture 39."""
    response = response_builder(429, "Too Many Requests")
    response.headers.update(headers)
    return response
