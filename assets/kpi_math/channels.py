"""Channel mapping (HubSpot source -> channel) and slice expansion (All, groups, channels)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import OTHER, FunnelConfig


def _as_series(values: pd.Series | None, length: int, index: pd.Index) -> pd.Series:
    if values is None:
        return pd.Series([None] * length, index=index, dtype=object)
    return values


def factorized(values: pd.Series) -> tuple[np.ndarray, list[object]]:
    """Codes (-1 = missing) and distinct values; a categorical column's own codes (no pass over its rows)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.codes.to_numpy(), dtype=np.int64), list(values.cat.categories)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes, list(uniques)


def map_source_channels(
    source: pd.Series, source_data_1: pd.Series | None, cfg: FunnelConfig
) -> tuple[pd.Series, pd.Series]:
    """Map ``hs_analytics_source`` (refined by ``hs_analytics_source_data_1``) to channels.

    A refinement whose (source, source_data_1) pair matches exactly, ignoring case, wins over the source
    map. A missing, empty or unknown source maps to ``Other`` and is flagged as unmapped; a source that
    the map sends to ``Other`` on purpose (e.g. ``OTHER_CAMPAIGNS``) is mapped.

    Args:
        source: ``hs_analytics_source`` values (str or None).
        source_data_1: ``hs_analytics_source_data_1`` values, or None when not available.
        cfg: The configuration holding the map and refinements.

    Returns:
        ``(channel, unmapped)``: a str Series of channels and a bool Series, both with ``source``'s index.
    """
    n = len(source)
    source_map = {str(k).casefold(): v for k, v in cfg.source_map.items()}
    codes, uniques = factorized(source)
    keys = [str(u).casefold() for u in uniques]
    unique_channel = np.array([source_map.get(k, OTHER) for k in keys] + [OTHER], dtype=object)
    unique_unmapped = np.array([k.strip() == "" or k not in source_map for k in keys] + [True], dtype=bool)
    # Code -1 (missing) indexes the trailing sentinel entry.
    channel = unique_channel[codes]
    unmapped = unique_unmapped[codes]

    if cfg.source_refinements and n:
        data_1 = _as_series(source_data_1, n, source.index).astype(object)
        key_to_code = {k: i for i, k in enumerate(keys)}
        # Earlier refinements win, so apply them last.
        for refinement in reversed(cfg.source_refinements):
            code = key_to_code.get(refinement.source.casefold())
            if code is None:
                continue
            rows = np.flatnonzero(codes == code)
            if rows.size == 0:
                continue
            wanted = refinement.source_data_1.casefold()
            sub = data_1.iloc[rows]
            sub_codes, sub_uniques = pd.factorize(sub, use_na_sentinel=True)
            unique_hit = [isinstance(u, str) and u.casefold() == wanted for u in sub_uniques]
            hit_rows = rows[np.array([*unique_hit, False], dtype=bool)[sub_codes]]
            channel[hit_rows] = refinement.channel
            unmapped[hit_rows] = False

    return (
        pd.Series(channel, index=source.index, dtype=object),
        pd.Series(unmapped, index=source.index, dtype=bool),
    )


def contact_channels(contacts: pd.DataFrame, cfg: FunnelConfig) -> pd.Series:
    """Channel of each contact (index aligned with ``contacts``).

    Args:
        contacts: Frame with ``analytics_source`` and optionally ``analytics_source_data_1``.
        cfg: The configuration.

    Returns:
        A Series of channel names.
    """
    channel, _ = map_source_channels(contacts["analytics_source"], contacts.get("analytics_source_data_1"), cfg)
    return channel


def unmapped_sources(contacts: pd.DataFrame, cfg: FunnelConfig) -> pd.Series:
    """Whether each contact's source is missing or unknown (it went to ``Other``); for the Insights tab.

    Args:
        contacts: Frame with ``analytics_source`` and optionally ``analytics_source_data_1``.
        cfg: The configuration.

    Returns:
        A bool Series aligned with ``contacts``; ``.sum()`` is the unmapped count.
    """
    _, unmapped = map_source_channels(contacts["analytics_source"], contacts.get("analytics_source_data_1"), cfg)
    return unmapped


def channel_codes(channel: pd.Series | np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    """Position of each channel name in ``cfg.channels`` (names outside the taxonomy go to ``Other``)."""
    codes = pd.Categorical(np.asarray(channel, dtype=object), categories=list(cfg.channels)).codes
    codes = np.asarray(codes, dtype=np.int64)
    codes[codes < 0] = cfg.channels.index(OTHER)
    return codes


def group_members(cfg: FunnelConfig) -> list[np.ndarray]:
    """Channel positions of each group, in group order."""
    position = {c: i for i, c in enumerate(cfg.channels)}
    return [np.array([position[c] for c in members], dtype=np.int64) for members in cfg.channel_groups.values()]


def expand_slices(by_channel: np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    """Turn per-channel sums into per-slice sums (All, groups, channels).

    Groups are summed from their channels and All from the groups, so ``All = sum of groups`` holds
    bit for bit and ``All = sum of channels`` exactly for counts (to float rounding for currency).

    Args:
        by_channel: Array ``(n_weeks, n_channels)`` of additive values.
        cfg: The configuration.

    Returns:
        Array ``(n_weeks, len(cfg.slices))``.
    """
    groups = [by_channel[:, members].sum(axis=1) for members in group_members(cfg)]
    group_block = np.column_stack(groups) if groups else np.zeros((by_channel.shape[0], 0))
    total = group_block.sum(axis=1, keepdims=True)
    return np.concatenate([total, group_block, by_channel], axis=1)


def bincount_2d(
    week_idx: np.ndarray,
    channel_code: np.ndarray,
    n_weeks: int,
    n_channels: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Sum ``weights`` (or count rows) per (week, channel); rows with ``week_idx < 0`` are ignored.

    Returns:
        Float array ``(n_weeks, n_channels)``.
    """
    keep = (week_idx >= 0) & (week_idx < n_weeks)
    flat = week_idx[keep] * n_channels + channel_code[keep]
    w = None if weights is None else np.asarray(weights, dtype=np.float64)[keep]
    counts = np.bincount(flat, weights=w, minlength=n_weeks * n_channels)
    return counts.astype(np.float64).reshape(n_weeks, n_channels)


def safe_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with NaN (empty) where the denominator is 0 or missing."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = np.isfinite(den) & (den != 0)
    np.divide(num, den, out=out, where=ok)
    return out
