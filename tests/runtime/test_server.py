"""The runtime over real sockets: RunningServer on 127.0.0.1, every route family, concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import aconnect_sse

from vftest.runtime.app import create_app
from vftest.runtime.options import Faults, RuntimeOptions
from vftest.runtime.project import Project
from vftest.runtime.server import RunningServer

pytestmark = pytest.mark.anyio

PID = "6650a1b2c3d4e5f601234560"
VERSION = "6650a1b2c3d4e5f601234561"
AUTH = {"authorization": "VF.DM.test.key", "versionID": "development"}
LAUNCH = {"action": {"type": "launch"}}
SIZES = ("small", "medium", "large")


@pytest.fixture(scope="module")
def server(pizza: Project) -> Iterator[RunningServer]:
    with RunningServer(create_app(pizza)) as running:
        yield running


def test_running_server_listens_on_loopback_and_stops(pizza: Project) -> None:
    with RunningServer(create_app(pizza)) as running:
        assert running.url.startswith("http://127.0.0.1:")
        assert httpx.get(running.url + "/health").text == "local Healthy"
        url = running.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/health", timeout=1)


def test_two_servers_get_different_ports(pizza: Project) -> None:
    with RunningServer(create_app(pizza)) as one, RunningServer(create_app(pizza)) as two:
        assert one.url != two.url


async def test_every_route_family_over_sockets(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as client:
        assert (await client.get("/health")).text == "local Healthy"
        # v1 stateful
        launch = await client.post("/state/user/sock/interact", json=LAUNCH)
        assert [t["type"] for t in launch.json()] == ["text", "speak", "choice"]
        assert (await client.get("/state/user/sock")).json()["stack"]
        patched = await client.patch("/state/user/sock/variables", json={"size": "large"})
        assert patched.json()["variables"]["size"] == "large"
        put = await client.put(
            "/state/user/sock", json={"stack": [], "storage": {}, "variables": {}}
        )
        assert put.status_code == 200
        assert (await client.delete("/state/user/sock")).content == b""
        assert (await client.post("/state/user/sock")).json()["variables"]["sessions"] == 1
        assert (
            await client.post(f"/state/{VERSION}/user/sock/interact", json=LAUNCH)
        ).status_code == 200
        # v1 stateless
        assert (await client.get("/interact/state")).json()["stack"]
        assert (await client.post("/interact", json=LAUNCH)).json()["trace"]
        # v2, v2 stream, v2 event
        v2 = await client.post(f"/v2/project/{PID}/user/v2/interact", json=LAUNCH)
        assert len(v2.json()) == 3
        async with aconnect_sse(
            client, "POST", f"/v2/project/{PID}/user/v2/interact/stream?state=true", json=LAUNCH
        ) as source:
            events = [sse.event async for sse in source.aiter_sse()]
        assert events == ["trace", "trace", "trace", "state", "end"]
        event = {"action": {"type": "event", "payload": {"event": {"name": "x"}}}}
        assert (
            await client.post(f"/v2/project/{PID}/session/v2/event", json=event)
        ).status_code == 200
        # v2beta1
        body = {**LAUNCH, "session": {"userID": "b", "sessionID": "1"}}
        async with aconnect_sse(
            client, "POST", f"/v2beta1/interact/{PID}/development/stream", json=body
        ) as source:
            kinds = [sse.event async for sse in source.aiter_sse()]
        assert kinds[-2:] == ["state", "end"]
        # v4
        start = await client.post(f"/v4/project/{PID}/session", json={"userID": "four"})
        key = {"authorization": start.json()["sessionKey"]}
        assert (await client.post("/v4/interact", headers=key, json=LAUNCH)).json()["traces"]
        stream = await client.post("/v4/interact/stream", headers=key, json=LAUNCH)
        assert stream.text.rstrip().endswith("event: end\nid: 4")
        # errors
        assert (
            await client.post("/public/x/state/user/p/interact", json=LAUNCH)
        ).status_code == 401
        missing = await client.post("/nope")
        assert (missing.status_code, missing.headers["content-type"]) == (
            404,
            "text/html; charset=utf-8",
        )


async def test_fifty_users_in_parallel_keep_their_own_conversations(server: RunningServer) -> None:
    limits = httpx.Limits(max_connections=50)

    async def conversation(client: httpx.AsyncClient, n: int) -> None:
        user, size, name = f"par{n}", SIZES[n % 3], f"User{n}"
        body = {**LAUNCH, "state": {"variables": {"user_name": name}}}
        launch = (await client.post(f"/state/user/{user}/interact", json=body)).json()
        assert launch[0]["payload"]["message"] == f"Welcome to Pizza Place, {name}!"
        for turn in range(3):
            text = {"action": {"type": "text", "payload": f"i want a {size} pizza"}}
            order = (await client.post(f"/state/user/{user}/interact", json=text)).json()
            assert order[1]["payload"]["message"] == f"Great, one {size} pizza coming up."
            assert order[-1]["type"] == "end"
            relaunch = (await client.post(f"/state/user/{user}/interact", json=LAUNCH)).json()
            assert relaunch[0]["payload"]["message"] == f"Welcome to Pizza Place, {name}!"
            state = (await client.get(f"/state/user/{user}")).json()
            assert state["variables"]["size"] == size
            assert state["variables"]["user_id"] == user
            assert state["variables"]["sessions"] == turn + 3

    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, limits=limits) as client:
        await asyncio.gather(*(conversation(client, n) for n in range(50)))


async def drain(client: httpx.AsyncClient, url: str, into: bytearray) -> None:
    async with client.stream("POST", url, json=LAUNCH) as response:
        async for chunk in response.aiter_bytes():
            into += chunk


async def test_faults_over_sockets(pizza: Project) -> None:
    cut = RuntimeOptions(faults=Faults(rate=1.0, kinds=("cut",)))
    hang = RuntimeOptions(faults=Faults(rate=1.0, kinds=("timeout",), hang_seconds=0.6))
    with (
        RunningServer(create_app(pizza, cut)) as cutting,
        RunningServer(create_app(pizza, hang)) as hanging,
    ):
        async with httpx.AsyncClient(headers=AUTH) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post(cutting.url + "/state/user/c/interact", json=LAUNCH)
            received = bytearray()
            with pytest.raises(httpx.RemoteProtocolError):
                await drain(
                    client, f"{cutting.url}/v2/project/{PID}/user/c/interact/stream", received
                )
            assert b"event: trace" in received
            assert b"event: end" not in received
            with pytest.raises(httpx.ReadTimeout):
                await client.get(hanging.url + "/state/user/h", timeout=0.2)
            # The server's own bound still ends the request.
            late = await client.get(hanging.url + "/state/user/h", timeout=5)
            assert late.status_code == 408
            assert late.text == "response timeout"
