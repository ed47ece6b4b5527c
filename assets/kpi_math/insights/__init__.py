"""Rows of the tracker's Insights tab (KPIS.md §4); the module moved here before its split by concern."""

from .hubspot_quality import (
    TRAILING_WEEKS,
    Insight,
    archived_insights,
    deals_without_amount_insights,
    ga4_quality_insights,
    implausible_amount_insights,
    implausible_date_insights,
    insights_frame,
    paired_metric_insights,
    source_status_insights,
    timezone_mismatch_insights,
    unmapped_source_insights,
    unsettled_ads_insights,
)

__all__ = [
    "TRAILING_WEEKS",
    "Insight",
    "archived_insights",
    "deals_without_amount_insights",
    "ga4_quality_insights",
    "implausible_amount_insights",
    "implausible_date_insights",
    "insights_frame",
    "paired_metric_insights",
    "source_status_insights",
    "timezone_mismatch_insights",
    "unmapped_source_insights",
    "unsettled_ads_insights",
]
