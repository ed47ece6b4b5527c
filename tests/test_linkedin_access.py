"""LinkedIn without silent zeros: "no data" told from "no access", missing costs refused, float noise rounded.

The emulator answers as LinkedIn does (an empty adAnalytics result when the member has no role on the
account, 403 when the token lacks ``r_ads_reporting``); the client stops with a message naming the scope
or the role. LinkedIn's own client (``linkedin-api-client``) reads the access endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from linkedin_api.clients.restli.client import RestliClient
from linkedin_api.common import constants as linkedin_constants

from emulators.linkedin import LinkedInEmulator, MemberAccess
from emulators.server import RunningServer, serve_in_thread
from resources.http import ApiError
from resources.linkedin_ads import LinkedInAdsResource, parse_analytics_element, parse_analytics_elements, round_cost
from resources.quarantine import BadRecord
from tests.conftest import FakeClock

ACCOUNT = "512388408"
VERSION = "202601"


def _element(day: int, campaign: int = 100, cost: Any = "12.34", **changes: Any) -> dict[str, Any]:
    stamp = {"year": 2024, "month": 1, "day": day}
    element = {
        "dateRange": {"start": stamp, "end": stamp},
        "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
        "impressions": 1000,
        "clicks": 20,
        "costInLocalCurrency": cost,
        "externalWebsiteConversions": 2,
        "oneClickLeads": 1,
    }
    element.update(changes)
    return {k: v for k, v in element.items() if v is not None}


def _fixture(*, analytics: bool = True) -> dict[str, Any]:
    return {
        "account_id": ACCOUNT,
        "currency": "USD",
        "campaigns": [{"id": 100, "name": "Demo", "status": "ACTIVE"}],
        "analytics": [_element(1), _element(2, cost="7.5")] if analytics else [],
    }


@pytest.fixture
def emulator() -> LinkedInEmulator:
    return LinkedInEmulator(_fixture(), access_token="li-token")


@pytest.fixture
def server(emulator: LinkedInEmulator) -> Iterator[RunningServer]:
    with serve_in_thread(emulator) as srv:
        yield srv


def _client(server: RunningServer) -> LinkedInAdsResource:
    clock = FakeClock()
    resource = LinkedInAdsResource(
        base_url=server.base_url, access_token="li-token", account_id=ACCOUNT, api_version=VERSION
    )
    return resource.with_clock(clock=clock, sleeper=clock.sleep)


# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.unit
@pytest.mark.parametrize(
    ("wire", "expected", "text"),
    [
        # Float noise below zero: a spend check must see 0.
        pytest.param("-2E-18", Decimal(0), "0", id="noise-below-zero"),
        pytest.param("3E-12", Decimal(0), "0", id="noise-above-zero"),
        pytest.param("107.5300000000000335346", Decimal("107.53"), "107.530000000", id="noise-in-a-cost"),
        pytest.param("12.34", Decimal("12.34"), "12.34", id="exact-text-kept"),  # at most 9 decimals
        pytest.param("0.000000001", Decimal("0.000000001"), "0.000000001", id="nine-decimals-kept"),
        # A real negative stays negative (the spend check flags it).
        pytest.param("-1.5", Decimal("-1.5"), "-1.5", id="real-negative"),
    ],
)
def test_costs_lose_their_float_noise_at_the_boundary(wire: str, expected: Decimal, text: str) -> None:
    row = parse_analytics_element(_element(2, cost=wire))
    assert row.cost == expected
    assert format(row.cost, "f") == text
    assert round_cost(Decimal("-0E-30")).is_signed() is False


@pytest.mark.unit
@pytest.mark.parametrize("missing", ["costInLocalCurrency", "impressions", "clicks"])
def test_a_missing_metric_is_quarantined_naming_the_record(missing: str) -> None:
    """Never read as 0: the campaign-day is kept aside, named, and left out of the numbers."""
    with pytest.raises(BadRecord) as caught:
        parse_analytics_element(_element(2, campaign=4711, **{missing: None}))
    assert str(caught.value) == f"campaign 4711 on 2024-01-02: {missing} is missing"
    record = caught.value.record
    assert (record.source, record.record_type, record.record_id) == ("linkedin", "campaign_day", "4711 on 2024-01-02")
    assert (record.field, record.raw_value, record.problem, record.record_date) == (
        missing,
        "",
        "is missing",
        date(2024, 1, 2),
    )


@pytest.mark.unit
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cost": "twelve"}, "costInLocalCurrency 'twelve' is not a number"),
        ({"cost": "NaN"}, "costInLocalCurrency 'NaN' is not a finite number"),
        ({"cost": float("inf")}, "costInLocalCurrency Infinity is not a finite number"),
        ({"cost": "Infinity"}, "costInLocalCurrency 'Infinity' is not a finite number"),
        (
            {"cost": 1.7976931348623157e308},
            "costInLocalCurrency 1.7976931348623157e+308 is out of range (beyond ±10^18)",
        ),
        ({"impressions": 1e30}, "impressions 1e+30 is out of range (beyond 2^63)"),
        ({"impressions": float("nan")}, "impressions NaN is not a finite number"),
        ({"clicks": -3}, "clicks -3 is negative"),
        ({"clicks": 2.5}, "clicks 2.5 is not a whole number"),
        ({"externalWebsiteConversions": float("nan")}, "externalWebsiteConversions NaN is not a finite number"),
        (
            {"dateRange": {"start": {"year": 2024, "month": 13, "day": 45}}},
            'dateRange {"start": {"year": 2024, "month": 13, "day": 45}} is not a date',
        ),
    ],
    ids=[
        "cost-text",
        "cost-nan-text",
        "cost-infinity",
        "cost-infinity-text",
        "cost-max-double",
        "impressions-1e30",
        "impressions-nan",
        "clicks-negative",
        "clicks-fraction",
        "conversions-nan",
        "impossible-date",
    ],
)
def test_an_unreadable_metric_or_date_is_quarantined_naming_the_record(changes: dict[str, Any], message: str) -> None:
    cost = changes.pop("cost", "12.34")
    with pytest.raises(BadRecord) as caught:
        parse_analytics_element(_element(3, cost=cost, **changes))
    day = "?" if "dateRange" in changes else "2024-01-03"
    assert str(caught.value) == f"campaign 100 on {day}: {message}"


@pytest.mark.unit
def test_a_page_parses_into_good_rows_and_quarantined_ones() -> None:
    parsed = parse_analytics_elements([_element(1), _element(2, cost="Infinity"), _element(3, campaign=7)])
    assert [(row.date.day, row.campaign_id) for row in parsed] == [(1, "100"), (3, "7")]
    assert [record.describe() for record in parsed.quarantined] == [
        "campaign 100 on 2024-01-02: costInLocalCurrency 'Infinity' is not a finite number"
    ]


@pytest.mark.unit
def test_optional_metrics_absent_are_zero_and_parsed_values_are_exact() -> None:
    row = parse_analytics_element(_element(5, externalWebsiteConversions=None, oneClickLeads=None))
    assert (row.date, row.campaign_id, row.impressions, row.clicks) == (date(2024, 1, 5), "100", 1000, 20)
    assert (row.conversions, row.platform_leads, row.cost) == (0.0, 0, Decimal("12.34"))


# ------------------------------------------------------------------------------------------ the emulator


def _get(server: RunningServer, path: str) -> Any:
    import requests

    headers = {"Authorization": "Bearer li-token", "LinkedIn-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0"}
    return requests.get(server.base_url + path, headers=headers, timeout=5)


ANALYTICS = (
    "/rest/adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"
    "&dateRange=(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:3))"
    f"&accounts=List(urn%3Ali%3AsponsoredAccount%3A{ACCOUNT})&fields=costInLocalCurrency"
)


def test_the_emulator_answers_like_linkedin_for_each_kind_of_access(
    emulator: LinkedInEmulator, server: RunningServer
) -> None:
    users = _get(server, "/rest/adAccountUsers?q=authenticatedUser").json()
    assert users["elements"] == [
        {
            "account": f"urn:li:sponsoredAccount:{ACCOUNT}",
            "user": "urn:li:person:eMuLaT0r1",
            "role": "ACCOUNT_MANAGER",
            "changeAuditStamps": {"created": {"time": 1704153600000}, "lastModified": {"time": 1704153600000}},
        }
    ]
    assert len(_get(server, ANALYTICS).json()["elements"]) == 2

    # A member without a role: the account is forbidden, but its analytics are an empty 200.
    emulator.set_member_access(MemberAccess(roles={}))
    assert _get(server, "/rest/adAccountUsers?q=authenticatedUser").json()["elements"] == []
    quiet = _get(server, ANALYTICS)
    assert (quiet.status_code, quiet.json()["elements"]) == (200, [])
    assert _get(server, f"/rest/adAccounts/{ACCOUNT}").status_code == 403

    # A VIEWER may read reports.
    emulator.set_member_access(MemberAccess(roles={int(ACCOUNT): "VIEWER"}))
    assert len(_get(server, ANALYTICS).json()["elements"]) == 2

    # Without r_ads_reporting the gateway refuses adAnalytics, naming the versioned finder.
    emulator.set_member_access(MemberAccess(scopes=frozenset({"r_ads"})))
    refused = _get(server, ANALYTICS)
    assert refused.status_code == 403
    assert refused.json() == {
        "status": 403,
        "serviceErrorCode": 100,
        "code": "ACCESS_DENIED",
        "message": "Not enough permissions to access: adAnalytics.FINDER-analytics.20260101",
    }
    # Without r_ads (or rw_ads) the member's roles cannot be listed.
    emulator.set_member_access(MemberAccess(scopes=frozenset({"r_ads_reporting"})))
    assert _get(server, "/rest/adAccountUsers?q=authenticatedUser").status_code == 403
    with pytest.raises(ValueError, match="unknown ad account role"):
        MemberAccess(roles={1: "OWNER"})


def test_linkedins_own_client_reads_the_member_roles(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linkedin_constants, "VERSIONED_BASE_URL", f"{server.base_url}/rest")
    response = RestliClient().finder(
        resource_path="/adAccountUsers",
        finder_name="authenticatedUser",
        query_params={"start": 0, "count": 5},
        access_token="li-token",
        version_string=VERSION,
    )
    assert response.status_code == 200
    assert [(e["account"], e["role"]) for e in response.elements] == [
        (f"urn:li:sponsoredAccount:{ACCOUNT}", "ACCOUNT_MANAGER")
    ]
    assert (response.paging.start, response.paging.count, response.paging.total) == (0, 5, 1)


# ------------------------------------------------------------------------------------------ the client


def test_no_role_on_the_account_stops_naming_the_role(emulator: LinkedInEmulator, server: RunningServer) -> None:
    emulator.set_member_access(MemberAccess(roles={}))
    client = _client(server)
    with pytest.raises(ApiError) as caught:
        client.daily_analytics(date(2024, 1, 1), date(2024, 1, 3))
    message = str(caught.value)
    assert "no role on it" in message and "VIEWER is enough" in message
    assert "LINKEDIN_ACCESS_TOKEN" in message and "LINKEDIN_AD_ACCOUNT_ID" in message
    assert caught.value.category == "NO_ACCOUNT_ROLE"
    assert client.calls.counts == {"linkedin.adAnalytics": 1, "linkedin.adAccountUsers": 1}


def test_no_reporting_scope_stops_naming_the_scope(emulator: LinkedInEmulator, server: RunningServer) -> None:
    emulator.set_member_access(MemberAccess(scopes=frozenset({"r_ads"})))
    with pytest.raises(ApiError, match="the token lacks the r_ads_reporting scope") as caught:
        _client(server).daily_analytics(date(2024, 1, 1), date(2024, 1, 3))
    assert caught.value.status == 403
    assert "li-token" not in str(caught.value)


def test_access_without_delivery_is_no_rows_after_one_role_check(server: RunningServer) -> None:
    client = _client(server)
    assert client.daily_analytics(date(2024, 2, 1), date(2024, 2, 29)) == []
    assert client.calls.counts == {"linkedin.adAnalytics": 1, "linkedin.adAccountUsers": 1}
    # Rows in the answer need no role check.
    rows = client.daily_analytics(date(2024, 1, 1), date(2024, 1, 3))
    assert [(r.date.day, r.cost) for r in rows] == [(1, Decimal("12.34")), (2, Decimal("7.5"))]
    assert client.calls.counts == {"linkedin.adAnalytics": 2, "linkedin.adAccountUsers": 1}


def test_member_roles_follow_start_and_count_paging() -> None:
    accounts = list(range(1000, 1150))
    data = {
        "account_id": ACCOUNT,
        "campaigns": [
            {"id": 5000 + n, "name": f"C{n}", "account": f"urn:li:sponsoredAccount:{account}"}
            for n, account in enumerate(accounts)
        ],
    }
    with serve_in_thread(LinkedInEmulator(data)) as srv:
        client = _client(srv)
        roles = client.member_roles()
    assert len(roles) == 151 and roles[ACCOUNT] == "ACCOUNT_MANAGER" and roles["1149"] == "ACCOUNT_MANAGER"
    assert client.calls.counts == {"linkedin.adAccountUsers": 2}  # 100 + 51


@pytest.mark.unit
def test_the_source_identity_is_the_ad_account() -> None:
    resource = LinkedInAdsResource(access_token="t", account_id="urn:li:sponsoredAccount:42", read_environment=False)
    identity = resource.source_identity()
    assert (identity.source, identity.identity, identity.label, identity.setting) == (
        "linkedin",
        "42",
        "LinkedIn ad account 42",
        "LINKEDIN_AD_ACCOUNT_ID",
    )
