"""A request gate that keeps throughput near the runtime's rate limit without 429 storms.

Three signals, strongest first:
1. `Retry-After` on a 429 pauses *every* request until it has passed (the limit is per key, so
   one case's 429 is everyone's).
2. `X-RateLimit-Remaining` / `X-RateLimit-Reset` (sent on every response, API.md §1.1): the
   runtime's limiter is a fixed window, so requests flow freely while the budget lasts and pause
   until the reset once what remains is no more than what is already in flight.
3. Without headers, AIMD: halve the rate on a 429, add a little back on each success.
A fixed `rate` (requests/second) is an upper bound on all of that.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import httpx

from vftest.client import retry_after_seconds
from vftest.errors import RateLimitedError

__all__ = ["AdaptiveLimiter"]

Clock = Callable[[], float]
# Told once per pause that is long enough to notice: (seconds, why). The plugin prints it, so a
# run that waits says so instead of looking hung.
PauseNotice = Callable[[float, str], None]
NOTICE_AFTER = 2.0  # seconds of shared pause worth a line on the terminal

# Keep a few requests of the window in reserve: clocks differ and other clients may share the key.
_RESERVE = 1
_MIN_RATE = 0.5
_AIMD_STEP = 0.5
_UNPACED_ABOVE = 1000.0


class AdaptiveLimiter:
    """Paces requests; implements the client's `RequestGate` protocol (acquire + observe)."""

    def __init__(
        self,
        rate: float | None = None,
        *,
        max_wait: float = 60.0,
        on_pause: PauseNotice | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self._ceiling = rate
        self._max_wait = max_wait
        self._on_pause = on_pause
        self._pause_reason = ""
        self._announced_until = 0.0
        self._rate: float | None = rate  # current pace; None = unpaced
        self._clock = clock
        self._wall = wall_clock
        self._next_slot = 0.0  # monotonic time the next request may leave
        self._paused_until = 0.0
        self._in_flight = 0
        self._lock = asyncio.Lock()
        self.throttled = 0  # 429s seen (for reports and benchmarks)

    @property
    def rate(self) -> float | None:
        """The current pace in requests/second (None when unpaced)."""
        return self._rate

    async def acquire(self) -> None:
        """Wait until this request may be sent.

        Raises:
            RateLimitedError: the runtime asked for a pause longer than `max_wait`: the request
                is not sent, rather than the run hanging for minutes in silence.
        """
        while True:
            async with self._lock:
                now = self._clock()
                start = max(now, self._paused_until, self._next_slot)
                if start - now > self._max_wait:
                    raise RateLimitedError(
                        f"rate limited: the runtime asked every request to wait {start - now:.0f}s "
                        f"({self._pause_reason or 'rate limit'}), more than the maximum "
                        f"{self._max_wait:g}s (--vftest-max-429-wait); not sent"
                    )
                if start <= now:
                    if self._rate:
                        self._next_slot = now + 1.0 / self._rate
                    # Counted only once it leaves: waiting requests use none of the budget.
                    self._in_flight += 1
                    return
            # Re-checked after the sleep: a 429 seen meanwhile may have moved the pause.
            await asyncio.sleep(start - now)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response: 429 pauses and slows down, headers tell the budget left."""
        now = self._clock()
        self._in_flight = max(0, self._in_flight - 1)
        if not isinstance(headers, httpx.Headers):
            headers = httpx.Headers(headers)  # case-insensitive, as on the wire
        # Retry-After, else the time until X-RateLimit-Reset (the window left).
        wait = retry_after_seconds(headers, now=datetime.fromtimestamp(self._wall(), UTC))
        remaining = headers.get("x-ratelimit-remaining")
        if status == 429:
            self.throttled += 1
            self._pause_reason = (
                "429 with Retry-After / X-RateLimit-Reset" if wait is not None else "429"
            )
            self._paused_until = max(self._paused_until, now + (1.0 if wait is None else wait))
            self._announce(now)
            if remaining is None:
                # No budget headers to pace by: fall back to AIMD.
                self._set_rate((self._rate or 10.0) / 2)
            return
        if self._budget_spent(remaining, wait):
            return
        if self._rate is not None and status < 400:
            self._set_rate(self._rate + _AIMD_STEP)

    def _budget_spent(self, remaining: str | None, window: float | None) -> bool:
        """Pause until the window resets when the requests in flight would use up the budget."""
        if remaining is None or not window:
            return False
        try:
            left = int(remaining)
        except ValueError:
            return False
        if left > self._in_flight + _RESERVE:
            return False
        self._pause_reason = "X-RateLimit-Remaining spent until X-RateLimit-Reset"
        self._paused_until = max(self._paused_until, self._clock() + window)
        self._announce(self._clock())
        return True

    def _announce(self, now: float) -> None:
        """Tell `on_pause` about a new pause long enough to notice (once per pause)."""
        if (
            self._on_pause is not None
            and self._paused_until - now >= NOTICE_AFTER
            and self._paused_until > self._announced_until
        ):
            self._announced_until = self._paused_until
            self._on_pause(self._paused_until - now, self._pause_reason)

    def _set_rate(self, rate: float) -> None:
        rate = max(_MIN_RATE, rate)
        if self._ceiling:
            rate = min(rate, self._ceiling)
        # Additive increase back past the fixed ceiling (or far past any plausible limit) ends
        # pacing: a rate that high only adds bookkeeping.
        self._rate = None if not self._ceiling and rate > _UNPACED_ABOVE else rate
