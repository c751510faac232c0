"""Baseline records, comparison and files, without a runtime."""

from __future__ import annotations

import json
from pathlib import Path

from vftest.baseline import (
    Tolerance,
    UpdateSummary,
    baseline_path,
    compare_cases,
    load_entries,
    record_turn,
    write_updates,
)
from vftest.models import BaselineSettings, Mask
from vftest.transcript import TranscriptTurn

USER = "vftest-abc123-case-9f8e7d"


def turn(
    action: object, traces: list[dict[str, object]], variables: object = None
) -> TranscriptTurn:
    return TranscriptTurn(
        index=0,
        line=1,
        action=action,
        traces_json=json.dumps(traces),
        hidden_types=("path",),
        variables=variables,
        status=200,
    )


def test_a_record_keeps_meaning_and_drops_ids_times_and_the_user_id() -> None:
    traces = [
        {"type": "path", "payload": {"path": "choice:1"}},
        {"type": "text", "payload": {"message": f"Hello {USER}", "ai": True}, "time": 17000},
        {
            "type": "choice",
            "payload": {
                "buttons": [
                    {"name": "FAQ", "request": {"type": "path-6650a1b2c3d4e5f6", "payload": {}}},
                    {
                        "name": "Orders",
                        "request": {"type": "intent", "payload": {"intent": {"name": "orders"}}},
                    },
                ]
            },
        },
        {
            "type": "escalate",
            "payload": {"id": "x1", "at": "2026-12-03T10:00:00Z", "queue": "tier1"},
        },
        {"type": "end"},
    ]
    action = {"type": "path-1a2b3c4d5e", "payload": {"label": "Talk to a human"}}
    record = record_turn(turn(action, traces), BaselineSettings(), user_id=USER)
    assert record == {
        "user": {"button": "Talk to a human"},
        "agent": [
            {"text": "Hello {user_id}"},
            {
                "buttons": [
                    {"label": "FAQ", "request": "path"},
                    {"label": "Orders", "request": "intent: orders"},
                ]
            },
            {"custom": {"name": "escalate", "payload": {"at": "<time>", "queue": "tier1"}}},
            {"end": True},
        ],
    }


def test_masks_blank_a_value_or_only_what_a_regex_matches() -> None:
    traces = [
        {"type": "text", "payload": {"message": "Ticket 48213 opened"}},
        {"type": "cardV2", "payload": {"title": "Order 1", "imageUrl": "https://cdn/x.png"}},
    ]
    settings = BaselineSettings(
        masks=(
            Mask(path="$.agent[*].text", regex=r"\d+", replace="N"),
            Mask(path="$.agent[*].card.image"),
        ),
        variables=("status",),
    )
    record = record_turn(turn({"type": "launch"}, traces, {"status": "ok"}), settings, user_id=USER)
    assert record["agent"] == [
        {"text": "Ticket N opened"},
        {"card": {"title": "Order 1", "image": "<masked>"}},
    ]
    assert record["variables"] == {"status": "ok"}
    assert record["user"] == "launch"


def rec(*agent: dict[str, object], user: object = "launch") -> dict[str, object]:
    return {"user": user, "agent": list(agent)}


def test_differences_name_each_change_on_one_line() -> None:
    old = [
        rec(
            {"text": "Hi there, how can I help?"},
            {"buttons": [{"label": "FAQ"}, {"label": "Help"}]},
        ),
        rec({"card": {"title": "Order 1", "description": "shipped"}}, user={"text": "1"}),
    ]
    new = [
        rec({"text": "Hello, what do you need?"}, {"buttons": [{"label": "Help"}]}),
        rec(
            {"card": {"title": "Order 2", "description": "shipped"}},
            {"custom": {"name": "escalate", "payload": {}}},
            user={"text": "1"},
        ),
        rec({"end": True}, user={"text": "bye"}),
    ]
    found = compare_cases(old, new, Tolerance())
    assert [(d.turn, d.message) for d in found] == [
        (0, "text changed, similarity 0.41"),
        (0, 'button "FAQ" removed'),
        (1, 'card title changed: "Order 1" -> "Order 2"'),
        (1, 'new trace custom "escalate"'),
        (2, 'new turn: text "bye"'),
    ]
    assert found[0].detail[0] == "- Hi there, how can I help?"


def test_a_text_within_the_tolerance_is_unchanged() -> None:
    old = [rec({"text": "Your order has shipped."})]
    new = [rec({"text": "Your order has shipped!"})]
    assert compare_cases(old, new, Tolerance(threshold=0.9)) == []
    [difference] = compare_cases(old, new, Tolerance())
    assert difference.message == "text changed, similarity 0.96"


def test_a_different_action_and_a_missing_turn_are_reported() -> None:
    old = [rec(user={"text": "a"}), rec(user={"text": "b"})]
    new = [rec(user={"text": "z"})]
    messages = [d.message for d in compare_cases(old, new, Tolerance())]
    assert messages == [
        'the case now sends text "z"; the baseline was recorded with text "a"',
        'turn not played: text "b"',
    ]


def test_files_are_stable_merged_and_pruned(tmp_path: Path) -> None:
    path = baseline_path(tmp_path / "orders.vftest.yaml", "production")
    assert path == tmp_path / "__baselines__" / "orders.production.yaml"
    summary = UpdateSummary()
    records = {"b": [rec({"text": "B"})], "a": [rec({"text": "A"})], "gone": []}
    write_updates(
        path, suite_name="s", environment="production", case_order=["a", "b", "gone"],
        updates=records, summary=summary,
    )  # fmt: skip
    first = path.read_text()
    assert list(load_entries(path)) == ["a", "b", "gone"]  # the suite's order, not the run's
    summary = UpdateSummary()
    write_updates(
        path, suite_name="s", environment="production", case_order=["a", "b"],
        updates={"a": [rec({"text": "A2"})]}, summary=summary,
    )  # fmt: skip
    assert summary.line() == "vftest baselines: 0 written, 1 updated, 1 removed, 0 unchanged"
    assert load_entries(path) == {"a": [rec({"text": "A2"})], "b": [rec({"text": "B"})]}
    assert first != path.read_text()
    summary = UpdateSummary()
    write_updates(
        path, suite_name="s", environment="production", case_order=["a", "b"],
        updates={"a": [rec({"text": "A2"})]}, summary=summary,
    )  # fmt: skip
    assert summary.files == []  # nothing changed: the file is not rewritten
