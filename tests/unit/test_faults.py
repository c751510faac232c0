"""Fault matrix: each fault lands in the right exception, is resent only when safe, never passes.

Also: the canary API key appears in no message, repr or log record on any path.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vftest.client import ClientSettings, Conversation, open_conversation, retry_after_seconds
from vftest.client.transport import runtime_message
from vftest.errors import (
    AuthError,
    InfrastructureError,
    RateLimitedError,
    ServerError,
    TransportError,
    VftestError,
)
from vftest.models import ApiGeneration, Exchange
from vftest.testing import (
    FaultTransport,
    Step,
    connect_error,
    connect_timeout,
    delay,
    malformed_json,
    ok_json,
    passthrough,
    read_timeout,
    remote_disconnect,
    sse,
    sse_cut,
    sse_events,
    status,
    with_faults,
)

pytestmark = pytest.mark.anyio

CANARY = "VF.DM.000000000000000000000000.canary-secret"
SESSION = "eyJhbGciOi.session-canary-jwt.sig"
TEXT = {"type": "text", "payload": {"message": "hello"}}
GOOD_SSE = sse_events(("trace", TEXT), ("trace", TEXT))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_settings(api: ApiGeneration = ApiGeneration.V1, **kw: Any) -> ClientSettings:
    kw.setdefault("max_429_wait", 0.3)
    kw.setdefault("connect_retries", 2)
    kw.setdefault("connect_backoff", 0.001)
    if api is not ApiGeneration.V1:
        kw.setdefault("project_id", "proj1")
    return ClientSettings(base_url="http://runtime.test", api=api, api_key=CANARY, timeout=2, **kw)


def conversation(
    steps: Sequence[Step], api: ApiGeneration = ApiGeneration.V1, **kw: Any
) -> tuple[Conversation, FaultTransport]:
    transport = FaultTransport(steps)
    http = httpx.AsyncClient(transport=transport)
    return open_conversation(make_settings(api, **kw), "u1", http), transport


V2S = {"api": ApiGeneration.V2, "stream": True}
V4S = {"api": ApiGeneration.V4, "stream": True}
SESSION_OK = ok_json({"sessionKey": SESSION})

# (id, steps, conversation kwargs, expected exception, message fragment, requests sent)
FAULTS: list[tuple[str, list[Step], dict[str, Any], type[Exception], str, int]] = [
    ("read-timeout", [read_timeout()], {}, TransportError, "no answer within 2s", 1),
    ("dropped-after-send", [remote_disconnect()], {}, TransportError, "not resent", 1),
    ("500", [status(500, {"data": "boom"})], {}, ServerError, "-> 500: server error", 1),
    ("502-html", [status(502, "<h1>Bad Gateway</h1>")], {}, ServerError, "Bad Gateway", 1),
    ("503", [status(503)], {}, ServerError, "-> 503", 1),
    ("408", [status(408, "response timeout")], {}, TransportError, "-> 408", 1),
    (
        "429-forever",
        [status(429, headers={"retry-after": "0.05"})] * 50,
        {},
        RateLimitedError,
        "-> 429: still rate limited",
        -1,
    ),
    (
        "429-beyond-budget",
        [status(429, headers={"retry-after": "120"})],
        {},
        RateLimitedError,
        "exceeds max_429_wait",
        1,
    ),
    (
        "refused-forever",
        [connect_error()] * 3,
        {},
        TransportError,
        "connection refused (gave up after 3 attempts)",
        3,
    ),
    ("connect-timeout-forever", [connect_timeout()] * 3, {}, TransportError, "connect timeout", 3),
    ("malformed-json", [malformed_json()], {}, TransportError, "malformed JSON body", 1),
    ("not-a-list", [ok_json({"oops": 1})], {}, TransportError, "expected a list of traces", 1),
    ("401", [status(401, {"data": "Auth Key Required"})], {}, AuthError, "Auth Key Required", 1),
    (
        "400-bad-key",
        [
            status(
                400,
                {
                    "name": "verror",
                    "message": "Cannot resolve project version, please verify that "
                    "your API key is correct.",
                },
            )
        ],
        {},
        AuthError,
        "-> 400: the runtime refused the API key",
        1,
    ),
    (
        "400-missing-version",
        [status(400, {"name": "verror", "message": "Missing versionID in request"})],
        {},
        AuthError,
        "Missing versionID",
        1,
    ),
    (
        "404-not-rendered",
        [status(404, {"data": "Model not found. Ensure project is properly rendered."})],
        {},
        AuthError,
        "Model not found",
        1,
    ),
    (
        "400-not-published",
        [status(400, {"message": "Voiceflow project was not published to production"})],
        {},
        AuthError,
        "not published",
        1,
    ),
    (
        "400-validation",
        [status(400, {"errors": {"logs": {"message": "Invalid value"}}})],
        {},
        VftestError,
        "rejected the request: logs: Invalid value",
        1,
    ),
    (
        "404-unknown-route",
        [status(404, "<pre>Cannot POST /state/user/u1/interact</pre>")],
        {},
        VftestError,
        "unknown route",
        1,
    ),
    ("sse-cut-mid-stream", [sse_cut(GOOD_SSE, 60)], V2S, TransportError, "stream cut after", 1),
    (
        "sse-clean-close-no-end",
        [sse_cut(GOOD_SSE, GOOD_SSE.index(b"event: end"), error=None)],
        V2S,
        TransportError,
        "stream cut after 2 traces",
        1,
    ),
    (
        "sse-read-timeout",
        [sse_cut(GOOD_SSE, GOOD_SSE.index(b"event: end"), error=httpx.ReadTimeout)],
        V2S,
        TransportError,
        "read timeout, stream cut after 2 traces",
        1,
    ),
    ("sse-500", [status(500)], V2S, ServerError, "-> 500", 1),
    (
        "v4-stream-cut",
        [SESSION_OK, sse_cut(GOOD_SSE, 70)],
        V4S,
        TransportError,
        "POST /v4/interact/stream -> 200: stream cut after",
        2,
    ),
    (
        "v4-session-401",
        [status(401, {"data": "Auth Key Required"})],
        {"api": ApiGeneration.V4},
        AuthError,
        "POST /v4/project/proj1/environment/development/session -> 401",
        1,
    ),
    (
        "v4-session-no-key",
        [ok_json({})],
        {"api": ApiGeneration.V4},
        TransportError,
        "no sessionKey",
        1,
    ),
]


@pytest.mark.parametrize(
    ("steps", "kw", "expected", "fragment", "sent"),
    [pytest.param(*case[1:], id=case[0]) for case in FAULTS],
)
async def test_fault_matrix(
    steps: list[Step], kw: dict[str, Any], expected: type[Exception], fragment: str, sent: int
) -> None:
    conv, transport = conversation(steps, **kw)
    outcome: Exchange | None = None
    with pytest.raises(expected) as info:
        outcome = await conv.send({"type": "launch"})
    assert outcome is None  # no false pass: a fault never yields an Exchange
    message = str(info.value)
    assert fragment in message
    request = transport.requests[-1]
    # every message names method + path (+ status when there was one)
    assert f"{request.method} {request.url.path}" in message
    if sent >= 0:
        assert len(transport.requests) == sent
    else:
        assert 3 <= len(transport.requests) < 50


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(AuthError, id="auth"),
        pytest.param(ServerError, id="server"),
        pytest.param(RateLimitedError, id="rate"),
        pytest.param(TransportError, id="transport"),
    ],
)
def test_infrastructure_kinds(expected: type[InfrastructureError]) -> None:
    # the runner tells infrastructure errors from agent failures by this base class
    assert issubclass(expected, InfrastructureError)


# --------------------------------------------------------------------------- safe resends


async def test_429_with_retry_after_then_success() -> None:
    conv, transport = conversation(
        [
            status(429, {"data": "Too Many Requests"}, headers={"retry-after": "0.01"}),
            ok_json([TEXT]),
        ]
    )
    exchange = await conv.send({"type": "launch"})
    assert exchange.traces == [TEXT]
    assert len(transport.requests) == 2
    # the resend is the same request: same body, same path
    assert transport.requests[0].content == transport.requests[1].content


async def test_429_with_ratelimit_reset_only_then_success() -> None:
    soon = (datetime.now(UTC) + timedelta(milliseconds=20)).isoformat().replace("+00:00", "Z")
    conv, transport = conversation(
        [status(429, headers={"x-ratelimit-reset": soon}), ok_json([TEXT])]
    )
    assert (await conv.send({"type": "launch"})).traces == [TEXT]
    assert len(transport.requests) == 2


@pytest.mark.parametrize("first", [connect_error(), connect_timeout()], ids=["refused", "timeout"])
async def test_connect_failure_then_success(first: Step) -> None:
    conv, transport = conversation([first, first, ok_json([TEXT])])
    assert (await conv.send({"type": "launch"})).traces == [TEXT]
    assert len(transport.requests) == 3


async def test_stream_429_then_success() -> None:
    conv, transport = conversation(
        [status(429, headers={"retry-after": "0"}), sse(GOOD_SSE)], **V2S
    )
    exchange = await conv.send({"type": "launch"})
    assert exchange.traces == [TEXT, TEXT]
    assert len(transport.requests) == 2


async def test_slow_stream_measures_first_trace() -> None:
    chunks = [GOOD_SSE[:60], GOOD_SSE[60:]]
    conv, _ = conversation([delay(0.02, sse(chunks, pause=0.03))], **V2S)
    exchange = await conv.send({"type": "launch"})
    assert exchange.first_trace is not None
    assert exchange.latency >= 0.05
    assert exchange.first_trace < exchange.latency


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"retry-after": "59"}, 59, 59),
        ({"retry-after": "0.25"}, 0.25, 0.25),
        ({"retry-after": "-3"}, 0, 0),
        ({"x-ratelimit-reset": "2026-11-21T05:36:23.433Z"}, 59.9, 60.0),  # capture 39
        ({"x-ratelimit-reset": "7"}, 7, 7),
        ({"x-ratelimit-reset": "1795239383.433"}, 59.9, 60.0),
        ({"retry-after": "soon", "x-ratelimit-reset": "2026-11-21T05:35:33.433Z"}, 9.9, 10),
    ],
)
def test_retry_after_parsing(headers: dict[str, str], low: float, high: float) -> None:
    now = datetime(2026, 11, 21, 5, 35, 23, 433000, tzinfo=UTC)
    wait = retry_after_seconds(headers, now=now)
    assert wait is not None
    assert low - 0.01 <= wait <= high + 0.01


def test_retry_after_http_date_and_nothing() -> None:
    now = datetime(2026, 11, 21, 5, 35, 23, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(30)
    assert retry_after_seconds({}, now=now) is None
    assert retry_after_seconds({"x-ratelimit-reset": "garbage"}, now=now) is None


def test_runtime_message_shapes() -> None:
    assert runtime_message(b'{"code":429,"data":"Too Many Requests"}') == "Too Many Requests"
    assert runtime_message(b'{"name":"verror","message":"Missing versionID"}') == (
        "Missing versionID"
    )
    assert runtime_message(b'{"errors":{"":{"message":"data.stack should be array"}}}') == (
        "data.stack should be array"
    )
    assert runtime_message(b"<html><pre>Cannot POST /x</pre></html>") == "Cannot POST /x"
    assert runtime_message(b"") == "(empty body)"
    assert len(runtime_message(b"x" * 5000)) == 300


# --------------------------------------------------------------------------- ASGI + faults


def runtime_app() -> Starlette:
    async def interact(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse([{"type": "text", "payload": {"message": body["action"]["type"]}}])

    return Starlette(routes=[Route("/state/user/{uid}/interact", interact, methods=["POST"])])


async def test_faults_in_front_of_an_asgi_app() -> None:
    transport = with_faults(
        runtime_app(),
        [connect_error(), passthrough(), passthrough(), status(503)],
        when=lambda r: r.url.path.endswith("/interact"),
    )
    async with httpx.AsyncClient(transport=transport) as http:
        conv = open_conversation(make_settings(), "u1", http)
        first = await conv.send({"type": "launch"})  # refused once, then the app answers
        second = await conv.send({"type": "text", "payload": "x"})  # passthrough
        with pytest.raises(ServerError):
            await conv.send({"type": "launch"})
        third = await conv.send({"type": "no-reply"})  # script used up: the app again
    assert [e.traces[0]["payload"]["message"] for e in (first, second, third)] == [
        "launch",
        "text",
        "no-reply",
    ]
    assert transport.remaining == 0


async def test_unscripted_call_without_fallback_is_a_test_bug() -> None:
    conv, _ = conversation([])
    with pytest.raises(RuntimeError, match="no scripted step left"):
        await conv.send({"type": "launch"})


# --------------------------------------------------------------------------- real loopback sockets


@asynccontextmanager
async def tcp_server(behaviour: str) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback server that accepts, reads the request, then stays silent or hangs up."""
    accepted: list[int] = []
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(stream: anyio.abc.SocketStream) -> None:
        accepted.append(1)
        async with stream:
            await stream.receive()
            if behaviour == "silent":
                await anyio.sleep(5)

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield f"http://127.0.0.1:{port}", accepted
        finally:
            tg.cancel_scope.cancel()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_real_refused_connection_is_retried_then_transport_error() -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    settings = ClientSettings(
        base_url=base, api_key=CANARY, timeout=1, connect_retries=2, connect_backoff=0.001
    )
    async with httpx.AsyncClient() as http:
        conv = open_conversation(settings, "u1", http)
        with pytest.raises(TransportError, match="connection refused \\(gave up after 3"):
            await conv.send({"type": "launch"})


@pytest.mark.parametrize(
    ("behaviour", "fragment"),
    [("silent", "no answer within 0.3s"), ("hangup", "connection failed after the request")],
)
async def test_real_socket_faults_after_sending_are_not_resent(
    behaviour: str, fragment: str
) -> None:
    async with tcp_server(behaviour) as (base, accepted):
        settings = ClientSettings(base_url=base, api_key=CANARY, timeout=0.3)
        async with httpx.AsyncClient() as http:
            conv = open_conversation(settings, "u1", http)
            with pytest.raises(TransportError, match=fragment):
                await conv.send({"type": "launch"})
    assert len(accepted) == 1  # the turn was sent exactly once


# --------------------------------------------------------------------------- the canary


ECHO_KEY = status(400, {"data": f"key {CANARY} and {CANARY.rsplit('.', 1)[-1]} are bad"})
ECHO_SESSION = status(500, {"data": f"session {SESSION} expired"})


@pytest.mark.parametrize(
    ("steps", "kw"),
    [pytest.param(case[1], case[2], id=case[0]) for case in FAULTS]
    + [
        pytest.param([ECHO_KEY], {}, id="body-echoes-key"),
        pytest.param([SESSION_OK, ECHO_SESSION], {"api": ApiGeneration.V4}, id="echo-session"),
        pytest.param(
            [sse(b'event: error\ndata: {"message": "bad ' + CANARY.encode() + b'"}\n\n')],
            V2S,
            id="sse-error-echoes-key",
        ),
        pytest.param(
            [status(429, headers={"retry-after": "0"}), connect_error(), ok_json([TEXT])],
            {},
            id="recovered",
        ),
    ],
)
async def test_canary_key_never_leaks(
    steps: list[Step], kw: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    conv, _ = conversation(steps, **kw)
    texts = [repr(conv), repr(conv.settings), str(conv.settings)]
    with caplog.at_level(logging.DEBUG):
        try:
            exchange = await conv.send({"type": "launch"}, variables={"x": 1})
            texts += [repr(exchange), str(exchange)]
        except Exception as exc:
            chain: BaseException | None = exc
            while chain is not None:
                texts += [str(chain), repr(chain)]
                chain = chain.__cause__ or chain.__context__
    texts += [r.getMessage() for r in caplog.records]
    texts.append(caplog.text)
    for text in texts:
        assert CANARY not in text
        assert "canary-secret" not in text
        assert SESSION not in text
        assert "session-canary" not in text
