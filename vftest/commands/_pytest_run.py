"""Playing suites for a command (`vftest diff`, `vftest record`): one pytest run, its results.

The command runs pytest in a subprocess over the suites, so the embedded runtime, concurrency,
environments and every `--vftest-*` option behave as in any run, and reads the JSON results
(`--vftest-json`, vftest/resources/results.schema.json).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["play"]


def play(targets: Sequence[str], options: Sequence[str], *, command: str) -> dict[str, Any] | None:
    """The results of `pytest TARGETS OPTIONS`, or None (after saying why on stderr)."""
    with tempfile.TemporaryDirectory(prefix=f"vftest-{command}-") as folder:
        results_file = Path(folder) / "results.json"
        argv = [
            sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider",
            "--vftest-json", str(results_file), *options,
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True)
        if not results_file.exists():
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            sys.stderr.write(
                f"vftest {command}: pytest could not run the suites (exit {done.returncode})\n"
            )
            return None
        results: dict[str, Any] = json.loads(results_file.read_text(encoding="utf-8"))
        return results
