"""GA4 Data API emulator reports: every metric and dimension hand-computed on a small session fixture.

The fixture and its hand-computed table are in ``tests/ga4_small_property.py``; quotas and refusals are
tested in ``test_ga4_emulator_refusals.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emulators.ga4 import GA4Emulator
from tests.ga4_small_property import (
    ALL_METRICS,
    WEEK,
    WallClock,
    post,
    property_data,
    rows_of,
    run_report,
    start_clock,
)


@pytest.fixture
def clock() -> WallClock:
    return start_clock()


@pytest.fixture
def emulator(clock: WallClock) -> GA4Emulator:
    return GA4Emulator(property_data(), clock=clock)


# ------------------------------------------------------------------ metrics and dimensions


def test_week_totals_every_metric(emulator: GA4Emulator) -> None:
    report = run_report(emulator, [], ALL_METRICS)
    # 6 sessions; users u1,u2,u3; new u1,u2,u3; engaged s0,s2,s3,s5; duration 390/6; pv 13; ke 3;
    # events 3+1+3+1; engagement 4/6; bounce 1 - 4/6.
    assert rows_of(report) == [
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
    report = run_report(emulator, ["sessionDefaultChannelGroup"], ALL_METRICS)
    assert report["dimensionHeaders"] == [{"name": "sessionDefaultChannelGroup"}]
    assert rows_of(report) == [
        # s1,s2: users u2,u1; new u2; engaged s2; (10+50)/2; pv 3; events 1.
        (["Organic Search"], ["2", "2", "1", "1", "30", "0.5", "3", "0", "1", "0.5"]),
        # s0,s3,s4,s5: users u1,u3,u2; new u1,u3; engaged 3; 330/4; pv 10; ke 3; events 3+3+1.
        (["Paid Social"], ["4", "3", "2", "3", "82.5", "0.25", "10", "3", "7", "0.75"]),
    ]


def test_by_date(emulator: GA4Emulator) -> None:
    report = run_report(
        emulator, ["date"], ["sessions", "totalUsers", "newUsers", "averageSessionDuration", "eventCount"]
    )
    assert rows_of(report) == [
        (["20240101"], ["2", "2", "2", "55", "3"]),
        (["20240102"], ["2", "2", "1", "125", "4"]),
        (["20240103"], ["2", "2", "0", "15", "1"]),
    ]


def test_total_users_are_not_additive_over_days_or_channels(emulator: GA4Emulator) -> None:
    week = int(rows_of(run_report(emulator, [], ["totalUsers"]))[0][1][0])
    by_day = [int(m[0]) for _, m in rows_of(run_report(emulator, ["date"], ["totalUsers"]))]
    by_channel = [int(m[0]) for _, m in rows_of(run_report(emulator, ["sessionDefaultChannelGroup"], ["totalUsers"]))]
    assert week == 3
    assert by_day == [2, 2, 2] and sum(by_day) == 6
    assert by_channel == [2, 3] and sum(by_channel) == 5
    # newUsers: distinct users with a new-user session; u1 and u3 in Paid Social, u2 in Organic Search.
    assert rows_of(run_report(emulator, ["sessionDefaultChannelGroup"], ["newUsers"])) == [
        (["Organic Search"], ["1"]),
        (["Paid Social"], ["2"]),
    ]


def test_source_medium_campaign_and_split_dimensions(emulator: GA4Emulator) -> None:
    report = run_report(
        emulator,
        ["sessionSourceMedium", "sessionCampaignName", "sessionSource", "sessionMedium"],
        ["sessions", "totalUsers"],
    )
    assert rows_of(report) == [
        (["google / organic", "(organic)", "google", "organic"], ["2", "2"]),
        (["linkedin / paid_social", "q1_demo", "linkedin", "paid_social"], ["3", "2"]),
        (["linkedin / paid_social", "q1_retarget", "linkedin", "paid_social"], ["1", "1"]),
    ]


def test_event_name_rows(emulator: GA4Emulator) -> None:
    report = run_report(emulator, ["eventName"], ["eventCount", "sessions", "totalUsers"])
    assert rows_of(report) == [
        # form_submit: s0 ×1, s3 ×2.
        (["form_submit"], ["3", "2", "2"]),
        # scroll_25: s0 ×2, s2, s3, s5 ×1; users u1, u3.
        (["scroll_25"], ["5", "4", "2"]),
    ]
    by_day = run_report(emulator, ["date", "eventName"], ["eventCount"])
    assert rows_of(by_day) == [
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
    report = run_report(emulator, ["sessionDefaultChannelGroup"], ["sessions", "eventCount"], **body)
    # Paid Social: s0 (3 events), s3 (3), s5 (1); Organic Search: s2 (1).
    assert rows_of(report) == [(["Organic Search"], ["1", "1"]), (["Paid Social"], ["3", "7"])]


def test_sessions_outside_range_are_ignored_and_next_week_counts_alone(emulator: GA4Emulator) -> None:
    status, report = post(
        emulator,
        {"dateRanges": [{"startDate": "2024-01-08", "endDate": "2024-01-14"}], "metrics": [{"name": "totalUsers"}]},
    )
    assert status == 200
    assert rows_of(report) == [([], ["1"])]


def test_empty_report_omits_rows_and_row_count(emulator: GA4Emulator) -> None:
    status, report = post(
        emulator,
        {"dateRanges": [{"startDate": "2023-01-01", "endDate": "2023-01-31"}], "metrics": [{"name": "sessions"}]},
    )
    assert status == 200
    assert "rows" not in report and "rowCount" not in report
    assert report["metricHeaders"] == [{"name": "sessions", "type": "TYPE_INTEGER"}]


def test_all_zero_rows_dropped_unless_keep_empty_rows(emulator: GA4Emulator) -> None:
    assert rows_of(run_report(emulator, ["date"], ["keyEvents"])) == [(["20240101"], ["1"]), (["20240102"], ["2"])]
    kept = run_report(emulator, ["date"], ["keyEvents"], keepEmptyRows=True)
    assert rows_of(kept) == [(["20240101"], ["1"]), (["20240102"], ["2"]), (["20240103"], ["0"])]
    assert kept["rowCount"] == 3


def test_multiple_date_ranges_add_date_range_dimension(emulator: GA4Emulator) -> None:
    status, report = post(
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
    assert rows_of(report) == [(["date_range_0"], ["2"]), (["later"], ["3"])]


def test_relative_dates_use_the_property_time_zone(emulator: GA4Emulator, clock: WallClock) -> None:
    def sessions(start: str, end: str) -> str:
        status, report = post(
            emulator, {"dateRanges": [{"startDate": start, "endDate": end}], "metrics": [{"name": "sessions"}]}
        )
        assert status == 200
        return rows_of(report)[0][1][0] if "rows" in report else "none"

    # Now is 2024-01-04 10:00 UTC.
    assert sessions("yesterday", "yesterday") == "2"  # 2024-01-03
    assert sessions("3daysAgo", "today") == "6"  # 2024-01-01..04
    assert sessions("today", "today") == "none"
    # At 05:00 UTC it is still 2024-01-03 in Los Angeles.
    emulator.set_data(property_data(time_zone="America/Los_Angeles"))
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
        page = run_report(emulator, dims, metrics, limit="2", offset=offset)
        assert page["rowCount"] == 5
        pages.append(rows_of(page))
        offset += 2
        if offset >= page["rowCount"]:
            break
    assert pages == [expected[0:2], expected[2:4], expected[4:5]]
    past_end = run_report(emulator, dims, metrics, limit=2, offset=10)
    assert "rows" not in past_end and past_end["rowCount"] == 5
    # A limit above the maximum is capped, not refused.
    assert rows_of(run_report(emulator, dims, metrics, limit=1_000_000)) == expected


def test_order_bys(emulator: GA4Emulator) -> None:
    by_sessions = run_report(
        emulator,
        ["sessionDefaultChannelGroup"],
        ["sessions"],
        orderBys=[{"metric": {"metricName": "sessions"}, "desc": True}],
    )
    assert [d for d, _ in rows_of(by_sessions)] == [["Paid Social"], ["Organic Search"]]
    by_date = run_report(
        emulator, ["date"], ["sessions"], orderBys=[{"dimension": {"dimensionName": "date"}, "desc": True}]
    )
    assert [d[0] for d, _ in rows_of(by_date)] == ["20240103", "20240102", "20240101"]


def test_totals_keep_users_distinct(emulator: GA4Emulator) -> None:
    report = run_report(
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
    report = run_report(emulator, [], ["sessions", "totalUsers"], dimensionFilter=dimension_filter)
    assert (rows_of(report)[0][1] if "rows" in report else None) == expected


def test_metric_filter(emulator: GA4Emulator) -> None:
    metric_filter = {
        "filter": {
            "fieldName": "sessions",
            "numericFilter": {"operation": "GREATER_THAN", "value": {"int64Value": "2"}},
        }
    }
    report = run_report(emulator, ["sessionDefaultChannelGroup"], ["sessions"], metricFilter=metric_filter)
    assert rows_of(report) == [(["Paid Social"], ["4"])]
    assert report["rowCount"] == 1


# ------------------------------------------------------------------ metadata flags


def test_thresholding_and_data_loss_flags(clock: WallClock) -> None:
    emu = GA4Emulator(property_data(thresholding=True, data_loss_from_other_row=True), clock=clock)
    report = run_report(emu, [], ["totalUsers"], returnPropertyQuota=True)
    assert report["metadata"] == {
        "currencyCode": "EUR",
        "timeZone": "UTC",
        "dataLossFromOtherRow": True,
        "subjectToThresholding": True,
    }
    assert report["propertyQuota"]["potentiallyThresholdedRequestsPerHour"] == {"consumed": 1, "remaining": 119}


# ------------------------------------------------------------------ batchRunReports


def test_batch_run_reports(emulator: GA4Emulator) -> None:
    def sub(dims: list[str]) -> dict[str, Any]:
        return {"dateRanges": [WEEK], "dimensions": [{"name": d} for d in dims], "metrics": [{"name": "totalUsers"}]}

    status, payload = post(
        emulator,
        {"requests": [sub([]), sub(["sessionDefaultChannelGroup"]), {**sub(["date"]), "returnPropertyQuota": True}]},
        method="batchRunReports",
    )
    assert status == 200
    assert payload["kind"] == "analyticsData#batchRunReports"
    assert [rows_of(r) for r in payload["reports"]] == [
        [([], ["3"])],
        [(["Organic Search"], ["2"]), (["Paid Social"], ["3"])],
        [(["20240101"], ["2"]), (["20240102"], ["2"]), (["20240103"], ["2"])],
    ]
    assert all(r["kind"] == "analyticsData#runReport" for r in payload["reports"])
    assert payload["reports"][2]["propertyQuota"]["tokensPerDay"]["consumed"] == 3
    assert emulator.counts() == {"batchRunReports": 1}


def test_batch_limits(emulator: GA4Emulator) -> None:
    sub = {"dateRanges": [WEEK], "metrics": [{"name": "sessions"}]}
    status, payload = post(emulator, {"requests": [sub] * 6}, method="batchRunReports")
    assert status == 400
    assert payload["error"]["message"] == "Requests are limited to 5 reports within a batch. This request has 6."
    # The real field is "requests"; "reports" is the response's field.
    status, payload = post(emulator, {"reports": [sub]}, method="batchRunReports")
    assert status == 400
    assert payload["error"]["message"] == 'Invalid JSON payload received. Unknown name "reports": Cannot find field.'
    status, payload = post(
        emulator, {"requests": [sub, {**sub, "metrics": [{"name": "nope"}]}]}, method="batchRunReports"
    )
    assert status == 400
    assert payload["error"]["message"].startswith("requests[1]: Field nope is not a valid metric.")
