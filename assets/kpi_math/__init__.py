"""Pure KPI math (pandas/numpy only; no Dagster, no I/O): the catalog and the weekly KPI functions.

Every compute function returns a long frame with the columns ``week_start`` (``datetime.date``),
``kpi_id``, ``channel`` (All, a group, or a channel) and ``value`` (float64, NaN = empty).
"""

from .catalog import (
    CATALOG,
    CATALOG_BY_ID,
    CATALOG_POSITION,
    SECTIONS,
    KpiDef,
    kpi_version,
    scroll_depth_kpi,
)
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
    "KpiDef",
    "SourceRefinement",
    "compute_hubspot_kpis",
    "contact_channels",
    "deal_channels",
    "deal_facts",
    "deal_kpis",
    "default_channel_groups",
    "efficiency_kpis",
    "funnel_kpis",
    "kpi_version",
    "map_source_channels",
    "meetings_kpis",
    "scroll_depth_kpi",
    "spend_by_week_channel",
    "spend_slices",
    "stage_entry_dates",
    "unmapped_sources",
    "visit_to_lead_rate",
    "week_start_of",
]
