"""Loading contracts: user specs (3.0 vs 3.1), conversion rules, errata, errors, actions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from vftest.contract import load_contract
from vftest.contract.openapi import apply_patch, to_json_schema
from vftest.errors import ContractError

DATA = Path(__file__).parents[1] / "data" / "contract"
SPEC30 = str(DATA / "user-3.0.openapi.yaml")
SPEC31 = str(DATA / "user-3.1.openapi.json")

ORDER: dict[str, Any] = {
    "type": "order",
    "payload": {"id": "A-1", "note": None, "total": {"amount": 3}, "refund": {"amount": 1}},
}


def order(**payload: Any) -> dict[str, Any]:
    trace = copy.deepcopy(ORDER)
    trace["payload"].update(payload)
    return trace


@pytest.mark.parametrize("spec", [SPEC30, SPEC31])
def test_user_spec_types_and_valid_trace(spec: str) -> None:
    contract = load_contract(spec)
    assert contract.trace_types == {"order"}
    assert contract.validate_trace(ORDER, 1) == []
    assert contract.validate_trace(order(status=None), 1) == []  # nullable enum


@pytest.mark.parametrize("spec", [SPEC30, SPEC31])
def test_null_where_not_nullable(spec: str) -> None:
    [v] = load_contract(spec).validate_trace(order(id=None), 1)
    assert (v.json_path, v.keyword) == ("$.payload.id", "type")


def test_30_ignores_nullable_next_to_ref() -> None:
    # 3.0: "$ref siblings are ignored", so `refund: {$ref, nullable: true}` rejects null
    [v] = load_contract(SPEC30).validate_trace(order(refund=None), 1)
    assert (v.json_path, v.keyword) == ("$.payload.refund", "type")
    assert v.schema_path == "#/components/schemas/Money"


def test_31_keeps_ref_siblings() -> None:
    assert load_contract(SPEC31).validate_trace(order(refund=None), 1) == []


def test_30_uses_draft4_exclusive_minimum() -> None:
    [v] = load_contract(SPEC30).validate_trace(order(total={"amount": 0}), 1)
    assert (v.json_path, v.keyword) == ("$.payload.total.amount", "minimum")


def test_31_uses_2020_12_exclusive_minimum() -> None:
    [v] = load_contract(SPEC31).validate_trace(order(total={"amount": 0}), 1)
    assert (v.json_path, v.keyword) == ("$.payload.total.amount", "exclusiveMinimum")


def test_conversion_rules() -> None:
    schema = {
        "type": "object",
        "nullable": True,
        "x-internal": 1,
        "example": {"a": 1},
        "discriminator": {"propertyName": "type"},
        "properties": {
            "nullable": {"type": "string", "example": "a property named like a keyword"},
            "r": {"$ref": "#/x", "description": "dropped in 3.0"},
        },
    }
    converted = to_json_schema(schema, "3.0")
    assert converted["anyOf"][1] == {"type": "null"}
    inner = converted["anyOf"][0]
    assert inner == {
        "type": "object",
        "properties": {"nullable": {"type": "string"}, "r": {"$ref": "#/x"}},
    }
    assert schema["nullable"] is True  # the input is left alone
    assert to_json_schema({"$ref": "#/x", "minimum": 1}, "3.1") == {"$ref": "#/x", "minimum": 1}


def test_pinned_profiles_describe_what_they_cover() -> None:
    text = load_contract("dm-1.1").describe()
    assert "5 types from #/components/schemas/Trace/items" in text
    assert "errata: 7" in text
    assert "26 types from #/components/schemas/AnyTrace" in load_contract("v4").describe()


def test_errata_fail_loudly_when_the_pin_changes() -> None:
    doc = {"a": {"b": ["speak"]}}
    with pytest.raises(ContractError, match="no longer applies"):
        apply_patch(doc, [{"op": "test", "path": "/a/b", "value": ["text"]}], "x")
    apply_patch(doc, [{"why": "..."}, {"op": "replace", "path": "/a/b/0", "value": "text"}], "x")
    assert doc == {"a": {"b": ["text"]}}


def test_validators_are_cached() -> None:
    contract = load_contract("v4")
    assert load_contract("v4") is contract
    contract.validate_trace({"type": "text", "payload": {}}, 1)
    entry = contract._traces["text"]
    validator = entry.validator
    assert validator is not None
    contract.validate_trace({"type": "text", "payload": {}}, 1)
    assert entry.validator is validator


def test_generic_trace_schema_when_no_union(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/i": {
                "post": {
                    "responses": {
                        "200": {
                            "description": "",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Trace"},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Trace": {
                    "type": "object",
                    "required": ["type", "payload"],
                    "properties": {"type": {"type": "string"}, "payload": {}},
                }
            }
        },
    }
    path = tmp_path / "loose.json"
    path.write_text(json.dumps(spec))
    contract = load_contract(str(path))
    assert "no per-type schemas" in contract.describe()
    assert contract.validate_trace({"type": "anything", "payload": 1}, 1) == []
    [v] = contract.validate_trace({"type": "anything"}, 1)
    assert (v.keyword, v.schema_path) == ("required", "#/components/schemas/Trace")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("swagger: '2.0'\ninfo: {}\n", "Swagger 2.0"),
        ("openapi: 4.0.0\n", "not supported"),
        ("just: [unclosed\n", "not valid YAML at line 2, column 1"),
        ("- a list\n", "expected an OpenAPI document"),
        ("info: {}\n", "no `openapi` field"),
    ],
)
def test_bad_user_specs(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(content)
    with pytest.raises(ContractError, match=match):
        load_contract(str(path))


def test_missing_file_names_the_choices() -> None:
    with pytest.raises(ContractError, match=r"use auto, v4, dm-1\.1 or the path"):
        load_contract("v5")


def test_dangling_ref(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.1.0",
        "paths": {
            "/i": {
                "post": {
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/x"}}}
                        }
                    }
                }
            }
        },
    }
    path = tmp_path / "dangling.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(ContractError, match="does not resolve"):
        load_contract(str(path))


# --------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("profile", "action"),
    [
        ("v4", {"type": "launch"}),
        ("v4", {"type": "text", "payload": "hi"}),
        ("v4", {"type": "intent", "payload": {"intent": {"name": "order"}, "entities": []}}),
        ("v4", {"type": "event", "payload": {"event": {"name": "checkout"}}}),
        ("v4", {"type": "path-abc", "payload": {"label": "Yes", "actions": []}}),
        ("v4", {"type": "no-reply"}),
        ("v4", {"type": "success"}),  # resuming a custom action
        ("dm-1.1", {"type": "launch"}),
        ("dm-1.1", {"type": "text", "payload": "hi"}),
        ("dm-1.1", {"type": "intent", "payload": {"intent": {"name": "x"}, "entities": []}}),
        ("dm-1.1", {"type": "path-abc", "payload": {"label": "Yes"}}),  # errata: CardRequest
    ],
)
def test_valid_actions(profile: str, action: dict[str, Any]) -> None:
    assert load_contract(profile).validate_action(action) == []


@pytest.mark.parametrize(
    ("profile", "action", "json_path", "keyword"),
    [
        ("v4", {"type": "text"}, "$", "required"),
        ("v4", {"type": "text", "payload": 5}, "$.payload", "type"),
        ("v4", {"type": "event", "payload": {"event": {}}}, "$.payload.event", "required"),
        ("v4", {"type": "intent", "payload": {}}, "$.payload", "required"),
        ("v4", {"type": "no-reply", "time": "now"}, "$.time", "type"),
        ("v4", {"payload": "hi"}, "$", "required"),
        ("dm-1.1", {"type": "text", "payload": 5}, "$.payload", "type"),
        ("dm-1.1", {"type": "event", "payload": {}}, "$.payload", "required"),
        ("dm-1.1", {"type": "path-abc", "payload": "Yes"}, "$.payload", "type"),
    ],
)
def test_invalid_actions(
    profile: str, action: dict[str, Any], json_path: str, keyword: str
) -> None:
    found = load_contract(profile).validate_action(action)
    assert [(v.subject, v.json_path, v.keyword) for v in found] == [("action", json_path, keyword)]


def test_action_type_outside_a_closed_contract() -> None:
    [v] = load_contract(SPEC30).validate_action({"type": "event"})
    assert (v.json_path, v.keyword) == ("$.type", "enum")
    assert "launch, text" in v.message


def test_contract_without_requests_checks_no_action() -> None:
    assert load_contract(SPEC31).validate_action({"type": "whatever"}) == []
