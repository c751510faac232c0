"""The safe expression evaluator: JavaScript semantics for the compiled subset, nothing more."""

from __future__ import annotations

import math
from typing import Any

import pytest

from vftest.runtime.engine.expressions import UNDEFINED, ExpressionError, evaluate

VARS = {
    "n": 4,
    "s": "ab",
    "price": "10",
    "empty": "",
    "zero": 0,
    "items": [1, 2],
    "obj": {"k": "v"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("7 / 2", 3.5),
        ("7 % 4", 3),
        ("-n + 1", -3),
        ("s + n", "ab4"),
        ("price + 1", "101"),
        ("price * 2", 20),
        ("price == 10", True),
        ("price === 10", False),
        ("n > 3 && s === 'ab'", True),
        ("empty || 'fallback'", "fallback"),
        ("zero ?? 5", 0),
        ("!empty", True),
        ("n >= 4 ? 'big' : 'small'", "big"),
        ("{n} * {n}", 16),
        ("v.n + v['n']", 8),
        ("s.length + items.length", 4),
        ("s.toUpperCase().includes('B')", True),
        ("Math.max(n, 9)", 9),
        ("Math.round(2.5)", 3),
        ("parseInt('12px') + Number('3')", 15),
        ("String(n) + obj.k", "4v"),
        ('"a\\"b"', 'a"b'),
        ("null == undefined", True),
        ("obj.missing", UNDEFINED),
        ("typeof nosuch", "undefined"),
        ("'b' > 'a'", True),
    ],
)
def test_evaluates_like_javascript(expression: str, expected: Any) -> None:
    assert evaluate(expression, VARS) == expected


def test_nan_and_division() -> None:
    assert math.isnan(evaluate("s * 2", VARS))
    assert evaluate("1 / 0", VARS) == math.inf


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("nosuch + 1", "ReferenceError: nosuch is not defined"),
        ("__import__('os')", "ReferenceError: __import__ is not defined"),
        ("s.__class__", None),
        ("n = 5", "SyntaxError: unexpected character '='"),
        ("(1 + ", "SyntaxError: unexpected token 'end of input'"),
        ("n(1)", "TypeError: expression is not a supported function"),
        ("`${n}`", "SyntaxError: unexpected character '`'"),
    ],
)
def test_rejects_anything_outside_the_subset(expression: str, message: str | None) -> None:
    if message is None:
        assert evaluate(expression, VARS) is UNDEFINED  # unknown property, never Python's
        return
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, VARS)
    assert str(info.value) == message
