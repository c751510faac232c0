"""Server-sent events of the streaming interact endpoints, on top of httpx-sse.

Understands the hosted envelope (bare trace in `data:`) and the OSS v2beta1 one
(`{"type":"trace","trace":{...}}`), detects streams cut before `event: end`, and assembles
streamed LLM completions into one trace.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from httpx_sse import EventSource, ServerSentEvent, SSEError

from vftest import jsonlimits
from vftest.errors import ServerError, TransportError, VftestError
from vftest.models import Trace
from vftest.redact import redact

__all__ = [
    "StreamEvent",
    "StreamResult",
    "assemble_completions",
    "decode_event",
    "events_from_chunks",
    "iter_events",
    "read_stream",
]

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One meaningful event of an interact stream, whatever the envelope style."""

    kind: Literal["trace", "state", "end", "error"]
    data: Any = None  # the trace dict, the state object, or the error message


@dataclass(frozen=True, slots=True)
class StreamResult:
    """Everything one streamed turn produced, in arrival order."""

    traces: list[Trace]
    state: Any
    first_trace: float | None  # seconds from `started` to the first trace event
    latency: float  # seconds from `started` to `event: end`


class _EofMarkingStream(httpx.AsyncByteStream):
    """Re-streams a body, dropping a BOM and closing the last event at end of file.

    httpx-sse follows the SSE spec and silently discards an event that is not followed by a
    blank line when the body ends; a server that closes right after `event: end` would then
    look like a cut stream. Appending a blank line lets that event through, and `eof` tells
    the reader which event was only completed by this synthetic terminator.
    """

    def __init__(self, source: AsyncIterable[bytes]) -> None:
        self._source = source
        self.eof = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        first = True
        async for chunk in self._source:
            if first and chunk:
                first = False
                # The SSE spec strips one leading U+FEFF; httpx-sse does not.
                chunk = chunk.removeprefix(_BOM)
            yield chunk
        self.eof = True
        yield b"\n\n"


def decode_event(sse: ServerSentEvent) -> StreamEvent | None:
    """The meaning of one SSE message, or None for messages to ignore (retry-only, unknown).

    Raises:
        ValueError: `data:` is not JSON where JSON is required.
    """
    name = sse.event
    raw = sse.data
    if name == "end":
        return StreamEvent("end")
    if name == "error":
        return StreamEvent("error", _error_text(raw))
    if not raw.strip():
        # `retry:`-only messages and empty keep-alive events carry nothing.
        return None
    value = jsonlimits.loads(raw)
    if isinstance(value, dict):
        envelope = value.get("type")
        # v2beta1 wraps everything: {"type":"trace","trace":{...}} / "state" / "end".
        if envelope == "trace" and isinstance(value.get("trace"), dict):
            return StreamEvent("trace", value["trace"])
        if envelope == "state" and "state" in value and name in ("state", "message"):
            return StreamEvent("state", value["state"])
        if envelope == "end" and name in ("end", "message"):
            return StreamEvent("end")
    if name == "state":
        return StreamEvent("state", value)
    if name in ("trace", "message"):
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise ValueError(f"trace event without a trace type: {raw[:200]!r}")
        return StreamEvent("trace", value)
    return None  # an event kind this version does not know: not ours to judge


def _error_text(raw: str) -> str:
    try:
        value = jsonlimits.loads(raw)
    except ValueError:
        return raw.strip()[:300] or "(no details)"
    if isinstance(value, dict):
        for key in ("message", "error", "data"):
            if isinstance(value.get(key), str):
                return str(value[key])[:300]
    return raw.strip()[:300]


async def iter_events(
    response: httpx.Response, *, where: str = "stream", secrets: Iterable[str] = ()
) -> AsyncIterator[StreamEvent]:
    """The decoded events of a streaming response, stopping after `end`.

    `secrets` are removed from every error message (they may quote the runtime's data).

    Raises:
        TransportError: not an event stream, undecodable data, connection dropped, read
            timeout, or the body ended before `event: end` ("stream cut after N traces").
    """
    wrapper = _EofMarkingStream(response.aiter_bytes())
    # A fresh Response over the already-decoded bytes: only the content type (and charset)
    # matters to httpx-sse; copying content-encoding would make httpx decode twice.
    relay = httpx.Response(
        response.status_code,
        headers={"content-type": response.headers.get("content-type", "")},
        stream=wrapper,
    )
    traces = 0
    failure: str | None = None
    try:
        async for sse in EventSource(relay).aiter_sse():
            try:
                event = decode_event(sse)
            except ValueError as exc:
                # Not chained: the decoding error quotes the runtime's data verbatim.
                failure = (
                    # Completed only by our terminator: the body stopped inside this event.
                    f"{where}: stream cut after {traces} traces"
                    if wrapper.eof
                    else f"{where}: malformed SSE data: {exc}"
                )
                break
            if event is None:
                continue
            if event.kind == "trace":
                traces += 1
            yield event
            if event.kind in ("end", "error"):
                return
        else:
            failure = f"{where}: stream cut after {traces} traces (no `end` event)"
    except SSEError as exc:
        raise _error(TransportError, f"{where}: expected an event stream: {exc}", secrets) from exc
    except httpx.TimeoutException as exc:
        message = f"{where}: read timeout, stream cut after {traces} traces (not resent)"
        raise _error(TransportError, message, secrets) from exc
    except httpx.HTTPError as exc:
        message = f"{where}: stream cut after {traces} traces ({type(exc).__name__}: {exc})"
        raise _error(TransportError, message, secrets) from exc
    finally:
        await relay.aclose()
    raise _error(TransportError, failure, secrets)


def _error(cls: type[VftestError], message: str, secrets: Iterable[str]) -> VftestError:
    return cls(redact(message, secrets))


async def read_stream(
    response: httpx.Response,
    *,
    started: float,
    where: str = "stream",
    secrets: Iterable[str] = (),
    clock: Callable[[], float] = time.perf_counter,
) -> StreamResult:
    """Read a whole turn from a streaming response.

    Raises:
        TransportError: see `iter_events`.
        ServerError: the runtime sent an `error` event.
    """
    traces: list[Trace] = []
    state: Any = None
    first: float | None = None
    hidden = list(secrets)
    async for event in iter_events(response, where=where, secrets=hidden):
        if event.kind == "trace":
            if first is None:
                first = clock() - started
            traces.append(event.data)
        elif event.kind == "state":
            state = event.data
        elif event.kind == "error":
            message = f"{where}: the runtime sent an error event: {event.data}"
            raise _error(ServerError, message, hidden)
    return StreamResult(traces=traces, state=state, first_trace=first, latency=clock() - started)


# --------------------------------------------------------------------------- completions

_OSS_COMPLETION = {
    "completion-start": "start",
    "completion-continue": "content",
    "completion-end": "end",
}


def _completion_role(trace: Trace) -> str | None:
    kind = trace.get("type")
    if kind in _OSS_COMPLETION:
        return _OSS_COMPLETION[kind]
    if kind == "completion":
        payload = trace.get("payload")
        state = payload.get("state") if isinstance(payload, dict) else None
        return state if state in ("start", "end") else "content"
    return None


def _completion_text(trace: Trace) -> str:
    payload = trace.get("payload")
    if not isinstance(payload, dict):
        return ""
    # Hosted chunks carry `content`; OSS start/continue carry `completion`.
    for key in ("content", "completion"):
        value = payload.get(key)
        if isinstance(value, str):
            return value
    return ""


def assemble_completions(traces: Iterable[Trace]) -> tuple[list[Trace], tuple[Trace, ...]]:
    """Fold each run of completion chunks into one `completion` trace.

    A run (hosted `completion` start/content/end, or OSS `completion-start`/`-continue`/`-end`)
    becomes `{"type": "completion", "payload": {"message": <concatenated text>}}` at the
    position of its first chunk. Returns the new trace list and the raw chunks, in order.
    """
    out: list[Trace] = []
    chunks: list[Trace] = []
    runs: list[tuple[int, list[str]]] = []  # (position in `out`, text parts)
    open_run: list[str] | None = None
    for trace in traces:
        role = _completion_role(trace)
        if role is None:
            out.append(trace)
            continue
        chunks.append(trace)
        if role == "start" or open_run is None:
            # A chunk without a start (or a start before the previous end) opens a new run
            # rather than being dropped: losing model output would hide a failure.
            open_run = []
            runs.append((len(out), open_run))
            out.append({})  # placeholder, filled once the run's text is complete
        open_run.append(_completion_text(trace))
        if role == "end":
            open_run = None
    for position, parts in runs:
        out[position] = {"type": "completion", "payload": {"message": "".join(parts)}}
    return out, tuple(chunks)


def events_from_chunks(chunks: Sequence[bytes]) -> httpx.Response:
    """A streaming `text/event-stream` response made of literal byte chunks (tests, replays)."""
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=_ChunkStream(chunks),
    )


class _ChunkStream(httpx.AsyncByteStream):
    def __init__(self, chunks: Sequence[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk
