"""The handler contract: each node family decides if it can handle a node and runs it.

`handle` returns the next node id, None to finish the frame, or the node's own id to stop the
turn and wait there for the user (the runtime's "stop on itself").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vftest.runtime.engine.state import Runtime, Variables

__all__ = ["Handler", "Node", "Program", "as_dict", "next_id"]

Node = dict[str, Any]
Program = dict[str, Any]


@dataclass(frozen=True)
class Handler:
    """One node family."""

    name: str
    can_handle: Callable[[Node, Runtime], bool]
    handle: Callable[[Node, Runtime, Variables, Program], str | None]


def next_id(node: Node) -> str | None:
    """The node's `nextId` when it is a real id."""
    value = node.get("nextId")
    return value if isinstance(value, str) and value else None


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty dict (tolerates sloppy compiled data)."""
    return value if isinstance(value, dict) else {}
