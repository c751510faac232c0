"""How the HTML report of a large run behaves in a real browser (issue 15's done-when).

Builds the results of a synthetic run (N cases of 5 turns, one in ten failing, realistic trace
mix), renders `--vftest-html`'s page, opens it in headless Chromium (Debian's package through
Playwright, as the tests do) and measures: file size, time until the page is drawn (every case
header present), time to apply the "failed only" filter, and time for a search. Medians of
several rounds.

Reproduce: .venv/bin/python benchmarks/html_report.py --cases 2000 --rounds 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

from tests.browser import CHROMIUM_ARGS, chromium_path
from vftest.models import ExpectationResult
from vftest.reports import build_results, case_entry, render_html
from vftest.transcript import Transcript, TranscriptTurn


def transcript(number: int) -> dict[str, Any]:
    failing = number % 10 == 0
    turns = []
    for index in range(5):
        traces = [
            {"type": "text", "payload": {"message": f"Answer {index} for case {number}"}},
            {"type": "choice", "payload": {"buttons": [{"name": "Yes"}, {"name": "No"}]}},
            {"type": "cardV2", "payload": {"title": f"Order {number}", "imageUrl": "x.png"}},
        ]
        ok = not (failing and index == 4)
        verdict = ExpectationResult(
            ok=ok, label='text "Answer"', where="expect[0]", line=10 + index,
            details=() if ok else ("- expected", "+ got"),
        )  # fmt: skip
        turns.append(
            TranscriptTurn(
                index=index,
                line=9 + index,
                action={"type": "text", "payload": f"hi {index}"},
                traces_json=__import__("json").dumps(traces),
                verdicts=(verdict,),
                latency=0.2,
                status=200,
            )
        )
    return Transcript(
        suite_path=f"suites/s{number % 20}.vftest.yaml", suite_name="s", case_name=f"case {number}",
        line=5, tags=("smoke",) if number % 3 == 0 else (), description="", xfail=None,
        user_id=f"vftest-bench-{number}", environment="development", api="v1",
        outcome="failed" if failing else "passed", turns=tuple(turns), planned_turns=5,
        duration=1.0,
    ).to_dict()  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"# benchmarks/html_report.py; reproduce: .venv/bin/python benchmarks/html_report.py "
          f"--cases {args.cases} --rounds {args.rounds}")  # fmt: skip
    entries = [
        case_entry(
            nodeid=f"suites/s{n % 20}.vftest.yaml::case {n}",
            outcome="failed" if n % 10 == 0 else "passed",
            message="turn 5 of 5: expected text" if n % 10 == 0 else "",
            transcript=transcript(n),
        )
        for n in range(args.cases)
    ]
    started = time.perf_counter()
    page_text = render_html(build_results(entries, duration=60.0, started=time.time()))
    render_seconds = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="vftest-html-"))
    report = folder / "report.html"
    report.write_text(page_text, encoding="utf-8")
    print(f"render (Python): {render_seconds:.2f} s, file {report.stat().st_size / 1e6:.1f} MB")

    executable = chromium_path()
    if executable is None:
        raise SystemExit("no system Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    loads, filters, searches = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for _ in range(args.rounds):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(report.as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('section.case').length === {args.cases}"
            )
            loads.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.check("#failed-only")
            page.wait_for_function(
                f"document.getElementById('shown').textContent.startsWith('{args.cases // 10} of')"
            )
            filters.append(time.perf_counter() - started)
            page.uncheck("#failed-only")
            started = time.perf_counter()
            page.fill("#search", "case 1999")
            page.wait_for_function(
                "document.getElementById('shown').textContent.startsWith('1 of')"
            )
            searches.append(time.perf_counter() - started)
            page.close()
        browser.close()
    shutil.rmtree(folder)
    med = statistics.median
    print(
        f"{args.cases} cases: page drawn in {med(loads):.2f} s (median of {args.rounds}), "
        f"'failed only' filter {med(filters) * 1000:.0f} ms, "
        f"search {med(searches) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
