"""Fixtures for pytester-based tests of the plugin."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.net import silent_server

PROJECTS = Path(__file__).parents[1] / "data" / "projects"


@pytest.fixture
def pizza(pytester: pytest.Pytester) -> Path:
    """The pizza demo project copied next to the suites pytester writes."""
    target = pytester.path / "pizza.vfr"
    shutil.copy(PROJECTS / "pizza-demo.vfr", target)
    return target


class Observed:
    """What an instrumented runtime saw: requests in order, peak concurrency, open requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self.in_flight = 0
        self.peak = 0
        self.url = ""


@pytest.fixture
def observed_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Observed]:
    """The pizza project on a real loopback server with 50 ms latency, instrumented.

    Sets an API key in the environment, as a user pointing vftest at a URL must.
    """
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.observed")
    from vftest.runtime.app import create_app
    from vftest.runtime.options import Latency, RuntimeOptions
    from vftest.runtime.project import load_project
    from vftest.runtime.server import RunningServer

    observed = Observed()
    app = create_app(
        load_project(PROJECTS / "pizza-demo.vfr"),
        RuntimeOptions(latency=Latency(fixed_ms=50)),
    )

    async def instrumented(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        observed.requests.append((scope["method"], scope["path"]))
        observed.in_flight += 1
        observed.peak = max(observed.peak, observed.in_flight)
        try:
            await app(scope, receive, send)
        finally:
            observed.in_flight -= 1

    with RunningServer(instrumented) as server:
        observed.url = server.url
        yield observed


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A runtime that takes connections and never answers (see tests/net.py)."""
    with silent_server() as url:
        yield url
