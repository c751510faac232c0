"""Every real trace of tests/data/traces/ against both pinned contracts, verdicts in a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vftest.contract import BUILTIN_TRACE_TYPES, UNKNOWN_TYPE, load_contract
from vftest.models import ApiGeneration

TRACES = Path(__file__).parents[1] / "data" / "traces"

OK = "ok"
NOT_COVERED = "not covered"  # a runtime built-in the contract has no schema for: not checked
UNKNOWN = "unknown"  # not declared as custom: routed by the unknown_traces policy
MESSAGE_ID = ("required", "$.payload", "messageID")  # v4-only field missing
DEVICE = ("required", "$.payload", "device")

# file -> (verdict under dm-1.1, verdict under v4); multi-trace files list one per trace.
VERDICTS: dict[str, tuple[object, object]] = {
    "block.local-runtime.json": (NOT_COVERED, OK),
    "cardV2.docs.json": (NOT_COVERED, OK),
    "cardV2.local-runtime.json": (NOT_COVERED, OK),
    "carousel.docs.json": (OK, OK),
    "carousel.local-runtime.json": (OK, OK),
    "choice.agent-text-buttons.docs.json": (OK, OK),
    "choice.intent-and-path-buttons.local-runtime.json": (OK, OK),
    "choice.intent-buttons.docs.json": (OK, OK),
    "choice.path-button.docs.json": (OK, OK),
    # v2beta1 legacy completion traces: in neither contract
    "completion-start-continue.v2beta1-sse-data.docs.json": (
        [NOT_COVERED, NOT_COVERED],
        [NOT_COVERED, NOT_COVERED],
    ),
    # v4 requires messageID on `completion{state:start}`; the docs example has none
    "completion.sequence.docs.json": (
        [NOT_COVERED] * 6,
        [MESSAGE_ID, OK, OK, OK, OK, OK],
    ),
    "custom-action.Pay-Credit-Card.local-runtime.json": (UNKNOWN, UNKNOWN),
    "custom-action.json-body.docs.json": (UNKNOWN, UNKNOWN),
    "custom-action.text-body.docs.json": (UNKNOWN, UNKNOWN),
    "debug.local-runtime.json": (NOT_COVERED, OK),
    "end.chat.docs.json": (NOT_COVERED, OK),
    "end.end-step.local-runtime.json": (NOT_COVERED, OK),
    "end.flow-finished-no-payload.local-runtime.json": (NOT_COVERED, OK),
    "flow.local-runtime.json": (NOT_COVERED, OK),
    "log.step-text.local-runtime.json": (NOT_COVERED, OK),
    "no-reply.docs.json": (NOT_COVERED, OK),
    "path.choice.local-runtime.json": (NOT_COVERED, OK),
    "path.noReply.local-runtime.json": (NOT_COVERED, OK),
    "path.reprompt.local-runtime.json": (NOT_COVERED, OK),
    "speak.audio.docs.json": (OK, OK),
    "speak.message-tts.docs.json": (OK, OK),
    "speak.message.local-runtime.json": (OK, OK),
    # the headline finding: v1 runtime text traces have no messageID
    "text.docs.json": (OK, MESSAGE_ID),
    "text.local-runtime.json": (OK, MESSAGE_ID),
    "text.no-match-reprompt.local-runtime.json": (OK, MESSAGE_ID),
    # dm-1.1's first visual branch requires `device`; the docs example omits it
    "visual.image.docs.json": (DEVICE, OK),
    "visual.image.local-runtime.json": (OK, OK),
}


def _traces(name: str) -> list[dict[str, object]]:
    data = json.loads((TRACES / name).read_text())
    items = data if isinstance(data, list) else [data]
    return [i["trace"] if i.get("type") == "trace" else i for i in items]


def test_table_lists_every_trace_file() -> None:
    assert sorted(VERDICTS) == sorted(p.name for p in TRACES.glob("*.json"))


@pytest.mark.parametrize("profile", ["dm-1.1", "v4"])
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verdict(name: str, profile: str) -> None:
    contract = load_contract(profile)
    expected = VERDICTS[name][0 if profile == "dm-1.1" else 1]
    traces = _traces(name)
    verdicts = expected if isinstance(expected, list) else [expected] * len(traces)
    assert len(verdicts) == len(traces)
    for index, (trace, verdict) in enumerate(zip(traces, verdicts, strict=True), 1):
        found = contract.validate_trace(trace, index)
        kind = str(trace["type"])
        if verdict == OK:
            assert found == []
            assert contract.covers(kind)
        elif verdict == NOT_COVERED:
            assert found == []
            assert not contract.covers(kind)
            assert kind in BUILTIN_TRACE_TYPES
        elif verdict == UNKNOWN:
            assert [v.keyword for v in found] == [UNKNOWN_TYPE]
            assert found[0].subject == f"trace #{index} ({kind})"
            # declared as custom it passes: dm-1.1's CustomTrace (with errata) / v4's envelope
            assert contract.validate_trace(trace, index, custom=True) == []
        else:
            keyword, path, word = verdict  # type: ignore[misc]
            assert [(v.keyword, v.json_path) for v in found] == [(keyword, path)]
            assert f"'{word}' is a required property" in found[0].message


def test_v4_only_field_is_named_as_such() -> None:
    [violation] = load_contract("v4").validate_trace(_traces("text.local-runtime.json")[0], 2)
    assert violation.subject == "trace #2 (text)"
    assert violation.schema_path == "#/components/schemas/TextTrace/properties/payload"
    assert "required by the v4 contract only" in violation.message
    assert violation.schema.startswith('{"required": ["message", "slate", "messageID"]')


def test_dm_required_message_has_no_v4_note() -> None:
    [violation] = load_contract("dm-1.1").validate_trace(_traces("visual.image.docs.json")[0], 1)
    assert "v4" not in violation.message
    assert violation.schema_path == "#/components/schemas/VisualTrace/properties/payload/oneOf/0"


@pytest.mark.parametrize(
    ("api", "profile"),
    [(ApiGeneration.V1, "dm-1.1"), (ApiGeneration.V2, "dm-1.1"), (ApiGeneration.V4, "v4")],
)
def test_auto_picks_the_profile_of_the_api_generation(api: ApiGeneration, profile: str) -> None:
    assert load_contract("auto", api) is load_contract(profile)


def test_auto_v1_accepts_v1_text_traces() -> None:
    trace = _traces("text.local-runtime.json")[0]
    assert load_contract("auto", ApiGeneration.V1).validate_trace(trace, 1) == []
    assert load_contract("auto", ApiGeneration.V4).validate_trace(trace, 1) != []


def test_v4_contract_types_are_all_builtins() -> None:
    assert load_contract("v4").trace_types <= BUILTIN_TRACE_TYPES
    assert load_contract("dm-1.1").trace_types == {"text", "speak", "choice", "visual", "carousel"}
