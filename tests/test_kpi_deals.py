"""Pipeline and revenue KPIs from deals, against hand-computed values (KPIS.md §3, §5.2-§5.6)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, deal_channels, deal_facts
from tests.kpi_deals_support import NO_CONTACTS, NO_LINKS, STAGES, W1, W2, W3, check, deals_frame, lost, run, value, won

pytestmark = pytest.mark.unit


# ---------------------------------------------------------------- won / lost / revenue


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    deals = [
        # home-currency amount preferred over amount
        won("d1", "2023-12-01T00:00:00Z", "2024-01-03T00:00:01Z", 1000.0, home=900.0, source="PAID_SEARCH"),
        lost("d2", "2023-12-15T00:00:00Z", "2024-01-04T00:00:00Z", 500.0, source="PAID_SEARCH"),
        # won without amount: counts with 0 (§5.3)
        won("d3", "2024-01-02T00:00:00Z", "2024-01-10T00:00:00Z", None, source="PAID_SEARCH"),
        # won by stage metadata only (flags unknown)
        {
            "id": "d4",
            "created": "2024-01-01T00:00:00Z",
            "close": "2024-01-05T12:00:00Z",
            "amount": 300.0,
            "stage": "closedwon",
            "source": "OFFLINE",
        },
        won("d5", "2023-12-01T00:00:00Z", "2024-01-03T00:00:00Z", 10_000.0, archived=True, source="OFFLINE"),
        # open deal created in W1
        {
            "id": "d6",
            "created": "2024-01-02T00:00:00Z",
            "amount": 2000.0,
            "close": "2024-03-01T00:00:00Z",
            "source": "EMAIL_MARKETING",
        },
        # created after as_of: excluded entirely
        {"id": "d7", "created": "2024-02-02T00:00:00Z", "amount": 7.0, "source": "EMAIL_MARKETING"},
    ]
    return run(deals, [W1, W2, W3], "2024-02-01T00:00:00Z")


@pytest.mark.parametrize(
    ("week", "kpi_id", "channel", "expected"),
    [
        (W1, "deals_won", "All", 2),
        (W1, "deals_won", "Paid Search", 1),
        (W1, "deals_won", "Offline", 1),
        (W1, "deals_won", "Outbound", 1),
        (W1, "deals_lost", "All", 1),
        (W1, "revenue_won", "All", 1200.0),
        (W1, "revenue_won", "Paid Search", 900.0),
        (W1, "revenue_won", "Email", 0.0),
        (W1, "win_rate", "All", 2 / 3),
        (W1, "win_rate", "Paid Search", 0.5),
        (W1, "win_rate", "Offline", 1.0),
        (W1, "win_rate", "Email", math.nan),
        (W1, "avg_deal_size", "All", 600.0),
        (W1, "avg_deal_size", "Email", math.nan),
        (W1, "avg_sales_cycle_days", "All", ((33 * 86_400 + 1) + 4.5 * 86_400) / 2 / 86_400),
        (W1, "avg_sales_cycle_days", "Paid Search", (33 * 86_400 + 1) / 86_400),
        (W1, "avg_sales_cycle_days", "Offline", 4.5),
        (W1, "avg_sales_cycle_days", "Email", math.nan),
        (W1, "new_deals", "All", 3),  # d3, d4, d6
        (W1, "new_deals", "Email", 1),
        (W1, "pipeline_created", "All", 2300.0),  # d3 0 + d4 300 + d6 2000
        (W1, "pipeline_created", "Inbound", 2000.0),
        (W1, "marketing_share_of_pipeline", "All", 2000 / 2300),
        (W2, "deals_won", "All", 1),
        (W2, "revenue_won", "All", 0.0),
        (W2, "avg_deal_size", "All", 0.0),  # §5.3: the only won deal has no amount
        (W2, "win_rate", "All", 1.0),
        (W2, "avg_sales_cycle_days", "All", 8.0),
        (W2, "new_deals", "All", 0),
        (W2, "pipeline_created", "All", 0.0),
        (W2, "marketing_share_of_pipeline", "All", math.nan),
        (W3, "deals_won", "All", 0),
        (W3, "deals_lost", "All", 0),
        (W3, "revenue_won", "All", 0.0),
        (W3, "win_rate", "All", math.nan),
        (W3, "avg_deal_size", "All", math.nan),
        (W3, "new_mrr", "All", 0.0),
    ],
)
def test_close_kpis(closes: pd.DataFrame, week: date, kpi_id: str, channel: str, expected: float) -> None:
    check(value(closes, week, kpi_id, channel), expected)


def test_rows_that_exist(closes: pd.DataFrame) -> None:
    cfg = FunnelConfig()
    per_week = closes.groupby("kpi_id").size()
    assert per_week["marketing_share_of_pipeline"] == 3
    assert per_week["open_pipeline"] == 3 * len(cfg.slices)
    assert set(per_week.index) == {
        "new_deals",
        "pipeline_created",
        "marketing_share_of_pipeline",
        "open_pipeline",
        "weighted_pipeline",
        "pipeline_coverage",
        "deals_won",
        "deals_lost",
        "revenue_won",
        "win_rate",
        "avg_deal_size",
        "avg_sales_cycle_days",
        "new_mrr",
        "sales_velocity",
    }
    assert closes.loc[closes["kpi_id"] == "marketing_share_of_pipeline", "channel"].unique().tolist() == ["All"]


def test_deal_facts_amounts_and_states() -> None:
    facts = deal_facts(
        deals_frame(
            [
                {"id": "a", "created": "2024-01-01", "amount": 10.0, "home": 9.0},
                {"id": "b", "created": "2024-01-01", "amount": 10.0},
                {"id": "c", "created": "2024-01-01"},
                {
                    "id": "d",
                    "created": "2024-01-01",
                    "won": "true",
                    "closed": None,
                    "stage": "appointmentscheduled",
                },
                {"id": "e", "created": "2024-01-01", "won": None, "closed": None, "stage": "closedlost"},
                {
                    "id": "f",
                    "created": "2024-01-01",
                    "won": None,
                    "closed": True,
                    "stage": "unknown",
                    "prob": 0.7,
                },
            ]
        ),
        NO_LINKS,
        NO_CONTACTS,
        STAGES,
        pd.Timestamp("2024-02-01", tz="UTC"),
        FunnelConfig(),
    ).frame.set_index("deal_id")
    assert facts["amount"].tolist() == [9.0, 10.0, 0.0, 0.0, 0.0, 0.0]
    assert facts["amount_missing"].tolist() == [False, False, True, True, True, True]
    assert facts["won"].tolist() == [False, False, False, True, False, False]
    assert facts["closed"].tolist() == [False, False, False, True, True, True]
    assert facts["lost"].tolist() == [False, False, False, False, True, True]
    # stage metadata probability first, then the deal's own, then 0
    assert facts["probability"].tolist() == [0.2, 0.2, 0.2, 0.2, 0.0, 0.7]


# ---------------------------------------------------------------- new_mrr


@pytest.mark.parametrize(("basis", "expected"), [("arr", 300.0), ("mrr", 1950.0), ("one_time", 150.0)])
def test_new_mrr_by_amount_basis(basis: str, expected: float) -> None:
    deals = [
        won("m1", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 1200.0),  # arr 100, mrr 1200, one_time 0
        won("m2", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 2400.0, mrr=150.0),  # hs_mrr wins: 150
        won("m3", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 600.0, mrr=0.0),  # mrr 0 -> amount basis
        won("m4", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", None),  # no amount: 0
        lost("m5", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", 999.0, mrr=999.0),  # lost: nothing
    ]
    got = run(deals, [W1], "2024-02-01T00:00:00Z", FunnelConfig(deal_amount_basis=basis))  # type: ignore[arg-type]
    check(value(got, W1, "new_mrr"), expected)


# ---------------------------------------------------------------- channels (§5.2)


def test_deal_channel_from_own_source_or_earliest_live_contact() -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["5", "6", "9", "10", "11", "12"],
            "created_at": pd.to_datetime(
                [
                    "2024-01-05T00:00:00Z",
                    "2024-01-01T00:00:00Z",  # earliest, but archived
                    "2024-01-03T00:00:00Z",  # tie with "10": lowest id (numerically 9 < 10)
                    "2024-01-03T00:00:00Z",
                    "2024-01-01T00:00:00Z",  # unknown source -> Other
                    "2024-03-01T00:00:00Z",  # created after as_of: skipped
                ],
                utc=True,
            ),
            "analytics_source": [
                "EMAIL_MARKETING",
                "PAID_SOCIAL",
                "ORGANIC_SEARCH",
                "REFERRALS",
                "WHATEVER",
                "OFFLINE",
            ],
            "archived": [False, True, False, False, False, False],
        }
    )
    links = pd.DataFrame(
        {
            "deal_id": ["a", "a", "a", "a", "b", "b", "c", "d", "e", "f", "g", "g"],
            "contact_id": ["5", "6", "10", "9", "11", "5", "404", "5", "5", "5", "12", "5"],
        }
    )
    deals = deals_frame(
        [
            {"id": "a", "created": "2024-01-10"},  # -> contact 9: Organic Search
            {"id": "b", "created": "2024-01-10"},  # -> contact 11 (earliest), whatever it maps to: Other
            {"id": "c", "created": "2024-01-10"},  # only a missing contact -> Other
            {"id": "d", "created": "2024-01-10", "source": "DIRECT_TRAFFIC"},  # own source wins
            {"id": "e", "created": "2024-01-10", "source": ""},  # empty own source -> contact 5: Email
            {"id": "f", "created": "2024-01-10", "source": "NOT_A_SOURCE"},  # own unknown source -> Other
            {"id": "g", "created": "2024-01-10"},  # contact 12 is after as_of -> contact 5: Email
            {"id": "h", "created": "2024-01-10"},  # no association -> Other
        ]
    )
    got = deal_channels(deals, links, contacts, FunnelConfig(), pd.Timestamp("2024-02-01", tz="UTC"))
    assert got.tolist() == ["Organic Search", "Other", "Other", "Direct", "Email", "Other", "Email", "Other"]


def test_deal_channel_feeds_the_slices() -> None:
    contacts = pd.DataFrame(
        {
            "contact_id": ["1"],
            "created_at": pd.to_datetime(["2023-12-01T00:00:00Z"], utc=True),
            "analytics_source": ["OFFLINE"],
            "archived": [False],
        }
    )
    links = pd.DataFrame({"deal_id": ["x"], "contact_id": ["1"]})
    got = run(
        [{"id": "x", "created": "2024-01-02T00:00:00Z", "amount": 50.0}],
        [W1],
        "2024-02-01T00:00:00Z",
        contacts=contacts,
        links=links,
    )
    check(value(got, W1, "pipeline_created", "Offline"), 50.0)
    check(value(got, W1, "pipeline_created", "Outbound"), 50.0)
    check(value(got, W1, "marketing_share_of_pipeline"), 0.0)


# ---------------------------------------------------------------- filters


def test_pipelines_filter_and_archived() -> None:
    deals = [
        {"id": "a", "created": "2024-01-02T00:00:00Z", "amount": 100.0},
        {"id": "b", "created": "2024-01-02T00:00:00Z", "amount": 10.0, "pipeline": "p2", "stage": "s1"},
        {"id": "c", "created": "2024-01-02T00:00:00Z", "amount": 1.0, "archived": True},
    ]
    all_pipelines = run(deals, [W1], "2024-02-01T00:00:00Z")
    only_default = run(deals, [W1], "2024-02-01T00:00:00Z", FunnelConfig(pipelines=("default",)))
    only_p2 = run(deals, [W1], "2024-02-01T00:00:00Z", FunnelConfig(pipelines=("p2",)))
    assert value(all_pipelines, W1, "new_deals") == 2
    check(value(all_pipelines, W1, "pipeline_created"), 110.0)
    check(value(all_pipelines, W1, "weighted_pipeline"), 100 * 0.2 + 10 * 0.5)
    assert value(only_default, W1, "new_deals") == 1
    check(value(only_default, W1, "open_pipeline"), 100.0)
    check(value(only_p2, W1, "open_pipeline"), 10.0)
