"""Paid-media KPIs from the ad platforms (KPIS.md §3 "Paid media", §1 "Which rows exist", §5.6).

Ad platforms report calendar dates in the ad account's own time zone; those dates are bucketed as they
are. Each configured platform maps to one channel (default LinkedIn Ads -> Paid Social, Google Ads ->
Paid Search), and ``ad_*`` rows exist for All, for those channels and for the groups containing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from .channels import bincount_2d, expand_slices, safe_ratio
from .columns import numeric_column, string_column
from .config import ALL, FunnelConfig
from .efficiency import spend_slices
from .frame import Block, assemble
from .weeks import dates_to_days, index_in, requested_weeks, week_start_days

DEFAULT_PLATFORM_CHANNELS: Mapping[str, str] = {"linkedin": "Paid Social", "google_ads": "Paid Search"}
"""The KPIS.md default ``ad_platform_channels``; a deployment passes only its configured platforms."""
# ad_* KPI -> ad_daily column (sums: 0 in a week without activity, KPIS.md §5.6).
AD_SUMS: dict[str, str] = {
    "ad_impressions": "impressions",
    "ad_clicks": "clicks",
    "ad_spend": "spend",
    "ad_conversions": "conversions",
    "ad_platform_leads": "platform_leads",
}
AD_RATIOS: tuple[str, ...] = ("ad_ctr", "ad_cpc", "ad_cpm")
PAID_KPIS: tuple[str, ...] = (*AD_SUMS, *AD_RATIOS)


def _platform_key(value: object) -> str:
    return str(value).strip().casefold()


def platform_channel_positions(platform_channels: Mapping[str, str], cfg: FunnelConfig) -> dict[str, int]:
    """Validate ``ad_platform_channels`` against the taxonomy.

    Args:
        platform_channels: Configured platform -> channel name (matched ignoring case).
        cfg: Configuration.

    Returns:
        Casefolded platform name -> position of its channel in ``cfg.channels``.

    Raises:
        ValueError: If a platform maps to a name that is not a channel (naming the setting).
    """
    position = {c.casefold(): i for i, c in enumerate(cfg.channels)}
    out: dict[str, int] = {}
    for platform, channel in platform_channels.items():
        j = position.get(str(channel).strip().casefold())
        if j is None:
            raise ValueError(f"ad_platform_channels.{platform}: '{channel}' is not one of channels")
        out[_platform_key(platform)] = j
    return out


def _row_channels(ad_daily: pd.DataFrame, platform_pos: Mapping[str, int]) -> np.ndarray:
    """Channel position of each ad row from its platform; -1 for a platform that is not configured."""
    codes, uniques = pd.factorize(string_column(ad_daily, "platform"), use_na_sentinel=True)
    unique_pos = [platform_pos.get(_platform_key(u), -1) for u in uniques]
    return np.array([*unique_pos, -1], dtype=np.int64)[codes]


def paid_kpis(
    ad_daily: pd.DataFrame | None,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    *,
    platform_channels: Mapping[str, str],
) -> pd.DataFrame:
    """Paid-media KPIs for every requested week.

    Rows exist for All, for each channel a configured platform maps to and for each group containing such
    a channel, in every week (sums 0 and ratios empty in a week without activity). With no platform
    configured only the All rows exist, and they are empty (no ad source). Rows of platforms that are not
    in ``platform_channels`` are ignored. ``ad_ctr`` = clicks ÷ impressions, ``ad_cpc`` = spend ÷ clicks,
    ``ad_cpm`` = 1,000 × spend ÷ impressions, each from the slice's sums (empty on a 0 denominator).

    Args:
        ad_daily: Daily ad rows: ``platform`` (``linkedin`` | ``google_ads``, any case), ``date`` (the ad
            account's calendar date), ``campaign_id``, ``impressions``, ``clicks``, ``spend`` (reporting
            currency), ``conversions`` (may be fractional), ``platform_leads``. May be None or empty.
        weeks: First dates of the weeks to compute.
        cfg: Configuration.
        platform_channels: Configured platform -> channel (e.g. ``{"linkedin": "Paid Social"}``).

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.

    Raises:
        ValueError: If a platform maps to a name that is not a channel.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    n_w, n_ch = len(week_days), len(cfg.channels)
    platform_pos = platform_channel_positions(platform_channels, cfg)
    has_source = np.zeros(n_ch, dtype=bool)
    has_source[list(platform_pos.values())] = True

    if not has_source.any():
        empty = np.full((n_w, 1), np.nan)
        return assemble(week_days, [Block(kpi_id, (ALL,), empty) for kpi_id in PAID_KPIS], cfg.slices)

    slices = spend_slices(has_source, cfg)
    cols = [cfg.slices.index(s) for s in slices]
    sums: dict[str, np.ndarray] = {}
    if ad_daily is not None and len(ad_daily):
        ch = _row_channels(ad_daily, platform_pos)
        week_idx = index_in(week_start_days(dates_to_days(ad_daily["date"]), cfg.week_start), week_days)
        week_idx = np.where(ch >= 0, week_idx, -1)
        ch = np.maximum(ch, 0)
        for kpi_id, column in AD_SUMS.items():
            weights = np.nan_to_num(numeric_column(ad_daily, column), nan=0.0)
            sums[kpi_id] = expand_slices(bincount_2d(week_idx, ch, n_w, n_ch, weights), cfg)[:, cols]
    else:
        sums = {kpi_id: np.zeros((n_w, len(slices))) for kpi_id in AD_SUMS}

    impressions, clicks, spend = sums["ad_impressions"], sums["ad_clicks"], sums["ad_spend"]
    values = {
        **sums,
        "ad_ctr": safe_ratio(clicks, impressions),
        "ad_cpc": safe_ratio(spend, clicks),
        "ad_cpm": safe_ratio(1000.0 * spend, impressions),
    }
    return assemble(week_days, [Block(k, slices, v) for k, v in values.items()], cfg.slices)


def ad_spend_daily(ad_daily: pd.DataFrame | None, platform_channels: Mapping[str, str]) -> pd.DataFrame:
    """Daily ad spend per channel, the ``ad_spend`` input of ``efficiency.spend_by_week_channel``.

    Args:
        ad_daily: Daily ad rows (``platform``, ``date``, ``spend``); may be None or empty.
        platform_channels: Configured platform -> channel; rows of other platforms are dropped.

    Returns:
        ``date, channel, spend``: one row per (date, channel) with spend summed over platforms and
        campaigns, sorted by date then channel (channel names as configured).
    """
    columns = {"date": pd.Series([], dtype=object), "channel": pd.Series([], dtype=object)}
    if ad_daily is None or not len(ad_daily):
        return pd.DataFrame({**columns, "spend": pd.Series([], dtype=np.float64)})
    channel_of = {_platform_key(p): c for p, c in platform_channels.items()}
    codes, uniques = pd.factorize(string_column(ad_daily, "platform"), use_na_sentinel=True)
    channel = np.array([*(channel_of.get(_platform_key(u)) for u in uniques), None], dtype=object)[codes]
    keep = pd.notna(channel)
    rows = pd.DataFrame(
        {
            "date": ad_daily["date"].to_numpy(dtype=object)[keep],
            "channel": channel[keep],
            "spend": np.nan_to_num(numeric_column(ad_daily, "spend"), nan=0.0)[keep],
        }
    )
    if rows.empty:
        return pd.DataFrame({**columns, "spend": pd.Series([], dtype=np.float64)})
    out = rows.groupby(["date", "channel"], sort=True, as_index=False)["spend"].sum()
    return pd.DataFrame(
        {
            "date": pd.Series(out["date"].to_numpy(dtype=object), dtype=object),
            "channel": pd.Series(out["channel"].to_numpy(dtype=object), dtype=object),
            "spend": out["spend"].to_numpy(dtype=np.float64),
        }
    )
