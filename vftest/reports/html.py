"""The HTML report: one self-contained file where every case reads as a chat.

No network and no external assets: the page carries its CSS, its script and the run's data
(a JSON block). The header gives counts, environments, APIs, duration and links to failures;
filters (failed only, suite, tag) and a search box narrow the list. Each case is a header that
opens to its conversation: user bubbles, agent texts, buttons, cards, carousels, images (as
links), custom actions and `end` as chips; the failing turn is marked with the expectation that
failed and its diff, contract violations under their turn, and the full failure report (baseline
differences included) below. Conversations are drawn only when opened (failures open by
default), so a report of thousands of cases stays quick. With `--vftest-cov`, an agent coverage
section draws each diagram's steps, hit or missed, and lists the missed paths, intents, buttons.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from vftest.baseline.compare import describe_user
from vftest.baseline.record import record_turn
from vftest.models import BaselineSettings
from vftest.transcript import Transcript

__all__ = ["render_html"]

_PLAIN = BaselineSettings()


def render_html(results: Mapping[str, Any], *, title: str = "vftest report") -> str:
    """The report page for `results` (see `vftest.reports.results`)."""
    data = {
        "counts": results["counts"],
        "environments": results["environments"],
        "apis": results["apis"],
        "duration": results["duration"],
        "started": results["started"],
        "cases": [_case(entry) for entry in results["cases"]],
        "coverage": results.get("coverage", []),
    }
    # `</` would end the script element early; JSON allows the escaped form.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (
        _PAGE.replace("__TITLE__", html.escape(title))
        .replace("__STYLE__", _asset("report.css"))
        .replace("__DATA__", payload)
        .replace("__SCRIPT__", _asset("report.js"))
    )


@cache
def _asset(name: str) -> str:
    return resources.files("vftest").joinpath("resources", "report", name).read_text("utf-8")


def _case(entry: Mapping[str, Any]) -> dict[str, Any]:
    raw = entry.get("transcript")
    case: dict[str, Any] = {
        "id": entry["nodeid"],
        "outcome": entry["outcome"],
        "message": entry.get("message", ""),
        "failure": entry.get("failure", ""),
        "turns": [],
    }
    if not raw:
        case.update(suite=entry["nodeid"].split("::")[0], name=entry["nodeid"], tags=[])
        return case
    transcript = Transcript.from_dict(raw)
    case.update(
        suite=transcript.suite_path,
        suiteName=transcript.suite_name,
        name=transcript.case_name,
        line=transcript.line,
        tags=list(transcript.tags),
        user=transcript.user_id,
        environment=transcript.environment,
        api=transcript.api,
        duration=round(transcript.duration, 3),
        error=transcript.error,
        planned=transcript.planned_turns,
    )
    for turn in transcript.turns:
        record = record_turn(turn, _PLAIN, user_id="")
        case["turns"].append(
            {
                "n": turn.index + 1,
                "line": turn.line,
                "user": describe_user(record["user"]),
                "agent": record["agent"],
                "sent": turn.sent,
                "latency": turn.latency,
                "failed": [
                    {"where": v.where, "label": v.label, "details": list(v.details)}
                    for v in turn.verdicts
                    if not v.ok
                ],
                "violations": [
                    f"{v.subject} at {v.json_path}: {v.message}" for v in turn.violations
                ],
            }
        )
    return case


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__STYLE__</style>
</head>
<body>
<header id="summary"></header>
<section id="coverage" class="hidden"></section>
<nav id="controls">
  <label><input type="checkbox" id="failed-only"> failed only</label>
  <select id="suite-filter" aria-label="suite"><option value="">all suites</option></select>
  <select id="tag-filter" aria-label="tag"><option value="">all tags</option></select>
  <input type="search" id="search" placeholder="search cases and messages" aria-label="search">
  <span id="shown"></span>
</nav>
<main id="cases"></main>
<script id="vftest-data" type="application/json">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""
