"""Pure KPI math (pandas/numpy only; no Dagster, no I/O): the catalog and the weekly KPI functions.

Every compute function returns a long frame with the columns ``week_start`` (``datetime.date``),
``kpi_id``, ``channel`` (All, a group, or a channel) and ``value`` (float64, NaN = empty).
"""

from .catalog import CATALOG, CATALOG_BY_ID, CATALOG_POSITION, active_catalog, scroll_depth_kpi
from .channels import contact_channels, map_source_channels, unmapped_sources
from .config import (
    DEFAULT_CHANNELS,
    DEFAULT_SOURCE_MAP,
    DEFAULT_STAGES,
    FunnelConfig,
    SourceRefinement,
    default_channel_groups,
)
from .deals import DealFacts, deal_channels, deal_facts, deal_kpis
from .efficiency import efficiency_kpis, spend_by_week_channel, spend_slices, visit_to_lead_rate
from .frame import COLUMNS
from .funnel import funnel_kpis, meetings_kpis, stage_entry_dates
from .hubspot import compute_hubspot_kpis
from .insights import (
    Insight,
    archived_insights,
    deals_without_amount_insights,
    ga4_quality_insights,
    insights_frame,
    paired_metric_insights,
    source_status_insights,
    timezone_mismatch_insights,
    unmapped_source_insights,
    unsettled_ads_insights,
)
from .kpi_def import SECTIONS, KpiDef, kpi_version
from .paid import ad_spend_daily, paid_kpis
from .web import ga4_sessions_by_week_channel, ga4_slice_filters, map_ga4_channel_groups, web_kpis
from .weeks import week_start_of

__all__ = [
    "CATALOG",
    "CATALOG_BY_ID",
    "CATALOG_POSITION",
    "COLUMNS",
    "DEFAULT_CHANNELS",
    "DEFAULT_SOURCE_MAP",
    "DEFAULT_STAGES",
    "SECTIONS",
    "DealFacts",
    "FunnelConfig",
    "Insight",
    "KpiDef",
    "SourceRefinement",
    "active_catalog",
    "ad_spend_daily",
    "archived_insights",
    "compute_hubspot_kpis",
    "contact_channels",
    "deal_channels",
    "deal_facts",
    "deal_kpis",
    "deals_without_amount_insights",
    "default_channel_groups",
    "efficiency_kpis",
    "funnel_kpis",
    "ga4_quality_insights",
    "ga4_sessions_by_week_channel",
    "ga4_slice_filters",
    "insights_frame",
    "kpi_version",
    "map_ga4_channel_groups",
    "map_source_channels",
    "meetings_kpis",
    "paid_kpis",
    "paired_metric_insights",
    "scroll_depth_kpi",
    "source_status_insights",
    "spend_by_week_channel",
    "spend_slices",
    "stage_entry_dates",
    "timezone_mismatch_insights",
    "unmapped_source_insights",
    "unmapped_sources",
    "unsettled_ads_insights",
    "visit_to_lead_rate",
    "web_kpis",
    "week_start_of",
]
