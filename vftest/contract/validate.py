"""From jsonschema errors to `Violation`s: branch picking, messages, grouping, policy, rendering.

A failed `anyOf`/`oneOf` is replaced by the errors of the branch the value was most likely
meant for (its `type`/`state` discriminator matches, most of its properties are present), so a
message names the missing field rather than "is not valid under any of the given schemas".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from vftest.contract.openapi import NULLABLE_MARKER
from vftest.models import ContractSettings, Trace, Violation

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from vftest.contract.registry import Contract

__all__ = [
    "UNKNOWN_TYPE",
    "V4_ONLY_FIELDS",
    "check_traces",
    "render_violation",
    "unknown_action_violation",
    "unknown_type_violation",
    "violations_from_errors",
]

UNKNOWN_TYPE: Final = "unknown-type"
"""Pseudo keyword of the violation for a trace type the contract has no schema for."""

V4_ONLY_FIELDS: Final = frozenset({"messageID", "turnID", "handleID"})
"""Fields the v4 API added; the v1/v2 runtimes never send them (API.md 1.5, captures)."""

VALUE_LIMIT: Final = 200
SCHEMA_LIMIT: Final = 300


@dataclass(frozen=True, slots=True)
class _Leaf:
    error: ValidationError
    note: str = ""  # appended to the message (e.g. "null is also allowed")
    message: str = ""  # replaces the message
    schema: Any = None  # replaces the excerpted schema (the spec's view of a nullable field)


def violations_from_errors(
    contract: Contract, errors: Iterable[ValidationError], subject: str, root: Any
) -> list[Violation]:
    """Turn a validator's errors (for the root schema `root`) into grouped violations."""
    found: list[Violation] = []
    for error in errors:
        for leaf in _leaves(contract, error):
            found.append(_violation(contract, leaf, subject, root))
    return _group(found)


def unknown_type_violation(contract: Contract, trace_type: str, subject: str) -> Violation:
    """The `unknown-type` violation that `check_traces` routes by the unknown_traces policy."""
    return Violation(
        message=(
            f"unknown trace type {trace_type!r}: not in the {contract.name} contract and not a "
            "Voiceflow built-in; if it is a custom action, declare it under "
            "contract.custom_traces (CLI: --custom NAME)"
        ),
        subject=subject,
        json_path="$.type",
        keyword=UNKNOWN_TYPE,
        schema_path=contract.trace_union,
        value=_short(trace_type, VALUE_LIMIT),
    )


def unknown_action_violation(contract: Contract, action_type: str) -> Violation:
    """An action whose type no request schema of the contract accepts."""
    known = ", ".join(sorted(contract.action_types))
    return Violation(
        message=f"action type {action_type!r} is not in the {contract.name} contract ({known})",
        subject="action",
        json_path="$.type",
        keyword="enum",
        schema_path=contract.action_union,
        value=_short(action_type, VALUE_LIMIT),
    )


def check_traces(
    contract: Contract,
    traces: Iterable[Trace],
    settings: ContractSettings,
    *,
    start: int = 1,
) -> tuple[list[Violation], list[Violation]]:
    """Check every trace; returns (violations, warnings) after the custom/unknown policies.

    Traces are numbered from `start` in subjects ("trace #1 (text)"). `on_violation: off`
    checks nothing; "fail" vs "warn" is the caller's business (a case fails or not).
    """
    if settings.on_violation == "off":
        return [], []
    custom = frozenset(settings.custom_traces)
    policy = settings.unknown_traces
    violations: list[Violation] = []
    warnings: list[Violation] = []
    for index, trace in enumerate(traces, start):
        declared = isinstance(trace, dict) and trace.get("type") in custom
        for violation in contract.validate_trace(trace, index, custom=declared):
            if violation.keyword != UNKNOWN_TYPE or policy == "fail":
                violations.append(violation)
            elif policy == "warn":
                warnings.append(violation)
    return violations, warnings


def render_violation(violation: Violation) -> str:
    """A violation as indented lines for a terminal (no trailing newline)."""
    count = f" (x{violation.count})" if violation.count > 1 else ""
    lines = [
        f"{violation.subject} at {violation.json_path}: {violation.message} "
        f"[{violation.keyword}]{count}"
    ]
    if violation.schema_path or violation.schema:
        lines.append(f"  schema: {violation.schema_path} {violation.schema}".rstrip())
    lines.append(f"  value:  {violation.value}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- branch picking


def _leaves(contract: Contract, error: ValidationError) -> list[_Leaf]:
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [_Leaf(error)]
    schema = error.schema if isinstance(error.schema, dict) else {}
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    if schema.get(NULLABLE_MARKER):
        # nullable wrapper: the value is not null, so branch 0 says what is wrong.
        wrapped: list[_Leaf] = []
        for sub in branches.get(0, []):
            for leaf in _leaves(contract, sub):
                if leaf.error.absolute_path == error.absolute_path and not leaf.note:
                    leaf = replace(leaf, note="null is also allowed", schema=schema)
                wrapped.append(leaf)
        return wrapped
    options = schema.get(str(error.validator), [])
    scored = sorted(
        branches.items(),
        key=lambda kv: _branch_score(contract, error, options, kv[0], kv[1]),
    )
    errors = scored[0][1]
    if _mismatch(errors) and all(_mismatch(e) for _, e in scored):
        combined = _discriminator_union(sorted(scored, key=lambda kv: kv[0]))
        if combined is not None:
            return [combined]
    leaves: list[_Leaf] = []
    for sub in errors:
        leaves.extend(_leaves(contract, sub))
    return leaves


def _mismatch(errors: list[ValidationError]) -> bool:
    """The branch is for another kind of value: its discriminator or root type differs."""
    for e in errors:
        depth = len(e.relative_path)
        if e.validator == "const" and depth == 1:
            return True
        # a one-value enum on a direct property is a discriminator (`state: [start]`)
        if e.validator == "enum" and depth == 1 and len(e.validator_value) == 1:  # type: ignore[arg-type]
            return True
        if e.validator == "type" and depth == 0:
            return True
    return False


def _branch_score(
    contract: Contract,
    parent: ValidationError,
    options: list[Any],
    index: int,
    errors: list[ValidationError],
) -> tuple[int, int, int]:
    overlap = 0
    if isinstance(parent.instance, dict) and index < len(options):
        _, branch = contract._deref("", options[index])
        props = branch.get("properties") if isinstance(branch, dict) else None
        if isinstance(props, dict):
            overlap = sum(1 for key in parent.instance if key in props)
    return (int(_mismatch(errors)), -overlap, len(errors))


def _discriminator_union(scored: list[tuple[int, list[ValidationError]]]) -> _Leaf | None:
    """Every branch wants another value of the same field: say which values are allowed."""
    firsts = [
        next((e for e in errs if e.validator in ("enum", "const")), None) for _, errs in scored
    ]
    if any(e is None for e in firsts):
        return None
    fields = {tuple(e.relative_path) for e in firsts if e is not None}
    if len(fields) != 1:
        return None
    allowed: list[Any] = []
    for e in firsts:
        assert e is not None
        values: list[Any] = (
            list(e.validator_value) if e.validator == "enum" else [e.validator_value]  # type: ignore[arg-type]
        )
        allowed.extend(v for v in values if v not in allowed)
    first = firsts[0]
    assert first is not None
    message = f"{_short(first.instance, 80)} is not one of {json.dumps(allowed)}"
    return _Leaf(first, message=message, schema={"enum": allowed})


# --------------------------------------------------------------------------- one violation


def _violation(contract: Contract, leaf: _Leaf, subject: str, root: Any) -> Violation:
    error = leaf.error
    keyword = str(error.validator)
    message = leaf.message or _message(error)
    if leaf.note:
        message = f"{message} ({leaf.note})"
    if keyword == "required" and contract.name == "v4":
        missing = _missing_property(error)
        if missing in V4_ONLY_FIELDS:
            message += (
                f" ({missing!r} is required by the v4 contract only: v1/v2 runtimes do not "
                "send it; `contract: auto` checks v1/v2 traces against dm-1.1)"
            )
    raw = leaf.schema if leaf.schema is not None else error.schema
    schema = raw if isinstance(raw, dict) else {"": raw}
    return Violation(
        message=message,
        subject=subject,
        json_path=error.json_path,
        keyword=keyword,
        schema_path=_schema_pointer(contract, error, root),
        value=_short(error.instance, VALUE_LIMIT),
        schema=_schema_excerpt(schema, keyword),
    )


def _message(error: ValidationError) -> str:
    # jsonschema starts most messages with repr(instance): show compact JSON instead.
    text = error.message
    prefix = repr(error.instance)
    if text.startswith(prefix) and error.validator != "required":
        text = _short(error.instance, 80) + text[len(prefix) :]
    return text if len(text) <= 300 else text[:297] + "..."


def _missing_property(error: ValidationError) -> str | None:
    names = error.validator_value if isinstance(error.validator_value, list) else []
    for name in names:
        if (
            isinstance(error.instance, dict)
            and name not in error.instance
            and (error.message.startswith(repr(name)))
        ):
            return str(name)
    return None


def _schema_pointer(contract: Contract, error: ValidationError, root: Any) -> str:
    """The JSON pointer (in the spec) of the sub-schema whose keyword failed.

    jsonschema's `schema_path` does not record `$ref` hops, so the sub-schema is found by
    identity in the contract's document instead.
    """
    pointer = contract.pointer_of(error.schema)
    if pointer is None:
        refs = (
            [r.get("$ref", "") for r in root.get("anyOf", [root])] if isinstance(root, dict) else []
        )
        return " | ".join("#" + _split_ref(r) for r in refs if r)
    return "#" + pointer


def _split_ref(ref: str) -> str:
    return ref.split("#", 1)[1] if "#" in ref else ref


def _schema_excerpt(schema: dict[str, Any], keyword: str) -> str:
    # The failing keyword first, as schemathesis does: it is what the reader looks for.
    schema = _as_written(schema)
    ordered = {keyword: schema[keyword]} if keyword in schema else {}
    ordered.update((k, v) for k, v in schema.items() if k != keyword)
    return _short(ordered, SCHEMA_LIMIT)


def _as_written(node: Any) -> Any:
    """Undo the nullable wrappers, so excerpts read like the spec the user knows."""
    if isinstance(node, list):
        return [_as_written(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get(NULLABLE_MARKER):
        inner = _as_written(node["anyOf"][0])
        return {**inner, "nullable": True} if isinstance(inner, dict) else inner
    return {k: _as_written(v) for k, v in node.items()}


def _short(value: Any, limit: int) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- grouping

_INDEX = re.compile(r"\[\d+\]")


def _group(violations: list[Violation]) -> list[Violation]:
    """Merge violations that differ only by array indices ("x3", path with [*])."""
    groups: dict[tuple[str, ...], list[Violation]] = {}
    for v in violations:
        # The value is left out: repeats at different indices hold different objects.
        key = (
            v.subject,
            v.keyword,
            _INDEX.sub("[*]", v.schema_path),
            v.message,
            _INDEX.sub("[*]", v.json_path),
        )
        groups.setdefault(key, []).append(v)
    merged: list[Violation] = []
    for items in groups.values():
        first = items[0]
        if len(items) == 1:
            merged.append(first)
            continue
        paths = {v.json_path for v in items}
        json_path = first.json_path if len(paths) == 1 else _wildcard(sorted(paths))
        merged.append(replace(first, json_path=json_path, count=len(items)))
    return merged


def _wildcard(paths: list[str]) -> str:
    # Indices that differ between the grouped paths become [*]; equal ones stay.
    split = [_INDEX.split(p) for p in paths]
    indices = [_INDEX.findall(p) for p in paths]
    out = split[0][0]
    for i, chunk in enumerate(split[0][1:]):
        values = {idx[i] for idx in indices if i < len(idx)}
        out += (values.pop() if len(values) == 1 else "[*]") + chunk
    return out
