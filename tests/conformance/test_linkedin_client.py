"""LinkedIn conformance: LinkedIn's own ``linkedin-api-client`` (its ``RestliClient``) reads the emulator.

The calls are the ones the pipeline makes (ad account get, the adCampaigns ``search`` finder with page
tokens, the adAnalytics ``analytics`` finder), encoded by the library's own Rest.li encoder rather than the
project's hand-built query strings, including its query tunnelling of long finder URLs. What the library
reads is compared with what :class:`resources.linkedin_ads.LinkedInAdsResource` reads from the same emulator.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import linkedin_api.common.constants as linkedin_constants
import pytest
from linkedin_api.clients.restli.client import RestliClient

from emulators.linkedin import LinkedInEmulator
from emulators.server import RunningServer, serve_in_thread
from resources.linkedin_ads import ANALYTICS_FIELDS, AdDailyRow, LinkedInAdsResource, parse_analytics_element
from settings.model import Settings
from tests.conformance.http_capture import HttpCapture

ACCOUNT = 512388408
TOKEN = "li-conformance-token"
VERSION = Settings().ads.linkedin_api_version  # the version the pipeline sends by default
N_CAMPAIGNS = 230  # three pages of 100 through the search finder


def day(n: int) -> dict[str, int]:
    return {"year": 2024, "month": 1, "day": n}


def fixture() -> dict[str, Any]:
    campaigns = [
        {"id": 1000 + i, "name": f"Campaign {i}", "status": "PAUSED" if i % 3 == 0 else "ACTIVE"}
        for i in range(N_CAMPAIGNS)
    ]
    analytics = [
        {
            "dateRange": {"start": day(d), "end": day(d)},
            "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
            "impressions": impressions,
            "clicks": clicks,
            "costInLocalCurrency": cost,
            "externalWebsiteConversions": conversions,
            "oneClickLeads": leads,
        }
        for d, campaign, impressions, clicks, cost, conversions, leads in (
            (2, 1000, 13468, 242, "107.5300000000000335346", 4, 23),
            (2, 1001, 1000, 20, "0.47", 0, 2),
            (3, 1000, 500, 5, "10.0000000000000000001", 1, 0),
        )
    ]
    return {"account_id": str(ACCOUNT), "currency": "EUR", "campaigns": campaigns, "analytics": analytics}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(LinkedInEmulator(fixture(), access_token=TOKEN)) as srv:
        yield srv


@pytest.fixture
def client(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> RestliClient:
    # The library builds every URL from this module constant (read at call time): point it at the emulator.
    monkeypatch.setattr(linkedin_constants, "VERSIONED_BASE_URL", f"{server.base_url}/rest")
    return RestliClient()


@pytest.fixture
def resource(server: RunningServer) -> LinkedInAdsResource:
    return LinkedInAdsResource(
        base_url=server.base_url,
        api_version=VERSION,
        access_token=TOKEN,
        account_id=str(ACCOUNT),
        read_environment=False,
    )


def analytics_params(start: date, end: date, **facets: list[str]) -> dict[str, Any]:
    return {
        "pivot": "CAMPAIGN",
        "timeGranularity": "DAILY",
        "dateRange": {
            "start": {"year": start.year, "month": start.month, "day": start.day},
            "end": {"year": end.year, "month": end.month, "day": end.day},
        },
        **(facets or {"accounts": [f"urn:li:sponsoredAccount:{ACCOUNT}"]}),
        # The library leaves ``fields`` unencoded (Rest.li 1.0 projection syntax), as LinkedIn requires.
        "fields": ",".join(ANALYTICS_FIELDS),
    }


def test_ad_account_get(client: RestliClient, resource: LinkedInAdsResource) -> None:
    response = client.get(
        resource_path="/adAccounts/{id}", path_keys={"id": ACCOUNT}, access_token=TOKEN, version_string=VERSION
    )
    assert response.status_code == 200
    assert (response.entity["id"], response.entity["currency"], response.entity["status"]) == (ACCOUNT, "EUR", "ACTIVE")
    assert resource.account_info().currency == response.entity["currency"]


def test_campaign_search_finder_pages_with_tokens(client: RestliClient, resource: LinkedInAdsResource) -> None:
    seen: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"pageSize": 100, **({"pageToken": token} if token else {})}
        response = client.finder(
            resource_path="/adAccounts/{id}/adCampaigns",
            path_keys={"id": ACCOUNT},
            finder_name="search",
            query_params=params,
            access_token=TOKEN,
            version_string=VERSION,
        )
        assert response.status_code == 200, response.entity if hasattr(response, "entity") else response
        pages += 1
        seen.extend(response.elements)
        # CollectionResponse.metadata is always None in linkedin-api-client 0.3 (it getattr()s a dict), so
        # the page token is read from the body, as the library's own docs example does.
        token = response.response.json().get("metadata", {}).get("nextPageToken")
        if not token:
            break
    assert pages == 3
    assert [c["id"] for c in seen] == [1000 + i for i in range(N_CAMPAIGNS)]
    assert {c["account"] for c in seen} == {f"urn:li:sponsoredAccount:{ACCOUNT}"}
    assert [c["id"] for c in resource.campaigns()] == [c["id"] for c in seen]


def test_campaign_search_with_a_status_criterion(client: RestliClient) -> None:
    response = client.finder(
        resource_path="/adAccounts/{id}/adCampaigns",
        path_keys={"id": ACCOUNT},
        finder_name="search",
        query_params={"pageSize": 1000, "search": {"status": {"values": ["PAUSED"]}}},
        access_token=TOKEN,
        version_string=VERSION,
    )
    assert response.status_code == 200
    assert [c["id"] for c in response.elements] == [1000 + i for i in range(0, N_CAMPAIGNS, 3)]


def test_analytics_finder_reads_like_the_project(client: RestliClient, resource: LinkedInAdsResource) -> None:
    response = client.finder(
        resource_path="/adAnalytics",
        finder_name="analytics",
        query_params=analytics_params(date(2024, 1, 1), date(2024, 1, 3)),
        access_token=TOKEN,
        version_string=VERSION,
    )
    assert response.status_code == 200
    rows = [parse_analytics_element(element) for element in response.elements]
    # Costs are rounded to 1e-9 where they enter (float noise such as 3.4e-14 is LinkedIn's, not spend).
    assert rows == [
        AdDailyRow("linkedin", date(2024, 1, 2), "1000", 13468, 242, Decimal("107.53"), 4.0, 23),
        AdDailyRow("linkedin", date(2024, 1, 2), "1001", 1000, 20, Decimal("0.47"), 0.0, 2),
        AdDailyRow("linkedin", date(2024, 1, 3), "1000", 500, 5, Decimal("10"), 1.0, 0),
    ]
    assert resource.daily_analytics(date(2024, 1, 1), date(2024, 1, 3)) == rows


def test_long_finder_is_tunnelled_and_answered_the_same(client: RestliClient, server: RunningServer) -> None:
    # 300 campaign URNs make a query string over the library's 4,000-character limit, so it tunnels the
    # finder as a POST with X-HTTP-Method-Override: GET and the query in a form body.
    facet = [f"urn:li:sponsoredCampaign:{1000 + i}" for i in range(N_CAMPAIGNS)] + [
        f"urn:li:sponsoredCampaign:{9000 + i}" for i in range(70)
    ]
    capture = HttpCapture().attach(client.session)
    response = client.finder(
        resource_path="/adAnalytics",
        finder_name="analytics",
        query_params=analytics_params(date(2024, 1, 1), date(2024, 1, 3), campaigns=facet),
        access_token=TOKEN,
        version_string=VERSION,
    )
    (exchange,) = capture.exchanges
    assert exchange.method == "POST"
    assert "campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1000," in exchange.request_body
    assert response.status_code == 200
    assert [(e["pivotValues"], e["impressions"]) for e in response.elements] == [
        (["urn:li:sponsoredCampaign:1000"], 13468),
        (["urn:li:sponsoredCampaign:1001"], 1000),
        (["urn:li:sponsoredCampaign:1000"], 500),
    ]


def test_errors_reach_the_library_in_linkedin_shape(client: RestliClient, server: RunningServer) -> None:
    refused = client.get(
        resource_path="/adAccounts/{id}", path_keys={"id": ACCOUNT}, access_token="wrong", version_string=VERSION
    )
    assert refused.status_code == 401
    assert refused.entity == {
        "status": 401,
        "serviceErrorCode": 65600,
        "code": "INVALID_ACCESS_TOKEN",
        "message": "Invalid access token",
    }
    malformed = client.finder(
        resource_path="/adAnalytics",
        finder_name="analytics",
        query_params={**analytics_params(date(2024, 1, 1), date(2024, 1, 3)), "pivot": "NOT_A_PIVOT"},
        access_token=TOKEN,
        version_string=VERSION,
    )
    assert malformed.status_code == 400
    body = malformed.response.json()
    assert (body["status"], body["code"], body["serviceErrorCode"]) == (400, "ILLEGAL_ARGUMENT", 100)
