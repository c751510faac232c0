"""Rate limiting never hangs a run: long pauses fail cases fast, short ones are announced."""

from __future__ import annotations

import time

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vftest.runtime.server import RunningServer

SUITE = "name: limited\ncases:\n" + "".join(
    f"  - name: case {n}\n    turns:\n      - launch:\n" for n in range(4)
)
TEXT = [{"type": "text", "payload": {"message": "hello"}}]


def limited_runtime(retry_after: int, times: int) -> Starlette:
    """A v1 runtime whose first `times` answers are 429 with `Retry-After: retry_after`."""
    left = [times]

    async def handle(request: Request) -> Response:
        if left[0] > 0:
            left[0] -= 1
            return JSONResponse(
                {"message": "Too Many Requests"},
                status_code=429,
                headers={"retry-after": str(retry_after)},
            )
        if request.method == "DELETE":
            return Response(status_code=200)
        return JSONResponse(TEXT)

    return Starlette(
        routes=[
            Route("/state/user/{user}", handle, methods=["DELETE"]),
            Route("/state/user/{user}/interact", handle, methods=["POST"]),
        ]
    )


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.limited")


def run(pytester: pytest.Pytester, app: Starlette, *args: str) -> tuple[pytest.RunResult, float]:
    pytester.makefile(".vftest.yaml", limited=SUITE)
    with RunningServer(app) as server:
        started = time.perf_counter()
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--vftest-url", server.url, *args
        )
        return result, time.perf_counter() - started


@pytest.mark.usefixtures("key")
def test_a_pause_longer_than_the_maximum_fails_the_cases_at_once(
    pytester: pytest.Pytester,
) -> None:
    result, elapsed = run(pytester, limited_runtime(retry_after=600, times=1000))
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(["*infrastructure error (rate-limited)*600*max*"])
    assert elapsed < 30  # not 600 s per request


@pytest.mark.usefixtures("key")
def test_a_shared_pause_within_the_maximum_is_announced_and_waited_out(
    pytester: pytest.Pytester,
) -> None:
    result, elapsed = run(
        pytester, limited_runtime(retry_after=3, times=1), "--vftest-max-429-wait", "10"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        ["vftest: every request waits 3s: the runtime rate-limited this key (429 with Retry-After*"]
    )
    assert elapsed >= 3
