"""One interaction turn, through the same stages as general-runtime's `interact` pipeline.

state (launch reset, fresh-session generation, variable initialisation) -> NLU (local NLC for
text) -> transcript -> dialog management -> runtime (execute the diagram), repeated for the
last `goto` trace's request (auto-delegation, at most 3 rounds). Works on deep copies: the
Project and the caller's state are never mutated.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from vftest.runtime.engine import cycle, dialog, nlc
from vftest.runtime.engine.outputs import record_user_input
from vftest.runtime.engine.state import IS_BASE, Action, Runtime
from vftest.runtime.engine.values import js_spread, normalize_number
from vftest.runtime.project import Project

__all__ = ["TurnConfig", "TurnOutput", "initial_state", "run_turn"]

_MAX_DELEGATIONS = 3  # autoDelegate MAX_DELEGATION_TURNS


@dataclass(frozen=True)
class TurnConfig:
    """How to run a turn (the interact body's `config` plus query options).

    Attributes:
        stop_types: custom action node types to stop on (`config.stopTypes`).
        stop_all: stop on every custom action (`config.stopAll`).
        logs: `?logs=` level (off|error|warn|info|verbose) or None for no log traces.
        user_id: the session's user id (sets `user_id`).
        self_delegate: do not re-run the turn for `goto` traces (`config.selfDelegate`).
    """

    stop_types: tuple[str, ...] = ()
    stop_all: bool = False
    logs: str | None = None
    user_id: str | None = None
    self_delegate: bool = False


@dataclass
class TurnOutput:
    """The result of a turn: the new state, every trace (unfiltered), the handled request."""

    state: dict[str, Any]
    traces: list[dict[str, Any]] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)


def _context(project: Project) -> dict[str, Any]:
    context = project.prototype.get("context")
    return context if isinstance(context, dict) else {}


def _generate(
    project: Project, state: dict[str, Any] | None, user_id: str | None
) -> dict[str, Any]:
    """A new session's state (general-runtime `state.generate`)."""
    context = _context(project)
    stack_source = context.get("stack")
    if isinstance(stack_source, list) and stack_source:
        stack = [
            {
                **frame,
                "storage": frame.get("storage") or {},
                "variables": frame.get("variables") or {},
            }
            for frame in copy.deepcopy(stack_source)
        ]
    else:
        stack = [{"diagramID": project.root_diagram_id, "storage": {}, "variables": {}}]
    previous = state or {}
    variables = {
        **copy.deepcopy(context.get("variables") or {}),
        **js_spread(previous.get("variables")),
    }
    sessions = variables.get("sessions")
    if not isinstance(sessions, (int, float)) or isinstance(sessions, bool):
        sessions = 0
    variables["sessions"] = normalize_number(sessions + 1)
    if user_id:
        variables["user_id"] = user_id
    storage = {**copy.deepcopy(context.get("storage") or {}), **js_spread(previous.get("storage"))}
    return {"stack": stack, "variables": variables, "storage": storage}


def initial_state(project: Project, *, user_id: str | None = None) -> dict[str, Any]:
    """The state of a brand-new session (what `POST /state/user/{id}` resets to)."""
    return _generate(project, None, user_id)


def _initialize_variables(project: Project, state: dict[str, Any]) -> None:
    """Every entity and declared variable exists (0 when unset); `timestamp` is now."""
    defaults: dict[str, Any] = {}
    for slot in project.model.get("slots") or []:
        if isinstance(slot, dict) and isinstance(slot.get("name"), str):
            defaults[slot["name"]] = 0
    for name in project.version.get("variables") or []:
        if isinstance(name, str):
            defaults[name] = 0
    cms = project.prototype.get("surveyorContext")
    cms_variables = cms.get("cmsVariables") if isinstance(cms, dict) else None
    if isinstance(cms_variables, dict):
        for name, declaration in cms_variables.items():
            default = declaration.get("defaultValue") if isinstance(declaration, dict) else None
            defaults[name] = default if default is not None else 0
    state["variables"] = {
        **defaults,
        **js_spread(state.get("variables")),
        "timestamp": int(time.time()),
    }


def _prepare_state(
    project: Project, state: dict[str, Any], request: dict[str, Any] | None, user_id: str | None
) -> dict[str, Any]:
    state.setdefault("stack", [])
    state.setdefault("storage", {})
    state.setdefault("variables", {})
    if request is not None and request.get("type") == "launch":
        state["stack"] = []
        state["storage"] = {}
    stack = state["stack"]
    base = stack[0] if isinstance(stack, list) and stack else None
    if (
        isinstance(base, dict)
        and isinstance(base.get("storage"), dict)
        and base["storage"].get(IS_BASE)
        and base.get("diagramID") != project.version_id
    ):
        # a session saved against another version restarts on this one
        state["stack"] = []
    if not state["stack"]:
        state = _generate(project, state, user_id)
    _initialize_variables(project, state)
    return state


def _normalize_request(request: dict[str, Any] | None) -> dict[str, Any] | None:
    if request is None:
        return None
    request = copy.deepcopy(request)
    if request.get("type") == "launch" and "payload" in request and request["payload"] is None:
        del request["payload"]  # old react-chat clients send `payload: null`
    if request.get("type") == "intent" and isinstance(request.get("payload"), dict):
        request["payload"].setdefault("entities", [])
        if request["payload"]["entities"] is None:
            request["payload"]["entities"] = []
    return request


def _understand(project: Project, request: dict[str, Any] | None) -> dict[str, Any] | None:
    """Text becomes an intent request via the local NLC (like the runtime without NLU)."""
    if request is None or request.get("type") != "text":
        return request
    query = request.get("payload")
    if not isinstance(query, str) or not query:
        return {
            "type": "intent",
            "payload": {"query": "", "intent": {"name": nlc.NONE_INTENT}, "entities": []},
        }
    prediction = nlc.predict(project.model, query)
    return {
        "type": "intent",
        "payload": {
            "query": query,
            "intent": {"name": prediction.intent},
            "entities": prediction.entities,
            "confidence": prediction.confidence,
        },
    }


def _readable_confidence(confidence: Any) -> str:
    value = confidence if isinstance(confidence, (int, float)) else 1
    return f"{value * 100:.2f}"


def _execute(
    project: Project, state: dict[str, Any], request: dict[str, Any] | None, config: TurnConfig
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    state = _prepare_state(project, state, request, config.user_id)
    request = _understand(project, request)
    if project.version.get("projectID"):
        record_user_input(state["variables"], request)
    managed = dialog.manage(project, state, request, config.logs)
    if managed.end:
        return state, managed.traces, request
    request = managed.request

    launch = request is not None and request.get("type") == "launch"
    runtime = Runtime(
        project,
        state,
        None if launch else request,
        log_level=config.logs,
        stop_types=config.stop_types,
        stop_all=config.stop_all,
    )
    if launch:
        runtime.logs.global_log(
            "conversation_start", {"userID": config.user_id, "versionID": project.version_id}
        )
    variables = runtime.variables
    if request is not None and request.get("type") == "intent":
        # An intent request without an object payload (a malformed client) names no intent.
        found = request.get("payload")
        payload: dict[str, Any] = found if isinstance(found, dict) else {}
        confidence = _readable_confidence(payload.get("confidence"))
        intent = payload.get("intent")
        intent_name = intent.get("name") if isinstance(intent, dict) else None
        runtime.debug(
            f"matched intent **{intent_name}** - confidence interval _{confidence}%_", "intent"
        )
        variables["intent_confidence"] = normalize_number(float(confidence))
        if payload.get("query"):
            variables["last_utterance"] = payload["query"]
    request_type = request.get("type") if request is not None else None
    if isinstance(request_type, str) and request_type.startswith("path-"):
        raw = request.get("payload") if request else None
        label = raw.get("label") if isinstance(raw, dict) else None
        if isinstance(label, str):
            variables["last_utterance"] = label
    variables["last_event"] = request
    variables["timestamp"] = int(time.time())
    if config.user_id:
        variables["user_id"] = config.user_id

    if request_type == "action":
        runtime.action = Action.END  # action requests have no effect on the diagram
    else:
        cycle.inject_base_program(runtime)
        runtime.action = Action.REQUEST
        cycle.run(runtime)
        if not runtime.stack.frames and not runtime.turn.get("end"):
            runtime.add_trace({"type": "end"})
    return runtime.final_state(), runtime.traces, request


def _is_goto(trace: dict[str, Any]) -> bool:
    payload = trace.get("payload")
    return (
        trace.get("type") == "goto" and isinstance(payload, dict) and bool(payload.get("request"))
    )


def run_turn(
    project: Project,
    state: dict[str, Any] | None,
    request: dict[str, Any] | None,
    config: TurnConfig = TurnConfig(),
) -> TurnOutput:
    """Run one turn and return the new state and all traces in execution order.

    An empty/None `state` is a fresh session: it starts from the top whatever the request.
    A `launch` request clears the stack and storage but keeps the variables.
    """
    working = copy.deepcopy(state) if state else initial_state(project, user_id=config.user_id)
    current = _normalize_request(request)
    traces: list[dict[str, Any]] = []
    final_request = current
    for _ in range(_MAX_DELEGATIONS):
        working, turn_traces, handled = _execute(project, working, current, config)
        final_request = handled
        if config.self_delegate:
            traces.extend(turn_traces)
            break
        # auto-delegation: the last `goto` request is handled right away as the next turn
        gotos = [t for t in turn_traces if _is_goto(t)]
        traces.extend(t for t in turn_traces if not _is_goto(t))
        if not gotos:
            break
        current = _normalize_request(gotos[-1]["payload"]["request"])
        final_request = current
    return TurnOutput(
        state=copy.deepcopy(working),
        traces=copy.deepcopy(traces),
        request=copy.deepcopy(final_request) if final_request is not None else {},
    )
