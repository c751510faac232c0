"""`vftest check PATH...`: lint suite files offline, through the same loader as collection.

Prints each problem as `path:line: where: message`, then a summary; exit 0 clean, 1 on any
problem, 2 when no suite file was found.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from vftest.errors import SuiteError
from vftest.suite import load_suite

__all__ = ["SUITE_SUFFIXES", "add_parser", "find_suites", "run"]

SUITE_SUFFIXES = (".vftest.yaml", ".vftest.yml")
# Descending into these would only find vendored copies or caches, never the user's suites.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register the `check` subcommand."""
    parser = subparsers.add_parser(
        "check",
        help="check suite files for errors without running them",
        description=(
            "Check suite files (*.vftest.yaml, *.vftest.yml; directories are searched "
            "recursively) against the suite format, without contacting any runtime."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="suite files or directories")


def is_suite_file(path: Path) -> bool:
    """Whether a file name follows the suite naming convention."""
    return path.name.endswith(SUITE_SUFFIXES)


def find_suites(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Suite files named by `paths`: files as given, directories searched recursively.

    Hidden directories (`.git`, `.venv`...) are not searched. Paths that do not exist are
    left out. The result is sorted and free of duplicates.
    """
    found: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS]
                found.update(Path(root, name) for name in files if is_suite_file(Path(name)))
    return sorted(found)


def run(args: argparse.Namespace) -> int:
    """Check every suite named on the command line; returns the exit code."""
    missing = [path for path in args.paths if not os.path.exists(path)]
    for path in missing:
        _say(f"{path}: no such file or directory", sys.stderr)
    suites = find_suites(args.paths)
    if not suites:
        _say("no suite files found (looked for *.vftest.yaml, *.vftest.yml)", sys.stderr)
        return 2
    problems = 0
    for path in suites:
        try:
            load_suite(path)
        except SuiteError as error:
            for problem in error.problems:
                _say(str(problem))
            problems += len(error.problems)
    files = f"{len(suites)} file{'' if len(suites) == 1 else 's'}"
    if problems:
        _say(f"checked {files}: {problems} problem{'' if problems == 1 else 's'}")
    else:
        _say(f"checked {files}: ok")
    return 1 if problems or missing else 0


def _say(line: str, stream: TextIO | None = None) -> None:
    # Looked up at call time, so redirected/captured streams are honoured.
    (stream or sys.stdout).write(line + "\n")
