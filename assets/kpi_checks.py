"""Checks that ship with every KPI materialization (pure functions over the long KPI frame and the
quarantine table); ``assets/weekly_kpis.py`` reports them as the asset's checks."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

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
    """Weeks and KPIs where All, Inbound + Outbound and the sum of channels disagree."""
    frame = values[values["kpi_id"].isin(ADDITIVE_KPIS)]
    if frame.empty:
        return []
    table = frame.pivot_table(
        index=["week_start", "kpi_id"], columns="channel", values="value", aggfunc="sum", dropna=False
    )
    channels = [c for c in settings.channels if c in table.columns]
    groups = [g for g in GROUPS if g in table.columns]
    violations = []
    for index, row in table.iterrows():
        week, kpi_id = (str(part) for part in index)  # type: ignore[union-attr,attr-defined]
        total = row.get("All")
        if total is None or pd.isna(total) or not channels:
            continue
        by_channel = float(row[channels].fillna(0).sum())
        by_group = float(row[groups].fillna(0).sum()) if groups else total
        if abs(total - by_channel) > TOLERANCE * max(1.0, abs(total)) or abs(total - by_group) > TOLERANCE * max(
            1.0, abs(total)
        ):
            violations.append(
                {
                    "week": str(week),
                    "kpi_id": kpi_id,
                    "all": total,
                    "groups": by_group,
                    "channels": by_channel,
                }
            )
    return violations


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
