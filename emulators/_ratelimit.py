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


@dataclass(frozen=True)
class RealLimits:
    """Each API's published limits (limits-and-reliability.md §1), for emulators run at real ratios.

    Attributes:
        hubspot_burst: HubSpot non-search requests per ``hubspot_burst_window_s`` (Professional/Enterprise).
        hubspot_burst_window_s: The burst window.
        hubspot_search_per_second: CRM search requests per second.
        hubspot_search_page: Most records one search page returns.
        hubspot_list_page: Most records one list page returns.
        sheets_writes_per_minute: Sheets write requests per user per minute.
        sheets_reads_per_minute: Sheets read requests per user per minute.
        ga4_concurrent: GA4 concurrent requests per property.
    """

    hubspot_burst: int = 190
    hubspot_burst_window_s: float = 10.0
    hubspot_search_per_second: int = 5
    hubspot_search_page: int = 200
    hubspot_list_page: int = 100
    sheets_writes_per_minute: int = 60
    sheets_reads_per_minute: int = 60
    ga4_concurrent: int = 10


REAL_LIMITS = RealLimits()


def scaled_clock(time_scale: float, base: Callable[[], float] = time.monotonic) -> Callable[[], float]:
    """A clock running ``time_scale`` times faster than ``base``.

    Giving the same scaled clock to an emulator's limiters and to the client's pacer runs every limit
    ``time_scale`` times faster while keeping their ratios: 190 requests per 10 s become 190 per 0.1 s
    at 100x, and a wall-time floor measured in scaled seconds is divided by ``time_scale``.

    Args:
        time_scale: Speed-up factor (> 0); 1 is real time.
        base: The underlying monotonic clock.
    """
    if time_scale <= 0:
        raise ValueError("time_scale must be > 0")
    origin = base()
    return lambda: origin + (base() - origin) * time_scale


def scaled_sleeper(time_scale: float, sleep: Callable[[float], None] = time.sleep) -> Callable[[float], None]:
    """A sleeper for clients paced on :func:`scaled_clock`: waiting ``s`` scaled seconds sleeps ``s / time_scale``."""
    if time_scale <= 0:
        raise ValueError("time_scale must be > 0")
    return lambda seconds: sleep(max(0.0, seconds) / time_scale)
