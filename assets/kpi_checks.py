"""Checks that ship with every KPI materialization (pure functions over the long KPI frame and the
quarantine table); ``assets/weekly_kpis.py`` reports them as the asset's checks."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from settings import GROUPS, Settings

# Counts and sums: All = Inbound + Outbound = sum of channels must hold exactly (KPIS.md §1).
ADDITIVE_KPIS = frozenset(
    {
        "sessions",
        "engaged_sessions",
        "key_events",
        "ad_impressions",
        "ad_clicks",
        "ad_spend",
        "ad_conversions",
        "ad_platform_leads",
        "new_contacts",
        "new_leads",
        "new_mqls",
        "new_sqls",
        "new_opportunities",
        "cohort_leads",
        "cohort_mqls",
        "cohort_sqls",
        "cohort_opportunities",
        "cohort_customers",
        "new_deals",
        "pipeline_created",
        "open_pipeline",
        "weighted_pipeline",
        "new_customers",
        "deals_won",
        "deals_lost",
        "revenue_won",
        "new_mrr",
        "total_spend",
    }
)
# Ratios that are shares of a whole; others (ROI, coverage, LTV:CAC, pages per session, flow-view rates
# such as lead → customer, where this week's customers can come from older leads) may exceed 1.
BOUNDED_RATIOS = frozenset(
    {
        "engagement_rate",
        "ad_ctr",
        "cohort_contact_to_lead",
        "cohort_lead_to_mql",
        "cohort_mql_to_sql",
        "cohort_sql_to_opportunity",
        "cohort_opportunity_to_customer",
        "cohort_contact_to_customer",
        "marketing_share_of_pipeline",
        "win_rate",
    }
)
TOLERANCE = 1e-6


def duplicate_keys(values: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["week_start", "kpi_id", "kpi_version", "channel"]
    duplicated = values[values.duplicated(keys, keep=False)]
    records: list[dict[str, Any]] = duplicated[keys].astype(str).drop_duplicates().to_dict("records")  # type: ignore[assignment]
    return records


def additivity_violations(values: pd.DataFrame, settings: Settings) -> list[dict[str, Any]]:
    """Weeks and KPIs where All, Inbound + Outbound and the sum of channels disagree.

    Vectorised over the (week, KPI) rows of the pivot; each row's sums are numpy's row reductions of
    contiguous arrays, the same summation a per-row ``Series.sum`` does, so the figures reported are the
    ones a loop over the rows would report.
    """
    frame = values[values["kpi_id"].isin(ADDITIVE_KPIS)]
    if frame.empty:
        return []
    table = frame.pivot_table(
        index=["week_start", "kpi_id"], columns="channel", values="value", aggfunc="sum", dropna=False
    )
    channels = [c for c in settings.channels if c in table.columns]
    groups = [g for g in GROUPS if g in table.columns]
    if "All" not in table.columns or not channels:
        return []
    total = table["All"].to_numpy(dtype=np.float64)
    by_channel = _row_sums(table, channels)
    by_group = _row_sums(table, groups) if groups else total
    limit = TOLERANCE * np.maximum(1.0, np.abs(total))
    # NaN totals compare False on both sides, so they are never violations (as the loop skipped them).
    bad = (np.abs(total - by_channel) > limit) | (np.abs(total - by_group) > limit)
    rows = np.flatnonzero(bad)
    weeks = table.index.get_level_values(0)[rows]
    kpi_ids = table.index.get_level_values(1)[rows]
    return [
        {
            "week": str(week),
            "kpi_id": str(kpi_id),
            "all": float(total[i]),
            "groups": float(by_group[i]),
            "channels": float(by_channel[i]),
        }
        for i, week, kpi_id in zip(rows.tolist(), weeks, kpi_ids, strict=True)
    ]


def _row_sums(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Sum of ``columns`` per row, missing as 0 (C-contiguous rows: numpy sums each row as a 1-D array)."""
    block = np.ascontiguousarray(table[columns].to_numpy(dtype=np.float64, na_value=np.nan))
    return np.where(np.isnan(block), 0.0, block).sum(axis=1)


def ratio_violations(values: pd.DataFrame) -> list[dict[str, Any]]:
    bounded = values[values["kpi_id"].isin(BOUNDED_RATIOS) & values["value"].notna()]
    bad = bounded[(bounded["value"] < -TOLERANCE) | (bounded["value"] > 1 + TOLERANCE)]
    records: list[dict[str, Any]] = bad.astype({"week_start": str}).to_dict("records")  # type: ignore[assignment]
    return records


def quarantined_by_source(records: pd.DataFrame | None, sources: Collection[str]) -> dict[str, int]:
    """How many records of each source (of ``sources``) are quarantined: left out because unreadable."""
    if records is None or records.empty:
        return {}
    counts = records[records["source"].isin(list(sources))]["source"].value_counts()
    return {str(source): int(n) for source, n in sorted(counts.items())}
