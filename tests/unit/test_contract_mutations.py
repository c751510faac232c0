"""Mutated real traces: each must yield exactly one violation at the expected path and keyword."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from vftest.contract import check_traces, load_contract
from vftest.models import ContractSettings

TRACES = Path(__file__).parents[1] / "data" / "traces"
DELETE = object()


def base(name: str) -> dict[str, Any]:
    trace: dict[str, Any] = json.loads((TRACES / f"{name}.json").read_text())
    return trace


def v4_text() -> dict[str, Any]:
    trace = base("text.local-runtime")
    trace["payload"]["messageID"] = "m1"  # what a v4 runtime adds
    return trace


def completion(payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "completion", "payload": payload}


BASES = {
    "text": v4_text,
    "choice": lambda: base("choice.intent-and-path-buttons.local-runtime"),
    "card": lambda: base("cardV2.local-runtime"),
    "carousel": lambda: base("carousel.local-runtime"),
    "visual": lambda: base("visual.image.local-runtime"),
    "speak": lambda: base("speak.message-tts.docs"),
    "custom": lambda: base("custom-action.Pay-Credit-Card.local-runtime"),
    "noreply": lambda: base("no-reply.docs"),
    "path": lambda: base("path.choice.local-runtime"),
    "debug": lambda: base("debug.local-runtime"),
    "end": lambda: base("end.end-step.local-runtime"),
    "v1text": lambda: base("text.local-runtime"),
}

# (contract, base, path to change, new value or DELETE, expected json_path, expected keyword)
CASES: list[tuple[str, str, tuple[Any, ...], Any, str, str]] = [
    ("v4", "text", ("payload", "message"), DELETE, "$.payload", "required"),
    ("v4", "text", ("payload", "message"), 5, "$.payload.message", "type"),
    ("v4", "text", ("payload", "slate", "id"), DELETE, "$.payload.slate", "required"),
    ("v4", "text", ("payload", "slate", "content"), "x", "$.payload.slate.content", "type"),
    ("v4", "text", ("payload", "delay"), "1000", "$.payload.delay", "type"),
    ("v4", "text", ("payload",), "hello", "$.payload", "type"),
    ("v4", "text", ("payload",), DELETE, "$", "required"),
    ("v4", "text", ("time",), "now", "$.time", "type"),
    ("v4", "text", ("paths",), [{"label": 1}], "$.paths[0].label", "type"),
    ("v4", "text", ("paths",), [{"event": {}}], "$.paths[0].event", "required"),
    ("v4", "text", ("payload", "ai"), "yes", "$.payload.ai", "type"),
    ("v4", "text", ("type",), 5, "$.type", "type"),
    ("v4", "text", ("type",), DELETE, "$", "required"),
    ("v4", "choice", ("payload", "buttons", 0, "name"), DELETE, "$.payload.buttons[0]", "required"),
    ("v4", "choice", ("payload", "buttons"), {}, "$.payload.buttons", "type"),
    (
        "v4",
        "choice",
        ("payload", "buttons", 1, "request"),
        {"payload": {}},
        "$.payload.buttons[1].request",
        "required",
    ),
    (
        "v4",
        "choice",
        ("payload", "buttons", 0, "request", "type"),
        3,
        "$.payload.buttons[0].request.type",
        "type",
    ),
    ("v4", "card", ("payload", "imageUrl"), DELETE, "$.payload", "required"),
    ("v4", "card", ("payload", "imageUrl"), 5, "$.payload.imageUrl", "type"),
    ("v4", "card", ("payload", "description"), {"slate": []}, "$.payload.description", "required"),
    ("v4", "card", ("payload", "description", "slate"), "x", "$.payload.description.slate", "type"),
    ("v4", "carousel", ("payload", "layout"), "Grid", "$.payload.layout", "enum"),
    ("v4", "carousel", ("payload", "cards", 1, "title"), None, "$.payload.cards[1].title", "type"),
    ("v4", "visual", ("payload", "dimensions"), {"width": 1}, "$.payload.dimensions", "required"),
    ("v4", "visual", ("payload", "canvasVisibility"), "half", "$.payload.canvasVisibility", "enum"),
    (
        "v4",
        "visual",
        ("payload", "dimensions", "width"),
        "400",
        "$.payload.dimensions.width",
        "type",
    ),
    ("v4", "visual", ("payload", "image"), DELETE, "$.payload", "required"),
    ("v4", "speak", ("payload", "type"), "video", "$.payload.type", "enum"),
    ("v4", "speak", ("payload", "src"), 1, "$.payload.src", "type"),
    ("v4", "noreply", ("payload", "timeout"), "10", "$.payload.timeout", "type"),
    ("v4", "path", ("payload",), {}, "$.payload", "required"),
    ("v4", "debug", ("payload", "level"), "loud", "$.payload.level", "enum"),
    ("v4", "end", ("turnID",), 5, "$.turnID", "type"),
    ("dm-1.1", "v1text", ("payload", "message"), DELETE, "$.payload", "required"),
    ("dm-1.1", "v1text", ("payload", "message"), ["a"], "$.payload.message", "type"),
    ("dm-1.1", "choice", ("payload",), {}, "$.payload", "required"),
    (
        "dm-1.1",
        "choice",
        ("payload", "buttons", 0, "name"),
        DELETE,
        "$.payload.buttons[0]",
        "required",
    ),
    ("dm-1.1", "speak", ("payload", "type"), "video", "$.payload.type", "enum"),
    (
        "dm-1.1",
        "visual",
        ("payload", "dimensions", "width"),
        1.5,
        "$.payload.dimensions.width",
        "type",
    ),
    (
        "dm-1.1",
        "visual",
        ("payload", "canvasVisibility"),
        "half",
        "$.payload.canvasVisibility",
        "enum",
    ),
    ("dm-1.1", "carousel", ("payload", "layout"), "Grid", "$.payload.layout", "enum"),
    ("dm-1.1", "carousel", ("payload", "cards", 0, "id"), 7, "$.payload.cards[0].id", "type"),
]


def apply(trace: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    trace = copy.deepcopy(trace)
    node: Any = trace
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return trace


def test_there_are_at_least_thirty_mutations() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("profile", "name", "path", "value", "json_path", "keyword"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'.'.join(map(str, c[2]))}={c[3]!r:.12}" for c in CASES],
)
def test_mutation(
    profile: str, name: str, path: tuple[Any, ...], value: Any, json_path: str, keyword: str
) -> None:
    contract = load_contract(profile)
    original = BASES[name]()
    assert contract.validate_trace(original, 1) == []  # the base itself fits
    found = contract.validate_trace(apply(original, path, value), 1)
    assert [(v.json_path, v.keyword) for v in found] == [(json_path, keyword)]
    assert found[0].schema_path.startswith("#/")
    assert found[0].count == 1


# --------------------------------------------------------------------------- custom traces


@pytest.mark.parametrize(
    ("profile", "path", "value", "json_path", "keyword"),
    [
        # v4: the envelope every v4 trace shares (paths[].event is a BaseRequest)
        ("v4", ("paths", 0, "event"), {}, "$.paths[0].event", "required"),
        ("v4", ("defaultPath",), "0", "$.defaultPath", "type"),
        # dm-1.1: its CustomTrace (errata: event {type} or {name}; payload string or JSON)
        ("dm-1.1", ("paths", 0, "event"), {}, "$.paths[0].event", "required"),
        ("dm-1.1", ("payload",), "", "$.payload", "minLength"),
        ("dm-1.1", ("defaultPath",), DELETE, "$", "required"),
    ],
)
def test_declared_custom_trace_mutation(
    profile: str, path: tuple[Any, ...], value: Any, json_path: str, keyword: str
) -> None:
    contract = load_contract(profile)
    trace = apply(BASES["custom"](), path, value)
    found = contract.validate_trace(trace, 3, custom=True)
    assert [(v.json_path, v.keyword) for v in found] == [(json_path, keyword)]
    assert found[0].subject == "trace #3 (Pay Credit Card)"


# --------------------------------------------------------------------------- messages


def test_nullable_field_accepts_null_and_says_so_otherwise() -> None:
    contract = load_contract("v4")
    card = BASES["card"]()
    assert contract.validate_trace(apply(card, ("payload", "imageUrl"), None), 1) == []
    [v] = contract.validate_trace(apply(card, ("payload", "imageUrl"), 5), 1)
    assert v.message == "5 is not of type 'string' (null is also allowed)"
    assert v.schema_path == "#/components/schemas/CardTraceCard/properties/imageUrl"
    assert '"nullable": true' in v.schema


def test_union_picks_the_branch_of_the_discriminator() -> None:
    contract = load_contract("v4")
    [v] = contract.validate_trace(completion({"state": "content"}), 1)
    assert (v.json_path, v.keyword) == ("$.payload", "required")
    assert v.message == "'content' is a required property"
    [v] = contract.validate_trace(completion({"state": "start", "messageID": 5}), 1)
    assert (v.json_path, v.keyword) == ("$.payload.messageID", "type")


def test_union_with_no_matching_discriminator_lists_the_values() -> None:
    [v] = load_contract("v4").validate_trace(completion({"state": "middle"}), 1)
    assert (v.json_path, v.keyword) == ("$.payload.state", "enum")
    assert v.message == '"middle" is not one of ["start", "content", "end"]'
    assert v.schema == '{"enum": ["start", "content", "end"]}'


def test_value_and_schema_are_truncated() -> None:
    trace = apply(BASES["text"](), ("payload", "message"), DELETE)
    trace["payload"]["slate"]["content"] = [{"text": "x" * 50}] * 20
    [v] = load_contract("v4").validate_trace(trace, 1)
    assert len(v.value) <= 200
    assert v.value.endswith("...")
    assert len(v.schema) <= 300


def test_identical_violations_are_grouped_with_a_count() -> None:
    trace = BASES["carousel"]()
    for card in trace["payload"]["cards"]:
        del card["title"]
    [v] = load_contract("v4").validate_trace(trace, 1)
    assert (v.json_path, v.keyword, v.count) == ("$.payload.cards[*]", "required", 2)


def test_non_object_trace() -> None:
    [v] = load_contract("v4").validate_trace("text", 4)  # type: ignore[arg-type]
    assert (v.subject, v.json_path, v.keyword) == ("trace #4", "$", "type")


# --------------------------------------------------------------------------- policies


UNKNOWN = {"type": "weather-widget", "payload": {"city": "Paris"}}


@pytest.mark.parametrize(
    ("policy", "violations", "warnings"), [("allow", 0, 0), ("warn", 0, 1), ("fail", 1, 0)]
)
def test_unknown_trace_policy(policy: Any, violations: int, warnings: int) -> None:
    settings = ContractSettings(unknown_traces=policy)
    found, warned = check_traces(load_contract("v4"), [BASES["end"](), UNKNOWN], settings)
    assert (len(found), len(warned)) == (violations, warnings)
    for v in found + warned:
        assert v.subject == "trace #2 (weather-widget)"
        assert "custom_traces" in v.message


def test_declared_custom_trace_is_not_unknown() -> None:
    settings = ContractSettings(unknown_traces="fail", custom_traces=("weather-widget",))
    assert check_traces(load_contract("v4"), [UNKNOWN], settings) == ([], [])


def test_declared_custom_trace_is_still_checked() -> None:
    settings = ContractSettings(unknown_traces="fail", custom_traces=("weather-widget",))
    bad = {**UNKNOWN, "time": "noon"}
    [v], [] = check_traces(load_contract("v4"), [bad], settings)
    assert (v.json_path, v.keyword) == ("$.time", "type")


def test_off_checks_nothing() -> None:
    settings = ContractSettings(on_violation="off")
    assert check_traces(load_contract("v4"), [base("text.local-runtime")], settings) == ([], [])


def test_builtins_missing_from_a_contract_are_neither_checked_nor_unknown() -> None:
    settings = ContractSettings(unknown_traces="fail")
    traces = [base("end.end-step.local-runtime"), base("path.choice.local-runtime")]
    assert check_traces(load_contract("dm-1.1"), traces, settings) == ([], [])
