"""A scriptable fault-injecting httpx transport, for vftest's tests and for users' own.

Each call to the transport plays the next scripted step (answer, error, cut stream, delay...);
unscripted or unmatched calls go to a fallback transport, e.g. an ASGI app.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any

import anyio
import httpx

__all__ = [
    "FaultTransport",
    "Step",
    "connect_error",
    "connect_timeout",
    "delay",
    "malformed_json",
    "ok_json",
    "passthrough",
    "read_timeout",
    "remote_disconnect",
    "sse",
    "sse_cut",
    "sse_events",
    "status",
    "with_faults",
]

Step = Callable[[httpx.Request, "FaultTransport"], Awaitable[httpx.Response]]
"""One scripted call: given the request (and the transport, for passthrough), answer or raise."""

Predicate = Callable[[httpx.Request], bool]


class FaultTransport(httpx.AsyncBaseTransport):
    """Plays `steps` in order on matching requests, then falls back.

    `when` chooses which requests the script applies to (default: all); others, and matching
    ones once the script is used up, go to `fallback`. Without a fallback an unscripted call
    raises RuntimeError, which is a bug in the test, not a fault of the runtime.
    `requests` records every request seen, in order (bodies are already read).
    """

    def __init__(
        self,
        steps: Iterable[Step] = (),
        *,
        fallback: httpx.AsyncBaseTransport | None = None,
        when: Predicate | None = None,
    ) -> None:
        self._steps: deque[Step] = deque(steps)
        self.fallback = fallback
        self._when = when
        self.requests: list[httpx.Request] = []

    def add(self, *steps: Step) -> FaultTransport:
        """Append steps to the script; returns self for chaining."""
        self._steps.extend(steps)
        return self

    @property
    def remaining(self) -> int:
        """Scripted steps not played yet."""
        return len(self._steps)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Play the next step for this request (httpx transport API)."""
        await request.aread()
        self.requests.append(request)
        if self._steps and (self._when is None or self._when(request)):
            step = self._steps.popleft()
            return await step(request, self)
        return await self.forward(request)

    async def forward(self, request: httpx.Request) -> httpx.Response:
        """Send a request to the fallback transport."""
        if self.fallback is None:
            raise RuntimeError(
                f"FaultTransport: no scripted step left for {request.method} {request.url.path}"
            )
        return await self.fallback.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the fallback transport too."""
        if self.fallback is not None:
            await self.fallback.aclose()


def with_faults(
    app: Callable[..., Any], steps: Iterable[Step] = (), *, when: Predicate | None = None
) -> FaultTransport:
    """A FaultTransport in front of an ASGI app: scripted faults first, then the real app."""
    return FaultTransport(steps, fallback=httpx.ASGITransport(app=app), when=when)


# --------------------------------------------------------------------------- steps


def ok_json(body: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Step:
    """Answer with a JSON body."""

    async def step(request: httpx.Request, _: FaultTransport) -> httpx.Response:
        return httpx.Response(status_code, json=body, headers=headers, request=request)

    return step


def status(
    status_code: int,
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> Step:
    """Answer with a status; `body` is sent as JSON unless it is str/bytes (sent as-is)."""

    async def step(request: httpx.Request, _: FaultTransport) -> httpx.Response:
        if isinstance(body, bytes | str):
            return httpx.Response(status_code, content=body, headers=headers, request=request)
        if body is None:
            return httpx.Response(status_code, headers=headers, request=request)
        return httpx.Response(status_code, json=body, headers=headers, request=request)

    return step


def malformed_json(status_code: int = 200) -> Step:
    """A JSON content type over a body that is not JSON (truncated array)."""
    return status(
        status_code,
        b'[{"type": "text", "payload": {"message": "cut he',
        headers={"content-type": "application/json"},
    )


def _raiser(kind: type[httpx.TransportError], message: str) -> Step:
    async def step(request: httpx.Request, _: FaultTransport) -> httpx.Response:
        raise kind(message, request=request)

    return step


def connect_error() -> Step:
    """Connection refused: nothing was sent."""
    return _raiser(httpx.ConnectError, "[Errno 111] Connection refused")


def connect_timeout() -> Step:
    """The connection could not be established in time: nothing was sent."""
    return _raiser(httpx.ConnectTimeout, "timed out connecting")


def read_timeout() -> Step:
    """The request went out but no answer came back in time."""
    return _raiser(httpx.ReadTimeout, "timed out reading")


def remote_disconnect() -> Step:
    """The server closed the connection after receiving the request, without answering."""
    return _raiser(httpx.RemoteProtocolError, "Server disconnected without sending a response.")


def delay(seconds: float, then: Step) -> Step:
    """Wait, then play `then` (slow runtime)."""

    async def step(request: httpx.Request, transport: FaultTransport) -> httpx.Response:
        await anyio.sleep(seconds)
        return await then(request, transport)

    return step


def passthrough() -> Step:
    """Let this call through to the fallback (to fault only the Nth call)."""

    async def step(request: httpx.Request, transport: FaultTransport) -> httpx.Response:
        return await transport.forward(request)

    return step


class _ScriptedStream(httpx.AsyncByteStream):
    """A body sent in chunks, optionally pausing, then ending cleanly or with an error."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        pause: float = 0.0,
        error: httpx.TransportError | None = None,
    ) -> None:
        self._chunks = list(chunks)
        self._pause = pause
        self._error = error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            if self._pause:
                await anyio.sleep(self._pause)
            yield chunk
        if self._error is not None:
            raise self._error


def sse(
    body: bytes | str | Iterable[bytes],
    *,
    pause: float = 0.0,
    headers: Mapping[str, str] | None = None,
) -> Step:
    """A 200 `text/event-stream` answer; an iterable body is sent chunk by chunk."""
    chunks = _chunks(body)

    async def step(request: httpx.Request, _: FaultTransport) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream", **(headers or {})},
            stream=_ScriptedStream(chunks, pause=pause),
            request=request,
        )

    return step


def sse_cut(
    body: bytes | str,
    at: int,
    *,
    error: type[httpx.TransportError] | None = httpx.RemoteProtocolError,
) -> Step:
    """An event stream whose first `at` bytes arrive, then the connection drops.

    With `error=None` the body just ends (a clean close before `event: end`);
    `httpx.ReadTimeout` simulates a runtime that goes silent mid-turn.
    """
    data = body.encode() if isinstance(body, str) else body

    async def step(request: httpx.Request, _: FaultTransport) -> httpx.Response:
        failure = error("peer closed connection mid-body", request=request) if error else None
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            stream=_ScriptedStream([data[:at]], error=failure),
            request=request,
        )

    return step


def sse_events(
    *events: tuple[str, Any], space: bool = True, end: bool = True, envelope: bool = False
) -> bytes:
    """Build an SSE body: `("trace", {...})`, `("state", {...})`; adds `event: end` by default.

    `envelope=True` wraps data the OSS v2beta1 way (`{"type": "trace", "trace": ...}`);
    `space=False` writes `field:value` like better-sse does.
    """
    sep = ": " if space else ":"
    lines: list[str] = []
    for number, (name, data) in enumerate(events, start=1):
        payload = {"type": name, name: data} if envelope else data
        lines += [f"event{sep}{name}", f"id{sep}{number}", f"data{sep}{json.dumps(payload)}", ""]
    if end:
        lines += [f"event{sep}end", f"id{sep}{len(events) + 1}"]
        if envelope:
            lines.append(f'data{sep}{{"type":"end"}}')
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def _chunks(body: bytes | str | Iterable[bytes]) -> list[bytes]:
    if isinstance(body, str):
        return [body.encode()]
    if isinstance(body, bytes):
        return [body]
    return list(body)
