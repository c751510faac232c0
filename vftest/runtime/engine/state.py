"""The per-turn runtime state: stack frames, variables, storage, the trace list, the action.

Mirrors general-runtime's `Runtime`, `Stack` and `Frame` closely enough that handlers written
against it behave the same: flow traces on stack changes, base-program frame, frame hydration.
"""

from __future__ import annotations

import copy
import enum
import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from vftest.runtime.engine.logs import DebugLogging
from vftest.runtime.engine.values import defined_only
from vftest.runtime.project import Project

__all__ = ["Action", "Frame", "Runtime", "Stack", "Variables"]

# Keys the runtime keeps in frame/global storage (names as the real runtime stores them).
IS_BASE = "isBase"
OUTPUT = "output"
OUTPUT_MAP = "outputMap"
CALLED_COMMAND = "calledCommand"
NO_MATCHES_COUNTER = "noMatchesCounter"
NO_REPLIES_COUNTER = "noRepliesCounter"
RANDOMS = "randoms"

_MISSING = object()


class Action(enum.Enum):
    """What the runtime is doing: the first handler of a turn sees REQUEST."""

    IDLE = 0
    REQUEST = 1
    RUNNING = 2
    END = 3


@dataclass
class Frame:
    """One stack frame: a program (diagram) being executed and where it stands."""

    program_id: str
    node_id: str | object | None = _MISSING  # _MISSING: not started (goes to startId)
    storage: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None
    hydrated: bool = False

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Frame:
        """Build from a stored frame (`diagramID` preferred over the older `programID`)."""
        program_id = data.get("diagramID") or data.get("programID") or ""
        node_id: object = _MISSING
        if "nodeID" in data:
            node_id = data["nodeID"]
        elif "blockID" in data:
            node_id = data["blockID"]
        storage = data.get("storage")
        variables = data.get("variables")
        commands = data.get("commands")
        return cls(
            program_id=str(program_id),
            node_id=node_id,
            storage=dict(storage) if isinstance(storage, dict) else {},
            variables=dict(variables) if isinstance(variables, dict) else {},
            commands=list(commands) if isinstance(commands, list) else [],
        )

    def to_state(self) -> dict[str, Any]:
        """The frame as stored in the session state."""
        state: dict[str, Any] = {}
        if self.node_id is not _MISSING:  # undefined in JS: absent from the stored JSON
            state["nodeID"] = self.node_id
        state.update(
            diagramID=self.program_id,
            storage=self.storage,
            commands=self.commands,
            variables=defined_only(self.variables),
        )
        return state

    @property
    def current(self) -> str | None:
        """The node the frame is at (None when finished or not started)."""
        return self.node_id if isinstance(self.node_id, str) else None

    def hydrate(self, program: dict[str, Any]) -> None:
        """Load commands/locals from the program and start at `startId` if not started."""
        if self.hydrated:
            return
        self.hydrated = True
        commands = program.get("commands")
        self.commands = list(commands) if isinstance(commands, list) else []
        name = program.get("name")
        self.name = name if isinstance(name, str) else None
        for variable in program.get("variables") or []:
            if isinstance(variable, str):
                self.variables.setdefault(variable, 0)
        if self.node_id is _MISSING:
            start = program.get("startId")
            self.node_id = start if isinstance(start, str) else None


class Stack:
    """The frame stack; every structural change emits a `flow` trace for the new top."""

    def __init__(self, runtime: Runtime, frames: list[Frame]) -> None:
        self._runtime = runtime
        self.frames = frames
        self.generation = 0  # bumps on every push/pop: handlers compare it to detect changes

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def top(self) -> Frame | None:
        """The executing frame."""
        return self.frames[-1] if self.frames else None

    def _changed(self) -> None:
        self.generation += 1
        top = self.top()
        if top is None or top.program_id == self._runtime.project.version_id:
            return
        payload: dict[str, Any] = {"diagramID": top.program_id}
        if top.name is not None:
            payload["name"] = top.name
        self._runtime.add_trace({"type": "flow", "payload": payload})

    def push(self, frame: Frame) -> None:
        """Enter a new frame."""
        self.frames.append(frame)
        self._changed()

    def pop(self) -> Frame | None:
        """Leave the top frame."""
        frame = self.frames.pop() if self.frames else None
        self._changed()
        return frame

    def pop_to(self, size: int) -> None:
        """Keep only the bottom `size` frames."""
        self.frames = self.frames[:size]
        self._changed()

    def unshift(self, frame: Frame) -> None:
        """Insert a frame at the bottom (the base program)."""
        self.frames.insert(0, frame)
        self._changed()

    def flush(self) -> None:
        """Empty the stack."""
        self.frames = []
        self._changed()


class Variables(MutableMapping[str, Any]):
    """The variables a handler sees: the frame's locals over the globals.

    Writes go to the frame when it declares the name, else to the globals when they have it.
    A name neither knows goes to `scratch`; when the frame visit ends the cycle saves it as a
    frame local (general-runtime's saveCombinedVariables keeps "leftover" names locally).
    """

    def __init__(self, global_vars: dict[str, Any], local_vars: dict[str, Any]) -> None:
        self.global_vars = global_vars
        self.local_vars = local_vars
        self.scratch: dict[str, Any] = {}

    def _store(self, key: str) -> dict[str, Any]:
        if key in self.local_vars:
            return self.local_vars
        if key in self.global_vars:
            return self.global_vars
        return self.scratch

    def __getitem__(self, key: str) -> Any:
        return self._store(key)[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._store(key)[key] = value

    def __delitem__(self, key: str) -> None:
        del self._store(key)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        return len(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        """A flat copy (globals overlaid with locals and this visit's new names)."""
        return {**self.global_vars, **self.local_vars, **self.scratch}


class Runtime:
    """Everything one turn works on; handlers receive it."""

    def __init__(
        self,
        project: Project,
        state: dict[str, Any],
        request: dict[str, Any] | None,
        *,
        log_level: str | None = None,
        stop_types: tuple[str, ...] = (),
        stop_all: bool = False,
    ) -> None:
        self.project = project
        self.request = request
        self.traces: list[dict[str, Any]] = []
        self.variables: dict[str, Any] = state["variables"]
        self.storage: dict[str, Any] = state["storage"]
        self.turn: dict[str, Any] = {}
        self.action = Action.IDLE
        self.stop_types = stop_types
        self.stop_all = stop_all
        self.logs = DebugLogging(log_level, self.add_trace)
        # variables as last committed (general-runtime writes a frame visit's changes back
        # only when the visit ends); kept only when a verbose log needs them
        self.committed: tuple[dict[str, Any], dict[str, Any]] | None = None
        self.stack = Stack(self, [Frame.from_state(frame) for frame in state["stack"]])

    # -- traces ---------------------------------------------------------------------------
    def add_trace(self, trace: dict[str, Any]) -> None:
        """Append a trace stamped with the time in milliseconds (like `Date.now()`)."""
        stamped = {"time": int(time.time() * 1000), **trace}
        self.traces.append(stamped)

    def debug(self, message: str, node_type: str | None = None) -> None:
        """A `debug` trace (`{type?, message}`), truncated to 500 characters like lodash."""
        if len(message) > 500:
            message = message[:497] + "..."
        payload: dict[str, Any] = {"message": message}
        if node_type is not None:
            payload = {"type": node_type, "message": message}
        self.add_trace({"type": "debug", "payload": payload})

    # -- lifecycle ------------------------------------------------------------------------
    def end(self) -> None:
        """Stop the turn (stay where we are)."""
        self.action = Action.END

    @property
    def ended(self) -> bool:
        """True once a handler ended the turn."""
        return self.action is Action.END

    def program(self, program_id: str) -> dict[str, Any] | None:
        """The program (diagram) by id, or None."""
        return self.project.programs.get(program_id)

    def commit_point(self, frame: Frame) -> None:
        """A frame visit starts: remember the committed variables (only for verbose logs)."""
        if self.logs.should_log("verbose"):
            self.committed = (copy.deepcopy(self.variables), copy.deepcopy(frame.variables))

    def committed_state(self) -> dict[str, Any]:
        """The final state as general-runtime shows it mid-visit: this visit's changes unsaved."""
        state = self.final_state()
        if self.committed is None:
            return state
        global_vars, local_vars = self.committed
        top = self.stack.top()
        state["variables"] = defined_only(global_vars)
        for frame_state, frame in zip(state["stack"], self.stack, strict=True):
            if frame is top:
                frame_state["variables"] = defined_only(local_vars)
        return state

    def final_state(self) -> dict[str, Any]:
        """The state to store after the turn."""
        return {
            "stack": [frame.to_state() for frame in self.stack],
            "storage": self.storage,
            "variables": defined_only(self.variables),
        }
