"""Agent coverage: which steps of a Voiceflow agent the played conversations went through.

`steps_of` lists an agent file's steps, `hits_from_transcripts` reads the runtime's own `block`
traces from played cases, `CoverageReport` compares the two and renders the terminal table and
the JSON file. The plugin only wires these to options.
"""

from vftest.coverage.agent import Step, steps_of
from vftest.coverage.collect import (
    COVERAGE_EXCLUDE_TYPES,
    COVERAGE_TRACE_TYPES,
    hide_coverage_traces,
    hits_from_transcripts,
)
from vftest.coverage.report import CoverageReport, DiagramCoverage

__all__ = [
    "COVERAGE_EXCLUDE_TYPES",
    "COVERAGE_TRACE_TYPES",
    "CoverageReport",
    "DiagramCoverage",
    "Step",
    "hide_coverage_traces",
    "hits_from_transcripts",
    "steps_of",
]
