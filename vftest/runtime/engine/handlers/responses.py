"""Handlers for steps that only say or show something: start, text, speak, visual, cards.

Cards and carousels may be "blocking" (wait for a button); then they behave like an
interaction without choices (no-reply, global commands, no-match).
"""

from __future__ import annotations

import copy
import random
from typing import Any

from vftest.runtime.engine.handlers.base import Handler, Node, Program, as_dict, next_id
from vftest.runtime.engine.handlers.listening import (
    no_match,
    no_reply,
    no_reply_delay,
    wants_no_reply,
)
from vftest.runtime.engine.handlers.navigation import custom_action
from vftest.runtime.engine.matching import handle_command, has_command
from vftest.runtime.engine.outputs import add_no_reply_timeout, add_output, output_trace
from vftest.runtime.engine.state import (
    NO_MATCHES_COUNTER,
    NO_REPLIES_COUNTER,
    OUTPUT,
    Action,
    Runtime,
    Variables,
)
from vftest.runtime.engine.values import (
    deep_replace,
    js_str,
    replace_variables,
    sanitize_variables,
    slate_inject,
    slate_to_text,
)

__all__ = [
    "CARD_V2",
    "CAROUSEL",
    "CHANNEL_ACTION",
    "NEXT",
    "SPEAK",
    "START",
    "TEXT",
    "VISUAL",
]


def _start(node: Node, runtime: Runtime, _variables: Variables, _program: Program) -> str | None:
    runtime.debug("beginning flow", "start")
    runtime.logs.step("start", node, {})
    return next_id(node)


START = Handler(
    "start",
    lambda node, _runtime: (
        (node.get("type") == "start" or set(node) == {"id", "nextId"}) and bool(next_id(node))
    ),
    _start,
)


def _text(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    texts = node.get("texts")
    if isinstance(texts, list) and texts:
        slate = random.choice(texts)
        if isinstance(slate, dict):
            delay = slate.get("messageDelayMilliseconds", node.get("delay"))
            trace = output_trace(runtime, slate.get("content") or [], variables, delay)
            add_output(runtime, trace, variables, node)
            top = runtime.stack.top()
            if top is not None and trace["payload"]["slate"]["content"]:
                top.storage[OUTPUT] = trace["payload"]["slate"]["content"]
    return next_id(node)


TEXT = Handler("text", lambda node, _runtime: node.get("type") == "text", _text)


def _speak_can_handle(node: Node, _runtime: Runtime) -> bool:
    if "random_speak" in node:
        return bool(node["random_speak"])
    return bool(node.get("speak"))


def _speak(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    speak: Any = ""
    variants = node.get("random_speak")
    if isinstance(variants, list):
        speak = random.choice(variants) if variants else ""
    elif "speak" in node:
        speak = node["speak"]
    if isinstance(speak, str):
        trace = output_trace(runtime, speak, variables)
        add_output(runtime, trace, variables, node)
        top = runtime.stack.top()
        if top is not None:
            top.storage[OUTPUT] = trace["payload"]["message"]
    return next_id(node)


SPEAK = Handler("speak", _speak_can_handle, _speak)


def _visual(node: Node, runtime: Runtime, _variables: Variables, _program: Program) -> str | None:
    runtime.debug("__visual__ - entered", "visual")
    runtime.add_trace({"type": "visual", "payload": copy.deepcopy(node["data"])})
    runtime.logs.step("visuals", node, {"image": node["data"].get("image")})
    return next_id(node)


VISUAL = Handler(
    "visual",
    lambda node, _runtime: node.get("type") == "visual" and isinstance(node.get("data"), dict),
    _visual,
)


def _description(description: Any, variables: dict[str, Any]) -> dict[str, Any]:
    if isinstance(description, str):
        text = replace_variables(description, variables)
        return {"text": text, "slate": [{"text": text}]}
    slate = slate_inject(description or [], sanitize_variables(variables))
    return {"slate": slate, "text": slate_to_text(slate)}


def _blocking_request(node: Node, runtime: Runtime, variables: Variables) -> str | None:
    """A request arriving at a card or carousel the turn stopped on."""
    if runtime.action is Action.REQUEST and has_command(runtime):
        return handle_command(runtime, variables)
    if not node.get("isBlocking"):
        return None
    if wants_no_reply(runtime):
        return no_reply(node, runtime, variables)
    return no_match(node, runtime, variables)


def _stop_if_blocking(node: Node, runtime: Runtime) -> str | None:
    if node.get("isBlocking"):
        add_no_reply_timeout(runtime, no_reply_delay(runtime, node))
        runtime.storage.pop(NO_REPLIES_COUNTER, None)
        runtime.storage.pop(NO_MATCHES_COUNTER, None)
        return str(node["id"])
    return next_id(node)


def _card(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if runtime.action is not Action.RUNNING:
        return _blocking_request(node, runtime, variables)
    values = dict(variables)
    description = _description(node.get("description"), values)
    title = replace_variables(node.get("title"), values)
    image_url = replace_variables(node.get("imageUrl"), values)
    buttons = [deep_replace(b, values) for b in node.get("buttons") or []]
    if title or buttons or description["text"] or image_url:
        payload = {
            "imageUrl": image_url,
            "description": description,
            "buttons": buttons,
            "title": title,
        }
        runtime.add_trace({"type": "cardV2", "payload": payload})
    return _stop_if_blocking(node, runtime)


CARD_V2 = Handler("cardV2", lambda node, _runtime: node.get("type") == "cardV2", _card)


def _carousel(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if runtime.action is not Action.RUNNING:
        return _blocking_request(node, runtime, variables)
    values = dict(variables)
    cards = []
    for card in node.get("cards") or []:
        if not isinstance(card, dict):
            continue
        # the card keeps every field it has; these four are substituted
        item = {
            **card,
            "title": replace_variables(card.get("title"), values),
            "imageUrl": replace_variables(card.get("imageUrl"), values),
            "description": _description(card.get("description"), values),
            "buttons": [deep_replace(b, values) for b in card.get("buttons") or []],
        }
        if item["title"] or item["imageUrl"] or item["description"]["text"] or item["buttons"]:
            cards.append(item)
    if cards:
        payload: dict[str, Any] = {"cards": cards}
        if "layout" in node:
            payload = {"layout": node["layout"], **payload}
        runtime.add_trace({"type": "carousel", "payload": payload})
    return _stop_if_blocking(node, runtime)


CAROUSEL = Handler("carousel", lambda node, _runtime: node.get("type") == "carousel", _carousel)


def _channel_action(
    node: Node, runtime: Runtime, variables: Variables, program: Program
) -> str | None:
    """A channel action runs as a legacy custom action of type `channel-action`."""
    data = as_dict(node.get("data"))
    runtime.debug(f"__{js_str(data.get('name'))}__ - entered")
    legacy = {**node, "_v": 1, "type": "channel-action", "payload": data}
    return custom_action(legacy, runtime, variables, program)


CHANNEL_ACTION = Handler(
    "channel_action", lambda node, _runtime: node.get("type") == "channel_action", _channel_action
)

NEXT = Handler(
    "next",
    lambda node, _runtime: bool(next_id(node)),
    lambda node, _runtime, _variables, _program: next_id(node),
)
