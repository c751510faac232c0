"""Captures: from variables, traces, JSONPath and regex groups; clear errors otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vftest.capture import CaptureError, extract
from vftest.errors import VftestError
from vftest.models import Capture, Location, Trace

DATA = Path(__file__).parent.parent / "data"
WHERE = "s.vftest.yaml:9: capture 'eta'"


def cap(**kw: Any) -> Capture:
    return Capture(name="eta", location=Location("s.vftest.yaml", 9), **kw)


def text(message: str) -> Trace:
    return {"type": "text", "payload": {"message": message}}


PATH = {"type": "path", "payload": {"path": "choice:1"}}
TURN = [
    PATH,
    text("Order 12345 has shipped and arrives Tuesday."),
    text("Anything else?"),
]


@pytest.fixture
def captured_turn() -> list[Trace]:
    """The real traces of the intent-match capture (path, text, cardV2, visual, custom, end)."""
    body = (DATA / "captures" / "03-text-intent-match.response.json").read_text(encoding="utf-8")
    traces: list[Trace] = json.loads(body)
    return traces


@pytest.mark.parametrize(
    ("capture", "value"),
    [
        pytest.param(
            cap(trace_type="text"),
            "Order 12345 has shipped and arrives Tuesday.",
            id="default-path",
        ),
        pytest.param(cap(trace_type="text", regex=r"arrives (\w+)"), "Tuesday", id="regex-group-1"),
        pytest.param(
            cap(trace_type="text", regex=r"Order (\d+)", group=0), "Order 12345", id="group-0"
        ),
        pytest.param(
            cap(trace_type="text", regex=r"Order (?P<num>\d+)", group="num"),
            "12345",
            id="named-group",
        ),
        pytest.param(
            cap(trace_type="text", regex=r"(else)\?"), "else", id="regex-tries-next-trace"
        ),
        pytest.param(cap(regex=r"(\d+)"), "12345", id="any-visible-type"),
        pytest.param(
            cap(trace_type="path", path="$.payload.path"), "choice:1", id="hidden-type-named"
        ),
        pytest.param(cap(path="$.type"), "text", id="any-type-skips-hidden"),
    ],
)
def test_extract_from_traces(capture: Capture, value: str) -> None:
    assert extract(capture, TURN, None) == value


def test_extract_from_real_traces(captured_turn: list[Trace]) -> None:
    assert (
        extract(cap(trace_type="cardV2", path="$.payload.title"), captured_turn, None)
        == "Your order"
    )
    assert (
        extract(
            cap(trace_type="cardV2", path="$.payload.buttons[0].request.type"), captured_turn, None
        )
        == "path-track"
    )
    # Filters come from jsonpath-ng's extended parser.
    filtered = cap(
        trace_type="cardV2", path="$.payload.buttons[?(@.name == 'Track order')].request.type"
    )
    assert extract(filtered, captured_turn, None) == "path-track"
    # Non-text values come back as compact JSON, ready for templating.
    dims = cap(trace_type="visual", path="$.payload.dimensions")
    assert json.loads(extract(dims, captured_turn, None)) == {"width": 400, "height": 300}


def test_extract_from_variables() -> None:
    variables = {"order_id": "12345", "count": 3, "flag": True}
    assert extract(cap(variable="order_id"), [], variables) == "12345"
    assert extract(cap(variable="count"), [], variables) == "3"
    assert extract(cap(variable="flag"), [], variables) == "true"
    assert extract(cap(variable="order_id", regex=r"(\d{3})$"), [], variables) == "345"


@pytest.mark.parametrize(
    ("capture", "traces", "variables", "message"),
    [
        pytest.param(
            cap(variable="order_id"),
            TURN,
            {},
            f"{WHERE}: variable 'order_id' is not set",
            id="no-var",
        ),
        pytest.param(
            cap(variable="order_id"),
            TURN,
            None,
            f"{WHERE}: variable 'order_id' is not set",
            id="no-vars",
        ),
        pytest.param(
            cap(variable="order_id"),
            TURN,
            {"order_id": None},
            f"{WHERE}: variable 'order_id' is null",
            id="null",
        ),
        pytest.param(
            cap(trace_type="choice"),
            TURN,
            None,
            f"{WHERE}: no choice trace (received: path, text)",
            id="no-type",
        ),
        pytest.param(
            cap(trace_type="text"),
            [],
            None,
            f"{WHERE}: no text trace (received no traces)",
            id="none",
        ),
        pytest.param(
            cap(), [PATH], None, f"{WHERE}: no visible trace (received: path)", id="only-hidden"
        ),
        pytest.param(
            cap(trace_type="text", path="$.payload.nothing"),
            TURN,
            None,
            f"{WHERE}: $.payload.nothing found nothing in 2 text traces",
            id="path-empty",
        ),
        pytest.param(
            cap(trace_type="text", regex=r"arrives on (\w+)"),
            TURN,
            None,
            f"{WHERE}: regex /arrives on (\\w+)/ did not match "
            '"Order 12345 has shipped and arrives Tuesday.", "Anything else?"',
            id="regex-no-match",
        ),
        pytest.param(
            cap(trace_type="text", regex=r"arrives (\w+)", group=2),
            TURN,
            None,
            f"{WHERE}: regex /arrives (\\w+)/ has no group 2",
            id="no-such-group",
        ),
        pytest.param(
            cap(trace_type="text", regex=r"arrives (\w+)", group="day"),
            TURN,
            None,
            f"{WHERE}: regex /arrives (\\w+)/ has no group day",
            id="no-such-named-group",
        ),
        pytest.param(
            cap(trace_type="text", regex=r"Order (x)?(\d+)"),
            TURN,
            None,
            f"{WHERE}: group 1 of /Order (x)?(\\d+)/ took part in no match in "
            '"Order 12345 has shipped and arrives Tuesday."',
            id="group-not-participating",
        ),
        pytest.param(
            cap(trace_type="text", path="$.payload["),
            TURN,
            None,
            f"{WHERE}: invalid JSONPath $.payload[: Parse error near the end of string!",
            id="bad-path",
        ),
    ],
)
def test_extract_errors(
    capture: Capture, traces: list[Trace], variables: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(CaptureError) as info:
        extract(capture, traces, variables)
    assert str(info.value) == message
    assert isinstance(info.value, VftestError)
