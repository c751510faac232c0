"""Agent coverage: which steps of a Voiceflow agent the played conversations went through.

`load_agent` lists what an agent file has (steps, paths, intents, buttons), `observe` reads the
runtime's own `block` and `path` traces and the requests of played cases, `CoverageReport`
compares the two and renders the terminal table and the JSON file. The plugin only wires these
to options.
"""

from vftest.coverage.agent import Agent, Step, load_agent, steps_of
from vftest.coverage.collect import (
    COVERAGE_EXCLUDE_TYPES,
    COVERAGE_TRACE_TYPES,
    REVEALED_TYPES,
    Observation,
    hide_coverage_traces,
    hits_from_transcripts,
    observe,
)
from vftest.coverage.ports import Button, Path
from vftest.coverage.report import CoverageReport, DiagramCoverage, PartCoverage

__all__ = [
    "COVERAGE_EXCLUDE_TYPES",
    "COVERAGE_TRACE_TYPES",
    "REVEALED_TYPES",
    "Agent",
    "Button",
    "CoverageReport",
    "DiagramCoverage",
    "Observation",
    "PartCoverage",
    "Path",
    "Step",
    "hide_coverage_traces",
    "hits_from_transcripts",
    "load_agent",
    "observe",
    "steps_of",
]
