"""Recorded responses from public test suites, run through the project's own parsers.

The files under ``tests/conformance/recorded`` come from Airbyte's LinkedIn Ads, HubSpot and GA4
connectors (sources, commits, licences and any excerpting in the README there). Each is read by the
function the pipeline reads that API with (``parse_analytics_element``, ``parse_contact``,
``parse_deal``, ``parse_meeting``, ``parse_report``), or served over HTTP to the resource itself, and
the typed records are checked field by field against values read off the recording by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.wrappers import Request, Response

from emulators.server import serve_in_thread
from resources.ga4 import parse_report
from resources.hubspot import parse_contact, parse_deal, parse_meeting
from resources.linkedin_ads import LinkedInAdsResource, parse_analytics_element

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

RECORDED = Path(__file__).parent / "recorded" / "airbyte"


def load_json(relative: str) -> Any:
    return json.loads((RECORDED / relative).read_text(encoding="utf-8"))


def load_records(relative: str, stream: str) -> list[dict[str, Any]]:
    lines = (RECORDED / relative).read_text(encoding="utf-8").splitlines()
    return [record["data"] for record in map(json.loads, lines) if record["stream"] == stream]


def ms(*parts: int) -> int:
    """Epoch milliseconds of a UTC instant given as (year, month, day, hour, minute, second, millisecond)."""
    *civil, millis = parts
    return int(datetime(*civil, tzinfo=UTC).timestamp()) * 1000 + millis


class ReplayApp:
    """Answers each path with a recorded JSON body, whatever the query (the recording fixed the answer)."""

    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies = bodies
        self.paths: list[str] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        self.paths.append(request.path)
        body = self.bodies.get(request.path)
        status = 200 if body is not None else 404
        payload = json.dumps(body if body is not None else {"status": 404, "message": "not recorded"})
        return Response(payload, status=status, content_type="application/json")(environ, start_response)


def airbyte_analytics_element(record: dict[str, Any]) -> dict[str, Any]:
    """The API element an Airbyte ``ad_campaign_analytics`` record came from: Airbyte replaces the element's
    ``dateRange`` with ``start_date``/``end_date``; every other field is the element's own."""
    start, end = (date.fromisoformat(record[key]) for key in ("start_date", "end_date"))
    element = {k: v for k, v in record.items() if k not in ("start_date", "end_date")}
    element["dateRange"] = {
        "start": {"year": start.year, "month": start.month, "day": start.day},
        "end": {"year": end.year, "month": end.month, "day": end.day},
    }
    return element


# ------------------------------------------------------------------ LinkedIn Ads (Airbyte, MIT)


@pytest.fixture
def linkedin_account_server() -> Iterator[str]:
    account = next(iter(load_records("source-linkedin-ads/expected_records.excerpt.jsonl", "accounts")))
    with serve_in_thread(ReplayApp({"/rest/adAccounts/508720451": account})) as srv:
        yield srv.base_url


def test_linkedin_real_ad_account_gives_its_currency(linkedin_account_server: str) -> None:
    resource = LinkedInAdsResource(
        base_url=linkedin_account_server, access_token="recorded", account_id="508720451", read_environment=False
    )
    assert resource.account_info().currency == "USD"


@pytest.mark.unit
def test_linkedin_real_analytics_element_with_spend() -> None:
    records = load_records("source-linkedin-ads/expected_records.excerpt.jsonl", "ad_campaign_analytics")
    row = parse_analytics_element(airbyte_analytics_element(records[1]))
    assert (row.platform, row.date, row.campaign_id) == ("linkedin", date(2023, 8, 25), "252074216")
    assert (row.impressions, row.clicks, row.conversions, row.platform_leads) == (19464, 106, 0.0, 0)
    # Recorded as 99.99999999999996: the spend is 100 within float noise, whatever rounding is applied.
    assert abs(row.cost - Decimal(100)) < Decimal("1e-9")


@pytest.mark.unit
def test_linkedin_real_zero_day_counts() -> None:
    records = load_records("source-linkedin-ads/expected_records.excerpt.jsonl", "ad_campaign_analytics")
    row = parse_analytics_element(airbyte_analytics_element(records[0]))
    assert (row.date, row.campaign_id, row.impressions, row.clicks, row.platform_leads) == (
        date(2023, 8, 26),
        "252074216",
        1,
        0,
        0,
    )


@pytest.mark.unit
def test_linkedin_real_float_noise_spend_reads_as_zero() -> None:
    records = load_records("source-linkedin-ads/expected_records.excerpt.jsonl", "ad_campaign_analytics")
    row = parse_analytics_element(airbyte_analytics_element(records[0]))
    assert records[0]["costInLocalCurrency"] == -2e-18
    assert row.cost == 0


@pytest.mark.unit
def test_linkedin_analytics_without_local_cost_is_refused() -> None:
    """Airbyte's unit-test response carries ``costInUsd`` but not the ``costInLocalCurrency`` the pipeline reads."""
    elements = load_json("source-linkedin-ads/ad_campaign_analytics_response_1.json")["elements"]
    assert all("costInLocalCurrency" not in e for e in elements)
    with pytest.raises(Exception, match=r"costInLocalCurrency") as refused:
        parse_analytics_element(elements[0])
    assert "1111" in str(refused.value)


# ------------------------------------------------------------------ HubSpot (Airbyte, ELv2)

STAGE_DATE_PROPERTIES = (
    "hs_date_entered_subscriber",
    "hs_lifecyclestage_subscriber_date",
    "hs_lifecyclestage_lead_date",
)


@pytest.mark.unit
def test_hubspot_real_contact() -> None:
    (raw,) = load_records("source-hubspot/expected_records.excerpt.jsonl", "contacts")
    contact = parse_contact(raw, STAGE_DATE_PROPERTIES)
    entered = ms(2021, 2, 22, 14, 5, 9, 944)
    assert contact.contact_id == "251"
    assert (contact.created_at_ms, contact.updated_at_ms) == (entered, ms(2023, 3, 21, 19, 29, 13, 36))
    assert (contact.lifecyclestage, contact.analytics_source, contact.analytics_source_data_1) == (
        "subscriber",
        "OFFLINE",
        "API",
    )
    # A null stage date is absent, not a zero date.
    assert contact.stage_dates_ms == {
        "hs_date_entered_subscriber": entered,
        "hs_lifecyclestage_subscriber_date": entered,
    }
    assert contact.archived is False


@pytest.mark.unit
def test_hubspot_real_deals_with_typed_values() -> None:
    first, second = (parse_deal(raw) for raw in load_records("source-hubspot/expected_records.excerpt.jsonl", "deals"))
    # Airbyte's records carry numbers and booleans as JSON numbers and booleans, not HubSpot's strings.
    assert (first.deal_id, first.amount, first.amount_in_home_currency, first.mrr) == ("4280411910", "6", "6", "0.0")
    assert (first.is_closed, first.is_closed_won, first.deal_stage_probability) == (True, True, 0.2)
    assert (first.pipeline, first.dealstage, first.currency_code) == ("default", "appointmentscheduled", None)
    assert first.close_date_ms == ms(2014, 8, 31, 0, 0, 0, 0)
    assert (first.created_at_ms, first.updated_at_ms) == (
        ms(2021, 2, 22, 14, 1, 11, 762),
        ms(2023, 4, 4, 21, 28, 37, 824),
    )
    assert (first.analytics_source, first.contact_ids) == (None, None)
    assert (second.deal_id, second.amount, second.close_date_ms) == (
        "4315375411",
        "10",
        ms(2021, 2, 28, 20, 20, 10, 826),
    )
    # An empty source string means no source.
    assert (second.analytics_source, second.analytics_source_data_1) == (None, None)


@pytest.mark.unit
def test_hubspot_unit_test_pages() -> None:
    (contact,) = (parse_contact(r, ()) for r in load_json("source-hubspot/contacts.json")["results"])
    (deal,) = (parse_deal(r) for r in load_json("source-hubspot/deals.json")["results"])
    (meeting,) = (parse_meeting(r) for r in load_json("source-hubspot/engagements_meetings.json")["results"])
    created, updated = ms(2021, 2, 23, 20, 8, 49, 603), ms(2021, 2, 23, 20, 8, 53, 371)
    # createdate with microseconds and an offset reads as the same instant as createdAt.
    assert (contact.contact_id, contact.created_at_ms, contact.updated_at_ms) == ("312929580", created, updated)
    assert (deal.deal_id, deal.created_at_ms, deal.updated_at_ms, deal.amount, deal.contact_ids) == (
        "312929580",
        created,
        updated,
        None,
        None,  # Airbyte's top-level "contacts" list is not HubSpot's associations object
    )
    # A meeting without hs_createdate / hs_lastmodifieddate falls back to createdAt / updatedAt.
    assert (meeting.meeting_id, meeting.created_at_ms, meeting.updated_at_ms, meeting.outcome) == (
        "312929682",
        created,
        updated,
        None,
    )


# ------------------------------------------------------------------ GA4 (Airbyte, ELv2)


@pytest.mark.unit
def test_ga4_recorded_report_types_metrics_by_header() -> None:
    report = parse_report(load_json("source-google-analytics-data-api/test_parse_response.json"))
    assert (report.metadata.time_zone, report.metadata.currency) == ("America/Los_Angeles", "USD")
    assert not (report.metadata.sampled or report.metadata.subject_to_thresholding)
    # The typed values Airbyte's own parser expects from the same response (its test's expected_data).
    assert report.rows == [
        {
            "date": "20220731",
            "deviceCategory": "desktop",
            "operatingSystem": "Macintosh",
            "browser": "Chrome",
            "totalUsers": 344,
            "newUsers": 169,
            "sessions": 420,
            "sessionsPerUser": 1.2209302325581395,
            "averageSessionDuration": 194.76313766428572,
            "screenPageViews": 614,
            "screenPageViewsPerSession": 1.4619047619047618,
            "bounceRate": 0.47857142857142859,
        },
        {
            "date": "20220731",
            "deviceCategory": "desktop",
            "operatingSystem": "Windows",
            "browser": "Chrome",
            "totalUsers": 322,
            "newUsers": 211,
            "sessions": 387,
            "sessionsPerUser": 1.2018633540372672,
            "averageSessionDuration": 249.21595714211884,
            "screenPageViews": 669,
            "screenPageViewsPerSession": 1.7286821705426356,
            "bounceRate": 0.42377260981912146,
        },
    ]
    assert all(isinstance(row["sessions"], int) and isinstance(row["bounceRate"], float) for row in report.rows)
