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
from assets.kpi_math.insights import ranked

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


def test_unmapped_sources_once_per_run_with_the_weeks_concerned() -> None:
    got = unmapped_source_insights(CONTACTS, [W1, W2], AS_OF, NY)
    # W1: 4 of 5 live contacts (no source twice, FACEBOOK, PODCAST); W2: 1 of 1 (facebook). Ties alphabetical.
    assert got == [
        Insight(
            W2,
            "hubspot",
            "unmapped_sources",
            "Contacts with a missing or unknown original source count under Other; map their sources in "
            "channel_map to count them in their channel: 5 of 6 contacts created in every week of the run "
            "(2024-01-01 to 2024-01-08), most in the week of 2024-01-01 (4 of 5). Most frequent: no source (2), "
            "FACEBOOK (1), PODCAST (1), facebook (1).",
            5.0,
        )
    ]
    (only_w2,) = unmapped_source_insights(CONTACTS, [W2], AS_OF, NY)
    assert "1 of 1 contact created in the week of 2024-01-08. Most frequent: facebook (1)." in only_w2.detail


def test_unmapped_sources_lists_the_top_five_values() -> None:
    contacts = pd.DataFrame(
        {
            "created_at": _utc(*(["2024-01-02T10:00:00Z"] * 9)),
            "analytics_source": ["B", "A", "B", "C", "D", "ORGANIC_SEARCH", "A", "F", "E"],
        }
    )
    (insight,) = unmapped_source_insights(contacts, [W1], AS_OF, FunnelConfig())
    # Most frequent first, ties alphabetical; F is the sixth value.
    assert insight.detail.endswith("Most frequent: A (2), B (2), C (1), D (1), E (1) and 1 other value.")
    assert insight.value == 8.0


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


def test_deals_without_amount_once_per_run() -> None:
    got = deals_without_amount_insights(DEALS, [W1, W2], AS_OF, FunnelConfig())
    # W1: 9001 and 300 have no amount (12 has one in home currency, 77 an amount); W2: all 7.
    assert got == [
        Insight(
            W2,
            "hubspot",
            "deals_without_amount",
            "Deals without an amount count with 0 in pipeline and revenue KPIs; add their amounts in HubSpot: "
            "9 of 11 deals created in every week of the run (2024-01-01 to 2024-01-08); deal ids 5, 6, 8, 9, 10 "
            "and 4 more.",
            9.0,
        )
    ]


def test_deals_without_amount_respects_pipelines_archived_and_as_of() -> None:
    deals = DEALS.copy()
    deals.loc[0, "archived"] = True  # 9001
    got = deals_without_amount_insights(deals, [W1], AS_OF, FunnelConfig(pipelines=("default",)))
    assert got == []  # 300 is in another pipeline, 9001 archived
    early = pd.Timestamp("2024-01-02T12:00:00Z")  # only 9001 exists yet
    (one,) = deals_without_amount_insights(DEALS, [W1], early, FunnelConfig())
    assert one.detail.endswith(": 1 of 1 deal created in the week of 2024-01-01; deal id 9001.")


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


def test_ga4_quality_flags_once_per_run() -> None:
    flags = pd.DataFrame(
        {
            "week_start": [W1, W1, W2, date(2023, 12, 25)],
            "subject_to_thresholding": [True, False, False, True],
            "data_loss_from_other_row": [False, False, "true", False],
            "sampled": [True, True, False, False],
        }
    )
    got = ga4_quality_insights(flags, [W1, W2])
    # 2023-12-25 is not a week of the run: its thresholding is not counted.
    assert [(i.week_start, i.source, i.flag, i.value) for i in got] == [
        (W2, "ga4", "ga4_thresholding", 1.0),
        (W2, "ga4", "ga4_other_row", 1.0),
        (W2, "ga4", "ga4_sampled", 1.0),
    ]
    assert got[0].detail == (
        "GA4 withheld rows with small counts (thresholding, applied when Google signals or demographics are "
        "on), so users and other small numbers may be understated in the week of 2024-01-01 (flagged on 1 of "
        "2 GA4 reports)."
    )
    assert got[1].detail == (
        "GA4 folded some rows into '(other)' (too many distinct values); they count under channel Other, so "
        "other channels may be understated in the week of 2024-01-08 (flagged on 1 of 1 GA4 report)."
    )
    assert got[2].detail.endswith(
        "estimates from a sample of sessions in the week of 2024-01-01 (flagged on 2 of 2 GA4 reports)."
    )
    # Without the run's weeks, every flagged week counts and the notes go on the latest.
    every = ga4_quality_insights(flags)
    assert every[0].week_start == W2 and "2 weeks: 2023-12-25 to 2024-01-01" in every[0].detail
    assert ga4_quality_insights(None) == []
    assert ga4_quality_insights(flags.iloc[0:0]) == []


def test_unsettled_ad_days_once_per_platform() -> None:
    # A 10-day lookback ending Friday 2024-01-12 re-pulls 2024-01-03 .. 2024-01-12: W1 and W2 are touched.
    got = unsettled_ads_insights([date(2023, 12, 25), W1, W2], date(2024, 1, 12), 10, sources=["linkedin"])
    assert got == [
        Insight(
            W2,
            "linkedin",
            "ads_unsettled",
            "LinkedIn Ads numbers from 2024-01-03 on may still change (the platform restates the last 10 days, "
            "up to 2024-01-12), so ad KPIs are not settled in 2 weeks: 2024-01-01 to 2024-01-08.",
            2.0,
        )
    ]


def test_unsettled_ad_days_edges() -> None:
    # The window's first day is the week's last day: the week is not settled.
    (one,) = unsettled_ads_insights([W1], date(2024, 1, 16), 10, sources=["google_ads"])
    assert (one.source, one.value) == ("google_ads", 1.0)
    assert "from 2024-01-07 on" in one.detail and one.detail.endswith("not settled in the week of 2024-01-01.")
    # One day later the week is settled.
    assert unsettled_ads_insights([W1], date(2024, 1, 17), 10) == []
    # Both platforms by default.
    assert [i.source for i in unsettled_ads_insights([W1], date(2024, 1, 16), 10)] == [
        "linkedin",
        "google_ads",
    ]
    with pytest.raises(ValueError, match="lookback_days"):
        unsettled_ads_insights([W1], date(2024, 1, 16), -1)


def test_timezone_mismatch_once_per_run() -> None:
    got = timezone_mismatch_insights("google_ads", "America/New_York", "UTC", [W2, W1])
    assert got == [
        Insight(
            W2,
            "google_ads",
            "timezone_mismatch",
            "Google Ads reports dates in America/New_York while the tracker uses UTC: its dates are bucketed "
            "as the source reports them, not shifted, so its weeks can be a few hours off the tracker's.",
            None,
        )
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


def test_insight_is_frozen_and_frame_is_ranked() -> None:
    a = Insight(W2, "ga4", "ga4_sampled", "x", 1.0)
    b = Insight(W1, "linkedin", "ads_unsettled", "y", 7.0)
    c = Insight(W1, "hubspot", "unmapped_sources", "z", 2.0)
    d = Insight(W1, "kpis", "kpi_spike", "s", 0.5, score=5.0)
    e = Insight(W1, "kpis", "paired_metric", "p", 0.2, score=9.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = 2.0  # type: ignore[misc]
    frame = insights_frame([a, b, c, d, e])
    assert list(frame.columns) == ["week_start", "source", "flag", "detail", "value"]
    # Latest week first; within W1 the most unusual change first, then the notes without a score.
    assert frame["detail"].tolist() == ["x", "p", "s", "z", "y"]
    assert ranked([c, e, d]) == [e, d, c]


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
        # Mean of Dec 4..25 = 10,000; Jan 1 = 12,500 (+25%, 25 Poisson sds); the rate falls from 2.5% to 2.0%
        # (−20%): binomial sd over 12,500 sessions √(0.025 × 0.975 / 12,500) = 0.0013964, z = −3.58.
        ("sessions", "All"): [10000, 9000, 11000, 10000, 12500, 10000],
        ("visit_to_lead_rate", "All"): [0.025, 0.025, 0.025, 0.025, 0.02, 0.025],
        # The same moves on 125 sessions: the rate's fall is 0.36 sd, chance. Not noted.
        ("sessions", "Email"): [100, 90, 110, 100, 125, 100],
        ("visit_to_lead_rate", "Email"): [0.025, 0.025, 0.025, 0.025, 0.02, 0.025],
        # CPC +10% and CTR −10% exactly (on the threshold): CPC sd 4 / √900 clicks = 0.1333, z = 3.0; CTR sd
        # √(0.01 × 0.99 / 100,000) = 0.0003146, z = −3.18. Noted.
        ("ad_cpc", "Paid Social"): [4.0, 4.0, 4.0, 4.0, 4.4, 4.0],
        ("ad_ctr", "Paid Social"): [0.01, 0.01, 0.01, 0.01, 0.009, 0.01],
        ("ad_clicks", "Paid Social"): [1000, 1000, 1000, 1000, 900, 1000],
        ("ad_impressions", "Paid Social"): [100000] * 6,
        # MQLs 20 → 40 (z 4.47), SQLs per MQL 50% → 30% (binomial sd over 40 MQLs 0.0791, z −2.53). Noted.
        ("new_mqls", "All"): [20, 20, 20, 20, 40, 20],
        ("new_sqls", "All"): [10, 10, 10, 10, 12, 10],
        # Offline: 2 → 3 MQLs (+50%) while SQLs per MQL fall 50% → 0%: 3 MQLs is a small sample. Not noted.
        ("new_mqls", "Offline"): [2, 2, 2, 2, 3, 2],
        ("new_sqls", "Offline"): [1, 1, 1, 1, 0, 1],
        # Pipeline +20% over 300 deals (sd 10,000 × √(2/300) = 816.5, z 2.45) while coverage falls 40%. Noted.
        ("pipeline_created", "All"): [10000, 10000, 10000, 10000, 12000, 10000],
        ("new_deals", "All"): [300] * 6,
        ("pipeline_coverage", "All"): [1.0, 1.0, 1.0, 1.0, 0.6, 1.0],
    }
)


def test_paired_metric_notes_plain_words_first_figures_after() -> None:
    got = paired_metric_insights(PAIRED, [TARGET, WEEKS[5]], FunnelConfig())
    assert [i.detail for i in got] == [
        "More visits, but fewer became leads. Sessions 12,500 vs 10,000 (+25%), visit → lead rate 2.00% vs "
        "2.50% (−20%), against the 4 weeks before.",
        "Paid Social: Clicks cost more while fewer people clicked the ads. CPC $4.40 vs $4.00 (+10%), CTR "
        "0.90% vs 1.00% (−10%), against the 4 weeks before.",
        "More MQLs, but fewer became SQLs. New MQLs 40 vs 20 (+100%), SQLs per MQL of the week 30.0% vs 50.0% "
        "(−40%), against the 4 weeks before.",
        "More pipeline created, but the quarter's coverage fell. Pipeline created $12,000 vs $10,000 (+20%), "
        "pipeline coverage 0.6x vs 1.0x (−40%), against the 4 weeks before.",
    ]
    assert all((i.week_start, i.source, i.flag) == (TARGET, "kpis", "paired_metric") for i in got)
    assert [i.value for i in got] == [pytest.approx(v, rel=1e-12) for v in (0.25, 0.10, 1.0, 0.20)]
    # Score: the smaller of the two moves in sampling sds.
    assert [i.score for i in got] == [
        pytest.approx(0.005 / (0.025 * 0.975 / 12500) ** 0.5, rel=1e-9),
        pytest.approx(3.0, rel=1e-9),
        pytest.approx(0.2 / (0.25 / 40) ** 0.5, rel=1e-9),
        pytest.approx(2000 / (10000 * (2 / 300) ** 0.5), rel=1e-9),
    ]
    # Jan 8 falls back to the usual level: nothing to note.


def test_paired_metric_threshold_is_configurable() -> None:
    # Both moves must reach the threshold: at 20% sessions (+25%, −20%), MQLs (+100%, −40%) and pipeline
    # (+20%, −40%) count.
    at_20 = paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.20)
    assert [i.value for i in at_20] == [pytest.approx(v, rel=1e-12) for v in (0.25, 1.0, 0.20)]
    assert paired_metric_insights(PAIRED, [TARGET], FunnelConfig(), threshold=0.41) == []
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


def test_paired_metric_needs_the_counts_behind_a_rate() -> None:
    # CPC and CTR moves without the clicks and impressions they rest on cannot be judged: no note.
    kpis = PAIRED.loc[~PAIRED["kpi_id"].isin(["ad_clicks", "ad_impressions"])]
    got = paired_metric_insights(kpis, [TARGET], FunnelConfig(), slices=["Paid Social"])
    assert got == []


def test_mqls_up_but_the_weeks_mql_to_sql_rate_down_uses_the_flow_rate() -> None:
    # A young cohort's MQL → SQL rate always looks like a fall, so the note compares SQLs per MQL of the week.
    kpis = _long(
        {
            ("new_mqls", "All"): [20, 20, 20, 20, 40, 20],
            ("new_sqls", "All"): [10, 10, 10, 10, 12, 10],
            ("cohort_mql_to_sql", "All"): [0.5, 0.5, 0.5, 0.5, 0.0, 0.5],
        }
    )
    (got,) = paired_metric_insights(kpis, [TARGET], FunnelConfig())
    assert "SQLs per MQL of the week 30.0% vs 50.0% (−40%)" in got.detail
    # MQLs up with a steady flow rate: nothing to note, whatever the young cohort shows.
    steady = _long({("new_mqls", "All"): [20, 20, 20, 20, 40, 20], ("new_sqls", "All"): [10, 10, 10, 10, 20, 10]})
    assert paired_metric_insights(steady, [TARGET], FunnelConfig()) == []
