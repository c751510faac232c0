"""Turn a suite `Action` into the request body's `action` object (the wire form).

Button turns are resolved here against the previous turn's traces: the button's own `request`
is sent, exactly as a chat widget would (API.md §2.1: button requests are directly sendable).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vftest.errors import VftestError
from vftest.models import Action, Trace
from vftest.templating import render
from vftest.textmatch import normalize

__all__ = ["ButtonNotFound", "OfferedButton", "build_action", "offered_buttons"]


@dataclass(frozen=True, slots=True)
class OfferedButton:
    """A button the agent offered: where it came from and what clicking it sends."""

    label: str
    request: dict[str, Any]
    source: str  # "trace #2 (choice)", "trace #3 (carousel card 1)"


class ButtonNotFound(VftestError):
    """The agent did not offer the button a `button` turn asks for (an agent failure)."""

    def __init__(self, label: str, index: int | None, offered: list[OfferedButton]) -> None:
        self.label = label
        self.offered = offered
        labels = ", ".join(f'"{b.label}"' for b in offered) or "none"
        which = f'button "{label}"' + (f" (occurrence {index})" if index is not None else "")
        super().__init__(f"no {which} in the previous turn's traces; offered: {labels}")


def offered_buttons(traces: list[Trace]) -> list[OfferedButton]:
    """Every button in choice, cardV2 and carousel traces, in trace order."""
    return list(_iter_buttons(traces))


def _iter_buttons(traces: list[Trace]) -> Iterator[OfferedButton]:
    for index, trace in enumerate(traces):
        payload = trace.get("payload")
        if not isinstance(payload, dict):
            continue
        kind = trace.get("type")
        if kind in ("choice", "cardV2"):
            yield from _buttons_of(payload, f"trace #{index} ({kind})")
        elif kind == "carousel":
            for card_no, card in enumerate(payload.get("cards") or []):
                if isinstance(card, dict):
                    yield from _buttons_of(card, f"trace #{index} (carousel card {card_no})")


def _buttons_of(container: Mapping[str, Any], source: str) -> Iterator[OfferedButton]:
    for button in container.get("buttons") or []:
        if not isinstance(button, dict) or not isinstance(button.get("request"), dict):
            continue
        label = button.get("name")
        if label is None and isinstance(button.get("request", {}).get("payload"), dict):
            label = button["request"]["payload"].get("label")
        yield OfferedButton(label=str(label or ""), request=button["request"], source=source)


def build_action(
    action: Action, previous_traces: list[Trace], values: Mapping[str, str]
) -> dict[str, Any]:
    """The wire `action` for a suite action, with `{{name}}` templates filled in.

    Raises:
        ButtonNotFound: a button turn names a label the agent did not offer.
        TemplateError: a template names a value that was never captured.
    """
    if action.kind == "button":
        label = str(render(action.label or "", values))
        matches = [b for b in offered_buttons(previous_traces) if _same_label(b.label, label)]
        position = action.index or 0
        if position >= len(matches):
            raise ButtonNotFound(label, action.index, offered_buttons(previous_traces))
        return copy.deepcopy(matches[position].request)
    wire = _wire_form(action)
    rendered: dict[str, Any] = render(wire, values)
    return rendered


def _same_label(offered: str, wanted: str) -> bool:
    return normalize(offered).casefold() == normalize(wanted).casefold()


def _wire_form(action: Action) -> dict[str, Any]:
    match action.kind:
        case "launch":
            launch: dict[str, Any] = {"type": "launch"}
            if action.payload:
                launch["payload"] = action.payload
            return launch
        case "text":
            return {"type": "text", "payload": action.text or ""}
        case "intent":
            payload: dict[str, Any] = {
                "intent": {"name": action.intent},
                "query": "",
                "entities": [{"name": k, "value": v} for k, v in action.entities.items()],
            }
            if action.confidence is not None:
                payload["confidence"] = action.confidence
            return {"type": "intent", "payload": payload}
        case "event":
            return {"type": "event", "payload": {"event": {"name": action.event}}}
        case "no_reply":
            return {"type": "no-reply"}
        case "raw":
            raw: dict[str, Any] = copy.deepcopy(action.raw)
            return raw
        case _:  # "button" is handled by the caller
            raise ValueError(f"unexpected action kind {action.kind!r}")
