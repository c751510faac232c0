"""Issue 7's concurrency targets, measured through the real pytest plugin and in process.

Three benchmarks (all traffic on 127.0.0.1):

1. `latency`: wall time of `pytest` on a generated suite of C cases x 5 turns on the pizza agent,
   against `vftest serve --latency 100`, at `--vftest-concurrency` 1, 4, 16, 64. Reported against
   the issue's ideal C*T*L/N (turns only), the request-level ideal C*(T+1)*L/N (every case also
   sends one state reset, a DELETE, which the runtime delays like any request) and the wave
   bound ceil(C/N)*(T+1)*L (cases are indivisible). The same runs against a server with no
   latency give pytest's fixed cost (interpreter, collection, reporting, CPU of both sides).
   Targets: <= 1.2 x ideal at N=16, >= 12x faster than N=1.
2. `rate`: the same kind of suite at concurrency 16 against `vftest serve --rate-limit R/W`
   (no latency); achieved throughput / (R/W) (target >= 0.9) and the share of 429 answers
   (target <= 1 %), with the adaptive limiter and with a fixed `--vftest-rate`.
3. `overhead`: `vftest.runner.run_case` in process over an `httpx.MockTransport` serving
   pre-serialised captures (no runtime time): per-turn time including contract checks and
   matching (target <= 1 ms), and the share spent in each.

Every HTTP answer the plugin gets passes once through its request gate
(`AdaptiveLimiter.observe`); a `conftest.py` written next to the generated suite wraps that
method to count statuses and time the first request and the last answer. `vftest serve` keeps
no access log, so 429s are counted there, on the client side, where every one of them arrives.

Run: .venv/bin/python benchmarks/concurrency.py [--quick] [--only latency rate overhead]
     [--cases 200] [--concurrency 1 4 16 64] [--runs 3] [--rate 50/1 500/10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import math
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).parents[1]
PROJECT = ROOT / "tests" / "data" / "projects" / "pizza-demo.vfr"
CAPTURES = ROOT / "tests" / "data" / "captures"
TURNS = 5
LATENCY = 0.1  # seconds the runtime adds to every request in the latency benchmark
THIS = "benchmarks/concurrency.py"

# Five turns, each with a real expectation that passes on the pizza agent (and on the
# captures the in-process benchmark replays).
CASE = """\
  - name: case {n}
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
          - choice: [Order a pizza, See the menu]
      - button: See the menu
        expect:
          - carousel: {{count: 2}}
          - choice: {{buttons: [See the menu], match: subset}}
      - text: "what is the weather"
        expect:
          - text: {{contains: "Sorry, I didn't get that"}}
          - choice: [Order a pizza, See the menu]
      - button: See the menu
        expect:
          - carousel: {{count: 2}}
      - text: "what is the weather"
        expect:
          - text: {{similar: "Sorry, I did not get that. You can order a pizza or see the menu."}}
"""

# Counts what the plugin's request gate sees; written next to the generated suite.
CONFTEST = '''\
"""Benchmark probe: counts every answer the vftest plugin's request gate observes."""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from vftest.limiter import AdaptiveLimiter

_STATUS: Counter[int] = Counter()
_TIMES: dict[str, float] = {}
_OUTCOMES: Counter[str] = Counter()
_acquire = AdaptiveLimiter.acquire
_observe = AdaptiveLimiter.observe


async def acquire(self, *args, **kwargs):
    await _acquire(self, *args, **kwargs)
    _TIMES.setdefault("first_send", time.perf_counter())


def observe(self, status, headers):
    _STATUS[status] += 1
    _TIMES["last_answer"] = time.perf_counter()
    return _observe(self, status, headers)


AdaptiveLimiter.acquire = acquire
AdaptiveLimiter.observe = observe


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        _OUTCOMES[report.outcome if report.when == "call" else "error"] += 1


def pytest_sessionfinish(session):
    span = _TIMES.get("last_answer", 0.0) - _TIMES.get("first_send", 0.0)
    data = {"status": dict(_STATUS), "span": span, "outcomes": dict(_OUTCOMES)}
    with open(os.environ["VFTEST_BENCH_OUT"], "w") as out:
        json.dump(data, out)
'''


# --------------------------------------------------------------------------------- helpers


def suite_text(cases: int) -> str:
    """A suite of `cases` identical five-turn cases; the URL comes from `--vftest-url`."""
    head = "name: concurrency benchmark\ntarget: {api: v1}\ncases:\n"
    return head + "".join(CASE.format(n=n) for n in range(cases))


def start_server(*options: str) -> tuple[subprocess.Popen[str], str]:
    """Start `vftest serve PIZZA --port 0 OPTIONS` and return it with its URL (from its banner)."""
    command = [sys.executable, "-m", "vftest.cli", "serve", str(PROJECT), "--port", "0", *options]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"on (http://\S+)", line)
        if found:
            # Keep draining the server's log so a full pipe can never stall it mid-benchmark.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            httpx.get(found[1] + "/health").raise_for_status()
            return process, found[1]
    process.kill()
    raise SystemExit(f"the server did not start: {' '.join(command)}")


@contextlib.contextmanager
def server(*options: str) -> Iterator[str]:
    """A `vftest serve` subprocess for the length of a `with` block."""
    process, url = start_server(*options)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Workspace:
    """A temp directory holding one generated suite, an empty pytest.ini and the probe."""

    def __init__(self, cases: int) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="vftest-bench-")
        self.path = Path(self._tmp.name)
        self.cases = cases
        (self.path / "pytest.ini").write_text("[pytest]\n")  # keep the repo's config out
        (self.path / "conftest.py").write_text(CONFTEST)
        (self.path / "bench.vftest.yaml").write_text(suite_text(cases))

    def close(self) -> None:
        """Delete the directory."""
        self._tmp.cleanup()

    def command(self, url: str, *flags: str) -> list[str]:
        """The pytest command line (run in `self.path`)."""
        return [
            sys.executable,
            *("-m", "pytest", "-p", "no:cacheprovider", "-q", "--vftest-url", url, *flags),
        ]

    def run(self, url: str, *flags: str, key: str = "VF.DM.benchmark.key") -> dict[str, Any]:
        """Run pytest once; returns wall seconds, the probe's counts and the outcomes."""
        out = self.path / "probe.json"
        out.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("VFTEST_")}
        env |= {"VOICEFLOW_API_KEY": key, "VFTEST_BENCH_OUT": str(out)}
        started = time.perf_counter()
        done = subprocess.run(
            self.command(url, *flags), cwd=self.path, env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        probe = json.loads(out.read_text()) if out.exists() else {}
        passed = probe.get("outcomes", {}).get("passed", 0)
        if done.returncode != 0 or passed != self.cases:
            tail = (done.stdout + done.stderr)[-3000:]
            raise SystemExit(f"pytest did not pass {self.cases} cases ({passed}):\n{tail}")
        status = {int(k): v for k, v in probe["status"].items()}
        return {"wall": wall, "span": probe["span"], "status": status}


def median(values: list[float]) -> float:
    """statistics.median, named for brevity."""
    return statistics.median(values)


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """`(min .. max)` of several runs, or nothing for one run."""
    if len(values) < 2:
        return ""
    return f" ({fmt.format(min(values))}..{fmt.format(max(values))})"


# ------------------------------------------------------------------------ 1. latency scaling


def bench_latency(cases: int, levels: list[int], runs: int, one_run_at_1: bool) -> bool | None:
    """Wall time at each concurrency, with 100 ms and with 0 ms of runtime latency."""
    work = Workspace(cases)
    figures: dict[str, dict[int, list[dict[str, Any]]]] = {"100": {}, "0": {}}
    try:
        for latency in ("100", "0"):
            with server("--latency", latency) as url:
                work.run(url, "--vftest-concurrency", "4")  # warm up imports and the server
                for n in levels:
                    count = 1 if (n == 1 and one_run_at_1 and latency == "100") else runs
                    figures[latency][n] = [
                        work.run(url, "--vftest-concurrency", str(n)) for _ in range(count)
                    ]
                    walls = [r["wall"] for r in figures[latency][n]]
                    print(f"  [latency {latency} ms, N={n}] walls: {walls}", flush=True)
    finally:
        work.close()

    c, t, lat = cases, TURNS, LATENCY
    print(f"\n1. Latency scaling: {c} cases x {t} turns, runtime latency {lat * 1000:.0f} ms")
    print("   ideal = C*T*L/N (issue, turns only); request ideal = C*(T+1)*L/N (+1 DELETE per")
    print("   case); waves = ceil(C/N)*(T+1)*L (cases are indivisible); span = first request to")
    print("   last answer; fixed = wall - span (pytest start, collection, exit); 0 ms = the same")
    print("   run without latency (fixed cost + the CPU of 6*C requests)")
    header = (
        f"   {'N':>3} {'runs':>4} {'wall s':>7} {'span s':>7} {'fixed':>6} {'0 ms':>6}"
        f" {'ideal':>6} {'x ideal':>7} {'x req':>6} {'x waves':>7} {'span/ideal':>10}"
        f" {'speed-up':>8} {'req/case':>8}"
    )
    print(header)
    base = median([r["wall"] for r in figures["100"][levels[0]]]) if levels[0] == 1 else None
    met_ratio = met_speedup = True
    for n in levels:
        walls = [r["wall"] for r in figures["100"][n]]
        wall = median(walls)
        span = median([r["span"] for r in figures["100"][n]])
        fixed = median([r["wall"] for r in figures["0"][n]])
        ideal = c * t * lat / n
        request_ideal = c * (t + 1) * lat / n
        waves = math.ceil(c / n) * (t + 1) * lat
        requests = sum(figures["100"][n][0]["status"].values()) / c
        speedup = base / wall if base else float("nan")
        print(
            f"   {n:>3} {len(walls):>4} {wall:>7.2f} {span:>7.2f} {wall - span:>6.2f} {fixed:>6.2f}"
            f" {ideal:>6.2f} {wall / ideal:>7.2f} {wall / request_ideal:>6.2f}"
            f" {wall / waves:>7.2f} {span / ideal:>10.2f} {speedup:>8.1f} {requests:>8.1f}"
            + spread(walls)
        )
        if n == 16:
            met_ratio = wall / ideal <= 1.2
            met_speedup = speedup >= 12
    if 16 in levels and base:
        print(
            f"   targets at N=16: <= 1.2 x ideal: {'met' if met_ratio else 'MISSED'};"
            f" >= 12x faster than N=1: {'met' if met_speedup else 'MISSED'}"
        )
    # The targets are about N=16 against N=1: without both there is no verdict.
    return met_ratio and met_speedup if 16 in levels and base else None


# ------------------------------------------------------------------------------ 2. rate limit


def bench_rate(cases: int, limits: list[str], concurrency: int, runs: int) -> bool:
    """Throughput and 429 share against `--rate-limit R/W`, adaptive and with a fixed rate."""
    work = Workspace(cases)
    rows = []
    try:
        for limit in limits:
            points, seconds = (float(part) for part in limit.split("/"))
            rate = points / seconds
            with server("--rate-limit", limit) as url:
                # A fresh key per run: the runtime's budget is per key, so runs never share one.
                keys = iter(f"VF.DM.benchmark.{i}" for i in range(1000))
                work.run(url, "--vftest-concurrency", "4", key=next(keys))  # warm-up
                time.sleep(seconds)
                for mode, flags in (
                    ("adaptive", ()),
                    (f"--vftest-rate {rate:g}", ("--vftest-rate", f"{rate:g}")),
                ):
                    results = []
                    for _ in range(runs):
                        flags_n = ("--vftest-concurrency", str(concurrency), *flags)
                        results.append(work.run(url, *flags_n, key=next(keys)))
                        print(f"  [{limit} {mode}] {results[-1]}", flush=True)
                    rows.append((limit, points, seconds, mode, results))
    finally:
        work.close()

    print(f"\n2. Rate limit: {cases} cases x {TURNS} turns (+1 reset each), N={concurrency}")
    print("   throughput = 2xx answers / (last answer - first request); bound = the best a client")
    print("   can do against a fixed window that opens at its first request: n/((ceil(n/R)-1)*W)")
    print(
        f"   {'limit':>7} {'client':>18} {'runs':>4} {'req/s':>7} {'/ R':>6} {'/ bound':>7}"
        f" {'429s':>6} {'429 %':>6} {'wall s':>7}"
    )
    ok = True
    for limit, points, seconds, mode, results in rows:
        rate = points / seconds
        good = [r["status"].get(200, 0) for r in results]
        throughputs = [g / r["span"] for g, r in zip(good, results, strict=True)]
        throttled = [r["status"].get(429, 0) for r in results]
        shares = [x / sum(r["status"].values()) for x, r in zip(throttled, results, strict=True)]
        n = median(good)
        bound = n / ((math.ceil(n / points) - 1) * seconds) if n > points else float("inf")
        tp = median(throughputs)
        share = median(shares)
        print(
            f"   {limit:>7} {mode:>18} {len(results):>4} {tp:>7.1f} {tp / rate:>6.2f}"
            f" {tp / bound:>7.2f} {median(throttled):>6.0f} {share * 100:>5.2f}%"
            f" {median([r['wall'] for r in results]):>7.1f}" + spread(throughputs, "{:.1f}")
        )
        if mode == "adaptive":
            ok = ok and tp / rate >= 0.9 and share <= 0.01
    print(f"   targets (adaptive): >= 0.9 x R and <= 1 % 429s: {'met' if ok else 'MISSED'}")
    return ok


# ------------------------------------------------------------------------- 3. overhead


def _capture(name: str) -> bytes:
    """A capture's JSON body re-serialised compactly, as a runtime sends it."""
    return json.dumps(json.loads((CAPTURES / f"{name}.response.json").read_text())).encode()


def mock_transport() -> httpx.MockTransport:
    """Answers the five turns (and the reset) from captures, by the action type and text."""
    launch = _capture("01-launch")
    menu = _capture("07-button-path-request")
    weather = _capture("06-text-no-match")
    headers = {"content-type": "application/json; charset=utf-8"}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(200, headers=headers)
        content = request.content
        if b'"launch"' in content:
            body = launch
        elif b'"path-menu1"' in content:
            body = menu
        else:
            body = weather
        return httpx.Response(200, headers=headers, content=body)

    return httpx.MockTransport(handle)


class Timers:
    """Wraps functions by attribute to add up the time spent in each (for the shares)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Time every call of `owner.name` under `label`."""
        original = getattr(owner, name)
        self.spent.setdefault(label, 0.0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        """Put every wrapped function back."""
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


async def _play(cases: int, timers: Timers | None = None) -> list[float]:
    """Run `cases` cases one after another; returns each case's seconds."""
    from vftest.client import ClientSettings
    from vftest.contract import load_contract
    from vftest.limiter import AdaptiveLimiter
    from vftest.models import ApiGeneration
    from vftest.runner import CaseContext, new_run_id, run_case
    from vftest.suite import load_suite

    suite = load_suite("bench.vftest.yaml", text=suite_text(1))
    case = suite.cases[0]
    contract = load_contract(suite.contract.spec, ApiGeneration.V1)
    durations = []
    async with httpx.AsyncClient(transport=mock_transport()) as http:
        context = CaseContext(
            client=ClientSettings(
                base_url="http://127.0.0.1:9", api=ApiGeneration.V1, api_key="VF.DM.bench.key"
            ),
            http=http,
            run_id=new_run_id(),
            contract=contract,
            contract_settings=suite.contract,
            gate=AdaptiveLimiter(None),  # as the plugin: always a gate, unpaced by default
        )
        for _ in range(cases):
            started = time.perf_counter()
            result = await run_case(case, suite, context)
            durations.append(time.perf_counter() - started)
            if result.outcome != "passed" or any(t.violations for t in result.turns):
                raise SystemExit(f"the in-process case did not pass: {result}")
    return durations


async def _transport_floor(cases: int) -> list[float]:
    """The same six requests per case through httpx + MockTransport alone (JSON parsed)."""
    actions = [
        {"type": "launch"},
        {"type": "path-menu1", "payload": {"label": "See the menu", "actions": []}},
        {"type": "text", "payload": "what is the weather"},
        {"type": "path-menu1", "payload": {"label": "See the menu", "actions": []}},
        {"type": "text", "payload": "what is the weather"},
    ]
    headers = {"authorization": "VF.DM.bench.key", "versionID": "development"}
    durations = []
    async with httpx.AsyncClient(transport=mock_transport()) as http:
        for n in range(cases):
            started = time.perf_counter()
            path = f"http://127.0.0.1:9/state/user/u{n}"
            response = await http.request("DELETE", path, headers=headers)
            await response.aread()
            for action in actions:
                response = await http.post(path + "/interact", headers=headers, json=action)
                response.json()
            durations.append(time.perf_counter() - started)
    return durations


def bench_overhead(cases: int, runs: int, profile: bool) -> bool:
    """Per-turn time of run_case with no runtime time, and where it goes."""
    import vftest.contract.registry as registry
    import vftest.runner as runner

    asyncio.run(_play(50))  # warm-up: imports, contract compilation, caches
    per_turn = []
    for _ in range(runs):
        per_turn.append(median(asyncio.run(_play(cases))) / TURNS)
    floor = median([median(asyncio.run(_transport_floor(cases))) / TURNS for _ in range(runs)])

    timers = Timers()
    timers.wrap(runner, "check_traces", "contract: traces")
    timers.wrap(registry.Contract, "validate_action", "contract: action")
    timers.wrap(runner, "match_turn", "matching: match_turn")
    timers.wrap(runner, "_with_values", "matching: templates")
    timers.wrap(runner, "build_action", "building the action")
    try:
        timed = asyncio.run(_play(cases))
    finally:
        timers.restore()
    total = sum(timed)

    turn = median(per_turn)
    micros = [x * 1e6 for x in per_turn]
    print(f"\n3. Framework overhead in process: {cases} cases x {TURNS} turns (+1 reset) per run,")
    print("   httpx.MockTransport answering from pre-serialised captures; median case / 5 turns")
    print(f"   per turn: {turn * 1e6:7.0f} us (median of {runs} runs{spread(micros, '{:.0f}')})")
    print(f"   httpx + MockTransport alone, same 6 requests: {floor * 1e6:7.0f} us per turn")
    print(f"   vftest's own work per turn (difference): {(turn - floor) * 1e6:7.0f} us")
    print("   share of run_case time (timed pass):")
    for label, spent in timers.spent.items():
        each = spent / cases / TURNS * 1e6
        print(f"     {label:<24} {spent / total * 100:5.1f}%  {each:6.1f} us/turn")
    rest = total - sum(timers.spent.values())
    print(f"     {'rest (client, httpx, …)':<24} {rest / total * 100:5.1f}%")
    met = turn <= 0.001
    print(f"   target <= 1 ms per turn: {'met' if met else 'MISSED'}")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(_play(cases))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return met


# ---------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=["latency", "rate", "overhead"])
    parser.add_argument("--quick", action="store_true", help="40 cases, one run each")
    parser.add_argument("--cases", type=int, help="cases in the latency suite (default 200)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--runs", type=int, help="runs per figure (default 3; N=1 runs once)")
    parser.add_argument("--rate", nargs="+", default=["50/1", "500/10"], help="R/W limits")
    parser.add_argument("--rate-cases", type=int, help="cases in the rate suite (default 150)")
    parser.add_argument("--rate-concurrency", type=int, default=16)
    parser.add_argument("--overhead-cases", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the overhead run")
    args = parser.parse_args()
    which = args.only or ["latency", "rate", "overhead"]
    runs = args.runs or (1 if args.quick else 3)
    cases = args.cases or (40 if args.quick else 200)
    rate_cases = args.rate_cases or (40 if args.quick else 150)

    print(f"vftest concurrency benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs")
    results: dict[str, bool | None] = {}
    if "latency" in which:
        results["latency"] = bench_latency(cases, args.concurrency, runs, one_run_at_1=True)
    if "rate" in which:
        results["rate"] = bench_rate(rate_cases, args.rate, args.rate_concurrency, runs)
    if "overhead" in which:
        overhead_cases = 200 if args.quick else args.overhead_cases
        results["overhead"] = bench_overhead(overhead_cases, runs, args.profile)
    verdicts = {k: v for k, v in results.items() if v is not None}
    summary = ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in verdicts.items())
    print("\ntargets: " + (summary or "none judged (latency needs N=1 and N=16)"))
    argv = " ".join(sys.argv[1:])
    print(f"reproduce: .venv/bin/python {THIS} {argv}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
