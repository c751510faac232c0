"""Routes of the local runtime app, in-process: v1 state + stateless, v2, v2beta1, v4, health."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from vftest.runtime.app import create_app
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import Project
from vftest.runtime.sessions import SessionStore

pytestmark = pytest.mark.anyio

PID = "6650a1b2c3d4e5f601234560"
VERSION = "6650a1b2c3d4e5f601234561"
AUTH = {"authorization": "VF.DM.test.key", "versionID": "development"}
LAUNCH = {"action": {"type": "launch"}}
LAUNCH_TYPES = ["text", "speak", "choice"]
ORDER = {"action": {"type": "text", "payload": "i want a large pizza"}}
ORDER_TYPES = ["path", "text", "cardV2", "visual", "Pay Credit Card", "text", "end"]


def asgi(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def client(pizza: Project) -> httpx.AsyncClient:
    return asgi(create_app(pizza))


def types(traces: list[dict[str, Any]]) -> list[str]:
    return [t["type"] for t in traces]


def sse(response: httpx.Response) -> list[dict[str, str]]:
    events = []
    for block in response.text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        if fields:
            events.append({k: v.removeprefix(" ") for k, v in fields.items()})
    return events


# --- health and unknown routes -----------------------------------------------------------------


async def test_health_is_plain_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.text == "local Healthy"
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/nope"), ("GET", "/state/user/x/interact"), ("PATCH", "/state/user/x")],
)
async def test_unknown_routes_get_the_express_404_page(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path + "?q='x'&y=1", headers=AUTH)
    assert response.status_code == 404
    assert f"<pre>Cannot {method} {path}?q=&#39;x&#39;&amp;y=1</pre>" in response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"


# --- v1 stateful -------------------------------------------------------------------------------


async def test_v1_conversation_is_stateful_per_user(client: httpx.AsyncClient) -> None:
    launch = await client.post("/state/user/alice/interact", headers=AUTH, json=LAUNCH)
    assert launch.status_code == 200
    assert types(launch.json()) == LAUNCH_TYPES
    state = (await client.get("/state/user/alice", headers=AUTH)).json()
    assert state["stack"][-1]["nodeID"] == "n_choice"
    order = await client.post("/state/user/alice/interact", headers=AUTH, json=ORDER)
    assert types(order.json()) == ORDER_TYPES
    assert (await client.get("/state/user/alice", headers=AUTH)).json()["stack"] == []
    # Another user is untouched by alice's turns.
    assert (await client.get("/state/user/bob", headers=AUTH)).json() == {}


async def test_v1_verbose_returns_state_trace_and_request(client: httpx.AsyncClient) -> None:
    await client.post("/state/user/v/interact", headers=AUTH, json=LAUNCH)
    body = (
        await client.post("/state/user/v/interact?verbose=true", headers=AUTH, json=ORDER)
    ).json()
    assert list(body) == ["state", "trace", "request"]
    assert types(body["trace"]) == ORDER_TYPES
    assert body["state"] == (await client.get("/state/user/v", headers=AUTH)).json()


async def test_v1_config_exclude_types_replaces_the_default(client: httpx.AsyncClient) -> None:
    everything = (
        await client.post(
            "/state/user/c/interact", headers=AUTH, json={**LAUNCH, "config": {"excludeTypes": []}}
        )
    ).json()
    assert {"flow", "block", "debug"} <= set(types(everything))
    only_speak_hidden = (
        await client.post(
            "/state/user/c2/interact",
            headers=AUTH,
            json={**LAUNCH, "config": {"excludeTypes": ["speak"]}},
        )
    ).json()
    assert "speak" not in types(only_speak_hidden)
    assert "block" in types(only_speak_hidden)


async def test_v1_deprecated_request_field_and_null_launch_payload(
    client: httpx.AsyncClient,
) -> None:
    old = await client.post(
        "/state/user/r/interact", headers=AUTH, json={"request": {"type": "launch"}}
    )
    assert types(old.json()) == LAUNCH_TYPES
    null = await client.post(
        "/state/user/r2/interact",
        headers=AUTH,
        json={"action": {"type": "launch", "payload": None}},
    )
    assert types(null.json()) == LAUNCH_TYPES


async def test_v1_state_variables_are_merged_before_the_turn(client: httpx.AsyncClient) -> None:
    body = {**LAUNCH, "state": {"variables": {"user_name": "Bob"}}}
    traces = (await client.post("/state/user/b/interact", headers=AUTH, json=body)).json()
    assert traces[0]["payload"]["message"] == "Welcome to Pizza Place, Bob!"


async def test_v1_stop_types_pause_on_the_custom_action(client: httpx.AsyncClient) -> None:
    await client.post("/state/user/l/interact", headers=AUTH, json=LAUNCH)
    paused = (
        await client.post(
            "/state/user/l/interact",
            headers=AUTH,
            json={
                "action": {"type": "text", "payload": "order a pizza"},
                "config": {"stopTypes": ["Pay Credit Card"]},
            },
        )
    ).json()
    assert types(paused)[-1] == "Pay Credit Card"
    resumed = await client.post(
        "/state/user/l/interact", headers=AUTH, json={"action": {"type": "denied"}}
    )
    assert [t["payload"].get("message") for t in resumed.json() if t["type"] == "text"] == [
        "Your card was denied."
    ]


async def test_v1_put_get_delete_state(client: httpx.AsyncClient) -> None:
    state = {"stack": [], "storage": {}, "variables": {"user_name": "Dave"}}
    assert (await client.put("/state/user/d", headers=AUTH, json=state)).json() == state
    assert (await client.get("/state/user/d", headers=AUTH)).json() == state
    deleted = await client.delete("/state/user/d", headers=AUTH)
    assert (deleted.status_code, deleted.content) == (200, b"")
    assert (await client.get("/state/user/d", headers=AUTH)).json() == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"stack": "nope", "variables": {}},
            "data.stack should be array, data should have required property 'storage'",
        ),
        ([], "data should be object"),
        (
            {"stack": [{}], "storage": {}, "variables": {}, "x": 1},
            "data should NOT have additional properties,"
            " data.stack[0] should have required property 'diagramID'",
        ),
    ],
)
async def test_v1_put_validates_like_ajv(
    client: httpx.AsyncClient, body: Any, message: str
) -> None:
    response = await client.put("/state/user/p", headers=AUTH, json=body)
    assert response.status_code == 400
    assert response.json() == {"errors": {"": {"message": message}}}
    assert (await client.get("/state/user/p", headers=AUTH)).json() == {}


async def test_v1_post_resets_to_the_initial_state(client: httpx.AsyncClient) -> None:
    await client.post("/state/user/e/interact", headers=AUTH, json=LAUNCH)
    reset = (await client.post("/state/user/e", headers=AUTH)).json()
    assert reset == (await client.get("/interact/state", headers=AUTH)).json()
    assert (await client.get("/state/user/e", headers=AUTH)).json() == reset


async def test_v1_patch_variables_merges_or_starts_a_bare_state(client: httpx.AsyncClient) -> None:
    assert (await client.patch("/state/user/n/variables", headers=AUTH, json={"a": 1})).json() == {
        "variables": {"a": 1}
    }
    await client.post("/state/user/m/interact", headers=AUTH, json=LAUNCH)
    patched = await client.patch("/state/user/m", headers=AUTH, json={"size": "large"})
    assert patched.status_code == 404  # the route is /variables
    merged = (
        await client.patch("/state/user/m/variables", headers=AUTH, json={"size": "large"})
    ).json()
    assert merged["variables"]["size"] == "large"
    assert merged["variables"]["user_name"] == "friend"
    assert merged["stack"]


async def test_v1_version_in_path_form(client: httpx.AsyncClient) -> None:
    headers = {"authorization": AUTH["authorization"]}
    response = await client.post(f"/state/{VERSION}/user/f/interact", headers=headers, json=LAUNCH)
    assert types(response.json()) == LAUNCH_TYPES
    assert (await client.get(f"/state/{VERSION}/user/f", headers=headers)).json()["stack"]


async def test_v1_logs_adds_log_traces(client: httpx.AsyncClient) -> None:
    traces = (
        await client.post("/state/user/i/interact?logs=verbose", headers=AUTH, json=LAUNCH)
    ).json()
    assert "log" in types(traces)


# --- v1 stateless ------------------------------------------------------------------------------


async def test_stateless_interact_carries_state_in_the_body(client: httpx.AsyncClient) -> None:
    first = (await client.post("/interact", headers=AUTH, json=LAUNCH)).json()
    assert list(first) == ["request", "state", "trace"]
    assert types(first["trace"]) == LAUNCH_TYPES
    second = (
        await client.post(
            f"/interact/{VERSION}",
            headers={"authorization": AUTH["authorization"]},
            json={**ORDER, "state": first["state"]},
        )
    ).json()
    assert types(second["trace"]) == ORDER_TYPES
    assert (await client.get(f"/interact/{VERSION}/state", headers=AUTH)).status_code == 200


# --- v2 hosted ---------------------------------------------------------------------------------


async def test_v2_interact_returns_an_array_and_shares_v1_state(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/v2/project/{PID}/user/u2/interact", headers=AUTH, json=LAUNCH)
    assert types(response.json()) == LAUNCH_TYPES
    assert (await client.get("/state/user/u2", headers=AUTH)).json()["stack"]


async def test_v2_stream_is_hosted_style_sse(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/v2/project/{PID}/user/s/interact/stream?state=true&environment=production",
        headers=AUTH,
        json={**LAUNCH, "variables": {"user_name": "Zoe"}},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.text.startswith("event: trace\nid: 1\ndata: {")
    events = sse(response)
    assert [e["event"] for e in events] == ["trace"] * 3 + ["state", "end"]
    assert [e["id"] for e in events] == ["1", "2", "3", "4", "5"]
    first = json.loads(events[0]["data"])
    assert first["payload"]["message"] == "Welcome to Pizza Place, Zoe!"
    assert "data" not in events[-1]
    assert json.loads(events[3]["data"])["stack"]


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        (f"/v2/project/{PID}/user/x/interact", "?environment=nope", 404),
        (f"/v2/project/{PID}/user/x/interact", "?environment=000000000000000000000000", 404),
        ("/v2/project/000000000000000000000000/user/x/interact", "", 401),
    ],
)
async def test_v2_rejects_bad_environment_or_project(
    client: httpx.AsyncClient, path: str, query: str, status: int
) -> None:
    response = await client.post(path + query, headers=AUTH, json=LAUNCH)
    assert response.status_code == status
    assert response.json()["code"] == status


async def test_v2_session_event_runs_on_the_stored_session(client: httpx.AsyncClient) -> None:
    event = {"action": {"type": "event", "payload": {"event": {"name": "checkout"}}}}
    response = await client.post(f"/v2/project/{PID}/session/nobody/event", json=event)
    assert (response.status_code, response.content) == (200, b"")
    assert (await client.get("/state/user/nobody", headers=AUTH)).json() == {}  # no session: no-op
    wrong = await client.post("/v2/project/000000000000000000000000/session/s/event", json=event)
    assert wrong.status_code == 401
    assert (await client.post(f"/v2/project/{PID}/session/s/event", json=LAUNCH)).status_code == 400


# --- v2beta1 (OSS) -----------------------------------------------------------------------------


async def test_v2beta1_stream_envelope_and_session_key(client: httpx.AsyncClient) -> None:
    body = {**LAUNCH, "session": {"userID": "streamer", "sessionID": "sess-1"}}
    response = await client.post(
        f"/v2beta1/interact/{PID}/development/stream", headers=AUTH, json=body
    )
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("private, no-cache")
    assert response.text.startswith("retry:2000\n\nevent:trace\nid:")
    events = sse(response)[1:]
    assert [e["event"] for e in events][-2:] == ["state", "end"]
    traces = [json.loads(e["data"])["trace"] for e in events if e["event"] == "trace"]
    assert {"flow", "block", "debug"} <= set(types(traces))  # v2beta1 does not filter
    state = json.loads(events[-2]["data"])["state"]
    assert state["variables"]["user_id"] == "streamersess-1"
    assert json.loads(events[-1]["data"]) == {"type": "end"}


async def test_v2beta1_validates_tag_and_body(client: httpx.AsyncClient) -> None:
    bad_tag = await client.post(
        f"/v2beta1/interact/{PID}/notatag/stream", headers=AUTH, json=LAUNCH
    )
    assert (bad_tag.status_code, bad_tag.json()["data"]) == (400, "Invalid project version tag")
    missing = await client.post(
        f"/v2beta1/interact/{PID}/development/stream", headers=AUTH, json={"session": {"userID": 1}}
    )
    assert missing.status_code == 500
    issues = json.loads(missing.json()["data"])
    assert [(i["path"], i["received"]) for i in issues] == [
        (["action"], "undefined"),
        (["session", "userID"], "number"),
        (["session", "sessionID"], "undefined"),
    ]


# --- v4 sessions -------------------------------------------------------------------------------


async def test_v4_session_then_interact_and_stream(client: httpx.AsyncClient) -> None:
    started = await client.post(
        f"/v4/project/{PID}/environment/development/session", headers=AUTH, json={"userID": "v4"}
    )
    assert started.status_code == 200
    key = started.json()["sessionKey"]
    launch = await client.post("/v4/interact", headers={"authorization": key}, json=LAUNCH)
    assert types(launch.json()["traces"]) == LAUNCH_TYPES
    stream = await client.post(
        "/v4/interact/stream", headers={"authorization": f"Bearer {key}"}, json=ORDER
    )
    events = sse(stream)
    assert [json.loads(e["data"])["type"] for e in events if e["event"] == "trace"] == ORDER_TYPES
    assert events[-1]["event"] == "end"


async def test_v4_new_session_revokes_the_old_key_and_restarts(client: httpx.AsyncClient) -> None:
    start = f"/v4/project/{PID}/session"
    old = (await client.post(start, headers=AUTH, json={"userID": "w"})).json()["sessionKey"]
    await client.post("/v4/interact", headers={"authorization": old}, json=LAUNCH)
    new = (await client.post(start, headers=AUTH, json={"userID": "w"})).json()["sessionKey"]
    assert (
        await client.post("/v4/interact", headers={"authorization": old}, json=LAUNCH)
    ).status_code == 401
    assert (await client.get("/state/user/w", headers=AUTH)).json() == {}
    # A fresh conversation starts from the top whatever the first action is.
    first = (await client.post("/v4/interact", headers={"authorization": new}, json=ORDER)).json()
    assert types(first["traces"]) == LAUNCH_TYPES


@pytest.mark.parametrize("body", [{}, {"userID": ""}, {"userID": "x" * 257}, {"userID": 5}])
async def test_v4_session_needs_a_user_id(client: httpx.AsyncClient, body: Any) -> None:
    response = await client.post(f"/v4/project/{PID}/session", headers=AUTH, json=body)
    assert response.status_code == 400


async def test_v4_interact_needs_an_action(client: httpx.AsyncClient) -> None:
    key = (
        await client.post(f"/v4/project/{PID}/session", headers=AUTH, json={"userID": "a"})
    ).json()["sessionKey"]
    assert (
        await client.post("/v4/interact", headers={"authorization": key}, json={})
    ).status_code == 400


# --- public and store --------------------------------------------------------------------------


async def test_public_route_refuses_private_projects(client: httpx.AsyncClient) -> None:
    response = await client.post(f"/public/{PID}/state/user/p/interact", json=LAUNCH)
    assert (response.status_code, response.json()["data"]) == (401, "no access to project")


async def test_public_route_serves_public_projects(pizza: Project) -> None:
    raw = json.loads(json.dumps(pizza.raw))
    raw["project"]["apiPrivacy"] = "public"
    public = dataclasses.replace(pizza, raw=raw)
    client = asgi(create_app(public))
    response = await client.post(f"/public/{PID}/state/user/p/interact", json=LAUNCH)
    # The widget reads `trace` (issue 16): an object, not the private route's bare array.
    assert types(response.json()["trace"]) == LAUNCH_TYPES


async def test_serve_public_opens_the_public_routes_of_a_private_project(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(public=True)))
    response = await client.post(f"/public/{PID}/state/user/p/interact", json=LAUNCH)
    assert types(response.json()["trace"]) == LAUNCH_TYPES
    publishing = await client.get(f"/public/{PID}/publishing")
    assert (publishing.status_code, publishing.json()) == (200, {})
    saved = await client.post(f"/public/{PID}/transcripts", json={"sessionID": "p"})
    assert saved.status_code == 200
    assert saved.json()["sessionID"] == "p"
    other = await client.get("/public/000000000000000000000000/publishing")
    assert (other.status_code, other.json()["data"]) == (401, "no access to project")


async def test_cors_reflects_the_origin_and_answers_preflights(client: httpx.AsyncClient) -> None:
    origin = {"origin": "http://localhost:5173"}
    preflight = await client.options(
        f"/public/{PID}/state/user/p/interact",
        headers={**origin, "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type,authorization"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["access-control-allow-headers"] == "content-type,authorization"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = await client.post("/state/user/c/interact", headers={**AUTH, **origin}, json=LAUNCH)
    assert answer.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["vary"] == "Origin"
    refused = await client.post("/state/user/c/interact", headers=origin, json=LAUNCH)
    assert refused.status_code == 401  # errors carry the headers too, so the page can read them
    assert refused.headers["access-control-allow-origin"] == "http://localhost:5173"
    plain = await client.post("/state/user/c/interact", headers=AUTH, json=LAUNCH)
    assert "access-control-allow-origin" not in plain.headers  # no Origin, nothing added


async def test_app_exposes_its_session_store(pizza: Project) -> None:
    app = create_app(pizza)
    await asgi(app).post("/state/user/k/interact", headers=AUTH, json=LAUNCH)
    store = app.state.sessions
    assert isinstance(store, SessionStore)
    assert store.get(f"{PID}.k")["stack"]
    assert create_app(pizza).state.sessions.get(f"{PID}.k") is None  # apps never share state


def test_v4_traces_have_the_hosted_shape(tmp_path: Path) -> None:
    from vftest.contract import load_contract
    from vftest.models import ApiGeneration
    from vftest.runtime.app import create_app
    from vftest.runtime.project import load_project

    app = create_app(load_project(Path(__file__).parents[1] / "data/projects/pizza-demo.vfr"))
    transport = httpx.ASGITransport(app=app)

    async def play() -> list[dict]:
        async with httpx.AsyncClient(transport=transport, base_url="http://rt") as client:
            start = await client.post(
                "/v4/project/6650a1b2c3d4e5f601234560/session",
                headers={"authorization": "VF.DM.x.y"},
                json={"userID": "u1"},
            )
            key = start.json()["sessionKey"]
            reply = await client.post(
                "/v4/interact", headers={"authorization": key}, json={"action": {"type": "launch"}}
            )
            return reply.json()["traces"]

    traces = asyncio.run(play())
    assert [t["type"] for t in traces] == ["text", "speak", "choice"]
    assert len({t["turnID"] for t in traces}) == 1
    assert len(traces[0]["payload"]["messageID"]) == 24
    contract = load_contract("v4", ApiGeneration.V4)
    assert [v for i, t in enumerate(traces) for v in contract.validate_trace(t, i)] == []
