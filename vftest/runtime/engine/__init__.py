"""The execution engine of vftest's embedded local runtime (a port of general-runtime's core).

`run_turn` executes one interact request against a loaded `Project` and a session state;
`filter_traces` turns its full trace list into what a client sees.
"""

from __future__ import annotations

from vftest.runtime.engine.filters import DEFAULT_EXCLUDED_TYPES, filter_traces
from vftest.runtime.engine.turn import TurnConfig, TurnOutput, initial_state, run_turn

__all__ = [
    "DEFAULT_EXCLUDED_TYPES",
    "TurnConfig",
    "TurnOutput",
    "filter_traces",
    "initial_state",
    "run_turn",
]
