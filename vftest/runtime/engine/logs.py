"""Runtime debug logging: `log` traces emitted when a `?logs=<level>` is requested.

Levels order off < error < warn < info < verbose; step logs default to `info`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["LEVELS", "DebugLogging", "component_name"]

LEVELS = {"off": 0, "error": 1, "warn": 2, "info": 3, "verbose": 4}
_ALIASES = {"true": "info", "false": "off"}

# Node types whose step-log kind differs from the node type (RuntimeLogs.nodeTypeToStepLogKind).
_KINDS = {
    "interaction": "choice",
    "buttons": "buttons",
    "captureV2": "capture",
    "capture": "capture",
    "ifV2": "condition",
    "if": "condition",
    "setV2": "set",
    "randomV2": "random",
    "visual": "visuals",
    "code": "custom_code",
    "component": "flow",
}


def component_name(node: dict[str, Any]) -> str:
    """The `componentName` a step log gives a node."""
    node_type = str(node.get("type", ""))
    if node.get("_v") == 1:
        return "custom_action"
    return _KINDS.get(node_type, node_type)


def _timestamp() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class DebugLogging:
    """Turns log records into `log` traces through `add_trace` when the level allows."""

    def __init__(self, level: str | None, add_trace: Callable[[dict[str, Any]], None]) -> None:
        # `?logs=true` asks for the default level, info; `false` for none
        self.max_level = LEVELS.get(_ALIASES.get(level or "off", level or "off"), 0)
        self._add_trace = add_trace

    def should_log(self, level: str) -> bool:
        """True when `level` is at or below the requested verbosity."""
        return self.max_level > 0 and LEVELS[level] <= self.max_level

    def step(
        self, kind: str, node: dict[str, Any], message: dict[str, Any], level: str = "info"
    ) -> None:
        """A `step.<kind>` log naming the node (`stepID`, `componentName`)."""
        full = {**message, "stepID": node.get("id"), "componentName": component_name(node)}
        self._record(f"step.{kind}", full, level)

    def global_log(self, kind: str, message: dict[str, Any], level: str = "info") -> None:
        """A `global.<kind>` log."""
        self._record(f"global.{kind}", message, level)

    def _record(self, kind: str, message: dict[str, Any], level: str) -> None:
        if not self.should_log(level):
            return
        payload = {"kind": kind, "message": message, "level": level, "timestamp": _timestamp()}
        self._add_trace({"type": "log", "payload": payload})
