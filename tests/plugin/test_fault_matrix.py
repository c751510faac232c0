"""Issue 14's fault matrix: every fault kind x every API generation x normal and xfail cases.

A fault of the runtime is never the agent's answer: every case must be an ERROR, never a pass,
a failure, an XFAIL or an XPASS. Each fault kind is one pytest run over five suite files (v1,
v2, v2 streaming, v4, v4 streaming), each with a normal case and an `xfail` case, against the
pizza demo served on loopback with the fault injected into every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.net import closed_port_url, silent_server
from vftest.runtime.app import create_app
from vftest.runtime.options import FAULT_KINDS, Faults, RateLimit, RuntimeOptions
from vftest.runtime.project import load_project
from vftest.runtime.server import RunningServer

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"
PROJECT_ID = "6650a1b2c3d4e5f601234560"
GOOD_KEY = "VF.DM.000000000000000000000000.matrix-good-key"
APIS = {"v1": "api: v1", "v2": "api: v2", "v2s": "api: v2, stream: true"}
APIS |= {"v4": "api: v4", "v4s": "api: v4, stream: true"}
SUITE = """\
name: matrix {name}
target: {{{target}, project_id: "{project}"}}
cases:
  - name: normal
    turns:
      - launch:
        expect:
          - text: {{contains: Welcome}}
  - name: expected to fail
    xfail: the agent does not say this
    turns:
      - launch:
        expect:
          - text: "Goodbye forever"
"""
CASES = 2 * len(APIS)


@contextmanager
def runtime(options: RuntimeOptions) -> Iterator[str]:
    with RunningServer(create_app(load_project(PIZZA), options)) as server:
        yield server.url


@contextmanager
def fault(kind: str) -> Iterator[str]:
    """A URL whose runtime answers every request with `kind`."""
    if kind in FAULT_KINDS:
        faults = Faults(rate=1.0, kinds=(kind,), hang_seconds=3.0)
        with runtime(RuntimeOptions(faults=faults, seed=1)) as url:
            yield url
    elif kind == "refused":
        yield closed_port_url()
    elif kind == "silent":
        with silent_server() as url:
            yield url
    elif kind == "wrong-key":
        with runtime(RuntimeOptions(api_keys=("VF.DM.000000000000000000000000.other",))) as url:
            yield url
    elif kind == "429-beyond-cap":
        # One request per 10 minutes: the reset is far past --vftest-max-429-wait.
        with runtime(RuntimeOptions(rate_limit=RateLimit(points=1, seconds=600))) as url:
            yield url
    else:  # pragma: no cover - the parameter list below is the only caller
        raise AssertionError(kind)


KINDS = [*FAULT_KINDS, "refused", "silent", "wrong-key", "429-beyond-cap"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_fault_ever_passes_or_xfails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", GOOD_KEY)
    for name, target in APIS.items():
        pytester.makefile(
            ".vftest.yaml", **{name: SUITE.format(name=name, target=target, project=PROJECT_ID)}
        )
    with fault(kind) as url:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--vftest-url", url, "--vftest-timeout", "1",
            "--vftest-max-429-wait", "5",
        )  # fmt: skip
    outcomes = result.parseoutcomes()
    for good_looking in ("passed", "failed", "xfailed", "xpassed"):
        assert outcomes.get(good_looking, 0) == 0, (kind, result.stdout.str()[-3000:])
    assert outcomes.get("errors", outcomes.get("error")) == CASES, result.stdout.str()[-3000:]
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"vftest: {CASES} cases, 0 passed, 0 failed, {CASES} errors*"])
