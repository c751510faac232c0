"""Loading `semantic:` matchers and `judge:` keys, and matching by meaning without a model."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from vftest.errors import ConfigError, SuiteError
from vftest.matchers import match_turn
from vftest.models import TextOp
from vftest.semantic import match_by_meaning
from vftest.suite import load_suite

SUITE = """\
name: s
target: {url: "http://127.0.0.1:1"}
defaults: {threshold: 0.95}
cases:
  - name: c
    judge: {rubric: "stays polite", min_score: 0.5}
    turns:
      - launch:
        judge: "greets the user"
        expect:
          - text: {semantic: "Hello there"}
          - text: {semantic: "Goodbye", threshold: 0.6}
"""


def test_semantic_has_its_own_default_threshold_and_judges_load(tmp_path: Path) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    case = load_suite(path).cases[0]
    first, second = (e.spec for e in case.turns[0].expect)
    assert first is not None
    assert second is not None
    assert (first.op, first.value, first.threshold) == (TextOp.SEMANTIC, "Hello there", 0.8)
    assert second.threshold == 0.6
    assert case.turns[0].judge is not None
    assert (case.turns[0].judge.rubric, case.turns[0].judge.line) == ("greets the user", 9)
    assert case.judge is not None
    assert (case.judge.rubric, case.judge.min_score, case.judge.line) == ("stays polite", 0.5, 6)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ('{semantic: "x", scorer: ratio}', "scorer only applies to 'similar'"),
        ("{semantic: 3}", "semantic"),
    ],
)
def test_bad_semantic_matchers_are_refused(tmp_path: Path, bad: str, problem: str) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE.replace('{semantic: "Hello there"}', bad))
    with pytest.raises(SuiteError, match=problem):
        load_suite(path)


def test_an_empty_judge_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE.replace('judge: "greets the user"', 'judge: ""'))
    with pytest.raises(SuiteError, match=r"s\.vftest\.yaml:9: cases\[0\]\.turns\[0\]\.judge"):
        load_suite(path)


def test_semantic_without_a_model_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    turn = load_suite(path).cases[0].turns[0]
    traces = [{"type": "text", "payload": {"message": "Hi!"}}]
    with pytest.raises(ConfigError, match="needs an embedding model"):
        asyncio.run(match_by_meaning(None, lambda: match_turn(turn, traces)))


def test_matching_by_meaning_embeds_only_what_is_compared(tmp_path: Path) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    turn = load_suite(path).cases[0].turns[0]
    traces = [
        {"type": "text", "payload": {"message": "Hello there"}},
        {"type": "text", "payload": {"message": "Goodbye"}},
    ]

    class Exact:
        name = "exact"

        def __init__(self) -> None:
            self.asked: list[list[str]] = []

        async def vectors(self, texts: list[str]) -> dict[str, list[float]]:
            self.asked.append(list(texts))
            return {t: [1.0, 0.0] if t in ("Hello there",) else [0.0, 1.0] for t in texts}

    embedder = Exact()
    results = asyncio.run(match_by_meaning(embedder, lambda: match_turn(turn, traces)))
    assert [r.ok for r in results] == [True, True]
    assert len(embedder.asked) == 1  # one call for the turn
    assert sorted(embedder.asked[0]) == ["Goodbye", "Hello there"]
