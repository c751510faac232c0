"""Agent coverage end to end (`--vftest-cov`): exact figures, merging, the bar, the wire.

The tiny agent (tests/data/coverage/tiny.vfr) has 7 steps: start, a greeting, a two-button
menu, one text per button, an exit, and a text nothing links to. Pressing "Side A" reaches
start, greeting, menu, side A, exit: 5 of 7 (71.43%); missed: side B and the orphan.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from vftest.coverage import steps_of

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "coverage"
EXAMPLES = ROOT / "docs" / "examples" / "coverage"


@pytest.fixture
def tiny(pytester: pytest.Pytester) -> Path:
    """The tiny agent and its one-case suite in pytester's directory."""
    shutil.copy(DATA / "tiny.vfr", pytester.path / "tiny.vfr")
    shutil.copy(DATA / "tiny.vftest.yaml", pytester.path / "tiny.vftest.yaml")
    return pytester.path / "tiny.vfr"


@pytest.fixture
def paths_agent(pytester: pytest.Pytester) -> Path:
    """The paths agent (a menu, a condition, a global intent) and its two-case suite.

    docs/coverage.md shows its report; they live in docs/examples/coverage so the docs run them.
    """
    shutil.copy(EXAMPLES / "paths.vfr", pytester.path / "paths.vfr")
    shutil.copy(EXAMPLES / "paths.vftest.yaml", pytester.path / "paths.vftest.yaml")
    return pytester.path / "paths.vfr"


def _agent(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    [agent] = data["agents"]
    return agent


def test_tiny_agent_coverage_is_the_hand_computed_one(
    pytester: pytest.Pytester, tiny: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-cov", "--vftest-cov-json", "cov.json"
    )
    result.assert_outcomes(passed=1)
    agent = _agent(pytester.path / "cov.json")
    assert agent["steps"] == {"total": 7, "hit": 5, "percent": 71.43}
    [diagram] = agent["diagrams"]
    assert diagram["name"] == "ROOT"
    assert [m["id"] for m in diagram["missed"]] == ["t_b", "t_orphan"]
    assert diagram["missed"][0] == {"id": "t_b", "type": "text", "snippet": "You chose side B."}
    [suite] = agent["suites"].values()
    assert suite["reached"] == ["t_a", "t_end", "t_hello", "t_menu", "t_start"]
    result.stdout.re_match_lines(
        [r"ROOT\s+7\s+2\s+71\.4%\s+t_b, t_orphan", r"TOTAL\s+7\s+2\s+71\.4%"]
    )
    result.stdout.fnmatch_lines(["  ROOT t_orphan (text): Nobody ever gets here."])


def test_paths_intents_and_buttons_are_the_hand_computed_ones(
    pytester: pytest.Pytester, paths_agent: Path
) -> None:
    """paths.vftest.yaml presses Apple, says "help" and asks for the weather; then nonsense.

    Menu lines taken: apple (pressed), weather (typed: choice 1), no match; the condition's
    `if` (fruit is apple); missed: pear, no reply, the condition's else. Intents: weather
    (typed at the menu), help (the global trigger); goodbye never. Buttons: only Apple was
    pressed (Weather was typed, which is not a press).
    """
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-cov", "--vftest-cov-json", "cov.json"
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    agent = _agent(pytester.path / "cov.json")
    assert agent["steps"] == {"total": 13, "hit": 11, "percent": 84.62}
    assert {k: v for k, v in agent["paths"].items() if k != "missed"} == {
        "total": 7, "hit": 4, "percent": 57.14,
    }  # fmt: skip
    assert [(m["step"], m["path"], m["target"]) for m in agent["paths"]["missed"]] == [
        ("p_menu", "3: path-pear", "p_pear"),
        ("p_menu", "no reply", "p_silent"),
        ("p_check", "else", "p_end"),
    ]
    assert agent["intents"] == {
        "total": 3, "hit": 2, "percent": 66.67, "missed": [{"intent": "goodbye"}]
    }  # fmt: skip
    assert agent["buttons"]["missed"] == [
        {"step": "p_menu", "diagram": "ROOT", "label": "Pear"},
        {"step": "p_menu", "diagram": "ROOT", "label": "Weather"},
    ]
    result.stdout.re_match_lines(
        [
            r"TOTAL\s+13\s+2\s+84\.6%",
            r"Paths\s+7\s+3\s+57\.1%",
            r"Intents\s+3\s+1\s+66\.7%",
            r"Buttons\s+3\s+2\s+33\.3%",
            r"missed paths:",
            r"  ROOT p_menu -> p_pear: 3: path-pear",
        ]
    )


def test_a_matrix_reports_each_environment(pytester: pytest.Pytester, paths_agent: Path) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-env", "development,production", "--vftest-cov",
        "--vftest-cov-json", "cov.json",
    )  # fmt: skip
    result.assert_outcomes(passed=4)
    agent = _agent(pytester.path / "cov.json")
    assert set(agent["environments"]) == {"development", "production"}
    for entry in agent["environments"].values():
        assert (entry["hit"], entry["paths"]["hit"], entry["buttons"]["hit"]) == (11, 4, 1)
    result.stdout.fnmatch_lines(
        [
            "development: steps 11/13 (84.6%), paths 4/7 (57.1%), intents 2/3 (66.7%), "
            "buttons 1/3 (33.3%)",
            "production: steps 11/13 (84.6%), *",
        ]
    )


def test_fail_under_fails_a_run_below_the_bar(pytester: pytest.Pytester, tiny: Path) -> None:
    below = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-cov-fail-under", "80", "--vftest-cov"
    )
    assert below.ret == pytest.ExitCode.TESTS_FAILED
    below.stdout.fnmatch_lines(["*71.4% of *tiny.vfr is below --vftest-cov-fail-under 80%*"])
    above = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-cov-fail-under", "70", "--vftest-cov"
    )
    assert above.ret == pytest.ExitCode.OK


def test_ini_key_turns_coverage_on(pytester: pytest.Pytester, tiny: Path) -> None:
    pytester.makeini("[pytest]\nvftest_cov = true\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.re_match_lines([r"TOTAL\s+7\s+2\s+71\.4%"])


def test_hosted_style_over_the_wire_agrees_with_the_embedded_runtime(
    pytester: pytest.Pytester, paths_agent: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A separate runtime at a URL (as a hosted one) gives the same report as the embedded one:
    steps, paths, intents and buttons."""
    from vftest.runtime.app import create_app
    from vftest.runtime.options import RuntimeOptions
    from vftest.runtime.project import load_project
    from vftest.runtime.server import RunningServer

    embedded = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-cov", "--vftest-cov-json", "embedded.json"
    )
    embedded.assert_outcomes(passed=2)
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.coverage")
    server = RunningServer(create_app(load_project(paths_agent), RuntimeOptions()))
    server.start()
    try:
        wire = pytester.runpytest_subprocess(
            "-p",
            "no:cacheprovider",
            "--vftest-cov",
            "--vftest-url",
            server.url,
            "--vftest-cov-agent",
            str(paths_agent),
            "--vftest-cov-json",
            "wire.json",
        )
    finally:
        server.stop()
    wire.assert_outcomes(passed=2)
    by_wire = _agent(pytester.path / "wire.json")
    by_engine = _agent(pytester.path / "embedded.json")
    assert by_wire["steps"] == by_engine["steps"] == {"total": 13, "hit": 11, "percent": 84.62}
    for part in ("diagrams", "paths", "intents", "buttons", "suites"):
        assert by_wire[part] == by_engine[part], part


def _demo(pytester: pytest.Pytester, *, without: str | None = None) -> dict[str, Any]:
    suites = pytester.path / "suites"
    if not suites.exists():
        shutil.copytree(ROOT / "suites", suites)
    args = ["-p", "no:cacheprovider", "-n", "2", "--vftest-cov", "--vftest-cov-json", "demo.json"]
    if without is not None:
        args += [
            f"suites/{name.name}"
            for name in sorted(suites.glob("*.vftest.yaml"))
            if name.name != without
        ]
    else:
        args.append("suites")
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    return _agent(pytester.path / "demo.json")


def test_example_suites_reach_every_step_of_the_demo_agent(pytester: pytest.Pytester) -> None:
    """Merged across two xdist workers; removing a suite loses exactly what only it reaches."""
    everything = _demo(pytester)
    total = len(steps_of(ROOT / "suites" / "agents" / "support.vfr"))
    assert everything["steps"] == {"total": total, "hit": total, "percent": 100.0}
    for part in ("paths", "intents", "buttons"):
        assert everything[part]["missed"] == [], part
        assert everything[part]["percent"] == 100.0, part
    reached = {
        Path(suite).name: set(entry["reached"]) for suite, entry in everything["suites"].items()
    }
    others = set().union(*(ids for name, ids in reached.items() if name != "products.vftest.yaml"))
    only_products = reached["products.vftest.yaml"] - others
    assert only_products  # the carousel is reached by the products suite alone

    fewer = _demo(pytester, without="products.vftest.yaml")
    missed = {m["id"] for d in fewer["diagrams"] for m in d["missed"]}
    assert missed == only_products
    assert fewer["steps"]["hit"] == total - len(only_products)


def test_readme_shows_the_real_demo_report(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"\$ pytest suites/ --vftest-cov\n\.\.\.\n(.*?)```", readme, re.S)
    assert match, "the README lost its coverage report"
    shutil.copytree(ROOT / "suites", pytester.path / "suites")
    result = pytester.runpytest_subprocess("suites/", "-p", "no:cacheprovider", "--vftest-cov")
    assert result.ret == pytest.ExitCode.OK
    expected = match.group(1).rstrip("\n").splitlines()
    lines = result.stdout.lines
    start = lines.index(expected[0])
    assert lines[start : start + len(expected)] == expected


def test_docs_command_runs(pytester: pytest.Pytester) -> None:
    docs = (ROOT / "docs" / "coverage.md").read_text()
    [command] = re.findall(r"^\$ pytest (.*)$", docs, re.M)
    shutil.copytree(ROOT / "suites", pytester.path / "suites")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *command.split())
    assert result.ret == pytest.ExitCode.OK
    assert _agent(pytester.path / "coverage.json")["steps"]["percent"] == 100.0
