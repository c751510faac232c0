"""Focused engine tests per node family, on small compiled programs built in the test."""

# Compiled node literals are kept one per line, as they appear in a .vfr, for readability.
# ruff: noqa: E501

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from vftest.runtime.engine import TurnConfig, TurnOutput, filter_traces, initial_state, run_turn
from vftest.runtime.project import Project, load_project_data

VERSION = "v0000000000000000000000001"
ROOT = "d0000000000000000000000001"
SUB = "d0000000000000000000000002"


def slate(text: str) -> list[dict[str, Any]]:
    return [{"children": [{"text": text}]}]


def text(node_id: str, message: str, next_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "text", "texts": [{"id": "t", "content": slate(message)}],
            "nextId": next_id, **extra}  # fmt: skip


def make_project(
    lines: Sequence[dict[str, Any]],
    *,
    intents: Sequence[dict[str, Any]] = (),
    slots: Sequence[dict[str, Any]] = (),
    base_commands: Sequence[dict[str, Any]] = (),
    programs: Sequence[tuple[str, Sequence[dict[str, Any]]]] = (),
    variables: Sequence[str] = ("last_response", "last_utterance", "intent_confidence"),
    context_variables: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> Project:
    def program(program_id: str, nodes: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
        start = {"id": "start", "type": "start", "nextId": nodes[0]["id"] if nodes else None}
        return {
            "id": program_id, "diagramID": program_id, "name": name, "startId": "start",
            "lines": {"start": start, **{n["id"]: n for n in nodes}}, "commands": [],
            "variables": [],
        }  # fmt: skip

    all_programs = {ROOT: program(ROOT, lines, "ROOT")}
    for program_id, nodes in programs:
        all_programs[program_id] = program(program_id, nodes, f"flow {program_id[-1]}")
    all_programs[VERSION] = {"id": VERSION, "name": "BASE", "startId": "start", "lines": {},
                             "commands": list(base_commands), "variables": []}  # fmt: skip
    data = {
        "_version": "1.2",
        "project": {"_id": "p1", "name": "test", "devVersion": VERSION},
        "version": {
            "_id": VERSION, "projectID": "p1", "rootDiagramID": ROOT, "variables": list(variables),
            "platformData": {"settings": settings or {}},
            "prototype": {"model": {"intents": list(intents), "slots": list(slots)},
                          "context": {"variables": context_variables or {}}},
        },
        "programs": all_programs,
    }  # fmt: skip
    return load_project_data(data, source="test")


def visible(output: TurnOutput, exclude: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Client-visible traces without `time`."""
    traces = filter_traces(output.traces, exclude_types=exclude)
    return [{k: v for k, v in t.items() if k != "time"} for t in traces]


def kinds(output: TurnOutput, exclude: Sequence[str] | None = None) -> list[str]:
    return [t["type"] for t in visible(output, exclude)]


def messages(output: TurnOutput) -> list[str]:
    return [t["payload"]["message"] for t in output.traces if t["type"] in ("text", "speak")]


LAUNCH = {"type": "launch"}


def say(utterance: str) -> dict[str, Any]:
    return {"type": "text", "payload": utterance}


# -- text / speak --------------------------------------------------------------------------


# Non-integers show two decimals in messages (@voiceflow/common sanitizeVariables, toFixed(2)).
def test_text_substitutes_variables_like_javascript() -> None:
    project = make_project(
        [text("t1", "Hi {name}, you have {n} points and {ratio} {missing}")],
        variables=["name", "n", "ratio"],
        context_variables={"name": "Ann", "n": 5, "ratio": 2.5},
    )
    output = run_turn(project, None, LAUNCH)
    trace = visible(output)[0]
    assert trace["payload"]["message"] == "Hi Ann, you have 5 points and 2.50 {missing}"
    assert trace["payload"]["slate"]["content"] == slate(trace["payload"]["message"])
    assert (
        trace["payload"]["delay"] == trace["payload"]["slate"]["messageDelayMilliseconds"] == 1000
    )
    assert len(trace["payload"]["slate"]["id"]) == 7
    assert kinds(output) == ["text", "end"]


def test_text_delay_from_variant_then_project_setting() -> None:
    node = text("t1", "a")
    node["texts"][0]["messageDelayMilliseconds"] = 250
    project = make_project(
        [node, text("t2", "b")], settings={"messageDelay": {"durationMilliseconds": 40}}
    )
    node["nextId"] = "t2"
    project = make_project(
        [node, text("t2", "b")], settings={"messageDelay": {"durationMilliseconds": 40}}
    )
    delays = [
        t["payload"]["delay"]
        for t in visible(run_turn(project, None, LAUNCH))
        if t["type"] == "text"
    ]
    assert delays == [250, 40]


def test_speak_picks_among_variants_and_strips_ssml() -> None:
    node = {
        "id": "s1",
        "type": "speak",
        "random_speak": ["<speak>one</speak>", "two"],
        "nextId": None,
    }
    project = make_project([node])
    seen = set()
    for _ in range(60):
        output = run_turn(project, None, LAUNCH)
        seen.add(visible(output)[0]["payload"]["message"])
    assert seen == {"one", "two"}
    raw = filter_traces(
        run_turn(project, None, LAUNCH).traces, exclude_types=None, strip_ssml=False
    )
    assert raw[0]["payload"]["message"] in {"<speak>one</speak>", "two"}


# -- interaction / NLC ---------------------------------------------------------------------

SIZE_SLOT = {
    "key": "k_size",
    "name": "size",
    "type": {"value": "Custom"},
    "inputs": ["small", "large,big"],
}
ORDER = {
    "key": "order", "name": "order",
    "inputs": [{"text": "order"}, {"text": "i want a {{[size].k_size}} one", "slots": ["k_size"]}],
    "slots": [{"id": "k_size", "required": False}],
}  # fmt: skip
HELP = {"key": "help", "name": "help", "inputs": [{"text": "help"}], "slots": []}


def choice_node(**extra: Any) -> dict[str, Any]:
    return {
        "id": "c1", "type": "interaction",
        "interactions": [
            {"event": {"type": "intent", "intent": "order", "mappings": [{"slot": "size", "variable": "size"}]}, "nextId": "ok"},
            {"event": {"type": "path-faq"}, "nextId": "faq"},
        ],
        "buttons": [
            {"name": "Order {size}", "request": {"type": "intent", "payload": {"query": "order", "label": "Order {size}", "intent": {"name": "order"}, "entities": [], "actions": []}}},
            {"name": "FAQ", "request": {"type": "path-faq", "payload": {"label": "FAQ", "actions": []}}},
        ],
        "noMatch": {"prompts": [slate("Sorry?"), slate("Sorry again?")], "nodeID": "else"},
        **extra,
    }  # fmt: skip


def interaction_project(**extra: Any) -> Project:
    return make_project(
        [
            choice_node(**extra),
            text("ok", "Ordered {size}"),
            text("faq", "Here is the FAQ"),
            text("else", "Giving up"),
        ],
        intents=[ORDER, HELP],
        slots=[SIZE_SLOT],
        variables=["size", "last_utterance", "intent_confidence", "last_response"],
        context_variables={"size": "medium"},
    )


def test_interaction_shows_buttons_with_variables_and_waits() -> None:
    output = run_turn(interaction_project(), None, LAUNCH)
    assert visible(output) == [
        {"type": "choice", "payload": {"buttons": [
            {"name": "Order medium", "request": {"type": "intent", "payload": {"query": "order", "label": "Order medium", "intent": {"name": "order"}, "entities": [], "actions": []}}},
            {"name": "FAQ", "request": {"type": "path-faq", "payload": {"label": "FAQ", "actions": []}}},
        ]}}
    ]  # fmt: skip
    assert output.state["stack"][-1]["nodeID"] == "c1"


def test_utterance_with_slot_synonym_maps_entity_to_variable() -> None:
    project = interaction_project()
    launched = run_turn(project, None, LAUNCH)
    output = run_turn(project, launched.state, say("I want a BIG one"))
    assert visible(output)[0] == {"type": "path", "payload": {"path": "choice:1"}}
    # in scope (the step handles the intent), so dialog management canonicalises the value
    assert messages(output) == ["Ordered large"]
    assert output.request["payload"]["entities"] == [{"name": "size", "value": "large"}]
    assert output.request["ELICIT"] is False
    assert output.request["payload"]["confidence"] == 1
    assert output.state["variables"]["last_utterance"] == "I want a BIG one"


def test_path_button_request_takes_its_path_and_sets_last_utterance() -> None:
    project = interaction_project()
    launched = run_turn(project, None, LAUNCH)
    output = run_turn(project, launched.state, {"type": "path-faq", "payload": {"label": "FAQ"}})
    assert kinds(output) == ["path", "text", "end"]
    assert visible(output)[0]["payload"] == {"path": "choice:2"}
    assert output.state["variables"]["last_utterance"] == "FAQ"


def test_no_match_reprompts_count_then_else_path() -> None:
    project = interaction_project()
    state = run_turn(project, None, LAUNCH).state
    first = run_turn(project, state, say("what is the weather"))
    assert kinds(first) == ["path", "text", "choice"]
    assert visible(first)[0]["payload"] == {"path": "reprompt"}
    assert messages(first) == ["Sorry?"]
    assert first.state["storage"]["noMatchesCounter"] == 1
    second = run_turn(project, first.state, say("still nothing"))
    assert messages(second) == ["Sorry again?"]
    assert second.state["storage"]["noMatchesCounter"] == 2
    third = run_turn(project, second.state, say("nope"))
    assert visible(third)[0]["payload"] == {"path": "choice:else"}
    assert messages(third) == ["Giving up"]
    assert "noMatchesCounter" not in third.state["storage"]


def test_match_resets_no_match_counter_on_next_interaction() -> None:
    project = interaction_project()
    state = run_turn(project, None, LAUNCH).state
    state = run_turn(project, state, say("huh")).state
    relaunched = run_turn(project, state, LAUNCH)
    assert "noMatchesCounter" not in relaunched.state["storage"]


def test_no_reply_timeout_trace_and_no_reply_path() -> None:
    no_reply = {"timeout": 7, "prompts": [slate("Still there?")], "nodeID": "faq"}
    project = interaction_project(noReply=no_reply)
    launched = run_turn(project, None, LAUNCH)
    assert kinds(launched) == ["choice", "no-reply"]
    assert visible(launched)[1]["payload"] == {"timeout": 7}
    first = run_turn(project, launched.state, {"type": "no-reply"})
    assert kinds(first) == ["path", "text", "choice", "no-reply"]
    assert messages(first) == ["Still there?"]
    second = run_turn(project, first.state, {"type": "no-reply"})
    assert visible(second)[0]["payload"] == {"path": "choice:noReply"}
    assert messages(second) == ["Here is the FAQ"]


def test_open_slot_second_pass_has_half_confidence() -> None:
    name_slot = {"key": "k_name", "name": "who", "type": {"value": "VF.NAME"}, "inputs": []}
    greet = {"key": "greet", "name": "greet", "inputs": [{"text": "call me {{[who].k_name}}", "slots": ["k_name"]}],
             "slots": [{"id": "k_name"}]}  # fmt: skip
    lines = [{"id": "c1", "type": "interaction", "interactions": [
        {"event": {"type": "intent", "intent": "greet", "mappings": [{"slot": "who", "variable": "who"}]}, "nextId": "t"}]},
        text("t", "Hello {who}")]  # fmt: skip
    project = make_project(
        lines, intents=[greet], slots=[name_slot], variables=["who", "intent_confidence"]
    )
    state = run_turn(project, None, LAUNCH).state
    output = run_turn(project, state, say("call me Ishmael"))
    assert messages(output) == ["Hello Ishmael"]
    debug = [t["payload"]["message"] for t in output.traces if t["type"] == "debug"]
    assert "matched intent **greet** - confidence interval _50.00%_" in debug
    assert output.state["variables"]["intent_confidence"] == 50


def test_nlc_needs_the_whole_utterance() -> None:
    from vftest.runtime.engine import nlc

    model = {"intents": [ORDER, HELP], "slots": [SIZE_SLOT]}
    assert nlc.predict(model, "  Order ").intent == "order"
    assert nlc.predict(model, "order now please").intent == "None"
    assert nlc.predict(model, "i want a medium one").intent == "None"  # not a slot value
    assert nlc.predict(model, "i want a small one").entities == [{"name": "size", "value": "small"}]


# -- global commands -----------------------------------------------------------------------


def test_jump_command_from_base_program() -> None:
    command = {
        "type": "jump",
        "event": {"type": "intent", "intent": "help"},
        "diagramID": SUB,
        "nextID": "h1",
    }
    project = make_project(
        [choice_node()], intents=[ORDER, HELP], slots=[SIZE_SLOT], base_commands=[command],
        programs=[(SUB, [text("h1", "Help is here")])],
    )  # fmt: skip
    state = run_turn(project, None, LAUNCH).state
    output = run_turn(project, state, say("help"))
    assert kinds(output) == ["path", "text", "end"]
    assert visible(output)[0]["payload"] == {"path": "jump"}
    assert messages(output) == ["Help is here"]


def test_push_command_runs_flow_then_returns_to_the_prompt() -> None:
    command = {"type": "push", "event": {"type": "intent", "intent": "help"}, "diagramID": SUB}
    prompt = text("p", "Pick one", "c1")
    project = make_project(
        [prompt, choice_node()], intents=[ORDER, HELP], slots=[SIZE_SLOT], base_commands=[command],
        programs=[(SUB, [text("h1", "Help is here")])],
    )  # fmt: skip
    state = run_turn(project, None, LAUNCH).state
    output = run_turn(project, state, say("help"))
    assert kinds(output, exclude=["block", "debug"]) == [
        "path",
        "flow",
        "text",
        "flow",
        "text",
        "choice",
    ]
    flows = [t["payload"]["diagramID"] for t in output.traces if t["type"] == "flow"]
    assert flows == [SUB, ROOT]
    assert messages(output) == ["Help is here", "Pick one"]
    assert output.state["stack"][-1]["nodeID"] == "c1"


# -- logic ---------------------------------------------------------------------------------


def test_set_v2_and_if_v2() -> None:
    lines = [
        {"id": "s", "type": "setV2", "sets": [
            {"variable": "count", "expression": "count + 2"},
            {"variable": "label", "expression": "'n=' + count"},
            {"variable": "fresh", "expression": "count * 10"},
        ], "nextId": "i"},
        {"id": "i", "type": "ifV2", "payload": {"expressions": ["count > 5", "count === 3 && label == 'n=3'"], "elseId": "no"},
         "paths": [{"nextID": "big"}, {"nextID": "three"}]},
        text("big", "big"), text("three", "three {label} {fresh}"), text("no", "else"),
    ]  # fmt: skip
    project = make_project(lines, variables=["count", "label"], context_variables={"count": 1})
    output = run_turn(project, None, LAUNCH)
    assert messages(output) == ["three n=3 30"]
    assert output.state["variables"]["fresh"] == 30
    debug = [t["payload"] for t in output.traces if t["type"] == "debug"]
    assert {"type": "ifV2", "message": "condition matched - taking path 2"} in debug


def test_legacy_set_and_if_with_braced_variables() -> None:
    lines = [
        {"id": "s", "type": "set", "sets": [{"variable": "total", "expression": "{price} * 3"}], "nextId": "i"},
        {"id": "i", "type": "if", "expressions": ["{total} == 0", "{total} >= 30"], "nextIds": ["zero", "many"], "elseId": "few"},
        text("zero", "zero"), text("many", "many {total}"), text("few", "few"),
    ]  # fmt: skip
    project = make_project(lines, variables=["price", "total"], context_variables={"price": 10})
    assert messages(run_turn(project, None, LAUNCH)) == ["many 30"]


def test_if_v2_error_is_reported_and_else_taken() -> None:
    lines = [{"id": "i", "type": "ifV2", "payload": {"expressions": ["nosuch > 1"], "elseId": "no"}, "paths": [{"nextID": "yes"}]},
             text("yes", "yes"), text("no", "no")]  # fmt: skip
    output = run_turn(make_project(lines), None, LAUNCH)
    assert messages(output) == ["no"]
    debug = [t["payload"]["message"] for t in output.traces if t["type"] == "debug"]
    assert 'Error condition 1 - "nosuch > 1": ReferenceError: nosuch is not defined' in debug


def test_random_takes_one_of_its_paths() -> None:
    lines = [
        {"id": "r", "type": "randomV2", "random": 1, "nextIds": ["a", "b"]},
        text("a", "A"),
        text("b", "B"),
    ]
    project = make_project(lines)
    assert {messages(run_turn(project, None, LAUNCH))[0] for _ in range(60)} == {"A", "B"}


def test_random_without_repeat_uses_each_path_once() -> None:
    wait = {"id": "w", "type": "captureV2", "variable": "x", "nextId": "r"}
    lines = [
        {"id": "r", "type": "randomV2", "random": 2, "nextIds": ["a", "b", "c"]},
        text("a", "A", "w"),
        text("b", "B", "w"),
        text("c", "C", "w"),
        wait,
    ]
    project = make_project(lines, variables=["x"])
    output = run_turn(project, None, LAUNCH)
    said = messages(output)
    for _ in range(2):
        output = run_turn(project, output.state, say("again"))
        said += messages(output)
    assert sorted(said) == ["A", "B", "C"]  # three different paths before any repeats
    assert sorted(output.state["storage"]["randoms"]["r"]) == ["a", "b", "c"]


# -- flows / components --------------------------------------------------------------------


def test_component_push_and_pop_with_variable_maps() -> None:
    lines = [
        {"id": "f", "type": "component", "diagram_id": SUB, "nextId": "after",
         "variable_map": {"inputs": [["name", "who"]], "outputs": [["result", "answer"]]}},
        text("after", "back: {answer}"),
    ]  # fmt: skip
    sub = [{"id": "s", "type": "setV2", "sets": [{"variable": "answer", "expression": "'hi ' + who"}], "nextId": "t"},
           text("t", "inside {who}")]  # fmt: skip
    project = make_project(
        lines, programs=[(SUB, sub)], variables=["name", "answer"], context_variables={"name": "Bo"}
    )
    project.programs[SUB]["variables"].append("who")
    output = run_turn(project, None, LAUNCH)
    assert messages(output) == ["inside Bo", "back: hi Bo"]
    flows = [t["payload"]["diagramID"] for t in output.traces if t["type"] == "flow"]
    assert flows == [ROOT, SUB, ROOT]
    assert {"type": "flow", "message": f"entering flow `{SUB}`"} in [
        t["payload"] for t in output.traces if t["type"] == "debug"
    ]


# -- custom actions ------------------------------------------------------------------------


def custom_project(node_type: str = "Pay", **extra: Any) -> Project:
    node = {"id": "ca", "type": node_type, "_v": 1, "payload": {"amount": "{price}"}, "defaultPath": 0,
            "paths": [{"label": "ok", "event": {"type": "ok"}, "nextID": "ok"}, {"event": {"type": "ko"}, "nextID": "ko"}],
            "stop": False, **extra}  # fmt: skip
    return make_project(
        [node, text("ok", "paid"), text("ko", "refused")],
        variables=["price"],
        context_variables={"price": 9},
    )


def test_custom_action_without_stop_follows_default_path() -> None:
    output = run_turn(custom_project(), None, LAUNCH)
    assert visible(output)[0] == {
        "type": "Pay", "payload": {"amount": "9"}, "defaultPath": 0,
        "paths": [{"label": "ok", "event": {"type": "ok"}}, {"event": {"type": "ko"}}],
    }  # fmt: skip
    assert messages(output) == ["paid"]


@pytest.mark.parametrize("config", [TurnConfig(stop_types=("Pay",)), TurnConfig(stop_all=True)])
def test_custom_action_stops_and_resumes_on_path_event(config: TurnConfig) -> None:
    project = custom_project()
    stopped = run_turn(project, None, LAUNCH, config)
    assert kinds(stopped) == ["Pay"]
    assert stopped.state["stack"][-1]["nodeID"] == "ca"
    resumed = run_turn(project, stopped.state, {"type": "ko"})
    assert messages(resumed) == ["refused"]
    assert kinds(resumed) == ["text", "end"]


def test_custom_action_stop_types_must_name_the_node_type() -> None:
    output = run_turn(custom_project(), None, LAUNCH, TurnConfig(stop_types=("trace",)))
    assert messages(output) == ["paid"]


def test_trace_node_type_honours_stop_types() -> None:
    project = custom_project("trace")
    stopped = run_turn(project, None, LAUNCH, TurnConfig(stop_types=("trace",)))
    assert kinds(stopped) == ["trace"]
    assert messages(run_turn(project, stopped.state, {"type": "ok"})) == ["paid"]


def test_node_stop_flag_stops_without_config() -> None:
    assert kinds(run_turn(custom_project(stop=True), None, LAUNCH)) == ["Pay"]


# -- unsupported / exit / capture / cards ----------------------------------------------------


def test_unsupported_step_is_reported_and_default_path_taken(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lines = [{"id": "llm1", "type": "ai_response", "nextId": "t"}, text("t", "after")]
    with caplog.at_level(logging.WARNING, logger="vftest.runtime"):
        output = run_turn(make_project(lines), None, LAUNCH)
    assert messages(output) == ["after"]
    debug = [
        t["payload"]
        for t in output.traces
        if t["type"] == "debug" and t["payload"].get("type") == "ai_response"
    ]
    assert len(debug) == 1
    assert "`ai_response` (node `llm1`)" in debug[0]["message"]
    assert "not supported" in debug[0]["message"]
    assert any("llm1" in record.getMessage() for record in caplog.records)


def test_unsupported_api_step_uses_failure_path_when_no_default() -> None:
    lines = [
        {"id": "api1", "type": "api", "success_id": "ok", "fail_id": "bad"},
        text("ok", "ok"),
        text("bad", "bad"),
    ]
    assert messages(run_turn(make_project(lines), None, LAUNCH)) == ["bad"]


def test_exit_step_emits_end_and_empties_stack() -> None:
    lines = [
        text("t", "bye", "x"),
        {"id": "x", "type": "exit", "end": True},
        text("never", "never"),
    ]
    output = run_turn(make_project(lines), None, LAUNCH)
    assert visible(output)[-1] == {"type": "end", "payload": None}
    assert output.state["stack"] == []


def test_flow_running_out_ends_without_payload() -> None:
    output = run_turn(make_project([text("t", "hi")]), None, LAUNCH)
    assert visible(output)[-1] == {"type": "end"}


def test_capture_v2_stores_whole_reply() -> None:
    lines = [
        {
            "id": "cap",
            "type": "captureV2",
            "variable": "answer",
            "nextId": "t",
            "intentScope": "GLOBAL",
        },
        text("t", "got {answer}"),
    ]
    project = make_project(lines, variables=["answer"])
    state = run_turn(project, None, LAUNCH).state
    output = run_turn(project, state, say("blue whales"))
    assert visible(output)[0] == {"type": "path", "payload": {"path": "capture"}}
    assert messages(output) == ["got blue whales"]


def test_capture_v1_converts_number_words() -> None:
    lines = [
        {"id": "cap", "type": "capture", "variable": "count", "nextId": "t"},
        text("t", "{count}"),
    ]
    project = make_project(lines, variables=["count"])
    state = run_turn(project, None, LAUNCH).state
    output = run_turn(project, state, say("forty two"))
    assert output.state["variables"]["count"] == 42


def test_blocking_card_waits_and_reprompts() -> None:
    card = {"id": "card", "type": "cardV2", "title": "T {x}", "imageUrl": "", "description": "D",
            "buttons": [], "isBlocking": True, "noMatch": {"prompts": [slate("Pick")]}}  # fmt: skip
    project = make_project([card], variables=["x"], context_variables={"x": 1})
    launched = run_turn(project, None, LAUNCH)
    assert visible(launched) == [
        {
            "type": "cardV2",
            "payload": {
                "imageUrl": "",
                "description": {"text": "D", "slate": [{"text": "D"}]},
                "buttons": [],
                "title": "T 1",
            },
        }
    ]
    assert kinds(run_turn(project, launched.state, say("x"))) == ["path", "text"]


def test_go_to_intent_is_delegated_to_global_command() -> None:
    command = {
        "type": "jump",
        "event": {"type": "intent", "intent": "help"},
        "diagramID": SUB,
        "nextID": "h1",
    }
    lines = [
        {
            "id": "g",
            "type": "goTo",
            "request": {
                "type": "intent",
                "payload": {"intent": {"name": "help"}, "query": "", "entities": []},
            },
        }
    ]
    project = make_project(
        lines, intents=[HELP], base_commands=[command], programs=[(SUB, [text("h1", "Help")])]
    )
    output = run_turn(project, None, LAUNCH)
    assert messages(output) == ["Help"]
    assert "goto" not in kinds(output, exclude=[])
    assert (
        kinds(run_turn(project, None, LAUNCH, TurnConfig(self_delegate=True)), exclude=[])[-1]
        == "goto"
    )


# -- session rules, logs, filter -------------------------------------------------------------


def test_fresh_session_starts_from_the_top_whatever_the_request() -> None:
    project = interaction_project()
    for request in (
        say("order"),
        {"type": "intent", "payload": {"intent": {"name": "order"}, "query": ""}},
    ):
        assert kinds(run_turn(project, None, request)) == ["choice"]
    assert (
        kinds(run_turn(project, {}, {"type": "event", "payload": {"event": {"name": "x"}}})) == []
    )


def test_launch_keeps_variables_but_clears_stack_and_storage() -> None:
    project = interaction_project()
    state = run_turn(project, None, LAUNCH).state
    state = run_turn(project, state, say("huh")).state
    state["variables"]["size"] = "huge"
    output = run_turn(project, state, LAUNCH)
    assert output.state["storage"] == {}
    assert output.state["variables"]["size"] == "huge"
    assert output.state["variables"]["sessions"] == 3


def test_initial_state_shape() -> None:
    state = initial_state(interaction_project(), user_id="u7")
    assert state == {
        "stack": [{"diagramID": ROOT, "storage": {}, "variables": {}}],
        "variables": {"size": "medium", "sessions": 1, "user_id": "u7"},
        "storage": {},
    }


def test_logs_only_when_requested() -> None:
    project = make_project([text("t", "hi")])
    assert "log" not in kinds(run_turn(project, None, LAUNCH), exclude=[])
    logged = [
        t["payload"]
        for t in run_turn(project, None, LAUNCH, TurnConfig(logs="info")).traces
        if t["type"] == "log"
    ]
    assert [p["kind"] for p in logged] == ["global.conversation_start", "step.start", "step.text"]
    verbose = run_turn(project, None, LAUNCH, TurnConfig(logs="error")).traces
    assert [t for t in verbose if t["type"] == "log"] == []


def test_filter_default_and_replacement() -> None:
    traces = [{"type": "block", "payload": {}}, {"type": "debug", "payload": {}}, {"type": "flow", "payload": {}},
              {"type": "speak", "payload": {"type": "message", "message": "<speak>Hi <break time='1s'/>there</speak>"}}]  # fmt: skip
    assert [t["type"] for t in filter_traces(traces, exclude_types=None)] == ["speak"]
    assert filter_traces(traces, exclude_types=None)[0]["payload"]["message"] == "Hi there"
    assert [t["type"] for t in filter_traces(traces, exclude_types=["speak"])] == [
        "block",
        "debug",
        "flow",
    ]
    assert len(filter_traces(traces, exclude_types=[])) == 4
    assert traces[3]["payload"]["message"].startswith("<speak>")  # input untouched


# -- concurrency ---------------------------------------------------------------------------


def test_many_threads_share_one_project_safely() -> None:
    project = interaction_project()
    before = json.dumps(project.raw, sort_keys=True)
    sizes = ["small", "large", "big"]
    canonical = {"small": "small", "large": "large", "big": "large"}  # first synonym wins

    def conversation(index: int) -> tuple[int, list[str], Any]:
        state = run_turn(project, None, LAUNCH, TurnConfig(user_id=f"user{index}")).state
        snapshot = copy.deepcopy(state)
        size = sizes[index % 3]
        output = run_turn(
            project, state, say(f"i want a {size} one"), TurnConfig(user_id=f"user{index}")
        )
        assert state == snapshot  # the caller's state is not mutated
        return index, messages(output), output.state["variables"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(conversation, range(64)))
    for index, said, variables in results:
        assert said == [f"Ordered {canonical[sizes[index % 3]]}"]
        assert variables["user_id"] == f"user{index}"
        assert variables["size"] == canonical[sizes[index % 3]]
    assert json.dumps(project.raw, sort_keys=True) == before
