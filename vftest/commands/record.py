"""`vftest record SUITE... [--case NAME]`: play the cases and write `expect:` where none is.

Runs pytest once over the suites (the embedded runtime, concurrency and every option work as in
any run; arguments after `--` go to pytest), reads its JSON results, and fills in the turns
that have no `expect:` from what the agent answered (vftest.record). Exit status: 0 when the
files were written (or had nothing to fill), 2 when pytest could not run or a case could not
be played (an infrastructure error: that case is left as it was), a suite does not load, or a
`--case` name is no case of the suites.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vftest.commands._pytest_run import play
from vftest.commands.check import find_suites
from vftest.errors import SuiteError
from vftest.record import fill_expectations
from vftest.suite import load_suite
from vftest.transcript import Transcript

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `record` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "record",
        help="play the cases and fill in `expect:` for turns that have none",
        description=(
            "Play the cases of SUITE (files or folders) and write the agent's answers as "
            "`expect:` into every turn that has none, keeping the file's comments and layout."
        ),
    )
    parser.add_argument("suites", nargs="+", metavar="SUITE", help="suite files or folders")
    parser.add_argument(
        "--case", action="append", metavar="NAME", help="only this case (may be repeated)"
    )
    parser.add_argument("--env", metavar="ENV", help="environment to play against")
    parser.add_argument(
        "pytest_args", nargs="*", default=[], help="after --: more pytest arguments"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Play, fill, write; returns the exit status."""
    files = find_suites(args.suites)
    if not files:
        sys.stderr.write("vftest record: no suite files (*.vftest.yaml) found\n")
        return 2
    names = _case_names(files)
    if names is None:
        return 2
    if unknown := [name for name in args.case or [] if name not in names]:
        sys.stderr.write(f"vftest record: no case named {', '.join(map(repr, unknown))} in "
                         f"{', '.join(map(str, files))}\n")  # fmt: skip
        return 2
    targets = [
        f"{file}::{name}" for file in files for name in args.case
    ] if args.case else [str(file) for file in files]  # fmt: skip
    options = [*(["--vftest-env", args.env] if args.env else []), *args.pytest_args]
    results = play(targets, options, command="record")
    if results is None:
        return 2
    played = _by_file(results)
    status = 0
    for file in files:
        transcripts = played.get(file.resolve(), {})
        only = set(args.case) if args.case else None
        recorded = fill_expectations(file.read_text(encoding="utf-8"), transcripts, only=only)
        for reason in recorded.skipped:
            sys.stderr.write(f"vftest record: {file}: {reason}\n")
            if "not recorded" in reason:
                status = 2
        if not recorded.filled:
            sys.stdout.write(f"{file}: nothing to fill\n")
            continue
        try:  # what is written must load as a suite (it always should)
            load_suite(file, text=recorded.text)
        except SuiteError as error:
            sys.stderr.write(f"vftest record: {file}: not written, the result is invalid:\n")
            sys.stderr.write(str(error) + "\n")
            status = 2
            continue
        file.write_text(recorded.text, encoding="utf-8")
        sys.stdout.write(f"{file}: expectations written for {len(recorded.filled)} turns\n")
        for where in recorded.filled:
            sys.stdout.write(f"  {where}\n")
    return status


def _case_names(files: list[Path]) -> set[str] | None:
    """The case names of `files`, or None (after printing the problems) when one does not load."""
    names: set[str] = set()
    broken = False
    for file in files:
        try:
            names.update(case.name for case in load_suite(file).cases)
        except SuiteError as error:
            sys.stderr.write(f"{error}\nvftest record: {file} does not load: nothing recorded\n")
            broken = True
    return None if broken else names


def _by_file(results: dict[str, Any]) -> dict[Path, dict[str, Transcript]]:
    played: dict[Path, dict[str, Transcript]] = {}
    for entry in results["cases"]:
        if not entry.get("transcript"):
            continue
        transcript = Transcript.from_dict(entry["transcript"])
        suite = Path(transcript.suite_path).resolve()
        played.setdefault(suite, {})[transcript.case_name] = transcript
    return played
