"""`vftest pull` against a stand-in of Voiceflow's Project API on 127.0.0.1.

The stand-in follows the documented contract (docs.voiceflow.com "Fetch Project"): GET
/v2/versions/{versionID}/export with the key in `authorization`; aliases need `projectid`;
`prototype=true` for the compiled `.vfr` (without it: the design, no `programs`); 401 for a
wrong key (its message quotes the key it got, so redaction is tested), 404 for an unknown
version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.net import closed_port_url
from vftest import cli
from vftest.runtime.server import RunningServer

KEY = "VF.DM.0123456789abcdef01234567.pull-canary-9f8e"
PROJECT = "64a0c0ffee0000000000000a"
DATA = Path(__file__).parents[1] / "data"


def project_api(exports: dict[str, Any], seen: list[dict[str, str]]) -> Starlette:
    async def export(request: Request) -> Response:
        seen.append(dict(request.headers) | {"?": request.url.query})
        key = request.headers.get("authorization")
        if key != KEY:
            return JSONResponse({"message": f"Unauthorized: bad key {key}"}, status_code=401)
        version = request.path_params["version"]
        alias = version in ("development", "production")
        if alias and request.headers.get("projectid") != PROJECT:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if version not in exports:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        found = exports[version]
        if request.query_params.get("prototype") != "true":
            found = {k: v for k, v in found.items() if k != "programs"}
        return JSONResponse(found)

    return Starlette(routes=[Route("/v2/versions/{version}/export", export)])


@pytest.fixture
def served() -> Iterator[tuple[str, list[dict[str, str]]]]:
    compiled = json.loads((DATA / "projects" / "pizza-demo.vfr").read_text())
    design_only = {k: v for k, v in compiled.items() if k != "programs"} | {"diagrams": {"d1": {}}}
    stale = dict(compiled) | {"diagrams": {"d-new": {}}}
    recompiled = dict(compiled) | {"version": compiled["version"] | {"_id": "v-next"}}
    seen: list[dict[str, str]] = []
    exports = {"development": compiled, "v-design": design_only, "v-stale": stale}
    app = project_api(exports | {"v-next": recompiled}, seen)
    with RunningServer(app) as server:
        yield server.url, seen


def pull(url: str, *args: str) -> int:
    return cli.main(["pull", "--api-url", url, *args])


def test_pull_writes_the_compiled_export_and_sends_the_documented_headers(
    served: tuple[str, list[dict[str, str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, seen = served
    monkeypatch.setenv("VOICEFLOW_API_KEY", KEY)
    out = tmp_path / "agents" / "pizza.vfr"
    assert pull(url, "--env", "development", "--project-id", PROJECT, "-o", str(out)) == 0
    assert seen[-1]["authorization"] == KEY
    assert seen[-1]["projectid"] == PROJECT
    assert seen[-1]["?"] == "prototype=true"  # the documented switch to the compiled .vfr
    assert json.loads(out.read_text())["programs"]
    printed = capsys.readouterr()
    assert f"wrote {out}" in printed.out
    assert KEY not in out.read_text() + printed.out + printed.err


@pytest.mark.parametrize(
    ("args", "key", "message"),
    [
        (("--env", "production"), KEY, "give the project id too"),
        (("--version-id", "nope"), KEY, "HTTP 404: no version 'nope'"),
        (
            ("--version-id", "v-design"),
            "VF.DM.0123456789abcdef01234567.wrong-secret",
            "HTTP 401: the key was refused",
        ),
        # The answer quotes the key it got: the message keeps the rest, not the key.
        (
            ("--version-id", "v-design"),
            "VF.DM.0123456789abcdef01234567.wrong-secret",
            "Unauthorized: bad key ***",
        ),
        (("--version-id", "v-design"), KEY, "not written: the export has no compiled programs"),
    ],
)
def test_pull_errors_write_nothing_and_never_show_the_key(
    served: tuple[str, list[dict[str, str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    key: str,
    message: str,
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", key)
    out = tmp_path / "a.vfr"
    assert pull(served[0], *args, "-o", str(out)) == 2
    printed = capsys.readouterr()
    assert message in printed.err
    assert key not in printed.err + printed.out
    assert key.rsplit(".", 1)[-1] not in printed.err  # not even the secret part alone
    assert not out.exists()


def test_an_export_without_current_programs_is_written_with_a_warning(
    served: tuple[str, list[dict[str, str]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", KEY)
    assert pull(served[0], "--version-id", "v-design", "-o", str(tmp_path / "d.vf")) == 0
    err = capsys.readouterr().err
    assert "no compiled programs" in err
    assert "Publish or Run the agent on the canvas, then pull again" in err
    assert pull(served[0], "--version-id", "v-stale", "-o", str(tmp_path / "s.vfr")) == 0
    assert "1 diagram(s) have no compiled program (d-new)" in capsys.readouterr().err
    pizza_version = json.loads((DATA / "projects" / "pizza-demo.vfr").read_text())["version"]
    assert pull(served[0], "--version-id", "v-next", "-o", str(tmp_path / "n.vfr")) == 0
    assert (
        f"the programs were compiled for version {pizza_version['_id']}, not v-next, so they "
        "may be stale" in capsys.readouterr().err
    )
    # Serving the design export says what it is and where to get a compiled one.
    assert cli.main(["serve", str(tmp_path / "d.vf"), "--port", "0"]) == 2
    assert "design export (.vf) without compiled programs" in capsys.readouterr().err


def test_pull_needs_the_key_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VOICEFLOW_API_KEY", raising=False)
    assert cli.main(["pull", "--version-id", "x", "-o", str(tmp_path / "a.vfr")]) == 2
    assert "VOICEFLOW_API_KEY" in capsys.readouterr().err


def test_an_unreachable_api_is_an_error_without_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", KEY)
    assert pull(closed_port_url(), "--version-id", "x", "-o", str(tmp_path / "a.vfr")) == 2
    err = capsys.readouterr().err
    assert "/v2/versions/x/export?prototype=true: ConnectError" in err
    assert KEY not in err
    assert not (tmp_path / "a.vfr").exists()
