"""Open and weighted pipeline, coverage, sales velocity, additivity: hand-computed values (KPIS.md §3, §5.4)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, compute_hubspot_kpis
from tests.kpi_deals_support import STAGES, W1, W2, W3, check, lost, run, value, won

pytestmark = pytest.mark.unit

# ---------------------------------------------------------------- open / weighted pipeline (§5.4)


W4, W5 = date(2024, 1, 22), date(2024, 1, 29)
W6 = date(2024, 2, 5)


@pytest.fixture(scope="module")
def open_state() -> pd.DataFrame:
    deals = [
        # open, close date already passed: still open (§5.4); stage probability 0.2
        {
            "id": "o1",
            "created": "2024-01-02T00:00:00Z",
            "close": "2024-01-03T00:00:00Z",
            "amount": 100.0,
            "won": False,
            "closed": False,
        },
        # won in W2: open at W1's end only (stage closedwon, probability 1.0)
        won("o2", "2023-12-20T00:00:00Z", "2024-01-09T00:00:00Z", 200.0),
        # lost 2024-01-30 (W5): open at the ends of W2, W3, W4
        lost("o3", "2024-01-10T00:00:00Z", "2024-01-30T00:00:00Z", 400.0),
        # closed, but the close is dated after as_of: still open and never counted as lost
        lost("o4", "2024-01-05T00:00:00Z", "2024-02-10T00:00:00Z", 800.0),
        # stage unknown to the metadata: the deal's own probability
        {"id": "o6", "created": "2024-01-16T00:00:00Z", "amount": 50.0, "stage": "mystery", "prob": 0.6},
        # closed without a close date: never open, never won/lost
        {
            "id": "o7",
            "created": "2024-01-02T00:00:00Z",
            "amount": 1000.0,
            "won": False,
            "closed": True,
            "stage": "closedlost",
        },
        # created exactly at W3's end (local midnight): not open at W3's end
        {"id": "o8", "created": "2024-01-22T00:00:00Z", "amount": 5.0},
    ]
    return run(deals, [W1, W2, W3, W4, W5, W6], "2024-01-31T00:00:00Z")


@pytest.mark.parametrize(
    ("week", "open_amount", "weighted"),
    [
        (W1, 100 + 200 + 800, 20 + 200 + 0),
        (W2, 100 + 400 + 800, 20 + 0 + 0),
        (W3, 100 + 400 + 800 + 50, 20 + 30),
        (W4, 100 + 400 + 800 + 50 + 5, 20 + 30 + 1),
        (W5, 100 + 800 + 50 + 5, 20 + 30 + 1),
        (W6, 100 + 800 + 50 + 5, 20 + 30 + 1),
    ],
)
def test_open_and_weighted_pipeline(open_state: pd.DataFrame, week: date, open_amount: float, weighted: float) -> None:
    check(value(open_state, week, "open_pipeline"), open_amount)
    check(value(open_state, week, "weighted_pipeline"), weighted)


def test_close_after_as_of_not_counted(open_state: pd.DataFrame) -> None:
    assert value(open_state, W5, "deals_lost") == 1  # o3
    assert value(open_state, W6, "deals_lost") == 0  # o4 closes after as_of
    assert sum(value(open_state, w, "deals_lost") for w in (W1, W2, W3, W4, W5, W6)) == 1


def test_open_pipeline_zero_when_nothing_open() -> None:
    got = run([won("a", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z", 0.1)], [W1, W2], "2024-02-01T00:00:00Z")
    assert value(got, W1, "open_pipeline") == 0.0
    assert value(got, W2, "open_pipeline") == 0.0
    assert value(got, W2, "weighted_pipeline") == 0.0


def test_open_pipeline_week_end_in_local_time() -> None:
    # W1 ends at 2024-01-08 00:00 in New York = 05:00Z. Created 04:59:59Z is before; 05:00:00Z is not.
    deals = [
        {"id": "a", "created": "2024-01-08T04:59:59Z", "amount": 1.0},
        {"id": "b", "created": "2024-01-08T05:00:00Z", "amount": 2.0},
        # closed at 04:59:59Z (before W1's end in New York): not open at W1's end
        lost("c", "2024-01-02T12:00:00Z", "2024-01-08T04:59:59Z", 4.0),
    ]
    ny = FunnelConfig(timezone="America/New_York")
    got = run(deals, [W1, W2], "2024-02-01T00:00:00Z", ny)
    check(value(got, W1, "open_pipeline"), 1.0)
    check(value(got, W2, "open_pipeline"), 3.0)
    assert value(got, W1, "deals_lost") == 1
    utc = run(deals, [W1, W2], "2024-02-01T00:00:00Z")
    check(value(utc, W1, "open_pipeline"), 4.0)  # in UTC, all three fall in W2
    assert value(utc, W2, "deals_lost") == 1


# ---------------------------------------------------------------- pipeline coverage


def _targets(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kpi_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "period_start": [date.fromisoformat(r[2]) for r in rows],
            "period_end": [date.fromisoformat(r[3]) for r in rows],
            "target": [r[4] for r in rows],
        }
    )


@pytest.fixture(scope="module")
def coverage() -> pd.DataFrame:
    deals = [
        {
            "id": "q1",
            "created": "2024-01-10T12:00:00Z",
            "close": "2024-03-28T12:00:00Z",
            "amount": 1000.0,
            "source": "PAID_SEARCH",
        },
        {
            "id": "q2",
            "created": "2024-02-01T12:00:00Z",
            "close": "2024-05-15T12:00:00Z",
            "amount": 3000.0,
            "source": "PAID_SEARCH",
        },
        # close date in the past but open: still counts for Q1
        {
            "id": "q3",
            "created": "2024-01-01T12:00:00Z",
            "close": "2024-02-01T12:00:00Z",
            "amount": 500.0,
            "source": "ORGANIC_SEARCH",
        },
        # 2024-04-01 02:00Z is 2024-03-31 22:00 in New York: Q1 in the reporting time zone
        {
            "id": "q4",
            "created": "2024-01-05T12:00:00Z",
            "close": "2024-04-01T02:00:00Z",
            "amount": 200.0,
            "source": "PAID_SEARCH",
        },
        # won: not open
        won("q5", "2024-01-05T12:00:00Z", "2024-02-01T12:00:00Z", 7000.0, source="PAID_SEARCH"),
    ]
    targets = _targets(
        [
            ("revenue_won", "All", "2024-01-01", "2024-03-31", 10_000.0),
            ("revenue_won", "All", "2024-04-01", "2024-04-30", 3_000.0),
            ("revenue_won", "All", "2024-05-01", "2024-06-30", 6_000.0),
            # spans Q1 (31 days of March) and Q2 (30 days of April): prorated 31/61 and 30/61
            ("revenue_won", "paid search", "2024-03-01", "2024-04-30", 6_100.0),
            ("new_leads", "Organic Search", "2024-01-01", "2024-12-31", 100.0),  # other KPI: ignored
            ("revenue_won", "Email", "2024-01-01", "2024-03-31", 0.0),  # zero target: empty
        ]
    )
    cfg = FunnelConfig(timezone="America/New_York")
    return run(deals, [date(2024, 3, 18), date(2024, 3, 25), date(2024, 4, 1)], "2024-04-10T00:00:00Z", cfg, targets)


@pytest.mark.parametrize(
    ("week", "channel", "expected"),
    [
        (date(2024, 3, 18), "All", (1000 + 500 + 200) / 10_000),
        (date(2024, 3, 25), "All", (1000 + 500 + 200) / 10_000),
        (date(2024, 4, 1), "All", 3000 / 9000),
        (date(2024, 3, 25), "Paid Search", (1000 + 200) / 3100),
        (date(2024, 4, 1), "Paid Search", 3000 / 3000),
        (date(2024, 3, 25), "Organic Search", math.nan),  # no revenue_won target for the slice
        (date(2024, 3, 25), "Inbound", math.nan),
        (date(2024, 3, 25), "Email", math.nan),
    ],
)
def test_pipeline_coverage(coverage: pd.DataFrame, week: date, channel: str, expected: float) -> None:
    check(value(coverage, week, "pipeline_coverage", channel), expected)


def test_pipeline_coverage_empty_without_targets() -> None:
    deals = [{"id": "a", "created": "2024-01-02T00:00:00Z", "close": "2024-02-01T00:00:00Z", "amount": 10.0}]
    for targets in (None, _targets([])):
        got = run(deals, [W1], "2024-02-01T00:00:00Z", targets=targets)
        assert got.loc[got["kpi_id"] == "pipeline_coverage", "value"].isna().all()


# ---------------------------------------------------------------- sales velocity


def test_sales_velocity_over_13_weeks() -> None:
    week = date(2024, 4, 1)  # window: weeks starting 2024-01-08 .. 2024-04-01
    deals = [
        won("v1", "2024-01-01T00:00:00Z", "2024-01-11T00:00:00Z", 1000.0),  # 10 days
        won("v2", "2024-03-01T00:00:00Z", "2024-03-21T00:00:00Z", 3000.0),  # 20 days
        lost("v3", "2024-01-20T00:00:00Z", "2024-02-15T00:00:00Z", 50.0),
        won("v4", "2024-01-04T00:00:00Z", "2024-01-05T00:00:00Z", 99_999.0),  # closed before the window
        {"id": "o1", "created": "2024-03-01T00:00:00Z", "amount": 10.0},
        {"id": "o2", "created": "2024-03-15T00:00:00Z"},
        {"id": "o3", "created": "2024-04-09T00:00:00Z", "amount": 10.0},  # after W's end
    ]
    got = run(deals, [week], "2024-04-20T00:00:00Z")
    # open deals 2 × win rate 2/3 × average size 2000 ÷ average cycle 15 days
    check(value(got, week, "sales_velocity"), 2 * (2 / 3) * 2000 / 15)
    # W itself: nothing closed, so its own win_rate is empty while the 13-week velocity is defined
    assert math.isnan(value(got, week, "win_rate"))

    # Requesting more weeks gives the same value for the same week (no dependence on the range).
    wide = run(deals, [date(2024, 1, 1) + timedelta(weeks=i) for i in range(14)], "2024-04-20T00:00:00Z")
    check(value(wide, week, "sales_velocity"), 2 * (2 / 3) * 2000 / 15)
    # Week of 2024-01-08: window holds v4 (1 day, 99 999) and v1 (10 days, 1000); open at its end: v2? no
    # (created 03-01); v3 created 01-20: no. Open deals: none -> 0 velocity.
    check(value(wide, date(2024, 1, 8), "sales_velocity"), 0.0)
    # Week of 2024-01-15: v3 (created 01-20) not yet; open: none.
    # Week of 2024-01-22: v3 open; window: v4, v1 won (no loss yet) -> 1 × 1 × 50 499.5 ÷ 5.5
    check(value(wide, date(2024, 1, 22), "sales_velocity"), 1 * 1.0 * ((99_999 + 1000) / 2) / 5.5)


def test_sales_velocity_empty_without_wins() -> None:
    got = run([{"id": "o", "created": "2024-01-02T00:00:00Z", "amount": 5.0}], [W1], "2024-02-01T00:00:00Z")
    assert math.isnan(value(got, W1, "sales_velocity"))


# ---------------------------------------------------------------- additivity (property-style)


def _random_dataset(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n_c, n_d = 3000, 800
    start = pd.Timestamp("2024-01-01T00:00:00Z")
    sources = np.array(
        ["ORGANIC_SEARCH", "PAID_SEARCH", "PAID_SOCIAL", "OFFLINE", "EMAIL_MARKETING", "XYZ", None],
        dtype=object,
    )
    c_created = start + pd.to_timedelta(rng.integers(0, 120 * 86_400, n_c), unit="s")
    contacts = pd.DataFrame(
        {
            "contact_id": [str(i) for i in range(n_c)],
            "created_at": c_created,
            "lifecyclestage": rng.choice(
                np.array(["lead", "marketingqualifiedlead", "customer", "other", None], dtype=object), n_c
            ),
            "analytics_source": rng.choice(sources, n_c),
            "analytics_source_data_1": None,
            "archived": rng.random(n_c) < 0.05,
        }
    )
    for stage in ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"):
        dates = c_created + pd.to_timedelta(rng.integers(0, 40 * 86_400, n_c), unit="s")
        contacts[f"hs_v2_date_entered_{stage}"] = dates.where(rng.random(n_c) < 0.4)
    d_created = start + pd.to_timedelta(rng.integers(-60 * 86_400, 120 * 86_400, n_d), unit="s")
    closed = rng.random(n_d) < 0.6
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(n_d)],
            "created_at": d_created,
            "close_date": d_created + pd.to_timedelta(rng.integers(0, 90 * 86_400, n_d), unit="s"),
            "amount": np.where(rng.random(n_d) < 0.1, np.nan, np.round(rng.random(n_d) * 10_000, 2)),
            "amount_in_home_currency": np.where(rng.random(n_d) < 0.5, rng.random(n_d) * 9000, np.nan),
            "pipeline": "default",
            "dealstage": rng.choice(["appointmentscheduled", "closedwon", "closedlost"], n_d),
            "is_closed_won": pd.Series(np.where(closed, rng.random(n_d) < 0.5, False), dtype=object),
            "is_closed": pd.Series(closed, dtype=object),
            "deal_stage_probability": rng.random(n_d),
            "mrr": np.where(rng.random(n_d) < 0.3, rng.random(n_d) * 500, np.nan),
            "analytics_source": rng.choice(sources, n_d),
            "analytics_source_data_1": None,
            "archived": rng.random(n_d) < 0.05,
        }
    )
    links = pd.DataFrame({"deal_id": deals["deal_id"], "contact_id": rng.integers(0, n_c, n_d).astype(str)})
    meetings = pd.DataFrame(
        {
            "meeting_id": [f"m{i}" for i in range(200)],
            "created_at": start + pd.to_timedelta(rng.integers(0, 120 * 86_400, 200), unit="s"),
            "outcome": rng.choice(np.array(["SCHEDULED", "CANCELED", None], dtype=object), 200),
            "archived": False,
        }
    )
    return {"contacts": contacts, "deals": deals, "deal_contacts": links, "meetings": meetings}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("tz", ["UTC", "America/New_York"])
def test_additivity_identity_on_random_data(seed: int, tz: str) -> None:
    data = _random_dataset(seed)
    cfg = FunnelConfig(timezone=tz)
    weeks = [date(2024, 1, 1) + timedelta(weeks=i) for i in range(16)]
    got = compute_hubspot_kpis(
        **data,
        pipeline_stages=STAGES,
        targets=None,
        weeks=weeks,
        as_of=pd.Timestamp("2024-04-01T00:00:00Z"),
        cfg=cfg,
    )
    assert not got.duplicated(["week_start", "kpi_id", "channel"]).any()
    # per week: 18 funnel KPIs and 13 deal KPIs on every slice, meetings and marketing share on All only
    assert (got.groupby("week_start").size() == 18 * 12 + 13 * 12 + 2).all()
    assert got["week_start"].is_monotonic_increasing
    assert got["kpi_id"].iloc[:3].tolist() == ["new_contacts"] * 3
    wide = got.pivot_table(index=["week_start", "kpi_id"], columns="channel", values="value", dropna=False)
    counts = [
        "new_contacts",
        "new_leads",
        "new_mqls",
        "new_sqls",
        "new_opportunities",
        "new_customers",
        "cohort_leads",
        "cohort_customers",
        "new_deals",
        "deals_won",
        "deals_lost",
    ]
    sums = ["pipeline_created", "open_pipeline", "weighted_pipeline", "revenue_won", "new_mrr"]
    for kpi_id in counts + sums:
        block = pd.DataFrame(wide.xs(kpi_id, level="kpi_id"))
        total = block["All"].to_numpy()
        groups = (block["Inbound"] + block["Outbound"]).to_numpy()
        channels = block[list(cfg.channels)].sum(axis=1).to_numpy()
        assert not np.isnan(total).any()
        if kpi_id in counts:
            assert (total == groups).all() and (total == channels).all(), kpi_id
        else:
            np.testing.assert_allclose(groups, total, rtol=1e-12, atol=1e-9, err_msg=kpi_id)
            np.testing.assert_allclose(channels, total, rtol=1e-12, atol=1e-9, err_msg=kpi_id)
    assert wide.xs("new_contacts", level="kpi_id")["All"].sum() > 0
    assert wide.xs("deals_won", level="kpi_id")["All"].sum() > 0
    for rate_id in (
        "win_rate",
        "cohort_contact_to_lead",
        "cohort_lead_to_mql",
        "marketing_share_of_pipeline",
    ):
        values = got.loc[got["kpi_id"] == rate_id, "value"].dropna()
        assert ((values >= 0) & (values <= 1)).all(), rate_id
    # Ratios are computed from the slice's own sums, never averaged.
    won_ = pd.DataFrame(wide.xs("deals_won", level="kpi_id")).to_numpy()
    lost_ = pd.DataFrame(wide.xs("deals_lost", level="kpi_id")).to_numpy()
    rate = pd.DataFrame(wide.xs("win_rate", level="kpi_id")).to_numpy()
    with np.errstate(invalid="ignore"):
        expected = won_ / (won_ + lost_)
    np.testing.assert_allclose(rate, expected, rtol=1e-15)
