"""No request may crash the local runtime (issue 16): hostile bodies get a 4xx or a normal turn,
and the user's state stays readable afterwards. Includes a bounded Hypothesis fuzz."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vftest.runtime.app import create_app
from vftest.runtime.project import load_project

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"
AUTH = {
    "authorization": "VF.DM.000000000000000000000000.hostile",
    "content-type": "application/json",
}
APP = create_app(load_project(PIZZA))


def post(body: bytes, user: str = "h") -> tuple[int, int, str]:
    """Status of the interact, status of a state read after it, and the interact's body."""
    import asyncio

    async def go() -> tuple[int, int, str]:
        transport = httpx.ASGITransport(app=APP, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.post(f"/state/user/{user}/interact", headers=AUTH, content=body)
            state = await client.get(f"/state/user/{user}", headers=AUTH)
            return answer.status_code, state.status_code, answer.text

    return asyncio.run(go())


HOSTILE = {
    "action is a string": b'{"action": "launch"}',
    "config items of the wrong type": (
        b'{"action": {"type": "launch"}, "config": {"excludeTypes": "x", "tts": [], '
        b'"stripSSML": {}}}'
    ),
    "lone surrogate in the text": b'{"action": {"type": "text", "payload": "\\ud800 hi"}}',
    "JSON nested 600 deep": ('{"x": ' + "[" * 600 + "]" * 600 + "}").encode(),
    "JSON nested 100,000 deep": ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(),
    "state variables as a list": b'{"action": {"type": "launch"}, "state": {"variables": []}}',
    "2 MB body": b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_bodies_never_crash_the_runtime_nor_poison_the_user(body: bytes) -> None:
    status, state_status, _ = post(body)
    assert status < 500
    assert state_status == 200


def test_a_lone_surrogate_is_written_as_json_escapes() -> None:
    body = b'{"action": {"type": "text", "payload": "\\ud800 hi"}}'
    status, _, text = post(body, user="surrogate")
    assert status == 200
    json.loads(text)  # valid JSON, the surrogate escaped


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
actions = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["launch", "text", "intent", "path-1", "no-reply", "x"])},
        optional={"payload": json_values},
    ),
)
bodies = st.fixed_dictionaries(
    {}, optional={"action": actions, "config": json_values, "state": json_values}
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_fuzzed_interact_bodies_get_no_5xx(body: dict[str, Any]) -> None:
    status, state_status, _ = post(json.dumps(body).encode(), user="fuzz")
    assert status < 500, body
    assert state_status == 200, body


def stateless(state: Any, action: Any = None) -> httpx.Response:
    """One stateless turn (`POST /interact`) on the state the caller carries."""
    import asyncio

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=APP, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            body = {"action": action or {"type": "launch"}, "state": state}
            return await client.post(
                "/interact", headers=AUTH | {"versionID": "development"}, json=body
            )

    return asyncio.run(go())


# The stateless runtime spreads the caller's variables and storage into the new session
# (`{...state.variables}`): JavaScript copies a string's or an array's indexes and nothing
# from a number, a boolean or null, and does not fail.
SPREADS = {
    "a number": (5, {}),
    "a boolean": (True, {}),
    "null": (None, {}),
    "a string": ("ab", {"0": "a", "1": "b"}),
    "a list": ([7, "x"], {"0": 7, "1": "x"}),
    "an object": ({"size": "large"}, {"size": "large"}),
}


@pytest.mark.parametrize(("sent", "spread"), SPREADS.values(), ids=SPREADS.keys())
def test_stateless_variables_of_any_type_are_spread_as_javascript_does(
    sent: Any, spread: dict[str, Any]
) -> None:
    answer = stateless({"variables": sent})
    assert answer.status_code == 200, answer.text
    variables = answer.json()["state"]["variables"]
    assert_spread(variables, spread)
    assert variables["sessions"] == 1  # a real new session, not an error turned into one


@pytest.mark.parametrize(("sent", "spread"), SPREADS.values(), ids=SPREADS.keys())
def test_stateless_storage_of_any_type_is_spread_as_javascript_does(
    sent: Any, spread: dict[str, Any]
) -> None:
    # Not a launch: a launch empties the storage before it is spread.
    answer = stateless({"storage": sent}, {"type": "text", "payload": "hello"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["trace"], "the turn ran"
    assert_spread(answer.json()["state"]["storage"], spread)


def assert_spread(copied: dict[str, Any], spread: dict[str, Any]) -> None:
    """`copied` holds exactly the spread values, and no index keys that were not spread."""
    assert {key: copied.get(key) for key in spread} == spread
    assert not ({"0", "1"} - set(spread)) & set(copied)


def test_a_client_that_hangs_up_mid_body_is_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """A cancelled run closes connections half-way through a body: nothing to log as a failure."""
    import socket
    import time

    from vftest.runtime.server import RunningServer

    with RunningServer(create_app(load_project(PIZZA))) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /state/user/hangup/interact HTTP/1.1\r\nhost: x\r\n"
                b"authorization: VF.DM.000000000000000000000000.hostile\r\n"
                b"content-type: application/json\r\n"
                b"content-length: 100\r\n\r\n" + b'{"action": {"ty'
            )
        time.sleep(0.3)
        assert httpx.get(server.url + "/health").status_code == 200
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
