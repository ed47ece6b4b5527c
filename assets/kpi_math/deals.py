"""Pipeline and revenue KPIs from HubSpot deals (KPIS.md §3 "Pipeline and revenue", §5.2-§5.6).

Open-pipeline style KPIs ("state at W's end") are computed for all weeks at once with difference arrays
over a contiguous week grid: a deal adds its amount in the week it was created and removes it in the
week it closed, and a cumulative sum gives the open state at every week's end. Those running sums are
kept in int64 at 1/10,000 of a currency unit so that a deal closing subtracts exactly what it added
(float running sums would leave residues like 1e-11 where the pipeline is empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .channels import bincount_2d, channel_codes, expand_slices, map_source_channels, safe_ratio
from .columns import flag_column, ns_column, numeric_column, string_column, tri_state
from .config import ALL, OTHER, FunnelConfig
from .frame import Block, assemble
from .funnel import live_contacts
from .weeks import (
    NAT,
    dates_to_days,
    index_in,
    instant_ns,
    local_days,
    quarter_bounds,
    requested_weeks,
    week_start_days,
)

VELOCITY_WEEKS = 13
_SCALE = 10_000  # int64 units per currency unit for running sums (capacity ~9.2e14 currency units)
_UNIT_LIMIT = float(2**62)  # below this total, int64 running sums cannot overflow
_SECONDS_PER_DAY = 86_400.0
DEAL_KPIS: tuple[str, ...] = (
    "new_deals",
    "pipeline_created",
    "marketing_share_of_pipeline",
    "open_pipeline",
    "weighted_pipeline",
    "pipeline_coverage",
    "deals_won",
    "deals_lost",
    "revenue_won",
    "win_rate",
    "avg_deal_size",
    "avg_sales_cycle_days",
    "new_mrr",
    "sales_velocity",
)


def deal_channels(
    deals: pd.DataFrame,
    deal_contacts: pd.DataFrame,
    contacts: pd.DataFrame,
    cfg: FunnelConfig,
    as_of: pd.Timestamp,
) -> pd.Series:
    """Channel of each deal (KPIS.md §1 "Channels" and §5.2).

    The deal's own ``hs_analytics_source`` mapped, when present (an unknown source maps to Other); else the
    channel of its earliest-created live associated contact (ties: lowest id, numeric ids compared as
    numbers; archived, missing or created-after-``as_of`` contacts skipped; whatever that contact's channel
    is, Other included); else Other.

    Args:
        deals: The deals frame.
        deal_contacts: ``deal_id``, ``contact_id`` associations.
        contacts: The contacts frame.
        cfg: Configuration.
        as_of: The run's as-of instant.

    Returns:
        A Series of channel names aligned with ``deals``.
    """
    source = string_column(deals, "analytics_source")
    own_present = source.map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(dtype=bool)
    own_channel, _ = map_source_channels(source, deals.get("analytics_source_data_1"), cfg)
    channel = np.where(own_present, own_channel.to_numpy(dtype=object), OTHER).astype(object)

    need = ~own_present
    if need.any() and len(deal_contacts) and len(contacts):
        deal_ids = _join_ids(deals["deal_id"], deal_contacts["deal_id"])
        links = pd.DataFrame(
            {
                "deal_id": _join_ids(deal_contacts["deal_id"], deals["deal_id"]).to_numpy(),
                "contact_id": _join_ids(deal_contacts["contact_id"], contacts["contact_id"]).to_numpy(),
            }
        )
        links = links.loc[links["deal_id"].isin(deal_ids[need])]
        # Only the associated contacts matter: narrow before mapping channels and parsing ids.
        contact_ids = _join_ids(contacts["contact_id"], deal_contacts["contact_id"])
        linked = contacts.loc[contact_ids.isin(links["contact_id"]).to_numpy()]
        keep, created_all = live_contacts(linked, as_of)
        live = linked.loc[keep]
        created = created_all[keep]
        live_info = pd.DataFrame(
            {
                "contact_id": _join_ids(live["contact_id"], deal_contacts["contact_id"]).to_numpy(),
                "created": np.where(created == NAT, np.iinfo(np.int64).max, created),
                "channel": _contact_channel_values(live, cfg),
            }
        )
        live_info["id_num"] = pd.to_numeric(live_info["contact_id"], errors="coerce").astype(np.float64).fillna(np.inf)
        links = links.merge(live_info, on="contact_id", how="inner")
        first = links.sort_values(["deal_id", "created", "id_num", "contact_id"], kind="stable").drop_duplicates(
            "deal_id"
        )
        by_deal = pd.Series(first["channel"].to_numpy(dtype=object), index=first["deal_id"].to_numpy())
        looked_up = deal_ids.map(by_deal).to_numpy(dtype=object)
        found = need & pd.notna(looked_up)
        channel[found] = looked_up[found]
    return pd.Series(channel, index=deals.index, dtype=object)


def _join_ids(ids: pd.Series, other: pd.Series) -> pd.Series:
    """``ids`` as they join with ``other``: as they are when both are integers (the warehouse reads HubSpot's
    ids as int64), else as text (ids given as text, or one side text and the other numbers)."""
    if ids.dtype.kind in "iu" and other.dtype.kind in "iu":
        return ids
    return ids.astype(str)


def _contact_channel_values(contacts: pd.DataFrame, cfg: FunnelConfig) -> np.ndarray:
    channel, _ = map_source_channels(
        string_column(contacts, "analytics_source"), contacts.get("analytics_source_data_1"), cfg
    )
    return channel.to_numpy(dtype=object)


@dataclass(frozen=True)
class DealFacts:
    """Per-deal facts after filtering (pipelines, archived, created after ``as_of``).

    Attributes:
        frame: One row per kept deal: ``deal_id``, ``channel``, ``amount`` (reporting currency, 0 when
            missing), ``amount_missing``, ``probability``, ``won``, ``lost``, ``closed`` (currently closed),
            ``created_ns``, ``close_ns``, ``mrr_contribution``.
    """

    frame: pd.DataFrame


def deal_facts(
    deals: pd.DataFrame,
    deal_contacts: pd.DataFrame,
    contacts: pd.DataFrame,
    pipeline_stages: pd.DataFrame,
    as_of: pd.Timestamp,
    cfg: FunnelConfig,
) -> DealFacts:
    """Filter deals and derive amount, probability, won/lost/closed state and channel.

    Args:
        deals: The deals frame, ``amount`` and ``mrr`` in the reporting currency
            (:func:`~assets.kpi_math.deal_currency.deals_in_reporting_currency`).
        deal_contacts: Deal-contact associations.
        contacts: The contacts frame (for deal channels).
        pipeline_stages: ``pipeline_id, stage_id, is_closed, probability``.
        as_of: The run's as-of instant.
        cfg: Configuration.

    Returns:
        The per-deal facts (``amount_missing.sum()`` is the Insights count of deals without amount).
    """
    cutoff = instant_ns(as_of)
    created = ns_column(deals, "created_at")
    keep = ~flag_column(deals, "archived") & ((created == NAT) | (created <= cutoff))
    if cfg.pipelines is not None:
        keep &= string_column(deals, "pipeline").astype(str).isin(list(cfg.pipelines)).to_numpy()
    d = deals.loc[keep]

    # Already in the reporting currency (deal_currency.deals_in_reporting_currency chose and converted it).
    amount = numeric_column(d, "amount")
    amount_missing = np.isnan(amount)
    amount = np.where(amount_missing, 0.0, amount)

    stage_closed = np.zeros(len(d), dtype=bool)
    stage_prob = np.full(len(d), np.nan)
    if len(pipeline_stages) and len(d):
        meta = pipeline_stages.drop_duplicates(["pipeline_id", "stage_id"], keep="last")
        meta_index = pd.MultiIndex.from_arrays([meta["pipeline_id"].astype(str), meta["stage_id"].astype(str)])
        pos = meta_index.get_indexer(
            pd.MultiIndex.from_arrays(
                [string_column(d, "pipeline").astype(str), string_column(d, "dealstage").astype(str)]
            )
        )
        found = pos >= 0
        meta_closed = flag_column(meta, "is_closed")
        meta_prob = pd.to_numeric(meta["probability"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        stage_closed[found] = meta_closed[pos[found]]
        stage_prob[found] = meta_prob[pos[found]]
    stage_won = stage_closed & (np.nan_to_num(stage_prob, nan=0.0) >= 1.0)

    won_known, won_value = tri_state(string_column(d, "is_closed_won"))
    closed_known, closed_value = tri_state(string_column(d, "is_closed"))
    won = np.where(won_known, won_value, stage_won)
    # A won deal is closed even when the closed flag disagrees.
    closed = np.where(closed_known, closed_value, stage_closed) | won

    deal_prob = numeric_column(d, "deal_stage_probability")
    probability = np.where(~np.isnan(stage_prob), stage_prob, np.nan_to_num(deal_prob, nan=0.0))

    mrr = numeric_column(d, "mrr")
    has_mrr = ~np.isnan(mrr) & (mrr > 0)
    fallback = {"arr": amount / 12.0, "mrr": amount, "one_time": np.zeros(len(d))}[cfg.deal_amount_basis]
    mrr_contribution = np.where(has_mrr, mrr, fallback)

    frame = pd.DataFrame(
        {
            "deal_id": d["deal_id"].astype(str).to_numpy(),
            "channel": deal_channels(d, deal_contacts, contacts, cfg, as_of).to_numpy(dtype=object),
            "amount": amount,
            "amount_missing": amount_missing,
            "probability": probability,
            "won": won,
            "lost": closed & ~won,
            "closed": closed,
            "created_ns": created[keep],
            "close_ns": ns_column(d, "close_date"),
            "mrr_contribution": mrr_contribution,
        }
    )
    return DealFacts(frame=frame)


def _grid_index(week_day: np.ndarray, grid0: int, n_grid: int) -> np.ndarray:
    """Grid position of a week-start day, clipped to [0, n_grid]; ``NAT`` maps to n_grid (never)."""
    pos = np.where(week_day == NAT, n_grid, (np.where(week_day == NAT, 0, week_day) - grid0) // 7)
    return np.clip(pos, 0, n_grid)


def _running_state(
    start: np.ndarray, stop: np.ndarray, channel: np.ndarray, weights: np.ndarray, n_grid: int, n_ch: int
) -> np.ndarray:
    """Sum of integer ``weights`` of rows active on grid weeks ``[start, stop)``, per (week, channel)."""
    exact = weights.dtype == object  # Python integers from _to_units: absurd amounts, no overflow
    diff = np.zeros((n_grid + 1) * n_ch, dtype=object if exact else np.int64)
    if exact:
        diff[:] = 0
    active = start < stop
    np.add.at(diff, start[active] * n_ch + channel[active], weights[active])
    np.subtract.at(diff, stop[active] * n_ch + channel[active], weights[active])
    state = np.cumsum(diff.reshape(n_grid + 1, n_ch), axis=0)[:n_grid]
    return state.astype(np.float64) if exact else state


def _to_units(values: np.ndarray) -> np.ndarray:
    """Amounts as integer units of 1/_SCALE; Python integers when int64 sums could overflow.

    A typo such as 1e15 in one deal amount would wrap int64 around and turn open pipeline negative; such
    amounts are rare, so only then the sums run on exact Python integers (slower).
    """
    scaled = np.round(values * _SCALE)
    if np.abs(scaled).sum() < _UNIT_LIMIT:
        return scaled.astype(np.int64)
    return np.array([int(v) for v in scaled], dtype=object)


def _quarter_targets(
    targets: pd.DataFrame | None, quarter_start: np.ndarray, quarter_end: np.ndarray, cfg: FunnelConfig
) -> np.ndarray:
    """Revenue-won target per (week, slice) for each week's quarter, prorated by days; NaN without one."""
    n_w, slices = len(quarter_start), cfg.slices
    out = np.full((n_w, len(slices)), np.nan)
    if targets is None or len(targets) == 0:
        return out
    t = targets.loc[targets["kpi_id"].astype(str) == "revenue_won"]
    slice_pos = {s.casefold(): i for i, s in enumerate(slices)}
    t_slice = np.array([slice_pos.get(str(c).strip().casefold(), -1) for c in t["channel"]], dtype=np.int64)
    p_start = dates_to_days(t["period_start"])
    p_end = dates_to_days(t["period_end"])
    value = pd.to_numeric(t["target"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = (t_slice >= 0) & (p_start != NAT) & (p_end != NAT) & (p_end >= p_start) & ~np.isnan(value)
    t_slice, p_start, p_end, value = t_slice[ok], p_start[ok], p_end[ok], value[ok]
    period_days = (p_end - p_start + 1).astype(np.float64)
    for qs, qe in {(int(a), int(b)) for a, b in zip(quarter_start, quarter_end, strict=True)}:
        overlap = np.minimum(p_end, qe - 1) - np.maximum(p_start, qs) + 1
        inside = overlap > 0
        share = np.bincount(
            t_slice[inside],
            weights=value[inside] * overlap[inside] / period_days[inside],
            minlength=len(slices),
        )
        has = np.bincount(t_slice[inside], minlength=len(slices)) > 0
        rows = (quarter_start == qs) & (quarter_end == qe)
        out[np.ix_(rows, has)] = share[has]
    return out


def deal_kpis(
    deals: pd.DataFrame,
    deal_contacts: pd.DataFrame,
    contacts: pd.DataFrame,
    pipeline_stages: pd.DataFrame,
    targets: pd.DataFrame | None,
    weeks: Iterable[date],
    as_of: pd.Timestamp,
    cfg: FunnelConfig,
) -> pd.DataFrame:
    """Pipeline and revenue KPIs of the deals for every requested week and slice.

    Computes ``new_deals``, ``pipeline_created``, ``marketing_share_of_pipeline`` (All only),
    ``open_pipeline``, ``weighted_pipeline``, ``pipeline_coverage``, ``deals_won``, ``deals_lost``,
    ``revenue_won``, ``win_rate``, ``avg_deal_size``, ``avg_sales_cycle_days``, ``new_mrr`` and
    ``sales_velocity`` (13 trailing weeks).

    Args:
        deals: The deals frame, amounts in the reporting currency (see :func:`deal_facts`).
        deal_contacts: Deal-contact associations.
        contacts: The contacts frame (for deal channels).
        pipeline_stages: Pipeline stage metadata.
        targets: Targets tab rows (may be empty or None); only ``revenue_won`` targets are read.
        weeks: First dates of the weeks to compute.
        as_of: The run's as-of instant.
        cfg: Configuration.

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    if week_days.size == 0:
        return assemble(week_days, [], cfg.slices)
    n_w, n_ch = len(week_days), len(cfg.channels)
    facts = deal_facts(deals, deal_contacts, contacts, pipeline_stages, as_of, cfg).frame
    cutoff = instant_ns(as_of)
    ch = channel_codes(facts["channel"], cfg)
    amount = facts["amount"].to_numpy(dtype=np.float64)
    created = facts["created_ns"].to_numpy(dtype=np.int64)
    close = facts["close_ns"].to_numpy(dtype=np.int64)
    closed = facts["closed"].to_numpy(dtype=bool)
    won = facts["won"].to_numpy(dtype=bool)
    lost = facts["lost"].to_numpy(dtype=bool)
    # A close dated after as_of has not happened yet; a closed deal without a close date is closed at an
    # unknown time: never open, never in a week's won/lost.
    closed_known = closed & (close != NAT) & (close <= cutoff)
    closed_undated = closed & (close == NAT)

    created_week = week_start_days(local_days(created, cfg.timezone), cfg.week_start)
    close_day = local_days(close, cfg.timezone)
    close_week = week_start_days(close_day, cfg.week_start)

    # Contiguous grid: VELOCITY_WEEKS - 1 weeks before the first requested week up to the last one.
    grid0 = int(week_days[0]) - 7 * (VELOCITY_WEEKS - 1)
    n_grid = int((week_days[-1] - grid0) // 7) + 1
    req = ((week_days - grid0) // 7).astype(np.int64)

    def slices(by_channel: np.ndarray) -> np.ndarray:
        return expand_slices(by_channel, cfg)

    # ---- flows by create week (requested weeks only) ----
    created_idx = index_in(created_week, week_days)
    new_deals = slices(bincount_2d(created_idx, ch, n_w, n_ch))
    pipeline_created = slices(bincount_2d(created_idx, ch, n_w, n_ch, amount))

    # ---- flows by close week, on the grid (for the 13-week windows) ----
    close_pos = (np.where(close_week == NAT, grid0, close_week) - grid0) // 7
    in_grid = closed_known & (close_week != NAT) & (close_pos >= 0) & (close_pos < n_grid)
    close_grid = np.where(in_grid, close_pos, -1)
    won_idx = np.where(won & closed_known, close_grid, -1)
    lost_idx = np.where(lost & closed_known, close_grid, -1)
    cycle_ok = created != NAT
    cycle_s = np.where(cycle_ok, (close - np.where(cycle_ok, created, 0)) / 1e9, 0.0)
    cycle_idx = np.where(cycle_ok, won_idx, -1)
    g_won = bincount_2d(won_idx, ch, n_grid, n_ch)
    g_lost = bincount_2d(lost_idx, ch, n_grid, n_ch)
    g_revenue = bincount_2d(won_idx, ch, n_grid, n_ch, amount)
    g_cycle_s = bincount_2d(cycle_idx, ch, n_grid, n_ch, cycle_s)
    g_cycle_n = bincount_2d(cycle_idx, ch, n_grid, n_ch)
    g_mrr = bincount_2d(won_idx, ch, n_grid, n_ch, facts["mrr_contribution"].to_numpy(dtype=np.float64))

    deals_won = slices(g_won[req])
    deals_lost = slices(g_lost[req])
    revenue_won = slices(g_revenue[req])
    cycle_days = safe_ratio(slices(g_cycle_s[req]), slices(g_cycle_n[req])) / _SECONDS_PER_DAY

    def window(grid_values: np.ndarray) -> np.ndarray:
        # Plain sums of 13 rows (no running-sum subtraction, so no cancellation error).
        total = np.zeros((n_w, n_ch))
        for offset in range(VELOCITY_WEEKS):
            total = total + grid_values[req - offset]
        return slices(total)

    w_won, w_lost = window(g_won), window(g_lost)
    w_win_rate = safe_ratio(w_won, w_won + w_lost)
    w_deal_size = safe_ratio(window(g_revenue), w_won)
    w_cycle_days = safe_ratio(window(g_cycle_s), window(g_cycle_n)) / _SECONDS_PER_DAY
    w_cycle_days = np.where(w_cycle_days > 0, w_cycle_days, np.nan)

    # ---- state at each week's end ----
    start = np.where(created == NAT, n_grid, _grid_index(created_week, grid0, n_grid))
    stop = np.where(closed_known, _grid_index(close_week, grid0, n_grid), n_grid)
    stop = np.where(closed_undated, start, stop)
    stop = np.maximum(stop, start)
    amount_units = _to_units(amount)
    weighted_units = _to_units(amount * facts["probability"].to_numpy(dtype=np.float64))
    ones = np.ones(len(facts), dtype=np.int64)
    # Slices are summed in int64 units, then scaled: All = sum of channels exactly in units.
    open_amount = slices(_running_state(start, stop, ch, amount_units, n_grid, n_ch)[req]) / _SCALE
    open_weighted = slices(_running_state(start, stop, ch, weighted_units, n_grid, n_ch)[req]) / _SCALE
    open_count = slices(_running_state(start, stop, ch, ones, n_grid, n_ch)[req]).astype(np.float64)

    # Coverage numerator: open deals whose close date falls in the quarter of the week's last day.
    has_close = close != NAT
    q_start, q_end = quarter_bounds(np.where(has_close, close_day, 0))
    # First grid week whose last day (start + 6) is on or after a given day d: ceil((d - 6 - grid0) / 7).
    qa = np.clip(-((grid0 + 6 - q_start) // 7), 0, n_grid)
    qb = np.clip(-((grid0 + 6 - q_end) // 7), 0, n_grid)
    c_start = np.where(has_close, np.maximum(start, qa), n_grid)
    c_stop = np.where(has_close, np.minimum(stop, qb), n_grid)
    in_quarter = slices(_running_state(c_start, c_stop, ch, amount_units, n_grid, n_ch)[req]) / _SCALE
    week_q_start, week_q_end = quarter_bounds(week_days + 6)
    coverage = safe_ratio(in_quarter, _quarter_targets(targets, week_q_start, week_q_end, cfg))

    all_pos = 0
    inbound_pos = cfg.slices.index("Inbound") if "Inbound" in cfg.groups else -1
    share = (
        safe_ratio(pipeline_created[:, [inbound_pos]], pipeline_created[:, [all_pos]])
        if inbound_pos >= 0
        else np.full((n_w, 1), np.nan)
    )

    values = {
        "new_deals": new_deals,
        "pipeline_created": pipeline_created,
        "open_pipeline": open_amount,
        "weighted_pipeline": open_weighted,
        "pipeline_coverage": coverage,
        "deals_won": deals_won,
        "deals_lost": deals_lost,
        "revenue_won": revenue_won,
        "win_rate": safe_ratio(deals_won, deals_won + deals_lost),
        "avg_deal_size": safe_ratio(revenue_won, deals_won),
        "avg_sales_cycle_days": cycle_days,
        "new_mrr": slices(g_mrr[req]),
        "sales_velocity": safe_ratio(open_count * w_win_rate * w_deal_size, w_cycle_days),
    }
    blocks = [Block(k, cfg.slices, v) for k, v in values.items()]
    blocks.append(Block("marketing_share_of_pipeline", (ALL,), share))
    return assemble(week_days, blocks, cfg.slices)
