"""The exact wire form of every request, per API generation (API.md §1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from vftest.client import ClientSettings, Conversation, open_conversation
from vftest.errors import ConfigError, ServerError, TransportError
from vftest.models import ApiGeneration, Target
from vftest.testing import sse_events

pytestmark = pytest.mark.anyio

KEY = "VF.DM.0123456789abcdef01234567.s3cr3t-value"
BASE = "http://runtime.test"
TEXT = {"type": "text", "payload": {"message": "hi"}}
SPEAK = {"type": "speak", "payload": {"message": "yo", "type": "message"}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


Handler = Callable[[httpx.Request], httpx.Response]


class Wire:
    """A MockTransport that records requests and answers from a route table."""

    def __init__(self, routes: dict[tuple[str, str], Handler | Any]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, text=f"Cannot {request.method} {request.url.path}")
        if callable(answer):
            return answer(request)
        if answer == b"":
            return httpx.Response(200)
        return httpx.Response(200, json=answer)

    def body(self, index: int) -> Any:
        return json.loads(self.seen[index].content)


def settings(api: ApiGeneration, **kw: Any) -> ClientSettings:
    if api is not ApiGeneration.V1:
        kw.setdefault("project_id", "proj1")
    return ClientSettings(base_url=BASE + "/", api=api, api_key=KEY, timeout=5, **kw)


def sse_response(body: bytes) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return answer


# --------------------------------------------------------------------------- settings


def test_settings_repr_hides_the_key() -> None:
    s = settings(ApiGeneration.V1)
    assert KEY not in repr(s)
    assert "s3cr3t" not in repr(s)
    assert s.base_url == BASE  # trailing slash dropped


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"api": ApiGeneration.V2}, "needs a project id"),
        ({"api": ApiGeneration.V4}, "needs a project id"),
        ({"api": ApiGeneration.V1, "stream": True}, "no streaming"),
        ({"base_url": "runtime.test"}, "http://"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_settings_reject_inconsistent_values(kw: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"base_url": BASE, "api": ApiGeneration.V1} | kw
    with pytest.raises(ConfigError, match=message):
        ClientSettings(**args)


def test_settings_from_target() -> None:
    target = Target(
        url="https://general-runtime.voiceflow.com",
        api=ApiGeneration.V4,
        project_id="p",
        environment="production",
        stream=True,
    )
    s = ClientSettings.from_target(target, api_key=KEY, timeout=9)
    assert (s.api, s.project_id, s.environment, s.stream, s.timeout) == (
        ApiGeneration.V4,
        "p",
        "production",
        True,
        9,
    )
    local = ClientSettings.from_target(
        Target(project="/x.vfr"), api_key=None, base_url="http://127.0.0.1:9"
    )
    assert local.base_url == "http://127.0.0.1:9"
    with pytest.raises(ConfigError):
        ClientSettings.from_target(Target(project="/x.vfr"), api_key=None)


# --------------------------------------------------------------------------- v1


async def test_v1_start_send_read(data_dir: Path) -> None:
    launch = json.loads((data_dir / "captures" / "01-launch.response.json").read_text())
    wire = Wire(
        {
            ("DELETE", "/state/user/alice"): b"",  # empty 200 body (capture 14): never .json()
            ("POST", "/state/user/alice/interact"): launch,
            ("GET", "/state/user/alice"): {"stack": [], "variables": {"size": "large"}},
        }
    )
    conv = open_conversation(settings(ApiGeneration.V1), "alice", wire.client)
    await conv.start({"user_name": "Bob"})
    first = await conv.send({"type": "launch"})
    second = await conv.send({"type": "text", "payload": "order"}, variables={"size": "large"})
    variables = await conv.read_variables()

    delete, post1, _post2, get = wire.seen
    for request in wire.seen:
        assert request.headers["authorization"] == KEY
        assert request.headers["versionID"] == "development"
    assert (delete.method, str(delete.url)) == ("DELETE", f"{BASE}/state/user/alice")
    assert str(post1.url) == f"{BASE}/state/user/alice/interact"
    assert post1.headers["content-type"] == "application/json"
    # start's variables travel with the first turn only, as state.variables (capture 05)
    assert wire.body(1) == {
        "action": {"type": "launch"},
        "state": {"variables": {"user_name": "Bob"}},
    }
    assert wire.body(2) == {
        "action": {"type": "text", "payload": "order"},
        "state": {"variables": {"size": "large"}},
    }
    assert (get.method, str(get.url)) == ("GET", f"{BASE}/state/user/alice")
    assert first.traces == launch
    assert first.method == "POST"
    assert first.status == 200
    assert first.url == f"{BASE}/state/user/alice/interact"
    assert first.request_body == {
        "action": {"type": "launch"},
        "state": {"variables": {"user_name": "Bob"}},
    }
    assert first.first_trace is None
    assert first.latency >= 0
    assert second.request_body["state"] == {"variables": {"size": "large"}}
    assert variables == {"size": "large"}


async def test_v1_verbose_state_avoids_the_state_request() -> None:
    verbose = {"state": {"variables": {"x": 1}}, "trace": [TEXT], "request": {"type": "launch"}}
    wire = Wire(
        {
            ("DELETE", "/state/user/u"): b"",
            ("POST", "/state/user/u/interact"): verbose,
        }
    )
    conv = open_conversation(
        settings(ApiGeneration.V1, verbose_state=True, config={"excludeTypes": []}),
        "u",
        wire.client,
    )
    await conv.start({})
    exchange = await conv.send({"type": "launch"})
    assert wire.seen[1].url.params["verbose"] == "true"
    assert wire.body(1) == {"action": {"type": "launch"}, "config": {"excludeTypes": []}}
    assert exchange.traces == [TEXT]
    assert exchange.state == verbose["state"]
    assert await conv.read_variables() == {"x": 1}
    assert len(wire.seen) == 2  # no GET


async def test_v1_unknown_user_state_is_empty_variables() -> None:
    wire = Wire({("GET", "/state/user/nobody"): {}})
    conv = open_conversation(settings(ApiGeneration.V1), "nobody", wire.client)
    assert await conv.read_variables() == {}


async def test_user_id_is_one_escaped_segment() -> None:
    wire = Wire({("DELETE", "/state/user/a/b c"): b""})  # url.path is decoded
    conv = open_conversation(settings(ApiGeneration.V1), "a/b c", wire.client)
    await conv.start({})
    assert wire.seen[0].url.raw_path == b"/state/user/a%2Fb%20c"


async def test_no_api_key_sends_no_authorization_header() -> None:
    wire = Wire({("DELETE", "/state/user/u"): b""})
    s = ClientSettings(base_url=BASE, api=ApiGeneration.V1)
    await open_conversation(s, "u", wire.client).start({})
    assert "authorization" not in wire.seen[0].headers


async def test_send_event_is_v2_only() -> None:
    wire = Wire({})
    conv = open_conversation(settings(ApiGeneration.V1), "u", wire.client)
    with pytest.raises(ConfigError, match="v2"):
        await conv.send_event("x")
    assert wire.seen == []


async def test_closed_conversation_refuses_turns() -> None:
    wire = Wire({})
    conv = open_conversation(settings(ApiGeneration.V1), "u", wire.client)
    await conv.close()
    with pytest.raises(ConfigError, match="closed"):
        await conv.send({"type": "launch"})
    assert wire.seen == []


# --------------------------------------------------------------------------- v2


async def test_v2_non_stream() -> None:
    wire = Wire(
        {
            ("DELETE", "/state/user/u1"): b"",
            ("POST", "/v2/project/proj1/user/u1/interact"): [TEXT],
            ("GET", "/state/user/u1"): {"variables": {"v": 2}},
        }
    )
    conv = open_conversation(
        settings(ApiGeneration.V2, environment="production"), "u1", wire.client
    )
    await conv.start({"name": "Ann"})
    exchange = await conv.send({"type": "launch"})
    delete, post = wire.seen
    assert delete.headers["versionID"] == "production"
    assert str(post.url) == f"{BASE}/v2/project/proj1/user/u1/interact?environment=production"
    assert post.headers["authorization"] == KEY
    assert "versionID" not in post.headers
    assert wire.body(1) == {"action": {"type": "launch"}, "variables": {"name": "Ann"}}
    assert exchange.traces == [TEXT]
    assert await conv.read_variables() == {"v": 2}  # no state in non-stream: one GET


async def test_v2_stream_wire_form_and_state() -> None:
    body = sse_events(("trace", TEXT), ("trace", SPEAK), ("state", {"variables": {"n": 1}}))
    wire = Wire(
        {
            ("DELETE", "/state/user/u1"): b"",
            ("POST", "/v2/project/proj1/user/u1/interact/stream"): sse_response(body),
        }
    )
    conv = open_conversation(settings(ApiGeneration.V2, stream=True), "u1", wire.client)
    await conv.start({})
    exchange = await conv.send({"type": "text", "payload": "hello"})
    post = wire.seen[1]
    assert post.url.path == "/v2/project/proj1/user/u1/interact/stream"
    assert dict(post.url.params) == {
        "environment": "development",
        "completion_events": "true",
        "state": "true",
    }
    assert post.headers["accept"] == "text/event-stream"
    assert post.headers["authorization"] == KEY
    assert wire.body(1) == {"action": {"type": "text", "payload": "hello"}}
    assert exchange.traces == [TEXT, SPEAK]
    assert exchange.first_trace is not None
    assert 0 <= exchange.first_trace <= exchange.latency
    assert exchange.state == {"variables": {"n": 1}}
    assert await conv.read_variables() == {"n": 1}
    assert len(wire.seen) == 2  # variables came from the stream's state event


async def test_v2_stream_assembles_completions() -> None:
    chunks = [
        {"type": "completion", "payload": {"state": "start"}},
        {"type": "completion", "payload": {"state": "content", "content": "Hel"}},
        {"type": "completion", "payload": {"state": "content", "content": "lo"}},
        {"type": "completion", "payload": {"state": "end"}},
    ]
    body = sse_events(*[("trace", c) for c in chunks], ("trace", SPEAK))
    wire = Wire({("POST", "/v2/project/proj1/user/u1/interact/stream"): sse_response(body)})
    conv = open_conversation(settings(ApiGeneration.V2, stream=True), "u1", wire.client)
    exchange = await conv.send({"type": "launch"})
    assert exchange.traces == [{"type": "completion", "payload": {"message": "Hello"}}, SPEAK]
    assert list(exchange.completion_chunks) == chunks


async def test_v2_send_event() -> None:
    wire = Wire({("POST", "/v2/project/proj1/session/u1/event"): {"ok": True}})
    conv = open_conversation(settings(ApiGeneration.V2), "u1", wire.client)
    await conv.send_event("order_shipped")
    assert wire.body(0) == {
        "action": {"type": "event", "payload": {"event": {"name": "order_shipped"}}}
    }


# --------------------------------------------------------------------------- v4


def v4_routes(stream: bool = False) -> dict[tuple[str, str], Any]:
    routes: dict[tuple[str, str], Any] = {
        ("POST", "/v4/project/proj1/environment/development/session"): {
            "sessionKey": "jwt-aaaa.bbbb.cccc-session"
        },
        ("POST", "/v4/project/proj1/session"): {"sessionKey": "jwt-split.dddd.eeee-session"},
        ("POST", "/v4/interact"): {"traces": [TEXT], "turnID": "t1"},
    }
    if stream:
        routes[("POST", "/v4/interact/stream")] = sse_response(sse_events(("trace", SPEAK)))
    return routes


async def test_v4_session_then_interact() -> None:
    wire = Wire(v4_routes())
    conv = open_conversation(settings(ApiGeneration.V4), "u1", wire.client)
    await conv.start({"plan": "gold"})
    exchange = await conv.send({"type": "launch"})
    session, interact = wire.seen
    assert str(session.url) == f"{BASE}/v4/project/proj1/environment/development/session"
    assert session.headers["authorization"] == KEY
    assert wire.body(0) == {"userID": "u1"}
    assert str(interact.url) == f"{BASE}/v4/interact"
    # the session key, not the API key, authorizes turns
    assert interact.headers["authorization"] == "jwt-aaaa.bbbb.cccc-session"
    assert wire.body(1) == {"action": {"type": "launch"}, "variables": {"plan": "gold"}}
    assert exchange.traces == [TEXT]
    assert "jwt-aaaa" not in repr(conv)


async def test_v4_traffic_split_when_no_environment() -> None:
    wire = Wire(v4_routes())
    conv = open_conversation(settings(ApiGeneration.V4, environment=""), "u1", wire.client)
    await conv.start({})
    assert wire.seen[0].url.path == "/v4/project/proj1/session"


async def test_v4_stream_and_reset_opens_a_new_session() -> None:
    wire = Wire(v4_routes(stream=True))
    conv = open_conversation(settings(ApiGeneration.V4, stream=True), "u1", wire.client)
    exchange = await conv.send({"type": "launch"})  # no start(): a session is opened lazily
    await conv.reset()
    paths = [r.url.path for r in wire.seen]
    assert paths == [
        "/v4/project/proj1/environment/development/session",
        "/v4/interact/stream",
        "/v4/project/proj1/environment/development/session",
    ]
    assert wire.seen[1].headers["accept"] == "text/event-stream"
    assert exchange.traces == [SPEAK]


async def test_v4_bad_traces_shape_is_transport_error() -> None:
    from vftest.errors import TransportError

    routes = v4_routes()
    routes[("POST", "/v4/interact")] = [TEXT]  # a v1-style bare array: wrong generation
    wire = Wire(routes)
    conv: Conversation = open_conversation(settings(ApiGeneration.V4), "u1", wire.client)
    with pytest.raises(
        TransportError, match=r"POST /v4/interact -> 200: expected a list of traces"
    ):
        await conv.send({"type": "launch"})


# --------------------------------------------------------------------------- gate


class CountingGate:
    def __init__(self) -> None:
        self.acquired = 0
        self.observed: list[int] = []

    async def acquire(self) -> None:
        self.acquired += 1

    def observe(self, status: int, headers: httpx.Headers) -> None:
        self.observed.append(status)
        assert "x-ratelimit-limit" in headers


async def test_gate_is_asked_before_and_told_after_every_request() -> None:
    calls = iter(
        [
            httpx.Response(429, headers={"retry-after": "0", "x-ratelimit-limit": "2"}),
            httpx.Response(200, json=[TEXT], headers={"x-ratelimit-limit": "2"}),
        ]
    )
    wire = Wire({("POST", "/state/user/u/interact"): lambda r: next(calls)})
    gate = CountingGate()
    conv = open_conversation(settings(ApiGeneration.V1), "u", wire.client, gate)
    await conv.send({"type": "launch"})
    assert gate.acquired == 2
    assert gate.observed == [429, 200]


# --------------------------------------------------------------------------- idempotent resends


def flaky(statuses: list[int], body: str = '{"message": "upstream busy"}') -> Handler:
    """Answers with each status in turn, then 200."""

    def answer(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0) if statuses else 200
        return httpx.Response(status, text=body if status != 200 else "")

    return answer


async def test_a_5xx_on_the_state_reset_is_resent() -> None:
    wire = Wire({("DELETE", "/state/user/alice"): flaky([503, 502])})
    conv = open_conversation(
        settings(ApiGeneration.V1, connect_backoff=0.001), "alice", wire.client
    )
    await conv.start({}, reset=True)
    assert [r.method for r in wire.seen] == ["DELETE", "DELETE", "DELETE"]


async def test_a_reset_that_keeps_failing_says_so_without_blaming_interact() -> None:
    wire = Wire({("DELETE", "/state/user/alice"): flaky([503] * 10)})
    conv = open_conversation(
        settings(ApiGeneration.V1, connect_backoff=0.001), "alice", wire.client
    )
    with pytest.raises(ServerError) as raised:
        await conv.start({}, reset=True)
    message = str(raised.value)
    assert message == (
        "DELETE /state/user/alice -> 503: server error (gave up after 4 attempts): upstream busy"
    )
    assert len(wire.seen) == 4


async def test_a_5xx_on_interact_is_never_resent() -> None:
    wire = Wire(
        {
            ("DELETE", "/state/user/alice"): b"",
            ("POST", "/state/user/alice/interact"): flaky([500]),
        }
    )
    conv = open_conversation(settings(ApiGeneration.V1), "alice", wire.client)
    await conv.start({}, reset=True)
    with pytest.raises(ServerError, match="not resent, interact is not idempotent"):
        await conv.send({"type": "launch"})
    assert [r.method for r in wire.seen] == ["DELETE", "POST"]


# --------------------------------------------------------------------------- hostile bodies


DEEP = "[" * 500 + "]" * 500


@pytest.mark.parametrize("depth", [65, 500, 5000])
async def test_a_deeply_nested_json_body_is_one_transport_error(depth: int) -> None:
    body = '{"x": ' + "[" * depth + "]" * depth + "}"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "application/json"}
        )

    wire = Wire(
        {("DELETE", "/state/user/alice"): b"", ("POST", "/state/user/alice/interact"): answer}
    )
    conv = open_conversation(settings(ApiGeneration.V1), "alice", wire.client)
    await conv.start({}, reset=True)
    with pytest.raises(TransportError) as raised:
        await conv.send({"type": "launch"})
    message = str(raised.value)
    assert "nested too deeply" in message
    assert "\n" not in message
    assert len(message) < 300


async def test_a_deeply_nested_sse_data_line_is_one_transport_error() -> None:
    body = b'event: trace\ndata: {"type": "text", "payload": ' + DEEP.encode() + b"}\n\n"
    wire = Wire({("POST", "/v2/project/proj1/user/alice/interact/stream"): sse_response(body)})
    conv = open_conversation(settings(ApiGeneration.V2, stream=True), "alice", wire.client)
    with pytest.raises(TransportError, match="malformed SSE data: JSON nested deeper than 64"):
        await conv.send({"type": "launch"})


async def test_a_key_echoed_in_traces_and_variables_is_redacted() -> None:
    echo = {"type": "text", "payload": {"message": f"your key is {KEY}"}}
    wire = Wire(
        {
            ("DELETE", "/state/user/alice"): b"",
            ("POST", "/state/user/alice/interact"): [echo],
            ("GET", "/state/user/alice"): {
                "variables": {"auth": KEY, "secret": KEY.split(".")[-1]}
            },
        }
    )
    conv = open_conversation(settings(ApiGeneration.V1), "alice", wire.client)
    await conv.start({}, reset=True)
    exchange = await conv.send({"type": "launch"})
    variables = await conv.read_variables()
    shown = json.dumps([exchange.traces, variables])
    assert KEY not in shown
    assert KEY.split(".")[-1] not in shown
    assert exchange.traces[0]["payload"]["message"] == "your key is ***"


async def test_a_malformed_v4_session_start_quotes_nothing_of_the_session_key() -> None:
    half = '{"sessionKey": "sk_live_6f1d2c3b4a5e69788a7b6c5d4e3f'  # cut short: not JSON

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=half)

    wire = Wire({("POST", "/v4/project/proj1/environment/development/session"): answer})
    conv = open_conversation(
        settings(ApiGeneration.V4, environment="development"), "alice", wire.client
    )
    with pytest.raises(TransportError) as raised:
        await conv.start({})
    assert "sk_live" not in str(raised.value)
    assert "not quoted" in str(raised.value)
