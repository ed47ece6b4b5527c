"""GA4 Data API emulator: every metric and dimension hand-computed on a small session fixture.

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
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from emulators.ga4 import GA4Emulator, report_cost
from emulators.google_oauth import GoogleOAuthEmulator
from emulators.server import serve_in_thread

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


def _session(
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
    _session(
        "2024-01-01", "u1", True, "Paid Social", LI, "q1_demo", True, 100, 3, 1, {"scroll_25": 2, "form_submit": 1}
    ),
    _session("2024-01-01", "u2", True, "Organic Search", GOOG, "(organic)", False, 10, 1, 0, {}),
    _session("2024-01-02", "u1", False, "Organic Search", GOOG, "(organic)", True, 50, 2, 0, {"scroll_25": 1}),
    _session(
        "2024-01-02", "u3", True, "Paid Social", LI, "q1_demo", True, 200, 5, 2, {"scroll_25": 1, "form_submit": 2}
    ),
    _session("2024-01-03", "u2", False, "Paid Social", LI, "q1_retarget", False, 0, 1, 0, {}),
    _session("2024-01-03", "u1", False, "Paid Social", LI, "q1_demo", True, 30, 1, 0, {"scroll_25": 1}),
    _session("2024-01-08", "u4", True, "Direct", "(direct) / (none)", "(direct)", False, 5, 1, 0, {}),
]


def _fixture(**extra: Any) -> dict[str, Any]:
    return {"property_id": PROPERTY, "time_zone": "UTC", "currency": "EUR", "sessions": SESSIONS, **extra}


class WallClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> WallClock:
    # 10:00 UTC on Thursday 2024-01-04 = 02:00 Pacific the same day.
    return WallClock(datetime(2024, 1, 4, 10, 0, tzinfo=UTC))


@pytest.fixture
def emulator(clock: WallClock) -> GA4Emulator:
    return GA4Emulator(_fixture(), clock=clock)


def _post(
    emu: GA4Emulator,
    body: Any,
    *,
    method: str = "runReport",
    prop: str = PROPERTY,
    token: str | None = "tok",  # noqa: S107
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = Client(emu).post(f"/v1beta/properties/{prop}:{method}", json=body, headers=headers)
    return resp.status_code, json.loads(resp.get_data())


def _report(emu: GA4Emulator, dims: list[str], metrics: list[str], **body: Any) -> dict[str, Any]:
    request = {
        "dateRanges": [WEEK],
        "dimensions": [{"name": d} for d in dims],
        "metrics": [{"name": m} for m in metrics],
        **body,
    }
    status, payload = _post(emu, request)
    assert status == 200, payload
    return payload


def _table(report: dict[str, Any]) -> list[tuple[list[str], list[str]]]:
    return [
        ([d["value"] for d in row["dimensionValues"]], [m["value"] for m in row["metricValues"]])
        for row in report.get("rows", [])
    ]


# ------------------------------------------------------------------ metrics and dimensions


def test_week_totals_every_metric(emulator: GA4Emulator) -> None:
    report = _report(emulator, [], ALL_METRICS)
    # 6 sessions; users u1,u2,u3; new u1,u2,u3; engaged s0,s2,s3,s5; duration 390/6; pv 13; ke 3;
    # events 3+1+3+1; engagement 4/6; bounce 1 - 4/6.
    assert _table(report) == [
        ([], ["6", "3", "3", "4", "65", "0.33333333333333337", "13", "3", "8", "0.66666666666666663"])
    ]
    assert report["metricHeaders"] == [
        {"name": "sessions", "type": "TYPE_INTEGER"},
        {"name": "totalUsers", "type": "TYPE_INTEGER"},
        {"name": "newUsers", "type": "TYPE_INTEGER"},
        {"name": "engagedSessions", "type": "TYPE_INTEGER"},
        {"name": "averageSessionDuration", "type": "TYPE_SECONDS"},
        {"name": "bounceRate", "type": "TYPE_FLOAT"},
        {"name": "screenPageViews", "type": "TYPE_INTEGER"},
        {"name": "keyEvents", "type": "TYPE_FLOAT"},
        {"name": "eventCount", "type": "TYPE_INTEGER"},
        {"name": "engagementRate", "type": "TYPE_FLOAT"},
    ]
    assert report["dimensionHeaders"] == []
    assert report["rowCount"] == 1
    assert report["metadata"] == {"currencyCode": "EUR", "timeZone": "UTC"}
    assert report["kind"] == "analyticsData#runReport"
    assert "propertyQuota" not in report


def test_by_channel(emulator: GA4Emulator) -> None:
    report = _report(emulator, ["sessionDefaultChannelGroup"], ALL_METRICS)
    assert report["dimensionHeaders"] == [{"name": "sessionDefaultChannelGroup"}]
    assert _table(report) == [
        # s1,s2: users u2,u1; new u2; engaged s2; (10+50)/2; pv 3; events 1.
        (["Organic Search"], ["2", "2", "1", "1", "30", "0.5", "3", "0", "1", "0.5"]),
        # s0,s3,s4,s5: users u1,u3,u2; new u1,u3; engaged 3; 330/4; pv 10; ke 3; events 3+3+1.
        (["Paid Social"], ["4", "3", "2", "3", "82.5", "0.25", "10", "3", "7", "0.75"]),
    ]


def test_by_date(emulator: GA4Emulator) -> None:
    report = _report(emulator, ["date"], ["sessions", "totalUsers", "newUsers", "averageSessionDuration", "eventCount"])
    assert _table(report) == [
        (["20240101"], ["2", "2", "2", "55", "3"]),
        (["20240102"], ["2", "2", "1", "125", "4"]),
        (["20240103"], ["2", "2", "0", "15", "1"]),
    ]


def test_total_users_are_not_additive_over_days_or_channels(emulator: GA4Emulator) -> None:
    week = int(_table(_report(emulator, [], ["totalUsers"]))[0][1][0])
    by_day = [int(m[0]) for _, m in _table(_report(emulator, ["date"], ["totalUsers"]))]
    by_channel = [int(m[0]) for _, m in _table(_report(emulator, ["sessionDefaultChannelGroup"], ["totalUsers"]))]
    assert week == 3
    assert by_day == [2, 2, 2] and sum(by_day) == 6
    assert by_channel == [2, 3] and sum(by_channel) == 5
    # newUsers: distinct users with a new-user session; u1 and u3 in Paid Social, u2 in Organic Search.
    assert _table(_report(emulator, ["sessionDefaultChannelGroup"], ["newUsers"])) == [
        (["Organic Search"], ["1"]),
        (["Paid Social"], ["2"]),
    ]


def test_source_medium_campaign_and_split_dimensions(emulator: GA4Emulator) -> None:
    report = _report(
        emulator,
        ["sessionSourceMedium", "sessionCampaignName", "sessionSource", "sessionMedium"],
        ["sessions", "totalUsers"],
    )
    assert _table(report) == [
        (["google / organic", "(organic)", "google", "organic"], ["2", "2"]),
        (["linkedin / paid_social", "q1_demo", "linkedin", "paid_social"], ["3", "2"]),
        (["linkedin / paid_social", "q1_retarget", "linkedin", "paid_social"], ["1", "1"]),
    ]


def test_event_name_rows(emulator: GA4Emulator) -> None:
    report = _report(emulator, ["eventName"], ["eventCount", "sessions", "totalUsers"])
    assert _table(report) == [
        # form_submit: s0 ×1, s3 ×2.
        (["form_submit"], ["3", "2", "2"]),
        # scroll_25: s0 ×2, s2, s3, s5 ×1; users u1, u3.
        (["scroll_25"], ["5", "4", "2"]),
    ]
    by_day = _report(emulator, ["date", "eventName"], ["eventCount"])
    assert _table(by_day) == [
        (["20240101", "form_submit"], ["1"]),
        (["20240101", "scroll_25"], ["2"]),
        (["20240102", "form_submit"], ["2"]),
        (["20240102", "scroll_25"], ["2"]),
        (["20240103", "scroll_25"], ["1"]),
    ]


def test_event_name_only_in_filter_counts_each_session_once(emulator: GA4Emulator) -> None:
    body = {
        "dimensionFilter": {
            "filter": {"fieldName": "eventName", "inListFilter": {"values": ["scroll_25", "form_submit"]}}
        }
    }
    report = _report(emulator, ["sessionDefaultChannelGroup"], ["sessions", "eventCount"], **body)
    # Paid Social: s0 (3 events), s3 (3), s5 (1); Organic Search: s2 (1).
    assert _table(report) == [(["Organic Search"], ["1", "1"]), (["Paid Social"], ["3", "7"])]


def test_sessions_outside_range_are_ignored_and_next_week_counts_alone(emulator: GA4Emulator) -> None:
    status, report = _post(
        emulator,
        {"dateRanges": [{"startDate": "2024-01-08", "endDate": "2024-01-14"}], "metrics": [{"name": "totalUsers"}]},
    )
    assert status == 200
    assert _table(report) == [([], ["1"])]


def test_empty_report_omits_rows_and_row_count(emulator: GA4Emulator) -> None:
    status, report = _post(
        emulator,
        {"dateRanges": [{"startDate": "2023-01-01", "endDate": "2023-01-31"}], "metrics": [{"name": "sessions"}]},
    )
    assert status == 200
    assert "rows" not in report and "rowCount" not in report
    assert report["metricHeaders"] == [{"name": "sessions", "type": "TYPE_INTEGER"}]


def test_all_zero_rows_dropped_unless_keep_empty_rows(emulator: GA4Emulator) -> None:
    assert _table(_report(emulator, ["date"], ["keyEvents"])) == [(["20240101"], ["1"]), (["20240102"], ["2"])]
    kept = _report(emulator, ["date"], ["keyEvents"], keepEmptyRows=True)
    assert _table(kept) == [(["20240101"], ["1"]), (["20240102"], ["2"]), (["20240103"], ["0"])]
    assert kept["rowCount"] == 3


def test_multiple_date_ranges_add_date_range_dimension(emulator: GA4Emulator) -> None:
    status, report = _post(
        emulator,
        {
            "dateRanges": [
                {"startDate": "2024-01-01", "endDate": "2024-01-01"},
                {"startDate": "2024-01-02", "endDate": "2024-01-03", "name": "later"},
            ],
            "metrics": [{"name": "totalUsers"}],
        },
    )
    assert status == 200
    assert report["dimensionHeaders"] == [{"name": "dateRange"}]
    assert _table(report) == [(["date_range_0"], ["2"]), (["later"], ["3"])]


def test_relative_dates_use_the_property_time_zone(emulator: GA4Emulator, clock: WallClock) -> None:
    def sessions(start: str, end: str) -> str:
        status, report = _post(
            emulator, {"dateRanges": [{"startDate": start, "endDate": end}], "metrics": [{"name": "sessions"}]}
        )
        assert status == 200
        return _table(report)[0][1][0] if "rows" in report else "none"

    # Now is 2024-01-04 10:00 UTC.
    assert sessions("yesterday", "yesterday") == "2"  # 2024-01-03
    assert sessions("3daysAgo", "today") == "6"  # 2024-01-01..04
    assert sessions("today", "today") == "none"
    # At 05:00 UTC it is still 2024-01-03 in Los Angeles.
    emulator.set_data(_fixture(time_zone="America/Los_Angeles"))
    clock.now = datetime(2024, 1, 4, 5, 0, tzinfo=UTC)
    assert sessions("today", "today") == "2"
    assert sessions("yesterday", "yesterday") == "2"  # 2024-01-02


# ------------------------------------------------------------------ paging, ordering, aggregations


def test_paging_with_limit_offset_and_row_count(emulator: GA4Emulator) -> None:
    dims, metrics = ["date", "sessionDefaultChannelGroup"], ["sessions"]
    expected = [
        (["20240101", "Organic Search"], ["1"]),
        (["20240101", "Paid Social"], ["1"]),
        (["20240102", "Organic Search"], ["1"]),
        (["20240102", "Paid Social"], ["1"]),
        (["20240103", "Paid Social"], ["2"]),
    ]
    pages = []
    offset = 0
    while True:
        page = _report(emulator, dims, metrics, limit="2", offset=offset)
        assert page["rowCount"] == 5
        pages.append(_table(page))
        offset += 2
        if offset >= page["rowCount"]:
            break
    assert pages == [expected[0:2], expected[2:4], expected[4:5]]
    past_end = _report(emulator, dims, metrics, limit=2, offset=10)
    assert "rows" not in past_end and past_end["rowCount"] == 5
    # A limit above the maximum is capped, not refused.
    assert _table(_report(emulator, dims, metrics, limit=1_000_000)) == expected


def test_order_bys(emulator: GA4Emulator) -> None:
    by_sessions = _report(
        emulator,
        ["sessionDefaultChannelGroup"],
        ["sessions"],
        orderBys=[{"metric": {"metricName": "sessions"}, "desc": True}],
    )
    assert [d for d, _ in _table(by_sessions)] == [["Paid Social"], ["Organic Search"]]
    by_date = _report(
        emulator, ["date"], ["sessions"], orderBys=[{"dimension": {"dimensionName": "date"}, "desc": True}]
    )
    assert [d[0] for d, _ in _table(by_date)] == ["20240103", "20240102", "20240101"]


def test_totals_keep_users_distinct(emulator: GA4Emulator) -> None:
    report = _report(
        emulator,
        ["sessionDefaultChannelGroup"],
        ["totalUsers", "sessions"],
        metricAggregations=["TOTAL", "MAXIMUM", "MINIMUM"],
    )
    assert report["totals"] == [
        {"dimensionValues": [{"value": "RESERVED_TOTAL"}], "metricValues": [{"value": "3"}, {"value": "6"}]}
    ]
    assert report["maximums"][0]["metricValues"] == [{"value": "3"}, {"value": "4"}]
    assert report["minimums"][0]["metricValues"] == [{"value": "2"}, {"value": "2"}]


# ------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    ("dimension_filter", "expected"),
    [
        # inListFilter is case-insensitive unless told otherwise.
        (
            {"filter": {"fieldName": "sessionDefaultChannelGroup", "inListFilter": {"values": ["paid social"]}}},
            ["4", "3"],
        ),
        (
            {
                "filter": {
                    "fieldName": "sessionDefaultChannelGroup",
                    "inListFilter": {"values": ["paid social"], "caseSensitive": True},
                }
            },
            None,
        ),
        (
            {"filter": {"fieldName": "sessionDefaultChannelGroup", "stringFilter": {"value": "Organic Search"}}},
            ["2", "2"],
        ),
        (
            {
                "filter": {
                    "fieldName": "sessionCampaignName",
                    "stringFilter": {"matchType": "BEGINS_WITH", "value": "q1_"},
                }
            },
            ["4", "3"],
        ),
        (
            {
                "filter": {
                    "fieldName": "sessionCampaignName",
                    "stringFilter": {"matchType": "FULL_REGEXP", "value": "q1_.*t"},
                }
            },
            ["1", "1"],
        ),
        (
            {
                "notExpression": {
                    "filter": {
                        "fieldName": "sessionCampaignName",
                        "stringFilter": {"matchType": "CONTAINS", "value": "demo"},
                    }
                }
            },
            # s1, s2, s4: users u2, u1.
            ["3", "2"],
        ),
        (
            {
                "andGroup": {
                    "expressions": [
                        {
                            "filter": {
                                "fieldName": "sessionDefaultChannelGroup",
                                "stringFilter": {"value": "Paid Social"},
                            }
                        },
                        {"filter": {"fieldName": "sessionCampaignName", "stringFilter": {"value": "q1_demo"}}},
                    ]
                }
            },
            # s0, s3, s5: users u1, u3.
            ["3", "2"],
        ),
        (
            {
                "orGroup": {
                    "expressions": [
                        {"filter": {"fieldName": "date", "stringFilter": {"value": "20240101"}}},
                        {"filter": {"fieldName": "sessionCampaignName", "stringFilter": {"value": "q1_retarget"}}},
                    ]
                }
            },
            # s0, s1, s4: users u1, u2.
            ["3", "2"],
        ),
        (
            {
                "filter": {
                    "fieldName": "date",
                    "numericFilter": {"operation": "GREATER_THAN", "value": {"int64Value": "20240101"}},
                }
            },
            # s2..s5: users u1, u3, u2.
            ["4", "3"],
        ),
    ],
)
def test_dimension_filters(emulator: GA4Emulator, dimension_filter: dict[str, Any], expected: list[str] | None) -> None:
    report = _report(emulator, [], ["sessions", "totalUsers"], dimensionFilter=dimension_filter)
    assert (_table(report)[0][1] if "rows" in report else None) == expected


def test_metric_filter(emulator: GA4Emulator) -> None:
    metric_filter = {
        "filter": {
            "fieldName": "sessions",
            "numericFilter": {"operation": "GREATER_THAN", "value": {"int64Value": "2"}},
        }
    }
    report = _report(emulator, ["sessionDefaultChannelGroup"], ["sessions"], metricFilter=metric_filter)
    assert _table(report) == [(["Paid Social"], ["4"])]
    assert report["rowCount"] == 1


# ------------------------------------------------------------------ metadata flags


def test_thresholding_and_data_loss_flags(clock: WallClock) -> None:
    emu = GA4Emulator(_fixture(thresholding=True, data_loss_from_other_row=True), clock=clock)
    report = _report(emu, [], ["totalUsers"], returnPropertyQuota=True)
    assert report["metadata"] == {
        "currencyCode": "EUR",
        "timeZone": "UTC",
        "dataLossFromOtherRow": True,
        "subjectToThresholding": True,
    }
    assert report["propertyQuota"]["potentiallyThresholdedRequestsPerHour"] == {"consumed": 1, "remaining": 119}


# ------------------------------------------------------------------ quotas


def test_property_quota_reporting_and_cost(clock: WallClock) -> None:
    many = [
        _session("2024-01-02", f"u{i}", True, "Direct", "(direct) / (none)", f"c{i:04d}", True, 1, 1, 0, {})
        for i in range(2500)
    ]
    emu = GA4Emulator({"property_id": PROPERTY, "time_zone": "UTC", "sessions": many}, clock=clock)
    small = _report(emu, [], ["sessions"], returnPropertyQuota=True)
    assert small["propertyQuota"] == {
        "tokensPerDay": {"consumed": 1, "remaining": 199_999},
        "tokensPerHour": {"consumed": 1, "remaining": 39_999},
        "concurrentRequests": {"consumed": 0, "remaining": 10},
        "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
        "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
        "tokensPerProjectPerHour": {"consumed": 1, "remaining": 13_999},
    }
    # propertyQuota comes before kind, as in the real response.
    assert list(small)[-2:] == ["propertyQuota", "kind"]
    big = _report(emu, ["sessionCampaignName"], ["sessions"], limit=10, returnPropertyQuota=True)
    assert big["rowCount"] == 2500 and len(big["rows"]) == 10
    assert report_cost(2500) == 3
    assert big["propertyQuota"]["tokensPerDay"] == {"consumed": 4, "remaining": 199_996}
    # The hourly window resets on the hour, the daily one at midnight Pacific.
    clock.advance(hours=1)
    assert emu.quota_status(PROPERTY)["tokensPerHour"] == {"consumed": 0, "remaining": 40_000}
    assert emu.quota_status(PROPERTY)["tokensPerDay"] == {"consumed": 4, "remaining": 199_996}


def test_daily_token_exhaustion_and_reset_at_pacific_midnight(clock: WallClock) -> None:
    emu = GA4Emulator(_fixture(), tokens_per_day=2, clock=clock)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    assert _post(emu, body)[0] == 200
    assert _post(emu, body)[0] == 200
    status, payload = _post(emu, body)
    assert status == 429
    assert payload["error"]["code"] == 429
    assert payload["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert payload["error"]["message"].startswith("Exhausted property tokens per day quota. Consumed: 2 tokens")
    # 2024-01-05 00:00 Pacific is 08:00 UTC.
    clock.now = datetime(2024, 1, 5, 7, 59, tzinfo=UTC)
    assert _post(emu, body)[0] == 429
    clock.now = datetime(2024, 1, 5, 8, 0, tzinfo=UTC)
    assert _post(emu, body)[0] == 200
    assert emu.counts_by_status()[("runReport", 429)] == 2
    assert emu.counts_by_status()[("runReport", 200)] == 3


def test_hourly_token_exhaustion(clock: WallClock) -> None:
    emu = GA4Emulator(_fixture(), tokens_per_hour=1, clock=clock)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    assert _post(emu, body)[0] == 200
    status, payload = _post(emu, body)
    assert status == 429
    assert payload["error"]["message"].startswith("Exhausted property tokens per hour quota")
    clock.advance(hours=1)
    assert _post(emu, body)[0] == 200


def test_server_errors_then_server_error_quota(clock: WallClock) -> None:
    emu = GA4Emulator(_fixture(), server_errors_per_hour=2, clock=clock)
    emu.fail_next(2)
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    status, payload = _post(emu, body)
    assert status == 503
    assert payload == {
        "error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}
    }
    assert _post(emu, body)[0] == 503
    status, payload = _post(emu, body)
    assert status == 429
    assert payload["error"]["message"].startswith("Exhausted server errors per project per hour quota")
    clock.advance(hours=1)
    assert _post(emu, body)[0] == 200


def test_concurrent_requests_quota(clock: WallClock) -> None:
    emu = GA4Emulator(_fixture(), concurrent_requests=1, clock=clock)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        assert release.wait(5)

    emu.report_hook = hold
    body = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    headers = {"Authorization": "Bearer tok"}
    results: list[int] = []
    with serve_in_thread(emu) as srv:
        url = f"{srv.base_url}/v1beta/properties/{PROPERTY}:runReport"
        first = threading.Thread(
            target=lambda: results.append(requests.post(url, json=body, headers=headers, timeout=5).status_code)
        )
        first.start()
        assert entered.wait(5)
        second = requests.post(url, json=body, headers=headers, timeout=5)
        release.set()
        first.join(5)
        emu.report_hook = None
        third = requests.post(url, json=body, headers=headers, timeout=5)
    assert second.status_code == 429
    assert second.json()["error"]["message"].startswith("Exhausted concurrent requests quota")
    assert results == [200]
    assert third.status_code == 200


# ------------------------------------------------------------------ batchRunReports


def test_batch_run_reports(emulator: GA4Emulator) -> None:
    def sub(dims: list[str]) -> dict[str, Any]:
        return {"dateRanges": [WEEK], "dimensions": [{"name": d} for d in dims], "metrics": [{"name": "totalUsers"}]}

    status, payload = _post(
        emulator,
        {"requests": [sub([]), sub(["sessionDefaultChannelGroup"]), {**sub(["date"]), "returnPropertyQuota": True}]},
        method="batchRunReports",
    )
    assert status == 200
    assert payload["kind"] == "analyticsData#batchRunReports"
    assert [_table(r) for r in payload["reports"]] == [
        [([], ["3"])],
        [(["Organic Search"], ["2"]), (["Paid Social"], ["3"])],
        [(["20240101"], ["2"]), (["20240102"], ["2"]), (["20240103"], ["2"])],
    ]
    assert all(r["kind"] == "analyticsData#runReport" for r in payload["reports"])
    assert payload["reports"][2]["propertyQuota"]["tokensPerDay"]["consumed"] == 3
    assert emulator.counts() == {"batchRunReports": 1}


def test_batch_limits(emulator: GA4Emulator) -> None:
    sub = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    status, payload = _post(emulator, {"requests": [sub] * 6}, method="batchRunReports")
    assert status == 400
    assert payload["error"]["message"] == "Requests are limited to 5 reports within a batch. This request has 6."
    # The real field is "requests"; "reports" is the response's field.
    status, payload = _post(emulator, {"reports": [sub]}, method="batchRunReports")
    assert status == 400
    assert payload["error"]["message"] == 'Invalid JSON payload received. Unknown name "reports": Cannot find field.'
    status, payload = _post(
        emulator, {"requests": [sub, {**sub, "metrics": [{"name": "nope"}]}]}, method="batchRunReports"
    )
    assert status == 400
    assert payload["error"]["message"].startswith("requests[1]: Field nope is not a valid metric.")


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"dateRanges": [WEEK], "dimensions": [{"name": "fooBar"}]},
            "Field fooBar is not a valid dimension. For a list of valid dimensions and metrics, see "
            "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema",
        ),
        (
            {"dateRanges": [WEEK], "metrics": [{"name": "conversionz"}]},
            "Field conversionz is not a valid metric. For a list of valid dimensions and metrics, see "
            "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema",
        ),
        (
            {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}], "limitt": 5},
            'Invalid JSON payload received. Unknown name "limitt": Cannot find field.',
        ),
        ({"metrics": [{"name": "sessions"}]}, "Requests must have at least one date range (dateRanges)."),
        (
            {"dateRanges": [{"startDate": "2024-01-07", "endDate": "2024-01-01"}], "metrics": [{"name": "sessions"}]},
            "The dateRange startDate (2024-01-07) must be on or before the endDate (2024-01-01).",
        ),
        (
            {"dateRanges": [{"startDate": "01/01/2024", "endDate": "today"}], "metrics": [{"name": "sessions"}]},
            "Invalid startDate '01/01/2024' in dateRanges[0]. "
            "Dates must be YYYY-MM-DD, 'today', 'yesterday' or 'NdaysAgo'.",
        ),
        ({"dateRanges": [WEEK], "metrics": [{"name": "sessions"}], "limit": -1}, "limit must be positive, got -1."),
    ],
)
def test_invalid_argument(emulator: GA4Emulator, body: dict[str, Any], message: str) -> None:
    status, payload = _post(emulator, body)
    assert status == 400
    assert payload == {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    assert emulator.quota_status(PROPERTY)["tokensPerDay"]["consumed"] == 0


def test_unknown_property_is_permission_denied(emulator: GA4Emulator) -> None:
    status, payload = _post(emulator, {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}, prop="999")
    assert status == 403
    assert payload["error"]["status"] == "PERMISSION_DENIED"
    assert payload["error"]["message"].startswith("User does not have sufficient permissions for this property.")
    status, payload = _post(emulator, {"dateRanges": [WEEK]}, prop="abc")
    assert status == 400
    assert payload["error"]["message"] == "Invalid property ID: abc. A numeric Property ID is required."


def test_missing_bearer_is_unauthenticated(emulator: GA4Emulator) -> None:
    status, payload = _post(emulator, {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}, token=None)
    assert status == 401
    assert payload["error"]["status"] == "UNAUTHENTICATED"
    assert payload["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"


def test_malformed_fixture_is_rejected() -> None:
    bad = _fixture(sessions=[{**SESSIONS[0], "date": "2024/01/01"}])
    with pytest.raises(ValueError, match=r"ga4\.sessions\[0\]\.date must be YYYY-MM-DD"):
        GA4Emulator(bad)
    with pytest.raises(ValueError, match=r"ga4\.time_zone"):
        GA4Emulator(_fixture(time_zone="Mars/Olympus"))


def test_metadata_endpoint(emulator: GA4Emulator) -> None:
    resp = Client(emulator).get(f"/v1beta/properties/{PROPERTY}/metadata", headers={"Authorization": "Bearer t"})
    assert resp.status_code == 200
    body = json.loads(resp.get_data())
    assert {
        "apiName": "keyEvents",
        "uiName": "Key events",
        "description": "Key events",
        "type": "TYPE_FLOAT",
        "category": "Session",
    } in body["metrics"]
    assert "sessionDefaultChannelGroup" in {d["apiName"] for d in body["dimensions"]}


# ------------------------------------------------------------------ auth through the OAuth emulator


@pytest.fixture
def oauth_pair(clock: WallClock) -> Iterator[tuple[GoogleOAuthEmulator, str, str]]:
    real_now = WallClock(datetime.now(UTC))
    oauth = GoogleOAuthEmulator(clients={"cid": "secret"}, refresh_tokens={"1//rt"}, wall_clock=real_now)
    emu = GA4Emulator(_fixture(), oauth=oauth, clock=clock)
    with serve_in_thread(oauth) as oauth_srv, serve_in_thread(emu) as ga4_srv:
        yield oauth, oauth_srv.base_url, ga4_srv.base_url


def test_token_from_google_auth_is_accepted_and_random_rejected(
    oauth_pair: tuple[GoogleOAuthEmulator, str, str],
) -> None:
    from google.auth.transport.requests import Request as GoogleAuthRequest
    from google.oauth2.credentials import Credentials

    oauth, oauth_url, ga4_url = oauth_pair
    creds = Credentials(
        token=None,
        refresh_token="1//rt",
        client_id="cid",
        client_secret="secret",
        token_uri=f"{oauth_url}/token",
        scopes=["https://www.googleapis.com/auth/analytics.readonly"],
    )
    creds.refresh(GoogleAuthRequest())
    url = f"{ga4_url}/v1beta/properties/{PROPERTY}:runReport"
    body = {"dateRanges": [WEEK], "metrics": [{"name": "totalUsers"}]}

    ok = requests.post(url, json=body, headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert ok.status_code == 200
    assert _table(ok.json()) == [([], ["3"])]

    bad = requests.post(url, json=body, headers={"Authorization": "Bearer ya29.random"}, timeout=5)
    assert bad.status_code == 401
    assert bad.headers["WWW-Authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    error = bad.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request had invalid authentication credentials.")

    oauth.expire_all()
    expired = requests.post(url, json=body, headers={"Authorization": f"Bearer {creds.token}"}, timeout=5)
    assert expired.status_code == 401
    assert expired.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"

    sheets_only = oauth.issue_token(["https://www.googleapis.com/auth/spreadsheets"])
    wrong_scope = requests.post(url, json=body, headers={"Authorization": f"Bearer {sheets_only}"}, timeout=5)
    assert wrong_scope.status_code == 403
    assert wrong_scope.json()["error"]["message"] == "Request had insufficient authentication scopes."
