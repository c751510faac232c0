from __future__ import annotations

import json
from pathlib import Path

import pytest

from vftest.actions import ButtonNotFound, build_action, offered_buttons
from vftest.models import Action

CAPTURES = Path(__file__).parents[1] / "data" / "captures"


def launch_traces() -> list[dict]:
    return json.loads((CAPTURES / "01-launch.response.json").read_text())


@pytest.mark.parametrize(
    ("action", "wire"),
    [
        (Action(kind="launch"), {"type": "launch"}),
        (
            Action(kind="launch", payload={"persona": "p1"}),
            {"type": "launch", "payload": {"persona": "p1"}},
        ),
        (Action(kind="text", text="hi {{name}}"), {"type": "text", "payload": "hi Ada"}),
        (
            Action(kind="intent", intent="order", entities={"size": "{{name}}"}, confidence=0.9),
            {
                "type": "intent",
                "payload": {
                    "intent": {"name": "order"},
                    "query": "",
                    "entities": [{"name": "size", "value": "Ada"}],
                    "confidence": 0.9,
                },
            },
        ),
        (
            Action(kind="event", event="escalate"),
            {"type": "event", "payload": {"event": {"name": "escalate"}}},
        ),
        (Action(kind="no_reply"), {"type": "no-reply"}),
        (
            Action(kind="raw", raw={"type": "success", "payload": {"who": "{{name}}"}}),
            {"type": "success", "payload": {"who": "Ada"}},
        ),
    ],
)
def test_wire_form_of_each_action(action: Action, wire: dict) -> None:
    assert build_action(action, [], {"name": "Ada"}) == wire


def test_button_sends_the_offered_request_of_the_previous_turn() -> None:
    traces = launch_traces()
    sent = build_action(Action(kind="button", label="see the MENU"), traces, {})
    assert sent == {"type": "path-menu1", "payload": {"label": "See the menu", "actions": []}}
    # the request is a copy: mutating what was sent leaves the trace alone
    sent["payload"]["label"] = "x"
    assert traces[2]["payload"]["buttons"][1]["request"]["payload"]["label"] == "See the menu"


def test_button_not_offered_names_what_was_offered() -> None:
    with pytest.raises(ButtonNotFound) as info:
        build_action(Action(kind="button", label="Pay now"), launch_traces(), {})
    assert str(info.value) == (
        'no button "Pay now" in the previous turn\'s traces; '
        'offered: "Order a pizza", "See the menu"'
    )


def test_button_index_picks_a_repeated_label() -> None:
    traces = [
        {
            "type": "cardV2",
            "payload": {"buttons": [{"name": "Buy", "request": {"type": "path-a"}}]},
        },
        {
            "type": "carousel",
            "payload": {"cards": [{"buttons": [{"name": "Buy", "request": {"type": "path-b"}}]}]},
        },
    ]
    assert build_action(Action(kind="button", label="Buy"), traces, {}) == {"type": "path-a"}
    assert build_action(Action(kind="button", label="Buy", index=1), traces, {}) == {
        "type": "path-b"
    }
    with pytest.raises(ButtonNotFound):
        build_action(Action(kind="button", label="Buy", index=2), traces, {})
    assert [b.source for b in offered_buttons(traces)] == [
        "trace #0 (cardV2)",
        "trace #1 (carousel card 0)",
    ]
