"""The execution loop: run the top frame's nodes until something stops, pop finished frames.

Same limits as general-runtime: 400 nodes per frame visit, 60 frame visits per turn.
"""

from __future__ import annotations

import logging
from typing import Any

from vftest.runtime.engine.handlers import HANDLERS
from vftest.runtime.engine.handlers.base import Handler
from vftest.runtime.engine.outputs import add_output, output_trace
from vftest.runtime.engine.state import (
    CALLED_COMMAND,
    IS_BASE,
    OUTPUT,
    OUTPUT_MAP,
    Action,
    Frame,
    Runtime,
    Variables,
)

__all__ = ["inject_base_program", "run"]

logger = logging.getLogger("vftest.runtime")

HANDLER_OVERFLOW = 400
STACK_OVERFLOW = 60
RUNTIME_ONLY_TYPES = frozenset({"goTo"})


def inject_base_program(runtime: Runtime) -> None:
    """Put the version's base program under everything (it holds the global commands)."""
    version_id = runtime.project.version_id
    bottom = runtime.stack.frames[0] if runtime.stack.frames else None
    if bottom is not None and bottom.program_id == version_id:
        return
    base = runtime.program(version_id) or {}
    commands = base.get("commands")
    runtime.stack.unshift(
        Frame(
            program_id=version_id,
            node_id=None,
            storage={IS_BASE: True},
            commands=list(commands) if isinstance(commands, list) else [],
        )
    )


def _find_handler(node: dict[str, Any], runtime: Runtime) -> Handler | None:
    for handler in HANDLERS:
        if handler.can_handle(node, runtime):
            return handler
    return None


def _node(program: dict[str, Any], node_id: Any) -> dict[str, Any] | None:
    lines = program.get("lines")
    if not isinstance(node_id, str) or not isinstance(lines, dict):
        return None
    node = lines.get(node_id)
    return node if isinstance(node, dict) else None


def _cycle_handler(
    runtime: Runtime, frame: Frame, program: dict[str, Any], variables: Variables
) -> None:
    generation = runtime.stack.generation
    node = _node(program, frame.current)
    count = 0
    while node is not None:
        if count > HANDLER_OVERFLOW:
            runtime.debug("turn timeout - check for infinite loops")
            break
        count += 1
        handler = _find_handler(node, runtime)
        next_node: str | None = None
        if handler is None:
            _report_unknown(node, runtime)
        else:
            if node.get("type") not in RUNTIME_ONLY_TYPES:
                runtime.add_trace({"type": "block", "payload": {"blockID": node.get("id")}})
            try:
                next_node = handler.handle(node, runtime, variables, program)
            except Exception:  # a broken step must not kill the session, like handlerDidCatch
                logger.exception("handler %s failed on node %s", handler.name, node.get("id"))
                next_node = None
        if runtime.action is Action.REQUEST:
            runtime.action = Action.RUNNING
        if next_node is not None and next_node == node.get("id"):
            runtime.end()
        if not next_node or runtime.ended or generation != runtime.stack.generation:
            return
        frame.node_id = next_node
        node = _node(program, next_node)


def _report_unknown(node: dict[str, Any], runtime: Runtime) -> None:
    message = (
        f"vftest local runtime: no handler for step type `{node.get('type')}` "
        f"(node `{node.get('id')}`); the flow ends here"
    )
    runtime.debug(message, str(node.get("type")))
    logger.warning("%s", message)


def _frame_finished(runtime: Runtime) -> None:
    """After a frame pops: a command flow returning re-says the prompt it interrupted."""
    top = runtime.stack.top()
    if top is None or not top.storage.get(CALLED_COMMAND):
        return
    del top.storage[CALLED_COMMAND]
    output = top.storage.get(OUTPUT)
    if output:
        add_output(runtime, output_trace(runtime, output, runtime.variables), runtime.variables)


def run(runtime: Runtime) -> None:
    """Execute until the turn ends or the stack empties."""
    for _depth in range(STACK_OVERFLOW + 1):
        frame = runtime.stack.top()
        if frame is None:
            break
        if frame.program_id == runtime.project.version_id:
            runtime.stack.flush()
            break
        program = runtime.program(frame.program_id)
        if program is None:
            runtime.debug(f"vftest local runtime: program `{frame.program_id}` not found")
            logger.warning("program %s not found in the project", frame.program_id)
            runtime.stack.flush()
            break
        frame.hydrate(program)
        generation = runtime.stack.generation
        variables = Variables(runtime.variables, frame.variables)
        runtime.commit_point(frame)
        _cycle_handler(runtime, frame, program, variables)
        frame.variables.update(variables.scratch)  # names new to both stores become locals
        if runtime.ended:
            return
        if generation == runtime.stack.generation:
            popped = runtime.stack.pop()
            _frame_finished(runtime)
            top = runtime.stack.top()
            output_map = popped.storage.get(OUTPUT_MAP) if popped else None
            if popped is not None and top is not None and isinstance(output_map, list):
                source = Variables(runtime.variables, popped.variables)
                for pair in output_map:
                    if isinstance(pair, list) and len(pair) == 2:
                        top.variables[pair[1]] = source.get(pair[0])
    runtime.end()
