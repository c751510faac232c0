"""Steps that move between places: flows/components, go-to, random, end, custom actions.

Also the state handlers that route a request arriving at a step that cannot take one.
"""

from __future__ import annotations

import json
import random
from typing import Any

from vftest.runtime.engine.handlers.base import Handler, Node, Program, as_dict, next_id
from vftest.runtime.engine.matching import find_event_matcher, handle_command, has_command
from vftest.runtime.engine.state import OUTPUT_MAP, RANDOMS, Action, Frame, Runtime, Variables
from vftest.runtime.engine.values import deep_replace, js_str, replace_variables
from vftest.runtime.errors import syntax_error_message

__all__ = [
    "CUSTOM_ACTION",
    "END",
    "FLOW",
    "GO_TO",
    "GO_TO_NODE",
    "ONE_SHOT",
    "RANDOM",
    "custom_action",
    "is_event_node",
    "preliminary_handler",
]


def _flow_target(node: Node) -> str | None:
    target = node.get("diagram_id")
    if not target and node.get("type") in ("component", "flow"):
        target = node.get("diagramID")
    return target if isinstance(target, str) and target else None


def _flow(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    target = _flow_target(node)
    if target is None:
        return next_id(node)
    frame = Frame(program_id=target)
    variable_map = as_dict(node.get("variable_map"))
    for pair in variable_map.get("inputs") or []:
        if isinstance(pair, list) and len(pair) == 2:
            frame.variables[pair[1]] = variables.get(pair[0])
    outputs = variable_map.get("outputs")
    if isinstance(outputs, list):
        frame.storage[OUTPUT_MAP] = [[pair[1], pair[0]] for pair in outputs if len(pair) == 2]
    top = runtime.stack.top()
    if top is not None:
        top.node_id = next_id(node)
    runtime.stack.push(frame)
    runtime.debug(f"entering flow `{frame.name or frame.program_id}`", "flow")
    if top is not None:
        runtime.logs.step(
            "flow",
            node,
            {
                "before": {"name": top.name, "programID": top.program_id},
                "after": {"name": frame.name, "programID": frame.program_id},
            },
        )
    return None


FLOW = Handler("flow", lambda node, _runtime: _flow_target(node) is not None, _flow)


def _end(node: Node, runtime: Runtime, _variables: Variables, _program: Program) -> str | None:
    top = runtime.stack.top()
    if top is not None:
        top.node_id = None
    # pop all program frames that already finished
    while runtime.stack.top() is not None and not runtime.stack.top().current:  # type: ignore[union-attr]
        runtime.stack.pop()
    runtime.turn["end"] = True
    runtime.add_trace({"type": "end", "payload": None})
    runtime.debug("exiting session - saving location/resolving stack", "exit")
    verbose = runtime.logs.should_log("verbose")
    runtime.logs.step(
        "exit",
        node,
        {"state": runtime.committed_state() if verbose else None},
        "verbose" if verbose else "info",
    )
    runtime.end()
    return None


END = Handler(
    "end", lambda node, _runtime: bool(node.get("end")) or node.get("type") == "exit", _end
)


def _go_to(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if runtime.action is Action.RUNNING:
        # the turn is re-run with this request (auto-delegation in run_turn)
        runtime.add_trace({"type": "goto", "payload": {"request": node.get("request")}})
        return str(node["id"])
    if has_command(runtime):
        return handle_command(runtime, variables)
    no_match = as_dict(node.get("noMatch"))
    target = no_match.get("nodeID")
    return target if isinstance(target, str) and target else None


GO_TO = Handler("goTo", lambda node, _runtime: node.get("type") == "goTo", _go_to)


def _go_to_node(
    node: Node, runtime: Runtime, _variables: Variables, _program: Program
) -> str | None:
    """Go to a step: `nextId` in this diagram, or a jump into another diagram's new frame."""
    target = next_id(node)
    diagram = node.get("diagramID")
    top = runtime.stack.top()
    if not diagram or (top is not None and diagram == top.program_id):
        return target
    runtime.add_trace({"type": "path", "payload": {"path": "jump"}})
    frames = runtime.stack.frames
    index = next((i for i, f in enumerate(frames) if f.program_id == diagram), -1)
    runtime.stack.pop_to(max(index + 1, 1))  # the base frame always stays
    frame = Frame(program_id=str(diagram))
    runtime.stack.push(frame)
    frame.node_id = target
    runtime.debug(f"entering flow `{frame.program_id}`", "goToNode")
    return None


GO_TO_NODE = Handler("goToNode", lambda node, _runtime: node.get("type") == "goToNode", _go_to_node)


def _random(node: Node, runtime: Runtime, _variables: Variables, program: Program) -> str | None:
    choices = [c for c in node.get("nextIds") or [] if c is None or isinstance(c, str)]
    if not choices:
        runtime.debug("no random paths connected - exiting", "random")
        runtime.logs.step("random", node, {"path": None})
        return None
    if len(choices) == 1:
        chosen = choices[0]
    elif node.get("random") == 2:
        # no repeats until every path was taken once
        randoms = dict(runtime.storage.get(RANDOMS) or {})
        used = list(randoms.get(node["id"]) or [])
        unused = [c for c in choices if c not in used] or choices
        if len(unused) == len(choices):
            used = []
        chosen = random.choice(unused)
        randoms[node["id"]] = [*used, chosen]
        runtime.storage[RANDOMS] = randoms
    else:
        chosen = random.choice(choices)
    runtime.debug("going down random path", "random")
    runtime.logs.step("random", node, {"path": _path_reference(program, chosen)})
    return chosen


RANDOM = Handler("random", lambda node, _runtime: bool(node.get("random")), _random)


def _path_reference(program: Program, node_id: str | None) -> dict[str, Any] | None:
    target = (program.get("lines") or {}).get(node_id) if node_id else None
    if not isinstance(target, dict):
        return None
    from vftest.runtime.engine.logs import component_name

    return {"stepID": target.get("id"), "componentName": component_name(target)}


def _is_custom(node: Node) -> bool:
    return node.get("_v") == 1 or (node.get("type") == "trace" and "paths" in node)


def _trace_node_output(
    node: Node, runtime: Runtime, values: dict[str, Any]
) -> tuple[str, Any] | None:
    """A Trace step's (type, payload): the substituted `name` and `body` (JSON when asked)."""
    payload = as_dict(node.get("payload"))
    if node.get("type") != "trace" or not payload.get("name") or not payload.get("body"):
        return None
    trace_type = replace_variables(js_str(payload["name"]), values)
    body: Any = replace_variables(js_str(payload["body"]), values)
    if payload.get("bodyType") == "json":
        try:
            body = json.loads(body, parse_constant=_reject_constant)
        except ValueError as error:
            message = (
                syntax_error_message(body, error)
                if isinstance(error, json.JSONDecodeError)
                else str(error)
            )
            runtime.debug(f"error parsing as JSON: {message}\n```{body}```")
    return trace_type, body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Unexpected token '{name[0]}', \"{name}\" is not valid JSON")


def custom_action(
    node: Node, runtime: Runtime, variables: Variables, _program: Program
) -> str | None:
    """A custom action (`_v: 1`): emit it, then continue or stop until a path's event comes."""
    paths = [p for p in node.get("paths") or [] if isinstance(p, dict)]
    default_index = node.get("defaultPath")
    default = None
    if isinstance(default_index, int) and 0 <= default_index < len(paths):
        default = paths[default_index].get("nextID") or None
    if runtime.action is Action.REQUEST:
        for path in paths:
            matcher = find_event_matcher(path.get("event"), runtime)
            if matcher:
                matcher(variables)
                return path.get("nextID") or None
        if has_command(runtime):
            return handle_command(runtime, variables)
        # a request none of the paths expects resumes the action's default path
        return default
    values = dict(variables)
    found = _trace_node_output(node, runtime, values)
    if found is not None:
        node_type, payload = found
    else:
        node_type = replace_variables(str(node.get("type", "")), values)
        payload = deep_replace(node.get("payload", node.get("data")), values)
    trace: dict[str, Any] = {"type": node_type, "payload": payload}
    if "defaultPath" in node:
        trace["defaultPath"] = node["defaultPath"]
    trace["paths"] = [
        {
            key: value
            for key, value in (("label", p.get("label")), ("event", p.get("event")))
            if value is not None
        }
        for p in paths
    ]
    runtime.add_trace(trace)
    runtime.logs.step("custom_action", node, {"path": None})
    stop = runtime.stop_all or str(node.get("type")) in runtime.stop_types or bool(node.get("stop"))
    # a stopping custom action waits for a request naming one of its paths' event types
    return str(node["id"]) if stop else default


CUSTOM_ACTION = Handler("_v1", lambda node, _runtime: _is_custom(node), custom_action)


def is_event_node(node: Node) -> bool:
    """Steps that know how to take a request themselves."""
    return (
        bool(node.get("interactions"))
        or node.get("type") in ("goTo", "captureV2", "cardV2", "carousel", "ifV2", "function")
        or bool(node.get("variable"))
        or node.get("type") == "capture"
        or _is_custom(node)
    )


def _one_shot_can_handle(node: Node, runtime: Runtime) -> bool:
    request = runtime.request
    return (
        runtime.action is Action.REQUEST
        and isinstance(request, dict)
        and request.get("type") == "intent"
        and len(runtime.stack) <= 2
        and node.get("type") == "start"
    )


def _one_shot(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if has_command(runtime):
        return handle_command(runtime, variables)
    # nothing matches: behave like a launch
    return next_id(node)


ONE_SHOT = Handler("oneShot", _one_shot_can_handle, _one_shot)


def _preliminary(
    node: Node, runtime: Runtime, variables: Variables, _program: Program
) -> str | None:
    if has_command(runtime):
        return handle_command(runtime, variables)
    return str(node["id"])


def preliminary_handler() -> Handler:
    """A request reached a step that cannot take one: try commands, else stay put."""
    return Handler(
        "preliminary",
        lambda node, runtime: (
            runtime.request is not None
            and runtime.action is Action.REQUEST
            and not is_event_node(node)
        ),
        _preliminary,
    )
