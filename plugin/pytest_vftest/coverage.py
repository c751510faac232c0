"""Hooks of agent coverage (`--vftest-cov`); the logic is in `vftest.coverage`.

Each case's reached step ids travel on its test report (`user_properties`), so pytest-xdist
brings them to the controller, which merges them and reports once.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from pytest_vftest.options import lookup
from pytest_vftest.session import session_key
from vftest.coverage import CoverageReport, hits_from_transcripts, steps_of
from vftest.errors import VftestError

__all__ = ["CoveragePlugin"]

PROPERTY = "vftest_cov"


class CoveragePlugin:
    """Collects reached steps per agent and suite; reports and gates at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # agent path -> suite path -> step ids reached
        self.hits: dict[str, dict[str, set[str]]] = {}
        self.reports: list[CoverageReport] = []
        self.failure: str | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        """Attach the steps a case reached to its report (xdist sends it to the controller)."""
        report = yield
        from pytest_vftest.nodes import CaseItem

        if call.when == "call" and isinstance(item, CaseItem):
            transcript = item.config.stash[session_key].transcripts.get(item.nodeid)
            agent = lookup(self.config, "cov-agent") or item.suite.target.project
            if transcript is not None and agent:
                hits = sorted(hits_from_transcripts([transcript]))
                value = {"agent": str(agent), "suite": str(item.suite.path), "hits": hits}
                report.user_properties.append((PROPERTY, value))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge the steps a case reached (in the controller under xdist)."""
        for name, value in report.user_properties:
            if name == PROPERTY and isinstance(value, dict):
                suites = self.hits.setdefault(value["agent"], {})
                suites.setdefault(value["suite"], set()).update(value["hits"])

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Build the reports, write the JSON file, apply --vftest-cov-fail-under."""
        if hasattr(self.config, "workerinput"):
            return  # the controller reports
        agents = dict(self.hits)
        forced = lookup(self.config, "cov-agent")
        if forced and str(forced) not in agents:
            agents[str(forced)] = {}
        data: list[dict[str, Any]] = []
        for agent, suites in sorted(agents.items()):
            try:
                steps = steps_of(agent)
            except VftestError as error:
                self.failure = f"agent coverage: {error}"
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
                return
            reached = set().union(*suites.values()) if suites else set()
            report = CoverageReport.build(self._shown(agent), steps, reached)
            self.reports.append(report)
            entry = report.to_dict()
            entry["suites"] = {
                self._shown(suite): _suite_entry(CoverageReport.build(agent, steps, hit), hit)
                for suite, hit in sorted(suites.items())
            }
            data.append(entry)
        path = lookup(self.config, "cov-json")
        if path:
            Path(path).write_text(json.dumps({"agents": data}, indent=2) + "\n", encoding="utf-8")
        bar = lookup(self.config, "cov-fail-under")
        if bar is not None:
            low = [r for r in self.reports if r.percent < float(bar)]
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
        for report in self.reports:
            terminalreporter.write_sep("-", "vftest agent coverage")
            for row in report.table():
                terminalreporter.write_line(row)
        if self.failure:
            terminalreporter.write_line(f"FAIL: {self.failure}", red=True)


def _suite_entry(report: CoverageReport, hit: set[str]) -> dict[str, Any]:
    # The reached ids let a reader see what only one suite reaches.
    return {"hit": report.hit, "percent": round(report.percent, 2), "reached": sorted(hit)}
