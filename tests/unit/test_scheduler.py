from __future__ import annotations

import asyncio
import concurrent.futures
import threading

import pytest

from vftest.scheduler import BackgroundScheduler


def test_runs_ahead_with_at_most_n_in_flight_and_in_submission_order() -> None:
    scheduler = BackgroundScheduler(3)
    started: list[int] = []
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def job(n: int):
        async def run() -> int:
            nonlocal in_flight, peak
            with lock:
                started.append(n)
                in_flight += 1
                peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            with lock:
                in_flight -= 1
            return n * n

        return run

    try:
        for n in range(12):
            scheduler.submit(n, job(n))
        assert [scheduler.result(n) for n in range(12)] == [n * n for n in range(12)]
    finally:
        scheduler.close()
    assert peak == 3
    assert started == list(range(12))


def test_cancel_pending_stops_queued_and_running_cases() -> None:
    scheduler = BackgroundScheduler(1)
    finished: list[int] = []

    def slow(n: int):
        async def run() -> None:
            await asyncio.sleep(5)
            finished.append(n)

        return run

    for n in range(4):
        scheduler.submit(n, slow(n))
    assert scheduler.cancel_pending() == 4
    with pytest.raises(concurrent.futures.CancelledError):
        scheduler.result(0)
    scheduler.close()
    assert finished == []


def test_exceptions_reach_the_waiting_item() -> None:
    scheduler = BackgroundScheduler(2)

    async def boom() -> None:
        raise KeyError("x")

    scheduler.submit("k", boom)
    with pytest.raises(KeyError):
        scheduler.result("k")
    scheduler.close()


def test_a_result_is_handed_out_once_and_a_second_submission_plays_again() -> None:
    scheduler = BackgroundScheduler(2)
    plays: list[int] = []

    async def play() -> int:
        plays.append(len(plays))
        return len(plays)

    scheduler.submit("case", play)
    assert scheduler.result("case") == 1
    # nothing of the finished case is kept...
    assert not scheduler.submitted("case")
    # ...so a rerun (pytest-rerunfailures) really plays the case again
    scheduler.submit("case", play)
    assert scheduler.result("case") == 2
    scheduler.close()
    assert plays == [0, 1]
