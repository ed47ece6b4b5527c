"""Paid-media KPIs: which rows exist, sums and ratios by hand, zero denominators, daily spend per channel."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, ad_spend_daily, efficiency_kpis, paid_kpis, spend_by_week_channel

pytestmark = pytest.mark.unit

W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
CFG = FunnelConfig()
PAID = [
    "ad_impressions",
    "ad_clicks",
    "ad_spend",
    "ad_conversions",
    "ad_platform_leads",
    "ad_ctr",
    "ad_cpc",
    "ad_cpm",
]
NAN = math.nan
LINKEDIN_ONLY = {"linkedin": "Paid Social"}
BOTH = {"linkedin": "Paid Social", "google_ads": "Paid Search"}


def value(frame: pd.DataFrame, week: date, kpi_id: str, channel: str = "All") -> float:
    mask = (frame["week_start"] == week) & (frame["kpi_id"] == kpi_id)
    rows = frame.loc[mask & (frame["channel"] == channel)]
    assert len(rows) == 1, f"expected one row for {week} {kpi_id} {channel}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def check(got: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(got), got
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0.0)


AD_DAILY = pd.DataFrame(
    {
        "platform": ["linkedin", "LinkedIn", "google_ads", "google_ads", "linkedin", "meta"],
        "date": [
            date(2024, 1, 1),
            date(2024, 1, 7),  # Sunday: still W1 (Monday weeks)
            date(2024, 1, 3),
            date(2024, 1, 10),
            date(2023, 12, 31),  # outside the requested weeks
            date(2024, 1, 2),  # a platform that is not configured: ignored
        ],
        "campaign_id": ["111", "112", "g1", "g1", "111", "m1"],
        "impressions": [1000, 500, 2000, 400, 9999, 7777],
        "clicks": [20, 5, 40, 0, 99, 77],
        "spend": [107.53, 42.47, 80.0, 12.0, 999.0, 777.0],
        "conversions": [1.5, 0.25, 2.5, 0.0, 9.0, 7.0],
        "platform_leads": [3, 1, 0, 0, 9, 7],
    }
)


def test_only_linkedin_configured() -> None:
    got = paid_kpis(AD_DAILY, [W1, W2], CFG, platform_channels=LINKEDIN_ONLY)
    # Rows: All, the group holding Paid Social, Paid Social; every week, every ad KPI.
    for kpi_id in PAID:
        for week in (W1, W2):
            rows = got.loc[(got["kpi_id"] == kpi_id) & (got["week_start"] == week), "channel"]
            assert rows.tolist() == ["All", "Inbound", "Paid Social"]
    assert got["kpi_id"].unique().tolist() == PAID
    assert len(got) == len(PAID) * 3 * 2

    for channel in ("All", "Inbound", "Paid Social"):
        check(value(got, W1, "ad_impressions", channel), 1500.0)
        check(value(got, W1, "ad_clicks", channel), 25.0)
        check(value(got, W1, "ad_spend", channel), 150.0)  # 107.53 + 42.47; Google Ads not configured
        check(value(got, W1, "ad_conversions", channel), 1.75)  # fractional conversions add up
        check(value(got, W1, "ad_platform_leads", channel), 4.0)
        check(value(got, W1, "ad_ctr", channel), 25 / 1500)
        check(value(got, W1, "ad_cpc", channel), 150 / 25)
        check(value(got, W1, "ad_cpm", channel), 1000 * 150 / 1500)
    # W2 has no LinkedIn activity: sums are 0 (not empty), ratios are empty.
    for kpi_id in ("ad_impressions", "ad_clicks", "ad_spend", "ad_conversions", "ad_platform_leads"):
        check(value(got, W2, kpi_id), 0.0)
        check(value(got, W2, kpi_id, "Paid Social"), 0.0)
    for kpi_id in ("ad_ctr", "ad_cpc", "ad_cpm"):
        check(value(got, W2, kpi_id), NAN)


def test_both_platforms_configured() -> None:
    got = paid_kpis(AD_DAILY, [W1, W2], CFG, platform_channels=BOTH)
    assert got.loc[(got["kpi_id"] == "ad_spend") & (got["week_start"] == W1), "channel"].tolist() == [
        "All",
        "Inbound",
        "Paid Search",
        "Paid Social",
    ]
    check(value(got, W1, "ad_impressions"), 3500.0)
    check(value(got, W1, "ad_clicks"), 65.0)
    check(value(got, W1, "ad_spend"), 230.0)
    check(value(got, W1, "ad_conversions"), 4.25)
    check(value(got, W1, "ad_platform_leads"), 4.0)
    check(value(got, W1, "ad_ctr"), 65 / 3500)
    check(value(got, W1, "ad_cpc"), 230 / 65)
    check(value(got, W1, "ad_cpm"), 230_000 / 3500)
    check(value(got, W1, "ad_ctr", "Paid Search"), 0.02)
    check(value(got, W1, "ad_cpc", "Paid Search"), 2.0)
    check(value(got, W1, "ad_cpm", "Paid Search"), 40.0)
    # W2: Google Ads bought 400 impressions and no click for 12.00.
    check(value(got, W2, "ad_impressions", "Paid Search"), 400.0)
    check(value(got, W2, "ad_ctr", "Paid Search"), 0.0)  # 0 clicks / 400 impressions is a real 0
    check(value(got, W2, "ad_cpc", "Paid Search"), NAN)  # no clicks: empty, never inf
    check(value(got, W2, "ad_cpm", "Paid Search"), 30.0)
    check(value(got, W2, "ad_ctr", "Paid Social"), NAN)
    check(value(got, W2, "ad_spend"), 12.0)


def test_no_platform_configured_leaves_only_empty_all_rows() -> None:
    got = paid_kpis(AD_DAILY, [W1, W2], CFG, platform_channels={})
    assert got["channel"].unique().tolist() == ["All"]
    assert got["kpi_id"].unique().tolist() == PAID
    assert len(got) == len(PAID) * 2
    assert got["value"].isna().all()


def test_zero_denominators_are_empty() -> None:
    ad = pd.DataFrame(
        {
            "platform": ["linkedin"],
            "date": [W1],
            "campaign_id": ["1"],
            "impressions": [0],
            "clicks": [0],
            "spend": [10.0],  # a make-good charge with no delivery
            "conversions": [0.0],
            "platform_leads": [0],
        }
    )
    got = paid_kpis(ad, [W1], CFG, platform_channels=LINKEDIN_ONLY)
    check(value(got, W1, "ad_spend"), 10.0)
    for kpi_id in ("ad_ctr", "ad_cpc", "ad_cpm"):
        check(value(got, W1, kpi_id), NAN)
        check(value(got, W1, kpi_id, "Paid Social"), NAN)


def test_no_ad_rows_gives_zero_sums_for_configured_platforms() -> None:
    for ad in (None, AD_DAILY.iloc[0:0]):
        got = paid_kpis(ad, [W1], CFG, platform_channels=LINKEDIN_ONLY)
        check(value(got, W1, "ad_spend"), 0.0)
        check(value(got, W1, "ad_impressions", "Paid Social"), 0.0)
        check(value(got, W1, "ad_cpm"), NAN)


def test_platform_mapped_to_an_outbound_channel() -> None:
    got = paid_kpis(AD_DAILY, [W1], CFG, platform_channels={"linkedin": "offline"})
    assert got.loc[got["kpi_id"] == "ad_clicks", "channel"].tolist() == ["All", "Outbound", "Offline"]
    check(value(got, W1, "ad_clicks", "Outbound"), 25.0)


def test_platform_mapped_to_an_unknown_channel_fails_naming_the_setting() -> None:
    with pytest.raises(ValueError, match=r"ad_platform_channels\.linkedin: 'Social' is not one of channels"):
        paid_kpis(AD_DAILY, [W1], CFG, platform_channels={"linkedin": "Social"})


def test_sunday_weeks_bucket_account_dates_as_they_are() -> None:
    got = paid_kpis(
        AD_DAILY,
        [date(2023, 12, 31), date(2024, 1, 7)],
        FunnelConfig(week_start="sunday"),
        platform_channels=BOTH,
    )
    # Sun 2023-12-31 week: LinkedIn 12-31 (999.00) and 01-01 (107.53), Google 01-03 (80.00).
    check(value(got, date(2023, 12, 31), "ad_spend"), 999.0 + 107.53 + 80.0)
    check(value(got, date(2023, 12, 31), "ad_spend", "Paid Social"), 999.0 + 107.53)
    # Sun 2024-01-07 week: LinkedIn 01-07 (42.47), Google 01-10 (12.00).
    check(value(got, date(2024, 1, 7), "ad_spend"), 42.47 + 12.0)


def test_numbers_given_as_strings_are_parsed() -> None:
    ad = AD_DAILY.iloc[:2].astype({"impressions": str, "clicks": str, "spend": str, "conversions": str})
    got = paid_kpis(ad, [W1], CFG, platform_channels=LINKEDIN_ONLY)
    check(value(got, W1, "ad_spend"), 150.0)
    check(value(got, W1, "ad_conversions"), 1.75)


# ---------------------------------------------------------------- daily spend for the efficiency KPIs


def test_ad_spend_daily_per_channel() -> None:
    extra = pd.DataFrame(
        {
            "platform": ["linkedin"],
            "date": [date(2024, 1, 1)],
            "campaign_id": ["113"],
            "impressions": [1],
            "clicks": [1],
            "spend": [2.47],
            "conversions": [0.0],
            "platform_leads": [0],
        }
    )
    got = ad_spend_daily(pd.concat([AD_DAILY, extra], ignore_index=True), BOTH)
    assert list(got.columns) == ["date", "channel", "spend"]
    rows = [(r.date, r.channel, r.spend) for r in got.itertuples()]
    assert rows == [
        (date(2023, 12, 31), "Paid Social", 999.0),
        (date(2024, 1, 1), "Paid Social", 110.0),  # two LinkedIn campaigns: 107.53 + 2.47
        (date(2024, 1, 3), "Paid Search", 80.0),
        (date(2024, 1, 7), "Paid Social", 42.47),
        (date(2024, 1, 10), "Paid Search", 12.0),
    ]  # the unconfigured "meta" row is dropped
    assert ad_spend_daily(None, BOTH).empty
    assert list(ad_spend_daily(None, BOTH).columns) == ["date", "channel", "spend"]
    assert ad_spend_daily(AD_DAILY, {}).empty


def test_ad_spend_daily_feeds_total_spend() -> None:
    daily = ad_spend_daily(AD_DAILY, LINKEDIN_ONLY)
    spend = spend_by_week_channel(daily, None, [W1], CFG, ad_channels=["Paid Social"])
    assert [(r.channel, r.spend) for r in spend.itertuples()] == [("Paid Social", 150.0)]
    rows = [{"week_start": W1, "kpi_id": "new_leads", "channel": s, "value": 10.0} for s in CFG.slices]
    leads = pd.DataFrame(rows)
    got = efficiency_kpis(leads, spend, CFG)
    check(value(got, W1, "total_spend"), 150.0)
    check(value(got, W1, "cost_per_lead", "Paid Social"), 15.0)
