"""Rows of the tracker's Insights tab (KPIS.md §4): what changed, and what in the data is off.

Every function is pure and returns ``list[Insight]``. Notes open with plain words and end with the figures.
Changes are noted per week: single-metric anomalies against the 8 weeks before (``anomalies``) and
paired-metric notes against the 4 weeks before (``paired_metrics``), both only beyond chance at their
sample size (``significance``). Data-quality flags (``hubspot_quality``, ``source_quality``), records
quarantined because they cannot be read (``quarantine``) and rows of the owner tabs left out
(``owner_rows``) are noted once per run, on its latest week, naming the weeks they
affect. :func:`ranked` orders a run's notes: latest week first, then the most unusual change first.
The weekly KPI and tracker assets import from here.
"""

from .anomalies import (
    ANOMALY_MIN_CHANGE,
    ANOMALY_TRAILING_WEEKS,
    ANOMALY_Z,
    MIN_TRAILING_VALUES,
    WATCHED_KPIS,
    kpi_anomaly_insights,
)
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
from .owner_rows import LISTED_OWNER_ROWS, RowProblem, owner_tab_insights
from .paired_metrics import (
    DEFAULT_PAIRED_THRESHOLD,
    FLOW_MQL_TO_SQL,
    PAIRED_METRICS,
    PAIRED_NOISE_Z,
    TRAILING_WEEKS,
    MetricPair,
    paired_metric_insights,
)
from .quarantine import LISTED_RECORDS, quarantine_insights
from .rows import INSIGHT_COLUMNS, Insight, insights_frame, ranked, stored_row
from .significance import MIN_SAMPLE, SAMPLE_RULES, SampleRule
from .source_quality import (
    MISSING_SETTING,
    SOURCE_NAMES,
    ga4_quality_insights,
    source_status_insights,
    timezone_mismatch_insights,
    unsettled_ads_insights,
)
from .trailing import without_unpulled_weeks

__all__ = [
    "ANOMALY_MIN_CHANGE",
    "ANOMALY_TRAILING_WEEKS",
    "ANOMALY_Z",
    "DEFAULT_PAIRED_THRESHOLD",
    "EARLIEST_PLAUSIBLE",
    "FLOW_MQL_TO_SQL",
    "IMPLAUSIBLE_AMOUNT",
    "INSIGHT_COLUMNS",
    "LISTED_DEAL_IDS",
    "LISTED_OWNER_ROWS",
    "LISTED_RECORDS",
    "MIN_SAMPLE",
    "MIN_TRAILING_VALUES",
    "MISSING_SETTING",
    "PAIRED_METRICS",
    "PAIRED_NOISE_Z",
    "SAMPLE_RULES",
    "SOURCE_NAMES",
    "TOP_UNKNOWN_SOURCES",
    "TRAILING_WEEKS",
    "WATCHED_KPIS",
    "Insight",
    "MetricPair",
    "RowProblem",
    "SampleRule",
    "archived_insights",
    "deals_without_amount_insights",
    "ga4_quality_insights",
    "implausible_amount_insights",
    "implausible_date_insights",
    "insights_frame",
    "kpi_anomaly_insights",
    "owner_tab_insights",
    "paired_metric_insights",
    "quarantine_insights",
    "ranked",
    "source_status_insights",
    "stored_row",
    "timezone_mismatch_insights",
    "unmapped_source_insights",
    "unsettled_ads_insights",
    "without_unpulled_weeks",
]
