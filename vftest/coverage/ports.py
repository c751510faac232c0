"""The paths, intents and buttons of each step type: what coverage counts besides steps.

A *path* is a line a designer draws out of a step that decides something: a choice's options,
its no-match and no-reply lines, a condition's branches and else, a custom action's paths, a
random step's outputs, a capture's "captured" line. Steps with only one way out (text, set,
card...) have no paths worth counting: reaching the next step says it all.

Each step type that decides has one function here, registered in `PATHS_BY_TYPE` (the runtime's
node handlers are the model): adding a type touches this table. A path carries the label of the
`path` trace the runtime emits when it takes it (`choice:2`, `choice:else`, `capture`...) when
there is one, so two lines to the same step stay apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Button", "Path", "buttons_of_node", "intent_of_event", "paths_of_node"]

Node = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Path:
    """One line out of a deciding step."""

    node_id: str
    diagram: str
    name: str  # how a designer knows it: "intent order_status", "no match", "else"...
    target: str  # the step it leads to
    trace: str | None = None  # the `path` trace the runtime emits when it takes it, if any
    intent: str | None = None  # the intent that takes it, if any

    @property
    def key(self) -> str:
        """A stable id for JSON and merging: `node#name`."""
        return f"{self.node_id}#{self.name}"


@dataclass(frozen=True, slots=True)
class Button:
    """One button a step shows (a choice's, a card's, a carousel card's)."""

    node_id: str
    diagram: str
    label: str
    request_type: str
    intent: str | None  # for a button that sends an intent request

    @property
    def key(self) -> str:
        """A stable id for JSON and merging: `node#label`."""
        return f"{self.node_id}#{self.label}"


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def intent_of_event(event: Any) -> str | None:
    """The intent an interaction's or command's event waits for, if it is an intent event."""
    event = _dict(event)
    if event.get("type") != "intent":
        return None
    return _id(event.get("intent")) or _id(_dict(event.get("intent")).get("name"))


def _event_name(event: Any) -> str:
    event = _dict(event)
    intent = intent_of_event(event)
    if intent:
        return f"intent {intent}"
    if event.get("type") == "event":
        return f"event {event.get('name', '?')}"
    return f"{event.get('type', '?')}"


def _listening_fallbacks(node: Node) -> Iterator[tuple[str, str | None, str]]:
    # (name, trace label, target) of the no-match and no-reply lines, when drawn
    no_match = _dict(node.get("noMatch"))
    else_id = _id(no_match.get("nodeID")) or _id(node.get("elseId"))
    if else_id:
        yield "no match", "choice:else", else_id
    no_reply = _id(_dict(node.get("noReply")).get("nodeID"))
    if no_reply:
        yield "no reply", "choice:noReply", no_reply


def _interaction(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    for index, interaction in enumerate(_list(node.get("interactions"))):
        target = _id(_dict(interaction).get("nextId"))
        event = _dict(interaction).get("event")
        if target:
            name = f"{index + 1}: {_event_name(event)}"
            yield name, f"choice:{index + 1}", target, intent_of_event(event)
    for name, label, target in _listening_fallbacks(node):
        yield name, label, target, None


def _capture(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    target = _id(node.get("nextId"))
    if target:
        yield "captured", "capture", target, _id(_dict(node.get("intent")).get("name"))
    for name, label, target in _listening_fallbacks(node):
        yield name, label, target, None


def _if(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    expressions = _list(node.get("expressions"))
    for index, target in enumerate(_list(node.get("nextIds"))):
        if _id(target):
            shown = expressions[index] if index < len(expressions) else ""
            yield _branch(index, shown), None, target, None
    if _id(node.get("elseId")):
        yield "else", None, node["elseId"], None


def _if_v2(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    payload = _dict(node.get("payload"))
    expressions = _list(payload.get("expressions"))
    for index, path in enumerate(_list(node.get("paths"))):
        target = _id(_dict(path).get("nextID"))
        if target:
            shown = expressions[index] if index < len(expressions) else ""
            yield _branch(index, shown), None, target, None
    if _id(payload.get("elseId")):
        yield "else", None, payload["elseId"], None


def _branch(index: int, expression: Any) -> str:
    text = " ".join(str(expression).split()) if isinstance(expression, str) else ""
    return f"if {index + 1}" + (f": {text}" if text else "")


def _random(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    for index, target in enumerate(_list(node.get("nextIds"))):
        if _id(target):
            yield f"option {index + 1}", None, target, None


def _labelled_paths(node: Node) -> Iterator[tuple[str, str | None, str, str | None]]:
    # custom actions (`_v: 1`), API/function steps: `paths: [{label?, event?, nextID}]`
    for index, path in enumerate(_list(node.get("paths"))):
        target = _id(_dict(path).get("nextID"))
        if target:
            label = _dict(path).get("label") or _dict(_dict(path).get("event")).get("type")
            yield str(label or f"path {index + 1}"), None, target, None
    for key, name in (("success_id", "success"), ("fail_id", "failure"), ("failId", "failure")):
        if _id(node.get(key)):
            yield name, None, node[key], None


PathSource = Callable[[Node], Iterator[tuple[str, str | None, str, str | None]]]

PATHS_BY_TYPE: dict[str, PathSource] = {
    "interaction": _interaction,
    "choice": _interaction,
    "captureV2": _capture,
    "capture": _capture,
    "if": _if,
    "ifV2": _if_v2,
    "random": _random,
    "randomV2": _random,
}


def paths_of_node(node: Node, diagram: str) -> list[Path]:
    """Every line out of the node that a path source knows (the caller counts decisions)."""
    source = PATHS_BY_TYPE.get(str(node.get("type")))
    if source is None and (node.get("_v") == 1 or isinstance(node.get("paths"), list)):
        source = _labelled_paths
    if source is None:
        return []
    node_id = str(node.get("id"))
    return [Path(node_id, diagram, name, target, trace, intent)
            for name, trace, target, intent in source(node)]  # fmt: skip


def buttons_of_node(node: Node, diagram: str) -> list[Button]:
    """Every button the step shows: its own, a card's, each carousel card's."""
    node_id = str(node.get("id"))
    sources = [node, *(_dict(card) for card in _list(node.get("cards")))]
    found: list[Button] = []
    for source in sources:
        for button in _list(source.get("buttons")):
            request = _dict(_dict(button).get("request"))
            label = _dict(button).get("name") or _dict(request.get("payload")).get("label")
            kind = request.get("type")
            if not isinstance(label, str) or not isinstance(kind, str):
                continue
            intent = _id(_dict(_dict(request.get("payload")).get("intent")).get("name"))
            found.append(
                Button(node_id, diagram, label, kind, intent if kind == "intent" else None)
            )
    return found
