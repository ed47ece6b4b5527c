"""Poison records, end to end: a live run whose sources send records that cannot be read completes with
exactly a clean run's numbers, keeps each record in quarantine, names them on Insights once per source,
counts them in the run's metadata and fails the non-blocking check; ``bad_records: stop`` stops instead.

The records are added to the real answers in flight (``faults.rewrite``): HubSpot sends a deal amount of
``1e400``, a close date ``2024-13-45``, a stage date ``yesterday`` and a negative epoch; LinkedIn a cost of
Infinity and of ``"NaN"``, impressions of 1e30 and NaN and an element without its cost; Google Ads NaN
conversions; GA4 NaN sessions.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dagster import AssetCheckSeverity, AssetKey, DagsterEventType, DagsterInstance

from assets.hubspot import MIRROR_KEY
from assets.keys import GA4_DAILY_KEY, GOOGLE_ADS_KEY, LINKEDIN_KEY
from assets.weekly_kpis import KPIS_KEY
from emulators import faults as f
from tests.factories import contact, deal
from tests.test_reliability_support import LiveRun

pytestmark = pytest.mark.slow

HS_CONTACTS = r"^/crm/v3/objects/contacts(\?|$)"
HS_DEALS = r"^/crm/v3/objects/deals(\?|$)"
LI = r"^/rest/adAnalytics"
GADS = r"googleAds:search"
GA4_DAILY = r":runReport"
QUARANTINED = sorted(
    [
        ("hubspot", "contact", "302", "hs_v2_date_entered_lead", "'yesterday'", "is not a date"),
        ("hubspot", "contact", "303", "createdate", "'-5'", "is before 1970"),
        ("hubspot", "deal", "300", "amount", "'1e400'", "is out of range (beyond ±10^18)"),
        ("hubspot", "deal", "301", "closedate", "'2024-13-45'", "is not a date"),
        ("linkedin", "campaign_day", "111 on 2024-01-03", "costInLocalCurrency", "Infinity", "is not a finite number"),
        ("linkedin", "campaign_day", "112 on 2024-01-04", "impressions", "1e+30", "is out of range (beyond 2^63)"),
        ("linkedin", "campaign_day", "113 on 2024-01-05", "impressions", "NaN", "is not a finite number"),
        ("linkedin", "campaign_day", "114 on 2024-01-06", "costInLocalCurrency", "'NaN'", "is not a finite number"),
        ("linkedin", "campaign_day", "115 on 2024-01-07", "costInLocalCurrency", "", "is missing"),
        ("google_ads", "campaign_day", "8 on 2024-01-04", "conversions", "NaN", "is not a finite number"),
        ("ga4", "ga4_day", "20240104 / Organic Search", "sessions", "'NaN'", "is not a finite number"),
    ]
)


def _poison_contacts(answer: dict[str, Any]) -> dict[str, Any]:
    lead_yesterday = contact(302, "2024-01-03T10:00:00.000Z", stage="lead", hs_v2_date_entered_lead="yesterday")
    negative_epoch = contact(303, "-5", stage="lead")
    return {**answer, "results": [*answer.get("results", []), lead_yesterday, negative_epoch]}


def _poison_deals(answer: dict[str, Any]) -> dict[str, Any]:
    huge = deal(300, "2024-01-03T00:00:00.000Z", amount="1e400")
    impossible = deal(301, "2024-01-03T00:00:00.000Z", close="2024-13-45")
    return {**answer, "results": [*answer.get("results", []), huge, impossible]}


def _linkedin_element(campaign: int, day: int, **metrics: Any) -> dict[str, Any]:
    stamp = {"year": 2024, "month": 1, "day": day}
    element = {
        "dateRange": {"start": stamp, "end": stamp},
        "pivotValues": [f"urn:li:sponsoredCampaign:{campaign}"],
        "impressions": 100,
        "clicks": 1,
        "costInLocalCurrency": "5",
        **metrics,
    }
    return {name: value for name, value in element.items() if value is not None}


def _poison_linkedin(answer: dict[str, Any]) -> dict[str, Any]:
    poison = [
        _linkedin_element(111, 3, costInLocalCurrency=math.inf),  # the JSON literal Infinity
        _linkedin_element(112, 4, impressions=1e30),
        _linkedin_element(113, 5, impressions=math.nan),
        _linkedin_element(114, 6, costInLocalCurrency="NaN"),
        _linkedin_element(115, 7, costInLocalCurrency=None),
    ]
    return {**answer, "elements": [*answer.get("elements", []), *poison]}


def _poison_google_ads(answer: list[dict[str, Any]]) -> list[dict[str, Any]]:
    row = {
        "campaign": {"id": "8", "name": "Generic"},
        "customer": answer[0]["results"][0].get("customer"),
        "metrics": {"impressions": "10", "clicks": "1", "costMicros": "1000000", "conversions": math.nan},
        "segments": {"date": "2024-01-04"},
    }
    answer[0]["results"].append(row)
    return answer


def _poison_ga4(answer: dict[str, Any]) -> dict[str, Any]:
    row = copy.deepcopy(answer["rows"][0])
    row["dimensionValues"] = [{"value": "20240104"}, {"value": "Organic Search"}]
    row["metricValues"][0] = {"value": "NaN"}  # sessions
    return {**answer, "rows": [*answer["rows"], row]}


def _rules() -> dict[str, list[f.Rule]]:
    return {
        "hubspot": [f.rule(HS_CONTACTS, f.rewrite(_poison_contacts)), f.rule(HS_DEALS, f.rewrite(_poison_deals))],
        "linkedin": [f.rule(LI, f.rewrite(_poison_linkedin))],
        "google_ads": [f.rule(GADS, f.rewrite(_poison_google_ads))],
        "ga4": [f.rule(GA4_DAILY, f.rewrite(_poison_ga4))],
    }


def _quarantine(live: LiveRun) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(f"sqlite:///{live.data_dir / 'warehouse.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT source, record_type, record_id, field, raw_value, problem FROM quarantined_records")
            )
            return sorted(tuple(row) for row in rows)
    finally:
        engine.dispose()


def _latest_metadata(instance: DagsterInstance, key: list[str]) -> Any:
    event = instance.get_latest_materialization_event(AssetKey(key))
    assert event is not None and event.asset_materialization is not None
    return event.asset_materialization.metadata["records_quarantined"].value


@pytest.mark.parametrize("target", ["sheet", "xlsx"])
def test_poison_records_are_quarantined_named_and_left_out_of_the_numbers(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "clean").mkdir()
    (tmp_path / "poisoned").mkdir()
    clean = LiveRun(tmp_path / "clean", monkeypatch, target=target).start()
    try:
        code, err = clean.run(capsys)
        assert code == 0, err
        clean_warehouse, clean_tracker = clean.state()
    finally:
        clean.stop()

    poisoned = LiveRun(tmp_path / "poisoned", monkeypatch, target=target).start(_rules())
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    try:
        code, err = poisoned.run(capsys)
        assert code == 0, err
        assert "hubspot: quarantined deal 300: amount '1e400' is out of range" in err
        warehouse, tracker = poisoned.state()
        quarantine = _quarantine(poisoned)
        instance = DagsterInstance.get()
        counted = {
            name: _latest_metadata(instance, key)
            for name, key in (
                ("hubspot", MIRROR_KEY),
                ("linkedin", LINKEDIN_KEY),
                ("google_ads", GOOGLE_ADS_KEY),
                ("ga4", GA4_DAILY_KEY),
                ("kpis", KPIS_KEY),
            )
        }
        (run,) = instance.get_runs()
        checks = [
            entry.dagster_event.event_specific_data
            for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
            if entry.dagster_event is not None
        ]
    finally:
        poisoned.stop()

    assert quarantine == QUARANTINED
    assert counted == {"hubspot": 4, "linkedin": 5, "google_ads": 1, "ga4": 1, "kpis": 11}
    (check,) = [c for c in checks if c.check_name == "no_records_quarantined"]
    assert check.passed is False and check.severity == AssetCheckSeverity.WARN
    assert check.metadata["by_source"].value == {"ga4": 1, "google_ads": 1, "hubspot": 4, "linkedin": 5}

    # Left out of the numbers: every table and tab as a clean run leaves it, but the quarantine and its notes.
    assert {
        name: rows for name, rows in warehouse.items() if name not in ("quarantined_records", "weekly_insights")
    } == {
        name: rows for name, rows in clean_warehouse.items() if name not in ("quarantined_records", "weekly_insights")
    }
    assert tracker["Tracker"] == clean_tracker["Tracker"]
    assert tracker["Snapshots"] == clean_tracker["Snapshots"]
    header, *notes = tracker["Insights"]
    assert header == clean_tracker["Insights"][0]
    flag = header.index("flag")
    added = [row for row in notes if row[flag] == "records_quarantined"]
    assert sorted(map(repr, (row for row in notes if row[flag] != "records_quarantined"))) == sorted(
        map(repr, clean_tracker["Insights"][1:])
    )
    # Once per source, on the run's latest week, each record named.
    by_source = {row[header.index("source")]: row for row in added}
    assert sorted(by_source) == ["ga4", "google_ads", "hubspot", "linkedin"]
    assert {row[0] for row in added} == {"2024-01-08"}
    assert by_source["hubspot"][header.index("detail")] == (
        "HubSpot sent 4 records that cannot be read, left out of the numbers: contact 302 "
        "(hs_v2_date_entered_lead 'yesterday' is not a date); contact 303 (createdate '-5' is before 1970); deal "
        "300 (amount '1e400' is out of range (beyond ±10^18)); deal 301 (closedate '2024-13-45' is not a date). "
        "They count nowhere until they are fixed in HubSpot (the next run reads a fixed record again)."
    )
    assert by_source["google_ads"][header.index("detail")] == (
        "Google Ads sent 1 record that cannot be read, left out of the numbers: campaign 8 on 2024-01-04 "
        "(conversions NaN is not a finite number). Its spend, impressions and clicks count 0 until Google Ads "
        "reports it readable."
    )
    assert "campaign 111 on 2024-01-03 (costInLocalCurrency Infinity is not a finite number)" in str(
        by_source["linkedin"][header.index("detail")]
    )
    assert float(str(by_source["linkedin"][header.index("value")])) == 5


def test_with_bad_records_stop_a_poison_record_stops_the_run_before_the_tracker_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    live = LiveRun(tmp_path, monkeypatch).start({"hubspot": [f.rule(HS_DEALS, f.rewrite(_poison_deals))]})
    config = tmp_path / "funnel-ledger.yaml"
    config.write_text("bad_records: stop\n", encoding="utf-8")
    monkeypatch.setenv("FUNNEL_LEDGER_CONFIG", str(config))
    try:
        before = live.tracker()
        code, err = live.run(capsys)
        assert code == 1
        assert (
            "funnel-ledger: HubSpot sent 2 records that cannot be read: deal 300: amount '1e400' is out of range "
            "(beyond ±10^18); deal 301: closedate '2024-13-45' is not a date. Nothing of them was written: fix them "
            "in HubSpot, or set `bad_records: quarantine` to leave such records out of the numbers and name them on "
            "the Insights tab\n"
        ) in err
        assert "Traceback" not in err
        assert live.tracker() == before
        assert _quarantine(live) == []
    finally:
        live.stop()
