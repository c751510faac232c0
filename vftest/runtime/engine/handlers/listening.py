"""Steps that wait for the user: interaction (buttons/choices), capture, captureV2.

On the first visit (RUNNING) they show their prompt/buttons and stop the turn on themselves;
when the next request arrives (REQUEST) they route it: a matching choice, a global command,
no-reply handling, or no-match reprompts and finally the else path.
"""

from __future__ import annotations

import random
import re
from typing import Any

from vftest.runtime.engine.entity import DM_KEY, entity_filling_request, set_elicit
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
from vftest.runtime.engine.values import UNDEFINED, slate_to_text

__all__ = [
    "CAPTURE",
    "CAPTURE_V2",
    "INTERACTION",
    "no_match",
    "no_reply",
    "no_reply_delay",
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


# VoiceflowConstants.defaultMessages.globalNoMatch (note the typographic apostrophe)
DEFAULT_GLOBAL_NO_MATCH = "Sorry, I didn\u2019t get that. Please try again."


def _global_prompt(runtime: Runtime, key: str) -> dict[str, Any] | None:
    """`settings.<key>.prompt` when it is a prompt (an object with `content`)."""
    setting = runtime.project.settings.get(key)
    prompt = setting.get("prompt") if isinstance(setting, dict) else None
    return prompt if isinstance(prompt, dict) and "content" in prompt else None


def _content_empty(content: Any) -> bool:
    if not content:
        return True
    if isinstance(content, str):
        return not content.strip()
    return not slate_to_text(content)


def _generate_output(runtime: Runtime, text: str, voice: Any) -> Any:
    """A built-in message as the project type wants it: slate lines for chat, else a string."""
    project = as_dict(runtime.project.raw.get("project"))
    if project.get("type") == "chat" or project.get("platform") == "chatbot":
        return [{"children": [{"text": line}]} for line in text.strip().split("\n")]
    if project.get("platform") == "alexa" and voice == "Alexa":
        voice = ""
    if isinstance(voice, str) and voice.strip():
        return f'<voice name="{voice}">{text}</voice>'
    return text


def _prompt_output(runtime: Runtime, prompt: dict[str, Any]) -> Any:
    content = prompt.get("content")
    if isinstance(content, str):
        return _generate_output(runtime, content, _voice(runtime, prompt))
    return content


def _voice(runtime: Runtime, prompt: dict[str, Any] | None) -> Any:
    voice = prompt.get("voice") if prompt else None
    if voice is None:
        default = runtime.project.settings.get("defaultVoice")
        voice = default if isinstance(default, str) else None
    return voice


def _global_no_match(runtime: Runtime) -> Any:
    """The project's global no-match output, the built-in one when never set, else None."""
    prompt = _global_prompt(runtime, "globalNoMatch")
    content = prompt.get("content") if prompt else None
    if content is None:
        return _generate_output(runtime, DEFAULT_GLOBAL_NO_MATCH, _voice(runtime, prompt))
    if _content_empty(content):
        return None
    return _prompt_output(runtime, prompt) if prompt else None


def _global_no_reply(runtime: Runtime) -> Any:
    prompt = _global_prompt(runtime, "globalNoReply")
    if prompt is None or _content_empty(prompt.get("content")):
        return None
    return _prompt_output(runtime, prompt)


def global_no_reply_delay(runtime: Runtime) -> Any:
    """`settings.globalNoReply.delay`, else the platform's default (8 s for Alexa/Google)."""
    setting = runtime.project.settings.get("globalNoReply")
    delay = setting.get("delay") if isinstance(setting, dict) else None
    if delay is not None:
        return delay
    platform = as_dict(runtime.project.prototype).get("platform")
    return {"alexa": 8, "google": 8, "dialogflow_es": 5}.get(str(platform), 10)


def no_reply_delay(runtime: Runtime, node: Node) -> Any:
    """The step's no-reply timeout, else the global one when a global no-reply prompt is set."""
    timeout = as_dict(node.get("noReply")).get("timeout")
    if timeout:
        return timeout
    if _global_no_reply(runtime) is not None:
        return global_no_reply_delay(runtime)
    return 0


def wants_no_reply(runtime: Runtime) -> bool:
    """A `no-reply` request (or no request at all) reached a waiting step."""
    request = runtime.request
    return request is None or (isinstance(request, dict) and request.get("type") == "no-reply")


def _either(value: Any, fallback: Any) -> Any:
    """JavaScript's `value ?? fallback`."""
    return fallback if value is None else value


def no_match(node: Node, runtime: Runtime, variables: Variables) -> str | None:
    """Reprompt with the next no-match prompt, or take the else path once exhausted."""
    settings = as_dict(node.get("noMatch"))
    prompts = _non_empty(_either(settings.get("prompts"), node.get("noMatches")))
    randomize = _either(settings.get("randomize"), node.get("randomize"))
    else_id = _either(settings.get("nodeID"), node.get("elseId"))
    counter = runtime.storage.get(NO_MATCHES_COUNTER)
    counter = counter if isinstance(counter, int) else 0

    output: Any = None
    if counter < len(prompts):
        output = random.choice(prompts) if randomize else prompts[counter]
    if not output and not else_id:
        # exhausted with nowhere to go: the global no-match, again and again
        output = _global_no_match(runtime)

    if not output:
        runtime.storage.pop(NO_MATCHES_COUNTER, None)
        runtime.add_trace({"type": "path", "payload": {"path": "choice:else"}})
        return else_id if isinstance(else_id, str) and else_id else None

    runtime.add_trace({"type": "path", "payload": {"path": "reprompt"}})
    add_output(runtime, output_trace(runtime, output, variables), variables, node)
    runtime.storage[NO_MATCHES_COUNTER] = counter + 1
    add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, no_reply_delay(runtime, node))
    return str(node["id"])


def no_reply(node: Node, runtime: Runtime, variables: Variables) -> str | None:
    """Reprompt with the next no-reply prompt (then the global one), else the no-reply path."""
    settings = as_dict(node.get("noReply"))
    reprompt = node.get("reprompt")
    prompts = _non_empty(settings.get("prompts", [reprompt] if reprompt else []))
    counter = runtime.storage.get(NO_REPLIES_COUNTER)
    counter = counter if isinstance(counter, int) else 0
    # the reprompt that uses up the step's prompts announces the global no-reply delay
    last = counter == len(prompts) - 1
    delay = global_no_reply_delay(runtime) if last else settings.get("timeout")
    output: Any = None
    if counter < len(prompts):
        output = random.choice(prompts) if settings.get("randomize") else prompts[counter]
    elif counter == len(prompts):
        output = _global_no_reply(runtime)
    if not output:
        runtime.storage.pop(NO_REPLIES_COUNTER, None)
        runtime.add_trace({"type": "path", "payload": {"path": "choice:noReply"}})
        path = settings.get("nodeID")
        return path if isinstance(path, str) and path else None
    runtime.storage[NO_REPLIES_COUNTER] = counter + 1
    runtime.add_trace({"type": "path", "payload": {"path": "reprompt"}})
    add_output(runtime, output_trace(runtime, output, variables), variables, node)
    add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, delay if delay is not None else no_reply_delay(runtime, node))
    return str(node["id"])


def _wait(node: Node, runtime: Runtime, variables: Variables, *, buttons: bool) -> str:
    if buttons:
        add_buttons(runtime, node, variables)
    add_no_reply_timeout(runtime, no_reply_delay(runtime, node))
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
    """The number a whole utterance spells in words ("forty two"), else None.

    Like the `words-to-numbers` package the runtime uses: digits are not words, so "42"
    is not converted (the capture keeps the string).
    """
    stripped = text.strip().lower()
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


def _capture_entities(
    node: Node, runtime: Runtime, variables: Variables, slots: Any, payload: dict[str, Any]
) -> None:
    """Set each slot's variable (same name) from the request's entities, and log the change."""
    names = [slot for slot in slots or [] if isinstance(slot, str)]
    before = {name: _or_null(variables.get(name)) for name in names}
    mappings = [{"slot": name, "variable": name} for name in names]
    after = map_entities(mappings, payload.get("entities") or [])
    variables.update(after)
    changed = {name: {"before": before[name], "after": after.get(name)} for name in names}
    runtime.logs.step("capture", node, {"changedVariables": changed})


def _capture(node: Node, runtime: Runtime, variables: Variables, _program: Program) -> str | None:
    if runtime.action is Action.RUNNING:
        add_buttons(runtime, node, variables)
        add_no_reply_timeout(runtime, no_reply_delay(runtime, node))
        if node.get("intent"):
            intent = {"name": node["intent"]}
            _goto(
                runtime,
                {"type": "intent", "payload": {"intent": intent, "query": "", "entities": []}},
            )
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
            _capture_entities(node, runtime, variables, slots, payload)
        query = payload.get("query")
        if node.get("variable") and query:
            name = str(node["variable"])
            number = words_to_number(str(query))
            value = number if number is not None else query
            changed = {name: {"before": _or_null(variables.get(name)), "after": value}}
            runtime.logs.step("capture", node, {"changedVariables": changed})
            variables[name] = value
    runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
    return next_id(node)


CAPTURE = Handler(
    "capture",
    lambda node, _runtime: bool(node.get("variable")) or node.get("type") == "capture",
    _capture,
)


def _or_null(value: Any) -> Any:
    return None if value is UNDEFINED else value


def _confidence_above(threshold: float, confidence: Any) -> bool:
    if not isinstance(confidence, (int, float)) or isinstance(confidence, bool):
        return True
    return bool(confidence > threshold)


def _capture_v2(
    node: Node, runtime: Runtime, variables: Variables, _program: Program
) -> str | None:
    intent_name = as_dict(node.get("intent")).get("name")
    if runtime.action is Action.RUNNING:
        add_no_reply_timeout(runtime, no_reply_delay(runtime, node))
        if intent_name:
            # ask dialog management (auto-delegated) to fill the intent's entities
            entities = as_dict(node.get("intent")).get("entities")
            request = entity_filling_request(intent_name, entities if entities is not None else [])
            _goto(runtime, set_elicit(request, True))
        runtime.storage.pop(NO_MATCHES_COUNTER, None)
        runtime.storage.pop(NO_REPLIES_COUNTER, None)
        return str(node["id"])
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
            _capture_entities(node, runtime, variables, intent.get("entities"), payload)
            runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
            return next_id(node)
        if entire_response:
            name = str(node["variable"])
            before_value = _or_null(variables.get(name))
            variables[name] = payload.get("query")
            changed = {name: {"before": before_value, "after": payload.get("query")}}
            runtime.logs.step("capture", node, {"changedVariables": changed})
            runtime.add_trace({"type": "path", "payload": {"path": "capture"}})
            return next_id(node)
    if isinstance(intent_name, str) and intent_name:
        entities = as_dict(node.get("intent")).get("entities")
        return entity_filling_no_match(
            node, runtime, variables, [intent_name], entity_filling_request(intent_name, entities)
        )
    return entity_filling_no_match(node, runtime, variables, [], None)


def _goto(runtime: Runtime, request: dict[str, Any]) -> None:
    runtime.add_trace({"type": "goto", "payload": {"request": request}})


def entity_filling_no_match(
    node: Node,
    runtime: Runtime,
    variables: Variables,
    intents: list[str],
    default_request: dict[str, Any] | None,
) -> str | None:
    """No-match while filling entities: first the entity prompt, then reprompts, then else.

    The request being filled is the one dialog management kept (when it has entities), else
    `default_request`; each reprompt re-asks dialog management for it through a `goto`.
    """
    prior = as_dict(runtime.storage.get(DM_KEY)).get("priorIntent")
    prior_payload = as_dict(as_dict(prior).get("payload"))
    prior_matches = as_dict(prior_payload.get("intent")).get(
        "name"
    ) in intents and prior_payload.get("entities")
    next_request = prior if prior_matches and isinstance(prior, dict) else default_request
    counter = runtime.storage.get(NO_MATCHES_COUNTER)
    if not _is_number(counter) and next_request:
        runtime.storage[NO_MATCHES_COUNTER] = 0
        _goto(runtime, set_elicit(next_request, False))
        return str(node["id"])
    path = no_match(node, runtime, variables)
    if path == node.get("id") and next_request:
        _goto(runtime, set_elicit(next_request, True))
    return path


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


CAPTURE_V2 = Handler(
    "captureV2", lambda node, _runtime: node.get("type") == "captureV2", _capture_v2
)
