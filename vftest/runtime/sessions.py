"""In-memory conversation state of the local runtime, plus the v4 session keys.

State is keyed like the real runtime's local session store: `${projectID}.${userID}`.
Turns of one session are serialised by a per-session lock; different sessions run concurrently.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["SessionStore", "V4Session", "V4Sessions", "session_key"]

State = dict[str, Any]


def session_key(project_id: str, user_id: str) -> str:
    """The store key of one user's conversation (`lib/services/session/local.ts`)."""
    return f"{project_id}.{user_id}"


class SessionStore:
    """Conversation states by session key; safe to share between threads and tasks.

    A state object handed to `put` belongs to the store afterwards: callers build a new
    dict for every change instead of mutating one they read, so readers never see half a turn.
    """

    def __init__(self) -> None:
        self._states: dict[str, State] = {}
        # Guards both dicts: the app's event loop and a test thread may touch them together.
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def get(self, key: str) -> State | None:
        """The stored state, or None if the session is empty."""
        with self._guard:
            return self._states.get(key)

    def put(self, key: str, state: State) -> None:
        """Store `state` as the session's whole state."""
        with self._guard:
            self._states[key] = state

    def delete(self, key: str) -> None:
        """Forget the session (a later GET answers `{}`)."""
        with self._guard:
            self._states.pop(key, None)

    def __len__(self) -> int:
        with self._guard:
            return len(self._states)

    @asynccontextmanager
    async def locked(self, key: str) -> AsyncIterator[None]:
        """Hold the session's lock for one read-run-save cycle.

        Locks are reference-counted and dropped when the last holder leaves, so a long test
        run with thousands of one-off users does not accumulate a lock per user.
        """
        with self._guard:
            lock, holders = self._locks.get(key) or (asyncio.Lock(), 0)
            self._locks[key] = (lock, holders + 1)
        try:
            async with lock:
                yield
        finally:
            with self._guard:
                lock, holders = self._locks[key]
                if holders == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, holders - 1)


@dataclass(frozen=True, slots=True)
class V4Session:
    """What a v4 session key stands for."""

    project_id: str
    user_id: str
    version_id: str


class V4Sessions:
    """Issued v4 session keys; a new session for a user revokes that user's previous key."""

    def __init__(self) -> None:
        self._by_key: dict[str, V4Session] = {}
        self._by_user: dict[tuple[str, str], str] = {}
        self._guard = threading.Lock()

    def start(self, project_id: str, user_id: str, version_id: str) -> str:
        """Issue a key for `user_id`, ending any session the user had ("quickstart" docs)."""
        # Opaque on purpose: the hosted key is a JWT, but clients only echo it back.
        key = "vfsk." + secrets.token_urlsafe(24)
        with self._guard:
            old = self._by_user.pop((project_id, user_id), None)
            if old is not None:
                self._by_key.pop(old, None)
            self._by_key[key] = V4Session(project_id, user_id, version_id)
            self._by_user[(project_id, user_id)] = key
        return key

    def resolve(self, key: str) -> V4Session | None:
        """The live session behind `key`, or None if unknown or ended."""
        with self._guard:
            return self._by_key.get(key)
