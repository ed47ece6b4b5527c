"""Rolling-window rate limiter shared by the emulators.

The clock is injected so tests can advance time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """Outcome of one :meth:`RollingWindowLimiter.acquire` call.

    Attributes:
        allowed: True when the request fits in the window (and was recorded).
        limit: The configured maximum per window.
        remaining: Requests still allowed in the current window after this one.
        retry_after_s: When refused, seconds until the oldest recorded request leaves the window.
    """

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float = 0.0


class RollingWindowLimiter:
    """At most ``limit`` accepted requests in any rolling window of ``window_s`` seconds.

    Refused requests are not recorded, so a client that keeps retrying too fast does not push its own
    recovery further away (HubSpot's counters behave this way from the client's point of view).
    A ``limit`` of 0 disables the limiter.
    """

    def __init__(self, limit: int, window_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Create a limiter.

        Args:
            limit: Maximum accepted requests per window; 0 disables limiting.
            window_s: Window length in seconds.
            clock: Monotonic clock in seconds (injected by tests).
        """
        if limit < 0:
            raise ValueError("limit must be >= 0")
        if window_s <= 0:
            raise ValueError("window_s must be > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether the limiter enforces anything."""
        return self.limit > 0

    def _evict(self, now: float) -> None:
        cutoff = now - self.window_s
        while self._stamps and self._stamps[0] <= cutoff:
            self._stamps.popleft()

    def acquire(self) -> RateDecision:
        """Record one request if it fits in the window.

        Returns:
            The decision; when ``allowed`` is False nothing was recorded.
        """
        if not self.enabled:
            return RateDecision(allowed=True, limit=0, remaining=0)
        with self._lock:
            now = self._clock()
            self._evict(now)
            if len(self._stamps) >= self.limit:
                retry_after = max(0.0, self._stamps[0] + self.window_s - now)
                return RateDecision(allowed=False, limit=self.limit, remaining=0, retry_after_s=retry_after)
            self._stamps.append(now)
            return RateDecision(allowed=True, limit=self.limit, remaining=self.limit - len(self._stamps))

    def reset(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._stamps.clear()
