"""Set and Condition steps (legacy `set`/`if` and `setV2`/`ifV2`) on the safe evaluator.

The real runtime evaluates these as JavaScript in a sandbox; here only the expression subset
of `expressions.py` is understood, and anything else is reported like a JS error would be.
"""

from __future__ import annotations

import json
import math
from collections.abc import MutableMapping
from typing import Any

from vftest.runtime.engine.expressions import ExpressionError, evaluate
from vftest.runtime.engine.handlers.base import Handler, Node, Program, as_dict, next_id
from vftest.runtime.engine.handlers.navigation import _path_reference, custom_action
from vftest.runtime.engine.state import Runtime, Variables
from vftest.runtime.engine.values import UNDEFINED, js_str, js_truthy

__all__ = ["IF", "IF_V2", "SET", "SET_V2"]


def _assign(variables: MutableMapping[str, Any], name: str, value: Any) -> None:
    # `!!v || !Number.isNaN(v) ? v : undefined`: the name holds undefined for the rest of the
    # turn (text shows "undefined") and disappears from the JSON state
    if isinstance(value, float) and math.isnan(value):
        value = UNDEFINED
    variables[name] = value


def _json_text(value: Any) -> str:
    """`String(JSON.stringify(value))` truncated like lodash's `_.truncate(.., {length: 100})`."""
    if value is UNDEFINED:
        text = "undefined"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "null"
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= 100 else text[:97] + "..."


def code_debug(runtime: Runtime, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The `code` debug trace the runtime's code step emits for generated Set/Condition code."""
    changes = [
        f"`{{{name}}}`: `{_json_text(before.get(name, UNDEFINED))}` => "
        f"`{_json_text(after.get(name, UNDEFINED))}`"
        for name in {**before, **after}
        if before.get(name, UNDEFINED) != after.get(name, UNDEFINED)
    ]
    summary = "changes:\n" + "\n".join(changes) if changes else "no variable changes"
    runtime.debug(f"evaluating code - {summary}", "code")


def _show(value: Any) -> str:
    return "undefined" if value is UNDEFINED else js_str(value)


def _set(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    changed: dict[str, Any] = {}
    for item in node.get("sets") or []:
        if not isinstance(item, dict):
            continue
        expression = item.get("expression")
        name = item.get("variable")
        try:
            if not name:
                raise ExpressionError("No Variable Defined")
            value = evaluate(js_str(expression) if expression is not None else "", variables)
            before = variables.get(name)
            _assign(variables, name, value)
            runtime.debug(
                f"setting `{{{name}}}`  \nevaluating `{expression}` to `{_show(value)}`", "set"
            )
            changed[name] = {"before": before, "after": variables.get(name)}
        except ExpressionError as error:
            runtime.debug(
                f"unable to resolve expression `{expression}` for `{{{name}}}`  \n`{error}`", "set"
            )
    runtime.logs.step("set", node, {"changedVariables": changed})
    return next_id(node)


SET = Handler(
    "set",
    lambda node, _runtime: node.get("type") != "setV2" and isinstance(node.get("sets"), list),
    _set,
)


def _set_v2(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    # Voiceflow compiles the step to one code block run in a sandbox: expressions see the
    # results of earlier ones, and one failing expression discards every assignment.
    before: dict[str, Any] = {}
    for item in node.get("sets") or []:
        if not isinstance(item, dict) or not item.get("variable"):
            continue
        name = str(item["variable"])
        if name not in variables:
            # declared on the fly so the result survives (the runtime does the same)
            variables.global_vars[name] = 0
            if runtime.committed is not None:  # written straight to the runtime's store
                runtime.committed[0][name] = 0
        before[name] = variables.get(name)
    state = variables.snapshot()
    working = dict(state)
    try:
        for item in node.get("sets") or []:
            if not isinstance(item, dict) or not item.get("variable"):
                continue
            expression = item.get("expression")
            value = evaluate(js_str(expression) if expression is not None else "", working)
            _assign(working, str(item["variable"]), value)
    except ExpressionError as error:
        runtime.debug(f"unable to resolve code  \n`{json.dumps(str(error))}`", "code")
    else:
        code_debug(runtime, state, working)
        for name, value in working.items():
            if state.get(name, UNDEFINED) is not value:
                variables[name] = value
    runtime.logs.step(
        "set",
        node,
        {
            "changedVariables": {
                name: {"before": _json_value(value), "after": _json_value(variables.get(name))}
                for name, value in before.items()
            }
        },
    )
    return next_id(node)


def _json_value(value: Any) -> Any:
    return None if value is UNDEFINED else value


SET_V2 = Handler("setV2", lambda node, _runtime: node.get("type") == "setV2", _set_v2)


def _if(node: Node, runtime: Runtime, variables: Variables, program: Program) -> str | None:
    expressions = node.get("expressions") or []
    next_ids = node.get("nextIds") or []
    for index, expression in enumerate(expressions):
        try:
            value = evaluate(js_str(expression), variables)
        except ExpressionError as error:
            runtime.debug(f"unable to resolve expression `{expression}`  \n`{error}`", "if")
            continue
        runtime.debug(f"evaluating path {index + 1}: `{expression}` to `{_show(value)}`", "if")
        is_zero = isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0
        if js_truthy(None if value is UNDEFINED else value) or is_zero:
            runtime.debug(f"condition true - taking path {index + 1}", "if")
            target = next_ids[index] if index < len(next_ids) else None
            runtime.logs.step("condition", node, {"path": _path_reference(program, target)})
            return target if isinstance(target, str) else None
    runtime.debug("no conditions matched - taking else path", "if")
    target = node.get("elseId") or None
    runtime.logs.step("condition", node, {"path": _path_reference(program, target)})
    return target if isinstance(target, str) else None


IF = Handler(
    "if",
    lambda node, _runtime: (
        node.get("type") != "ifV2"
        and isinstance(node.get("expressions"), list)
        and len(node["expressions"]) < 101
    ),
    _if,
)


def _if_v2(node: Node, runtime: Runtime, variables: Variables, program: Program) -> str | None:
    if "ifV2" in runtime.stop_types:
        # a client that stops on condition steps gets them as custom actions
        return custom_action(node, runtime, variables, program)
    payload = as_dict(node.get("payload"))
    paths = node.get("paths") or []
    errors: list[str] = []
    matched = -1
    # the conditions run as generated code, which reports the (absent) variable changes
    runtime.debug("evaluating code - no variable changes", "code")
    for index, expression in enumerate(payload.get("expressions") or []):
        try:
            value = evaluate(js_str(expression), variables)
        except ExpressionError as error:
            errors.append(f'Error condition {index + 1} - "{expression}": {error}')
            continue
        if js_truthy(None if value is UNDEFINED else value):
            matched = index
            break
    for message in errors:
        runtime.debug(message, "ifV2")
    if matched != -1:
        runtime.debug(f"condition matched - taking path {matched + 1}", "ifV2")
        path = paths[matched] if matched < len(paths) and isinstance(paths[matched], dict) else {}
        target = path.get("nextID") or None
    else:
        runtime.debug("no conditions matched - taking else path", "ifV2")
        target = payload.get("elseId") or None
    runtime.logs.step("condition", node, {"path": _path_reference(program, target)})
    return target if isinstance(target, str) else None


IF_V2 = Handler("ifV2", lambda node, _runtime: node.get("type") == "ifV2", _if_v2)
