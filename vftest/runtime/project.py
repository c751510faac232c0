"""Loading compiled Voiceflow projects (`.vfr` files) for the embedded local runtime.

A `.vfr` is `{_version, project, version, programs}`; `load_project` validates the parts the
engine relies on and names exactly what is missing instead of failing later mid-conversation.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vftest.errors import ProjectError

__all__ = ["Project", "load_project", "load_project_data"]


@dataclass(frozen=True)
class Project:
    """A loaded compiled project; treat every dict in it as read-only (shared across sessions).

    Attributes:
        project_id: `project._id`.
        name: `project.name`.
        dev_version_id: `project.devVersion` (what the `development` alias resolves to).
        live_version_id: `project.liveVersion`, or None when never published.
        version_id: `version._id`, the version compiled into the file.
        raw: the whole parsed file.
        programs: programs by id (a program's id is its diagram id; the base program's is the
            version id).
        root_diagram_id: `version.rootDiagramID`.
        source: where the project came from, for messages.
    """

    project_id: str
    name: str
    dev_version_id: str
    live_version_id: str | None
    version_id: str
    raw: dict[str, Any]
    programs: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    root_diagram_id: str = ""
    source: str = "<memory>"

    @property
    def version(self) -> dict[str, Any]:
        """The `version` object of the file."""
        version: dict[str, Any] = self.raw["version"]
        return version

    @property
    def prototype(self) -> dict[str, Any]:
        """`version.prototype` (or an empty dict when the file has none)."""
        prototype = self.version.get("prototype")
        return prototype if isinstance(prototype, dict) else {}

    @property
    def model(self) -> dict[str, Any]:
        """The NLU model `version.prototype.model` (`intents`, `slots`), possibly empty."""
        model = self.prototype.get("model")
        return model if isinstance(model, dict) else {"intents": [], "slots": []}

    @property
    def settings(self) -> dict[str, Any]:
        """`version.platformData.settings`, possibly empty."""
        platform_data = self.version.get("platformData")
        if not isinstance(platform_data, dict):
            return {}
        settings = platform_data.get("settings")
        return settings if isinstance(settings, dict) else {}


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a `.vfr` file.

    Raises:
        ProjectError: the file is missing, not JSON, or lacks what the runtime needs (the
            message names the file and the exact field).
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(f"{source}: project file not found") from None
    except IsADirectoryError:
        raise ProjectError(f"{source}: is a directory, not a .vfr project file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"{source}: cannot read project file ({error})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(
            f"{source}: not valid JSON (line {error.lineno} column {error.colno}: {error.msg})"
        ) from None
    return load_project_data(data, source=source)


def load_project_data(data: Any, *, source: str = "<memory>") -> Project:
    """Validate an already parsed `.vfr` document; see `load_project`."""
    if not isinstance(data, dict):
        raise ProjectError(f"{source}: a .vfr must be a JSON object, got {_kind(data)}")
    if "programs" not in data and "diagrams" in data:
        raise ProjectError(
            f"{source}: this is a design export (.vf) without compiled programs, which the "
            "local runtime cannot run; get the compiled agent (.vfr) with `vftest pull`"
        )
    project = _object(data, "project", source)
    version = _object(data, "version", source)
    programs = _object(data, "programs", source)

    project_id = _string(project, "_id", "project._id", source)
    dev_version = _string(project, "devVersion", "project.devVersion", source)
    live_version = project.get("liveVersion")
    if live_version is not None and not isinstance(live_version, str):
        raise ProjectError(f"{source}: `project.liveVersion` must be a string or absent")
    version_id = _string(version, "_id", "version._id", source)
    root_diagram_id = _string(version, "rootDiagramID", "version.rootDiagramID", source)
    name = project.get("name")

    for program_id, program in programs.items():
        _check_program(program_id, program, source)
    if root_diagram_id not in programs:
        raise ProjectError(
            f"{source}: `version.rootDiagramID` is {root_diagram_id!r} but `programs` has no "
            "program with that id"
        )
    _check_prototype(version, source)
    return Project(
        project_id=project_id,
        name=name if isinstance(name, str) else "",
        dev_version_id=dev_version,
        live_version_id=live_version,
        version_id=version_id,
        raw=data,
        programs=programs,
        root_diagram_id=root_diagram_id,
        source=source,
    )


def _check_program(program_id: str, program: Any, source: str) -> None:
    where = f"programs[{program_id!r}]"
    if not isinstance(program, dict):
        raise ProjectError(f"{source}: `{where}` must be an object, got {_kind(program)}")
    if not isinstance(program.get("startId"), str):
        raise ProjectError(f"{source}: `{where}` has no `startId`")
    lines = program.get("lines", {})
    if not isinstance(lines, dict):
        raise ProjectError(f"{source}: `{where}.lines` must be an object of nodes by id")
    for node_id, node in lines.items():
        _check_node(f"{where}.lines[{node_id!r}]", node_id, node, source)
    for key in ("commands", "variables"):
        if key in program and not isinstance(program[key], list):
            raise ProjectError(f"{source}: `{where}.{key}` must be a list")


def _check_node(where: str, node_id: str, node: Any, source: str) -> None:
    if not isinstance(node, dict):
        raise ProjectError(f"{source}: `{where}` must be an object, got {_kind(node)}")
    if node.get("id") != node_id:
        raise ProjectError(f"{source}: `{where}` has `id` {node.get('id')!r}, expected {node_id!r}")
    # The runtime picks a handler from the node's shape; without a type there is nothing to
    # recognise it by (legacy start nodes aside, which are exactly `{id, nextId}`).
    typed = isinstance(node.get("type"), str) or node.get("_v") == 1
    if not typed and set(node) != {"id", "nextId"}:
        raise ProjectError(f"{source}: `{where}` has an unknown shape (no string `type`)")


def _check_prototype(version: dict[str, Any], source: str) -> None:
    prototype = version.get("prototype")
    if prototype is None:
        return
    if not isinstance(prototype, dict):
        raise ProjectError(f"{source}: `version.prototype` must be an object")
    model = prototype.get("model")
    if model is not None:
        if not isinstance(model, dict):
            raise ProjectError(f"{source}: `version.prototype.model` must be an object")
        for key in ("intents", "slots"):
            if key in model and not isinstance(model[key], list):
                raise ProjectError(f"{source}: `version.prototype.model.{key}` must be a list")
    context = prototype.get("context")
    if context is not None and not isinstance(context, dict):
        raise ProjectError(f"{source}: `version.prototype.context` must be an object")
    if isinstance(context, dict) and "stack" in context:
        stack = context["stack"]
        if not isinstance(stack, list) or not all(
            isinstance(frame, dict)
            and isinstance(frame.get("diagramID", frame.get("programID")), str)
            for frame in stack
        ):
            raise ProjectError(
                f"{source}: `version.prototype.context.stack` must be a list of frames with "
                "`diagramID`"
            )


def _object(parent: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    if key not in parent:
        raise ProjectError(f"{source}: missing `{key}`")
    value = parent[key]
    if not isinstance(value, dict):
        raise ProjectError(f"{source}: `{key}` must be an object, got {_kind(value)}")
    return value


def _string(parent: dict[str, Any], key: str, dotted: str, source: str) -> str:
    value = parent.get(key)
    if value is None:
        raise ProjectError(f"{source}: missing `{dotted}`")
    if not isinstance(value, str) or not value:
        raise ProjectError(f"{source}: `{dotted}` must be a non-empty string")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object"
