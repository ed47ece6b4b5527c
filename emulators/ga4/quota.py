"""GA4 property quotas: token cost of a report and the per-property day/hour counters behind 429s.

Used by :class:`emulators.ga4.emulator.GA4Emulator` around every report request (and ``propertyQuota``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from emulators.google_rpc import JSON

#: Standard (non-360) property quotas, reported when a quota is not enforced (reference §4.4).
STANDARD_QUOTAS: dict[str, int] = {
    "tokensPerDay": 200_000,
    "tokensPerHour": 40_000,
    "concurrentRequests": 10,
    "serverErrorsPerProjectPerHour": 10,
    "potentiallyThresholdedRequestsPerHour": 120,
    "tokensPerProjectPerHour": 14_000,
}
# The daily token quota resets at midnight Pacific time, whatever the property's own time zone.
_QUOTA_DAY_TZ = ZoneInfo("America/Los_Angeles")


def report_cost(row_count: int) -> int:
    """Tokens one report costs: ``1 + row_count // 1000`` (the real formula is unpublished)."""
    return 1 + row_count // 1000


class Quota:
    """Per-property quota counters with day (Pacific midnight) and hour windows."""

    def __init__(self, limits: Mapping[str, int], clock: Callable[[], datetime]) -> None:
        self.limits = dict(limits)
        self._clock = clock
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Zero every windowed counter (requests in flight are real and stay counted)."""
        self.day_key: date | None = None
        self.hour_key: int | None = None
        self.tokens_day = 0
        self.tokens_hour = 0
        self.server_errors_hour = 0
        self.thresholded_hour = 0

    def roll(self) -> None:
        now = self._clock()
        day = now.astimezone(_QUOTA_DAY_TZ).date()
        hour = int(now.timestamp() // 3600)
        if day != self.day_key:
            self.day_key = day
            self.tokens_day = 0
        if hour != self.hour_key:
            self.hour_key = hour
            self.tokens_hour = 0
            self.server_errors_hour = 0
            self.thresholded_hour = 0

    def consumed(self) -> dict[str, int]:
        return {
            "tokensPerDay": self.tokens_day,
            "tokensPerHour": self.tokens_hour,
            "concurrentRequests": max(0, self.in_flight - 1),
            "serverErrorsPerProjectPerHour": self.server_errors_hour,
            "potentiallyThresholdedRequestsPerHour": self.thresholded_hour,
            # One project talks to the emulator, so the project's share is the property's hourly use.
            "tokensPerProjectPerHour": self.tokens_hour,
        }

    def exhausted(self) -> str | None:
        """Name the first enforced quota that is spent, or None."""
        consumed = self.consumed()
        messages = {
            "tokensPerDay": "Exhausted property tokens per day quota",
            "tokensPerHour": "Exhausted property tokens per hour quota",
            "tokensPerProjectPerHour": "Exhausted property tokens for a project per hour quota",
            "serverErrorsPerProjectPerHour": "Exhausted server errors per project per hour quota",
            "potentiallyThresholdedRequestsPerHour": ("Exhausted potentially thresholded requests per hour quota"),
        }
        for key, text in messages.items():
            limit = self.limits[key]
            if limit and consumed[key] >= limit:
                unit = " tokens" if key.startswith("tokens") else ""
                return (
                    f"{text}. Consumed: {consumed[key]}{unit}; limit: {limit}{unit}. "
                    "Wait for the quota to refresh or reduce the number and size of requests."
                )
        return None

    def status(self) -> JSON:
        consumed = self.consumed()
        out: JSON = {}
        for key in (
            "tokensPerDay",
            "tokensPerHour",
            "concurrentRequests",
            "serverErrorsPerProjectPerHour",
            "potentiallyThresholdedRequestsPerHour",
            "tokensPerProjectPerHour",
        ):
            limit = self.limits[key] or STANDARD_QUOTAS[key]
            out[key] = {"consumed": consumed[key], "remaining": max(0, limit - consumed[key])}
        return out
