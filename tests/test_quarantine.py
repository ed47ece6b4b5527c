"""Poison records: the strict readers, each source's parse boundary, and the HubSpot mirror's quarantine.

A record that cannot be read (an impossible date, a number out of range, NaN, Infinity) is kept aside with
its source, id, field and raw value, left out of the mirror, and back in once a sync reads it fixed; with
``bad_records: stop`` the sync stops on it before writing. Good records parse exactly as before.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from assets.hubspot_mirror import HubSpotMirror
from emulators.hubspot import HubSpotEmulator
from emulators.server import serve_in_thread
from resources.ga4 import GA4Resource, parse_report
from resources.google_ads import parse_rows
from resources.hubspot import HubSpotResource, parse_page
from resources.quarantine import (
    BadRecordsError,
    QuarantinedRecord,
    read_count,
    read_decimal,
    read_instant_ms,
    read_number,
    replace_quarantined,
)
from resources.source_identity import reset_source
from resources.warehouse import (
    WarehouseResource,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
    quarantined_records,
)
from settings import DEFAULT_STAGES
from tests.conftest import FakeClock
from tests.factories import PIPELINES, contact, deal, meeting

MS_2024 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)


# --- the readers -----------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-01T00:00:00.000Z", MS_2024),
        ("2024-01-01", MS_2024),
        (str(MS_2024), MS_2024),
        (MS_2024, MS_2024),
        ("1970-01-01T00:00:00Z", 0),
        ("2199-12-31", int(datetime(2199, 12, 31, tzinfo=UTC).timestamp() * 1000)),
        (None, None),
        ("", None),
    ],
    ids=["iso", "date-only", "epoch-text", "epoch-number", "epoch-zero", "last-day", "none", "blank"],
)
def test_an_instant_from_1970_to_2199_is_read(raw: object, expected: int | None):
    assert read_instant_ms(raw) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("2024-13-45", "is not a date"),
        ("yesterday", "is not a date"),
        ("-86400000", "is before 1970"),
        (-1, "is before 1970"),
        ("1969-07-20", "is before 1970"),
        ("2200-01-01", "is after 2199"),
        ("99999999999999999999", "is after 2199"),
        (True, "is not a date"),
    ],
    ids=[
        "month-13",
        "yesterday",
        "negative-epoch-text",
        "negative-epoch-number",
        "before-1970",
        "year-2200",
        "epoch-past-2199",
        "boolean",
    ],
)
def test_an_impossible_instant_says_what_is_wrong(raw: object, problem: str):
    with pytest.raises(ValueError) as caught:
        read_instant_ms(raw)
    assert str(caught.value) == problem


@pytest.mark.unit
def test_numbers_are_finite_and_in_range_or_refused():
    assert read_decimal("107.5300000000000335346") == Decimal("107.5300000000000335346")
    assert read_decimal(1_000_000_000_000_000) == Decimal(10**15)
    assert read_decimal("-1e18") == Decimal("-1e18")
    assert read_decimal(" ") is None and read_number(None) is None
    assert read_number("0.25") == 0.25
    for raw, problem in [
        ("1e400", "is out of range (beyond ±10^18)"),
        ("1.000000000000000001e18", "is out of range (beyond ±10^18)"),
        ("NaN", "is not a finite number"),
        ("Infinity", "is not a finite number"),
        (float("inf"), "is not a finite number"),
        (float("nan"), "is not a finite number"),
        ("12,5", "is not a number"),
        (True, "is not a number"),
    ]:
        with pytest.raises(ValueError) as caught:
            read_decimal(raw)
        assert str(caught.value) == problem, raw
    assert read_count("12") == 12 and read_count(12.0) == 12 and read_count(2**63 - 1) == 2**63 - 1
    # Plain digits (the usual case) read as the general path reads them, up to the range's edge.
    for digits in ("0", "007", "999999999999999999", str(2**63 - 1), " 12 ", "12.0"):
        assert read_count(digits) == int(digits.strip().split(".")[0]), digits
    for raw, problem in [
        (str(2**63), "is out of range (beyond 2^63)"),
        ("99999999999999999999", "is out of range (beyond 2^63)"),
        ("²", "is not a number"),  # a digit to str.isdigit, not to a count
        ("", "is missing"),
        (None, "is missing"),
        (1e30, "is out of range (beyond 2^63)"),
        (float("nan"), "is not a finite number"),
        (-1, "is negative"),
        ("2.5", "is not a whole number"),
        (False, "is not a number"),
    ]:
        with pytest.raises(ValueError) as caught:
            read_count(raw)
        assert str(caught.value) == problem, raw


# --- each source's parse boundary ------------------------------------------------------------------------


@pytest.mark.unit
def test_a_hubspot_page_splits_into_good_records_and_quarantined_ones():
    page = [
        deal(90, "2024-01-03T00:00:00Z", amount="12000"),
        deal(91, "2024-01-03T00:00:00Z", amount="1e400"),
        deal(92, "2024-01-03T00:00:00Z", close="2024-13-45"),
        deal(93, "2024-01-03T00:00:00Z", hs_deal_stage_probability="NaN"),
        deal(94, "-5"),
    ]
    page[4]["createdAt"] = "-5"
    parsed = parse_page("deals", page, [])
    assert [record.deal_id for record in parsed] == ["90"]
    assert parsed[0].amount == "12000" and parsed[0].created_at_ms == MS_2024 + 2 * 86_400_000
    assert [record.describe() for record in parsed.quarantined] == [
        "deal 91: amount '1e400' is out of range (beyond ±10^18)",
        "deal 92: closedate '2024-13-45' is not a date",
        "deal 93: hs_deal_stage_probability 'NaN' is not a finite number",
        "deal 94: createdate '-5' is before 1970",
    ]
    contacts = parse_page(
        "contacts",
        [contact(5, "2024-01-09T10:00:00Z", hs_v2_date_entered_lead="yesterday")],
        ["hs_v2_date_entered_lead"],
    )
    assert list(contacts) == []
    assert contacts.quarantined == [
        QuarantinedRecord("hubspot", "contact", "5", "hs_v2_date_entered_lead", "'yesterday'", "is not a date")
    ]
    meetings = parse_page("meetings", [meeting(7, "2024-13-45T00:00:00Z")], [])
    assert [record.describe() for record in meetings.quarantined] == [
        "meeting 7: hs_createdate '2024-13-45T00:00:00Z' is not a date"
    ]


@pytest.mark.unit
def test_a_google_ads_row_with_nan_conversions_is_quarantined_and_missing_metrics_are_zero():
    rows = [
        {"campaign": {"id": "7"}, "segments": {"date": "2024-01-03"}, "metrics": {"costMicros": "2500000"}},
        {"campaign": {"id": "8"}, "segments": {"date": "2024-01-03"}, "metrics": {"conversions": math.nan}},
        {"campaign": {"id": "9"}, "segments": {"date": "2024-02-30"}, "metrics": {}},
    ]
    parsed = parse_rows(rows)
    assert [(r.campaign_id, r.impressions, r.clicks, r.cost, r.conversions) for r in parsed] == [
        ("7", 0, 0, Decimal("2.5"), 0.0)
    ]
    assert [(r.record_id, r.record_date, r.describe()) for r in parsed.quarantined] == [
        ("8 on 2024-01-03", date(2024, 1, 3), "campaign 8 on 2024-01-03: conversions NaN is not a finite number"),
        ("9 on 2024-02-30", None, "campaign 9 on 2024-02-30: segments.date '2024-02-30' is not a date"),
    ]


@pytest.mark.unit
def test_a_ga4_row_with_a_metric_out_of_range_is_quarantined_and_the_others_kept():
    def row(day: str, sessions: str) -> dict[str, Any]:
        return {
            "dimensionValues": [{"value": day}, {"value": "Organic Search"}],
            "metricValues": [{"value": sessions}, {"value": "1.5"}],
        }

    payload = {
        "dimensionHeaders": [{"name": "date"}, {"name": "sessionDefaultChannelGroup"}],
        "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"}, {"name": "keyEvents", "type": "TYPE_FLOAT"}],
        "rows": [row("20240102", "12"), row("20240103", "1e30"), row("20241345", "3")],
    }
    report = parse_report(payload)
    assert report.rows == [
        {"date": "20240102", "sessionDefaultChannelGroup": "Organic Search", "sessions": 12, "keyEvents": 1.5}
    ]
    assert [(r.record_type, r.record_date, r.describe()) for r in report.quarantined] == [
        (
            "ga4_day",
            date(2024, 1, 3),
            "GA4 day 20240103 / Organic Search: sessions '1e30' is out of range (beyond 2^63)",
        ),
        ("ga4_day", None, "GA4 day 20241345 / Organic Search: date '20241345' is not a date"),
    ]


@pytest.mark.unit
def test_a_ga4_week_row_that_cannot_be_read_gives_that_slice_no_row_never_zero_users():
    def row(week: str, users: str) -> dict[str, Any]:
        return {
            "dimensionValues": [{"value": "Organic Search"}, {"value": week}],
            "metricValues": [{"value": users}, {"value": "4"}, {"value": "61.5"}],
        }

    payload = {
        "dimensionHeaders": [{"name": "sessionDefaultChannelGroup"}, {"name": "dateRange"}],
        "metricHeaders": [
            {"name": "totalUsers", "type": "TYPE_INTEGER"},
            {"name": "newUsers", "type": "TYPE_INTEGER"},
            {"name": "averageSessionDuration", "type": "TYPE_SECONDS"},
        ],
        "rows": [row("2024-01-01", "10"), row("2024-01-08", "NaN")],
    }
    weeks = [date(2024, 1, 1), date(2024, 1, 8)]
    slices = GA4Resource._week_rows(parse_report(payload, "ga4_week"), None, {"Organic": "Organic Search"}, weeks)
    assert [(s.week_start, s.slice, s.users, s.new_users, s.avg_session_duration_s) for s in slices] == [
        (date(2024, 1, 1), "Organic", 10, 4, 61.5)
    ]
    assert [r.describe() for r in slices.quarantined] == [
        "GA4 week Organic in the week of 2024-01-08: totalUsers 'NaN' is not a finite number"
    ]


# --- the HubSpot mirror ----------------------------------------------------------------------------------


def _fixture() -> dict[str, Any]:
    return {
        "contacts": [
            contact(
                1,
                "2024-01-01T10:00:00Z",
                stage="lead",
                modified="2024-02-29T00:00:00Z",
                hs_v2_date_entered_lead="2024-01-02T10:00:00Z",
            ),
            contact(5, "2024-01-09T10:00:00Z", stage="lead", hs_v2_date_entered_lead="yesterday"),
        ],
        "deals": [
            deal(90, "2024-01-10T00:00:00Z", amount="12000.50", contacts=["1"], modified="2024-02-29T00:00:00Z"),
            deal(92, "2024-01-10T00:00:00Z", amount="1e400", contacts=["1"]),
        ],
        "meetings": [meeting(7, "2024-01-12T00:00:00Z")],
        "pipelines": PIPELINES,
    }


def _ids(warehouse: WarehouseResource, table: sa.Table) -> list[str]:
    with warehouse.engine.connect() as conn:
        return sorted(str(row[0]) for row in conn.execute(sa.select(table.c[table.primary_key.columns[0].name])))


def _quarantine(warehouse: WarehouseResource) -> list[tuple[str, ...]]:
    table = quarantined_records
    columns = (table.c.record_type, table.c.record_id, table.c.field, table.c.raw_value, table.c.problem)
    with warehouse.engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(sa.select(*columns)))


def _sync(
    url: str, clock: FakeClock, warehouse: WarehouseResource, now: str, force_full: bool = False, **options: Any
) -> Any:
    now_ms = read_instant_ms(now)
    assert now_ms is not None
    hubspot = HubSpotResource(access_token="t", base_url=url).with_clock(clock=clock, sleeper=clock.sleep)
    mirror = HubSpotMirror(hubspot, warehouse, stages=DEFAULT_STAGES, now_ms=now_ms, log=lambda _: None, **options)
    return mirror.run(force_full=force_full)


def test_the_mirror_quarantines_a_record_until_a_sync_reads_it_fixed(warehouse_url: str):
    clock = FakeClock()
    app = HubSpotEmulator(_fixture(), clock=clock)
    warehouse = WarehouseResource(url=warehouse_url)
    try:
        with serve_in_thread(app) as server:
            report = _sync(server.base_url, clock, warehouse, "2024-03-01T00:00:00Z")
            assert {name: s.quarantined for name, s in report.streams.items()} == {
                "contacts": 1,
                "deals": 1,
                "meetings": 0,
            }
            assert _ids(warehouse, hubspot_contacts) == ["1"] and _ids(warehouse, hubspot_deals) == ["90"]
            assert _quarantine(warehouse) == [
                ("contact", "5", "hs_v2_date_entered_lead", "'yesterday'", "is not a date"),
                ("deal", "92", "amount", "'1e400'", "is out of range (beyond ±10^18)"),
            ]
            # Deal 90 is edited into an impossible close date: it leaves the mirror with its contacts.
            app.upsert_record(
                "deals",
                deal(90, "2024-01-10T00:00:00Z", close="2024-13-45", contacts=["1"], modified="2024-03-02T00:00:00Z"),
            )
            report = _sync(server.base_url, clock, warehouse, "2024-03-02T12:00:00Z")
            assert report.streams["deals"].mode == "incremental"
            assert _ids(warehouse, hubspot_deals) == [] and _ids(warehouse, hubspot_deal_contacts) == []
            assert ("deal", "90", "closedate", "'2024-13-45'", "is not a date") in _quarantine(warehouse)
            # Fixed: back in the mirror with its contact, out of quarantine; deal 92 was not read again.
            app.upsert_record(
                "deals",
                deal(90, "2024-01-10T00:00:00Z", amount="12000.50", contacts=["1"], modified="2024-03-03T00:00:00Z"),
            )
            _sync(server.base_url, clock, warehouse, "2024-03-03T12:00:00Z")
            assert _ids(warehouse, hubspot_deals) == ["90"] and _ids(warehouse, hubspot_deal_contacts) == ["90"]
            assert [row[:2] for row in _quarantine(warehouse)] == [("contact", "5"), ("deal", "92")]
            # The full pass reads everything: fixed records leave quarantine.
            app.upsert_record(
                "contacts", contact(5, "2024-01-09T10:00:00Z", stage="lead", modified="2024-03-04T00:00:00Z")
            )
            app.upsert_record("deals", deal(92, "2024-01-10T00:00:00Z", amount="5", modified="2024-03-04T00:00:00Z"))
            report = _sync(server.base_url, clock, warehouse, "2024-03-09T00:00:00Z", force_full=True)
            assert report.streams["deals"].mode == "full"
            assert _quarantine(warehouse) == []
            assert _ids(warehouse, hubspot_contacts) == ["1", "5"] and _ids(warehouse, hubspot_deals) == ["90", "92"]
            assert report.streams["deals"].marked_deleted == 0
    finally:
        warehouse.dispose()


def test_with_bad_records_stop_the_sync_stops_before_writing_the_type(warehouse_url: str):
    clock = FakeClock()
    warehouse = WarehouseResource(url=warehouse_url)
    try:
        with (
            serve_in_thread(HubSpotEmulator(_fixture(), clock=clock)) as server,
            pytest.raises(BadRecordsError) as caught,
        ):
            _sync(server.base_url, clock, warehouse, "2024-03-01T00:00:00Z", stop_on_bad_records=True)
        assert str(caught.value) == (
            "HubSpot sent 1 record that cannot be read: contact 5: hs_v2_date_entered_lead 'yesterday' is not a "
            "date. Nothing of them was written: fix them in HubSpot, or set `bad_records: quarantine` to leave such "
            "records out of the numbers and name them on the Insights tab"
        )
        assert _ids(warehouse, hubspot_contacts) == [] and _ids(warehouse, hubspot_contact_stage_dates) == []
        assert _quarantine(warehouse) == []
    finally:
        warehouse.dispose()


def test_resetting_a_source_drops_its_quarantined_records_only(warehouse_url: str):
    warehouse = WarehouseResource(url=warehouse_url)
    records = [
        QuarantinedRecord("hubspot", "deal", "300", "amount", "'1e400'", "is out of range (beyond ±10^18)"),
        QuarantinedRecord("linkedin", "campaign_day", "111 on 2024-01-03", "costInLocalCurrency", "", "is missing"),
    ]
    try:
        with warehouse.engine.begin() as conn:
            for record in records:
                replace_quarantined(
                    conn, [record], source=record.source, record_types=[record.record_type], seen_at_ms=1
                )
        assert reset_source(warehouse, "hubspot", apply=True)["quarantined_records"] == 1
        assert _quarantine(warehouse) == [
            ("campaign_day", "111 on 2024-01-03", "costInLocalCurrency", "", "is missing")
        ]
    finally:
        warehouse.dispose()
