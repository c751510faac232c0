"""Issue 18's targets, measured side by side on this machine (all traffic on 127.0.0.1).

1. `wall`: C cases x 5 turns against `vftest serve --latency 100` (the pizza agent), as whole
   commands, start-up included, in interleaved rounds:
   - vftest (`pytest --vftest-concurrency 16`) against a bare asyncio + httpx client that sends
     the same five turns per user, 16 users at a time (target: vftest <= 1.15 x bare), once
     with every pytest plugin of this venv autoloaded and once "alone" (vftest's and anyio's
     plugins only, as a user's install has them; this venv also holds hypothesis, xdist,
     playwright and rerunfailures);
   - vftest at N=1 against Tavern running the same turns sequentially (target: faster), when
     given a Python that has Tavern (`--tavern-python`). Keep Tavern out of vftest's own venv:
     it registers a pytest plugin, and Tavern 3.7 fails to import under pytest 9, which breaks
     every pytest run of that venv. E.g. `python3 -m venv /tmp/tav && /tmp/tav/bin/pip install
     tavern "pytest<9"`.
2. `collect`: `pytest --collect-only` of 10 files x 1,000 cases (target <= 15 s, 1.5 ms/case).
3. `memory`: Python heap still allocated at the end of a run (tracemalloc, after gc), per case,
   from runs of 200 and 2,000 cases (target <= 30 KB per case).
4. `server`: turns/s of `vftest serve` (no latency) driven by a raw HTTP/1.1 keep-alive load
   generator in its own process, which spends far less CPU per request than the server, so the
   figure is the server's; and the same load through httpx, which is what vftest's client costs.

Run: .venv/bin/python benchmarks/perf_round2.py [--only wall collect memory server]
     [--cases 200] [--sequential-cases 50] [--rounds 3] [--tavern-python /tmp/tav/bin/python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from concurrency import CASE, PROJECT, Workspace, server

THIS = "benchmarks/perf_round2.py"
KEY = "VF.DM.benchmark.key"
LATENCY = "100"

# The turns of concurrency.CASE as they go on the wire; buttons are resolved from the answer.
TURNS: list[dict[str, Any] | str] = [
    {"type": "launch"},
    "See the menu",
    {"type": "text", "payload": "what is the weather"},
    "See the menu",
    {"type": "text", "payload": "what is the weather"},
]

BARE_CLIENT = '''\
"""A bare asyncio + httpx client: the same turns as the vftest suite, no framework."""
import asyncio, json, os, secrets, sys
import httpx

URL, CASES, CONCURRENCY = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
TURNS = json.loads(sys.argv[4])
HEADERS = {"authorization": os.environ["VOICEFLOW_API_KEY"], "versionID": "development"}


def button(traces, label):
    for trace in traces:
        if trace.get("type") == "choice":
            for b in trace["payload"]["buttons"]:
                if b["name"] == label:
                    return b["request"]
    raise SystemExit("no button " + label)


async def case(client, gate):
    async with gate:
        user = "bare-" + secrets.token_hex(4)
        traces = []
        for turn in TURNS:
            action = button(traces, turn) if isinstance(turn, str) else turn
            response = await client.post(
                f"{URL}/state/user/{user}/interact", json={"action": action}, headers=HEADERS
            )
            response.raise_for_status()
            traces = response.json()


async def main():
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY)) as client:
        await asyncio.gather(*(case(client, gate) for _ in range(CASES)))

asyncio.run(main())
'''


def median(values: list[float]) -> float:
    """The median (the machine is noisy: never a mean)."""
    return statistics.median(values)


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return wall


def clean_env() -> dict[str, str]:
    """This environment without VFTEST_* settings, with the key and a place for the probe."""
    # As on a user's machine, Python caches compiled modules: a PYTHONDONTWRITEBYTECODE left
    # set by the shell would recompile vftest, pytest and its plugins on every start (~1.5 s).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VFTEST_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    probe = Path(tempfile.gettempdir()) / "vftest-perf2-probe.json"  # concurrency.py's probe
    return env | {"VOICEFLOW_API_KEY": KEY, "VFTEST_BENCH_OUT": str(probe)}


def alone_env() -> dict[str, str]:
    """`clean_env()` with pytest's plugin autoloading off (plugins are named with -p)."""
    return clean_env() | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


# ------------------------------------------------------------------------------------- wall


def tavern_files(folder: Path, url: str, cases: int) -> None:
    """Tavern tests sending the same five turns (button requests resolved once, up front)."""
    actions = resolve_buttons(url)
    run = secrets.token_hex(3)

    def stage(user: str, number: int, action: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": f"turn {number + 1}",
            "request": {
                "url": f"{url}/state/user/{user}/interact",
                "method": "POST",
                "headers": {"authorization": KEY, "versionID": "development"},
                "json": {"action": action},
            },
            "response": {"status_code": 200},
        }

    tests = [
        {
            "test_name": f"case {n}",
            "stages": [stage(f"tavern-{run}-{n}", i, a) for i, a in enumerate(actions)],
        }
        for n in range(cases)
    ]
    # JSON is YAML: one document per test, each with a user of its own.
    text = "\n---\n".join(json.dumps(test) for test in tests)
    (folder / "test_bench.tavern.yaml").write_text(text)
    (folder / "pytest.ini").write_text("[pytest]\n")


def resolve_buttons(url: str) -> list[dict[str, Any]]:
    """The wire requests of TURNS for one user (what the button labels send)."""
    sent: list[dict[str, Any]] = []
    traces: list[dict[str, Any]] = []
    user = "resolve-" + secrets.token_hex(4)
    headers = {"authorization": KEY, "versionID": "development"}
    with httpx.Client() as client:
        for turn in TURNS:
            action = turn if isinstance(turn, dict) else find_button(traces, turn)
            sent.append(action)
            response = client.post(
                f"{url}/state/user/{user}/interact", json={"action": action}, headers=headers
            )
            traces = response.json()
    return sent


def find_button(traces: list[dict[str, Any]], label: str) -> dict[str, Any]:
    for trace in traces:
        for button in (
            (trace.get("payload") or {}).get("buttons", []) if trace["type"] == "choice" else []
        ):
            if button["name"] == label:
                request: dict[str, Any] = button["request"]
                return request
    raise SystemExit(f"no button {label!r}")


def bench_wall(cases: int, sequential_cases: int, rounds: int, tavern: str | None) -> None:
    print(f"\n## wall: {cases} cases x 5 turns, latency {LATENCY} ms, start-up included")
    work = Path(tempfile.mkdtemp(prefix="vftest-perf2-"))
    (work / "client.py").write_text(BARE_CLIENT)
    turns = json.dumps(TURNS)
    results: dict[str, list[float]] = {"vftest N=16": [], "vftest N=16 alone": []}
    results |= {"bare N=16": []}
    results |= {"vftest N=1": [], "tavern N=1": []}
    with server("--latency", LATENCY) as url:
        big, small = Workspace(cases), Workspace(sequential_cases)
        if tavern:
            tavern_dir = work / "tavern"
            tavern_dir.mkdir()
            tavern_files(tavern_dir, url, sequential_cases)
        for _ in range(rounds):
            vftest16 = big.command(url, "--vftest-concurrency", "16")
            results["vftest N=16"].append(timed(vftest16, big.path, clean_env()))
            # As a user's install has it: vftest's plugin (and anyio's, which comes with
            # httpx), not the development tools of this venv (hypothesis alone adds ~0.3 s).
            alone = [*vftest16, "-p", "pytest_vftest.plugin", "-p", "anyio"]
            results["vftest N=16 alone"].append(timed(alone, big.path, alone_env()))
            bare = [sys.executable, "client.py", url, str(cases), "16", turns]
            results["bare N=16"].append(timed(bare, work, clean_env()))
            vftest1 = small.command(url, "--vftest-concurrency", "1")
            results["vftest N=1"].append(timed(vftest1, small.path, clean_env()))
            if tavern:
                command = [tavern, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                results["tavern N=1"].append(timed(command, tavern_dir, clean_env()))
        big.close()
        small.close()
    for name, values in results.items():
        if values:
            shown = ", ".join(f"{v:.1f}" for v in values)
            print(f"{name:>12}: median {median(values):6.1f} s  ({shown})")
    for name in ("vftest N=16", "vftest N=16 alone"):
        ratio = median(results[name]) / median(results["bare N=16"])
        print(f"{name} / bare: {ratio:.2f} x  (target <= 1.15)")
    if results["tavern N=1"]:
        seq = median(results["vftest N=1"]) / median(results["tavern N=1"])
        print(f"vftest / tavern at N=1 ({sequential_cases} cases): {seq:.2f} x  (target < 1)")
    else:
        print("no --tavern-python: the N=1 comparison with Tavern was skipped")


# ---------------------------------------------------------------------------------- collect


def bench_collect(rounds: int) -> None:
    print("\n## collect: 10 files x 1,000 cases, `pytest --collect-only -q`")
    work = Path(tempfile.mkdtemp(prefix="vftest-collect-"))
    (work / "pytest.ini").write_text("[pytest]\n")
    head = f"name: collect {{}}\ntarget:\n  project: {PROJECT}\ncases:\n"
    for number in range(10):
        body = "".join(CASE.format(n=n) for n in range(1000))
        (work / f"s{number}.vftest.yaml").write_text(head.format(number) + body)
    cache = work / "cache"
    for label, env in (
        ("cold (suite cache off)", {"VFTEST_CACHE_DIR": "off"}),
        ("warm (unchanged files, suite cache filled)", {"VFTEST_CACHE_DIR": str(cache)}),
    ):
        if "warm" in label:
            _collect(work, env)  # fills the cache
        walls, collected = [], []
        for _ in range(rounds):
            wall, figure = _collect(work, env)
            walls.append(wall)
            collected.append(figure)
        print(
            f"{label}: wall median {median(walls):.1f} s, pytest's own figure median "
            f"{median(collected):.1f} s, {median(walls) / 10:.2f} ms per case "
            "(target <= 1.5 ms, <= 15 s in all)"
        )
    shutil.rmtree(work)


def _collect(work: Path, env: dict[str, str]) -> tuple[float, float]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=work, capture_output=True, text=True, env={**os.environ, **env}
    )
    wall = time.perf_counter() - started
    found = re.search(r"10000 tests collected in ([\d.]+)s", done.stdout)
    if not found:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return wall, float(found[1])


# ----------------------------------------------------------------------------------- memory

MEMORY_PROBE = """\
import gc, sys, tracemalloc
tracemalloc.start()

def pytest_unconfigure(config):
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    print(f"TRACED {current} {peak}", file=sys.stderr)
"""


def bench_memory() -> None:
    print("\n## memory: Python heap retained at the end of a run (tracemalloc, after gc)")
    figures = {}
    with server() as url:
        for cases in (200, 2000):
            workspace = Workspace(cases)
            (workspace.path / "conftest.py").write_text(MEMORY_PROBE)
            command = workspace.command(url, "--vftest-concurrency", "16")
            done = subprocess.run(
                command, cwd=workspace.path, env=clean_env(), capture_output=True, text=True
            )
            found = re.search(r"TRACED (\d+) (\d+)", done.stderr)
            if not found:
                raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
            figures[cases] = (int(found[1]), int(found[2]))
            workspace.close()
            print(
                f"{cases:>5} cases: retained {figures[cases][0] / 2**20:.1f} MiB,"
                f" peak {figures[cases][1] / 2**20:.1f} MiB"
            )
    per_case = (figures[2000][0] - figures[200][0]) / 1800 / 1024
    print(f"retained per case: {per_case:.1f} KB  (target <= 30 KB)")


# ----------------------------------------------------------------------------------- server

RAW_LOAD = r'''
"""Raw HTTP/1.1 keep-alive load: launch + one text turn per user, CONCURRENCY connections."""
import asyncio, json, os, sys, time

HOST, PORT, USERS, CONCURRENCY = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
BODIES = [json.dumps({"action": a}).encode() for a in
          ({"type": "launch"}, {"type": "text", "payload": "i want a large pizza"})]


def request(user, body):
    return (f"POST /state/user/{user}/interact HTTP/1.1\r\nHost: {HOST}\r\n"
            f"authorization: {os.environ['VOICEFLOW_API_KEY']}\r\nversionID: development\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
            ).encode() + body


async def worker(queue, done):
    reader, writer = await asyncio.open_connection(HOST, PORT)
    while True:
        try:
            user = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        for body in BODIES:
            writer.write(request(user, body))
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise SystemExit(head.decode(errors="replace"))
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            done.append(1)
    writer.close()


async def main():
    queue = asyncio.Queue()
    for n in range(USERS):
        queue.put_nowait(f"raw-{n}-{time.monotonic_ns()}")
    done = []
    started = time.perf_counter()
    await asyncio.gather(*(worker(queue, done) for _ in range(CONCURRENCY)))
    print(len(done) / (time.perf_counter() - started))

asyncio.run(main())
'''


def bench_server(rounds: int) -> None:
    print("\n## server: `vftest serve` turns/s, raw load generator vs through httpx")
    work = Path(tempfile.mkdtemp(prefix="vftest-server-"))
    (work / "raw.py").write_text(RAW_LOAD)
    raw: dict[int, list[float]] = {1: [], 16: []}
    through_httpx: dict[int, list[float]] = {1: [], 16: []}
    with server() as url:
        host, port = re.match(r"http://([^:]+):(\d+)", url).groups()  # type: ignore[union-attr]
        for _ in range(rounds):
            for users in raw:
                command = [sys.executable, "raw.py", host, port, "400", str(users)]
                out = subprocess.run(
                    command, cwd=work, env=clean_env(), capture_output=True, text=True, check=True
                )
                raw[users].append(float(out.stdout))
                through_httpx[users].append(asyncio.run(httpx_load(url, 400, users)))
    shutil.rmtree(work)
    for users in raw:
        print(
            f"{users:>2} users: server (raw client) {median(raw[users]):6.0f} turns/s;"
            f" through httpx {median(through_httpx[users]):6.0f} turns/s"
        )


async def httpx_load(url: str, users: int, concurrency: int) -> float:
    headers = {"authorization": KEY, "versionID": "development"}
    gate = asyncio.Semaphore(concurrency)
    bodies = [{"type": "launch"}, {"type": "text", "payload": "i want a large pizza"}]
    limits = httpx.Limits(max_connections=concurrency)

    async def user(client: httpx.AsyncClient, number: int) -> None:
        async with gate:
            for action in bodies:
                response = await client.post(
                    f"{url}/state/user/httpx-{number}-{time.monotonic_ns()}/interact",
                    json={"action": action},
                    headers=headers,
                )
                response.raise_for_status()

    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(user(client, n) for n in range(users)))
        return users * 2 / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=["wall", "collect", "memory", "server"])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--sequential-cases", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tavern-python", help="a Python with Tavern installed (N=1 comparison)")
    args = parser.parse_args()
    only = set(args.only or ["wall", "collect", "memory", "server"])
    print(f"# {THIS} on {os.cpu_count()} cores; reproduce: .venv/bin/python {' '.join(sys.argv)}")
    if "server" in only:
        bench_server(args.rounds)
    if "collect" in only:
        bench_collect(args.rounds)
    if "memory" in only:
        bench_memory()
    if "wall" in only:
        bench_wall(args.cases, args.sequential_cases, args.rounds, args.tavern_python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
