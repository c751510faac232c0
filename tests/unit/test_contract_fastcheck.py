"""The compiled fast path must never accept what jsonschema rejects (nor the reverse)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vftest.contract import load_contract
from vftest.contract.fastcheck import compile_check

TRACES = Path(__file__).parents[1] / "data" / "traces"
BASES = [
    json.loads(p.read_text())
    for p in sorted(TRACES.glob("*.json"))
    if not p.name.startswith("completion")
]
for trace in BASES:
    if trace["type"] == "text":
        trace["payload"]["messageID"] = "m"

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 2)
    | st.text(max_size=3)
    | st.sampled_from(["start", "content", "end", "Carousel", "List", "full", "message"]),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    trace = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(trace)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node: Any = trace
        for key in path[:-1]:
            node = node[key]
        if draw(st.booleans()) and isinstance(node, dict):
            del node[path[-1]]
        else:
            node[path[-1]] = draw(JSON_VALUES)
    return trace


@pytest.mark.parametrize("profile", ["v4", "dm-1.1"])
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trace=mutated())
def test_fast_path_agrees_with_jsonschema(profile: str, trace: dict[str, Any]) -> None:
    contract = load_contract(profile)
    entry = contract._traces.get(str(trace.get("type")))
    if entry is None or entry.check is None:
        return
    validator = entry._validator()
    assert entry.check(trace) == validator.is_valid(trace)


def test_every_pinned_schema_has_a_fast_path() -> None:
    for profile in ("v4", "dm-1.1"):
        contract = load_contract(profile)
        entries = {**contract._traces, **contract._actions}
        slow = [name for name, entry in entries.items() if entry.check is None]
        assert slow == [], profile
        assert contract._custom is not None
        assert contract._custom.check is not None


@settings(max_examples=300, deadline=None)
@given(trace=mutated())
def test_fast_path_agrees_on_custom_traces(trace: dict[str, Any]) -> None:
    for profile in ("v4", "dm-1.1"):
        entry = load_contract(profile)._custom
        assert entry is not None
        assert entry.check is not None
        assert entry.check(trace) == entry._validator().is_valid(trace)


@pytest.mark.parametrize(
    ("schema", "draft4", "instance", "valid"),
    [
        ({"type": "integer"}, True, 1.0, False),  # Draft 4: 1.0 is not an integer
        ({"type": "integer"}, False, 1.0, True),
        ({"type": "number"}, True, True, False),  # booleans are not numbers
        ({"enum": ["a"]}, True, "a", True),
        ({"minimum": 0, "exclusiveMinimum": True}, True, 0, False),
        ({"exclusiveMinimum": 0}, False, 0, False),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, True, "ab", False),
        ({"not": {"type": "string"}}, True, 3, True),
        ({"properties": {"a": False}}, False, {"a": 1}, False),
        ({"uniqueItems": True}, True, [{"a": 1}, {"a": 2}], True),
        ({"uniqueItems": True}, True, [{"a": 1}, {"a": 1.0}], False),
        ({"uniqueItems": True}, True, [1, True], True),
    ],
)
def test_keyword_semantics(schema: Any, draft4: bool, instance: Any, valid: bool) -> None:
    check = compile_check(schema, lambda ref: {}, draft4=draft4)
    assert check is not None
    assert check(instance) is valid


def test_unsupported_keyword_falls_back() -> None:
    assert compile_check({"patternProperties": {}}, lambda ref: {}, draft4=True) is None
    assert compile_check({"enum": [1, True]}, lambda ref: {}, draft4=True) is None
