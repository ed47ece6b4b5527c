"""Spend per week/channel, spend-based efficiency KPIs and the visit → lead rate, hand-computed."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, efficiency_kpis, spend_by_week_channel, visit_to_lead_rate

pytestmark = pytest.mark.unit

W1, W2 = date(2024, 1, 1), date(2024, 1, 8)
CFG = FunnelConfig()


def value(frame: pd.DataFrame, week: date, kpi_id: str, channel: str = "All") -> float:
    rows = frame.loc[(frame["week_start"] == week) & (frame["kpi_id"] == kpi_id) & (frame["channel"] == channel)]
    assert len(rows) == 1, f"expected one row for {week} {kpi_id} {channel}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def check(got: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(got), got
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0.0)


# ---------------------------------------------------------------- spend per week and channel

AD_SPEND = pd.DataFrame(
    {
        "date": [
            date(2024, 1, 1),
            date(2024, 1, 7),
            date(2024, 1, 8),
            date(2024, 1, 3),
            date(2023, 12, 31),
        ],
        "channel": ["Paid Social", "Paid Social", "Paid Social", "Paid Search", "Paid Search"],
        "spend": [100.25, 50.0, 10.0, 5.0, 999.0],
    }
)
COSTS = pd.DataFrame(
    {
        "channel": ["Email", "offline", "Podcasts"],  # case-insensitive; an unknown channel is left out
        "period_start": [date(2024, 1, 1), date(2024, 1, 5), date(2024, 1, 8)],
        "period_end": [date(2024, 1, 10), date(2024, 1, 5), date(2024, 1, 14)],
        "amount": [100.0, 7.0, 14.0],
    }
)


def test_spend_by_week_channel_monday() -> None:
    got = spend_by_week_channel(AD_SPEND, COSTS, [W1, W2], CFG, ad_channels=("Paid Social", "Paid Search", "Direct"))
    assert list(got.columns) == ["week_start", "channel", "spend"]
    table = {(r.week_start, r.channel): r.spend for r in got.itertuples()}
    offline_w2 = table.pop((W2, "Offline"))
    assert math.isnan(offline_w2)  # its one Costs day is in W1: W2 has no source for Offline, so no number
    assert table == {
        (W1, "Paid Search"): 5.0,  # the 2023-12-31 row is outside the requested weeks
        (W1, "Paid Social"): 150.25,  # Sunday 2024-01-07 still belongs to the Monday week
        (W1, "Email"): 70.0,  # 100 over 10 days: 7 days in W1
        (W1, "Direct"): 0.0,  # ad platform mapped, nothing spent: a 0 row
        (W1, "Offline"): 7.0,
        (W2, "Paid Search"): 0.0,
        (W2, "Paid Social"): 10.0,
        (W2, "Email"): 30.0,  # the Email period covers 3 days of W2
        (W2, "Direct"): 0.0,
    }
    # channel order follows the taxonomy; Podcasts is not a channel, so nothing is booked to Other
    assert got["channel"].tolist()[:5] == ["Paid Search", "Paid Social", "Email", "Direct", "Offline"]
    assert "Other" not in set(got["channel"])


def test_a_costs_row_covers_only_the_weeks_its_period_touches() -> None:
    # One October row for Offline, 2024-10-07..2024-10-20 (14 days, 1,400): two covered weeks of four.
    weeks = [date(2024, 9, 30), date(2024, 10, 7), date(2024, 10, 14), date(2024, 10, 21)]
    costs = pd.DataFrame(
        {
            "channel": ["Offline"],
            "period_start": [date(2024, 10, 7)],
            "period_end": [date(2024, 10, 20)],
            "amount": [1400.0],
        }
    )
    got = spend_by_week_channel(None, costs, weeks, CFG)
    assert got["channel"].unique().tolist() == ["Offline"]
    spend = got["spend"].tolist()
    assert math.isnan(spend[0]) and math.isnan(spend[3])
    assert spend[1:3] == [700.0, 700.0]


def test_spend_by_week_channel_sunday_weeks() -> None:
    cfg = FunnelConfig(week_start="sunday")
    got = spend_by_week_channel(AD_SPEND, None, [date(2023, 12, 31), date(2024, 1, 7)], cfg)
    table = {(r.week_start, r.channel): r.spend for r in got.itertuples()}
    assert table == {
        (date(2023, 12, 31), "Paid Search"): 1004.0,
        (date(2023, 12, 31), "Paid Social"): 100.25,
        (date(2024, 1, 7), "Paid Search"): 0.0,
        (date(2024, 1, 7), "Paid Social"): 60.0,
    }


def test_spend_without_sources_is_empty() -> None:
    got = spend_by_week_channel(None, pd.DataFrame(), [W1], CFG)
    assert got.empty


# ---------------------------------------------------------------- efficiency KPIs


def _long(week: date, values: dict[str, dict[str, float]]) -> pd.DataFrame:
    """A long KPI frame for one week: every slice present, 0 unless given."""
    rows = [
        {"week_start": week, "kpi_id": kpi_id, "channel": s, "value": float(per_slice.get(s, 0.0))}
        for kpi_id, per_slice in values.items()
        for s in CFG.slices
    ]
    return pd.DataFrame(rows)


KPIS = _long(
    W1,
    {
        "new_leads": {"All": 10, "Inbound": 8, "Outbound": 2, "Paid Social": 4, "Email": 4, "Offline": 2},
        "new_mqls": {"All": 5, "Inbound": 4, "Outbound": 1, "Paid Social": 2, "Email": 2, "Offline": 1},
        "new_opportunities": {"All": 3, "Inbound": 3, "Paid Social": 3},
        "new_customers": {"All": 2, "Inbound": 1, "Outbound": 1, "Paid Social": 1, "Offline": 1},
        "revenue_won": {"All": 5000, "Inbound": 3000, "Outbound": 2000, "Paid Social": 3000, "Offline": 2000},
        "new_mrr": {"All": 400, "Inbound": 250, "Outbound": 150, "Paid Social": 250, "Offline": 150},
    },
)
SPEND = pd.DataFrame(
    {
        "week_start": [W1, W1, W1],
        "channel": ["Paid Search", "Paid Social", "Email"],
        "spend": [50.0, 150.0, 100.0],
    }
)


@pytest.fixture(scope="module")
def efficiency() -> pd.DataFrame:
    return efficiency_kpis(KPIS, SPEND, FunnelConfig(gross_margin=0.8, monthly_churn_rate=0.02))


def test_spend_rows_exist_only_for_spend_slices(efficiency: pd.DataFrame) -> None:
    # Outbound has no channel with a spend source: no row (not a 0).
    expected = ["All", "Inbound", "Paid Search", "Paid Social", "Email"]
    for kpi_id in ("total_spend", "cost_per_lead", "cost_per_mql", "cost_per_opportunity", "cac"):
        assert efficiency.loc[efficiency["kpi_id"] == kpi_id, "channel"].tolist() == expected
    assert len(efficiency) == 7 * len(expected)
    assert efficiency["kpi_id"].unique().tolist() == [
        "total_spend",
        "cost_per_lead",
        "cost_per_mql",
        "cost_per_opportunity",
        "cac",
        "marketing_roi",
        "ltv_to_cac",
    ]


@pytest.mark.parametrize(
    ("kpi_id", "channel", "expected"),
    [
        ("total_spend", "All", 300.0),
        ("total_spend", "Inbound", 300.0),
        ("total_spend", "Paid Search", 50.0),
        ("cost_per_lead", "All", 30.0),  # all spend over all new leads, organic and outbound included
        ("cost_per_lead", "Inbound", 37.5),
        ("cost_per_lead", "Paid Social", 37.5),
        ("cost_per_lead", "Email", 25.0),
        ("cost_per_lead", "Paid Search", math.nan),  # no leads
        ("cost_per_mql", "All", 60.0),
        ("cost_per_mql", "Email", 50.0),
        ("cost_per_opportunity", "All", 100.0),
        ("cost_per_opportunity", "Paid Social", 50.0),
        ("cac", "All", 150.0),  # over new customers (contacts), not deals won
        ("cac", "Inbound", 300.0),
        ("cac", "Paid Social", 150.0),
        ("cac", "Email", math.nan),
        ("marketing_roi", "All", (3000 - 300) / 300),  # All uses revenue_won[Inbound]
        ("marketing_roi", "Inbound", (3000 - 300) / 300),
        ("marketing_roi", "Paid Social", (3000 - 150) / 150),
        ("marketing_roi", "Email", -1.0),
        ("ltv_to_cac", "All", ((400 / 2) * 0.8 / 0.02) / 150),
        ("ltv_to_cac", "Paid Social", ((250 / 1) * 0.8 / 0.02) / 150),
        ("ltv_to_cac", "Inbound", ((250 / 1) * 0.8 / 0.02) / 300),
        ("ltv_to_cac", "Email", math.nan),
    ],
)
def test_efficiency_values(efficiency: pd.DataFrame, kpi_id: str, channel: str, expected: float) -> None:
    check(value(efficiency, W1, kpi_id, channel), expected)


def test_ltv_to_cac_empty_without_margin_and_churn() -> None:
    got = efficiency_kpis(KPIS, SPEND, FunnelConfig(gross_margin=0.8))
    assert got.loc[got["kpi_id"] == "ltv_to_cac", "value"].isna().all()
    check(value(got, W1, "cac"), 150.0)


def test_zero_spend_gives_zero_costs_and_empty_roi() -> None:
    spend = pd.DataFrame({"week_start": [W1], "channel": ["Paid Social"], "spend": [0.0]})
    got = efficiency_kpis(KPIS, spend, CFG)
    check(value(got, W1, "total_spend", "Paid Social"), 0.0)
    check(value(got, W1, "cost_per_lead", "Paid Social"), 0.0)
    check(value(got, W1, "marketing_roi", "Paid Social"), math.nan)


def test_no_spend_source_leaves_all_row_empty() -> None:
    got = efficiency_kpis(KPIS, spend_by_week_channel(None, None, [W1], CFG), CFG)
    assert got["channel"].unique().tolist() == ["All"]
    assert len(got) == 7
    assert got["value"].isna().all()


def test_efficiency_from_spend_builder_end_to_end() -> None:
    spend = spend_by_week_channel(AD_SPEND, COSTS, [W1], CFG, ad_channels=("Paid Social",))
    got = efficiency_kpis(KPIS, spend, CFG)
    # W1 spend: Paid Search 5, Paid Social 150.25, Email 70, Offline 7 -> All 232.25, Outbound 7
    check(value(got, W1, "total_spend"), 232.25)
    check(value(got, W1, "total_spend", "Outbound"), 7.0)
    check(value(got, W1, "cost_per_lead", "Outbound"), 3.5)
    check(value(got, W1, "marketing_roi", "Offline"), (2000 - 7) / 7)


def test_cost_kpis_are_blank_in_weeks_without_a_spend_source() -> None:
    # Paid Social has an ad platform (a source every week, W2 spent nothing); Offline has one Costs row
    # covering 2024-01-05 only (W1). Leads: W1 Paid Social 4, Offline 2, All 10; W2 the same.
    kpis = pd.concat([KPIS, KPIS.assign(week_start=W2)], ignore_index=True)
    costs = pd.DataFrame(
        {"channel": ["Offline"], "period_start": [date(2024, 1, 5)], "period_end": [date(2024, 1, 5)], "amount": [7.0]}
    )
    ads = pd.DataFrame({"date": [date(2024, 1, 2)], "channel": ["Paid Social"], "spend": [40.0]})
    got = efficiency_kpis(kpis, spend_by_week_channel(ads, costs, [W1, W2], CFG, ad_channels=("Paid Social",)), CFG)
    # W1: Offline 7 over 2 leads; Outbound = Offline; All = 40 + 7 over 10 leads.
    check(value(got, W1, "total_spend", "Offline"), 7.0)
    check(value(got, W1, "cost_per_lead", "Offline"), 3.5)
    check(value(got, W1, "cost_per_lead", "Outbound"), 3.5)
    check(value(got, W1, "cost_per_lead"), 4.7)
    # W2: no Costs row covers Offline, so its spend is unknown: blank, not $0.00 (nor a CAC of 0).
    for kpi_id in ("total_spend", "cost_per_lead", "cost_per_mql", "cac", "marketing_roi"):
        check(value(got, W2, kpi_id, "Offline"), math.nan)
        check(value(got, W2, kpi_id, "Outbound"), math.nan)
    # Paid Social's platform reported nothing in W2: a real 0 spend, so 0 per lead; All holds that 0.
    check(value(got, W2, "total_spend", "Paid Social"), 0.0)
    check(value(got, W2, "cost_per_lead", "Paid Social"), 0.0)
    check(value(got, W2, "total_spend"), 0.0)
    check(value(got, W2, "cost_per_lead", "Inbound"), 0.0)


# ---------------------------------------------------------------- visit -> lead rate


def test_visit_to_lead_rate() -> None:
    sessions = pd.DataFrame(
        {
            "week_start": [W1, W1, W1, W1],
            "channel": ["Paid Social", "Email", "Offline", "All"],  # the All row is ignored (summed)
            "sessions": [40, 80, 0, 9999],
        }
    )
    got = visit_to_lead_rate(KPIS, sessions, CFG)
    assert got["channel"].tolist() == list(CFG.slices)
    check(value(got, W1, "visit_to_lead_rate"), 10 / 120)
    check(value(got, W1, "visit_to_lead_rate", "Inbound"), 8 / 120)
    check(value(got, W1, "visit_to_lead_rate", "Paid Social"), 0.1)
    check(value(got, W1, "visit_to_lead_rate", "Email"), 0.05)
    check(value(got, W1, "visit_to_lead_rate", "Outbound"), math.nan)
    check(value(got, W1, "visit_to_lead_rate", "Organic Search"), math.nan)


def test_visit_to_lead_rate_without_ga4() -> None:
    got = visit_to_lead_rate(KPIS, None, CFG)
    assert len(got) == len(CFG.slices)
    assert got["value"].isna().all()
    assert got["value"].dtype == np.float64
