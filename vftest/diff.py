"""Compare the same cases played against two environments: what would change for users?

Input is the JSON results of one run over an environment matrix (`--vftest-json` with
`--vftest-env a,b`); each case is paired with itself across the two environments and the two
conversations are compared exactly as baselines are (`vftest.baseline`): the same record, the
same differences, the same wording. `vftest diff` is the command around it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vftest.baseline import Difference, Tolerance, compare_cases, record_case
from vftest.baseline.compare import describe_user
from vftest.errors import SuiteError
from vftest.models import BaselineSettings
from vftest.suite import load_suite
from vftest.transcript import Transcript

__all__ = [
    "CaseDiff",
    "DiffReport",
    "baseline_settings",
    "diff_results",
    "diff_transcripts",
    "render_markdown",
    "render_text",
]


@dataclass(frozen=True)
class CaseDiff:
    """One case across the two environments."""

    case: str  # suite path::case name
    status: str  # "identical" | "differs" | "one side" (skipped in one) | "not compared" (error)
    differences: tuple[Difference, ...] = ()
    users: tuple[Any, ...] = ()  # the user's action per turn (for headings)
    reason: str = ""  # why a case was not compared


@dataclass
class DiffReport:
    """The whole comparison."""

    left: str
    right: str
    cases: list[CaseDiff] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many cases have `status`."""
        return sum(1 for case in self.cases if case.status == status)

    @property
    def exit_code(self) -> int:
        """0 nothing differs, 1 something differs, 2 a case could not be compared."""
        if self.count("not compared"):
            return 2
        return 1 if self.count("differs") else 0


def diff_results(
    results: Mapping[str, Any],
    left: str,
    right: str,
    *,
    tolerance: Tolerance | None = None,
    settings: Mapping[str, BaselineSettings] | None = None,
) -> DiffReport:
    """Pair every case played in both `left` and `right` and compare the conversations.

    `results` is a run's JSON results (`--vftest-json`); see `diff_transcripts`.
    """
    transcripts = [
        Transcript.from_dict(entry["transcript"])
        for entry in results["cases"]
        if entry.get("transcript")
    ]
    return diff_transcripts(transcripts, left, right, tolerance=tolerance, settings=settings)


def diff_transcripts(
    transcripts: Iterable[Transcript],
    left: str,
    right: str,
    *,
    tolerance: Tolerance | None = None,
    settings: Mapping[str, BaselineSettings] | None = None,
) -> DiffReport:
    """Pair every case played in both `left` and `right` and compare the conversations.

    `settings` maps `suite path::case name` to the case's baseline settings (masks, variables,
    tolerance); without an entry, records are compared exactly.
    """
    played: dict[str, dict[str, Transcript | None]] = {}
    for transcript in transcripts:
        key = f"{transcript.suite_path}::{transcript.case_name}"
        played.setdefault(key, {})[transcript.environment] = transcript
    report = DiffReport(left, right)
    for key in sorted(played):
        both = played[key]
        a, b = both.get(left), both.get(right)
        if a is None or b is None:
            missing = left if a is None else right
            report.cases.append(CaseDiff(key, "one side", reason=f"not played in {missing}"))
            continue
        broken = next((t for t in (a, b) if t.outcome == "error"), None)
        if broken is not None:
            error = (broken.error or "error").splitlines()[0]
            reason = f"could not run in {broken.environment}: {error}"
            report.cases.append(CaseDiff(key, "not compared", reason=reason))
            continue
        case_settings = (settings or {}).get(key, BaselineSettings())
        tol = tolerance or Tolerance(case_settings.threshold, case_settings.scorer)
        old, new = record_case(a, case_settings), record_case(b, case_settings)
        differences = tuple(compare_cases(old, new, tol))
        users = tuple(turn["user"] for turn in new)
        status = "differs" if differences else "identical"
        report.cases.append(CaseDiff(key, status, differences, users))
    return report


def baseline_settings(suite_paths: Iterable[str]) -> dict[str, BaselineSettings]:
    """Each case's baseline settings (masks, tolerance) by `suite path::case name`.

    A suite that no longer loads is left out: its cases are compared exactly.
    """
    settings: dict[str, BaselineSettings] = {}
    for path in set(suite_paths):
        try:
            suite = load_suite(path)
        except SuiteError:
            continue
        for case in suite.cases:
            settings[f"{path}::{case.name}"] = case.baseline
    return settings


def render_text(report: DiffReport, *, limit: int = 3) -> str:
    """One screen: per differing case its first differences, then the counts."""
    lines = [f"vftest diff: {report.left} -> {report.right}"]
    for case in report.cases:
        if case.status == "identical":
            continue
        if case.status in ("not compared", "one side"):
            mark = "?" if case.status == "not compared" else "-"
            lines.append(f"  {mark} {case.case}: {case.reason}")
            continue
        first = case.differences[0]
        lines.append(f"  ~ {case.case}: differs from turn {first.turn + 1}")
        for difference in case.differences[:limit]:
            user = case.users[difference.turn] if difference.turn < len(case.users) else None
            at = f"turn {difference.turn + 1}" + (f" {describe_user(user)}" if user else "")
            lines.append(f"      {at}: {difference.message}")
            lines += [f"          {line}" for line in difference.detail]
        if len(case.differences) > limit:
            lines.append(f"      ... and {len(case.differences) - limit} more differences")
    lines.append(_counts(report))
    return "\n".join(lines)


def render_markdown(report: DiffReport) -> str:
    """The same, as Markdown for a pull-request comment."""
    lines = [f"### vftest diff: `{report.left}` → `{report.right}`", "", _counts(report), ""]
    rows = [c for c in report.cases if c.status != "identical"]
    if rows:
        lines += ["| case | first difference |", "|---|---|"]
        for case in rows:
            what = (
                case.reason
                if case.status in ("not compared", "one side")
                else (f"turn {case.differences[0].turn + 1}: {case.differences[0].message}")
            )
            lines.append(f"| `{_cell(case.case)}` | {_cell(what)} |")
        lines.append("")
    return "\n".join(lines)


def _counts(report: DiffReport) -> str:
    parts = [
        f"{report.count('identical')} identical",
        f"{report.count('differs')} differ",
    ]
    if report.count("one side"):
        parts.append(f"{report.count('one side')} played in one environment only")
    if report.count("not compared"):
        parts.append(f"{report.count('not compared')} could not run")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")
