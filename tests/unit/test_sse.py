"""SSE parsing of both envelope styles, cut detection and completion assembly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource

from vftest.errors import ServerError, TransportError
from vftest.sse import (
    StreamEvent,
    assemble_completions,
    events_from_chunks,
    iter_events,
    read_stream,
)
from vftest.testing import sse_events

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def capture_body(data_dir: Path, prefix: str) -> bytes:
    raw = next((data_dir / "captures").glob(f"{prefix}-*.response.txt")).read_bytes()
    _, _, body = raw.partition(b"\r\n\r\n")
    assert body, "capture has no body"
    return body


async def events(chunks: list[bytes]) -> list[StreamEvent]:
    return [e async for e in iter_events(events_from_chunks(chunks))]


def bytewise(body: bytes) -> list[bytes]:
    return [body[i : i + 1] for i in range(len(body))]


# --------------------------------------------------------------------------- captures (v2beta1)


async def test_capture_40_launch_v2beta1(data_dir: Path) -> None:
    body = capture_body(data_dir, "40")
    result = await read_stream(events_from_chunks([body]), started=0.0)
    types = [t["type"] for t in result.traces]
    assert types == ["flow", "block", "debug", "block", "text", "block", "speak", "block", "choice"]
    assert result.traces[4]["payload"]["message"] == "Welcome to Pizza Place, friend!"
    # envelope unwrapped: no {"type": "trace", "trace": ...} left
    assert all("trace" not in t for t in result.traces)
    assert result.state["variables"]["user_name"] == "friend"
    assert result.first_trace is not None


async def test_capture_41_text_v2beta1_bytewise(data_dir: Path) -> None:
    body = capture_body(data_dir, "41")
    # one byte per chunk: lines and events must survive arbitrary chunk boundaries
    got = await events(bytewise(body))
    kinds = [e.kind for e in got]
    assert kinds.count("trace") == 17
    assert kinds[-2:] == ["state", "end"]
    traces = [e.data for e in got if e.kind == "trace"]
    assert [t["type"] for t in traces if t["type"] in ("text", "visual", "end")] == [
        "text",
        "visual",
        "text",
        "end",
    ]
    state = next(e.data for e in got if e.kind == "state")
    assert state["stack"] == []


async def test_capture_cut_before_end_is_transport_error(data_dir: Path) -> None:
    body = capture_body(data_dir, "40")
    cut = body[: body.index(b"event:state")]
    with pytest.raises(TransportError, match="stream cut after 9 traces"):
        await read_stream(events_from_chunks([cut]), started=0.0)


# --------------------------------------------------------------------------- hosted style


TEXT = {"type": "text", "payload": {"message": "give me a moment..."}, "time": 1725899197143}
CHOICE = {"type": "choice", "payload": {"buttons": [{"name": "Yes", "request": {"type": "yes"}}]}}


async def test_hosted_bare_traces_with_spaces_ids_and_state() -> None:
    body = sse_events(("trace", TEXT), ("trace", CHOICE), ("state", {"variables": {"a": 1}}))
    result = await read_stream(events_from_chunks([body]), started=0.0)
    assert result.traces == [TEXT, CHOICE]
    assert result.state == {"variables": {"a": 1}}


async def test_hosted_docs_example_end_without_data() -> None:
    body = b"event: trace\nid: 1\ndata: " + json.dumps(TEXT).encode() + b"\n\nevent: end\nid: 2\n\n"
    got = await events([body])
    assert got == [StreamEvent("trace", TEXT), StreamEvent("end")]


async def test_multiline_data_keepalive_comments_retry_and_crlf() -> None:
    text = json.dumps(TEXT, indent=1).split("\n")
    body = (
        "retry:2000\r\n\r\n"
        ": keep-alive\r\n\r\n"
        "event: trace\r\n" + "".join(f"data:{line}\r\n" for line in text) + "\r\n"
        ":ping\r\n"
        "event:trace\r\ndata: " + json.dumps(CHOICE) + "\r\n\r\n"
        "event: end\r\n\r\n"
    ).encode()
    got = await events(bytewise(body))
    assert got == [StreamEvent("trace", TEXT), StreamEvent("trace", CHOICE), StreamEvent("end")]


async def test_data_only_message_events_are_traces() -> None:
    body = b"data: " + json.dumps(TEXT).encode() + b"\n\nevent: end\n\n"
    assert await events([body]) == [StreamEvent("trace", TEXT), StreamEvent("end")]


async def test_unknown_event_kinds_are_ignored() -> None:
    body = b'event: metrics\ndata: {"x": 1}\n\n' + sse_events(("trace", TEXT))
    assert await events([body]) == [StreamEvent("trace", TEXT), StreamEvent("end")]


async def test_nothing_after_end_is_read() -> None:
    body = sse_events(("trace", TEXT)) + b"event: trace\ndata: not json\n\n"
    assert [e.kind for e in await events([body])] == ["trace", "end"]


# --------------------------------------------------------------------------- httpx-sse gaps


async def test_httpx_sse_drops_unterminated_final_end_and_we_do_not() -> None:
    # A server closing right after `event: end` with no blank line: spec-wise the event is
    # incomplete and httpx-sse discards it, which would read as a cut stream.
    body = b"event: trace\ndata: " + json.dumps(TEXT).encode() + b"\n\nevent: end\nid: 2\n"
    raw = [e.event async for e in EventSource(events_from_chunks([body])).aiter_sse()]
    assert raw == ["trace"]  # the shortfall
    assert [e.kind for e in await events([body])] == ["trace", "end"]


async def test_httpx_sse_keeps_a_bom_and_we_strip_it() -> None:
    body = b"\xef\xbb\xbfevent: state\ndata: {}\n\n" + sse_events(("trace", TEXT))
    raw = [e.event async for e in EventSource(events_from_chunks([body])).aiter_sse()]
    assert raw[0] == "message"  # the BOM-prefixed field name was not recognised
    got = await events([body])
    assert got[0] == StreamEvent("state", {})


async def test_unterminated_trace_at_eof_is_a_cut_not_a_trace() -> None:
    body = sse_events(("trace", TEXT), end=False) + b"event: trace\ndata: " + b'{"type": "te'
    with pytest.raises(TransportError, match="stream cut after 1 traces"):
        await events([body])


# --------------------------------------------------------------------------- failures


async def test_malformed_data_mid_stream_is_transport_error() -> None:
    body = b"event: trace\ndata: {not json}\n\n" + sse_events(("trace", TEXT))
    with pytest.raises(TransportError, match="malformed SSE data"):
        await events([body])


async def test_trace_without_type_is_transport_error() -> None:
    body = b'event: trace\ndata: {"payload": 1}\n\nevent: end\n\n'
    with pytest.raises(TransportError, match="without a trace type"):
        await events([body])


async def test_connection_drop_mid_stream_is_transport_error() -> None:
    class Dropping(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            yield sse_events(("trace", TEXT), ("trace", CHOICE), end=False)
            raise httpx.RemoteProtocolError("peer closed connection")

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Dropping())
    with pytest.raises(TransportError, match="stream cut after 2 traces"):
        await read_stream(response, started=0.0)


async def test_read_timeout_mid_stream_is_transport_error() -> None:
    class Stalling(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            yield sse_events(("trace", TEXT), end=False)
            raise httpx.ReadTimeout("timed out")

    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Stalling())
    with pytest.raises(TransportError, match="read timeout, stream cut after 1 traces"):
        await read_stream(response, started=0.0)


async def test_not_an_event_stream_is_transport_error() -> None:
    response = httpx.Response(200, json=[TEXT])
    with pytest.raises(TransportError, match="expected an event stream"):
        await read_stream(response, started=0.0)


async def test_error_event_is_server_error() -> None:
    body = sse_events(("trace", TEXT), end=False) + b'event: error\ndata: {"message": "boom"}\n\n'
    with pytest.raises(ServerError, match="boom"):
        await read_stream(events_from_chunks([body]), started=0.0)


async def test_first_trace_and_latency_are_measured() -> None:
    ticks = iter([1.5, 4.0])
    body = sse_events(("state", {}), ("trace", TEXT), ("trace", CHOICE))
    result = await read_stream(events_from_chunks([body]), started=1.0, clock=lambda: next(ticks))
    assert result.first_trace == pytest.approx(0.5)
    assert result.latency == pytest.approx(3.0)


# --------------------------------------------------------------------------- completions


def test_hosted_completion_sequence_is_assembled(data_dir: Path) -> None:
    chunks = json.loads((data_dir / "traces" / "completion.sequence.docs.json").read_text())
    traces = [TEXT, *chunks, CHOICE]
    assembled, raw = assemble_completions(traces)
    assert assembled == [
        TEXT,
        {
            "type": "completion",
            "payload": {
                "message": "Welcome to our service. How can I help you today? Perhaps you're "
                "interested in our latest offers or need assistance with an existing order? "
                "Let me know if you have any other questions!"
            },
        },
        CHOICE,
    ]
    assert list(raw) == chunks


def test_oss_completion_sequence_is_assembled(data_dir: Path) -> None:
    wrapped = json.loads(
        (data_dir / "traces" / "completion-start-continue.v2beta1-sse-data.docs.json").read_text()
    )
    chunks = [w["trace"] for w in wrapped] + [{"type": "completion-end", "payload": {}}]
    assembled, raw = assemble_completions([*chunks, TEXT])
    assert assembled == [
        {
            "type": "completion",
            "payload": {"message": "Welcome to our service.How can I help you today?"},
        },
        TEXT,
    ]
    assert len(raw) == 3


def test_two_runs_and_an_orphan_chunk_each_become_a_trace() -> None:
    def c(state: str, content: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"state": state}
        if content is not None:
            payload["content"] = content
        return {"type": "completion", "payload": payload}

    traces = [c("start"), c("content", "a"), c("end"), TEXT, c("content", "orphan"), c("start")]
    traces += [c("content", "b"), c("content", "c")]  # stream stopped before `end`
    assembled, raw = assemble_completions(traces)
    messages = [t["payload"]["message"] for t in assembled if t["type"] == "completion"]
    assert messages == ["a", "orphan", "bc"]
    assert assembled[1] == TEXT
    assert len(raw) == 7


def test_no_completion_leaves_traces_alone() -> None:
    assembled, raw = assemble_completions([TEXT, CHOICE])
    assert assembled == [TEXT, CHOICE]
    assert raw == ()


async def test_streamed_completions_are_assembled_in_read_stream() -> None:
    body = sse_events(
        ("trace", {"type": "completion", "payload": {"state": "start"}}),
        ("trace", {"type": "completion", "payload": {"state": "content", "content": "Hi "}}),
        ("trace", {"type": "completion", "payload": {"state": "content", "content": "there"}}),
        ("trace", {"type": "completion", "payload": {"state": "end"}}),
        envelope=True,
        space=False,
    )
    result = await read_stream(events_from_chunks([body]), started=0.0)
    # read_stream returns raw traces; assembly happens when the Exchange is built
    assembled, raw = assemble_completions(result.traces)
    assert assembled == [{"type": "completion", "payload": {"message": "Hi there"}}]
    assert len(raw) == 4
