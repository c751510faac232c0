from __future__ import annotations

import asyncio

import pytest

from vftest.limiter import AdaptiveLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_429_pauses_everyone_for_retry_after_and_halves_the_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(clock=clock, wall_clock=clock)
    limiter.observe(429, {"Retry-After": "3"})
    assert limiter.throttled == 1
    assert limiter.rate == 5.0  # no pace known: assume 10/s, halve it

    slept: list[float] = []

    async def fake_sleep(delay: float) -> None:
        slept.append(delay)
        clock.now += delay

    monkeypatch.setattr("vftest.limiter.asyncio.sleep", fake_sleep)
    asyncio.run(limiter.acquire())
    asyncio.run(limiter.acquire())
    # first waits out Retry-After, second is paced 1/rate (5/s) after it
    assert slept == [pytest.approx(3.0), pytest.approx(0.2)]
    assert limiter._in_flight == 2


def test_spent_budget_pauses_until_reset_instead_of_collecting_429s() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(clock=clock, wall_clock=clock)
    reset = "1970-01-01T00:16:50.000Z"  # epoch 1010 = 10 s after "now"
    limiter.observe(200, {"X-RateLimit-Remaining": "50", "X-RateLimit-Reset": reset})
    assert limiter._paused_until == 0.0
    limiter.observe(200, {"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": reset})
    assert limiter._paused_until == 1010.0


def test_success_after_throttling_adds_rate_back_up_to_the_ceiling() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(6.0, clock=clock, wall_clock=clock)
    limiter.observe(429, {"Retry-After": "0"})
    assert limiter.rate == 3.0
    for _ in range(10):
        limiter.observe(200, {})
    assert limiter.rate == 6.0


def test_waiting_requests_do_not_count_against_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(clock=clock, wall_clock=clock)
    reset = "1970-01-01T00:16:50.000Z"  # epoch 1010 = 10 s after "now"

    async def fake_sleep(delay: float) -> None:
        clock.now += delay

    monkeypatch.setattr("vftest.limiter.asyncio.sleep", fake_sleep)
    asyncio.run(limiter.acquire())  # one request out
    # three remaining with one in flight: not spent, no pause
    limiter.observe(200, {"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": reset})
    assert limiter._paused_until == 0.0


def test_429_with_budget_headers_pauses_without_slowing_down() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(clock=clock, wall_clock=clock)
    headers = {
        "Retry-After": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1970-01-01T00:16:42.000Z",
    }
    limiter.observe(429, headers)
    assert limiter.rate is None  # the headers say when budget returns: no AIMD penalty
    assert limiter._paused_until == 1002.0
