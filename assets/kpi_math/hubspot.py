"""All HubSpot KPIs (funnel, meetings, deals) for a range of weeks in one call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from .config import FunnelConfig
from .deals import deal_kpis
from .frame import empty_frame, sort_long
from .funnel import funnel_kpis, meetings_kpis


def compute_hubspot_kpis(
    *,
    contacts: pd.DataFrame,
    deals: pd.DataFrame,
    deal_contacts: pd.DataFrame,
    meetings: pd.DataFrame,
    pipeline_stages: pd.DataFrame,
    targets: pd.DataFrame | None,
    weeks: Iterable[date],
    as_of: pd.Timestamp,
    cfg: FunnelConfig,
) -> pd.DataFrame:
    """Funnel, meetings and deal KPIs for every requested week, vectorised over all weeks.

    Args:
        contacts: The contacts frame.
        deals: The deals frame.
        deal_contacts: Deal-contact associations.
        meetings: The meetings frame.
        pipeline_stages: Deal pipeline stage metadata.
        targets: Targets tab rows (may be empty or None).
        weeks: First dates of the weeks to compute.
        as_of: The run's as-of instant.
        cfg: Configuration.

    Returns:
        Long frame ``week_start, kpi_id, channel, value`` sorted by week, catalog order, slice order.
    """
    week_list = list(weeks)
    parts = [
        funnel_kpis(contacts, week_list, as_of, cfg),
        meetings_kpis(meetings, week_list, as_of, cfg),
        deal_kpis(deals, deal_contacts, contacts, pipeline_stages, targets, week_list, as_of, cfg),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_frame()
    return sort_long(pd.concat(parts, ignore_index=True), cfg.slices)
