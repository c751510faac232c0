"""`vftest diff SUITES --env A --env B`: play the cases against two environments and compare.

Runs pytest once over the environment matrix `A,B` (so concurrency, the embedded runtimes and
per-environment agent files work as in any run), reads its JSON results, and compares each
case's two conversations the way baselines do. Hand-written expectations run too, but their
verdicts do not matter here: only what the agent said does.

Exit status: 0 nothing differs, 1 something differs, 2 a usage error or a case that could not
run in one of the environments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vftest.baseline import Tolerance
from vftest.commands._pytest_run import play
from vftest.diff import baseline_settings, diff_results, render_markdown, render_text
from vftest.textmatch import SCORERS

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `diff` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="play the cases against two environments and report what differs",
        description=(
            "Play every case of SUITES against two environments (e.g. development and "
            "production) and report, per case, the first turn where the conversations differ."
        ),
    )
    parser.add_argument("suites", nargs="+", metavar="SUITE", help="suite files or directories")
    parser.add_argument(
        "--env", action="append", required=True, metavar="ENV", help="give it twice: A then B"
    )
    parser.add_argument("--markdown", metavar="PATH", help="also write the report as Markdown")
    parser.add_argument(
        "--threshold", type=float, help="texts this similar count as equal (default: exact)"
    )
    parser.add_argument("--scorer", choices=SCORERS, default="ratio", help="text similarity")
    parser.add_argument(
        "pytest_args", nargs="*", default=[], help="after --: more pytest arguments (-k, -n...)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Play, compare, print; returns the exit status."""
    if len(args.env) != 2 or args.env[0] == args.env[1]:
        sys.stderr.write("vftest diff: give two different environments: --env A --env B\n")
        return 2
    left, right = args.env
    options = ["--vftest-env", f"{left},{right}", *args.pytest_args]
    results = play(args.suites, options, command="diff")
    if results is None:
        return 2
    tolerance = Tolerance(args.threshold, args.scorer) if args.threshold is not None else None
    report = diff_results(
        results, left, right, tolerance=tolerance, settings=baseline_settings(_suite_paths(results))
    )
    sys.stdout.write(render_text(report) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(report) + "\n", encoding="utf-8")
    return report.exit_code


def _suite_paths(results: dict[str, Any]) -> set[str]:
    return {e["transcript"]["suite_path"] for e in results["cases"] if e["transcript"]}
