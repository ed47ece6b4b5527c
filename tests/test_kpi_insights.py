"""Insights tab rows: data-quality flags and paired-metric notes, with exact sentences and values."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import (
    FunnelConfig,
    Insight,
    archived_insights,
    deals_without_amount_insights,
    ga4_quality_insights,
    insights_frame,
    paired_metric_insights,
    source_status_insights,
    timezone_mismatch_insights,
    unmapped_source_insights,
    unsettled_ads_insights,
)

pytestmark = pytest.mark.unit

W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
AS_OF = pd.Timestamp("2024-02-01T00:00:00Z")
NY = FunnelConfig(timezone="America/New_York")


def _utc(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True))


CONTACTS = pd.DataFrame(
    {
        "contact_id": ["1", "2", "3", "4", "5", "6", "7", "8"],
        "created_at": _utc(
            "2024-01-02T10:00:00Z",
            "2024-01-03T10:00:00Z",
            "2024-01-04T10:00:00Z",
            "2024-01-08T03:00:00Z",  # Sunday 2024-01-07 22:00 in New York: W1
            "2024-01-09T10:00:00Z",
            "2024-01-05T10:00:00Z",
            "2024-01-05T10:00:00Z",
            "2024-02-02T10:00:00Z",  # after as_of: not counted
        ),
        "analytics_source": ["FACEBOOK", " ", "PAID_SOCIAL", None, "facebook", "FACEBOOK", "PODCAST", "X"],
        "archived": [False, False, False, False, False, True, False, False],
    }
)


def test_unmapped_sources_per_week() -> None:
    got = unmapped_source_insights(CONTACTS, [W1, W2], AS_OF, NY)
    assert got == [
        Insight(
            W1,
            "hubspot",
            "unmapped_sources",
            "4 of 5 contacts created this week have a missing or unknown original source and count under "
            "Other: no source (2), FACEBOOK (1), PODCAST (1).",
            4.0,
        ),
        Insight(
            W2,
            "hubspot",
            "unmapped_sources",
            "1 of 1 contact created this week has a missing or unknown original source and counts under "
            "Other: facebook (1).",
            1.0,
        ),
    ]


def test_unmapped_sources_lists_the_top_three_values() -> None:
    contacts = pd.DataFrame(
        {
            "created_at": _utc(*(["2024-01-02T10:00:00Z"] * 7)),
            "analytics_source": ["B", "A", "B", "C", "D", "ORGANIC_SEARCH", "A"],
        }
    )
    (insight,) = unmapped_source_insights(contacts, [W1], AS_OF, FunnelConfig())
    # Most frequent first, ties alphabetical; D is the fourth value.
    assert insight.detail.endswith("under Other: A (2), B (2), C (1) and 1 other value.")
    assert insight.value == 6.0


def test_no_unmapped_sources_no_insight() -> None:
    contacts = CONTACTS.loc[[2]]  # PAID_SOCIAL only
    assert unmapped_source_insights(contacts, [W1, W2], AS_OF, NY) == []


DEALS = pd.DataFrame(
    {
        "deal_id": ["9001", "12", "77", "5", "6", "8", "10", "9", "11", "13", "300"],
        "created_at": _utc(
            "2024-01-02T10:00:00Z",
            "2024-01-03T10:00:00Z",
            "2024-01-04T10:00:00Z",
            *(["2024-01-10T10:00:00Z"] * 7),
            "2024-01-03T10:00:00Z",
        ),
        "amount": [np.nan, np.nan, 100.0, *([np.nan] * 7), np.nan],
        "amount_in_home_currency": [np.nan, 50.0, *([np.nan] * 9)],
        "pipeline": ["default"] * 10 + ["partners"],
        "archived": [False] * 10 + [False],
    }
)


def test_deals_without_amount_per_week() -> None:
    got = deals_without_amount_insights(DEALS, [W1, W2], AS_OF, FunnelConfig())
    assert got == [
        Insight(
            W1,
            "hubspot",
            "deals_without_amount",
            # 9001 and 300 have no amount; 12 has an amount in home currency, 77 an amount.
            "2 of 4 deals created this week have no amount and count with 0 in pipeline and revenue KPIs "
            "(deal ids 300, 9001).",
            2.0,
        ),
        Insight(
            W2,
            "hubspot",
            "deals_without_amount",
            "7 of 7 deals created this week have no amount and count with 0 in pipeline and revenue KPIs "
            "(deal ids 5, 6, 8, 9, 10 and 2 more).",
            7.0,
        ),
    ]


def test_deals_without_amount_respects_pipelines_archived_and_as_of() -> None:
    deals = DEALS.copy()
    deals.loc[0, "archived"] = True  # 9001
    got = deals_without_amount_insights(deals, [W1], AS_OF, FunnelConfig(pipelines=("default",)))
    assert got == []  # 300 is in another pipeline, 9001 archived
    early = pd.Timestamp("2024-01-02T12:00:00Z")  # only 9001 exists yet
    (one,) = deals_without_amount_insights(DEALS, [W1], early, FunnelConfig())
    expected_detail = " ".join(
        [
            "1 of 1 deal created this week has no amount and counts with 0 in pipeline and revenue KPIs",
            "(deal id 9001).",
        ]
    )
    assert one.detail == expected_detail


def test_archived_records_on_the_latest_week() -> None:
    deals = pd.DataFrame({"deal_id": ["1", "2", "3"], "archived": [True, "true", "false"]})
    meetings = pd.DataFrame({"meeting_id": ["1"], "archived": [False]})
    got = archived_insights(CONTACTS, deals, [W2, W1], meetings=meetings)
    assert got == [
        Insight(
            W2,
            "hubspot",
            "archived_records",
            "1 HubSpot contact is archived, merged away or deleted and left out of every KPI "
            "(of 8 contacts in the mirror).",
            1.0,
        ),
        Insight(
            W2,
            "hubspot",
            "archived_records",
            "2 HubSpot deals are archived, merged away or deleted and left out of every KPI "
            "(of 3 deals in the mirror).",
            2.0,
        ),
    ]
    assert archived_insights(CONTACTS, deals, []) == []


def test_ga4_quality_flags() -> None:
    flags = pd.DataFrame(
        {
            "week_start": [W1, W1, W2, date(2023, 12, 25)],
            "subject_to_thresholding": [True, False, False, False],
            "data_loss_from_other_row": [False, False, "true", False],
            "sampled": [True, True, False, False],
        }
    )
    got = ga4_quality_insights(flags)
    assert [(i.week_start, i.source, i.flag, i.value) for i in got] == [
        (W1, "ga4", "ga4_thresholding", 1.0),
        (W1, "ga4", "ga4_sampled", 2.0),
        (W2, "ga4", "ga4_other_row", 1.0),
    ]
    assert got[0].detail == (
        "GA4 withheld rows with small counts from this week's data (thresholding, applied when Google "
        "signals or demographics are on): users and other small numbers may be understated (flagged on 1 "
        "of the week's 2 GA4 reports)."
    )
    assert got[1].detail == (
        "GA4 answered with sampled data for this week: web numbers are estimates from a sample of sessions "
        "(flagged on 2 of the week's 2 GA4 reports)."
    )
    assert got[2].detail == (
        "GA4 folded some of this week's rows into '(other)' (too many distinct values): they count under "
        "channel Other, so other channels may be understated (flagged on 1 of the week's 1 GA4 report)."
    )
    assert ga4_quality_insights(None) == []
    assert ga4_quality_insights(flags.iloc[0:0]) == []


def test_unsettled_ad_days() -> None:
    # A 10-day lookback ending Friday 2024-01-12 re-pulls 2024-01-03 .. 2024-01-12.
    got = unsettled_ads_insights([date(2023, 12, 25), W1, W2], date(2024, 1, 12), 10, sources=["linkedin"])
    assert got == [
        Insight(
            W1,
            "linkedin",
            "ads_unsettled",
            "LinkedIn Ads numbers for this week are not settled: 5 of its 7 days (2024-01-03 to 2024-01-07) "
            "fall within the last 10 days up to 2024-01-12 that the platform may still restate, so ad KPIs "
            "for this week may still change.",
            5.0,
        ),
        Insight(
            W2,
            "linkedin",
            "ads_unsettled",
            "LinkedIn Ads numbers for this week are not settled: all 7 days fall within the last 10 days up "
            "to 2024-01-12 that the platform may still restate, so ad KPIs for this week may still change.",
            7.0,
        ),
    ]


def test_unsettled_ad_days_edges() -> None:
    # The window's first day is the week's last day: 1 unsettled day.
    (one,) = unsettled_ads_insights([W1], date(2024, 1, 16), 10, sources=["google_ads"])
    assert (one.source, one.value) == ("google_ads", 1.0)
    assert "1 of its 7 days (2024-01-07 to 2024-01-07)" in one.detail
    # One day later the week is settled.
    assert unsettled_ads_insights([W1], date(2024, 1, 17), 10) == []
    # Both platforms by default.
    assert [i.source for i in unsettled_ads_insights([W1], date(2024, 1, 16), 10)] == [
        "linkedin",
        "google_ads",
    ]
    with pytest.raises(ValueError, match="lookback_days"):
        unsettled_ads_insights([W1], date(2024, 1, 16), -1)


def test_timezone_mismatch() -> None:
    got = timezone_mismatch_insights("google_ads", "America/New_York", "UTC", [W2, W1])
    assert got == [
        Insight(
            week,
            "google_ads",
            "timezone_mismatch",
            "Google Ads reports dates in America/New_York while the tracker uses UTC: its dates are bucketed "
            "as the source reports them, not shifted, so its weeks can be a few hours off the tracker's.",
            None,
        )
        for week in (W1, W2)
    ]
    assert timezone_mismatch_insights("ga4", "Etc/UTC", "UTC", [W1]) == []
    assert timezone_mismatch_insights("ga4", "europe/warsaw", "Europe/Warsaw", [W1]) == []
    assert timezone_mismatch_insights("ga4", None, "UTC", [W1]) == []


def test_source_status() -> None:
    assert source_status_insights("linkedin", False, [W1, W2]) == [
        Insight(
            W2,
            "linkedin",
            "source_not_configured",
            "LinkedIn Ads is not configured (LINKEDIN_ACCESS_TOKEN missing): its KPIs are empty.",
            None,
        )
    ]
    assert source_status_insights("linkedin", True, [W1, W2]) == []
    (ga4,) = source_status_insights("ga4", False, [W1], missing="GA4_CREDENTIALS_JSON")
    expected = "Google Analytics 4 is not configured (GA4_CREDENTIALS_JSON missing): its KPIs are empty."
    assert ga4.detail == expected


def test_insight_is_frozen_and_frame_is_sorted() -> None:
    a = Insight(W2, "ga4", "ga4_sampled", "x", 1.0)
    b = Insight(W1, "linkedin", "ads_unsettled", "y", 7.0)
    c = Insight(W1, "hubspot", "unmapped_sources", "z", 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = 2.0  # type: ignore[misc]
    frame = insights_frame([a, b, c])
    assert list(frame.columns) == ["week_start", "source", "flag", "detail", "value"]
    assert frame["source"].tolist() == ["hubspot", "linkedin", "ga4"]
    assert frame["value"].tolist() == [2.0, 7.0, 1.0]


# ---------------------------------------------------------------- paired-metric notes

WEEKS = [date(2023, 12, 4) + timedelta(days=7 * i) for i in range(6)]  # Dec 4 .. Jan 8
TARGET = WEEKS[4]  # 2024-01-01, after 4 trailing weeks


def _long(series: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"week_start": w, "kpi_id": kpi_id, "channel": channel, "value": v}
            for (kpi_id, channel), values in series.items()
            for w, v in zip(WEEKS, values, strict=True)
        ]
    )


PAIRED = _long(
    {
        # mean of Dec 4..25 = 1,000; Jan 1 = 1,250 (+25%); the rate falls from 2.5% to 2.0% (−20%).
        ("sessions", "All"): [1000, 900, 1100, 1000, 1250, 1000],
        ("visit_to_lead_rate", "All"): [0.025, 0.025, 0.025, 0.025, 0.02, 0.025],
        # CPC +10% exactly and CTR −10% exactly: on the threshold, noted.
        ("ad_cpc", "Paid Social"): [4.0, 4.0, 4.0, 4.0, 4.4, 4.0],
        ("ad_ctr", "Paid Social"): [0.01, 0.01, 0.01, 0.01, 0.009, 0.01],
        # CPC +9.5% only: below the threshold, not noted.
        ("ad_cpc", "All"): [4.0, 4.0, 4.0, 4.0, 4.38, 4.0],
        ("ad_ctr", "All"): [0.01, 0.01, 0.01, 0.01, 0.005, 0.01],
        # MQLs up 50%, MQL -> SQL rate up too: no note.
        ("new_mqls", "All"): [10, 10, 10, 10, 15, 10],
        ("cohort_mql_to_sql", "All"): [0.5, 0.5, 0.5, 0.5, 0.6, 0.5],
        # Pipeline up 20% but coverage down 40%; a trailing week of coverage is missing for Email.
        ("pipeline_created", "All"): [10000, 10000, 10000, 10000, 12000, 10000],
        ("pipeline_coverage", "All"): [1.0, 1.0, 1.0, 1.0, 0.6, 1.0],
        ("pipeline_created", "Email"): [100, 100, 100, 100, 200, 100],
        ("pipeline_coverage", "Email"): [1.0, np.nan, 1.0, 1.0, 0.5, 1.0],
    }
)


def test_paired_metric_notes() -> None:
    got = paired_metric_insights(PAIRED, [TARGET, WEEKS[5]], FunnelConfig())
    sessions_note = " ".join(
        [
            "Sessions +25.0% vs trailing 4-week mean (1,250 vs 1,000)",
            "while visit → lead rate −20.0% (2.00% vs 2.50%).",
        ]
    )
    assert [i.detail for i in got] == [
        sessions_note,
        "Paid Social: CPC +10.0% vs trailing 4-week mean (4.40 vs 4.00) and CTR −10.0% (0.90% vs 1.00%).",
        "Pipeline created +20.0% vs trailing 4-week mean (12,000.00 vs 10,000.00) but pipeline coverage "
        "−40.0% (60.00% vs 100.00%).",
    ]
    assert all((i.week_start, i.source, i.flag) == (TARGET, "kpis", "paired_metric") for i in got)
    assert got[0].value == pytest.approx(0.25, rel=1e-12)
    assert got[1].value == pytest.approx(0.10, rel=1e-12)
    assert got[2].value == pytest.approx(0.20, rel=1e-12)
    # Jan 8: sessions 1,000 vs the mean of Dec 11..Jan 1 (1,062.5) is down, nothing to note.


def test_paired_metric_threshold_is_configurable() -> None:
    # Both moves must reach the threshold: at 20% sessions (+25%, −20%) and pipeline (+20%, −40%) count.
    at_20 = paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.20)
    assert [i.value for i in at_20] == [pytest.approx(0.25, rel=1e-12), pytest.approx(0.20, rel=1e-12)]
    assert paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.21) == []
    loose = paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.05)
    # All-channel CPC +9.5% with CTR −50% now counts.
    assert "CPC +9.5% vs trailing 4-week mean (4.38 vs 4.00) and CTR −50.0% (0.50% vs 1.00%)." in [
        i.detail for i in loose
    ]
    with pytest.raises(ValueError, match="threshold"):
        paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.0)


def test_paired_metric_skips_weeks_without_four_trailing_weeks() -> None:
    assert paired_metric_insights(PAIRED, [WEEKS[3]], FunnelConfig()) == []
    # Only the slices asked for are looked at.
    only_social = paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), slices=["Paid Social"])
    assert [i.value for i in only_social] == [pytest.approx(0.10, rel=1e-12)]


def test_paired_metric_zero_trailing_mean_is_skipped() -> None:
    kpis = _long(
        {
            ("sessions", "All"): [0, 0, 0, 0, 100, 0],
            ("visit_to_lead_rate", "All"): [0.5, 0.5, 0.5, 0.5, 0.1, 0.5],
        }
    )
    assert paired_metric_insights(kpis, [TARGET], FunnelConfig()) == []


def test_mqls_up_but_the_weeks_mql_to_sql_rate_down_uses_the_flow_rate() -> None:
    # A young cohort's MQL → SQL rate always looks like a fall, so the note compares SQLs per MQL of the week.
    kpis = _long(
        {
            ("new_mqls", "All"): [10, 10, 10, 10, 20, 10],
            ("new_sqls", "All"): [5, 5, 5, 5, 6, 5],
            ("cohort_mql_to_sql", "All"): [0.5, 0.5, 0.5, 0.5, 0.0, 0.5],
        }
    )
    got = paired_metric_insights(kpis, [TARGET], FunnelConfig())
    assert [i.detail for i in got] == [
        "New MQLs +100.0% vs trailing 4-week mean (20 vs 10) but MQL → SQL rate (SQLs ÷ MQLs of the week) "
        "−40.0% (30.00% vs 50.00%)."
    ]
    assert got[0].value == pytest.approx(1.0)
    # MQLs up with a steady flow rate: nothing to note, whatever the young cohort shows.
    steady = _long({("new_mqls", "All"): [10, 10, 10, 10, 20, 10], ("new_sqls", "All"): [5, 5, 5, 5, 10, 5]})
    assert paired_metric_insights(steady, [TARGET], FunnelConfig()) == []
