"""The Insights note for quarantined records (once per source, each record named) and the tracker's last
guard against NaN and Infinity: pure functions, numbers and wording checked by hand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from assets.kpi_checks import quarantined_by_source
from assets.kpi_math.insights import LISTED_RECORDS, quarantine_insights
from resources.tracker import TrackerResource
from sheets_sync.finite import NonFiniteCellError, non_finite_cells
from sheets_sync.update import TrackerUpdate, UpdateSummary

pytestmark = pytest.mark.unit

WEEKS = [date(2024, 1, 1), date(2024, 1, 8)]
COLUMNS = ["source", "record_type", "record_id", "field", "raw_value", "problem"]


def _frame(*rows: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


def test_one_note_per_source_on_the_latest_week_naming_each_record():
    frame = _frame(
        ("hubspot", "deal", "301", "closedate", "'2024-13-45'", "is not a date"),
        ("hubspot", "contact", "302", "hs_v2_date_entered_lead", "'yesterday'", "is not a date"),
        ("linkedin", "campaign_day", "115 on 2024-01-07", "costInLocalCurrency", "", "is missing"),
        ("ga4", "ga4_day", "20240104 / Organic Search", "sessions", "'NaN'", "is not a finite number"),
    )
    notes = quarantine_insights(frame, WEEKS, sources={"hubspot", "linkedin"})
    assert [(n.week_start, n.source, n.flag, n.value) for n in notes] == [
        (date(2024, 1, 8), "hubspot", "records_quarantined", 2.0),
        (date(2024, 1, 8), "linkedin", "records_quarantined", 1.0),
    ]
    assert notes[0].detail == (
        "HubSpot sent 2 records that cannot be read, left out of the numbers: contact 302 (hs_v2_date_entered_lead "
        "'yesterday' is not a date); deal 301 (closedate '2024-13-45' is not a date). They count nowhere until they "
        "are fixed in HubSpot (the next run reads a fixed record again)."
    )
    assert notes[1].detail == (
        "LinkedIn Ads sent 1 record that cannot be read, left out of the numbers: campaign 115 on 2024-01-07 "
        "(costInLocalCurrency is missing). Its spend, impressions and clicks count 0 until LinkedIn reports it "
        "readable."
    )


def test_past_the_listed_records_the_note_counts_the_rest():
    frame = _frame(*(("hubspot", "deal", str(100 + i), "amount", "'NaN'", "is not a finite number") for i in range(8)))
    (note,) = quarantine_insights(frame, WEEKS)
    assert note.value == 8.0
    assert "deal 104 (amount 'NaN' is not a finite number); and 3 more (`funnel-ledger check` lists every one)." in (
        note.detail
    )
    assert note.detail.count("(amount 'NaN'") == LISTED_RECORDS


def test_nothing_quarantined_is_no_note_and_a_passing_check():
    assert quarantine_insights(None, WEEKS) == [] and quarantine_insights(_frame(), WEEKS) == []
    assert quarantine_insights(_frame(("ga4", "ga4_day", "x", "sessions", "", "is missing")), []) == []
    assert quarantined_by_source(_frame(), {"hubspot"}) == {}
    frame = _frame(
        ("hubspot", "deal", "1", "amount", "'1e400'", "is out of range (beyond ±10^18)"),
        ("linkedin", "campaign_day", "1 on 2024-01-02", "clicks", "-1", "is negative"),
        ("linkedin", "campaign_day", "1 on 2024-01-03", "clicks", "-1", "is negative"),
    )
    # A source no longer configured does not count (its records are not in the numbers either way).
    assert quarantined_by_source(frame, {"hubspot", "linkedin"}) == {"hubspot": 1, "linkedin": 2}
    assert quarantined_by_source(frame, {"hubspot"}) == {"hubspot": 1}


def _update(snapshots_value: float, insight_value: object = 3) -> TrackerUpdate:
    summary = UpdateSummary(
        snapshot_rows_appended=1,
        tracker_rows_added=0,
        weeks_added=0,
        cells_changed=0,
        restatements=[],
        definitions_added=0,
        unresolved_rows=0,
    )
    return TrackerUpdate(
        tracker=[["KPI", "Channel", "2024-01-01"], ["New deals", "All", 2]],
        tracker_rows=[],
        weeks=[date(2024, 1, 1)],
        definitions=[["kpi_id"]],
        snapshots_append=[["2024-02-01", "run", "2024-01-01", "ad_spend", "v1", "All", snapshots_value]],
        snapshots_header_needed=True,
        snapshots_existing_rows=0,
        snapshot_at=datetime(2024, 2, 1, tzinfo=UTC),
        run_id="run",
        summary=summary,
        insights=[["week_start", "source", "flag", "detail", "value"], ["2024-01-01", "kpis", "x", "y", insight_value]],
    )


def test_no_nan_or_infinity_reaches_a_writer(tmp_path: Path):
    assert non_finite_cells(_update(12.5)) == []
    assert non_finite_cells(_update(math.inf, math.nan)) == ["Snapshots!G1 (inf)", "Insights!E2 (nan)"]
    workbook = tmp_path / "tracker.xlsx"
    tracker = TrackerResource(workbook_path=str(workbook))
    with pytest.raises(NonFiniteCellError) as caught:
        tracker.write(_update(1.7976931348623157e308 * 10))
    assert str(caught.value).startswith("the tracker update holds numbers that are not finite (Snapshots!G1 (inf))")
    assert not workbook.exists()
