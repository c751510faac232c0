"""Steps that need Voiceflow's cloud (LLMs, knowledge base, API calls, functions, code).

They are never skipped silently: each emits a `debug` trace naming the step type and node
id, logs a warning on `vftest.runtime`, and continues on the step's default path if any.
"""

from __future__ import annotations

import logging

from vftest.runtime.engine.handlers.base import Handler, Node, Program, next_id
from vftest.runtime.engine.state import Runtime, Variables

__all__ = ["UNSUPPORTED", "UNSUPPORTED_TYPES", "unsupported_message"]

logger = logging.getLogger("vftest.runtime")

UNSUPPORTED_TYPES = frozenset(
    {
        "api",
        "integrations",
        "zapier",
        "google_sheets",
        "code",
        "function",
        "ai_response",
        "ai_set",
        "ai_capture",
        "ai_variable",
        "generative",
        "knowledge_base",
        "knowledgeBase",
        "kb_answer",
        "agent",
        "llm",
        "prompt",
        "stream",
        "captureV3",
        "text_to_speech",
    }
)


def unsupported_message(node: Node) -> str:
    """The debug/warning text for an unsupported step."""
    return (
        f"vftest local runtime: step type `{node.get('type')}` (node `{node.get('id')}`) needs "
        "Voiceflow's cloud services and is not supported; it was not executed"
    )


def _default_path(node: Node) -> str | None:
    found = next_id(node)
    if found:
        return found
    paths = node.get("paths")
    default = node.get("defaultPath", 0)
    if isinstance(paths, list) and isinstance(default, int) and 0 <= default < len(paths):
        path = paths[default]
        target = path.get("nextID") if isinstance(path, dict) else None
        if isinstance(target, str) and target:
            return target
    # no default path: the step's failure route is the honest one, since it did not run
    for key in ("fail_id", "failId", "elseId"):
        target = node.get(key)
        if isinstance(target, str) and target:
            return target
    return None


def _unsupported(
    node: Node, runtime: Runtime, _variables: Variables, _program: Program
) -> str | None:
    message = unsupported_message(node)
    target = _default_path(node)
    suffix = f"; continuing to `{target}`" if target else "; no default path, flow ends here"
    runtime.debug(message + suffix, str(node.get("type")))
    logger.warning("%s%s", message, suffix)
    return target


UNSUPPORTED = Handler(
    "unsupported",
    lambda node, _runtime: node.get("type") in UNSUPPORTED_TYPES and node.get("_v") != 1,
    _unsupported,
)
