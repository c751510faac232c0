"""The README's example suite must keep passing against the demo agent it describes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_readme_example_suite_passes(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"```yaml\n# suites/orders\.vftest\.yaml\n(.*?)```", readme, re.S)
    assert match, "the README lost its example suite"
    suites = pytester.mkdir("suites")
    (suites / "agents").mkdir()
    shutil.copy(ROOT / "suites/agents/support.vfr", suites / "agents/support.vfr")
    (suites / "orders.vftest.yaml").write_text(match.group(1))
    result = pytester.runpytest_subprocess("suites/", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
