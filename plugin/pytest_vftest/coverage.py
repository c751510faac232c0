"""Hooks of agent coverage (`--vftest-cov`); the logic is in `vftest.coverage`.

Each case's observation (steps, moves, presses) travels on its test report (`user_properties`),
so pytest-xdist brings it to the controller, which merges them and reports once.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_vftest.options import settings_of
from pytest_vftest.session import session_key
from vftest.coverage import CoverageReport, Observation, load_agent, observe
from vftest.environments import agent_file
from vftest.errors import VftestError

__all__ = ["CoveragePlugin"]

PROPERTY = "vftest_cov"


class CoveragePlugin:
    """Collects what cases went through per agent, suite and environment; reports at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # agent path -> suite path -> what its cases went through
        self.by_suite: dict[str, dict[str, Observation]] = {}
        # agent path -> environment -> what its cases went through
        self.by_environment: dict[str, dict[str, Observation]] = {}
        # each agent's report, with one line per environment of a matrix run
        self.reports: list[tuple[CoverageReport, list[str]]] = []
        self.failure: str | None = None
        self._results: list[dict[str, Any]] | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        """Attach what a case went through to its report (xdist sends it to the controller)."""
        report = yield
        from pytest_vftest.nodes import CaseItem

        if call.when == "call" and isinstance(item, CaseItem):
            transcript = item.config.stash[session_key].transcripts.get(item.nodeid)
            agent = settings_of(self.config).cov_agent.value or _agent_of(item)
            if transcript is not None and agent:
                value = {
                    "agent": str(agent),
                    "suite": str(item.suite.path),
                    "environment": item.environment,
                    "seen": observe([transcript]).to_dict(),
                }
                report.user_properties.append((PROPERTY, value))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge what a case went through (in the controller under xdist)."""
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, dict):
                seen = Observation.from_dict(value["seen"])
                suites = self.by_suite.setdefault(value["agent"], {})
                suites.setdefault(value["suite"], Observation()).update(seen)
                environments = self.by_environment.setdefault(value["agent"], {})
                environments.setdefault(value["environment"], Observation()).update(seen)

    def results(self) -> list[dict[str, Any]]:
        """Every agent's coverage as the JSON file holds it (built once, at the end).

        The HTML report asks for it too, before this plugin's own `sessionfinish` runs.
        Raises `VftestError` when an agent file cannot be read.
        """
        if self._results is not None:
            return self._results
        agents = dict(self.by_suite)
        forced = settings_of(self.config).cov_agent.value
        if forced and str(forced) not in agents:
            agents[str(forced)] = {}
        data: list[dict[str, Any]] = []
        reports: list[tuple[CoverageReport, list[str]]] = []
        for path, suites in sorted(agents.items()):
            agent = load_agent(path)
            seen = Observation()
            for observation in suites.values():
                seen.update(observation)
            report = CoverageReport.of(self._shown(path), agent, seen)
            environments = self.by_environment.get(path, {})
            figures = {
                name: CoverageReport.of(path, agent, part) for name, part in environments.items()
            }
            # a matrix run adds one line per environment under the agent's table
            lines = [f"{name}: {_figures(r)}" for name, r in sorted(figures.items())]
            reports.append((report, lines if len(figures) > 1 else []))
            entry = report.to_dict()
            entry["suites"] = {
                self._shown(suite): _part_entry(CoverageReport.of(path, agent, part), part)
                for suite, part in sorted(suites.items())
            }
            entry["environments"] = {
                name: _part_entry(figures[name], environments[name]) for name in sorted(figures)
            }
            data.append(entry)
        self.reports = reports
        self._results = data
        return data

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Build the reports, write the JSON file, apply --vftest-cov-fail-under."""
        if hasattr(self.config, "workerinput"):
            return  # the controller reports
        try:
            data = self.results()
        except VftestError as error:
            self.failure = f"agent coverage: {error}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        path = settings_of(self.config).cov_json.value
        if path:
            Path(path).write_text(json.dumps({"agents": data}, indent=2) + "\n", encoding="utf-8")
        bar = settings_of(self.config).cov_fail_under.value
        if bar is not None:
            low = [r for r, _ in self.reports if r.percent < float(bar)]
            if low:
                self.failure = (
                    "agent coverage "
                    + ", ".join(f"{r.percent:.1f}% of {r.agent}" for r in low)
                    + f" is below --vftest-cov-fail-under {float(bar):g}%"
                )
                if session.exitstatus == pytest.ExitCode.OK:
                    session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _shown(self, path: str) -> str:
        # Relative to where pytest was started, as pytest shows test files.
        start = self.config.invocation_params.dir
        try:
            return str(Path(path).resolve().relative_to(start))
        except ValueError:
            return path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The term-missing style table per agent, and why the bar failed the run."""
        for report, environment_lines in self.reports:
            terminalreporter.write_sep("-", "vftest agent coverage")
            for row in [*report.table(), *environment_lines]:
                terminalreporter.write_line(row)
        if self.failure:
            terminalreporter.write_line(f"FAIL: {self.failure}", red=True)


def _agent_of(item: Any) -> str | None:
    try:
        return agent_file(item.suite, item.environment)
    except VftestError:
        return None  # the case itself reports the configuration error


def _figures(report: CoverageReport) -> str:
    parts = [f"steps {report.hit}/{report.total} ({report.percent:.1f}%)"]
    parts += [f"{p.name} {p.hit}/{p.total} ({p.percent:.1f}%)" for p in report.parts]
    return ", ".join(parts)


def _part_entry(report: CoverageReport, seen: Observation) -> dict[str, Any]:
    # The reached step ids let a reader see what only one suite (or environment) reaches.
    return {
        "hit": report.hit,
        "percent": round(report.percent, 2),
        "reached": sorted(seen.steps),
        **{p.name: {"hit": p.hit, "percent": round(p.percent, 2)} for p in report.parts},
    }
