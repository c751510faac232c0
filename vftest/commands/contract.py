"""`vftest contract FILE...`: check saved traces (JSON, JSONL, SSE) against an OpenAPI contract.

Exit status: 0 every trace fits, 1 violations (with --strict, unknown trace types too),
2 a file or the contract could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any, TextIO

from vftest.contract import (
    check_traces,
    load_contract,
    read_dump,
    render_violation,
)
from vftest.errors import ContractError
from vftest.models import ApiGeneration, ContractSettings, Violation

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `contract` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "contract",
        help="check saved traces against the OpenAPI contract",
        description=(
            "Check trace dumps (a JSON array, an object with `traces`, JSONL, or a saved "
            "SSE stream) against a pinned or user-supplied OpenAPI contract."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="trace dump(s) to check")
    parser.add_argument(
        "--contract",
        default="auto",
        metavar="auto|v4|dm-1.1|PATH",
        help="contract profile or OpenAPI file (default: auto, chosen by --api)",
    )
    parser.add_argument(
        "--api",
        choices=[g.value for g in ApiGeneration],
        default=ApiGeneration.V1.value,
        help="API generation the traces came from (default: v1; auto picks dm-1.1 for "
        "v1/v2, v4 for v4)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="unknown trace types are violations, not warnings"
    )
    parser.add_argument(
        "--custom",
        action="append",
        default=[],
        metavar="NAME",
        help="a custom action/trace type the agent is expected to send (repeatable)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check every file; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        contract = load_contract(args.contract, ApiGeneration(args.api))
    except ContractError as exc:
        print(f"vftest contract: {exc}", file=err)
        return 2
    settings = ContractSettings(
        spec=args.contract,
        unknown_traces="fail" if args.strict else "warn",
        custom_traces=tuple(args.custom),
    )
    unreadable = False
    records: list[dict[str, Any]] = []
    total_traces = total_violations = total_warnings = 0
    for name in args.files:
        try:
            traces = read_dump(name)
        except ContractError as exc:
            print(f"vftest contract: {exc}", file=err)
            unreadable = True
            continue
        violations, warnings = check_traces(contract, traces, settings)
        uncovered = contract.uncovered(traces)
        total_traces += len(traces)
        total_violations += len(violations)
        total_warnings += len(warnings)
        records.extend(_record(name, "violation", v) for v in violations)
        records.extend(_record(name, "warning", v) for v in warnings)
        if args.format == "text":
            _print_file(out, name, contract.name, len(traces), violations, warnings, uncovered)
    if args.format == "json":
        json.dump(records, out, indent=2)
        out.write("\n")
    else:
        verdict = "FAILED" if total_violations else "ok"
        print(
            f"{verdict}: {total_traces} traces in {len(args.files)} file(s) checked against "
            f"{contract.name} ({contract.title}): {total_violations} violation(s), "
            f"{total_warnings} warning(s)",
            file=out,
        )
    if unreadable:
        return 2
    return 1 if total_violations else 0


def _record(name: str, severity: str, v: Violation) -> dict[str, Any]:
    return {
        "file": name,
        "severity": severity,
        "subject": v.subject,
        "message": v.message,
        "json_path": v.json_path,
        "keyword": v.keyword,
        "schema_path": v.schema_path,
        "value": v.value,
        "schema": v.schema,
        "count": v.count,
    }


def _print_file(
    out: TextIO,
    name: str,
    contract: str,
    count: int,
    violations: list[Violation],
    warnings: list[Violation],
    uncovered: Counter[str],
) -> None:
    print(
        f"{name}: {count} trace(s), {len(violations)} violation(s), {len(warnings)} warning(s)",
        file=out,
    )
    for label, items in (("FAIL", violations), ("warn", warnings)):
        for v in items:
            lines = render_violation(v).splitlines()
            print(f"  {label} {lines[0]}", file=out)
            for line in lines[1:]:
                print(f"       {line}", file=out)
    if uncovered:
        listed = ", ".join(f"{t} x{n}" for t, n in sorted(uncovered.items()))
        print(f"  not covered by {contract} (not checked): {listed}", file=out)
