"""Funnel KPIs from HubSpot contacts (flow and cohort views) and meetings booked (KPIS.md §2, §3, §5.1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .channels import bincount_2d, channel_codes, contact_channels, expand_slices, factorized, safe_ratio
from .columns import flag_column, ns_column
from .config import ALL, FunnelConfig
from .frame import Block, assemble
from .weeks import NAT, index_in, instant_ns, local_days, requested_weeks, week_start_days

_NEVER = np.iinfo(np.int64).max
# Contacts counted at once by funnel_kpis: bounds its per-contact stage matrices (rows x stages x 8 bytes).
FUNNEL_CHUNK_ROWS = 1_000_000

FLOW_STAGE_KPIS: dict[str, str] = {
    "new_leads": "lead",
    "new_mqls": "marketingqualifiedlead",
    "new_sqls": "salesqualifiedlead",
    "new_opportunities": "opportunity",
    "new_customers": "customer",
}
COHORT_STAGE_KPIS: dict[str, str] = {
    "cohort_leads": "lead",
    "cohort_mqls": "marketingqualifiedlead",
    "cohort_sqls": "salesqualifiedlead",
    "cohort_opportunities": "opportunity",
    "cohort_customers": "customer",
}
# (kpi_id, numerator kpi, denominator kpi)
COHORT_RATIOS: tuple[tuple[str, str, str], ...] = (
    ("cohort_contact_to_lead", "cohort_leads", "new_contacts"),
    ("cohort_lead_to_mql", "cohort_mqls", "cohort_leads"),
    ("cohort_mql_to_sql", "cohort_sqls", "cohort_mqls"),
    ("cohort_sql_to_opportunity", "cohort_opportunities", "cohort_sqls"),
    ("cohort_opportunity_to_customer", "cohort_customers", "cohort_opportunities"),
    ("cohort_contact_to_customer", "cohort_customers", "new_contacts"),
)


def live_contacts(contacts: pd.DataFrame, as_of: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Which contacts exist as of ``as_of``: not archived and not created after it.

    Args:
        contacts: Frame with ``created_at`` and ``archived``.
        as_of: The run's as-of instant.

    Returns:
        ``(keep, created_ns)``: a bool mask and every row's UTC ns create instant (``NAT`` when missing).
    """
    created = ns_column(contacts, "created_at")
    keep = ~flag_column(contacts, "archived") & ((created == NAT) | (created <= instant_ns(as_of)))
    return keep, created


@dataclass(frozen=True)
class ContactStages:
    """Live contacts (as of ``as_of``) and the instant each entered each configured stage.

    Attributes:
        keep: Bool mask over the input rows: not archived and not created after ``as_of``.
        created_ns: UTC ns create instants of the kept contacts (``NAT`` when missing).
        entered_ns: ``(n_kept, n_stages)`` UTC ns of ``entered(S)``; ``NAT`` when not reached by ``as_of``.
    """

    keep: np.ndarray
    created_ns: np.ndarray
    entered_ns: np.ndarray


def contact_stages(contacts: pd.DataFrame, cfg: FunnelConfig, as_of: pd.Timestamp) -> ContactStages:
    """Compute ``entered(S)`` for every kept contact and configured stage (vectorised).

    ``date(S)`` is ``hs_v2_date_entered_<S>``, else ``hs_lifecyclestage_<S>_date``. A contact whose
    current stage ``T`` has no date for ``T`` or any later stage (judged on all dates, including those
    after ``as_of``) gets ``date(T) = createdate``. ``entered(S)`` is the earliest ``date(T)``, ``T >= S``,
    that is ``<= as_of``. Lifecycle values outside ``cfg.stages`` (e.g. ``other``) get no fallback.

    Args:
        contacts: The contacts frame.
        cfg: Configuration (stage order).
        as_of: The run's as-of instant.

    Returns:
        The kept mask, create instants and entered matrix.
    """
    cutoff = instant_ns(as_of)
    keep, created_all = live_contacts(contacts, as_of)
    kept = contacts.loc[keep]
    created = created_all[keep]
    n, k = len(kept), len(cfg.stages)

    dates = np.full((n, k), NAT, dtype=np.int64)
    for j, stage in enumerate(cfg.stages):
        v2 = ns_column(kept, f"hs_v2_date_entered_{stage}")
        legacy = ns_column(kept, f"hs_lifecyclestage_{stage}_date")
        dates[:, j] = np.where(v2 != NAT, v2, legacy)

    if n and k and "lifecyclestage" in kept.columns:
        # Fallback decided on every date, after-as_of ones included (KPIS.md §5.1).
        has_later = np.logical_or.accumulate((dates != NAT)[:, ::-1], axis=1)[:, ::-1]
        codes, uniques = factorized(kept["lifecyclestage"])
        position = {s.casefold(): j for j, s in enumerate(cfg.stages)}
        unique_pos = np.array([position.get(str(u).casefold(), -1) for u in uniques] + [-1], dtype=np.int64)
        stage_pos = unique_pos[codes]
        rows = np.flatnonzero(stage_pos >= 0)
        rows = rows[~has_later[rows, stage_pos[rows]]]
        dates[rows, stage_pos[rows]] = created[rows]

    usable = np.where((dates != NAT) & (dates <= cutoff), dates, _NEVER)
    entered = np.minimum.accumulate(usable[:, ::-1], axis=1)[:, ::-1] if k else usable
    entered = np.where(entered == _NEVER, NAT, entered)
    return ContactStages(keep=keep, created_ns=created, entered_ns=np.ascontiguousarray(entered))


def stage_entry_dates(contacts: pd.DataFrame, cfg: FunnelConfig, as_of: pd.Timestamp) -> pd.DataFrame:
    """``entered(S)`` per contact and configured stage (KPIS.md §2 and §5.1).

    Archived contacts and contacts created after ``as_of`` are dropped.

    Args:
        contacts: The contacts frame.
        cfg: Configuration (stage order).
        as_of: The run's as-of instant.

    Returns:
        DataFrame indexed like the kept contacts with ``contact_id`` and one tz-aware UTC column per stage
        (NaT when the stage was not reached by ``as_of``).
    """
    stages = contact_stages(contacts, cfg, as_of)
    kept = contacts.loc[stages.keep]
    out = pd.DataFrame({"contact_id": kept["contact_id"].to_numpy()}, index=kept.index)
    for j, stage in enumerate(cfg.stages):
        out[stage] = pd.to_datetime(stages.entered_ns[:, j], unit="ns", utc=True)
    return out


def _week_index(ns: np.ndarray, week_days: np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    return index_in(week_start_days(local_days(ns, cfg.timezone), cfg.week_start), week_days)


def funnel_kpis(contacts: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig) -> pd.DataFrame:
    """Flow and cohort funnel KPIs for every requested week and every slice.

    Computes ``new_contacts``, ``new_leads``, ``new_mqls``, ``new_sqls``, ``new_opportunities``,
    ``new_customers``, ``lead_to_customer_rate`` and every ``cohort_*`` KPI. A stage KPI whose stage is
    not in ``cfg.stages`` is empty.

    Args:
        contacts: The contacts frame.
        weeks: First dates of the weeks to compute.
        as_of: The run's as-of instant.
        cfg: Configuration.

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    n_w = len(week_days)
    position = {s: j for j, s in enumerate(cfg.stages)}
    by_channel: dict[str, np.ndarray] = {}
    # Every count is a sum over contacts: counted a slice of contacts at a time (integers, so exactly the
    # same sums), the per-contact stage matrices stay the size of a slice, not of the whole portal.
    for start in range(0, max(len(contacts), 1), FUNNEL_CHUNK_ROWS):
        part = _funnel_counts(contacts.iloc[start : start + FUNNEL_CHUNK_ROWS], week_days, as_of, cfg, position)
        for kpi_id, values in part.items():
            by_channel[kpi_id] = by_channel[kpi_id] + values if kpi_id in by_channel else values
    missing = np.full((n_w, len(cfg.slices)), np.nan)
    counts = {"new_contacts": expand_slices(by_channel["new_contacts"], cfg)}
    for kpi_id in (*FLOW_STAGE_KPIS, *COHORT_STAGE_KPIS):
        counts[kpi_id] = expand_slices(by_channel[kpi_id], cfg) if kpi_id in by_channel else missing

    ratios = {"lead_to_customer_rate": safe_ratio(counts["new_customers"], counts["new_leads"])}
    for kpi_id, num, den in COHORT_RATIOS:
        ratios[kpi_id] = safe_ratio(counts[num], counts[den])

    blocks = [Block(k, cfg.slices, v) for k, v in {**counts, **ratios}.items()]
    return assemble(week_days, blocks, cfg.slices)


def _funnel_counts(
    contacts: pd.DataFrame, week_days: np.ndarray, as_of: pd.Timestamp, cfg: FunnelConfig, position: dict[str, int]
) -> dict[str, np.ndarray]:
    """Per (week, channel) counts of new contacts and of each configured stage's flow and cohort KPIs."""
    n_w, n_ch = len(week_days), len(cfg.channels)
    stages = contact_stages(contacts, cfg, as_of)
    kept = contacts.loc[stages.keep]
    ch = channel_codes(contact_channels(kept, cfg), cfg)
    created_idx = _week_index(stages.created_ns, week_days, cfg)
    counts = {"new_contacts": bincount_2d(created_idx, ch, n_w, n_ch)}
    for kpi_id, stage in FLOW_STAGE_KPIS.items():
        j = position.get(stage)
        if j is not None:
            entered_idx = _week_index(stages.entered_ns[:, j], week_days, cfg)
            counts[kpi_id] = bincount_2d(entered_idx, ch, n_w, n_ch)
    for kpi_id, stage in COHORT_STAGE_KPIS.items():
        j = position.get(stage)
        if j is not None:
            reached_idx = np.where(stages.entered_ns[:, j] != NAT, created_idx, -1)
            counts[kpi_id] = bincount_2d(reached_idx, ch, n_w, n_ch)
    return counts


def meetings_kpis(
    meetings: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> pd.DataFrame:
    """``meetings_booked`` (channel All only) for every requested week.

    A meeting counts in the week of its create instant (reporting time zone) when it is not archived,
    was created at or before ``as_of`` and its outcome is not ``CANCELED`` (any case; no outcome counts).

    Args:
        meetings: Frame with ``meeting_id``, ``created_at``, ``outcome``, ``archived``.
        weeks: First dates of the weeks to compute.
        as_of: The run's as-of instant.
        cfg: Configuration.

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    created = ns_column(meetings, "created_at")
    canceled = np.zeros(len(meetings), dtype=bool)
    if "outcome" in meetings.columns:
        codes, uniques = pd.factorize(meetings["outcome"].astype(object), use_na_sentinel=True)
        unique_canceled = [isinstance(u, str) and u.strip().casefold() == "canceled" for u in uniques]
        canceled = np.array([*unique_canceled, False], dtype=bool)[codes]
    keep = ~flag_column(meetings, "archived") & ~canceled & (created != NAT) & (created <= instant_ns(as_of))
    idx = _week_index(created[keep], week_days, cfg)
    values = bincount_2d(idx, np.zeros(idx.size, dtype=np.int64), len(week_days), 1)
    return assemble(week_days, [Block("meetings_booked", (ALL,), values)], cfg.slices)
