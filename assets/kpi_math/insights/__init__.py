"""Rows of the tracker's Insights tab (KPIS.md §4): data-quality flags and paired-metric notes.

Every function is pure and returns ``list[Insight]``; a week with nothing to say gets no row. Details are
sentences a marketing lead can act on, with the numbers in them; ``value`` carries the headline number
(a count, a number of days, or a relative change) for sorting and charts. The weekly KPI and tracker
assets import from here; the functions live in ``hubspot_quality``, ``source_quality`` and
``paired_metrics``.
"""

from .hubspot_quality import (
    EARLIEST_PLAUSIBLE,
    IMPLAUSIBLE_AMOUNT,
    LISTED_DEAL_IDS,
    TOP_UNKNOWN_SOURCES,
    archived_insights,
    deals_without_amount_insights,
    implausible_amount_insights,
    implausible_date_insights,
    unmapped_source_insights,
)
from .paired_metrics import (
    DEFAULT_PAIRED_THRESHOLD,
    FLOW_MQL_TO_SQL,
    PAIRED_METRICS,
    TRAILING_WEEKS,
    MetricPair,
    paired_metric_insights,
)
from .rows import INSIGHT_COLUMNS, Insight, insights_frame
from .source_quality import (
    MISSING_SETTING,
    SOURCE_NAMES,
    ga4_quality_insights,
    source_status_insights,
    timezone_mismatch_insights,
    unsettled_ads_insights,
)

__all__ = [
    "DEFAULT_PAIRED_THRESHOLD",
    "EARLIEST_PLAUSIBLE",
    "FLOW_MQL_TO_SQL",
    "IMPLAUSIBLE_AMOUNT",
    "INSIGHT_COLUMNS",
    "LISTED_DEAL_IDS",
    "MISSING_SETTING",
    "PAIRED_METRICS",
    "SOURCE_NAMES",
    "TOP_UNKNOWN_SOURCES",
    "TRAILING_WEEKS",
    "Insight",
    "MetricPair",
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
