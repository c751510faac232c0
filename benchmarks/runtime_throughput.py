"""Turns per second of `vftest serve` over loopback, at 1 and at 16 concurrent users.

The server runs in a subprocess (`python -m vftest.cli serve PROJECT --port 0`); an
httpx.AsyncClient load generator plays launch + one text turn per user (two turns each) and
reports the median of several runs. Reference: Voiceflow's own runtime serves about 200 turns/s
sequentially and 360 turns/s at 16 users on the 2-core machine this was written on.

Run: .venv/bin/python benchmarks/runtime_throughput.py [--runs 5] [--users 300] [--concurrency 1 16]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[1]
PROJECT = ROOT / "tests" / "data" / "projects" / "pizza-demo.vfr"
HEADERS = {"authorization": "VF.DM.benchmark.key", "versionID": "development"}
LAUNCH = {"action": {"type": "launch"}}
ORDER = {"action": {"type": "text", "payload": "i want a large pizza"}}
REFERENCE = {1: 200.0, 16: 360.0}  # Voiceflow's runtime, same machine (turns/s)


def start_server(project: Path) -> tuple[subprocess.Popen[str], str]:
    """Start `vftest serve` on a free port and return it with its URL (read from its banner)."""
    command = [sys.executable, "-m", "vftest.cli", "serve", str(project), "--port", "0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"on (http://\S+)", line)
        if found:
            # Keep draining the server's log so a full pipe can never stall it mid-benchmark.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, found[1]
    process.kill()
    raise SystemExit(f"the server did not start: {' '.join(command)}")


async def run_once(url: str, users: int, concurrency: int, tag: str) -> float:
    """Play `users` conversations with `concurrency` workers; return turns per second."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    queue = iter(range(users))
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, limits=limits) as client:

        async def worker() -> None:
            for n in queue:  # a shared iterator: each user is played once
                path = f"/state/user/{tag}-{n}/interact"
                launch = await client.post(path, json=LAUNCH)
                order = await client.post(path, json=ORDER)
                if launch.status_code != 200 or order.json()[-1]["type"] != "end":
                    raise SystemExit(f"unexpected answer: {launch.text[:200]} / {order.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return 2 * users / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", type=int, default=300, help="users per run (2 turns each)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--project", type=Path, default=PROJECT)
    args = parser.parse_args()

    process, url = start_server(args.project)
    try:
        httpx.get(url + "/health").raise_for_status()
        asyncio.run(run_once(url, 100, 4, "warmup"))
        print(f"vftest serve {args.project.name} at {url}; {args.users} users x 2 turns per run")
        for concurrency in args.concurrency:
            rates = [
                asyncio.run(run_once(url, args.users, concurrency, f"c{concurrency}r{run}"))
                for run in range(args.runs)
            ]
            median = statistics.median(rates)
            line = f"  {concurrency:>3} concurrent: {median:7.0f} turns/s median of {args.runs}"
            line += f" (min {min(rates):.0f}, max {max(rates):.0f})"
            reference = REFERENCE.get(concurrency)
            if reference:
                line += f"  reference {reference:.0f}: x{median / reference:.2f}"
            print(line)
    finally:
        process.terminate()
        process.wait(timeout=10)
    argv = " ".join(sys.argv[1:])
    print(f"reproduce: .venv/bin/python benchmarks/runtime_throughput.py {argv}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
