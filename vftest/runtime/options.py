"""Knobs of one local-runtime app instance: accepted API keys, latency, rate limit, faults, seed.

Everything is off by default, so a bare `RuntimeOptions()` behaves like a quiet, fast runtime.
The `parse_*` helpers turn command-line / ini text into these values (`ConfigError` if malformed).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from vftest.errors import ConfigError

__all__ = [
    "API_KEYS_ENV",
    "FAULT_KINDS",
    "Faults",
    "Latency",
    "RateLimit",
    "RuntimeOptions",
    "api_keys_from_env",
    "parse_fault_kinds",
    "parse_latency",
    "parse_rate_limit",
]

API_KEYS_ENV = "VFTEST_RUNTIME_API_KEYS"
"""Environment variable holding extra accepted API keys, comma-separated."""

FAULT_KINDS = ("500", "502", "503", "timeout", "cut", "malformed")
"""Every fault the runtime can inject; `Faults.kinds` picks among them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Latency:
    """Added delay before each request is handled: `fixed_ms` plus uniform `[0, jitter_ms)`."""

    fixed_ms: float
    jitter_ms: float = 0.0

    def __post_init__(self) -> None:
        if (
            self.fixed_ms < 0
            or self.jitter_ms < 0
            or not math.isfinite(self.fixed_ms + self.jitter_ms)
        ):
            raise ConfigError(
                f"latency must be finite and >= 0, got {self.fixed_ms}+{self.jitter_ms}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """At most `points` requests per `seconds` window, counted per API key (fixed window)."""

    points: int
    seconds: float

    def __post_init__(self) -> None:
        if self.points < 1 or not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise ConfigError(
                "rate limit needs N >= 1 requests per SECONDS > 0,"
                f" got {self.points}/{self.seconds}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Faults:
    """Answer a share `rate` of requests with one of `kinds` instead of the normal response.

    `hang_seconds` bounds the `timeout` fault: the request hangs that long, then gets the real
    runtime's own 408 `response timeout` (its ERROR_RESPONSE_MS default is 20 s), so a client
    with a shorter timeout sees a timeout and a leaked request still ends.
    """

    rate: float
    kinds: tuple[str, ...] = FAULT_KINDS
    hang_seconds: float = 20.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ConfigError(f"fault rate must be between 0 and 1, got {self.rate}")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown or not self.kinds:
            raise ConfigError(
                f"fault kinds must be a non-empty subset of {', '.join(FAULT_KINDS)};"
                f" got {', '.join(self.kinds) or 'nothing'}"
            )
        if not (self.hang_seconds >= 0 and math.isfinite(self.hang_seconds)):
            raise ConfigError(f"hang_seconds must be finite and >= 0, got {self.hang_seconds}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeOptions:
    """Per-app settings of the local runtime.

    Attributes:
        api_keys: accepted `authorization` values; empty means any `VF.DM.` key is accepted.
        latency: delay added to every API request (not `/health`), or None.
        rate_limit: per-key request budget answered with the real 429, or None (unlimited,
            and then no `X-RateLimit-*` headers are sent).
        faults: fault injection, or None.
        seed: seeds the RNG behind latency jitter and fault choice, for reproducible runs.
        node_env: the name `/health` reports (`"<node_env> Healthy"`), as NODE_ENV does.
        environments: environment names that resolve to the file's own version, before the
            `development`/`production` aliases: the file *is* that environment's agent (a suite
            mapping `target.project: {staging: staging.vfr}`).
        public: serve the project on the `/public` routes whatever its API privacy.
    """

    api_keys: tuple[str, ...] = ()
    latency: Latency | None = None
    rate_limit: RateLimit | None = None
    faults: Faults | None = None
    seed: int | None = None
    node_env: str = "local"
    environments: tuple[str, ...] = ()
    # Serve the project on the keyless `/public/...` routes even if its API privacy is private
    # (`vftest serve --public`, to preview it in Voiceflow's chat widget).
    public: bool = False


_LATENCY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:\+\s*(\d+(?:\.\d+)?))?\s*(?:ms)?\s*$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def parse_latency(text: str) -> Latency:
    """Parse `MS` or `MS+JITTER` (milliseconds), e.g. `50+20`."""
    match = _LATENCY.match(text)
    if match is None:
        raise ConfigError(f"latency must look like MS or MS+JITTER (e.g. 50+20), got {text!r}")
    return Latency(fixed_ms=float(match[1]), jitter_ms=float(match[2] or 0))


def parse_rate_limit(text: str) -> RateLimit:
    """Parse `N/SECONDS`, e.g. `500/60` (the real runtime's default budget)."""
    match = _RATE.match(text)
    if match is None:
        raise ConfigError(f"rate limit must look like N/SECONDS (e.g. 500/60), got {text!r}")
    return RateLimit(points=int(match[1]), seconds=float(match[2]))


def parse_fault_kinds(text: str) -> tuple[str, ...]:
    """Parse a comma-separated subset of `FAULT_KINDS`, e.g. `500,timeout,cut`."""
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown or not kinds:
        raise ConfigError(f"fault kinds must be among {', '.join(FAULT_KINDS)}; got {text!r}")
    return kinds


def api_keys_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The keys listed in `VFTEST_RUNTIME_API_KEYS` (comma-separated, blanks ignored)."""
    raw = (os.environ if environ is None else environ).get(API_KEYS_ENV, "")
    return tuple(key.strip() for key in raw.split(",") if key.strip())
