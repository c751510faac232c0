"""A safe evaluator for the JavaScript expressions Voiceflow compiles Set/Condition steps to.

Supports literals, variables (bare names, `{name}`, `v.name`, `v['name']`), arithmetic,
comparisons (loose and strict), logic, ternaries and a few string/Math helpers. It never
executes host code: anything outside this subset raises `ExpressionError`.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vftest.runtime.engine.values import UNDEFINED, js_number, js_str, js_truthy, normalize_number

__all__ = ["UNDEFINED", "ExpressionError", "evaluate", "to_json_value"]


class ExpressionError(Exception):
    """The expression cannot be parsed or evaluated (message reads like a JS error)."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\$]|\\.)*`)
  | (?P<var>\{\w{1,64}\})
  | (?P<name>[A-Za-z_$][\w$]*)
  | (?P<op>===|!==|==|!=|<=|>=|&&|\|\||\?\?|[-+*/%<>!?:(),.\[\]])
    """,
    re.VERBOSE,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if not match:
            raise ExpressionError(f"SyntaxError: unexpected character {source[position]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(0)))
    tokens.append(_Token("end", ""))
    return tokens


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


# AST nodes are tuples: ("lit", value) ("var", name) ("unary", op, x) ("binary", op, a, b)
# ("logic", op, a, b) ("cond", test, yes, no) ("member", obj, name) ("index", obj, key)
# ("call", callee, args)
_Node = tuple[Any, ...]

_BINARY_PRECEDENCE = {
    "??": 1,
    "||": 2,
    "&&": 3,
    "==": 4,
    "!=": 4,
    "===": 4,
    "!==": 4,
    "<": 5,
    ">": 5,
    "<=": 5,
    ">=": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "%": 7,
}


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise ExpressionError(f"SyntaxError: expected {text!r}, found {token.text!r}")

    def parse(self) -> _Node:
        node = self.conditional()
        if self.peek().kind != "end":
            raise ExpressionError(f"SyntaxError: unexpected token {self.peek().text!r}")
        return node

    def conditional(self) -> _Node:
        test = self.binary(1)
        if self.peek().text == "?":
            self.take()
            yes = self.conditional()
            self.expect(":")
            no = self.conditional()
            return ("cond", test, yes, no)
        return test

    def binary(self, minimum: int) -> _Node:
        left = self.unary()
        while True:
            token = self.peek()
            precedence = _BINARY_PRECEDENCE.get(token.text) if token.kind == "op" else None
            if precedence is None or precedence < minimum:
                return left
            self.take()
            right = self.binary(precedence + 1)
            kind = "logic" if token.text in ("&&", "||", "??") else "binary"
            left = (kind, token.text, left, right)

    def unary(self) -> _Node:
        token = self.peek()
        if token.kind == "op" and token.text in ("!", "-", "+"):
            self.take()
            return ("unary", token.text, self.unary())
        if token.kind == "name" and token.text == "typeof":
            self.take()
            return ("unary", "typeof", self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: _Node) -> _Node:
        while True:
            token = self.peek()
            if token.text == ".":
                self.take()
                name = self.take()
                if name.kind != "name":
                    raise ExpressionError("SyntaxError: expected a property name after '.'")
                node = ("member", node, name.text)
            elif token.text == "[":
                self.take()
                key = self.conditional()
                self.expect("]")
                node = ("index", node, key)
            elif token.text == "(":
                self.take()
                args: list[_Node] = []
                if self.peek().text != ")":
                    args.append(self.conditional())
                    while self.peek().text == ",":
                        self.take()
                        args.append(self.conditional())
                self.expect(")")
                node = ("call", node, args)
            else:
                return node

    def primary(self) -> _Node:
        token = self.take()
        if token.kind == "number":
            return ("lit", normalize_number(float(token.text)))
        if token.kind == "string":
            return ("lit", _unquote(token.text))
        if token.kind == "var":
            return ("var", token.text[1:-1])
        if token.kind == "name":
            constants = {
                "true": True,
                "false": False,
                "null": None,
                "undefined": UNDEFINED,
                "NaN": math.nan,
                "Infinity": math.inf,
            }
            if token.text in constants:
                return ("lit", constants[token.text])
            return ("var", token.text)
        if token.text == "(":
            node = self.conditional()
            self.expect(")")
            return node
        raise ExpressionError(f"SyntaxError: unexpected token {token.text or 'end of input'!r}")


def _to_primitive(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return js_str(value)
    return value


def _num(value: Any) -> float:
    if value is UNDEFINED:
        return math.nan
    return js_number(value)


def _loose_equal(a: Any, b: Any) -> bool:
    if (a is None or a is UNDEFINED) and (b is None or b is UNDEFINED):
        return True
    if a is None or a is UNDEFINED or b is None or b is UNDEFINED:
        return False
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        if isinstance(a, (list, dict)) and isinstance(b, (list, dict)):
            return a is b
        return _loose_equal(_to_primitive(a), _to_primitive(b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return _num(a) == _num(b)


def _strict_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    a_num = isinstance(a, (int, float))
    b_num = isinstance(b, (int, float))
    if a_num or b_num:
        return a_num and b_num and float(a) == float(b)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return a is b
    return type(a) is type(b) and a == b


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _to_primitive(a), _to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        left: Any = a
        right: Any = b
    else:
        left, right = _num(a), _num(b)
        if math.isnan(left) or math.isnan(right):
            return False
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    return bool(left >= right)


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        a, b = _to_primitive(a), _to_primitive(b)
        if isinstance(a, str) or isinstance(b, str):
            return _text(a) + _text(b)
        return normalize_number(_num(a) + _num(b))
    x, y = _num(a), _num(b)
    if op == "-":
        return normalize_number(x - y)
    if op == "*":
        return normalize_number(x * y)
    if op == "/":
        if y == 0:
            if x == 0 or math.isnan(x):
                return math.nan
            return math.copysign(math.inf, x) * math.copysign(1, y)
        return normalize_number(x / y)
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return normalize_number(math.fmod(x, y))


def _text(value: Any) -> str:
    return "undefined" if value is UNDEFINED else js_str(value)


def _typeof(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _Builtin):
        return "function"
    return "object"


@dataclass(frozen=True)
class _Builtin:
    name: str
    function: Callable[..., Any]


def _parse_int(text: Any = UNDEFINED, radix: Any = UNDEFINED) -> Any:
    match = re.match(r"\s*([-+]?\d+)", _text(text))
    base = int(_num(radix)) if radix is not UNDEFINED else 10
    if not match or base != 10:
        return math.nan
    return int(match.group(1))


def _parse_float(text: Any = UNDEFINED) -> Any:
    match = re.match(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", _text(text))
    return normalize_number(float(match.group(1))) if match else math.nan


def _math(function: Callable[..., float]) -> Callable[..., Any]:
    return lambda *args: normalize_number(function(*(_num(arg) for arg in args)))


def _round(x: float) -> float:
    return math.floor(x + 0.5) if math.isfinite(x) else x


_GLOBALS: dict[str, Any] = {
    "String": _Builtin("String", lambda value="": _text(value)),
    "Number": _Builtin("Number", lambda value=0: normalize_number(_num(value))),
    "Boolean": _Builtin("Boolean", lambda value=UNDEFINED: js_truthy(_defined(value))),
    "parseInt": _Builtin("parseInt", _parse_int),
    "parseFloat": _Builtin("parseFloat", _parse_float),
    "isNaN": _Builtin("isNaN", lambda value=UNDEFINED: math.isnan(_num(value))),
    "Math": {
        "floor": _Builtin("floor", _math(math.floor)),
        "ceil": _Builtin("ceil", _math(math.ceil)),
        "round": _Builtin("round", _math(_round)),
        "abs": _Builtin("abs", _math(abs)),
        "sqrt": _Builtin("sqrt", _math(lambda x: math.sqrt(x) if x >= 0 else math.nan)),
        "pow": _Builtin("pow", _math(lambda x, y: math.pow(x, y))),
        "min": _Builtin("min", _math(lambda *xs: min(xs) if xs else math.inf)),
        "max": _Builtin("max", _math(lambda *xs: max(xs) if xs else -math.inf)),
        "random": _Builtin("random", lambda: random.random()),
    },
}


def _defined(value: Any) -> Any:
    return None if value is UNDEFINED else value


def _string_method(text: str, name: str) -> _Builtin | None:
    methods: dict[str, Callable[..., Any]] = {
        "includes": lambda needle="": _text(needle) in text,
        "startsWith": lambda needle="": text.startswith(_text(needle)),
        "endsWith": lambda needle="": text.endswith(_text(needle)),
        "toLowerCase": text.lower,
        "toUpperCase": text.upper,
        "trim": text.strip,
        "indexOf": lambda needle="": text.find(_text(needle)),
        "split": lambda sep=UNDEFINED: (
            [text] if sep is UNDEFINED else text.split(_text(sep)) if _text(sep) else list(text)
        ),
        "slice": lambda start=0, end=UNDEFINED: text[
            int(_num(start)) : None if end is UNDEFINED else int(_num(end))
        ],
        "replace": lambda old="", new="": text.replace(_text(old), _text(new), 1),
        "toString": lambda: text,
    }
    method = methods.get(name)
    return _Builtin(name, method) if method else None


def _list_method(items: list[Any], name: str) -> _Builtin | None:
    methods: dict[str, Callable[..., Any]] = {
        "includes": lambda needle=UNDEFINED: any(_strict_equal(i, needle) for i in items),
        "indexOf": lambda needle=UNDEFINED: next(
            (n for n, i in enumerate(items) if _strict_equal(i, needle)), -1
        ),
        "join": lambda sep=",": _text(sep).join("" if i is None else _text(i) for i in items),
    }
    method = methods.get(name)
    return _Builtin(name, method) if method else None


class _Evaluator:
    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables

    def lookup(self, name: str) -> Any:
        if name in self.variables:
            return self.variables[name]
        if name in _GLOBALS:
            return _GLOBALS[name]
        if name == "v":
            # Legacy Set/If expressions address variables through `v` (`v.count`).
            return dict(self.variables)
        raise ExpressionError(f"ReferenceError: {name} is not defined")

    def property(self, obj: Any, name: Any) -> Any:
        key = _text(name) if not isinstance(name, str) else name
        if obj is None or obj is UNDEFINED:
            raise ExpressionError(f"TypeError: Cannot read properties of {_text(obj)} ({key})")
        if isinstance(obj, str):
            if key == "length":
                return len(obj)
            if isinstance(name, (int, float)) and not isinstance(name, bool):
                index = int(name)
                return obj[index] if 0 <= index < len(obj) else UNDEFINED
            return _string_method(obj, key) or UNDEFINED
        if isinstance(obj, list):
            if key == "length":
                return len(obj)
            if isinstance(name, (int, float)) and not isinstance(name, bool):
                index = int(name)
                return obj[index] if 0 <= index < len(obj) and index == name else UNDEFINED
            return _list_method(obj, key) or UNDEFINED
        if isinstance(obj, dict):
            return obj.get(key, UNDEFINED)
        if isinstance(obj, (int, float)) and key == "toString":
            return _Builtin("toString", lambda: js_str(obj))
        return UNDEFINED

    def run(self, node: _Node) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "var":
            return self.lookup(node[1])
        if kind == "unary":
            op = node[1]
            if op == "typeof":
                try:
                    return _typeof(self.run(node[2]))
                except ExpressionError:
                    return "undefined"
            value = self.run(node[2])
            if op == "!":
                return not js_truthy(_defined(value))
            number = _num(value)
            return normalize_number(-number if op == "-" else number)
        if kind == "logic":
            left = self.run(node[2])
            if node[1] == "&&":
                return self.run(node[3]) if js_truthy(_defined(left)) else left
            if node[1] == "||":
                return left if js_truthy(_defined(left)) else self.run(node[3])
            return self.run(node[3]) if left is None or left is UNDEFINED else left
        if kind == "binary":
            return self.binary(node[1], self.run(node[2]), self.run(node[3]))
        if kind == "cond":
            return (
                self.run(node[2]) if js_truthy(_defined(self.run(node[1]))) else self.run(node[3])
            )
        if kind == "member":
            return self.property(self.run(node[1]), node[2])
        if kind == "index":
            return self.property(self.run(node[1]), self.run(node[2]))
        callee = self.run(node[1])
        if not isinstance(callee, _Builtin):
            raise ExpressionError("TypeError: expression is not a supported function")
        args = [self.run(arg) for arg in node[2]]
        try:
            return callee.function(*args)
        except TypeError as error:
            raise ExpressionError(f"TypeError: {callee.name}: {error}") from None

    @staticmethod
    def binary(op: str, a: Any, b: Any) -> Any:
        if op == "==":
            return _loose_equal(a, b)
        if op == "!=":
            return not _loose_equal(a, b)
        if op == "===":
            return _strict_equal(a, b)
        if op == "!==":
            return not _strict_equal(a, b)
        if op in ("<", ">", "<=", ">="):
            return _compare(op, a, b)
        return _arith(op, a, b)


def evaluate(expression: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate `expression` against `variables`; may return `UNDEFINED`.

    Raises:
        ExpressionError: syntax outside the supported subset, unknown variable, bad call.
    """
    if not isinstance(expression, str):
        raise ExpressionError("SyntaxError: expression is not text")
    tree = _Parser(_tokenize(expression)).parse()
    return _Evaluator(variables).run(tree)


def to_json_value(value: Any) -> Any:
    """A value fit for the state JSON (`undefined` -> None, NaN stays NaN for callers)."""
    if value is UNDEFINED or isinstance(value, _Builtin):
        return None
    return value
