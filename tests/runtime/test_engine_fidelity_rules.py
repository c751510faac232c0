"""Issue 16's runtime fidelity rules, one test (or a few) per rule, on small agents built here.

Each test states the rule as voiceflow/general-runtime implements it; the agents are minimal
compiled programs (see tests/runtime/test_engine_nodes.py for the builders).
"""

# Compiled node literals are kept one per line, as they appear in a .vfr, for readability.
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from tests.runtime.test_engine_nodes import (
    HELP,
    LAUNCH,
    ROOT,
    SIZE_SLOT,
    SUB,
    kinds,
    make_project,
    messages,
    say,
    slate,
    text,
    visible,
)
from vftest.runtime.engine import TurnConfig, run_turn
from vftest.runtime.project import Project

DEFAULT_NO_MATCH = "Sorry, I didn\u2019t get that. Please try again."


def chat(project: Project) -> Project:
    """Mark the project as a chat agent (built-in messages become slate text)."""
    project.raw["project"]["type"] = "chat"
    return project


def choice(**extra: Any) -> dict[str, Any]:
    return {
        "id": "c1", "type": "interaction",
        "interactions": [{"event": {"type": "path-yes"}, "nextId": "yes"}],
        "buttons": [{"name": "Yes", "request": {"type": "path-yes", "payload": {"label": "Yes"}}}],
        **extra,
    }  # fmt: skip


def choice_project(settings: dict[str, Any] | None = None, **extra: Any) -> Project:
    return chat(make_project([choice(**extra), text("yes", "Great")], settings=settings))


# -- rule 2: global no-match ------------------------------------------------------------------


def test_exhausted_no_match_without_else_path_says_the_builtin_message_forever() -> None:
    project = choice_project(noMatch={"prompts": [slate("Sorry?")]}, noReply={"timeout": 4})
    state = run_turn(project, None, LAUNCH).state
    first = run_turn(project, state, say("hm"))
    assert messages(first) == ["Sorry?"]
    second = run_turn(project, first.state, say("hm"))
    third = run_turn(project, second.state, say("hm"))
    for turn in (second, third):
        assert kinds(turn) == ["path", "text", "choice", "no-reply"]
        assert visible(turn)[0]["payload"] == {"path": "reprompt"}
        assert messages(turn) == [DEFAULT_NO_MATCH]
    assert third.state["storage"]["noMatchesCounter"] == 3


def test_builtin_no_match_is_speech_on_a_voice_agent() -> None:
    project = make_project([choice(), text("yes", "Great")], settings={"defaultVoice": "Joanna"})
    state = run_turn(project, None, LAUNCH).state
    turn = run_turn(project, state, say("hm"))
    speak = [t["payload"] for t in turn.traces if t["type"] == "speak"]
    assert speak == [
        {"message": f'<voice name="Joanna">{DEFAULT_NO_MATCH}</voice>', "type": "message"}
    ]


def test_project_global_no_match_replaces_the_builtin_and_empty_means_else() -> None:
    custom = choice_project({"globalNoMatch": {"prompt": {"content": "Pardon?"}}})
    state = run_turn(custom, None, LAUNCH).state
    assert messages(run_turn(custom, state, say("hm"))) == ["Pardon?"]

    empty = choice_project({"globalNoMatch": {"prompt": {"content": ""}}})
    state = run_turn(empty, None, LAUNCH).state
    turn = run_turn(empty, state, say("hm"))
    assert visible(turn)[0]["payload"] == {"path": "choice:else"}
    assert messages(turn) == []


def test_non_text_request_at_a_whole_reply_capture_gets_the_global_no_match() -> None:
    capture = {"id": "cap", "type": "captureV2", "variable": "answer", "nextId": "t"}
    project = chat(make_project([capture, text("t", "got {answer}")], variables=["answer"]))
    state = run_turn(project, None, LAUNCH).state
    for request in ({"type": "path-x", "payload": {"label": "X"}}, {"type": "whatever"}):
        turn = run_turn(project, state, request)
        assert messages(turn) == [DEFAULT_NO_MATCH]
        assert turn.state["stack"][-1]["nodeID"] == "cap"


# -- rule 7: no-reply delay ---------------------------------------------------------------------


def test_last_no_reply_reprompt_announces_the_global_delay() -> None:
    no_reply = {"timeout": 4, "prompts": [slate("Still there?"), slate("Hello?")]}
    project = choice_project(noReply=no_reply)
    launched = run_turn(project, None, LAUNCH)
    assert visible(launched)[-1] == {"type": "no-reply", "payload": {"timeout": 4}}
    first = run_turn(project, launched.state, {"type": "no-reply"})
    assert visible(first)[-1] == {"type": "no-reply", "payload": {"timeout": 4}}
    second = run_turn(project, first.state, {"type": "no-reply"})
    assert messages(second) == ["Hello?"]
    assert visible(second)[-1] == {"type": "no-reply", "payload": {"timeout": 10}}

    configured = choice_project({"globalNoReply": {"delay": 25}}, noReply=no_reply)
    state = run_turn(configured, first.state, {"type": "no-reply"})
    assert visible(state)[-1] == {"type": "no-reply", "payload": {"timeout": 25}}


def test_global_no_reply_prompt_gives_steps_without_timeout_the_global_delay() -> None:
    settings = {"globalNoReply": {"delay": 6, "prompt": {"content": "Are you there?"}}}
    project = choice_project(settings)
    launched = run_turn(project, None, LAUNCH)
    assert visible(launched)[-1] == {"type": "no-reply", "payload": {"timeout": 6}}
    turn = run_turn(project, launched.state, {"type": "no-reply"})
    assert messages(turn) == ["Are you there?"]


# -- rule 8: numbers in output ------------------------------------------------------------------


def test_non_integers_show_two_decimals_in_messages_but_raw_elsewhere() -> None:
    card = {
        "id": "card",
        "type": "cardV2",
        "title": "Total {total}",
        "imageUrl": "https://x/{total}.png",
        "description": slate("Pay {total}"),
        "buttons": [{"name": "Pay {total}", "request": {"type": "path-pay"}}],
        "nextId": "ca",
    }
    action = {
        "id": "ca",
        "type": "Pay",
        "_v": 1,
        "payload": {"amount": "{total}"},
        "paths": [],
        "nextId": None,
    }
    project = make_project(
        [text("t", "Total {total} or {third}", "card"), card, action],
        variables=["total", "third"],
        context_variables={"total": 12.5, "third": 1 / 3},
    )
    traces = visible(run_turn(project, None, LAUNCH))
    assert traces[0]["payload"]["message"] == "Total 12.50 or 0.33"
    payload = traces[1]["payload"]
    assert payload["description"]["text"] == "Pay 12.50"
    assert payload["title"] == "Total 12.5"
    assert payload["imageUrl"] == "https://x/12.5.png"
    assert payload["buttons"][0]["name"] == "Pay 12.5"
    assert traces[2]["payload"] == {"amount": "12.5"}


def test_set_v2_nan_is_undefined_in_the_turn_and_gone_from_the_state() -> None:
    nan_set = {
        "id": "s",
        "type": "setV2",
        "sets": [{"variable": "x", "expression": "'a' * 2"}],
        "nextId": "t",
    }
    project = make_project(
        [
            {"id": "comp", "type": "component", "diagramID": SUB, "nextId": "after"},
            text("after", "outside {x}"),
        ],
        programs=[
            (
                SUB,
                [
                    nan_set | {"variables": []},
                    text("t", "inside {x} {y}", "s2"),
                    {
                        "id": "s2",
                        "type": "setV2",
                        "sets": [{"variable": "y", "expression": "0/0"}],
                        "nextId": None,
                    },
                ],
            )
        ],
        variables=["x"],
        context_variables={"x": 3},
    )
    output = run_turn(project, None, LAUNCH)
    assert messages(output) == ["inside undefined {y}", "outside undefined"]
    assert "x" not in output.state["variables"]
    assert all("y" not in frame["variables"] for frame in output.state["stack"])


# -- rule 9: trace step -------------------------------------------------------------------------


def trace_node(body: str, body_type: str) -> dict[str, Any]:
    return {"id": "tr", "type": "trace", "_v": 1, "payload": {"name": "{kind}_event", "body": body, "bodyType": body_type},
            "paths": [{"label": "done", "event": {"type": "done"}, "nextID": "t"}], "defaultPath": 0}  # fmt: skip


def trace_project(body: str, body_type: str) -> Project:
    return make_project(
        [trace_node(body, body_type), text("t", "after")],
        variables=["kind", "n"],
        context_variables={"kind": "order", "n": 2.5},
    )


def test_trace_step_uses_substituted_name_and_json_body() -> None:
    traces = visible(run_turn(trace_project('{"n": {n}, "k": "{kind}"}', "json"), None, LAUNCH))
    assert traces[0] == {
        "type": "order_event",
        "payload": {"n": 2.5, "k": "order"},
        "defaultPath": 0,
        "paths": [{"label": "done", "event": {"type": "done"}}],
    }
    assert traces[1]["payload"]["message"] == "after"
    plain = visible(run_turn(trace_project("n is {n}", "text"), None, LAUNCH))
    assert plain[0]["payload"] == "n is 2.5"


def test_trace_step_keeps_a_body_that_is_not_json_and_says_why() -> None:
    output = run_turn(trace_project("{n: {n}}", "json"), None, LAUNCH)
    assert visible(output)[0]["payload"] == "{n: 2.5}"
    debug = [t["payload"]["message"] for t in output.traces if t["type"] == "debug"]
    assert any(
        m.startswith("error parsing as JSON: ") and m.endswith("```{n: 2.5}```") for m in debug
    )


# -- rule 10: transcript --------------------------------------------------------------------------


def test_user_input_joins_the_transcript_only_when_it_exists() -> None:
    capture = {"id": "cap", "type": "captureV2", "variable": "answer", "nextId": "t"}
    lines = [text("hi", "Hi", "cap"), capture, text("t", "ok")]
    without = make_project(lines, variables=["answer"])
    state = run_turn(without, None, LAUNCH).state
    state["variables"].pop("_memory_")
    turn = run_turn(without, state, say("hello there"))
    assert turn.state["variables"]["_memory_"] == [{"role": "assistant", "content": "ok"}]

    with_memory = make_project(lines, variables=["answer"], context_variables={"_memory_": []})
    state = run_turn(with_memory, None, LAUNCH).state
    turn = run_turn(with_memory, state, say("hello there"))
    assert turn.state["variables"]["_memory_"] == [
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": "ok"},
    ]


# -- rule 11: debug traces and logs ---------------------------------------------------------------


def debug_of(output: Any, kind: str) -> list[str]:
    return [t["payload"]["message"] for t in output.traces
            if t["type"] == "debug" and t["payload"].get("type") == kind]  # fmt: skip


def set_v2(node_id: str, sets: dict[str, str], next_id: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "setV2",
        "sets": [{"variable": name, "expression": code} for name, code in sets.items()],
        "nextId": next_id,
    }


def test_set_v2_and_if_v2_report_code_changes() -> None:
    lines = [
        set_v2("s", {"a": "a + 1", "b": "a * 10"}, "i"),
        {
            "id": "i",
            "type": "ifV2",
            "payload": {"expressions": ["a > 1"], "elseId": None},
            "paths": [{"nextID": "t"}],
        },
        text("t", "{a} {b}"),
    ]
    output = run_turn(
        make_project(lines, variables=["a"], context_variables={"a": 1}), None, LAUNCH
    )
    assert debug_of(output, "code") == [
        "evaluating code - changes:\n`{a}`: `1` => `2`\n`{b}`: `0` => `20`",
        "evaluating code - no variable changes",
    ]
    assert messages(output) == ["2 20"]


def test_set_v2_error_discards_every_assignment() -> None:
    lines = [
        set_v2("s", {"a": "5", "b": "nope("}, "t"),
        text("t", "{a}"),
    ]
    output = run_turn(
        make_project(lines, variables=["a"], context_variables={"a": 1}), None, LAUNCH
    )
    assert messages(output) == ["1"]
    [message] = debug_of(output, "code")
    assert message.startswith('unable to resolve code  \n`"')


def test_random_debug_type_capture_log_and_logs_true_means_info() -> None:
    lines = [
        {"id": "r", "type": "randomV2", "random": 1, "nextIds": ["cap"]},
        {"id": "cap", "type": "captureV2", "variable": "answer", "nextId": "t"},
        text("t", "ok"),
    ]
    project = make_project(lines, variables=["answer"])
    launched = run_turn(project, None, LAUNCH, TurnConfig(logs="true"))
    assert debug_of(launched, "random") == ["going down random path"]
    logs = [t["payload"] for t in launched.traces if t["type"] == "log"]
    assert [log["kind"] for log in logs] == [
        "global.conversation_start",
        "step.start",
        "step.random",
    ]
    assert {log["level"] for log in logs} == {"info"}
    turn = run_turn(project, launched.state, say("blue"), TurnConfig(logs="info"))
    capture = next(
        t["payload"]
        for t in turn.traces
        if t["type"] == "log" and t["payload"]["kind"] == "step.capture"
    )
    assert capture["message"] == {
        "changedVariables": {"answer": {"before": 0, "after": "blue"}},
        "stepID": "cap", "componentName": "capture",
    }  # fmt: skip
    assert not [
        t
        for t in run_turn(project, None, LAUNCH, TurnConfig(logs="false")).traces
        if t["type"] == "log"
    ]


def test_verbose_exit_log_shows_the_variables_committed_before_this_visit() -> None:
    lines = [
        {"id": "s", "type": "setV2", "sets": [{"variable": "a", "expression": "7"}], "nextId": "e"},
        {"id": "e", "type": "exit", "end": True},
    ]
    project = make_project(lines, variables=["a"], context_variables={"a": 1})
    output = run_turn(project, None, LAUNCH, TurnConfig(logs="verbose"))
    exit_log = next(
        t["payload"]
        for t in output.traces
        if t["type"] == "log" and t["payload"]["kind"] == "step.exit"
    )
    assert exit_log["level"] == "verbose"
    assert exit_log["message"]["state"]["variables"]["a"] == 1
    assert output.state["variables"]["a"] == 7


# -- rules 4 and 5: channel actions and stopped custom actions -------------------------------------


def test_channel_action_runs_as_a_legacy_custom_action_then_continues() -> None:
    node = {"id": "ch", "type": "channel_action", "data": {"name": "handoff", "payload": {"to": "{agent}"}},
            "paths": [{"label": "done", "event": {"type": "done"}, "nextID": "t"}], "defaultPath": 0}  # fmt: skip
    project = make_project(
        [node, text("t", "after")], variables=["agent"], context_variables={"agent": "Bo"}
    )
    output = run_turn(project, None, LAUNCH)
    assert debug_of(output, "__none__") == []
    assert {"type": "debug", "payload": {"message": "__handoff__ - entered"}} in [
        {k: v for k, v in t.items() if k != "time"} for t in output.traces
    ]
    assert visible(output)[0] == {
        "type": "channel-action",
        "payload": {"name": "handoff", "payload": {"to": "Bo"}},
        "defaultPath": 0,
        "paths": [{"label": "done", "event": {"type": "done"}}],
    }
    assert messages(output) == ["after"]
    stopped = run_turn(project, None, LAUNCH, TurnConfig(stop_types=("channel-action",)))
    assert kinds(stopped) == ["channel-action"]


def test_stopped_custom_action_follows_default_path_on_an_unexpected_request() -> None:
    node = {"id": "ca", "type": "Pay", "_v": 1, "payload": {}, "stop": True, "defaultPath": 1,
            "paths": [{"event": {"type": "ok"}, "nextID": "ok"}, {"event": {"type": "ko"}, "nextID": "ko"}]}  # fmt: skip
    project = make_project([node, text("ok", "paid"), text("ko", "refused")])
    stopped = run_turn(project, None, LAUNCH)
    assert kinds(stopped) == ["Pay"]
    assert messages(run_turn(project, stopped.state, {"type": "something-else"})) == ["refused"]
    assert messages(run_turn(project, stopped.state, say("hello"))) == ["refused"]
    assert messages(run_turn(project, stopped.state, {"type": "ok"})) == ["paid"]


# -- rule 3: carousel ---------------------------------------------------------------------------


def test_carousel_cards_keep_their_fields_and_empty_cards_are_dropped() -> None:
    cards = [
        {
            "id": "c1",
            "title": "{name}",
            "imageUrl": "",
            "description": slate("{price}"),
            "buttons": [],
            "extra": {"sku": 7},
        },
        {"id": "c2", "title": "", "imageUrl": "", "description": slate(""), "buttons": []},
    ]
    node = {
        "id": "car",
        "type": "carousel",
        "layout": "List",
        "isBlocking": False,
        "cards": cards,
        "nextId": None,
    }
    project = make_project(
        [node], variables=["name", "price"], context_variables={"name": "Pie", "price": 4.5}
    )
    [trace] = [t for t in visible(run_turn(project, None, LAUNCH)) if t["type"] == "carousel"]
    assert trace["payload"] == {
        "layout": "List",
        "cards": [{
            "id": "c1", "title": "Pie", "imageUrl": "", "extra": {"sku": 7}, "buttons": [],
            "description": {"slate": slate("4.50"), "text": "4.50"},
        }],
    }  # fmt: skip


# -- rule 6: goToNode ---------------------------------------------------------------------------


def test_go_to_node_in_the_same_diagram_continues_at_next_id() -> None:
    lines = [
        {"id": "g", "type": "goToNode", "diagramID": None, "nextId": "b"},
        text("a", "A"),
        text("b", "B"),
    ]
    assert messages(run_turn(make_project(lines), None, LAUNCH)) == ["B"]


def test_go_to_node_in_another_diagram_jumps_into_a_new_frame() -> None:
    lines = [
        {"id": "comp", "type": "component", "diagramID": SUB, "nextId": "back"},
        text("back", "back in root"),
    ]
    sub = [{"id": "g", "type": "goToNode", "diagramID": ROOT, "nextId": "target"}]
    wait = {"id": "wait", "type": "captureV2", "variable": "answer", "nextId": None}
    project = make_project(
        [*lines, text("target", "target in root", "wait"), wait],
        programs=[(SUB, sub)],
        variables=["answer"],
    )
    output = run_turn(project, None, LAUNCH)
    assert {"type": "path", "payload": {"path": "jump"}} in visible(output)
    assert messages(output) == ["target in root"]
    debug = [
        t["payload"]
        for t in output.traces
        if t["type"] == "debug" and t["payload"].get("type") == "goToNode"
    ]
    assert debug == [{"type": "goToNode", "message": f"entering flow `{ROOT}`"}]
    # popped to just above the root frame (the component's frame is gone), then a new root frame
    stack = [(f["diagramID"], f.get("nodeID")) for f in output.state["stack"]]
    assert stack[1:] == [(ROOT, "back"), (ROOT, "wait")]
    # when the new frame finishes, the old root frame resumes where it was
    assert messages(run_turn(project, output.state, say("hi"))) == ["back in root"]


# -- rule 1: dialog management, entity filling, auto-delegation -----------------------------------

SIZE_DIALOG = {
    "prompt": [{"content": slate("Which size?")}],
    "utterances": [{"text": "make it {{[size].k_size}}"}],
}
ORDER = {
    "key": "order", "name": "order",
    "inputs": [{"text": "order"}, {"text": "order a {{[size].k_size}} one"}],
    "slots": [{"id": "k_size", "required": True, "dialog": SIZE_DIALOG}],
}  # fmt: skip


def capture_order_project() -> Project:
    capture = {"id": "cap", "type": "captureV2", "intent": {"name": "order", "entities": ["size"]},
               "noMatch": {"prompts": [slate("Sorry, which size?")], "nodeID": "else"}, "nextId": "ok"}  # fmt: skip
    return make_project(
        [text("hi", "Hi", "cap"), capture, text("ok", "Ordered {size}"), text("else", "Giving up")],
        intents=[ORDER, HELP], slots=[SIZE_SLOT], variables=["size"],
    )  # fmt: skip


FILL_ORDER = {"type": "intent", "payload": {"intent": {"name": "order"}, "query": "", "entities": []},
              "requiredEntities": ["size"]}  # fmt: skip


def entity_filling(output: Any) -> list[dict[str, Any]]:
    return [t["payload"] for t in visible(output) if t["type"] == "entity-filling"]


def test_capture_with_intent_asks_dialog_management_to_fill_its_entities() -> None:
    project = capture_order_project()
    launched = run_turn(project, None, LAUNCH)
    # the capture's goto is delegated at once: ELICIT, so only the entity-filling trace
    assert kinds(launched) == ["text", "entity-filling"]
    assert entity_filling(launched) == [
        {"entityToFill": "size", "intent": FILL_ORDER | {"ELICIT": True}}
    ]
    assert launched.state["storage"]["dm"] == {"intentRequest": FILL_ORDER | {"ELICIT": True}}

    answered = run_turn(project, launched.state, say("big"))
    assert messages(answered) == ["Ordered large"]  # canonicalised to the first synonym
    assert answered.request["ELICIT"] is False
    assert answered.request["payload"]["entities"] == [{"name": "size", "value": "large"}]
    assert answered.request["payload"]["query"] == "big"
    assert "dm" not in answered.state["storage"]
    assert answered.state["variables"]["last_event"] == answered.request


def test_entity_filling_no_match_sequence() -> None:
    project = capture_order_project()
    state = run_turn(project, None, LAUNCH).state
    first = run_turn(project, state, say("xyz"))
    # first no-match: the entity's own prompt (isPrompt) and the entity-filling trace
    assert kinds(first) == ["text", "entity-filling"]
    assert visible(first)[0]["payload"]["isPrompt"] is True
    assert messages(first) == ["Which size?"]
    assert entity_filling(first)[0]["intent"]["ELICIT"] is False
    second = run_turn(project, first.state, say("xyz"))
    # later: the capture's reprompt, then entity filling without the prompt
    assert kinds(second) == ["path", "text", "entity-filling"]
    assert messages(second) == ["Sorry, which size?"]
    assert entity_filling(second)[0]["intent"]["ELICIT"] is True
    third = run_turn(project, second.state, say("xyz"))
    assert visible(third)[0]["payload"] == {"path": "choice:else"}
    assert messages(third) == ["Giving up"]


def test_answer_via_dialog_utterance_fills_the_kept_request() -> None:
    project = capture_order_project()
    state = run_turn(project, None, LAUNCH).state
    first = run_turn(project, state, say("xyz"))
    assert messages(run_turn(project, first.state, say("make it small"))) == ["Ordered small"]


def interaction_order_project() -> Project:
    node = {"id": "c1", "type": "interaction",
            "interactions": [{"event": {"type": "intent", "intent": "order", "mappings": [{"slot": "size", "variable": "size"}]}, "nextId": "ok"}],
            "noMatch": {"prompts": [slate("Pardon?")]}}  # fmt: skip
    return make_project(
        [node, text("ok", "Ordered {size}")],
        intents=[ORDER, HELP],
        slots=[SIZE_SLOT],
        variables=["size"],
    )


def test_in_scope_intent_missing_an_entity_prompts_and_keeps_the_request() -> None:
    project = interaction_order_project()
    state = run_turn(project, None, LAUNCH).state
    asked = run_turn(project, state, say("order"))
    assert messages(asked) == ["Which size?"]
    assert [e["intent"]["payload"]["query"] for e in entity_filling(asked)] == ["order"]
    kept = asked.state["storage"]["dm"]["intentRequest"]
    assert kept["payload"]["intent"] == {"name": "order"}
    # the runtime did not run: the step still waits, and last_event was not updated
    assert asked.state["stack"][-1]["nodeID"] == "c1"
    assert asked.state["variables"]["last_event"] != asked.request
    filled = run_turn(project, asked.state, say("small"))
    assert messages(filled) == ["Ordered small"]
    assert filled.request["payload"]["intent"] == {"name": "order"}
    assert filled.request["payload"]["query"] == "small"


def test_out_of_scope_intent_passes_through_untouched() -> None:
    project = interaction_order_project()
    state = run_turn(project, None, LAUNCH).state
    turn = run_turn(project, state, say("help"))
    assert "ELICIT" not in turn.request
    assert turn.request["payload"] == {
        "query": "help",
        "intent": {"name": "help"},
        "entities": [],
        "confidence": 1,
    }
    assert turn.state["variables"]["last_event"] == turn.request
    assert messages(turn) == ["Pardon?"]
    assert "dm" not in turn.state["storage"]


def test_auto_delegation_follows_at_most_three_rounds() -> None:
    loop = {"type": "intent", "payload": {"query": "", "intent": {"name": "help"}, "entities": []}}
    go_to = {"id": "g", "type": "goTo", "request": loop, "noMatch": {}}
    command = {
        "type": "jump",
        "event": {"type": "intent", "intent": "help"},
        "diagramID": ROOT,
        "nextID": "g",
    }
    project = make_project([go_to], intents=[HELP], base_commands=[command])
    output = run_turn(project, None, LAUNCH)
    jumps = [t for t in visible(output) if t["type"] == "path" and t["payload"] == {"path": "jump"}]
    assert len(jumps) == 2  # rounds 2 and 3; the third goto is dropped
    assert not [t for t in output.traces if t["type"] == "goto"]
    assert output.request == loop


# -- rule 12: legacy capture ----------------------------------------------------------------------


def test_legacy_capture_keeps_digits_as_text_and_converts_number_words() -> None:
    lines = [
        {"id": "cap", "type": "capture", "variable": "count", "nextId": "t"},
        text("t", "{count}"),
    ]
    project = make_project(lines, variables=["count"])
    state = run_turn(project, None, LAUNCH).state
    assert run_turn(project, state, say("42")).state["variables"]["count"] == "42"
    assert run_turn(project, state, say("007")).state["variables"]["count"] == "007"
    assert run_turn(project, state, say("forty two")).state["variables"]["count"] == 42
    assert run_turn(project, state, say("two apples")).state["variables"]["count"] == "two apples"
    logged = run_turn(project, state, say("three"), TurnConfig(logs="info"))
    [log] = [
        t["payload"]
        for t in logged.traces
        if t["type"] == "log" and t["payload"]["kind"] == "step.capture"
    ]
    assert log["message"]["changedVariables"] == {"count": {"before": 0, "after": 3}}


def test_a_name_new_to_both_stores_is_kept_as_a_frame_local() -> None:
    capture = {"id": "cap", "type": "captureV2", "variable": "undeclared", "nextId": "t"}
    project = make_project([capture, text("t", "got {undeclared}", "wait"),
                            {"id": "wait", "type": "captureV2", "variable": "undeclared", "nextId": None}])  # fmt: skip
    state = run_turn(project, None, LAUNCH).state
    turn = run_turn(project, state, say("blue"))
    assert messages(turn) == ["got blue"]
    assert "undeclared" not in turn.state["variables"]
    assert turn.state["stack"][-1]["variables"]["undeclared"] == "blue"


def test_condition_step_in_stop_types_is_handed_over_as_a_custom_action() -> None:
    node = {"id": "i", "type": "ifV2", "payload": {"expressions": ["1"], "elseId": None},
            "paths": [{"nextID": "t", "event": {"type": "go"}}], "defaultPath": 0}  # fmt: skip
    project = make_project([node, text("t", "after")])
    stopped = run_turn(project, None, LAUNCH, TurnConfig(stop_types=("ifV2",)))
    assert kinds(stopped) == ["ifV2"]
    assert messages(run_turn(project, stopped.state, {"type": "go"})) == ["after"]


def test_malformed_intent_requests_do_not_break_dialog_management() -> None:
    project = capture_order_project()
    state = run_turn(project, None, LAUNCH).state
    # an intent that is not an object is nobody's intent: the capture keeps waiting
    odd = run_turn(project, state, {"type": "intent", "payload": {"intent": "order"}})
    assert odd.state["stack"][-1]["nodeID"] == "cap"
    # entities that are not objects are ignored; the real one fills the capture
    entities = ["x", 3, {"name": "size", "value": "big"}]
    request = {"type": "intent", "payload": {"intent": {"name": "order"}, "entities": entities}}
    assert messages(run_turn(project, state, request)) == ["Ordered large"]
