"""Matching requests to step events and global commands (push / jump).

An intent event matches an intent request of the same name (and maps its entities into
variables); any other event matches a request whose `type` equals the event's `type`
(button paths `path-xyz`, custom action paths like `success`, `event`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from vftest.runtime.engine.state import CALLED_COMMAND, Frame, Runtime
from vftest.runtime.engine.values import to_number_if_numeric

__all__ = ["find_event_matcher", "handle_command", "has_command", "map_entities"]

SideEffect = Callable[[MutableMapping[str, Any]], None]


def map_entities(
    mappings: list[Any], entities: list[Any], *, overwrite: bool = False
) -> dict[str, Any]:
    """Variables to set from `{slot, variable}` mappings and request entities."""
    entity_map: dict[str, Any] = {}
    for entity in entities or []:
        if isinstance(entity, dict) and entity.get("name") and entity.get("value"):
            entity_map[entity["name"]] = entity["value"]
    result: dict[str, Any] = {}
    for mapping in mappings or []:
        if not isinstance(mapping, dict) or not mapping.get("slot"):
            continue
        variable = mapping.get("variable")
        value = entity_map.get(mapping["slot"]) or None
        if variable and (value or overwrite):
            result[variable] = to_number_if_numeric(value)
    return result


def _is_intent_request(request: Any) -> bool:
    return (
        isinstance(request, dict)
        and request.get("type") == "intent"
        and isinstance(request.get("payload"), dict)
        and isinstance(request["payload"].get("intent"), dict)
    )


def find_event_matcher(event: Any, runtime: Runtime) -> SideEffect | None:
    """The side effect to apply if `event` matches the turn's request, else None."""
    request = runtime.request
    if not isinstance(event, dict) or not isinstance(request, dict):
        return None
    if _is_intent_request(request):
        if event.get("type") != "intent":
            return None
        payload = request["payload"]
        if event.get("intent") != payload["intent"].get("name"):
            return None
        entities = payload.get("entities") or []
        mappings = event.get("mappings")
        if mappings is None:
            mappings = [{"slot": e.get("name"), "variable": e.get("name")} for e in entities]

        def apply(variables: MutableMapping[str, Any]) -> None:
            variables.update(map_entities(mappings, entities))

        return apply
    if event.get("type") and event.get("type") == request.get("type"):
        return lambda _variables: None
    return None


def _find_command(runtime: Runtime) -> tuple[int, dict[str, Any], SideEffect] | None:
    frames = runtime.stack.frames
    for index in range(len(frames) - 1, -1, -1):
        for command in frames[index].commands:
            if not isinstance(command, dict):
                continue
            matcher = find_event_matcher(command.get("event"), runtime)
            if matcher:
                return index, command, matcher
    return None


def has_command(runtime: Runtime) -> bool:
    """True when a global command on the stack matches the request."""
    return _find_command(runtime) is not None


def handle_command(runtime: Runtime, variables: MutableMapping[str, Any]) -> str | None:
    """Apply the matching command: `jump` unwinds to it, `push` runs a flow and returns."""
    found = _find_command(runtime)
    if found is None:
        return None
    index, command, side_effect = found
    side_effect(variables)
    stack = runtime.stack
    if command.get("type") == "jump":
        runtime.add_trace({"type": "path", "payload": {"path": "jump"}})
        stack.pop_to(index + 1)
        diagram_id = command.get("diagramID")
        top = stack.top()
        if diagram_id and top is not None and diagram_id != top.program_id:
            stack.push(Frame(program_id=diagram_id))
        top = stack.top()
        if top is not None:
            top.node_id = command.get("nextID") or None
        runtime.debug(f"matched command **{command.get('type')}** - jumping to node", "command")
    if command.get("type") == "push" and command.get("diagramID"):
        runtime.add_trace({"type": "path", "payload": {"path": "push"}})
        top = stack.top()
        if top is not None:
            top.storage[CALLED_COMMAND] = True
        runtime.debug(f"matched command **{command.get('type')}** - adding command flow", "command")
        stack.push(Frame(program_id=command["diagramID"]))
    return None
