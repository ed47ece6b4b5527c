"""Deal frames and small helpers shared by the deal KPI tests (test_kpi_deals, test_kpi_pipeline)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig, deal_kpis
from assets.kpi_math.deal_currency import deals_in_reporting_currency
from settings import Settings

STAGES = pd.DataFrame(
    {
        "pipeline_id": ["default", "default", "default", "p2"],
        "stage_id": ["appointmentscheduled", "closedwon", "closedlost", "s1"],
        "is_closed": [False, True, True, False],
        "probability": [0.2, 1.0, 0.0, 0.5],
    }
)
NO_LINKS = pd.DataFrame({"deal_id": pd.Series([], dtype=object), "contact_id": pd.Series([], dtype=object)})
NO_CONTACTS = pd.DataFrame(
    {
        "contact_id": pd.Series([], dtype=object),
        "created_at": pd.Series([], dtype="datetime64[ns, UTC]"),
        "analytics_source": pd.Series([], dtype=object),
        "archived": pd.Series([], dtype=bool),
    }
)


def deals_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Deals with defaults: open deal of the default pipeline, no amount, no source.

    Amounts as the KPI step passes them: ``home`` (``amount_in_home_currency``) wins over ``amount``, the
    portal's company currency being the reporting currency (see :func:`deals_in_reporting_currency`).
    """
    records = [
        {
            "deal_id": row["id"],
            "created_at": row.get("created"),
            "close_date": row.get("close"),
            "amount": row.get("amount", np.nan),
            "amount_in_home_currency": row.get("home", np.nan),
            "pipeline": row.get("pipeline", "default"),
            "dealstage": row.get("stage", "appointmentscheduled"),
            "is_closed_won": row.get("won"),
            "is_closed": row.get("closed"),
            "deal_stage_probability": row.get("prob", np.nan),
            "mrr": row.get("mrr", np.nan),
            "analytics_source": row.get("source"),
            "analytics_source_data_1": row.get("data_1"),
            "archived": row.get("archived", False),
        }
        for row in rows
    ]
    frame = pd.DataFrame.from_records(records)
    for col in ("created_at", "close_date"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("amount", "amount_in_home_currency", "deal_stage_probability", "mrr"):
        frame[col] = frame[col].astype(float)
    for col in ("is_closed_won", "is_closed"):
        frame[col] = frame[col].astype(object)
    return deals_in_reporting_currency(frame, company_currency=None, rate_to_reporting=Settings().rate_to_reporting)


def won(deal_id: str, created: str, close: str, amount: float | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "id": deal_id,
        "created": created,
        "close": close,
        "amount": amount,
        "won": True,
        "closed": True,
        "stage": "closedwon",
        **kw,
    }


def lost(deal_id: str, created: str, close: str, amount: float | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "id": deal_id,
        "created": created,
        "close": close,
        "amount": amount,
        "won": False,
        "closed": True,
        "stage": "closedlost",
        **kw,
    }


def run(
    deals: list[dict[str, Any]],
    weeks: list[date],
    as_of: str,
    cfg: FunnelConfig | None = None,
    targets: pd.DataFrame | None = None,
    contacts: pd.DataFrame = NO_CONTACTS,
    links: pd.DataFrame = NO_LINKS,
) -> pd.DataFrame:
    return deal_kpis(
        deals_frame(deals),
        links,
        contacts,
        STAGES,
        targets,
        weeks,
        pd.Timestamp(as_of),
        cfg or FunnelConfig(),
    )


def value(frame: pd.DataFrame, week: date, kpi_id: str, channel: str = "All") -> float:
    rows = frame.loc[(frame["week_start"] == week) & (frame["kpi_id"] == kpi_id) & (frame["channel"] == channel)]
    assert len(rows) == 1, f"expected one row for {week} {kpi_id} {channel}, got {len(rows)}"
    return float(rows["value"].iloc[0])


def check(got: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(got), got
    else:
        assert got == pytest.approx(expected, rel=1e-12, abs=0.0)


W1, W2, W3 = date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)
