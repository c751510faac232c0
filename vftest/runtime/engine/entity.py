"""Entity-filling requests shared by dialog management and the steps that ask for entities.

(general-runtime runtime/handlers/utils/entity.ts.) A step that wants an intent's entities
filled sends a `goto` trace with an intent request for it; `ELICIT: true` means "only the
entity-filling trace", false means "say the entity's prompt too".
"""

from __future__ import annotations

from typing import Any

__all__ = ["DM_KEY", "ELICIT", "entity_filling_request", "has_elicit", "set_elicit"]

DM_KEY = "dm"  # storage key of the dialog manager's state
ELICIT = "ELICIT"


def entity_filling_request(name: str, required_entities: Any) -> dict[str, Any]:
    """The intent request a step sends to have `name`'s entities filled."""
    request: dict[str, Any] = {
        "type": "intent",
        "payload": {"intent": {"name": name}, "query": "", "entities": []},
    }
    if required_entities is not None:
        request["requiredEntities"] = required_entities
    return request


def set_elicit(request: dict[str, Any], elicit: bool) -> dict[str, Any]:
    """A copy of `request` with `ELICIT` (true: skip the entity prompt, only the trace)."""
    return {**request, ELICIT: elicit}


def has_elicit(request: dict[str, Any]) -> bool:
    """True when the request asks for entity filling without the prompt."""
    return request.get(ELICIT) is True
