"""Agent coverage library: the steps of an agent file, the report's figures and table."""

from __future__ import annotations

from pathlib import Path

import pytest

from vftest.coverage import CoverageReport, hide_coverage_traces, steps_of
from vftest.errors import ConfigError
from vftest.suite import load_suite

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
