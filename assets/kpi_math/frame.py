"""Assembling KPI blocks into the long output frame (week_start, kpi_id, channel, value)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .catalog import CATALOG_POSITION
from .weeks import day_to_date

COLUMNS = ("week_start", "kpi_id", "channel", "value")


@dataclass(frozen=True)
class Block:
    """Values of one KPI for every requested week and the slices it exists for.

    Attributes:
        kpi_id: The KPI.
        slices: Slice names (columns of ``values``) in output order.
        values: Float array ``(n_weeks, len(slices))``; NaN = empty.
    """

    kpi_id: str
    slices: tuple[str, ...]
    values: np.ndarray


def empty_frame() -> pd.DataFrame:
    """A long KPI frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "week_start": pd.Series([], dtype=object),
            "kpi_id": pd.Series([], dtype=object),
            "channel": pd.Series([], dtype=object),
            "value": pd.Series([], dtype=np.float64),
        }
    )


def assemble(week_days: np.ndarray, blocks: Sequence[Block], slice_order: Sequence[str]) -> pd.DataFrame:
    """Build the long frame, sorted by week, catalog order of the KPI, then slice order.

    Args:
        week_days: Day numbers of the requested weeks (rows of every block's ``values``).
        blocks: One block per KPI.
        slice_order: The order of slices (All, groups, channels).

    Returns:
        DataFrame with columns ``week_start`` (date), ``kpi_id``, ``channel`` and ``value`` (float64).
    """
    n_weeks = len(week_days)
    if n_weeks == 0 or not blocks:
        return empty_frame()
    slice_rank = {name: i for i, name in enumerate(slice_order)}
    week_parts, kpi_parts, kpi_rank_parts, slice_parts, slice_rank_parts, value_parts = [], [], [], [], [], []
    for block in blocks:
        values = np.asarray(block.values, dtype=np.float64)
        if values.shape != (n_weeks, len(block.slices)):
            raise ValueError(f"{block.kpi_id}: values shape {values.shape} != {(n_weeks, len(block.slices))}")
        n_slices = len(block.slices)
        week_parts.append(np.repeat(np.arange(n_weeks), n_slices))
        kpi_parts.append(np.full(n_weeks * n_slices, block.kpi_id, dtype=object))
        kpi_rank_parts.append(np.full(n_weeks * n_slices, CATALOG_POSITION.get(block.kpi_id, len(CATALOG_POSITION))))
        names = np.array(block.slices, dtype=object)
        slice_parts.append(np.tile(names, n_weeks))
        ranks = np.array([slice_rank.get(s, len(slice_rank)) for s in block.slices], dtype=np.int64)
        slice_rank_parts.append(np.tile(ranks, n_weeks))
        value_parts.append(values.reshape(-1))
    week_idx = np.concatenate(week_parts)
    order = np.lexsort((np.concatenate(slice_rank_parts), np.concatenate(kpi_rank_parts), week_idx))
    dates = np.array([day_to_date(int(d)) for d in week_days], dtype=object)
    values = np.concatenate(value_parts)[order]
    values[~np.isfinite(values)] = np.nan
    return pd.DataFrame(
        {
            "week_start": pd.Series(dates[week_idx[order]], dtype=object),
            "kpi_id": pd.Series(np.concatenate(kpi_parts)[order], dtype=object),
            "channel": pd.Series(np.concatenate(slice_parts)[order], dtype=object),
            "value": pd.Series(values, dtype=np.float64),
        }
    )


def sort_long(frame: pd.DataFrame, slice_order: Sequence[str]) -> pd.DataFrame:
    """Sort a long frame by week, catalog order, slice order (stable), with a fresh index."""
    if frame.empty:
        return frame.reset_index(drop=True)
    slice_rank = {name: i for i, name in enumerate(slice_order)}
    kpi_rank = frame["kpi_id"].map(lambda k: CATALOG_POSITION.get(k, len(CATALOG_POSITION)))
    ch_rank = frame["channel"].map(lambda c: slice_rank.get(c, len(slice_rank)))
    order = np.lexsort((ch_rank.to_numpy(), kpi_rank.to_numpy(), frame["week_start"].map(str).to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def long_weeks(frame: pd.DataFrame) -> list[date]:
    """Sorted distinct ``week_start`` dates of a long frame."""
    return sorted(set(frame["week_start"])) if len(frame) else []


def to_matrix(frame: pd.DataFrame, kpi_id: str, weeks: Sequence[date], slices: Sequence[str]) -> np.ndarray:
    """Values of one KPI as an array ``(len(weeks), len(slices))``; NaN where the frame has no row.

    Args:
        frame: Long frame ``week_start, kpi_id, channel, value``.
        kpi_id: The KPI to pick.
        weeks: Row order.
        slices: Column order.

    Returns:
        Float array.
    """
    out = np.full((len(weeks), len(slices)), np.nan)
    rows = frame.loc[frame["kpi_id"] == kpi_id]
    if rows.empty:
        return out
    week_pos = {w: i for i, w in enumerate(weeks)}
    slice_pos = {s: j for j, s in enumerate(slices)}
    wi = rows["week_start"].map(week_pos).to_numpy(dtype=np.float64, na_value=np.nan)
    sj = rows["channel"].map(slice_pos).to_numpy(dtype=np.float64, na_value=np.nan)
    ok = ~np.isnan(wi) & ~np.isnan(sj)
    out[wi[ok].astype(np.int64), sj[ok].astype(np.int64)] = rows["value"].to_numpy(dtype=np.float64)[ok]
    return out
