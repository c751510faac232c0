"""Traces validated per second on one core, for a realistic mix of trace types.

Run: .venv/bin/python benchmarks/contract_throughput.py [--contract v4|dm-1.1] [--runs 7]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from vftest.contract import check_traces, load_contract
from vftest.models import ApiGeneration, ContractSettings

TRACES = Path(__file__).parents[1] / "tests" / "data" / "traces"

# One "turn mix": what a chat agent typically streams, custom action included.
MIX = [
    "text.local-runtime",
    "text.docs",
    "choice.intent-and-path-buttons.local-runtime",
    "cardV2.local-runtime",
    "carousel.local-runtime",
    "visual.image.local-runtime",
    "end.end-step.local-runtime",
    "speak.message.local-runtime",
    "custom-action.Pay-Credit-Card.local-runtime",
]


def build_mix(contract: str, size: int) -> list[dict[str, Any]]:
    base = [json.loads((TRACES / f"{name}.json").read_text()) for name in MIX]
    traces = []
    for i in range(size):
        trace = copy.deepcopy(base[i % len(base)])
        trace["time"] = 1795239404000 + i  # distinct objects, as on the wire
        if contract == "v4" and trace["type"] == "text":
            trace["payload"]["messageID"] = f"m{i}"
        traces.append(trace)
    return traces


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contract", default="v4", choices=["v4", "dm-1.1"])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    contract = load_contract(args.contract, ApiGeneration.V1)
    settings = ContractSettings(custom_traces=("Pay Credit Card",), unknown_traces="fail")
    traces = build_mix(args.contract, args.size)
    violations, _ = check_traces(contract, traces, settings)
    assert not violations, violations[:3]  # the mix is valid: this measures the fast path
    # a second, all-invalid mix measures the slow path (jsonschema errors + messages)
    bad = [{**t, "payload": {}} for t in traces[: args.size // 10] if t["type"] != "end"]
    rates, bad_rates = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        check_traces(contract, traces, settings)
        rates.append(len(traces) / (time.perf_counter() - start))
        start = time.perf_counter()
        check_traces(contract, bad, settings)
        bad_rates.append(len(bad) / (time.perf_counter() - start))
    print(f"contract {args.contract}, {len(MIX)}-type mix, {len(traces)} traces, {args.runs} runs")
    print(f"valid traces:   {statistics.median(rates):,.0f} traces/s (median)")
    print(f"invalid traces: {statistics.median(bad_rates):,.0f} traces/s (median, with messages)")
    print(f"reproduce: .venv/bin/python {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
