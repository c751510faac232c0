"""Auth, version resolution and request-body errors of the local runtime (API.md §1.1, §5)."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from vftest.runtime.app import create_app
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import Project

pytestmark = pytest.mark.anyio

PID = "6650a1b2c3d4e5f601234560"
VERSION = "6650a1b2c3d4e5f601234561"
LAUNCH = {"action": {"type": "launch"}}
BAD_KEY = "Cannot resolve project version, please verify that your API key is correct."


def asgi(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def client(pizza: Project) -> httpx.AsyncClient:
    return asgi(create_app(pizza))


async def interact(
    client: httpx.AsyncClient, headers: dict[str, str], path: str = "/state/user/x/interact"
) -> Any:
    return await client.post(path, headers=headers, json=LAUNCH)


async def test_missing_key_is_401_auth_key_required(client: httpx.AsyncClient) -> None:
    response = await interact(client, {"versionID": "development"})
    assert response.status_code == 401
    body = response.json()
    assert (body["code"], body["status"], body["data"]) == (
        401,
        "Unauthorized",
        "Auth Key Required",
    )
    assert body["dateTime"].endswith("Z")
    assert isinstance(body["timestamp"], int)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"authorization": "not-a-dm-key"}, "Missing versionID in request"),
        (
            {"authorization": "not-a-dm-key", "versionID": "development"},
            "Cannot resolve version alias",
        ),
        (
            {"authorization": "VF.DM.k", "versionID": "0" * 24},
            f"Could not resolve project with version ID {'0' * 24}",
        ),
        (
            {"authorization": "VF.DM.k", "versionID": "banana"},
            "Could not resolve project with version ID banana",
        ),
    ],
)
async def test_version_errors_are_verror_400(
    client: httpx.AsyncClient, headers: dict[str, str], message: str
) -> None:
    response = await interact(client, headers)
    assert response.status_code == 400
    body = response.json()
    assert (body["name"], body["message"]) == ("verror", message)
    assert body["requestID"]


async def test_non_dm_key_with_an_explicit_version_is_accepted(client: httpx.AsyncClient) -> None:
    assert (
        await interact(client, {"authorization": "not-a-dm-key", "versionID": VERSION})
    ).status_code == 200


@pytest.mark.parametrize("prefix", ["", "ApiKey ", "Bearer "])
async def test_dm_key_defaults_to_development_and_prefixes_are_stripped(
    client: httpx.AsyncClient, prefix: str
) -> None:
    assert (await interact(client, {"authorization": prefix + "VF.DM.any.key"})).status_code == 200


async def test_configured_keys_are_the_only_ones_accepted(pizza: Project) -> None:
    client = asgi(create_app(pizza, RuntimeOptions(api_keys=("VF.DM.good.key",))))
    assert (await interact(client, {"authorization": "Bearer VF.DM.good.key"})).status_code == 200
    refused = await interact(client, {"authorization": "VF.DM.other.key"})
    assert (refused.status_code, refused.json()["message"]) == (400, BAD_KEY)
    hosted = await client.post(
        f"/v4/project/{PID}/session", headers={"authorization": "VF.DM.x"}, json={"userID": "u"}
    )
    assert hosted.status_code == 401


async def test_unpublished_production_is_refused(pizza: Project) -> None:
    unpublished = dataclasses.replace(pizza, live_version_id=None)
    client = asgi(create_app(unpublished))
    response = await interact(client, {"authorization": "VF.DM.k", "versionID": "production"})
    assert response.status_code == 400
    assert response.json()["message"] == "Voiceflow project was not published to production"
    v2 = await client.post(
        f"/v2/project/{PID}/user/x/interact?environment=production",
        headers={"authorization": "VF.DM.k"},
        json=LAUNCH,
    )
    assert v2.status_code == 404
    assert (
        await interact(client, {"authorization": "VF.DM.k", "versionID": "development"})
    ).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"action":{"type":"launch"',
            "Expected ',' or '}' after property value in JSON at position 26",
        ),
        (b'{"a":[1,2', "Expected ',' or ']' after array element in JSON at position 9"),
        (b'{"a":1,}', "Expected double-quoted property name in JSON at position 7"),
        (b"{", "Expected property name or '}' in JSON at position 1"),
        (b'{"a" 1}', "Expected ':' after property name in JSON at position 5"),
        (b'{"a":}', 'Unexpected token \'}\', "{"a":}" is not valid JSON'),
        (b'{"a":', "Unexpected end of JSON input"),
        (b'{"a":1} x', "Unexpected non-whitespace character after JSON at position 8"),
        (b"nope", "Unexpected token 'n', \"nope\" is not valid JSON"),
    ],
)
async def test_malformed_json_is_a_syntax_error_worded_like_v8(
    client: httpx.AsyncClient, body: bytes, message: str
) -> None:
    headers = {"authorization": "VF.DM.k", "content-type": "application/json"}
    response = await client.post("/state/user/x/interact", headers=headers, content=body)
    assert response.status_code == 400
    assert response.json()["name"] == "SyntaxError"
    assert response.json()["message"] == message
    # bodyParser runs before routing: unknown routes fail the same way.
    assert (await client.post("/nope", headers=headers, content=body)).status_code == 400


async def test_long_malformed_json_quotes_context(client: httpx.AsyncClient) -> None:
    body = b'{"action": {"type": "launch"}, "config": x}'
    headers = {"authorization": "VF.DM.k", "content-type": "application/json"}
    message = (await client.post("/state/user/x/interact", headers=headers, content=body)).json()[
        "message"
    ]
    assert message == 'Unexpected token \'x\', ...""config": x}" is not valid JSON'


async def test_body_over_one_megabyte_is_413(client: httpx.AsyncClient) -> None:
    headers = {"authorization": "VF.DM.k", "content-type": "application/json"}
    response = await client.post(
        "/state/user/x/interact", headers=headers, content=b"[" + b" " * 1_048_576 + b"]"
    )
    assert response.status_code == 413
    assert response.json()["name"] == "PayloadTooLargeError"


async def test_non_json_content_type_reads_as_empty_body(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        "/state/user/y/variables", headers={"authorization": "VF.DM.k"}, content=b"not json"
    )
    assert response.json() == {"variables": {}}


async def test_invalid_logs_level_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/state/user/x/interact?logs=banana", headers={"authorization": "VF.DM.k"}, json=LAUNCH
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"logs": {"message": "must be a known log level, boolean, or undefined"}}
    }


async def test_v4_interact_requires_a_live_session_key(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v4/interact", json=LAUNCH)).status_code == 401
    assert (
        await client.post("/v4/interact", headers={"authorization": "VF.DM.k"}, json=LAUNCH)
    ).status_code == 401


async def test_engine_failure_is_a_500_and_keeps_the_state(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"authorization": "VF.DM.k"}
    await interact(client, headers)
    before = (await client.get("/state/user/x", headers=headers)).json()

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("engine bug")

    monkeypatch.setattr("vftest.runtime.app.run_turn", explode)
    response = await client.post(
        "/state/user/x/interact",
        headers=headers,
        json={"action": {"type": "text", "payload": "hi"}},
    )
    assert response.status_code == 500
    assert response.json()["data"] == "RuntimeError: engine bug"
    assert (await client.get("/state/user/x", headers=headers)).json() == before
