"""The synthetic company's seeded anomalies reach the Insights tab: the Google Ads CPC spike of the week of
2026-11-02 (about $11 against $6) and the GA4 tracking outage of 2026-11-12, through a real demo run."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from emulators.synthetic import World, generate_demo_fixture
from pipelines.cli import main

pytestmark = pytest.mark.slow

SPIKE_WEEK, OUTAGE_WEEK = "2026-11-02", "2026-11-09"
# Flags about the data (not about a change in a week): each may appear once per run, never once per week.
DATA_QUALITY_FLAGS = {
    "unmapped_sources",
    "deals_without_amount",
    "implausible_amounts",
    "implausible_dates",
    "archived_records",
    "ads_unsettled",
    "timezone_mismatch",
    "ga4_thresholding",
    "ga4_other_row",
    "ga4_sampled",
}


@pytest.fixture(scope="module")
def insights(tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    # The world's calendar for 2026, as the fixture will show it.
    anomalies = {(a.kind, a.start) for a in World().anomalies(date(2026, 8, 1), date(2026, 11, 24))}
    assert ("google_ads_cpc_spike", date(2026, 11, 2)) in anomalies
    assert ("ga4_tracking_outage", date(2026, 11, 12)) in anomalies

    folder = tmp_path_factory.mktemp("synthetic")
    fixture = folder / "fixture.json"
    fixture.write_text(json.dumps(generate_demo_fixture(today=date(2026, 11, 24), weeks=20)), encoding="utf-8")
    workbook = folder / "tracker.xlsx"
    args = ["demo", "--fixture", str(fixture), "--from", "2026-08-31", "--to", "2026-11-16"]
    args += ["--as-of", "2026-11-24T00:00:00Z", "--workbook", str(workbook)]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("FUNNEL_LEDGER_DATA_DIR", str(folder / "data"))
        for name in (
            "DAGSTER_HOME",
            "FUNNEL_LEDGER_CONFIG",
            "WAREHOUSE_URL",
            "TRACKER_WORKBOOK",
            "TRACKER_SPREADSHEET_ID",
        ):
            patch.delenv(name, raising=False)
        assert main(args) == 0
    rows = list(openpyxl.load_workbook(workbook)["Insights"].iter_rows(values_only=True))
    print("\n".join(" | ".join(str(cell) for cell in row[:4]) for row in rows))
    assert rows[0][:5] == ("week_start", "source", "flag", "detail", "value")
    return rows[1:]


def _week(rows: list[tuple], week: str) -> list[tuple]:
    return [row for row in rows if row[0] == week]


def test_the_cpc_spike_leads_its_week(insights: list[tuple]) -> None:
    first = _week(insights, SPIKE_WEEK)[0]
    assert first[1:3] == ("kpis", "kpi_spike")
    assert first[3].startswith("CPC in Paid Search jumped far above the usual range: $11.")
    assert "against $6." in first[3]
    assert first[4] > 0.6  # the relative rise: CPC × 1.85 in the world


def test_the_ga4_outage_week_is_flagged_as_a_drop_in_sessions(insights: list[tuple]) -> None:
    drops = [row for row in _week(insights, OUTAGE_WEEK) if row[2] == "kpi_drop"]
    sessions = [row for row in drops if row[3].startswith("Sessions fell far below the usual range")]
    assert len(sessions) == 1
    assert "check that the GA4 tag recorded the whole week" in sessions[0][3]
    assert sessions[0][4] < -0.1


def test_latest_week_first_and_each_data_quality_flag_once(insights: list[tuple]) -> None:
    weeks = [row[0] for row in insights]
    assert weeks == sorted(weeks, reverse=True)
    flags = [(row[1], row[2]) for row in insights if row[2] in DATA_QUALITY_FLAGS]
    assert flags and len(flags) == len(set(flags))
    assert {row[0] for row in insights if row[2] in DATA_QUALITY_FLAGS} == {"2026-11-16"}
    # 12 weeks: a handful of notes, not one of each kind per week.
    assert len(insights) < 40
