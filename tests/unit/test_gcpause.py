"""Loading a suite runs without the cyclic collector, and always turns it back on."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from vftest.errors import SuiteError
from vftest.gcpause import gc_paused
from vftest.suite import load_suite

CASE = """\
  - name: case {n}
    turns:
      - launch:
        expect:
          - text: "Welcome, friend!"
          - choice: [Order a pizza, See the menu]
      - button: See the menu
        expect:
          - text: {{contains: menu}}
"""


def test_loading_a_large_suite_triggers_no_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VFTEST_CACHE_DIR", "off")
    # ~100,000 container allocations: with the collector on, gen-0 runs every 700 of them.
    path = tmp_path / "big.vftest.yaml"
    path.write_text("name: big\ncases:\n" + "".join(CASE.format(n=n) for n in range(500)))
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        suite = load_suite(path)
    finally:
        gc.callbacks.remove(note)
    assert len(suite.cases) == 500
    # Without the pause: ~140 collections. With it: at most the young one that is owed when
    # the collector is turned back on.
    assert started in ([], [0])
    assert gc.isenabled()


def test_the_collector_is_back_on_after_a_broken_suite(tmp_path: Path) -> None:
    path = tmp_path / "broken.vftest.yaml"
    path.write_text("name: broken\ncases:\n  - name: a\n    turns: 3\n")
    with pytest.raises(SuiteError):
        load_suite(path)
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_nested_pauses_turn_the_collector_on_once_at_the_outermost_exit() -> None:
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("boom")
        assert not gc.isenabled()
    assert gc.isenabled()
