"""Building output traces (text, speak, choice, no-reply) and the conversation memory.

Every text/speak the agent says is also appended to `_memory_`/`vf_memory`, the transcript
LLM steps read, exactly as general-runtime's AIAssist does.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from vftest.runtime.engine.state import Runtime
from vftest.runtime.engine.values import (
    random_slug,
    replace_variables,
    sanitize_variables,
    slate_inject,
    slate_to_text,
)

__all__ = [
    "MEMORY_KEY",
    "MEMORY_TEXT_KEY",
    "add_buttons",
    "add_no_reply_timeout",
    "add_output",
    "output_trace",
    "record_user_input",
    "remember_output",
    "sanitize_ssml",
]

MEMORY_KEY = "_memory_"
MEMORY_TEXT_KEY = "vf_memory"
_MAX_TURNS = 10
_MAX_CONTENT = 10000
_DEFAULT_DELAY = 1000
_SSML_TAG = re.compile(r"<[^>]*>")


def sanitize_ssml(message: str) -> str:
    """Remove SSML tags from a speak message (`<speak>`, `<break/>`, `<voice ...>`)."""
    return _SSML_TAG.sub("", message)


def _message_delay(runtime: Runtime, delay: Any) -> Any:
    if isinstance(delay, (int, float)) and not isinstance(delay, bool):
        return delay
    message_delay = runtime.project.settings.get("messageDelay")
    if isinstance(message_delay, dict):
        duration = message_delay.get("durationMilliseconds")
        if isinstance(duration, (int, float)) and not isinstance(duration, bool):
            return duration
    return _DEFAULT_DELAY


def output_trace(
    runtime: Runtime, output: Any, variables: MutableMapping[str, Any], delay: Any = None
) -> dict[str, Any]:
    """A text trace for slate output, a speak trace for a string; sets `last_response`."""
    sanitized = sanitize_variables(variables)
    if isinstance(output, list):
        content = slate_inject(output, sanitized)
        message = slate_to_text(content)
        milliseconds = _message_delay(runtime, delay)
        trace = {
            "type": "text",
            "payload": {
                "slate": {
                    "id": random_slug(),
                    "content": content,
                    "messageDelayMilliseconds": milliseconds,
                },
                "message": message,
                "delay": milliseconds,
            },
        }
    else:
        # a variable's value may itself contain `{var}`: substituted twice like the runtime
        message = replace_variables(replace_variables(output or "", sanitized), sanitized)
        trace = {"type": "speak", "payload": {"message": message, "type": "message"}}
    variables["last_response"] = message
    return trace


def add_output(
    runtime: Runtime,
    trace: dict[str, Any],
    variables: MutableMapping[str, Any] | None,
    node: dict[str, Any] | None = None,
) -> None:
    """Emit an output trace, remember it in the transcript, and log it."""
    runtime.add_trace(trace)
    if variables is not None and runtime.project.version.get("projectID"):
        remember_output(variables, trace)
    if node is None:
        return
    payload = trace["payload"]
    if trace["type"] == "speak":
        runtime.logs.step("speak", node, {"text": payload["message"]})
    else:
        runtime.logs.step(
            "text", node, {"plainContent": payload["message"], "richContent": payload["slate"]}
        )


def _transcript(variables: MutableMapping[str, Any]) -> list[dict[str, Any]]:
    transcript = variables.get(MEMORY_KEY)
    return list(transcript) if isinstance(transcript, list) else []


def _store(variables: MutableMapping[str, Any], transcript: list[dict[str, Any]]) -> None:
    variables[MEMORY_KEY] = transcript
    variables[MEMORY_TEXT_KEY] = "\n".join(
        f"{entry.get('role')}: {entry.get('content')}" for entry in transcript
    )


def remember_output(variables: MutableMapping[str, Any], trace: dict[str, Any]) -> None:
    """Add what the agent said to `_memory_` (consecutive outputs share one entry)."""
    transcript = _transcript(variables)
    message = str(trace["payload"]["message"])
    content = sanitize_ssml(message) if trace["type"] == "speak" else message
    last = transcript[-1] if transcript else None
    if isinstance(last, dict) and last.get("role") == "assistant":
        # consecutive assistant outputs of a turn form one transcript entry
        merged = f"{last.get('content', '')}\n{content}"[:_MAX_CONTENT]
        transcript[-1] = {**last, "content": merged}
    else:
        transcript.append({"role": "assistant", "content": content})
        if len(transcript) > _MAX_TURNS:
            transcript.pop(0)
    _store(variables, transcript)


def record_user_input(variables: MutableMapping[str, Any], request: dict[str, Any] | None) -> None:
    """Append what the user said (utterance, intent query, or button label) to `_memory_`."""
    user_input: Any = None
    if isinstance(request, dict):
        request_type = request.get("type")
        payload = request.get("payload")
        if request_type == "intent" and isinstance(payload, dict):
            user_input = payload.get("query")
        elif request_type == "text":
            user_input = payload
        elif isinstance(request_type, str) and request_type.startswith("path-"):
            user_input = payload.get("label") if isinstance(payload, dict) else None
    existing = variables.get(MEMORY_KEY)
    transcript = _transcript(variables)
    # general-runtime pushes onto `_memory_ || []` and stores a different `_memory_ || []`:
    # the input is only kept when a transcript already existed
    if user_input and isinstance(existing, list):
        transcript.append({"role": "user", "content": user_input})
        if len(transcript) > _MAX_TURNS:
            transcript.pop(0)
    _store(variables, transcript)


def _process_actions(actions: Any, variables: dict[str, Any]) -> Any:
    if not isinstance(actions, list):
        return actions
    processed = []
    for action in actions:
        if (
            isinstance(action, dict)
            and action.get("type") == "open_url"
            and isinstance(action.get("payload"), dict)
        ):
            url = replace_variables(action["payload"].get("url"), variables)
            action = {**action, "payload": {**action["payload"], "url": url}}
        processed.append(action)
    return processed


def _button(name: str, request: Any, variables: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(request, dict):
        return {"name": name, "request": request}
    payload = request.get("payload")
    if request.get("type") == "text":
        return {
            "name": name,
            "request": {**request, "payload": replace_variables(payload, variables)},
        }
    if not isinstance(payload, dict):
        return {"name": name, "request": dict(request)}
    actions = _process_actions(payload.get("actions"), variables)
    new_payload = dict(payload)
    if request.get("type") == "intent":
        new_payload["query"] = replace_variables(payload.get("query"), variables)
        label = payload.get("label")
        new_payload["label"] = replace_variables(label, variables) if label else label
        if "actions" in payload or actions is not None:
            new_payload["actions"] = actions
    elif isinstance(payload.get("label"), str):
        new_payload["label"] = replace_variables(payload["label"], variables)
        new_payload["actions"] = actions
    elif "actions" in payload:
        new_payload["actions"] = actions
    return {"name": name, "request": {**request, "payload": new_payload}}


def add_buttons(
    runtime: Runtime, node: dict[str, Any], variables: MutableMapping[str, Any]
) -> None:
    """Emit a `choice` trace for the node's buttons (or legacy chips), names de-duplicated."""
    values = dict(variables)
    buttons: list[dict[str, Any]] = []
    node_buttons = node.get("buttons")
    chips = node.get("chips")
    if isinstance(node_buttons, list) and node_buttons:
        for button in node_buttons:
            if not isinstance(button, dict) or not button.get("name"):
                continue
            name = replace_variables(button["name"], values)
            buttons.append(_button(name, button.get("request"), values))
    elif isinstance(chips, list) and chips:
        for chip in chips:
            label = chip.get("label") if isinstance(chip, dict) else None
            name = replace_variables(label, values)
            buttons.append({"name": name, "request": {"type": "text", "payload": name}})
    seen: set[str] = set()
    unique = []
    for button in buttons:
        if button["name"] not in seen:
            seen.add(button["name"])
            unique.append(button)
    if unique:
        runtime.add_trace({"type": "choice", "payload": {"buttons": unique}})


def add_no_reply_timeout(runtime: Runtime, delay: Any) -> None:
    """Emit a `no-reply` trace announcing `delay` (seconds) unless it is 0/absent."""
    if delay:
        runtime.add_trace({"type": "no-reply", "payload": {"timeout": delay}})
