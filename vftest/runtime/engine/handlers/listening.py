"""Steps that wait for the user: interaction (buttons/choices), capture, captureV2.

On the first visit (RUNNING) they show their prompt/buttons and stop the turn on themselves;
when the next request arrives (REQUEST) they route it: a matching choice, a global command,
no-reply handling, or no-match reprompts and finally the else path.
"""

from __future__ import annotations

import random
import re
from typing import Any

from vftest.runtime.engine.handlers.base import Handler, Node, Program, as_dict, next_id
from vftest.runtime.engine.matching import (
    find_event_matcher,
    handle_command,
    has_command,
    map_entities,
)
from vftest.runtime.engine.outputs import (
    add_buttons,
    add_no_reply_timeout,
    add_output,
    output_trace,
)
from vftest.runtime.engine.state import (
    NO_MATCHES_COUNTER,
    NO_REPLIES_COUNTER,
    Action,
    Runtime,
    Variables,
)
from vftest.runtime.engine.values import normalize_number, slate_to_text

__all__ = [
    "CAPTURE",
    "CAPTURE_V2",
    "INTERACTION",
    "no_match",
    "no_reply",
    "wants_no_reply",
]

_EMPTY_AUDIO = '<audio src=""/>'


def _non_empty(prompts: Any) -> list[Any]:
    if not isinstance(prompts, list):
        return []
    kept = []
    for prompt in prompts:
        if prompt is None:
            continue
        if isinstance(prompt, str):
            if prompt != _EMPTY_AUDIO:
                kept.append(prompt)
        elif slate_to_text(prompt):
            kept.append(prompt)
    return kept


def _global_prompt(runtime: Runtime, key: str) -> Any:
    setting = runtime.project.settings.get(key)
    prompt = setting.get("prompt") if isinstance(setting, dict) else None
    if not isinstance(prompt, dict):
        return None
    content = prompt.get("content")
    if isinstance(content, str):
        return content if content.strip() else None
    return content if slate_to_text(content) else None


def wants_no_reply(runtime: Runtime) -> bool:
    """A `no-reply` request (or no request at all) reached a waiting step."""
    request = runtime.request
    return request is None or (isinstance(request, dict) and request.get("type") == "no-reply")


def no_match(node: Node, runtime: Runtime, variables: Variables) -> str | None:
    """Reprompt with the next no-match prompt, or take the else path once exhausted."""
    settings = as_dict(node.get("noMatch"))
    prompts = _non_empty(settings.get("prompts", node.get("noMatches")))
    randomize = settings.get("randomize", node.get("randomize"))
    else_id = settings.get("nodeID", node.get("elseId"))
    counter = runtime.storage.get(NO_MATCHES_COUNTER)
    counter = counter if isinstance(counter, int) else 0

    output: Any = None
    if counter < len(prompts):
        output = random.choice(prompts) if randomize else prompts[counter]
    elif not else_id:
        output = _global_prompt(runtime, "globalNoMatch")

    if not output:
        runtime.storage.pop(NO_MATCHES_COUNTER, None)
        runtime.add_trace({"type": "path", "payload": {"path": "choice:else"}})
        return else_id if isinstance(else_id, str) and else_id else None

    runtime.add_trace({"type": "path", "payload": {"path": "reprompt"}})
    add_output(runtime, output_trace(runtime, output, variables), variables, node)
    runtime.storage[NO_MATCHES_COUNTER] = counter + 1
    add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, node)
    return str(node["id"])


def no_reply(node: Node, runtime: Runtime, variables: Variables) -> str | None:
    """Reprompt with the next no-reply prompt, or take the no-reply path once exhausted."""
    settings = as_dict(node.get("noReply"))
    reprompt = node.get("reprompt")
    prompts = _non_empty(settings.get("prompts", [reprompt] if reprompt else []))
    counter = runtime.storage.get(NO_REPLIES_COUNTER)
    counter = counter if isinstance(counter, int) else 0
    if counter >= len(prompts):
        runtime.storage.pop(NO_REPLIES_COUNTER, None)
        runtime.add_trace({"type": "path", "payload": {"path": "choice:noReply"}})
        path = settings.get("nodeID")
        return path if isinstance(path, str) and path else None
    runtime.add_trace({"type": "path", "payload": {"path": "reprompt"}})
    output = random.choice(prompts) if settings.get("randomize") else prompts[counter]
    runtime.storage[NO_REPLIES_COUNTER] = counter + 1
    add_output(runtime, output_trace(runtime, output, variables), variables, node)
    add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, node)
    return str(node["id"])


def _wait(node: Node, runtime: Runtime, variables: Variables, *, buttons: bool) -> str:
    if buttons:
        add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, node)
    runtime.storage.pop(NO_MATCHES_COUNTER, None)
    runtime.storage.pop(NO_REPLIES_COUNTER, None)
    return str(node["id"])


def _interaction(
    node: Node, runtime: Runtime, variables: Variables, _program: Program
) -> str | None:
    if runtime.action is Action.RUNNING:
        return _wait(node, runtime, variables, buttons=True)
    if wants_no_reply(runtime):
        return no_reply(node, runtime, variables)
    for index, interaction in enumerate(node.get("interactions") or []):
        if not isinstance(interaction, dict):
            continue
        matcher = find_event_matcher(interaction.get("event"), runtime)
        if matcher is None:
            continue
        matcher(variables)
        runtime.add_trace({"type": "path", "payload": {"path": f"choice:{index + 1}"}})
        target = interaction.get("nextId")
        return target if isinstance(target, str) and target else None
    if node.get("intentScope") != "NODE" and has_command(runtime):
        return handle_command(runtime, variables)
    return no_match(node, runtime, variables)


INTERACTION = Handler(
    "interaction", lambda node, _runtime: bool(node.get("interactions")), _interaction
)


_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    word: 10 * value
    for value, word in enumerate(
        ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
    if word != "_"
}


def words_to_number(text: str) -> int | float | None:
    """The number a whole utterance spells ("42", "forty two"), else None."""
    stripped = text.strip().lower()
    if re.fullmatch(r"-?\d+(\.\d+)?", stripped):
        return normalize_number(float(stripped))
    words = [w for w in re.split(r"[\s-]+", stripped) if w and w != "and"]
    if not words:
        return None
    total, current = 0, 0
    for word in words:
        if word in _NUMBER_WORDS:
            current += _NUMBER_WORDS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in ("thousand", "million"):
            total += max(current, 1) * (1000 if word == "thousand" else 1_000_000)
            current = 0
        else:
            return None
    return total + current


def _capture(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if runtime.action is Action.RUNNING:
        add_buttons(runtime, node, variables)
        add_no_reply_timeout(runtime, node)
        runtime.storage.pop(NO_REPLIES_COUNTER, None)
        return str(node["id"])
    if wants_no_reply(runtime):
        return no_reply(node, runtime, variables)
    if has_command(runtime):
        return handle_command(runtime, variables)
    request = runtime.request or {}
    payload = as_dict(request.get("payload"))
    if request.get("type") == "intent":
        slots = node.get("slots")
        if not node.get("variable") and isinstance(slots, list) and slots:
            mappings = [{"slot": slot, "variable": slot} for slot in slots]
            variables.update(map_entities(mappings, payload.get("entities") or []))
        query = payload.get("query")
        if node.get("variable") and query:
            number = words_to_number(str(query))
            variables[str(node["variable"])] = number if number is not None else query
    runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
    return next_id(node)


CAPTURE = Handler(
    "capture",
    lambda node, _runtime: bool(node.get("variable")) or node.get("type") == "capture",
    _capture,
)


def _confidence_above(threshold: float, confidence: Any) -> bool:
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
        return True
    return bool(confidence > threshold)


def _capture_v2(
    node: Node, runtime: Runtime, variables: Variables, _program: Program
) -> str | None:
    if runtime.action is Action.RUNNING:
        return _wait(node, runtime, variables, buttons=False)
    if wants_no_reply(runtime):
        return no_reply(node, runtime, variables)
    request = runtime.request or {}
    payload = as_dict(request.get("payload"))
    entire_response = isinstance(node.get("variable"), str)
    # capturing the whole reply only lets a command win when the NLU was confident
    low_confidence = entire_response and not _confidence_above(0.6, payload.get("confidence"))
    if node.get("intentScope") != "NODE" and not low_confidence and has_command(runtime):
        return handle_command(runtime, variables)
    if request.get("type") == "intent":
        intent = as_dict(node.get("intent"))
        requested = as_dict(payload.get("intent"))
        if not entire_response and intent.get("name") and requested.get("name") == intent["name"]:
            entities = intent.get("entities") or []
            mappings = [{"slot": e, "variable": e} for e in entities]
            variables.update(map_entities(mappings, payload.get("entities") or []))
            runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
            return next_id(node)
        if entire_response:
            variables[str(node["variable"])] = payload.get("query")
            runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
            return next_id(node)
    return no_match(node, runtime, variables)


CAPTURE_V2 = Handler(
    "captureV2", lambda node, _runtime: node.get("type") == "captureV2", _capture_v2
)
