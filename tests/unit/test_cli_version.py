"""`vftest --version` says which vftest runs, matching the installed distribution."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import vftest


def test_version_flag_prints_the_installed_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vftest.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith(f"vftest {vftest.__version__} (Python ")
    assert vftest.__version__ == version("vftest")  # pyproject.toml and the package agree
