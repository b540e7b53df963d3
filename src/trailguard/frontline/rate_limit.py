"""Per-client token buckets for the public endpoints (in this process's memory: one server; see
docs/deployment.md). Hand-written: a bucket is a few lines, and the libraries that do it for FastAPI want
Redis or decorate routes in ways the OpenAPI document does not show."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_CLIENTS = 50_000  # buckets held; past this, the full (idle) ones are dropped first


class RateLimiter:
    """`capacity` requests at once, refilled at `capacity` per `per_seconds`, for each client key."""

    def __init__(
        self, capacity: int, per_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if capacity < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs a capacity of at least 1 and a positive period")
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False when its bucket is empty (the caller answers 429)."""
        now = self._clock()
        with self._lock:
            tokens, when = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - when) * self.rate)
            if len(self._buckets) >= MAX_CLIENTS and key not in self._buckets:
                self._prune(now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True

    def retry_after(self, key: str) -> int:
        """Whole seconds until `key` has a token again (for the Retry-After header)."""
        with self._lock:
            tokens, _ = self._buckets.get(key, (float(self.capacity), 0.0))
        return max(1, int((1 - tokens) / self.rate + 0.999))

    def _prune(self, now: float) -> None:
        full = [k for k, (t, w) in self._buckets.items() if t + (now - w) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= MAX_CLIENTS:  # every client is active: drop the oldest half
            for k in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: MAX_CLIENTS // 2]:
                del self._buckets[k]
