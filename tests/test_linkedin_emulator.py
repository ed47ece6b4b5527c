"""LinkedIn Ads emulator over real HTTP: raw Rest.li queries, adAnalytics semantics, campaign paging, headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from emulators.linkedin import (
    DEFAULT_MAX_ELEMENTS,
    LINKEDIN_CALENDAR,
    LinkedInEmulator,
    MarketingVersion,
    parse_restli,
)
from emulators.server import RunningServer, serve_in_thread

ACCOUNT = "512388408"
OTHER_ACCOUNT = "999"
ACCOUNT_URN_ENC = f"urn%3Ali%3AsponsoredAccount%3A{ACCOUNT}"
HEADERS = {"Authorization": "Bearer li-token", "LinkedIn-Version": "202601", "X-Restli-Protocol-Version": "2.0.0"}
DAY = date(2026, 12, 3)  # the calendar day every emulator here serves versions for


def emulator_on(data: dict[str, Any] | None, day: date = DAY, **options: Any) -> LinkedInEmulator:
    """An emulator serving the versions LinkedIn serves on ``day`` (never the wall clock's)."""
    return LinkedInEmulator(data, calendar_today=lambda: day, **options)


class FakeClock:
    """Monotonic clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def element(day: int, campaign: int, impressions: int, clicks: int, cost: str, **extra: Any) -> dict[str, Any]:
    rng = {"year": 2024, "month": 1, "day": day}
    return {
        "dateRange": {"start": rng, "end": rng},
        "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
        "impressions": impressions,
        "clicks": clicks,
        "costInLocalCurrency": cost,
        **extra,
    }


def fixture() -> dict[str, Any]:
    """Account 512388408 with campaigns 111 (active), 222 (paused), 444 (active); 333 in account 999."""
    return {
        "account_id": ACCOUNT,
        "currency": "USD",
        "campaigns": [
            {"id": 111, "name": "C1 - Demo", "account": f"urn:li:sponsoredAccount:{ACCOUNT}", "status": "ACTIVE"},
            {"id": 222, "name": "C2 - Retarget", "status": "PAUSED"},
            {"id": 444, "name": "C4 - Webinar"},
            {"id": 333, "name": "Other account", "account": f"urn:li:sponsoredAccount:{OTHER_ACCOUNT}"},
        ],
        "analytics": [
            element(1, 111, 13468, 242, "107.5300000000000335346", oneClickLeads=23),
            element(2, 111, 1000, 20, "0.47", oneClickLeads=2),
            element(3, 111, 500, 5, "10.0000000000000000001", oneClickLeads=0),
            element(2, 222, 300, 3, "5.5", oneClickLeads=1),
            element(2, 333, 7, 1, "1.00"),
        ],
    }


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(emulator_on(fixture(), access_token="li-token")) as srv:
        yield srv


def analytics_query(
    *,
    pivot: str = "CAMPAIGN",
    granularity: str = "DAILY",
    date_range: str = "(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:3))",
    facets: str = f"accounts=List({ACCOUNT_URN_ENC})",
    fields: str | None = "dateRange,pivotValues,impressions,clicks,costInLocalCurrency",
) -> str:
    # Built by hand: requests' params= would percent-encode the Rest.li structure and double-encode URNs.
    parts = [
        "q=analytics",
        f"pivot={pivot}",
        f"timeGranularity={granularity}",
        f"dateRange={date_range}",
        facets,
    ]
    if fields is not None:
        parts.append(f"fields={fields}")
    return "&".join(parts)


def get(srv: RunningServer, path_and_query: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(srv.base_url + path_and_query, headers=HEADERS if headers is None else headers, timeout=10)


def day(d: int) -> dict[str, int]:
    return {"year": 2024, "month": 1, "day": d}


def daily(d: int, campaign: int, impressions: int, clicks: int, cost: str) -> dict[str, Any]:
    return {
        "dateRange": {"start": day(d), "end": day(d)},
        "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
        "impressions": impressions,
        "clicks": clicks,
        "costInLocalCurrency": cost,
    }


EXPECTED_DAILY_1_TO_3 = [
    daily(1, 111, 13468, 242, "107.5300000000000335346"),
    daily(2, 111, 1000, 20, "0.47"),
    daily(2, 222, 300, 3, "5.5"),
    daily(3, 111, 500, 5, "10.0000000000000000001"),
]


# ------------------------------------------------------------------------------------------ Rest.li parsing


def test_parse_restli_reads_records_lists_and_encoded_leaves() -> None:
    assert parse_restli("(start:(year:2024,month:1,day:2))") == {"start": {"year": "2024", "month": "1", "day": "2"}}
    assert parse_restli("List(urn%3Ali%3AsponsoredCampaign%3A1,urn%3Ali%3AsponsoredCampaign%3A2)") == [
        "urn:li:sponsoredCampaign:1",
        "urn:li:sponsoredCampaign:2",
    ]
    assert parse_restli("(status:(values:List(ACTIVE,PAUSED)))") == {"status": {"values": ["ACTIVE", "PAUSED"]}}
    # Whole value encoded once: decoded once, leaves then taken literally.
    assert parse_restli("List%28urn%3Ali%3AsponsoredAccount%3A7%29") == ["urn:li:sponsoredAccount:7"]
    assert parse_restli("List%28urn%253Ali%253AsponsoredAccount%253A7%29") == ["urn%3Ali%3AsponsoredAccount%3A7"]
    assert parse_restli("List()") == []


# ------------------------------------------------------------------------------------------ adAnalytics


@pytest.mark.parametrize(
    ("pivot", "granularity"),
    [("CAMPAIGN", "DAILY"), ("(value:CAMPAIGN)", "(value:DAILY)"), ("CAMPAIGN", "(value:DAILY)")],
)
def test_analytics_daily_accepts_both_pivot_forms(server: RunningServer, pivot: str, granularity: str) -> None:
    response = get(server, "/rest/adAnalytics?" + analytics_query(pivot=pivot, granularity=granularity))
    assert response.status_code == 200
    assert response.json() == {"paging": {"start": 0, "count": 10, "links": []}, "elements": EXPECTED_DAILY_1_TO_3}


def test_analytics_fully_percent_encoded_values_are_understood(server: RunningServer) -> None:
    date_range = quote("(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:3))", safe="")
    accounts = quote(f"List(urn:li:sponsoredAccount:{ACCOUNT})", safe="")
    fields = quote("dateRange,pivotValues,impressions,clicks,costInLocalCurrency", safe="")
    query = analytics_query(
        pivot="%28value%3ACAMPAIGN%29",
        date_range=date_range,
        facets=f"accounts={accounts}",
        fields=fields,
    )
    response = get(server, "/rest/adAnalytics?" + query)
    assert response.status_code == 200
    assert response.json()["elements"] == EXPECTED_DAILY_1_TO_3


def test_analytics_double_encoded_urn_is_rejected(server: RunningServer) -> None:
    # What requests(params=...) sends when given an already-encoded URN: the real API cannot read it.
    response = requests.get(
        server.base_url + "/rest/adAnalytics",
        params={
            "q": "analytics",
            "pivot": "CAMPAIGN",
            "timeGranularity": "DAILY",
            "dateRange": "(start:(year:2024,month:1,day:1))",
            "accounts": f"List({ACCOUNT_URN_ENC})",
        },
        headers=HEADERS,
        timeout=10,
    )
    assert "List%28urn%253Ali" in response.url
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "serviceErrorCode": 100,
        "code": "ILLEGAL_ARGUMENT",
        "message": f"Invalid value 'urn%3Ali%3AsponsoredAccount%3A{ACCOUNT}' in parameter 'accounts': not a valid URN",
    }


def test_analytics_returns_only_requested_fields(server: RunningServer) -> None:
    response = get(server, "/rest/adAnalytics?" + analytics_query(fields="clicks,costInUsd,landingPageClicks"))
    assert response.json()["elements"] == [
        # costInUsd equals the local cost for a USD account; landingPageClicks is absent from the fixture: 0.
        {"clicks": 242, "costInUsd": "107.5300000000000335346", "landingPageClicks": 0},
        {"clicks": 20, "costInUsd": "0.47", "landingPageClicks": 0},
        {"clicks": 3, "costInUsd": "5.5", "landingPageClicks": 0},
        {"clicks": 5, "costInUsd": "10.0000000000000000001", "landingPageClicks": 0},
    ]


def test_analytics_without_fields_omits_date_range_and_pivot_values(server: RunningServer) -> None:
    query = analytics_query(date_range="(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:1))", fields=None)
    assert get(server, "/rest/adAnalytics?" + query).json()["elements"] == [
        {
            "impressions": 13468,
            "clicks": 242,
            "costInLocalCurrency": "107.5300000000000335346",
            "oneClickLeads": 23,
            "costInUsd": "107.5300000000000335346",
        }
    ]


def test_analytics_more_than_20_fields_is_400_and_20_is_fine(server: RunningServer) -> None:
    twenty = ["dateRange", "pivotValues", "impressions", "clicks"] + [f"metric{i}" for i in range(16)]
    ok = get(server, "/rest/adAnalytics?" + analytics_query(fields=",".join(twenty)))
    assert ok.status_code == 200
    assert ok.json()["elements"][0] == {
        "dateRange": {"start": day(1), "end": day(1)},
        "pivotValues": ["urn:li:sponsoredCampaign:111"],
        "impressions": 13468,
        "clicks": 242,
    }
    too_many = get(server, "/rest/adAnalytics?" + analytics_query(fields=",".join([*twenty, "oneClickLeads"])))
    assert too_many.status_code == 400
    assert too_many.json() == {
        "status": 400,
        "serviceErrorCode": 100,
        "code": "ILLEGAL_ARGUMENT",
        "message": "Too many fields requested: 21; at most 20 are allowed per request",
    }


def test_analytics_date_range_is_inclusive_and_end_is_optional(server: RunningServer) -> None:
    one_day = get(
        server,
        "/rest/adAnalytics?"
        + analytics_query(date_range="(start:(year:2024,month:1,day:3),end:(year:2024,month:1,day:3))"),
    )
    assert one_day.json()["elements"] == [daily(3, 111, 500, 5, "10.0000000000000000001")]
    open_ended = get(server, "/rest/adAnalytics?" + analytics_query(date_range="(start:(year:2024,month:1,day:2))"))
    assert open_ended.json()["elements"] == EXPECTED_DAILY_1_TO_3[1:]


def test_analytics_all_granularity_sums_costs_exactly(server: RunningServer) -> None:
    response = get(server, "/rest/adAnalytics?" + analytics_query(granularity="ALL"))
    full_range = {"start": day(1), "end": day(3)}
    assert response.json()["elements"] == [
        {
            "dateRange": full_range,
            "pivotValues": ["urn:li:sponsoredCampaign:111"],
            "impressions": 13468 + 1000 + 500,
            "clicks": 242 + 20 + 5,
            # 107.5300000000000335346 + 0.47 + 10.0000000000000000001, no float rounding anywhere.
            "costInLocalCurrency": "118.0000000000000335347",
        },
        {
            "dateRange": full_range,
            "pivotValues": ["urn:li:sponsoredCampaign:222"],
            "impressions": 300,
            "clicks": 3,
            "costInLocalCurrency": "5.5",
        },
    ]


def test_analytics_account_pivot_sums_campaigns_of_the_account(server: RunningServer) -> None:
    response = get(
        server,
        "/rest/adAnalytics?"
        + analytics_query(pivot="(value:ACCOUNT)", granularity="ALL", fields="pivotValues,costInLocalCurrency"),
    )
    assert response.json()["elements"] == [
        {"pivotValues": [f"urn:li:sponsoredAccount:{ACCOUNT}"], "costInLocalCurrency": "123.5000000000000335347"}
    ]


def test_analytics_campaign_facet_filters_and_unknown_campaign_is_empty(server: RunningServer) -> None:
    facet = "campaigns=List(urn%3Ali%3AsponsoredCampaign%3A222,urn%3Ali%3AsponsoredCampaign%3A555)"
    response = get(server, "/rest/adAnalytics?" + analytics_query(facets=facet))
    assert response.json()["elements"] == [daily(2, 222, 300, 3, "5.5")]
    other = get(
        server, "/rest/adAnalytics?" + analytics_query(facets="campaigns=List(urn%3Ali%3AsponsoredCampaign%3A555)")
    )
    assert other.status_code == 200
    assert other.json()["elements"] == []


def test_analytics_facet_is_required_and_unknown_account_answers_empty(server: RunningServer) -> None:
    no_facet = get(server, "/rest/adAnalytics?" + analytics_query(facets="x=1"))
    assert no_facet.status_code == 400
    assert no_facet.json()["message"] == "At least one facet (accounts, campaigns, ...) must be specified"
    # LinkedIn answers an empty result, not an error, for data the member cannot read.
    unknown = get(
        server, "/rest/adAnalytics?" + analytics_query(facets="accounts=List(urn%3Ali%3AsponsoredAccount%3A42)")
    )
    assert unknown.status_code == 200
    assert unknown.json()["elements"] == []


def test_analytics_truncates_silently_at_max_elements() -> None:
    emulator = emulator_on(fixture(), max_elements=3)
    with serve_in_thread(emulator) as srv:
        response = get(srv, "/rest/adAnalytics?" + analytics_query())
    assert response.status_code == 200
    assert response.json() == {
        "paging": {"start": 0, "count": 10, "links": []},
        "elements": EXPECTED_DAILY_1_TO_3[:3],
    }


def test_analytics_default_cap_is_15000_elements() -> None:
    # 15 campaigns x 1001 days = 15,015 daily elements; the real API returns the first 15,000 only.
    analytics = []
    for offset in range(1001):
        d = date(2024, 1, 1) + timedelta(days=offset)
        rng = {"year": d.year, "month": d.month, "day": d.day}
        analytics += [
            {"dateRange": {"start": rng, "end": rng}, "pivotValues": [f"urn:li:sponsoredCampaign:{c}"], "clicks": c}
            for c in range(1, 16)
        ]
    data = {"account_id": ACCOUNT, "campaigns": [{"id": c} for c in range(1, 16)], "analytics": analytics}
    assert DEFAULT_MAX_ELEMENTS == 15_000
    with serve_in_thread(emulator_on(data)) as srv:
        query = analytics_query(date_range="(start:(year:2024,month:1,day:1))", fields="pivotValues,clicks")
        elements = get(srv, "/rest/adAnalytics?" + query).json()["elements"]
    assert len(elements) == 15_000
    # Ordered by date then campaign: the 15 elements of the 1001st day are the ones cut off.
    assert elements[-1] == {"pivotValues": ["urn:li:sponsoredCampaign:15"], "clicks": 15}
    assert sum(e["clicks"] for e in elements) == 1000 * sum(range(1, 16))


# ------------------------------------------------------------------------------------------ adCampaigns


def test_campaigns_page_with_next_page_token_until_absent(server: RunningServer) -> None:
    base = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search&pageSize=2"
    first = get(server, base).json()
    assert [c["id"] for c in first["elements"]] == [111, 222]
    assert first["paging"] == {"start": 0, "count": 2, "links": []}
    token = first["metadata"]["nextPageToken"]
    second = get(server, f"{base}&pageToken={token}").json()
    assert second["elements"] == [
        {"id": 444, "name": "C4 - Webinar", "account": f"urn:li:sponsoredAccount:{ACCOUNT}", "status": "ACTIVE"}
    ]
    assert "nextPageToken" not in second["metadata"]


def test_campaigns_search_status_filter(server: RunningServer) -> None:
    path = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search&search=(status:(values:List(PAUSED,ARCHIVED)))"
    response = get(server, path)
    assert [c["id"] for c in response.json()["elements"]] == [222]
    other = get(server, f"/rest/adAccounts/{OTHER_ACCOUNT}/adCampaigns?q=search").json()
    assert [c["id"] for c in other["elements"]] == [333]


def test_campaigns_bad_token_and_unknown_account(server: RunningServer) -> None:
    bad = get(server, f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search&pageToken=bm9wZQ")
    assert bad.status_code == 400
    assert bad.json()["message"] == "Invalid pageToken"
    unknown = get(server, "/rest/adAccounts/42/adCampaigns?q=search")
    assert unknown.status_code == 403
    assert unknown.json()["code"] == "ACCESS_DENIED"


# ------------------------------------------------------------------------------------------ headers and auth


def test_version_header_missing_sunset_and_unknown(server: RunningServer) -> None:
    path = "/rest/adAnalytics?" + analytics_query()
    missing = get(server, path, {k: v for k, v in HEADERS.items() if k != "LinkedIn-Version"})
    assert missing.status_code == 400
    assert missing.json() == {
        "status": 400,
        "code": "VERSION_MISSING",
        "message": "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
    }
    # On 2026-12-03: 202511 was sunset on 2026-11-16, 202512 never existed, 202612 is not released (nor
    # documented), 202701 is in the future; LinkedIn names a YYYYMM version as YYYYMM01 in its message.
    for version in ("202511", "202512", "202612", "202701", "202401"):
        response = get(server, path, {**HEADERS, "LinkedIn-Version": version})
        assert response.status_code == 426, version
        assert response.json() == {
            "status": 426,
            "code": "NONEXISTENT_VERSION",
            "message": f"Requested version {version}01 is not active",
        }
    garbled = get(server, path, {**HEADERS, "LinkedIn-Version": "2026-01"})
    assert garbled.json()["message"] == "Requested version 2026-01 is not active"
    for version in ("202601", "202603", "202608"):
        assert get(server, path, {**HEADERS, "LinkedIn-Version": version}).status_code == 200, version


def test_served_versions_follow_the_calendar_day() -> None:
    path = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search"
    answers = {
        date(2026, 11, 15): ("202511", 200),  # its last day
        date(2026, 11, 16): ("202511", 426),  # LinkedIn's published sunset
        date(2027, 1, 14): ("202601", 200),
        date(2027, 1, 15): ("202601", 426),
        date(2026, 7, 31): ("202608", 426),  # not released yet
        date(2026, 8, 1): ("202608", 200),
        date(2027, 8, 15): ("202608", 426),  # sunset projected a year on, the 15th
    }
    for day, (version, status) in answers.items():
        with serve_in_thread(emulator_on(fixture(), day)) as srv:
            assert get(srv, path, {**HEADERS, "LinkedIn-Version": version}).status_code == status, (day, version)
    assert emulator_on(None, date(2026, 12, 3)).served_versions() == {
        "202601",
        "202602",
        "202603",
        "202604",
        "202605",
        "202606",
        "202607",
        "202608",
    }
    assert MarketingVersion("202608", date(2027, 8, 15)) in LINKEDIN_CALENDAR


def test_versions_knob_replaces_the_calendar() -> None:
    with serve_in_thread(emulator_on(fixture(), versions=frozenset({"202401"}))) as srv:
        path = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search"
        assert get(srv, path, {**HEADERS, "LinkedIn-Version": "202401"}).status_code == 200
        assert get(srv, path, {**HEADERS, "LinkedIn-Version": "202601"}).status_code == 426


def test_restli_protocol_header_required_for_restli_syntax(server: RunningServer) -> None:
    no_protocol = {k: v for k, v in HEADERS.items() if k != "X-Restli-Protocol-Version"}
    response = get(server, "/rest/adAnalytics?" + analytics_query(), no_protocol)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "serviceErrorCode": 100,
        "code": "ILLEGAL_ARGUMENT",
        "message": "Invalid query parameter 'dateRange': Rest.li 2.0 syntax requires the header "
        "X-Restli-Protocol-Version: 2.0.0",
    }
    # Plain parameters need no protocol header.
    plain = get(server, f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search&pageSize=1", no_protocol)
    assert plain.status_code == 200


def test_header_names_are_case_insensitive(server: RunningServer) -> None:
    lower = {"authorization": "Bearer li-token", "linkedin-version": "202601", "x-restli-protocol-version": "2.0.0"}
    response = get(server, "/rest/adAnalytics?" + analytics_query(), lower)
    assert response.status_code == 200
    assert response.json()["elements"] == EXPECTED_DAILY_1_TO_3


def test_auth_errors_and_expired_token() -> None:
    emulator = emulator_on(fixture(), access_token="good")
    path = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search"
    invalid = {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    }
    with serve_in_thread(emulator) as srv:
        missing = get(srv, path, {"LinkedIn-Version": "202601"})
        assert (missing.status_code, missing.json()) == (401, invalid)
        wrong = get(srv, path, {**HEADERS, "Authorization": "Bearer bad"})
        assert (wrong.status_code, wrong.json()) == (401, invalid)
        good = {**HEADERS, "Authorization": "Bearer good"}
        assert get(srv, path, good).status_code == 200
        emulator.expire_token()
        expired = get(srv, path, good)
        assert expired.status_code == 401
        assert expired.json() == {
            "status": 401,
            "serviceErrorCode": 65602,
            "code": "EXPIRED_ACCESS_TOKEN",
            "message": "The token used in the request has expired",
        }
        emulator.set_access_token("fresh")
        assert get(srv, path, {**HEADERS, "Authorization": "Bearer fresh"}).status_code == 200
    assert emulator.counts() == {"linkedin.adCampaigns": 5}
    assert emulator.counts_by_status() == {("linkedin.adCampaigns", 401): 3, ("linkedin.adCampaigns", 200): 2}


def test_daily_limit_per_endpoint_with_injected_clock() -> None:
    clock = FakeClock()
    emulator = emulator_on(fixture(), daily_limit=2, clock=clock)
    campaigns = f"/rest/adAccounts/{ACCOUNT}/adCampaigns?q=search"
    with serve_in_thread(emulator) as srv:
        assert [get(srv, campaigns).status_code for _ in range(2)] == [200, 200]
        throttled = get(srv, campaigns)
        assert throttled.status_code == 429
        assert throttled.json() == {
            "status": 429,
            "serviceErrorCode": 101,
            "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        }
        # Limits are per endpoint: analytics still has its own budget.
        assert get(srv, "/rest/adAnalytics?" + analytics_query()).status_code == 200
        clock.now = 86_400.0
        assert get(srv, campaigns).status_code == 200
    assert emulator.counts() == {"linkedin.adCampaigns": 4, "linkedin.adAnalytics": 1}


def test_query_tunnelling_post_is_answered_like_get(server: RunningServer) -> None:
    response = requests.post(
        server.base_url + "/rest/adAnalytics",
        data=analytics_query(),
        headers={**HEADERS, "X-HTTP-Method-Override": "GET", "Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["elements"] == EXPECTED_DAILY_1_TO_3


def test_unknown_path_is_404_and_counted(server: RunningServer) -> None:
    response = get(server, "/rest/adCreatives?q=search")
    assert response.status_code == 404
    assert response.json()["status"] == 404
    emulator = server.app
    assert isinstance(emulator, LinkedInEmulator)
    assert emulator.counts()["linkedin.not_found"] == 1


def test_numeric_fixture_costs_are_served_as_strings_and_empty_part_has_no_account() -> None:
    numeric_cost = {**element(1, 111, 10, 1, "0"), "costInLocalCurrency": 12.5}
    data = {"account_id": ACCOUNT, "analytics": [numeric_cost]}
    with serve_in_thread(emulator_on(data)) as srv:
        query = analytics_query(fields="costInLocalCurrency,costInUsd")
        assert get(srv, "/rest/adAnalytics?" + query).json()["elements"] == [
            {"costInLocalCurrency": "12.5", "costInUsd": "12.5"}
        ]
    with serve_in_thread(emulator_on(None)) as srv:
        assert get(srv, "/rest/adAnalytics?" + analytics_query()).json()["elements"] == []
        assert get(srv, f"/rest/adAccounts/{ACCOUNT}").status_code == 403
