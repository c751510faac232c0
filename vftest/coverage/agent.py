"""The countable parts of an agent file (`.vfr`): steps, paths, intents and buttons.

Steps carry a snippet a designer knows them by; paths and buttons come from the per-type
table in `vftest.coverage.ports`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from vftest.coverage.ports import Button, Path, buttons_of_node, intent_of_event, paths_of_node
from vftest.errors import ConfigError

__all__ = ["Agent", "Step", "load_agent", "steps_of"]

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


@dataclass(frozen=True, slots=True)
class Agent:
    """What coverage counts in one agent file."""

    steps: tuple[Step, ...]
    lines: tuple[Path, ...]  # every line out of a step that a path source knows
    intents: tuple[str, ...]  # the agent's own intents, in file order
    buttons: tuple[Button, ...]
    commands: tuple[tuple[str, str], ...]  # (intent, step it starts at) of global triggers

    @property
    def paths(self) -> tuple[Path, ...]:
        """The lines that are decisions: those out of a step with two or more lines."""
        per_node: dict[str, int] = {}
        for line in self.lines:
            per_node[line.node_id] = per_node.get(line.node_id, 0) + 1
        return tuple(line for line in self.lines if per_node[line.node_id] > 1)


def load_agent(path: str | os.PathLike[str]) -> Agent:
    """Read the agent file at `path`; a ConfigError names the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise ConfigError(f"{os.fspath(path)}: cannot read the agent file: {error}") from error
    programs = data.get("programs") if isinstance(data, dict) else None
    if not isinstance(programs, dict):
        raise ConfigError(f"{os.fspath(path)}: not an agent file: no `programs` object")
    steps: list[Step] = []
    lines: list[Path] = []
    buttons: list[Button] = []
    commands: list[tuple[str, str]] = []
    starts = {
        str(pid): str(program.get("startId"))
        for pid, program in programs.items()
        if isinstance(program, dict) and isinstance(program.get("startId"), str)
    }
    for program_id, program in programs.items():
        nodes = program.get("lines") if isinstance(program, dict) else None
        if not isinstance(nodes, dict):
            continue
        name = str(program.get("name") or program_id)
        for node_id, node in nodes.items():
            if not isinstance(node, dict) or node.get("type") in UNTRACED_TYPES:
                continue
            steps.append(Step(str(node_id), name, str(node.get("type", "?")), _snippet(node)))
            lines.extend(paths_of_node(node, name))
            buttons.extend(buttons_of_node(node, name))
        commands.extend(_commands(program, starts))
    return Agent(tuple(steps), tuple(lines), _intents(data), tuple(buttons), tuple(commands))


def steps_of(path: str | os.PathLike[str]) -> list[Step]:
    """Every countable step of the agent file at `path`, in file order."""
    return list(load_agent(path).steps)


def _intents(data: dict[str, Any]) -> tuple[str, ...]:
    version = data.get("version") if isinstance(data.get("version"), dict) else {}
    model = (version.get("prototype") or {}).get("model") if isinstance(version, dict) else None
    found = model.get("intents") if isinstance(model, dict) else None
    if not isinstance(found, list):
        platform = version.get("platformData") if isinstance(version, dict) else None
        found = platform.get("intents") if isinstance(platform, dict) else None
    names: list[str] = []
    for intent in found if isinstance(found, list) else []:
        name = intent.get("name") if isinstance(intent, dict) else None
        # "None" is the NLU's own fallback, not an intent a designer built
        if isinstance(name, str) and name and name != "None" and name not in names:
            names.append(name)
    return tuple(names)


def _commands(program: dict[str, Any], starts: dict[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for command in program.get("commands") or []:
        if not isinstance(command, dict):
            continue
        intent = intent_of_event(command.get("event"))
        target = command.get("nextID") or starts.get(str(command.get("diagramID")))
        if intent and isinstance(target, str) and target:
            found.append((intent, target))
    return found


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
