"""Regression baselines: record what the agent answers once, report every drift after.

`record_case` turns a played case (a `Transcript`) into a readable record; `compare_cases`
lists what differs between two records; `store` reads and writes the per-suite, per-environment
YAML files; `report` renders differences. The pytest plugin wires these to
`baseline:` / `--vftest-baseline` / `--vftest-update-baselines` (docs/baselines.md).
"""

from __future__ import annotations

from vftest.baseline.compare import Difference, Tolerance, compare_cases, describe_user
from vftest.baseline.record import TurnRecord, apply_mask, record_case, record_turn
from vftest.baseline.report import render_differences, render_missing, update_command
from vftest.baseline.store import (
    BaselineError,
    UpdateSummary,
    baseline_path,
    load_entries,
    write_updates,
)

__all__ = [
    "BaselineError",
    "Difference",
    "Tolerance",
    "TurnRecord",
    "UpdateSummary",
    "apply_mask",
    "baseline_path",
    "compare_cases",
    "describe_user",
    "load_entries",
    "record_case",
    "record_turn",
    "render_differences",
    "render_missing",
    "update_command",
    "write_updates",
]
