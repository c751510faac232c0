"""Expectation kinds of one's own: a `price:` kind (docs/examples/matchers/price_matcher.py)
added through a conftest.py hook and through the `vftest.matchers` entry point group."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "matchers" / "price_matcher.py"

SUITE = """\
name: prices
target: {project: support.vfr}
cases:
  - name: shipping costs are stated in dollars
    turns:
      - launch:
      - text: how much is shipping
        expect:
          - price: {currency: "$", max: 20}
  - name: no euro prices
    turns:
      - launch:
      - text: how much is shipping
        expect:
          - price: {currency: "€"}
"""

CONFTEST = """\
from price_matcher import PRICE


def pytest_vftest_matchers(config):
    return [PRICE]
"""


@pytest.fixture
def folder(pytester: pytest.Pytester) -> Path:
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", pytester.path / "support.vfr")
    shutil.copy(EXAMPLE, pytester.path / "price_matcher.py")
    pytester.makefile(".vftest.yaml", prices=SUITE)
    return pytester.path


def test_a_kind_from_a_conftest_hook_matches_and_describes_itself(
    pytester: pytest.Pytester, folder: Path
) -> None:
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*turn 2 of 2: expected price in €, closest was trace #1 (text)",
            "*FAIL expect[[]0]  price in €*",
            "*no € price in 'Standard shipping costs $4.99*",
        ]
    )


def test_a_bad_value_of_a_plugin_kind_is_a_load_error_with_its_line(
    pytester: pytest.Pytester, folder: Path
) -> None:
    pytester.makeconftest(CONFTEST)
    (folder / "prices.vftest.yaml").write_text(SUITE.replace('currency: "€"', 'currency: "¥"'))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    where = "cases[[]1].turns[[]1].expect[[]0].price"  # [[] is a literal [ in fnmatch
    result.stdout.fnmatch_lines([f"*prices.vftest.yaml:15: {where}*"])
    assert result.ret != 0


def test_without_the_plugin_the_key_is_unknown(pytester: pytest.Pytester, folder: Path) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*prices.vftest.yaml:9:*price*"])
    assert result.ret != 0


def test_a_kind_from_an_entry_point_validates_in_vftest_check(tmp_path: Path, folder: Path) -> None:
    # An installed distribution, as pip leaves it: a module and a dist-info with entry points.
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(EXAMPLE, site / "price_matcher.py")
    info = site / "vftest_price-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vftest-price\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[vftest.matchers]\nprice = price_matcher:PRICE\n")
    env = {**os.environ, "PYTHONPATH": str(site), "VFTEST_CACHE_DIR": "off"}
    good = subprocess.run(
        [sys.executable, "-m", "vftest.cli", "check", "prices.vftest.yaml"],
        cwd=folder, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr
    (folder / "prices.vftest.yaml").write_text(SUITE.replace('currency: "€"', "max: 3"))
    bad = subprocess.run(
        [sys.executable, "-m", "vftest.cli", "check", "prices.vftest.yaml"],
        cwd=folder, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "prices.vftest.yaml:15: cases[1].turns[1].expect[0].price" in bad.stdout + bad.stderr
    assert "currency" in bad.stdout + bad.stderr
