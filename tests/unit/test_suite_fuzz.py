"""Fuzzing load_suite: whatever the text, the outcome is a Suite or a clean SuiteError."""

from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vftest.errors import SuiteError, SuiteProblem
from vftest.models import Suite
from vftest.suite import load_suite

KEYS = [
    # every key of the format, so structured examples are often near-valid
    "name", "target", "contract", "variables", "tags", "defaults", "cases", "project", "url",
    "api", "stream", "environment", "threshold", "scorer", "mode", "ignore_case", "turns",
    "launch", "text", "button", "intent", "event", "no_reply", "action", "expect", "absent",
    "expect_variables", "capture", "set_variables", "choice", "card", "carousel", "visual",
    "end", "custom", "trace", "payload", "contains", "regex", "similar", "any_of", "not",
    "equals", "present", "label", "request", "buttons", "match", "count", "group", "variable",
    "skip", "xfail", "environments", "description", "timeout", "entities", "confidence", "x",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["v1", "v4", "exact", "ratio", "(", "a(b)", "{{x}}", "hi", "", "yes"]),
    st.text(max_size=8),
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=25,
)
TURN = st.fixed_dictionaries(
    {}, optional=dict.fromkeys(["launch", "text", "button", "expect", "capture"], JSONISH)
)
NEAR_VALID = st.fixed_dictionaries(
    {
        "cases": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["a", "b", 1]), "turns": st.lists(TURN, max_size=3)},
                optional={"variables": JSONISH, "tags": JSONISH},
            ),
            max_size=3,
        )
    },
    optional={"defaults": JSONISH, "target": JSONISH, "variables": JSONISH},
)
# VFTEST_FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the unit run fast.
SETTINGS = settings(
    max_examples=int(os.environ.get("VFTEST_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def outcome(text: str) -> Suite | SuiteError:
    """load_suite's result, or the SuiteError it raised (any other exception propagates)."""
    try:
        return load_suite("fuzz.vftest.yaml", text=text)
    except SuiteError as error:
        return error


def check(result: Suite | SuiteError) -> None:
    if isinstance(result, SuiteError):
        assert result.problems
        for problem in result.problems:
            assert isinstance(problem, SuiteProblem)
            assert problem.line >= 0
            assert problem.message
            assert "<class" not in problem.message
    else:
        assert isinstance(result, Suite)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    check(outcome(text))


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "a:",
                " ",
                "- ",
                "\n",
                "{",
                "}",
                "[",
                "]",
                "&a ",
                "*a",
                "!!x ",
                "cases:",
                "  - name: c",
                "    turns:",
                "      - launch:",
                "'",
                '"',
                "#",
                ":",
                ",",
                "? ",
                "<<: ",
                "---",
                "\t",
            ]
        ),
        max_size=40,
    )
)
def test_yamlish_fragments(parts: list[str]) -> None:
    check(outcome("".join(parts)))


@SETTINGS
@given(JSONISH)
def test_random_structured_yaml(data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    check(outcome(text))


@SETTINGS
@given(NEAR_VALID)
def test_near_valid_suites(data: Any) -> None:
    text = yaml.safe_dump(data, sort_keys=False)
    result = outcome(text)
    check(result)
    if isinstance(result, Suite):
        assert [case.name for case in result.cases] == [case["name"] for case in data["cases"]]
