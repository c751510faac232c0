"""Run reports from a real run with passing, failing and erroring cases: JUnit, JSON, Markdown,
HTML (opened in headless Chromium), and `-vv` transcripts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.browser import screenshot
from tests.net import closed_port_url

ROOT = Path(__file__).parents[2]

SUITE = """\
name: pizza
target: {project: pizza.vfr}
tags: [pizza]
cases:
  - name: welcome
    tags: [smoke]
    turns:
      - launch:
        expect:
          - text: {contains: Welcome}
  - name: wrong welcome
    turns:
      - launch:
        expect:
          - text: {similar: "Welcome to Burger Barn, friend!", threshold: 0.95}
  - name: menu
    turns:
      - launch:
      - button: See the menu
        expect:
          - carousel: {count: 2}
"""

DOWN = """\
name: down
target: {url: "%s", api: v1}
cases:
  - name: runtime down
    turns:
      - launch:
"""


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real run (pass, fail, error) with every report asked for, under xdist."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("reports")
    (folder / "pizza.vfr").write_bytes((ROOT / "tests/data/projects/pizza-demo.vfr").read_bytes())
    (folder / "pizza.vftest.yaml").write_text(SUITE)
    (folder / "down.vftest.yaml").write_text(DOWN % closed_port_url())
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-n", "2", "--vftest-timeout", "2",
            "--junitxml", "out/junit.xml", "--vftest-json", "out/results.json",
            "--vftest-markdown", "out/summary.md", "--vftest-html", "out/report.html",
        ],
        cwd=folder, capture_output=True, text=True,
        env={"VOICEFLOW_API_KEY": "VF.DM.x.reports", **_env()},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return {"folder": folder, "stdout": done.stdout}


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("VFTEST_")}


def test_junit_has_every_transcript_properties_and_real_times(reported: dict[str, Any]) -> None:
    tree = ET.parse(reported["folder"] / "out" / "junit.xml")
    cases = {case.get("name"): case for case in tree.iter("testcase")}
    assert set(cases) == {"welcome", "wrong welcome", "menu", "runtime down"}
    passing = cases["welcome"]
    out = passing.find("system-out")
    assert out is not None
    assert out.text is not None
    assert "turn 1   > launch" in out.text
    assert '< text "Welcome to Pizza Place, friend!"' in out.text
    properties = {p.get("name"): p.get("value") for p in passing.iter("property")}
    assert properties["vftest_environment"] == "development"
    assert properties["vftest_api"] == "v1"
    assert properties["vftest_turns"] == "1/1"
    assert properties["vftest_user_id"].startswith("vftest-")
    assert 0 < float(passing.get("time", "0")) < 5
    failure = cases["wrong welcome"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("turn 1 of 1: expected text ~")


def test_json_results_follow_the_published_schema(reported: dict[str, Any]) -> None:
    results = json.loads((reported["folder"] / "out" / "results.json").read_text())
    schema = json.loads((ROOT / "vftest/resources/results.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(results)
    assert results["counts"]["passed"] == 2
    assert results["counts"]["failed"] == 1
    assert results["counts"]["error"] == 1
    by_id = {case["nodeid"]: case for case in results["cases"]}
    wrong = by_id["pizza.vftest.yaml::wrong welcome"]
    [turn] = wrong["transcript"]["turns"]
    assert turn["action"] == {"type": "launch"}
    assert turn["verdicts"][0]["ok"] is False
    assert turn["traces"][0]["type"] == "text"
    assert "infrastructure error" in by_id["down.vftest.yaml::runtime down"]["failure"]


def test_markdown_summary_lists_what_went_wrong(reported: dict[str, Any]) -> None:
    text = (reported["folder"] / "out" / "summary.md").read_text()
    assert text.startswith("### vftest: 1 failed, 1 errors, 2 passed")
    assert "| ❌ | `pizza.vftest.yaml::wrong welcome` | turn 1 of 1: expected text" in text
    assert "| ⚠️ | `down.vftest.yaml::runtime down` |" in text


def test_the_html_report_reads_as_chats_in_a_real_browser(
    reported: dict[str, Any], page: Any
) -> None:
    report = reported["folder"] / "out" / "report.html"
    assert "http://" not in report.read_text().split("<script id=")[0]  # no external assets
    page.goto(report.as_uri())
    assert "1 failed" in page.text_content("#summary")
    failing = page.locator("section.case.failed")
    assert failing.count() == 1
    assert (
        failing.locator(".turn.failing .verdict")
        .first.text_content()
        .startswith('FAIL expect[0]  text ~ "Welcome to Burger Barn, friend!"')
    )
    assert "Welcome to Pizza Place" in failing.locator(".bubble.agent").first.text_content()
    assert page.locator("section.case.error pre.report").first.is_visible()
    # A passing case opens on click and shows the carousel's cards.
    menu = page.locator("section.case.passed", has_text="menu")
    menu.locator("h2").click()
    assert menu.locator(".carousel .card").count() == 2
    assert menu.locator(".bubble.user").nth(1).text_content() == 'button "See the menu"'
    page.check("#failed-only")
    assert page.locator("section.case:not(.hidden)").count() == 2
    page.uncheck("#failed-only")
    page.fill("#search", "carousel")
    assert page.text_content("#shown") == "1 of 4 cases"
    page.fill("#search", "")
    page.select_option("#tag-filter", "smoke")
    assert page.locator("section.case:not(.hidden) .name").all_text_contents() == ["welcome"]
    page.select_option("#tag-filter", "")
    screenshot(page, "html-report")


def test_vv_prints_the_transcript_of_passing_cases(pytester: pytest.Pytester, pizza: Path) -> None:
    pytester.makefile(".vftest.yaml", pizza=SUITE)
    result = pytester.runpytest_subprocess("-vv", "-k", "welcome and not wrong")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["    turn 1   > launch", '              < text "Welcome to Pizza Place, friend!"']
    )
    quiet = pytester.runpytest_subprocess("-v", "-k", "welcome and not wrong")
    quiet.stdout.no_fnmatch_line("*> launch*")


def test_junit_times_are_each_case_s_real_duration_under_latency(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vftest.runtime.app import create_app
    from vftest.runtime.options import Latency, RuntimeOptions
    from vftest.runtime.project import load_project
    from vftest.runtime.server import RunningServer

    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.latency")
    pytester.makefile(".vftest.yaml", pizza=SUITE.replace("target: {project: pizza.vfr}\n", ""))
    project = load_project(ROOT / "tests/data/projects/pizza-demo.vfr")
    app = create_app(project, RuntimeOptions(latency=Latency(fixed_ms=300)))
    with RunningServer(app) as server:
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--vftest-url", server.url, "--junitxml", "j.xml",
            "--vftest-concurrency", "3", "--durations", "0",
        )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    times = {
        case.get("name"): float(case.get("time", "0"))
        for case in ET.parse(pytester.path / "j.xml").iter("testcase")
    }
    # Cases run concurrently, so a case's time is its own turns (0.3 s each), not the wait for
    # the cases ahead of it: "menu" plays two turns, the others one (plus the first reset).
    assert 0.55 < times["menu"] < 2.0, times
    assert 0.25 < times["welcome"] < 1.5, times
    result.stdout.fnmatch_lines(["*s call *pizza.vftest.yaml::menu*"])


def test_the_html_report_draws_agent_coverage(tmp_path: Path, page: Any) -> None:
    """With --vftest-cov the page draws each step, hit or missed, and the missed paths."""
    import shutil
    import subprocess
    import sys

    for name in ("paths.vfr", "paths.vftest.yaml"):
        shutil.copy(ROOT / "docs" / "examples" / "coverage" / name, tmp_path / name)
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-n", "2", "--vftest-cov", "--vftest-html", "report.html", "--vftest-json", "r.json",
        ],
        cwd=tmp_path, capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    schema = json.loads((ROOT / "vftest/resources/results.schema.json").read_text())
    jsonschema.validate(results, schema)
    assert results["coverage"][0]["paths"]["hit"] == 4
    page.goto((tmp_path / "report.html").as_uri())
    section = page.locator("#coverage")
    assert section.is_visible()
    assert "steps 11/13 (84.6%)" in section.text_content()
    assert section.locator(".step").count() == 13
    missed = section.locator(".step.missed").all_text_contents()
    assert missed == ["p_pear", "p_silent"]
    assert section.locator(".step.missed").first.get_attribute("title") == (
        "text: Pears are fine too. (missed)"
    )
    lists = section.locator(".missed-list").all_text_contents()
    assert any("ROOT p_menu → p_pear: 3: path-pear" in text for text in lists)
    assert any("Missed intents" in text and "goodbye" in text for text in lists)
    screenshot(page, "html-report-coverage")
