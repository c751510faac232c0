"""A yes/no fast path: compiles the JSON Schema subset the contracts use into Python closures.

jsonschema's `is_valid` costs ~30-50 us per trace; these closures cost a few. They answer only
"valid?"; every "no" is re-checked by jsonschema, which builds the messages. Any keyword outside
the subset makes `compile_check` return None and the caller uses jsonschema for everything, so
the fast path can be incomplete but never more lenient (tests/unit/test_contract_fastcheck.py
compares both on mutated traces).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from vftest.contract.openapi import NULLABLE_MARKER

__all__ = ["Check", "Unsupported", "compile_check"]

Check = Callable[[Any], bool]

# Keywords that never affect validity (jsonschema does not assert `format` by default).
_IGNORED: Final = frozenset(
    {
        "format",
        "title",
        "description",
        "default",
        "examples",
        "example",
        "readOnly",
        "writeOnly",
        "deprecated",
        "$comment",
        "$schema",
        NULLABLE_MARKER,
    }
)


class Unsupported(Exception):
    """A keyword or value outside the compiled subset: use jsonschema instead."""


def _always(_: Any) -> bool:
    return True


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_int_draft4(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_int_modern(x: Any) -> bool:
    # Draft 6 and later count 1.0 as an integer.
    return _is_int_draft4(x) or (isinstance(x, float) and x.is_integer())


def compile_check(schema: Any, resolve: Callable[[str], Any], *, draft4: bool) -> Check | None:
    """Compile `schema` to a predicate, or None when it uses anything outside the subset.

    `resolve(ref)` returns the (converted) schema a local `$ref` points to.
    """
    compiler = _Compiler(resolve, draft4)
    try:
        return compiler.compile(schema) or _always
    except Unsupported:
        return None


class _Compiler:
    def __init__(self, resolve: Callable[[str], Any], draft4: bool) -> None:
        self.resolve = resolve
        self.draft4 = draft4
        self.refs: dict[str, Check | None] = {}
        self.pending: set[str] = set()
        self.types: dict[str, Check] = {
            "string": lambda x: isinstance(x, str),
            "object": lambda x: isinstance(x, dict),
            "array": lambda x: isinstance(x, list),
            "boolean": lambda x: isinstance(x, bool),
            "null": lambda x: x is None,
            "number": _is_number,
            "integer": _is_int_draft4 if draft4 else _is_int_modern,
        }

    def compile(self, schema: Any) -> Check | None:
        """Return a predicate, or None for a schema that accepts everything."""
        if schema is True:
            return None
        if schema is False:
            return lambda _: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        if "$ref" in schema:
            ref_check = self._ref(schema["$ref"])
            if self.draft4:  # Draft 4 ignores the siblings of $ref
                return ref_check
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return _all([ref_check, self.compile(rest)])
        checks: list[Check | None] = []
        for key in schema:
            if key not in _HANDLED and key not in _IGNORED:
                raise Unsupported(key)
        type_check = self._type(schema.get("type"))
        checks.append(type_check)
        if "enum" in schema:
            checks.append(self._enum(schema["enum"]))
        if "const" in schema:
            checks.append(self._enum([schema["const"]]))
        checks.append(self._object(schema))
        checks.append(self._array(schema))
        checks.append(self._scalar(schema))
        if "allOf" in schema:
            checks.append(_all([self.compile(s) for s in schema["allOf"]]))
        if "anyOf" in schema:
            checks.append(_any([self.compile(s) for s in schema["anyOf"]]))
        if "oneOf" in schema:
            checks.append(_one([self.compile(s) for s in schema["oneOf"]]))
        if "not" in schema:
            inner = self.compile(schema["not"]) or _always
            checks.append(lambda x: not inner(x))
        return _all(checks)

    def _ref(self, ref: Any) -> Check | None:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise Unsupported(f"$ref {ref!r}")
        if ref in self.refs:
            return self.refs[ref]
        if ref in self.pending:
            # Recursive schema: look the compiled check up when called.
            refs = self.refs
            return lambda x: (refs[ref] or _always)(x)
        self.pending.add(ref)
        check = self.compile(self.resolve(ref))
        self.pending.discard(ref)
        self.refs[ref] = check
        return check

    def _type(self, kind: Any) -> Check | None:
        if kind is None:
            return None
        if isinstance(kind, str):
            if kind not in self.types:
                raise Unsupported(f"type {kind!r}")
            return self.types[kind]
        if isinstance(kind, list):
            alternatives = [self._type(k) for k in kind]
            return _any(alternatives) if alternatives else (lambda _: False)
        raise Unsupported(f"type {kind!r}")

    def _enum(self, values: Any) -> Check:
        # jsonschema compares strings by ==; other values need its bool/int-aware equality.
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise Unsupported("non-string enum")
        allowed = frozenset(values)
        return lambda x: isinstance(x, str) and x in allowed

    def _object(self, schema: dict[str, Any]) -> Check | None:
        required = tuple(schema.get("required", ()))
        props: dict[str, Check] = {}
        for name, sub in (schema.get("properties") or {}).items():
            compiled = self.compile(sub)
            if compiled is not None:
                props[name] = compiled
        extra: Check | None = None
        has_extra = "additionalProperties" in schema
        if has_extra:
            extra_schema = schema["additionalProperties"]
            extra = self.compile(extra_schema)
            if extra is None:
                has_extra = False
        known = frozenset(schema.get("properties") or ())
        min_props = schema.get("minProperties")
        if not required and not props and not has_extra and min_props is None:
            return None

        def check(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for name in required:
                if name not in x:
                    return False
            if min_props is not None and len(x) < min_props:
                return False
            for key, value in x.items():
                sub = props.get(key)
                if sub is not None:
                    if not sub(value):
                        return False
                elif extra is not None and key not in known and not extra(value):
                    return False
            return True

        return check

    def _array(self, schema: dict[str, Any]) -> Check | None:
        items_schema = schema.get("items")
        if isinstance(items_schema, list):
            raise Unsupported("tuple items")
        items = self.compile(items_schema) if "items" in schema else None
        low = schema.get("minItems")
        high = schema.get("maxItems")
        unique = schema.get("uniqueItems") is True
        if items is None and low is None and high is None and not unique:
            return None

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            if low is not None and len(x) < low:
                return False
            if high is not None and len(x) > high:
                return False
            if unique and len({_canonical(item) for item in x}) != len(x):
                return False  # maybe a duplicate: jsonschema decides
            return items is None or all(items(item) for item in x)

        return check

    def _scalar(self, schema: dict[str, Any]) -> Check | None:
        min_len = schema.get("minLength")
        max_len = schema.get("maxLength")
        minimum = schema.get("minimum")
        maximum = schema.get("maximum")
        excl_min = schema.get("exclusiveMinimum")
        excl_max = schema.get("exclusiveMaximum")
        if self.draft4:
            # Draft 4: booleans that make minimum/maximum strict.
            if isinstance(excl_min, bool) and excl_min and minimum is not None:
                minimum, excl_min = None, minimum
            elif isinstance(excl_min, bool):
                excl_min = None
            if isinstance(excl_max, bool) and excl_max and maximum is not None:
                maximum, excl_max = None, maximum
            elif isinstance(excl_max, bool):
                excl_max = None
        bounds = (min_len, max_len, minimum, maximum, excl_min, excl_max)
        if all(b is None for b in bounds):
            return None
        for b in bounds:
            if b is not None and not _is_number(b):
                raise Unsupported("non-numeric bound")

        def check(x: Any) -> bool:
            if isinstance(x, str):
                n = len(x)
                return (min_len is None or n >= min_len) and (max_len is None or n <= max_len)
            if _is_number(x):
                return (
                    (minimum is None or x >= minimum)
                    and (maximum is None or x <= maximum)
                    and (excl_min is None or x > excl_min)
                    and (excl_max is None or x < excl_max)
                )
            return True

        return check


def _canonical(value: Any) -> str:
    """A key equal for values jsonschema calls equal (1 == 1.0), maybe for a few more.

    Coarser is safe: a "duplicate" here only sends the trace to jsonschema for the verdict.
    """
    return json.dumps(_numbers_as_floats(value), sort_keys=True)


def _numbers_as_floats(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_numbers_as_floats(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _numbers_as_floats(v) for k, v in value.items()}
    return repr(value)


_HANDLED: Final = frozenset(
    {
        "uniqueItems",
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)


def _all(checks: list[Check | None]) -> Check | None:
    real = tuple(c for c in checks if c is not None)
    if not real:
        return None
    if len(real) == 1:
        return real[0]
    if len(real) == 2:  # the common "type + properties" pair, without a loop
        first, second = real
        return lambda x: first(x) and second(x)
    return lambda x: all(c(x) for c in real)


def _any(checks: list[Check | None]) -> Check | None:
    if any(c is None for c in checks):
        return None  # one branch accepts everything
    real = tuple(c for c in checks if c is not None)
    if not real:
        return lambda _: False
    return lambda x: any(c(x) for c in real)


def _one(checks: list[Check | None]) -> Check:
    real = tuple(c or _always for c in checks)

    def check(x: Any) -> bool:
        hits = 0
        for c in real:
            if c(x):
                hits += 1
                if hits > 1:
                    return False
        return hits == 1

    return check
