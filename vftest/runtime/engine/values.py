"""JavaScript-flavoured value helpers: `{var}` substitution, number coercion, slate text.

The real runtime is JavaScript; text it produces depends on JS string conversion (`5` not
`5.0`, `[object Object]` avoided by JSON), so these helpers reproduce those rules.
"""

from __future__ import annotations

import json
import math
import random
import re
import string
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "UNDEFINED",
    "VARIABLE_PATTERN",
    "deep_replace",
    "defined_only",
    "js_number",
    "js_spread",
    "js_str",
    "js_to_fixed",
    "js_truthy",
    "normalize_number",
    "random_slug",
    "replace_variables",
    "sanitize_variables",
    "slate_inject",
    "slate_to_text",
    "to_number_if_numeric",
]


class _Undefined:
    """JavaScript `undefined` (distinct from `null`, which is Python None).

    A variable may hold it during a turn (a Set step whose result is NaN): text shows
    "undefined", and the stored state drops the key, as JSON.stringify does.
    """

    def __repr__(self) -> str:
        return "undefined"

    def __copy__(self) -> _Undefined:
        return self

    def __deepcopy__(self, _memo: dict[int, Any]) -> _Undefined:
        return self


UNDEFINED: Any = _Undefined()


def defined_only(variables: dict[str, Any]) -> dict[str, Any]:
    """`variables` without the names that hold `undefined` (what JSON.stringify keeps)."""
    if not any(value is UNDEFINED for value in variables.values()):
        return variables
    return {key: value for key, value in variables.items() if value is not UNDEFINED}


# @voiceflow/common READABLE_VARIABLE_REGEXP: `{name}` with 1-64 word characters.
VARIABLE_PATTERN = re.compile(r"\{(\w{1,64})\}")
_NUMERIC = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def normalize_number(value: float) -> int | float:
    """Return an int for integral finite floats, so JSON shows `100` like JavaScript does."""
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def js_number(value: Any) -> float:
    """`Number(value)` of JavaScript (NaN when not numeric)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if value is None:
        return 0.0
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return 0.0
        if _NUMERIC.match(stripped):
            return float(stripped)
        if stripped in ("Infinity", "+Infinity"):
            return math.inf
        if stripped == "-Infinity":
            return -math.inf
        return math.nan
    if isinstance(value, list):
        if not value:
            return 0.0
        if len(value) == 1:
            return js_number(js_str(value[0]))
    return math.nan


def _format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"
    return text


def js_str(value: Any) -> str:
    """`String(value)` of JavaScript for JSON-like values (objects become JSON text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, list):
        return ",".join("" if item is None or item is UNDEFINED else js_str(item) for item in value)
    if value is UNDEFINED:
        return "undefined"
    return "[object Object]"


def js_to_fixed(value: float) -> str:
    """`Number.prototype.toFixed(2)`: ties round away from zero on the exact binary value."""
    if not math.isfinite(value) or abs(value) >= 1e21:
        return _format_float(value)
    fixed = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{fixed:f}"


def js_spread(value: Any) -> dict[str, Any]:
    """What JavaScript's `{...value}` copies: keys, string or array indexes, or nothing.

    Numbers, booleans and null spread to nothing.

    The runtime spreads state the caller sends (stateless `state.variables`), so a value of the
    wrong type gives a turn, not a crash, as in the real runtime.
    """
    if isinstance(value, dict):
        return value
    if isinstance(value, (str, list)):
        return {str(index): item for index, item in enumerate(value)}
    return {}


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness (`0`, `""`, `NaN`, `null` are false; `[]` and `{}` are true)."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def sanitize_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """Variables as text-substitution values for messages (@voiceflow/common sanitizeVariables).

    Non-integer numbers show two decimals (`toFixed(2)`); objects and arrays become JSON text.
    """
    sanitized: dict[str, Any] = {}
    for key, value in variables.items():
        if isinstance(value, float) and not value.is_integer():
            sanitized[key] = js_to_fixed(value)
        elif isinstance(value, (dict, list)):
            sanitized[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        else:
            sanitized[key] = value
    return sanitized


def replace_variables(text: Any, variables: Mapping[str, Any], *, trim: bool = True) -> str:
    """Replace `{name}` with the variable's text; unknown names stay as written.

    Like @voiceflow/common: a blank phrase gives "" (when `trim`), a non-string gives "".
    """
    if not isinstance(text, str) or not text or (trim and not text.strip()):
        return ""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            return match.group(0)
        value = variables[name]
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return js_str(value)

    return VARIABLE_PATTERN.sub(substitute, text)


def deep_replace(value: Any, variables: Mapping[str, Any]) -> Any:
    """A copy of `value` with `{var}` replaced in every string (deepVariableSubstitution)."""
    if isinstance(value, str):
        return replace_variables(value, variables, trim=False)
    if isinstance(value, list):
        return [deep_replace(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: deep_replace(item, variables) for key, item in value.items()}
    return value


def slate_inject(content: Any, variables: Mapping[str, Any]) -> Any:
    """A copy of a slate value with `{var}` replaced in every string, whitespace kept."""
    return deep_replace(content, variables)


def _node_text(node: Any) -> str:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            return str(node["text"])
        children = node.get("children")
        if isinstance(children, list):
            return "".join(_node_text(child) for child in children)
    return ""


def slate_to_text(content: Any) -> str:
    """Plain text of a slate value: top-level nodes joined by newlines, then trimmed."""
    if isinstance(content, str):
        return content.strip()
    if not isinstance(content, list):
        return ""
    return "\n".join(_node_text(node) for node in content).strip()


def to_number_if_numeric(value: Any) -> Any:
    """`transformStringVariableToNumber`: "42" -> 42, but "007" and "abc" stay strings."""
    if not isinstance(value, str):
        return value
    if value.startswith("0") and len(value) > 1 and not value.startswith("0."):
        return value
    if value.strip() == "":
        return value
    number = js_number(value)
    if math.isnan(number):
        return value
    return normalize_number(number)


_SLUG_ALPHABET = string.ascii_lowercase + string.digits


def random_slug() -> str:
    """A short random id like cuid.slug() (7 lowercase alphanumerics)."""
    return "".join(random.choice(_SLUG_ALPHABET) for _ in range(7))
