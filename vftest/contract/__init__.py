"""Contract checks: every trace received and action sent, validated against an OpenAPI contract.

`load_contract()` picks a pinned profile (`v4`, `dm-1.1`) by API generation or reads a user's
OpenAPI 3.0/3.1 file; `check_traces()` applies the suite's custom/unknown trace policies.
"""

from __future__ import annotations

from vftest.contract.dumps import read_dump, read_dump_text
from vftest.contract.registry import BUILTIN_TRACE_TYPES, Contract, load_contract, resolve_spec
from vftest.contract.validate import UNKNOWN_TYPE, V4_ONLY_FIELDS, check_traces, render_violation

__all__ = [
    "BUILTIN_TRACE_TYPES",
    "UNKNOWN_TYPE",
    "V4_ONLY_FIELDS",
    "Contract",
    "check_traces",
    "load_contract",
    "read_dump",
    "read_dump_text",
    "render_violation",
    "resolve_spec",
]
