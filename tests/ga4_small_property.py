"""The small GA4 property the GA4 emulator tests hand-compute, with request helpers; used by test_ga4_emulator*.

Fixture (property 123456, UTC), week 2024-01-01..07 plus one session the next week:

    s  date        user new  channel         campaign     eng  dur  pv  ke  events
    0  2024-01-01  u1   yes  Paid Social     q1_demo      yes  100  3   1   scroll_25×2, form_submit×1
    1  2024-01-01  u2   yes  Organic Search  (organic)    no   10   1   0   -
    2  2024-01-02  u1   no   Organic Search  (organic)    yes  50   2   0   scroll_25×1
    3  2024-01-02  u3   yes  Paid Social     q1_demo      yes  200  5   2   scroll_25×1, form_submit×2
    4  2024-01-03  u2   no   Paid Social     q1_retarget  no   0    1   0   -
    5  2024-01-03  u1   no   Paid Social     q1_demo      yes  30   1   0   scroll_25×1
    6  2024-01-08  u4   yes  Direct          (direct)     no   5    1   0   -
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.test import Client

from emulators.ga4 import GA4Emulator

PROPERTY = "123456"
WEEK = {"startDate": "2024-01-01", "endDate": "2024-01-07"}
ALL_METRICS = [
    "sessions",
    "totalUsers",
    "newUsers",
    "engagedSessions",
    "averageSessionDuration",
    "bounceRate",
    "screenPageViews",
    "keyEvents",
    "eventCount",
    "engagementRate",
]


def session_record(
    day: str,
    user: str,
    new: bool,
    channel: str,
    source_medium: str,
    campaign: str,
    engaged: bool,
    duration: float,
    pageviews: int,
    key_events: int,
    events: dict[str, int],
) -> dict[str, Any]:
    """One row of the table above as a fixture session."""
    return {
        "date": day,
        "user": user,
        "new_user": new,
        "channel_group": channel,
        "source_medium": source_medium,
        "campaign": campaign,
        "engaged": engaged,
        "duration_s": duration,
        "pageviews": pageviews,
        "key_events": key_events,
        "events": events,
    }


LI = "linkedin / paid_social"
GOOG = "google / organic"
SESSIONS = [
    session_record(
        "2024-01-01", "u1", True, "Paid Social", LI, "q1_demo", True, 100, 3, 1, {"scroll_25": 2, "form_submit": 1}
    ),
    session_record("2024-01-01", "u2", True, "Organic Search", GOOG, "(organic)", False, 10, 1, 0, {}),
    session_record("2024-01-02", "u1", False, "Organic Search", GOOG, "(organic)", True, 50, 2, 0, {"scroll_25": 1}),
    session_record(
        "2024-01-02", "u3", True, "Paid Social", LI, "q1_demo", True, 200, 5, 2, {"scroll_25": 1, "form_submit": 2}
    ),
    session_record("2024-01-03", "u2", False, "Paid Social", LI, "q1_retarget", False, 0, 1, 0, {}),
    session_record("2024-01-03", "u1", False, "Paid Social", LI, "q1_demo", True, 30, 1, 0, {"scroll_25": 1}),
    session_record("2024-01-08", "u4", True, "Direct", "(direct) / (none)", "(direct)", False, 5, 1, 0, {}),
]


def property_data(**extra: Any) -> dict[str, Any]:
    """The fixture's ``ga4`` part (currency EUR), with ``extra`` keys added or replaced."""
    return {"property_id": PROPERTY, "time_zone": "UTC", "currency": "EUR", "sessions": SESSIONS, **extra}


class WallClock:
    """A settable wall clock for the emulator's ``clock`` (quota windows, relative dates)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def start_clock() -> WallClock:
    """10:00 UTC on Thursday 2024-01-04 = 02:00 Pacific the same day."""
    return WallClock(datetime(2024, 1, 4, 10, 0, tzinfo=UTC))


def post(
    emu: GA4Emulator,
    body: Any,
    *,
    method: str = "runReport",
    prop: str = PROPERTY,
    token: str | None = "tok",  # noqa: S107
) -> tuple[int, dict[str, Any]]:
    """POST ``body`` to ``runReport`` (or ``method``); returns the status and the decoded body."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = Client(emu).post(f"/v1beta/properties/{prop}:{method}", json=body, headers=headers)
    return resp.status_code, json.loads(resp.get_data())


def run_report(emu: GA4Emulator, dims: list[str], metrics: list[str], **body: Any) -> dict[str, Any]:
    """Run a one-week report that must succeed; ``body`` adds request fields."""
    request = {
        "dateRanges": [WEEK],
        "dimensions": [{"name": d} for d in dims],
        "metrics": [{"name": m} for m in metrics],
        **body,
    }
    status, payload = post(emu, request)
    assert status == 200, payload
    return payload


def rows_of(report: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    """The report's rows as (dimension values, metric values)."""
    return [
        ([d["value"] for d in row["dimensionValues"]], [m["value"] for m in row["metricValues"]])
        for row in report.get("rows", [])
    ]
