"""The `vftest` command: dispatches to one module per subcommand in `vftest.commands`.

Each command module exposes `add_parser(subparsers)` and `run(args) -> int` (the exit code);
modules are imported lazily so that `vftest check` never pays for the runtime's imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = ("check", "serve", "contract", "diff", "pull", "record", "import")
# `import` is a Python keyword: its module is `import_`.
_MODULES = {"import": "import_"}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="vftest", description="Conversation tests for Voiceflow agents."
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"vftest.commands.{_MODULES.get(name, name)}")
        module.add_parser(subparsers)
    return parser


def _version() -> str:
    from vftest import __version__

    python = ".".join(map(str, sys.version_info[:3]))
    return f"vftest {__version__} (Python {python})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `vftest` command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"vftest.commands.{_MODULES.get(args.command, args.command)}")
    code: int = module.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
