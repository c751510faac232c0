"""Run `vftest ...` and `pytest ...` in a subprocess, as a user would, for command tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_vftest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`vftest ARGS` in `cwd`, without the caller's VFTEST_* settings and suite cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VFTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "vftest.cli", *args], cwd=cwd, capture_output=True, text=True,
        env={**env, "VFTEST_CACHE_DIR": "off"},
    )  # fmt: skip


def run_pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`pytest -q ARGS` in `cwd` (no cache, no random order)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True)
