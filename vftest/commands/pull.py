"""`vftest pull`: download an agent's compiled export (`.vfr`) for the local runtime.

    vftest pull --env development --project-id ID -o agents/support.vfr
    vftest pull --version-id ID -o agents/support.vfr

The API key is read from the environment (`VOICEFLOW_API_KEY`, or the variable `--api-key-env`
names), never from the command line. Exit status: 0 written (warnings about stale programs are
printed), 2 nothing written.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from vftest.pull import ALIASES, DEFAULT_API_URL, PullError, pull, save

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `pull` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "pull",
        help="download an agent's compiled export (.vfr) from Voiceflow's Project API",
        description=(
            "Download the compiled export of an agent version (GET /v2/versions/{id}/export) "
            "and save it for `vftest serve` and suites' `target.project`."
        ),
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--env", choices=ALIASES, help="the version alias to export")
    which.add_argument("--version-id", metavar="ID", help="a version id to export")
    parser.add_argument("--project-id", metavar="ID", help="the project id (needed for --env)")
    parser.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write")
    parser.add_argument(
        "--api-url",
        default=DEFAULT_API_URL,
        help=f"Project API base URL (default {DEFAULT_API_URL})",
    )
    parser.add_argument(
        "--api-key-env",
        default="VOICEFLOW_API_KEY",
        metavar="NAME",
        help="environment variable holding the API key (default VOICEFLOW_API_KEY)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Fetch, check, write; returns the exit status."""
    api_key = os.environ.get(args.api_key_env)
    if not api_key:
        _say(f"vftest pull: set the API key in the environment variable {args.api_key_env}")
        return 2
    try:
        pulled = pull(
            api_key=api_key,
            version=args.env or args.version_id,
            project_id=args.project_id,
            api_url=args.api_url,
        )
        path = save(pulled, args.output)
    except PullError as error:
        _say(f"vftest pull: {error}")
        return 2
    for warning in pulled.warnings:
        _say(f"vftest pull: warning: {warning}")
    name = pulled.data.get("project", {}).get("name") if isinstance(pulled.data, dict) else None
    sys.stdout.write(f"wrote {path}" + (f" ({name})" if name else "") + "\n")
    return 0


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
