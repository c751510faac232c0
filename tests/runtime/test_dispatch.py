"""One local runtime address for several agent files (vftest/runtime/dispatch.py), per API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vftest import cli
from vftest.runtime.dispatch import create_environments_app
from vftest.runtime.project import load_project_data
from vftest.runtime.server import RunningServer

SUPPORT = Path(__file__).parents[2] / "suites" / "agents" / "support.vfr"
KEY = {"authorization": "VF.DM.000000000000000000000000.dispatch"}
WELCOME = "Hi {user_name}! Welcome to Acme Support."


def agent(greeting: str, source: str) -> Any:
    text = SUPPORT.read_text().replace(WELCOME, greeting)
    data = json.loads(text)
    del data["project"]["liveVersion"]  # a development pull: never published
    return load_project_data(data, source=source)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    dev, live = agent("Hello from dev!", "dev.vfr"), agent("Hello from live!", "live.vfr")
    app = create_environments_app({"development": dev, "production": live, "staging": live})
    with RunningServer(app) as server:
        yield server.url


def first_text(traces: list[dict[str, Any]]) -> str:
    return next(t["payload"]["message"] for t in traces if t["type"] == "text")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [("development", "dev"), ("production", "live"), ("staging", "live"), (None, "dev")],
)
def test_v1_routes_by_version_header(url: str, environment: str | None, expected: str) -> None:
    headers = KEY | ({"versionID": environment} if environment else {})
    answer = httpx.post(
        f"{url}/state/user/u-{environment}/interact",
        headers=headers,
        json={"action": {"type": "launch"}},
    )
    assert answer.status_code == 200, answer.text
    assert first_text(answer.json()) == f"Hello from {expected}!"


def test_v2_routes_by_query_and_v4_by_path_then_session_key(url: str) -> None:
    project_id = json.loads(SUPPORT.read_text())["project"]["_id"]
    v2 = httpx.post(
        f"{url}/v2/project/{project_id}/user/u2/interact",
        params={"environment": "production"},
        headers=KEY,
        json={"action": {"type": "launch"}},
    )
    assert first_text(v2.json()) == "Hello from live!"
    started = httpx.post(
        f"{url}/v4/project/{project_id}/environment/production/session",
        headers=KEY,
        json={"userID": "u4"},
    )
    key = started.json()["sessionKey"]
    turn = httpx.post(
        f"{url}/v4/interact", headers={"authorization": key}, json={"action": {"type": "launch"}}
    )
    assert first_text(turn.json()["traces"]) == "Hello from live!"


def test_an_environment_nobody_serves_gets_the_runtimes_own_answer(url: str) -> None:
    answer = httpx.post(
        f"{url}/state/user/u/interact",
        headers=KEY | {"versionID": "qa"},
        json={"action": {"type": "launch"}},
    )
    assert answer.status_code == 400
    assert "Could not resolve project with version ID qa" in answer.text


def test_vftest_serve_maps_environments_to_files(tmp_path: Path) -> None:
    for name, greeting in (("dev.vfr", "Hello from dev!"), ("live.vfr", "Hello from live!")):
        (tmp_path / name).write_text(SUPPORT.read_text().replace(WELCOME, greeting))
    command = [
        sys.executable, "-m", "vftest.cli", "serve", "--port", "0",
        "--env", f"development={tmp_path / 'dev.vfr'}",
        "--env", f"production={tmp_path / 'live.vfr'}",
    ]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stderr is not None
            banner = process.stderr.readline().strip()
            assert f"serving development: {tmp_path / 'dev.vfr'}; production: " in banner
            found = re.search(r"on (http://127\.0\.0\.1:\d+)$", banner)
            assert found, banner
            for environment, expected in (("development", "dev"), ("production", "live")):
                answer = httpx.post(
                    f"{found[1]}/state/user/cli/interact",
                    headers=KEY | {"versionID": environment},
                    json={"action": {"type": "launch"}},
                    timeout=5,
                )
                assert first_text(answer.json()) == f"Hello from {expected}!"
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give PROJECT.vfr, or --env NAME=FILE.vfr for each environment"),
        (["--env", "production"], "--env 'production': use NAME=FILE.vfr"),
        (["--env", f"a={SUPPORT}", "--env", f"a={SUPPORT}"], "--env a: given twice"),
        (["--env", "a=missing.vfr"], "missing.vfr: project file not found"),
    ],
)
def test_serve_mapping_errors_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("vftest serve: error: ")
    assert message in err
