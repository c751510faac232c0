"""vftest's embedded local runtime: runs compiled Voiceflow projects (.vfr) like general-runtime.

Re-exports the project loader and the execution engine; the HTTP server lives in its own
modules of this package.
"""

from __future__ import annotations

from vftest.runtime.engine import (
    DEFAULT_EXCLUDED_TYPES,
    TurnConfig,
    TurnOutput,
    filter_traces,
    initial_state,
    run_turn,
)
from vftest.runtime.project import Project, load_project, load_project_data

__all__ = [
    "DEFAULT_EXCLUDED_TYPES",
    "Project",
    "TurnConfig",
    "TurnOutput",
    "create_app",
    "filter_traces",
    "initial_state",
    "load_project",
    "load_project_data",
    "run_turn",
]


def __getattr__(name: str) -> object:
    # The ASGI app pulls in Starlette; only code that serves needs it (PEP 562 lazy attribute).
    if name == "create_app":
        from vftest.runtime.app import create_app

        return create_app
    raise AttributeError(f"module 'vftest.runtime' has no attribute {name!r}")
