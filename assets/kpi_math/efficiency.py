"""Spend-based efficiency KPIs (KPIS.md §3 "Efficiency", §5.8) and the visit → lead rate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from .channels import channel_codes, expand_slices, group_members, safe_ratio
from .config import ALL, FunnelConfig
from .frame import Block, assemble, long_weeks, to_matrix
from .weeks import NAT, date_to_day, dates_to_days, day_to_date, index_in, requested_weeks, week_start_days

EFFICIENCY_KPIS: tuple[str, ...] = (
    "total_spend",
    "cost_per_lead",
    "cost_per_mql",
    "cost_per_opportunity",
    "cac",
    "marketing_roi",
    "ltv_to_cac",
)
_COST_PER = {
    "cost_per_lead": "new_leads",
    "cost_per_mql": "new_mqls",
    "cost_per_opportunity": "new_opportunities",
    "cac": "new_customers",
}


def _channel_positions(values: Iterable[object], cfg: FunnelConfig) -> np.ndarray:
    """Position of each name in ``cfg.channels``, ignoring case and surrounding spaces; -1 outside it.

    A name outside the taxonomy is never booked to another channel (Other included): the owner-tab
    validation names such a Costs row and leaves it out, and this guard keeps direct callers honest too.
    """
    lookup = {c.casefold(): i for i, c in enumerate(cfg.channels)}
    return np.array([lookup.get(str(v).strip().casefold(), -1) for v in values], dtype=np.int64)


def spend_by_week_channel(
    ad_spend: pd.DataFrame | None,
    costs: pd.DataFrame | None,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    ad_channels: Iterable[str] = (),
) -> pd.DataFrame:
    """Marketing spend per (week, channel) for the channels that have a spend source.

    A channel has a spend source in every week when an ad platform is mapped to it (``ad_channels``) or
    when it has ad spend rows; otherwise only in the weeks a Costs row covers (at least one day of the
    period inside the week). Ad spend dates are bucketed as they are (the ad account's own calendar); a
    Costs row is spread evenly over the days of its inclusive period. A week a channel has no source for
    is unknown spend, not 0: its ``spend`` is NaN, so cost KPIs of that week are blank. Names outside the
    taxonomy (in either frame) are left out, never booked to Other.

    Args:
        ad_spend: Daily ad spend: ``date``, ``channel``, ``spend`` (may be None or empty).
        costs: Costs tab rows: ``channel``, ``period_start``, ``period_end`` (inclusive), ``amount``.
        weeks: First dates of the weeks to compute.
        cfg: Configuration.
        ad_channels: Channels a configured ad platform maps to (e.g. ``("Paid Social", "Paid Search")``).

    Returns:
        DataFrame ``week_start, channel, spend``: one row per requested week and channel with a spend
        source in any of the weeks (0 where the source spent nothing, NaN where the channel has no source
        that week), channels in taxonomy order.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    n_w, n_ch = len(week_days), len(cfg.channels)
    spend = np.zeros((n_w, n_ch))
    covered = np.zeros((n_w, n_ch), dtype=bool)
    mapped = _channel_positions(ad_channels, cfg)
    covered[:, mapped[mapped >= 0]] = True

    if ad_spend is not None and len(ad_spend):
        ch = _channel_positions(ad_spend["channel"], cfg)
        covered[:, ch[ch >= 0]] = True
        day = dates_to_days(ad_spend["date"])
        idx = index_in(week_start_days(day, cfg.week_start), week_days)
        amount = pd.to_numeric(ad_spend["spend"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
        ok = (idx >= 0) & (ch >= 0)
        np.add.at(spend, (idx[ok], ch[ok]), amount[ok])

    if costs is not None and len(costs):
        ch = _channel_positions(costs["channel"], cfg)
        p_start = dates_to_days(costs["period_start"])
        p_end = dates_to_days(costs["period_end"])
        amount = pd.to_numeric(costs["amount"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ok = (ch >= 0) & (p_start != NAT) & (p_end != NAT) & (p_end >= p_start) & np.isfinite(amount)
        per_day = np.where(ok, amount / np.where(ok, p_end - p_start + 1, 1), 0.0)
        # Days of each cost period inside each week: (n_costs, n_weeks).
        overlap = np.minimum(p_end[:, None], week_days[None, :] + 6) - np.maximum(p_start[:, None], week_days[None, :])
        days_in = np.where(ok[:, None], np.clip(overlap + 1, 0, 7), 0)
        rows, weeks_hit = np.nonzero(days_in)
        covered[weeks_hit, ch[rows]] = True
        np.add.at(spend, (weeks_hit, ch[rows]), per_day[rows] * days_in[rows, weeks_hit])

    channels = np.flatnonzero(covered.any(axis=0))
    values = np.where(covered, spend, np.nan)[:, channels]
    return pd.DataFrame(
        {
            "week_start": pd.Series(
                [day_to_date(int(d)) for d in week_days for _ in channels],
                dtype=object,
            ),
            "channel": [cfg.channels[j] for _ in week_days for j in channels],
            "spend": values.reshape(-1),
        }
    )


def _spend_matrix(spend: pd.DataFrame, weeks: Sequence[date], cfg: FunnelConfig) -> tuple[np.ndarray, np.ndarray]:
    """(n_weeks, n_channels) spend (0 where unknown) and the mask of the weeks each channel has a source.

    A (week, channel) has a source when ``spend`` holds a row for it with a number (NaN = no source).
    """
    n_ch = len(cfg.channels)
    matrix = np.zeros((len(weeks), n_ch))
    covered = np.zeros((len(weeks), n_ch), dtype=bool)
    if spend is None or spend.empty:
        return matrix, covered
    ch = _channel_positions(spend["channel"], cfg)
    week_pos = {w: i for i, w in enumerate(weeks)}
    wi = spend["week_start"].map(week_pos).to_numpy(dtype=np.float64, na_value=np.nan)
    value = pd.to_numeric(spend["spend"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(wi) & (ch >= 0) & np.isfinite(value)
    rows, cols = wi[ok].astype(np.int64), ch[ok]
    np.add.at(matrix, (rows, cols), value[ok])
    covered[rows, cols] = True
    return matrix, covered


def spend_slices(has_source: np.ndarray, cfg: FunnelConfig) -> tuple[str, ...]:
    """Slices for which spend-based KPIs exist: All, groups containing a spend channel, spend channels.

    Args:
        has_source: Bool per channel of ``cfg.channels``.
        cfg: Configuration.

    Returns:
        Slice names in output order.
    """
    groups = [g for g, members in zip(cfg.groups, group_members(cfg), strict=True) if has_source[members].any()]
    return (ALL, *groups, *(c for c, ok in zip(cfg.channels, has_source, strict=True) if ok))


def efficiency_kpis(kpis_long: pd.DataFrame, spend: pd.DataFrame, cfg: FunnelConfig) -> pd.DataFrame:
    """Spend-based KPIs for the weeks of ``kpis_long``.

    Rows exist for All, for the channels with a spend source in any week (rows of ``spend``) and for the
    groups that contain such a channel. A slice's spend in a week is the sum over its channels with a
    source that week; a slice-week none of whose channels has a source (e.g. Offline outside the weeks its
    Costs rows cover, or All without any spend source) has every spend-based KPI empty, not 0.

    Args:
        kpis_long: Funnel and deal KPIs (long frame) holding ``new_leads``, ``new_mqls``,
            ``new_opportunities``, ``new_customers``, ``revenue_won`` and ``new_mrr``.
        spend: Output of :func:`spend_by_week_channel` (``week_start, channel, spend``).
        cfg: Configuration (``gross_margin`` and ``monthly_churn_rate`` for ``ltv_to_cac``).

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.
    """
    weeks = long_weeks(kpis_long) or long_weeks(spend)
    n_w = len(weeks)
    week_days = np.array([date_to_day(w) for w in weeks], dtype=np.int64)
    by_channel, covered = _spend_matrix(spend, weeks, cfg)
    # Slices (rows) exist for the channels with a source in any week; a week without a source for the
    # slice (no ad platform, no Costs row covering it, for any of its channels) is blank, never 0.
    slices = spend_slices(np.asarray(covered.any(axis=0)), cfg)
    cols = [cfg.slices.index(s) for s in slices]
    slice_covered = expand_slices(covered.astype(np.float64), cfg)[:, cols] > 0

    total = np.where(slice_covered, expand_slices(by_channel, cfg)[:, cols], np.nan)

    def kpi(kpi_id: str) -> np.ndarray:
        return to_matrix(kpis_long, kpi_id, weeks, slices)

    values: dict[str, np.ndarray] = {"total_spend": total}
    for kpi_id, denominator in _COST_PER.items():
        values[kpi_id] = safe_ratio(total, kpi(denominator))

    revenue = kpi("revenue_won")
    if "Inbound" in cfg.groups:
        revenue[:, 0] = to_matrix(kpis_long, "revenue_won", weeks, ("Inbound",))[:, 0]
    else:
        revenue[:, 0] = np.nan
    values["marketing_roi"] = safe_ratio(revenue - total, total)

    if cfg.gross_margin is not None and cfg.monthly_churn_rate is not None:
        customers = kpi("new_customers")
        ltv = safe_ratio(kpi("new_mrr"), customers) * cfg.gross_margin / cfg.monthly_churn_rate
        values["ltv_to_cac"] = safe_ratio(ltv, safe_ratio(total, customers))
    else:
        values["ltv_to_cac"] = np.full((n_w, len(slices)), np.nan)

    return assemble(week_days, [Block(k, slices, v) for k, v in values.items()], cfg.slices)


def visit_to_lead_rate(kpis_long: pd.DataFrame, sessions: pd.DataFrame | None, cfg: FunnelConfig) -> pd.DataFrame:
    """``visit_to_lead_rate`` = new leads ÷ GA4 sessions, for every slice and the weeks of ``kpis_long``.

    Args:
        kpis_long: Long frame holding ``new_leads``.
        sessions: GA4 sessions per channel: ``week_start, channel, sessions`` (channel names of the
            taxonomy; rows for All or a group are ignored because slices are summed from channels), or
            None when GA4 is not configured (the KPI is then empty for every slice).
        cfg: Configuration.

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.
    """
    weeks = long_weeks(kpis_long)
    week_days = np.array([date_to_day(w) for w in weeks], dtype=np.int64)
    shape = (len(weeks), len(cfg.slices))
    if sessions is None:
        return assemble(week_days, [Block("visit_to_lead_rate", cfg.slices, np.full(shape, np.nan))], cfg.slices)
    rows = sessions.loc[sessions["channel"].isin(list(cfg.channels))]
    by_channel = np.zeros((len(weeks), len(cfg.channels)))
    week_pos = {w: i for i, w in enumerate(weeks)}
    wi = rows["week_start"].map(week_pos).to_numpy(dtype=np.float64, na_value=np.nan)
    ch = channel_codes(rows["channel"], cfg)
    value = pd.to_numeric(rows["sessions"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
    ok = ~np.isnan(wi)
    np.add.at(by_channel, (wi[ok].astype(np.int64), ch[ok]), value[ok])
    rate = safe_ratio(to_matrix(kpis_long, "new_leads", weeks, cfg.slices), expand_slices(by_channel, cfg))
    return assemble(week_days, [Block("visit_to_lead_rate", cfg.slices, rate)], cfg.slices)
