"""The runtime's knobs: latency, rate limiting, fault injection, and per-session serialisation."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from vftest.errors import ConfigError
from vftest.runtime.app import create_app
from vftest.runtime.options import (
    FAULT_KINDS,
    Faults,
    Latency,
    RateLimit,
    RuntimeOptions,
    api_keys_from_env,
    parse_fault_kinds,
    parse_latency,
    parse_rate_limit,
)
from vftest.runtime.project import Project
from vftest.runtime.sessions import SessionStore
from vftest.runtime.streaming import SSEResponse, hosted_events

pytestmark = pytest.mark.anyio

PID = "6650a1b2c3d4e5f601234560"
AUTH = {"authorization": "VF.DM.test.key"}
LAUNCH = {"action": {"type": "launch"}}
STREAM = f"/v2/project/{PID}/user/s/interact/stream"


def asgi(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def faulty(pizza: Project, kind: str, **options: Any) -> httpx.AsyncClient:
    return asgi(
        create_app(pizza, RuntimeOptions(faults=Faults(rate=1.0, kinds=(kind,), **options)))
    )


# --- option parsing --------------------------------------------------------------------------


def test_parsers_accept_the_documented_forms() -> None:
    assert parse_latency("50") == Latency(fixed_ms=50)
    assert parse_latency("50+20ms") == Latency(fixed_ms=50, jitter_ms=20)
    assert parse_rate_limit("500/60") == RateLimit(points=500, seconds=60)
    assert parse_fault_kinds(" 500, cut ,500") == ("500", "cut")
    assert api_keys_from_env({"VFTEST_RUNTIME_API_KEYS": "VF.DM.a, ,VF.DM.b"}) == (
        "VF.DM.a",
        "VF.DM.b",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_latency("fast"),
        lambda: parse_rate_limit("5 per minute"),
        lambda: parse_rate_limit("0/60"),
        lambda: parse_fault_kinds("500,teapot"),
        lambda: Faults(rate=1.5),
        lambda: Faults(rate=0.1, kinds=()),
    ],
)
def test_bad_knob_values_are_config_errors(call: Any) -> None:
    with pytest.raises(ConfigError):
        call()


# --- latency ---------------------------------------------------------------------------------


async def test_latency_delays_requests_but_not_health(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(latency=Latency(fixed_ms=150))))
    started = time.perf_counter()
    await client.get("/health")
    assert time.perf_counter() - started < 0.1
    started = time.perf_counter()
    await client.post("/state/user/a/interact", headers=AUTH, json=LAUNCH)
    assert time.perf_counter() - started >= 0.15


async def test_latency_is_asynchronous(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(latency=Latency(fixed_ms=200))))
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(client.post(f"/state/user/u{n}/interact", headers=AUTH, json=LAUNCH) for n in range(10))
    )
    assert all(a.status_code == 200 for a in answers)
    assert time.perf_counter() - started < 1.0  # 10 x 200 ms overlapped, not 2 s in a row


# --- rate limiting ---------------------------------------------------------------------------


async def test_no_rate_limit_means_no_rate_headers(pizza: Project) -> None:
    response = await asgi(create_app(pizza)).post(
        "/state/user/a/interact", headers=AUTH, json=LAUNCH
    )
    assert "x-ratelimit-limit" not in response.headers


async def test_rate_limit_counts_down_then_answers_429_per_key(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(rate_limit=RateLimit(points=2, seconds=60))))
    first = await client.post("/state/user/a/interact", headers=AUTH, json=LAUNCH)
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert first.headers["x-ratelimit-reset"].endswith("Z")
    second = await client.get("/state/user/a", headers=AUTH)
    assert second.headers["x-ratelimit-remaining"] == "0"
    refused = await client.post("/state/user/a/interact", headers=AUTH, json=LAUNCH)
    assert refused.status_code == 429
    assert refused.json()["data"] == "Too Many Requests"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 58 <= int(refused.headers["retry-after"]) <= 60
    # Another key has its own budget; health and v2beta1 are not rate limited.
    other = await client.get("/state/user/a", headers={"authorization": "VF.DM.other"})
    assert other.status_code == 200
    assert (await client.get("/health")).status_code == 200
    # Errors after the limiter still carry the headers, like capture 30.
    bad = await client.post("/state/user/x/interact", headers={"authorization": "k2"}, json=LAUNCH)
    assert (bad.status_code, bad.headers["x-ratelimit-remaining"]) == (400, "1")


async def test_rate_limit_window_resets(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(rate_limit=RateLimit(points=1, seconds=0.2))))
    assert (await client.get("/state/user/a", headers=AUTH)).status_code == 200
    assert (await client.get("/state/user/a", headers=AUTH)).status_code == 429
    await asyncio.sleep(0.25)
    assert (await client.get("/state/user/a", headers=AUTH)).status_code == 200


# --- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_server_error_faults_change_nothing(pizza: Project, kind: str) -> None:
    app = create_app(pizza, RuntimeOptions(faults=Faults(rate=1.0, kinds=(kind,))))
    response = await asgi(app).post("/state/user/a/interact", headers=AUTH, json=LAUNCH)
    assert response.status_code == int(kind)
    assert app.state.sessions.get(f"{PID}.a") is None
    if kind == "500":
        assert response.json()["code"] == 500


async def test_timeout_fault_hangs_then_answers_408(pizza: Project) -> None:
    client = faulty(pizza, "timeout", hang_seconds=0.3)
    with pytest.raises(TimeoutError):  # in-process there is no socket timeout: wait_for stands in
        await asyncio.wait_for(client.get("/state/user/a", headers=AUTH), 0.05)
    started = time.perf_counter()
    response = await client.get("/state/user/a", headers=AUTH)
    assert time.perf_counter() - started >= 0.3
    assert (response.status_code, response.text) == (408, "response timeout")


async def test_cut_fault_drops_the_connection_after_saving(pizza: Project) -> None:
    app = create_app(pizza, RuntimeOptions(faults=Faults(rate=1.0, kinds=("cut",))))
    with pytest.raises(httpx.RemoteProtocolError):
        await asgi(app).post("/state/user/a/interact", headers=AUTH, json=LAUNCH)
    assert app.state.sessions.get(f"{PID}.a")["stack"]  # the turn ran before delivery failed


async def test_cut_fault_cuts_streams_mid_way() -> None:
    # httpx.ASGITransport buffers whole bodies, so the ASGI messages are inspected directly
    # (test_server.py sees the same cut over a real socket).
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    traces = [{"type": "text", "payload": {"message": str(n)}} for n in range(4)]
    response = SSEResponse(hosted_events(traces, None), {}, cut=True)
    with pytest.raises(httpx.RemoteProtocolError):
        await response({"type": "http"}, _no_receive, send)
    assert sent[0]["status"] == 200
    assert sent[1]["more_body"] is True
    assert sent[1]["body"].startswith(b"event: trace\nid: 1\n")
    assert b"id: 2\n" in sent[1]["body"]
    assert b"id: 3\n" not in sent[1]["body"]
    assert len(sent) == 2  # never completed


async def _no_receive() -> dict[str, Any]:
    raise AssertionError("the response does not read the request")


async def test_malformed_fault_breaks_json_bodies(pizza: Project) -> None:
    response = await faulty(pizza, "malformed").post(
        "/state/user/a/interact", headers=AUTH, json=LAUNCH
    )
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_malformed_fault_breaks_one_stream_event(pizza: Project) -> None:
    response = await faulty(pizza, "malformed").post(STREAM, headers=AUTH, json=LAUNCH)
    blocks = response.text.split("\n\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(blocks[0].split("data: ", 1)[1])
    assert json.loads(blocks[1].split("data: ", 1)[1])["type"] == "speak"
    assert blocks[-2].startswith("event: end")


async def test_fault_rate_and_seed_are_reproducible(pizza: Project) -> None:
    async def statuses(seed: int) -> list[int]:
        options = RuntimeOptions(faults=Faults(rate=0.3, kinds=("500", "503")), seed=seed)
        client = asgi(create_app(pizza, options))
        return [(await client.get("/state/user/a", headers=AUTH)).status_code for _ in range(60)]

    first, again, other = await statuses(7), await statuses(7), await statuses(8)
    assert first == again
    assert first != other
    assert 5 <= sum(s != 200 for s in first) <= 35
    assert set(first) <= {200, 500, 503}


def test_all_fault_kinds_are_known() -> None:
    assert Faults(rate=0.5).kinds == FAULT_KINDS


# --- sessions ----------------------------------------------------------------------------------


async def test_turns_of_one_user_are_serialised(pizza: Project) -> None:
    app = create_app(pizza, RuntimeOptions(latency=Latency(fixed_ms=5, jitter_ms=20), seed=1))
    client = asgi(app)
    answers = await asyncio.gather(
        *(client.post("/state/user/same/interact", headers=AUTH, json=LAUNCH) for _ in range(25))
    )
    assert all(a.status_code == 200 for a in answers)
    # Each launch adds one session to the fresh state's 1: no turn was lost or interleaved.
    assert app.state.sessions.get(f"{PID}.same")["variables"]["sessions"] == 26


async def test_session_lock_excludes_only_the_same_key() -> None:
    store = SessionStore()
    order: list[str] = []

    async def hold(key: str, label: str, pause: float) -> None:
        async with store.locked(key):
            order.append(f"{label}+")
            await asyncio.sleep(pause)
            order.append(f"{label}-")

    await asyncio.gather(hold("k", "a", 0.05), hold("k", "b", 0), hold("other", "c", 0))
    assert order.index("a-") < order.index("b+")  # same key waits
    assert order.index("c+") < order.index("a-")  # other key does not
