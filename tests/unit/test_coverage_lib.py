"""Agent coverage library: the steps of an agent file, the report's figures and table."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from vftest.coverage import CoverageReport, hide_coverage_traces, load_agent, observe, steps_of
from vftest.errors import ConfigError
from vftest.suite import load_suite
from vftest.transcript import Transcript, TranscriptTurn

TINY = Path(__file__).parents[1] / "data" / "coverage" / "tiny.vfr"


def test_steps_of_lists_every_step_with_a_snippet() -> None:
    steps = steps_of(TINY)
    assert [(s.node_id, s.type) for s in steps] == [
        ("t_start", "start"),
        ("t_hello", "text"),
        ("t_menu", "interaction"),
        ("t_a", "text"),
        ("t_b", "text"),
        ("t_end", "exit"),
        ("t_orphan", "text"),
    ]
    assert {s.diagram for s in steps} == {"ROOT"}
    assert steps[1].snippet == "Hello there! Pick a side."
    assert steps[2].snippet == "Side A"  # a menu is known by its first button


def test_report_figures_and_table_against_hand_computed_hits() -> None:
    report = CoverageReport.build("tiny.vfr", steps_of(TINY), {"t_start", "t_hello", "t_menu"})
    assert (report.hit, report.total) == (3, 7)
    assert report.percent == pytest.approx(300 / 7)
    rows = report.table()
    assert rows[3].split() == ["ROOT", "7", "4", "42.9%", "t_a,", "t_b,", "t_end,", "t_orphan"]
    assert rows[5].split() == ["TOTAL", "7", "4", "42.9%"]
    assert "  ROOT t_b (text): You chose side B." in rows


def test_an_empty_agent_is_fully_covered() -> None:
    assert CoverageReport.build("empty", [], set()).percent == 100.0


def test_a_broken_agent_file_names_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.vfr"
    bad.write_text("{}")
    with pytest.raises(ConfigError, match=r"bad\.vfr: not an agent file"):
        steps_of(bad)
    with pytest.raises(ConfigError, match=r"missing\.vfr: cannot read"):
        steps_of(tmp_path / "missing.vfr")


def test_coverage_hides_only_what_it_asked_for(tmp_path: Path) -> None:
    suite_file = tmp_path / "s.vftest.yaml"
    suite_file.write_text(
        "name: s\ntarget: {url: 'http://127.0.0.1:1'}\ndefaults: {hidden_types: [debug]}\n"
        "cases:\n  - name: c\n    turns:\n      - launch:\n"
    )
    case = load_suite(suite_file).cases[0]
    hidden = hide_coverage_traces(case).turns[0].hidden_types
    assert hidden == ("debug", "block", "flow")  # `path` arrives without coverage too


PATHS = Path(__file__).parents[2] / "docs" / "examples" / "coverage" / "paths.vfr"


def test_the_agent_lists_its_decisions_intents_buttons_and_triggers() -> None:
    agent = load_agent(PATHS)
    assert [(p.node_id, p.name, p.target, p.trace) for p in agent.paths] == [
        ("p_menu", "1: intent weather", "p_weather", "choice:1"),
        ("p_menu", "2: path-apple", "p_apple", "choice:2"),
        ("p_menu", "3: path-pear", "p_pear", "choice:3"),
        ("p_menu", "no match", "p_confused", "choice:else"),
        ("p_menu", "no reply", "p_silent", "choice:noReply"),
        ("p_check", "if 1: fruit == 'apple'", "p_liked", None),
        ("p_check", "else", "p_end", None),
    ]
    assert agent.intents == ("weather", "help", "goodbye")
    assert [(b.node_id, b.label, b.request_type, b.intent) for b in agent.buttons] == [
        ("p_menu", "Apple", "path-apple", None),
        ("p_menu", "Pear", "path-pear", None),
        ("p_menu", "Weather", "intent", "weather"),
    ]
    assert agent.commands == (("help", "p_help"),)


def _turn(index: int, action: object, traces: list[dict[str, object]]) -> TranscriptTurn:
    return TranscriptTurn(index=index, line=1, action=action, traces_json=json.dumps(traces))


def _block(node: str) -> dict[str, object]:
    return {"type": "block", "payload": {"blockID": node}}


def _path(label: str) -> dict[str, object]:
    return {"type": "path", "payload": {"path": label}}


def _played(turns: list[TranscriptTurn]) -> Transcript:
    # the observation reads only the turns
    return cast(Transcript, SimpleNamespace(turns=tuple(turns)))


def test_moves_are_the_same_whether_or_not_a_turn_repeats_the_waiting_step() -> None:
    press = {"type": "path-apple", "payload": {"label": "Apple"}}
    repeated = _played([
        _turn(0, {"type": "launch"}, [_block("p_start"), _block("p_hello"), _block("p_menu")]),
        _turn(1, press, [_block("p_menu"), _path("choice:2"), _block("p_apple")]),
    ])  # fmt: skip
    not_repeated = _played([
        _turn(0, {"type": "launch"}, [_block("p_start"), _block("p_hello"), _block("p_menu")]),
        _turn(1, press, [_path("choice:2"), _block("p_apple")]),
    ])  # fmt: skip
    seen = observe([repeated])
    assert seen.moves == observe([not_repeated]).moves
    assert ("p_menu", "choice:2", "p_apple") in seen.moves
    assert seen.presses == {("path-apple", None, "Apple", ("p_start", "p_hello", "p_menu"))}
    report = CoverageReport.of("paths", load_agent(PATHS), seen)
    paths, intents, buttons = report.parts
    assert [m["path"] for m in paths.missed] == [
        "1: intent weather", "3: path-pear", "no match", "no reply", "if 1: fruit == 'apple'",
        "else",
    ]  # fmt: skip
    assert [m["label"] for m in buttons.missed] == ["Pear", "Weather"]
    assert [m["intent"] for m in intents.missed] == ["weather", "help", "goodbye"]


def test_a_typed_intent_is_not_a_button_press() -> None:
    typed = {"type": "intent", "payload": {"intent": {"name": "weather"}}}
    pressed = {"type": "intent", "payload": {"label": "Weather", "intent": {"name": "weather"}}}
    launch = _turn(0, {"type": "launch"}, [_block("p_menu")])
    for action, expected in ((typed, ["Apple", "Pear", "Weather"]), (pressed, ["Apple", "Pear"])):
        seen = observe([_played([launch, _turn(1, action, [_block("p_menu")])])])
        buttons = CoverageReport.of("paths", load_agent(PATHS), seen).parts[2]
        assert [m["label"] for m in buttons.missed] == expected
