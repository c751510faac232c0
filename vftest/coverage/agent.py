"""The steps of an agent file (`.vfr`): what coverage counts, with a snippet a designer knows."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from vftest.errors import ConfigError

__all__ = ["Step", "steps_of"]

# Steps the runtime runs without a `block` trace (general-runtime's goTo is resolved in place),
# so no observation could ever count them: they are left out of the total.
UNTRACED_TYPES = frozenset({"goTo"})
SNIPPET_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Step:
    """One step (node) of one diagram."""

    node_id: str
    diagram: str  # the program's name (ROOT, a component's name) or its id
    type: str
    snippet: str


def steps_of(path: str | os.PathLike[str]) -> list[Step]:
    """Every countable step of the agent file at `path`, in file order."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise ConfigError(f"{os.fspath(path)}: cannot read the agent file: {error}") from error
    programs = data.get("programs") if isinstance(data, dict) else None
    if not isinstance(programs, dict):
        raise ConfigError(f"{os.fspath(path)}: not an agent file: no `programs` object")
    steps: list[Step] = []
    for program_id, program in programs.items():
        lines = program.get("lines") if isinstance(program, dict) else None
        if not isinstance(lines, dict):
            continue
        name = str(program.get("name") or program_id)
        for node_id, node in lines.items():
            if not isinstance(node, dict) or node.get("type") in UNTRACED_TYPES:
                continue
            steps.append(Step(str(node_id), name, str(node.get("type", "?")), _snippet(node)))
    return steps


def _snippet(node: dict[str, Any]) -> str:
    """The first words a designer sees on the step's card."""
    text = _first_text(node)
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_WIDTH else text[: SNIPPET_WIDTH - 1] + "…"


def _first_text(value: Any) -> str:
    # Depth-first over the node: message text, then names/labels/expressions, whatever is first.
    if isinstance(value, dict):
        for key in ("text", "message", "prompt", "name", "label", "expression", "code"):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return found
        for key, child in value.items():
            if key in ("id", "nextId", "type"):
                continue
            found_text = _first_text(child)
            if found_text:
                return found_text
    elif isinstance(value, list):
        for child in value:
            found_text = _first_text(child)
            if found_text:
                return found_text
    return ""
