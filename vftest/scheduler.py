"""Run cases ahead of the reporter: an event loop in a background thread, N cases at a time.

The pytest plugin submits every selected case in collection order when the run starts; each
item then waits for its own result, so reports stay in order while up to `concurrency`
conversations are in flight. Cases start in submission order (asyncio semaphores are FIFO).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

__all__ = ["BackgroundScheduler"]

T = TypeVar("T")


class BackgroundScheduler:
    """Owns an asyncio loop in a daemon thread and a FIFO concurrency limit."""

    def __init__(self, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="vftest-scheduler", daemon=True
        )
        self._thread.start()
        self._semaphore = self.call(self._make_semaphore())
        self._futures: dict[Hashable, concurrent.futures.Future[Any]] = {}
        self._closed = False

    async def _make_semaphore(self) -> asyncio.Semaphore:
        # Created inside the loop so it binds to it.
        return asyncio.Semaphore(self.concurrency)

    def call(self, coroutine: Awaitable[T]) -> T:
        """Run one coroutine on the loop and wait for its result (setup/teardown work)."""
        return asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self._loop).result()

    def submit(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> None:
        """Queue `factory()` to run when a slot is free; results are fetched by `key`."""
        if self._closed:
            raise RuntimeError("scheduler is closed")
        if key in self._futures:
            return

        async def limited() -> T:
            async with self._semaphore:
                return await factory()

        self._futures[key] = asyncio.run_coroutine_threadsafe(limited(), self._loop)

    def submitted(self, key: Hashable) -> bool:
        """Whether `key` was submitted (and so has or will have a result)."""
        return key in self._futures

    def result(self, key: Hashable, *, while_waiting: Callable[[], None] | None = None) -> Any:
        """Block until the case for `key` has finished; re-raises what it raised.

        A result is handed out once: the future is forgotten, so a long run does not keep
        every case's full result alive, and submitting `key` again plays it again.
        `while_waiting` is called on this thread about once a second while it waits (the
        plugin prints what the background loop has to say, e.g. a rate-limit pause).
        """
        future = self._futures[key]
        try:
            while while_waiting is not None:
                try:
                    return future.result(timeout=1.0)
                except concurrent.futures.TimeoutError:
                    while_waiting()
            return future.result()
        finally:
            del self._futures[key]

    def cancel_pending(self) -> int:
        """Cancel every case not finished yet and wait until each has stopped.

        Cancelling a running case cancels its in-flight HTTP request (httpx closes the
        connection), so nothing is left talking to the runtime. Returns how many were cancelled.
        """
        pending = [future for future in self._futures.values() if not future.done()]
        for future in pending:
            future.cancel()
        if pending:
            # run_coroutine_threadsafe futures report cancelled before the task has unwound;
            # a round trip through the loop after the tasks finish makes sure they have.
            self.call(_drain())
        return len(pending)

    def close(self, finalizer: Awaitable[Any] | None = None) -> None:
        """Cancel what is left, run `finalizer` (e.g. closing HTTP clients), stop the thread."""
        if self._closed:
            return
        self.cancel_pending()
        if finalizer is not None:
            self.call(finalizer)
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _drain() -> None:
    """Wait for every other task on the loop to finish (they were just cancelled)."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    if others:
        await asyncio.wait(others, timeout=10)
