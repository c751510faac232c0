"""`vftest serve`: argument handling, clear errors (exit 2), and a real server subprocess."""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vftest.commands import serve
from vftest.runtime.options import Faults, Latency, RateLimit, RuntimeOptions

DATA = Path(__file__).parents[1] / "data"
PIZZA = DATA / "projects" / "pizza-demo.vfr"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vftest")
    serve.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["serve", *argv])


def test_defaults_are_loopback_3000_with_every_knob_off() -> None:
    args = parse(str(PIZZA))
    assert (args.host, args.port) == ("127.0.0.1", 3000)
    assert serve.build_options(args, environ={}) == RuntimeOptions()


def test_every_knob_reaches_the_options() -> None:
    args = parse(
        str(PIZZA),
        "--api-key", "VF.DM.one",
        "--api-key", "VF.DM.two",
        "--latency", "40+10",
        "--rate-limit", "5/2",
        "--fault-rate", "0.25",
        "--fault-kinds", "503,cut",
        "--seed", "3",
    )  # fmt: skip
    options = serve.build_options(args, environ={"VFTEST_RUNTIME_API_KEYS": "VF.DM.two,VF.DM.env"})
    assert options == RuntimeOptions(
        api_keys=("VF.DM.one", "VF.DM.two", "VF.DM.env"),
        latency=Latency(fixed_ms=40, jitter_ms=10),
        rate_limit=RateLimit(points=5, seconds=2),
        faults=Faults(rate=0.25, kinds=("503", "cut")),
        seed=3,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.vfr"], "missing.vfr: project file not found"),
        ([str(DATA / "captures" / "00-health.request.txt")], "not valid JSON"),
        ([str(PIZZA), "--latency", "soon"], "latency must look like MS or MS+JITTER"),
        ([str(PIZZA), "--fault-kinds", "teapot"], "fault kinds must be among"),
        ([str(PIZZA), "--port", "70000"], "--port must be 0..65535"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert serve.run(parse(*argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith("vftest serve: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_busy_port_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serve.run(parse(str(PIZZA), "--port", str(port))) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    command = [sys.executable, "-m", "vftest.cli", "serve", str(PIZZA), "--port", "0"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stderr is not None
            banner = process.stderr.readline()
            found = re.search(r"on (http://127\.0\.0\.1:\d+)$", banner.strip())
            assert found, banner
            yield process, found[1]
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_serve_subprocess_answers_and_stops_cleanly(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    assert httpx.get(url + "/health", timeout=5).text == "local Healthy"
    launch = httpx.post(
        url + "/state/user/cli/interact",
        headers={"authorization": "VF.DM.cli.key"},
        json={"action": {"type": "launch"}},
        timeout=5,
    )
    assert [t["type"] for t in launch.json()] == ["text", "speak", "choice"]
    process.terminate()
    # uvicorn shuts down gracefully, then re-raises the captured signal as its exit status.
    assert process.wait(timeout=10) in (0, -signal.SIGTERM)
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()
