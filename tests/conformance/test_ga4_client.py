"""GA4 conformance: Google's own ``google-analytics-data`` client, over its REST transport, reads the emulator.

The client sends enums as numbers and asks for numbers back (``$alt=json;enum-encoding=int``); the test
checks both forms, the emulator's enum table against the client's enum classes, every raw response body
against the Data API's protobuf types with unknown fields refused, and the client's rows against what
the project's own parser (:func:`resources.ga4.parse_report`) reads from the same bytes. Numbers are
hand-computed from the session table in ``tests/ga4_small_property.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta import types as ga
from google.api_core import exceptions as google_exceptions
from google.api_core.client_options import ClientOptions
from google.oauth2.credentials import Credentials
from google.protobuf import json_format

from emulators.ga4 import GA4Emulator
from emulators.ga4.enums import ENUMS
from emulators.server import RunningServer, serve_in_thread
from resources.ga4 import DAILY_METRICS, WEEK_METRICS, parse_report
from tests.conformance.http_capture import HttpCapture
from tests.ga4_small_property import PROPERTY, property_data, start_clock

WEEK = ga.DateRange(start_date="2024-01-01", end_date="2024-01-07")
CHANNEL = "sessionDefaultChannelGroup"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(GA4Emulator(property_data(), clock=start_clock())) as srv:
        yield srv


@pytest.fixture
def capture() -> HttpCapture:
    return HttpCapture()


@pytest.fixture
def client(server: RunningServer, capture: HttpCapture) -> BetaAnalyticsDataClient:
    # A user-credentials object with a token and no expiry never refreshes, so no OAuth call is made.
    client = BetaAnalyticsDataClient(
        credentials=Credentials(token="ga4-token"),
        transport="rest",
        client_options=ClientOptions(api_endpoint=server.base_url),
    )
    # The transport's AuthorizedSession is private API; the hook only watches the bytes it moves.
    capture.attach(client._transport._session)
    return client


def strict(message_type: Any, body: Any) -> Any:
    """Parse a JSON body into the Data API's protobuf type, refusing any field the type does not define."""
    return json_format.Parse(json.dumps(body), message_type.pb()(), ignore_unknown_fields=False)


def client_rows(response: ga.RunReportResponse) -> list[tuple[list[str], list[str]]]:
    return [([d.value for d in row.dimension_values], [m.value for m in row.metric_values]) for row in response.rows]


@pytest.mark.unit
def test_enum_table_matches_the_client_library() -> None:
    library = {
        "MetricType": ga.MetricType,
        "MetricAggregation": ga.MetricAggregation,
        "Filter.StringFilter.MatchType": ga.Filter.StringFilter.MatchType,
        "Filter.NumericFilter.Operation": ga.Filter.NumericFilter.Operation,
        "OrderBy.DimensionOrderBy.OrderType": ga.OrderBy.DimensionOrderBy.OrderType,
    }
    assert set(library) == set(ENUMS)
    for name, enum in library.items():
        assert ENUMS[name] == {member.name: member.value for member in enum}, name


def test_daily_channel_report_reads_like_the_project_parser(
    client: BetaAnalyticsDataClient, capture: HttpCapture
) -> None:
    request = ga.RunReportRequest(
        property=f"properties/{PROPERTY}",
        date_ranges=[WEEK],
        dimensions=[ga.Dimension(name="date"), ga.Dimension(name=CHANNEL)],
        metrics=[ga.Metric(name=name) for name in DAILY_METRICS],
        limit=100_000,
    )
    response = client.run_report(request)
    # Hand-computed: sessions, engaged sessions, page views and key events per day and channel group.
    assert client_rows(response) == [
        (["20240101", "Organic Search"], ["1", "0", "1", "0"]),
        (["20240101", "Paid Social"], ["1", "1", "3", "1"]),
        (["20240102", "Organic Search"], ["1", "1", "2", "0"]),
        (["20240102", "Paid Social"], ["1", "1", "5", "2"]),
        (["20240103", "Paid Social"], ["2", "1", "2", "0"]),
    ]
    assert [(h.name, h.type_) for h in response.metric_headers] == [
        ("sessions", ga.MetricType.TYPE_INTEGER),
        ("engagedSessions", ga.MetricType.TYPE_INTEGER),
        ("screenPageViews", ga.MetricType.TYPE_INTEGER),
        ("keyEvents", ga.MetricType.TYPE_FLOAT),
    ]
    assert (response.row_count, response.metadata.currency_code, response.metadata.time_zone) == (5, "EUR", "UTC")

    (exchange,) = capture.exchanges
    assert "%24alt=json%3Benum-encoding%3Dint" in exchange.url
    strict(ga.RunReportResponse, exchange.response_body)
    # The numbers the client was sent are the numbers the project's parser reads from the same bytes.
    ours = parse_report(exchange.response_body)
    assert [(r["date"], r[CHANNEL], r["sessions"], r["keyEvents"]) for r in ours.rows] == [
        (row[0][0], row[0][1], int(row[1][0]), float(row[1][3])) for row in client_rows(response)
    ]


def test_week_grain_batch_with_named_ranges_and_in_list_filter(
    client: BetaAnalyticsDataClient, capture: HttpCapture
) -> None:
    in_list = ga.FilterExpression(
        filter=ga.Filter(field_name=CHANNEL, in_list_filter=ga.Filter.InListFilter(values=["Paid Social"]))
    )
    ranges = [
        ga.DateRange(start_date="2024-01-01", end_date="2024-01-07", name="2024-01-01"),
        ga.DateRange(start_date="2024-01-08", end_date="2024-01-14", name="2024-01-08"),
    ]
    metrics = [ga.Metric(name=name) for name in WEEK_METRICS]
    response = client.batch_run_reports(
        ga.BatchRunReportsRequest(
            property=f"properties/{PROPERTY}",
            requests=[
                ga.RunReportRequest(date_ranges=ranges, dimensions=[ga.Dimension(name=CHANNEL)], metrics=metrics),
                ga.RunReportRequest(date_ranges=ranges, metrics=metrics, dimension_filter=in_list),
            ],
        )
    )
    by_channel, paid_only = response.reports
    # Week 1: Paid Social users u1,u2,u3 (new u1,u3; u2 first came organically), 330 s over 4 sessions;
    # Organic Search u2,u1 (new u2), 60 s over 2. Week 2: Direct u4 (new), 5 s.
    assert client_rows(by_channel) == [
        (["Organic Search", "2024-01-01"], ["2", "1", "30"]),
        (["Paid Social", "2024-01-01"], ["3", "2", "82.5"]),
        (["Direct", "2024-01-08"], ["1", "1", "5"]),
    ]
    assert client_rows(paid_only) == [(["2024-01-01"], ["3", "2", "82.5"])]
    (exchange,) = capture.exchanges
    strict(ga.BatchRunReportsResponse, exchange.response_body)


@pytest.mark.parametrize(
    ("match_type", "value", "channels"),
    [
        (ga.Filter.StringFilter.MatchType.EXACT, "paid social", ["Paid Social"]),
        (ga.Filter.StringFilter.MatchType.BEGINS_WITH, "Organic", ["Organic Search"]),
        (ga.Filter.StringFilter.MatchType.ENDS_WITH, "Social", ["Paid Social"]),
        (ga.Filter.StringFilter.MatchType.CONTAINS, "c S", ["Organic Search"]),
        (ga.Filter.StringFilter.MatchType.FULL_REGEXP, "(Paid|Organic) S.*", ["Organic Search", "Paid Social"]),
        (ga.Filter.StringFilter.MatchType.PARTIAL_REGEXP, "id S", ["Paid Social"]),
    ],
    ids=["EXACT", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "FULL_REGEXP", "PARTIAL_REGEXP"],
)
def test_string_filter_match_types_sent_as_numbers(
    client: BetaAnalyticsDataClient,
    capture: HttpCapture,
    match_type: ga.Filter.StringFilter.MatchType,
    value: str,
    channels: list[str],
) -> None:
    string_filter = ga.Filter.StringFilter(match_type=match_type, value=value)
    response = client.run_report(
        ga.RunReportRequest(
            property=f"properties/{PROPERTY}",
            date_ranges=[WEEK],
            dimensions=[ga.Dimension(name=CHANNEL)],
            metrics=[ga.Metric(name="sessions")],
            dimension_filter=ga.FilterExpression(filter=ga.Filter(field_name=CHANNEL, string_filter=string_filter)),
        )
    )
    assert [row[0][0] for row in client_rows(response)] == channels
    sent = capture.exchanges[0].request_body["dimensionFilter"]["filter"]["stringFilter"]
    assert sent["matchType"] == int(match_type)


@pytest.mark.parametrize(
    ("operation", "threshold", "channels"),
    [
        (ga.Filter.NumericFilter.Operation.EQUAL, 2, ["Organic Search"]),
        (ga.Filter.NumericFilter.Operation.LESS_THAN, 4, ["Organic Search"]),
        (ga.Filter.NumericFilter.Operation.LESS_THAN_OR_EQUAL, 4, ["Organic Search", "Paid Social"]),
        (ga.Filter.NumericFilter.Operation.GREATER_THAN, 2, ["Paid Social"]),
        (ga.Filter.NumericFilter.Operation.GREATER_THAN_OR_EQUAL, 2, ["Organic Search", "Paid Social"]),
    ],
    ids=["EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"],
)
def test_metric_filter_operations_sent_as_numbers(
    client: BetaAnalyticsDataClient,
    capture: HttpCapture,
    operation: ga.Filter.NumericFilter.Operation,
    threshold: int,
    channels: list[str],
) -> None:
    numeric = ga.Filter.NumericFilter(operation=operation, value=ga.NumericValue(int64_value=threshold))
    response = client.run_report(
        ga.RunReportRequest(
            property=f"properties/{PROPERTY}",
            date_ranges=[WEEK],
            dimensions=[ga.Dimension(name=CHANNEL)],
            metrics=[ga.Metric(name="sessions")],
            metric_filter=ga.FilterExpression(filter=ga.Filter(field_name="sessions", numeric_filter=numeric)),
        )
    )
    assert [row[0][0] for row in client_rows(response)] == channels
    assert capture.exchanges[0].request_body["metricFilter"]["filter"]["numericFilter"]["operation"] == int(operation)


def test_order_types_and_aggregations_sent_as_numbers(client: BetaAnalyticsDataClient, capture: HttpCapture) -> None:
    descending = ga.OrderBy(
        dimension=ga.OrderBy.DimensionOrderBy(
            dimension_name=CHANNEL, order_type=ga.OrderBy.DimensionOrderBy.OrderType.CASE_INSENSITIVE_ALPHANUMERIC
        ),
        desc=True,
    )
    response = client.run_report(
        ga.RunReportRequest(
            property=f"properties/{PROPERTY}",
            date_ranges=[WEEK],
            dimensions=[ga.Dimension(name=CHANNEL)],
            metrics=[ga.Metric(name="sessions"), ga.Metric(name="screenPageViews")],
            order_bys=[descending],
            metric_aggregations=[
                ga.MetricAggregation.TOTAL,
                ga.MetricAggregation.MINIMUM,
                ga.MetricAggregation.MAXIMUM,
            ],
        )
    )
    assert client_rows(response) == [(["Paid Social"], ["4", "10"]), (["Organic Search"], ["2", "3"])]
    assert [[m.value for m in row.metric_values] for row in response.totals] == [["6", "13"]]
    assert [[m.value for m in row.metric_values] for row in response.minimums] == [["2", "3"]]
    assert [[m.value for m in row.metric_values] for row in response.maximums] == [["4", "10"]]
    body = capture.exchanges[0].request_body
    assert body["metricAggregations"] == [1, 5, 6]
    assert body["orderBys"][0]["dimension"]["orderType"] == 2
    # Asked for numbers, the metric types come back as numbers (TYPE_INTEGER = 1).
    assert [h["type"] for h in capture.exchanges[0].response_body["metricHeaders"]] == [1, 1]


def test_names_and_numbers_give_the_same_report(server: RunningServer) -> None:
    """The same request with enums as names (how the project sends them) and as numbers."""

    def post(body: dict[str, Any], alt: str | None) -> dict[str, Any]:
        params = {"$alt": alt} if alt else None
        response = requests.post(
            f"{server.base_url}/v1beta/properties/{PROPERTY}:runReport",
            json=body,
            params=params,
            headers={"Authorization": "Bearer ga4-token"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def body(match: Any, aggregation: Any, order: Any) -> dict[str, Any]:
        return {
            "dateRanges": [{"startDate": "2024-01-01", "endDate": "2024-01-07"}],
            "dimensions": [{"name": CHANNEL}],
            "metrics": [{"name": "sessions"}],
            "dimensionFilter": {"filter": {"fieldName": CHANNEL, "stringFilter": {"matchType": match, "value": "S"}}},
            "metricAggregations": [aggregation],
            "orderBys": [{"dimension": {"dimensionName": CHANNEL, "orderType": order}, "desc": True}],
        }

    named = post(body("CONTAINS", "TOTAL", "ALPHANUMERIC"), None)
    numbered = post(body(4, 1, 1), "json;enum-encoding=int")
    assert named["metricHeaders"] == [{"name": "sessions", "type": "TYPE_INTEGER"}]
    assert numbered["metricHeaders"] == [{"name": "sessions", "type": 1}]
    assert (
        named["rows"]
        == numbered["rows"]
        == [
            {"dimensionValues": [{"value": "Paid Social"}], "metricValues": [{"value": "4"}]},
            {"dimensionValues": [{"value": "Organic Search"}], "metricValues": [{"value": "2"}]},
        ]
    )
    assert named["totals"] == numbered["totals"]
    for report in (named, numbered):
        strict(ga.RunReportResponse, report)


def test_unknown_enum_number_is_refused_like_the_api(client: BetaAnalyticsDataClient, server: RunningServer) -> None:
    response = requests.post(
        f"{server.base_url}/v1beta/properties/{PROPERTY}:runReport",
        json={"dateRanges": [{"startDate": "2024-01-01", "endDate": "2024-01-07"}], "metricAggregations": [9]},
        headers={"Authorization": "Bearer ga4-token"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid value at 'metric_aggregations[0]' "
        "(type.googleapis.com/google.analytics.data.v1beta.MetricAggregation), 9"
    )


def test_metadata_and_errors_through_the_client(client: BetaAnalyticsDataClient, capture: HttpCapture) -> None:
    metadata = client.get_metadata(name=f"properties/{PROPERTY}/metadata")
    types = {m.api_name: m.type_ for m in metadata.metrics}
    assert types["averageSessionDuration"] == ga.MetricType.TYPE_SECONDS
    assert types["keyEvents"] == ga.MetricType.TYPE_FLOAT
    assert "sessionDefaultChannelGroup" in {d.api_name for d in metadata.dimensions}
    strict(ga.Metadata, capture.exchanges[0].response_body)

    with pytest.raises(google_exceptions.Forbidden) as denied:
        client.run_report(ga.RunReportRequest(property="properties/999", date_ranges=[WEEK]))
    assert "sufficient permissions" in str(denied.value.message)
    with pytest.raises(google_exceptions.BadRequest) as refused:
        client.run_report(
            ga.RunReportRequest(
                property=f"properties/{PROPERTY}", date_ranges=[WEEK], metrics=[ga.Metric(name="sessionz")]
            )
        )
    assert "sessionz is not a valid metric" in str(refused.value.message)
