"""Google Ads emulator over real HTTP: GAQL, proto3 JSON rows, paging, searchStream, auth, quota, versions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from emulators.google_ads import GOOGLE_ADS_CALENDAR, GaqlError, GoogleAdsEmulator, parse_gaql
from emulators.server import RunningServer, serve_in_thread

CID = "1234567890"
HEADERS = {"Authorization": "Bearer ya29.test", "developer-token": "dev-token"}
DAILY_QUERY = (
    "SELECT segments.date, campaign.id, campaign.name, metrics.impressions, metrics.clicks, "
    "metrics.cost_micros, metrics.conversions FROM campaign "
    "WHERE segments.date BETWEEN '2024-01-01' AND '2024-01-02'"
)
DAY = date(2026, 12, 3)  # the calendar day every emulator here serves versions for (v23 to v26)
DAILY_MASK = (
    "segments.date,campaign.id,campaign.name,metrics.impressions,metrics.clicks,metrics.costMicros,metrics.conversions"
)


def emulator_on(data: dict[str, Any], day: date = DAY, **options: Any) -> GoogleAdsEmulator:
    """An emulator serving the versions Google serves on ``day`` (never the wall clock's)."""
    return GoogleAdsEmulator(data, calendar_today=lambda: day, **options)


class FakeClock:
    """Monotonic clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def row(campaign: str, name: str, day: str, impressions: str, clicks: str, cost: str, conv: float) -> dict[str, Any]:
    return {
        "campaign": {"id": campaign, "name": name},
        "metrics": {"impressions": impressions, "clicks": clicks, "costMicros": cost, "conversions": conv},
        "segments": {"date": day},
    }


def fixture() -> dict[str, Any]:
    """Campaign 111 on Jan 1-3, 222 (display) on Jan 2, 333 paused without stats."""
    return {
        "customer_id": CID,
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "campaigns": [
            {"id": "222", "name": "Display - Retarget", "advertisingChannelType": "DISPLAY"},
            {"id": "333", "name": "Brand - old", "status": "PAUSED"},
        ],
        "rows": [
            row("111", "Search - Brand", "2024-01-01", "1000", "80", "2500000000", 4.0),
            row("111", "Search - Brand", "2024-01-02", "1200", "90", "2600000000", 5.5),
            row("111", "Search - Brand", "2024-01-03", "900", "70", "2000000000", 0.0),
            row("222", "Display - Retarget", "2024-01-02", "5000", "20", "900000000", 1.25),
        ],
    }


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    emulator = emulator_on(fixture(), today=lambda: date(2024, 1, 3))
    with serve_in_thread(emulator) as srv:
        yield srv


def search(
    srv: RunningServer,
    body: dict[str, Any],
    *,
    stream: bool = False,
    version: int = 25,
    customer: str = CID,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    method = "searchStream" if stream else "search"
    url = f"{srv.base_url}/v{version}/customers/{customer}/googleAds:{method}"
    return requests.post(url, json=body, headers=HEADERS if headers is None else headers, timeout=10)


def campaign(cid: str, **fields: Any) -> dict[str, Any]:
    return {"resourceName": f"customers/{CID}/campaigns/{cid}", "id": cid, **fields}


def failure(version: int, request_id: str, error_code: dict[str, str], message: str) -> dict[str, Any]:
    return {
        "@type": f"type.googleapis.com/google.ads.googleads.v{version}.errors.GoogleAdsFailure",
        "errors": [{"errorCode": error_code, "message": message}],
        "requestId": request_id,
    }


def error_code_of(response: requests.Response) -> dict[str, str]:
    body = response.json()
    error = body[0]["error"] if isinstance(body, list) else body["error"]
    return error["details"][-1]["errors"][0]["errorCode"]


# ------------------------------------------------------------------------------------------ GAQL


def test_parse_gaql_clauses() -> None:
    query = parse_gaql(
        "select campaign.id, metrics.clicks FROM campaign WHERE campaign.status IN (ENABLED, 'PAUSED') "
        "AND segments.date DURING LAST_7_DAYS AND campaign.name NOT LIKE '%test%' "
        "ORDER BY metrics.clicks DESC, campaign.id LIMIT 5 PARAMETERS include_drafts = true",
        today=date(2024, 1, 10),
    )
    assert [f.name for f in query.select] == ["campaign.id", "metrics.clicks"]
    assert [(c.field.name, c.operator) for c in query.where] == [
        ("campaign.status", "IN"),
        ("segments.date", "BETWEEN"),
        ("campaign.name", "NOT_LIKE"),
    ]
    assert query.where[0].values == ("ENABLED", "PAUSED")
    # LAST_7_DAYS excludes today.
    assert query.where[1].values == ("2024-01-03", "2024-01-09")
    assert [(f.name, desc) for f, desc in query.order_by] == [("metrics.clicks", True), ("campaign.id", False)]
    assert query.limit == 5
    assert query.parameters == {"include_drafts": "true"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SELECT campaign.spend FROM campaign", "UNRECOGNIZED_FIELD"),
        ("campaign.id FROM campaign", "EXPECTED_SELECT"),
        ("SELECT campaign.id campaign", "EXPECTED_FROM"),
        ("SELECT campaign.id FROM ad_group", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
        ("SELECT campaign.id FROM campaign WHERE campaign.id = 1 OR campaign.id = 2", "UNEXPECTED_INPUT"),
        (
            "SELECT campaign.id FROM campaign WHERE segments.date DURING LAST_90_DAYS",
            "INVALID_VALUE_WITH_DURING_OPERATOR",
        ),
        ("SELECT campaign.id FROM campaign WHERE campaign.status = LIVE", "BAD_ENUM_CONSTANT"),
        ("SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2024-01-01' '2024-01-02'", "EXPECTED_AND"),
        (
            "SELECT campaign.id FROM campaign WHERE segments.date BETWEEN 'x' AND '2024-01-02'",
            "INVALID_VALUE_WITH_BETWEEN_OPERATOR",
        ),
        ("SELECT campaign.id FROM campaign WHERE campaign.id IN ()", "PROHIBITED_EMPTY_LIST_IN_CONDITION"),
        ("SELECT campaign.id FROM campaign WHERE campaign.name = 'abc", "STRING_NOT_TERMINATED"),
        ("SELECT campaign.id FROM campaign WHERE campaign.name ~ 'a'", "BAD_SYMBOL"),
        ("SELECT campaign.id FROM campaign LIMIT 0", "LIMIT_VALUE_TOO_LOW"),
        ("SELECT campaign.id FROM campaign WHERE", "UNEXPECTED_END_OF_QUERY"),
    ],
)
def test_invalid_gaql_is_a_query_error(server: RunningServer, query: str, code: str) -> None:
    with pytest.raises(GaqlError) as excinfo:
        parse_gaql(query)
    assert excinfo.value.code == code
    response = search(server, {"query": query})
    assert response.status_code == 400
    assert error_code_of(response) == {"queryError": code}


def test_unknown_field_error_body(server: RunningServer) -> None:
    response = search(server, {"query": "SELECT campaign.spend FROM campaign"}, version=24)
    request_id = response.headers["request-id"]
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "Request contains an invalid argument.",
            "status": "INVALID_ARGUMENT",
            "details": [
                failure(
                    24,
                    request_id,
                    {"queryError": "UNRECOGNIZED_FIELD"},
                    "Error in SELECT clause: unrecognized field 'campaign.spend'.",
                )
            ],
        }
    }


# ------------------------------------------------------------------------------------------ search results


def test_search_rows_are_camel_case_with_int64_strings(server: RunningServer) -> None:
    response = search(server, {"query": DAILY_QUERY})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "results": [
            {
                "campaign": campaign("111", name="Search - Brand"),
                "metrics": {"impressions": "1000", "clicks": "80", "costMicros": "2500000000", "conversions": 4.0},
                "segments": {"date": "2024-01-01"},
            },
            {
                "campaign": campaign("111", name="Search - Brand"),
                "metrics": {"impressions": "1200", "clicks": "90", "costMicros": "2600000000", "conversions": 5.5},
                "segments": {"date": "2024-01-02"},
            },
            {
                "campaign": campaign("222", name="Display - Retarget"),
                "metrics": {"impressions": "5000", "clicks": "20", "costMicros": "900000000", "conversions": 1.25},
                "segments": {"date": "2024-01-02"},
            },
        ],
        "fieldMask": DAILY_MASK,
        "queryResourceConsumption": "4",
    }
    # A search page carries no requestId field (SearchGoogleAdsResponse has none); the header does.
    assert len(response.headers["request-id"]) == 22


def test_search_without_date_segment_sums_per_campaign(server: RunningServer) -> None:
    query = (
        "SELECT campaign.id, campaign.advertising_channel_type, customer.currency_code, customer.time_zone, "
        "metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign "
        "WHERE segments.date >= '2024-01-01' AND segments.date <= '2024-01-03'"
    )
    assert search(server, {"query": query}).json()["results"] == [
        {
            "campaign": campaign("111", advertisingChannelType="SEARCH"),
            "customer": {"resourceName": f"customers/{CID}", "currencyCode": "EUR", "timeZone": "Europe/Berlin"},
            "metrics": {"clicks": "240", "costMicros": "7100000000", "conversions": 9.5},
        },
        {
            "campaign": campaign("222", advertisingChannelType="DISPLAY"),
            "customer": {"resourceName": f"customers/{CID}", "currencyCode": "EUR", "timeZone": "Europe/Berlin"},
            "metrics": {"clicks": "20", "costMicros": "900000000", "conversions": 1.25},
        },
    ]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("campaign.id IN (222, 333)", ["222"]),
        ("campaign.id = '111'", ["111"]),
        ("campaign.name LIKE 'Search%'", ["111"]),
        ("campaign.name NOT LIKE '%Retarget'", ["111"]),
        ("campaign.name REGEXP_MATCH 'Disp.*'", ["222"]),
        ("campaign.status = ENABLED AND campaign.advertising_channel_type != 'SEARCH'", ["222"]),
        ("campaign.status = PAUSED", []),
        ("metrics.clicks > 100", ["111"]),
        ("metrics.conversions BETWEEN 1 AND 2", ["222"]),
        ("segments.date = '2024-01-03'", ["111"]),
        ("segments.date DURING YESTERDAY", ["111", "222"]),
    ],
)
def test_where_clauses_filter(server: RunningServer, where: str, expected: list[str]) -> None:
    # GAQL, not SQL: the emulator parses it, nothing is executed against a database.
    query = " ".join(("SELECT campaign.id, metrics.clicks FROM campaign WHERE", where))
    response = search(server, {"query": query})
    assert response.status_code == 200, response.text
    assert [r["campaign"]["id"] for r in response.json().get("results", [])] == expected


def test_attribute_only_query_lists_every_campaign_and_order_limit(server: RunningServer) -> None:
    response = search(server, {"query": "SELECT campaign.id, campaign.status FROM campaign ORDER BY campaign.name"})
    assert response.json()["results"] == [
        {"campaign": campaign("333", status="PAUSED")},  # "Brand - old"
        {"campaign": campaign("222", status="ENABLED")},  # "Display - Retarget"
        {"campaign": campaign("111", status="ENABLED")},  # "Search - Brand"
    ]
    ordered = search(
        server,
        {"query": "SELECT campaign.id, metrics.impressions FROM campaign ORDER BY metrics.impressions DESC LIMIT 1"},
    )
    assert ordered.json()["results"] == [{"campaign": campaign("222"), "metrics": {"impressions": "5000"}}]


def test_omit_unselected_resource_names_parameter(server: RunningServer) -> None:
    query = "SELECT campaign.id FROM campaign WHERE campaign.id = 111 PARAMETERS omit_unselected_resource_names = true"
    assert search(server, {"query": query}).json()["results"] == [{"campaign": {"id": "111"}}]


def test_search_pages_with_next_page_token() -> None:
    emulator = emulator_on(fixture(), page_size=2)
    query = "SELECT segments.date, campaign.id FROM campaign ORDER BY segments.date"
    with serve_in_thread(emulator) as srv:
        first = search(srv, {"query": query, "returnTotalResultsCount": True}).json()
        assert [(r["segments"]["date"], r["campaign"]["id"]) for r in first["results"]] == [
            ("2024-01-01", "111"),
            ("2024-01-02", "111"),
        ]
        assert first["totalResultsCount"] == "4"
        second = search(srv, {"query": query, "pageToken": first["nextPageToken"]}).json()
        assert [(r["segments"]["date"], r["campaign"]["id"]) for r in second["results"]] == [
            ("2024-01-02", "222"),
            ("2024-01-03", "111"),
        ]
        assert "nextPageToken" not in second
        assert second["fieldMask"] == "segments.date,campaign.id"
        # A token only continues the query that produced it.
        other = search(srv, {"query": "SELECT campaign.id FROM campaign", "pageToken": first["nextPageToken"]})
        assert other.status_code == 400
        assert error_code_of(other) == {"requestError": "INVALID_PAGE_TOKEN"}
    assert emulator.counts() == {"google_ads.search": 3}


def test_page_size_in_body_is_rejected(server: RunningServer) -> None:
    response = search(server, {"query": DAILY_QUERY, "pageSize": 100})
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["errors"] == [
        {
            "errorCode": {"requestError": "PAGE_SIZE_NOT_SUPPORTED"},
            "message": "Setting the page size is not supported. Search Responses will have fixed page size of "
            "10000 rows.",
        }
    ]
    unknown = search(server, {"query": DAILY_QUERY, "foo": 1})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == 'Invalid JSON payload received. Unknown name "foo": Cannot find field.'


# ------------------------------------------------------------------------------------------ searchStream


def test_search_stream_returns_array_of_batches() -> None:
    emulator = emulator_on(fixture(), page_size=3)
    with serve_in_thread(emulator) as srv:
        response = search(srv, {"query": DAILY_QUERY.replace("'2024-01-02'", "'2024-01-03'")}, stream=True)
        empty = search(
            srv,
            {"query": "SELECT campaign.id, metrics.clicks FROM campaign WHERE segments.date = '2025-01-01'"},
            stream=True,
        )
    batches = response.json()
    request_id = response.headers["request-id"]
    assert [len(b["results"]) for b in batches] == [3, 1]
    assert [b["requestId"] for b in batches] == [request_id, request_id]
    assert [b["fieldMask"] for b in batches] == [DAILY_MASK, DAILY_MASK]
    assert "queryResourceConsumption" not in batches[0]
    assert batches[1]["queryResourceConsumption"] == "4"
    assert batches[1]["results"] == [
        {
            "campaign": campaign("111", name="Search - Brand"),
            "metrics": {"impressions": "900", "clicks": "70", "costMicros": "2000000000", "conversions": 0.0},
            "segments": {"date": "2024-01-03"},
        }
    ]
    assert empty.json() == [
        {
            "fieldMask": "campaign.id,metrics.clicks",
            "requestId": empty.headers["request-id"],
            "queryResourceConsumption": "4",
        }
    ]
    assert emulator.counts() == {"google_ads.searchStream": 2}


def test_search_stream_errors_are_array_wrapped(server: RunningServer) -> None:
    response = search(server, {"query": "SELECT campaign.spend FROM campaign"}, stream=True)
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["error"]["status"] == "INVALID_ARGUMENT"
    assert error_code_of(response) == {"queryError": "UNRECOGNIZED_FIELD"}
    no_auth = search(server, {"query": DAILY_QUERY}, stream=True, headers={"developer-token": "x"})
    assert no_auth.status_code == 401
    assert no_auth.json()[0]["error"]["status"] == "UNAUTHENTICATED"


# ------------------------------------------------------------------------------------------ auth and headers


def test_access_token_errors_and_expiry() -> None:
    emulator = emulator_on(fixture(), access_token="good")
    with serve_in_thread(emulator) as srv:
        missing = search(srv, {"query": DAILY_QUERY}, headers={"developer-token": "d"})
        assert missing.status_code == 401
        assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
        assert missing.json()["error"]["details"][0]["reason"] == "CREDENTIALS_MISSING"
        wrong = search(srv, {"query": DAILY_QUERY}, headers={"Authorization": "Bearer bad", "developer-token": "d"})
        assert wrong.status_code == 401
        assert error_code_of(wrong) == {"authenticationError": "OAUTH_TOKEN_INVALID"}
        good = {"Authorization": "Bearer good", "developer-token": "d"}
        assert search(srv, {"query": DAILY_QUERY}, headers=good).status_code == 200
        emulator.expire_token()
        expired = search(srv, {"query": DAILY_QUERY}, headers=good)
        assert (expired.status_code, error_code_of(expired)) == (401, {"authenticationError": "OAUTH_TOKEN_EXPIRED"})


def test_developer_token_checks() -> None:
    with serve_in_thread(emulator_on(fixture(), developer_token="dev-token")) as srv:
        missing = search(srv, {"query": DAILY_QUERY}, headers={"Authorization": "Bearer t"})
        assert missing.status_code == 400
        assert missing.json()["error"]["details"][0]["errors"][0] == {
            "errorCode": {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"},
            "message": "developer-token parameter is missing.",
        }
        wrong = search(srv, {"query": DAILY_QUERY}, headers={**HEADERS, "developer-token": "other"})
        assert wrong.status_code == 401
        assert error_code_of(wrong) == {"authenticationError": "DEVELOPER_TOKEN_INVALID"}
        assert search(srv, {"query": DAILY_QUERY}).status_code == 200
    with serve_in_thread(emulator_on(fixture(), developer_token_approved=False)) as srv:
        test_only = search(srv, {"query": DAILY_QUERY})
        assert test_only.status_code == 403
        assert test_only.json()["error"]["status"] == "PERMISSION_DENIED"
        assert error_code_of(test_only) == {"authorizationError": "DEVELOPER_TOKEN_NOT_APPROVED"}


def test_login_customer_id_checks() -> None:
    with serve_in_thread(emulator_on(fixture(), login_customer_id="987-654-3210")) as srv:
        missing = search(srv, {"query": DAILY_QUERY})
        assert missing.status_code == 403
        error = missing.json()["error"]
        assert (error["code"], error["message"], error["status"]) == (
            403,
            "The caller does not have permission",
            "PERMISSION_DENIED",
        )
        assert error_code_of(missing) == {"authorizationError": "USER_PERMISSION_DENIED"}
        wrong = search(srv, {"query": DAILY_QUERY}, headers={**HEADERS, "login-customer-id": "1111111111"})
        assert error_code_of(wrong) == {"authorizationError": "USER_PERMISSION_DENIED"}
        dashed = search(srv, {"query": DAILY_QUERY}, headers={**HEADERS, "login-customer-id": "987-654-3210"})
        assert (dashed.status_code, error_code_of(dashed)) == (400, {"headerError": "INVALID_LOGIN_CUSTOMER_ID"})
        ok = search(srv, {"query": DAILY_QUERY}, headers={**HEADERS, "login-customer-id": "9876543210"})
        assert ok.status_code == 200
        assert len(ok.json()["results"]) == 3


def test_customer_id_checks(server: RunningServer) -> None:
    unknown = search(server, {"query": DAILY_QUERY}, customer="5555555555")
    assert (unknown.status_code, error_code_of(unknown)) == (403, {"authorizationError": "USER_PERMISSION_DENIED"})
    dashed = search(server, {"query": DAILY_QUERY}, customer="123-456-7890")
    assert (dashed.status_code, error_code_of(dashed)) == (400, {"requestError": "INVALID_CUSTOMER_ID"})


def test_daily_operations_quota_429_body() -> None:
    clock = FakeClock()
    emulator = emulator_on(fixture(), daily_operations=2, clock=clock)
    with serve_in_thread(emulator) as srv:
        assert search(srv, {"query": DAILY_QUERY}).status_code == 200
        assert search(srv, {"query": DAILY_QUERY}, stream=True).status_code == 200
        clock.now = 400.0
        exhausted = search(srv, {"query": DAILY_QUERY})
        assert exhausted.status_code == 429
        assert exhausted.json() == {
            "error": {
                "code": 429,
                "message": "Resource has been exhausted (e.g. check quota).",
                "status": "RESOURCE_EXHAUSTED",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure",
                        "errors": [
                            {
                                "errorCode": {"quotaError": "RESOURCE_EXHAUSTED"},
                                "message": "Too many requests. Retry in 86000 seconds.",
                                "details": {
                                    "quotaErrorDetails": {
                                        "rateScope": "DEVELOPER",
                                        "rateName": "Number of operations for basic access",
                                        "retryDelay": "86000s",
                                    }
                                },
                            }
                        ],
                        "requestId": exhausted.headers["request-id"],
                    }
                ],
            }
        }
        clock.now = 86_400.0
        assert search(srv, {"query": DAILY_QUERY}).status_code == 200
    assert emulator.counts_by_status() == {
        ("google_ads.search", 200): 2,
        ("google_ads.search", 429): 1,
        ("google_ads.searchStream", 200): 1,
    }


def test_version_routing(server: RunningServer) -> None:
    for version in (23, 24, 25, 26):
        assert search(server, {"query": DAILY_QUERY}, version=version).status_code == 200
    # Not released on 2026-12-03 (or never): Google's front end answers its HTML 404 page, not the API.
    for version in (27, 99, 18):
        gone = search(server, {"query": DAILY_QUERY}, version=version)
        assert gone.status_code == 404, version
        assert gone.headers["Content-Type"] == "text/html; charset=UTF-8"
        assert "<title>Error 404 (Not Found)!!1</title>" in gone.text
        assert f"The requested URL <code>/v{version}/customers/{CID}/googleAds:search</code> was not found" in gone.text
    not_found = requests.get(f"{server.base_url}/v25/customers/{CID}/googleAds:search", timeout=10)
    assert not_found.status_code == 404
    assert not_found.json()["error"]["status"] == "NOT_FOUND"


def test_a_sunset_version_is_blocked_then_its_routes_are_gone() -> None:
    def answer(day: date, version: int = 22) -> requests.Response:
        with serve_in_thread(emulator_on(fixture(), day)) as srv:
            return search(srv, {"query": DAILY_QUERY}, version=version, stream=True)

    assert answer(date(2026, 10, 6)).status_code == 200  # v22's last day
    blocked = answer(date(2026, 10, 7))  # Google's published sunset
    assert blocked.status_code == 400
    assert blocked.json() == [
        {
            "error": {
                "code": 400,
                "message": "Request contains an invalid argument.",
                "status": "INVALID_ARGUMENT",
                "details": [
                    failure(
                        22,
                        blocked.headers["request-id"],
                        {"requestError": "UNSUPPORTED_VERSION"},
                        "Version v22 is deprecated. Requests to this version will be blocked.",
                    )
                ],
            }
        }
    ]
    assert answer(date(2026, 10, 20)).status_code == 400
    gone = answer(date(2026, 10, 21))  # two weeks on, the routes are removed
    assert (gone.status_code, gone.headers["Content-Type"]) == (404, "text/html; charset=UTF-8")
    # The newest version: served from its release until the month Google projects, then retired likewise.
    assert answer(date(2026, 10, 13), 26).status_code == 404
    assert answer(date(2026, 10, 14), 26).status_code == 200
    assert answer(date(2027, 10, 31), 26).status_code == 200
    assert answer(date(2027, 11, 1), 26).status_code == 400
    assert [v.number for v in GOOGLE_ADS_CALENDAR if v.released is None or v.released <= DAY] == list(range(19, 27))
