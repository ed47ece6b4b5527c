"""Each week's value against the weeks before it: the week grid, trailing means and spreads, and the
baseline weeks a source was never pulled for.

Shared by ``anomalies`` (8 weeks before, mean and standard deviation) and ``paired_metrics`` (4 weeks
before, mean); vectorised over a (grid weeks × slices) matrix from :func:`~..frame.to_matrix`.
``assets/weekly_kpis.py`` calls :func:`without_unpulled_weeks` before either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..catalog import CATALOG_BY_ID
from ..weeks import NAT, dates_to_days, day_to_date


@dataclass(frozen=True)
class WeekGrid:
    """Consecutive weeks from ``window`` weeks before the first requested week to the last one.

    Attributes:
        weeks: The grid's week starts, oldest first.
        targets: Row of each requested week in the grid.
    """

    weeks: list[date]
    targets: np.ndarray


def week_grid(week_days: np.ndarray, window: int) -> WeekGrid:
    """The grid covering the requested weeks (day numbers, sorted) and the ``window`` weeks before them."""
    first = int(week_days[0]) - 7 * window
    grid_days = np.arange(first, int(week_days[-1]) + 1, 7, dtype=np.int64)
    return WeekGrid([day_to_date(int(d)) for d in grid_days], (week_days - first) // 7)


def with_plain_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """``week_start`` as ``datetime.date`` (Timestamps or ISO strings match the grid)."""
    days = dates_to_days(frame["week_start"])
    week_start = pd.Series([day_to_date(int(d)) if d != NAT else None for d in days], dtype=object)
    return frame.assign(week_start=week_start.to_numpy())


@dataclass(frozen=True)
class Trailing:
    """Each requested week's value and the weeks before it (arrays of shape (requested weeks, slices)).

    Attributes:
        current: The week's value.
        mean: Mean of the finite values of the weeks before.
        sd: Their standard deviation (n − 1); NaN with fewer than two.
        n_values: How many of the weeks before have a value.
        all_positive: Whether every week before has a value above 0.
    """

    current: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    n_values: np.ndarray
    all_positive: np.ndarray


def trailing(matrix: np.ndarray, targets: np.ndarray, window: int) -> Trailing:
    """Compare rows ``targets`` of a week-grid matrix with the ``window`` rows before each.

    Args:
        matrix: Values ``(grid weeks, slices)``; NaN = no value.
        targets: Grid rows of the requested weeks (each at least ``window``).
        window: How many weeks before to use.
    """
    before = np.stack([matrix[targets - k] for k in range(1, window + 1)])  # (window, targets, slices)
    present = np.isfinite(before)
    n_values = present.sum(axis=0)
    filled = np.where(present, before, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_values > 0, filled.sum(axis=0) / n_values, np.nan)
        squares = np.where(present, (before - mean) ** 2, 0.0).sum(axis=0)
        sd = np.where(n_values > 1, np.sqrt(squares / (n_values - 1)), np.nan)
        all_positive = (n_values == window) & np.where(present, before > 0, False).all(axis=0)
    return Trailing(matrix[targets], mean, sd, n_values, all_positive)


# KPIs that read GA4 or the ad platforms besides their catalog source: the visit → lead rate divides by GA4
# sessions, the spend-based KPIs add up ad spend.
_READS_GA4 = frozenset({"visit_to_lead_rate"})
_READS_ADS = frozenset({"total_spend", "cost_per_lead", "cost_per_mql", "cost_per_opportunity", "cac"})
_READS_ADS |= {"marketing_roi", "ltv_to_cac"}


def without_unpulled_weeks(
    kpis_long: pd.DataFrame, pulled: Mapping[str, Collection[date]], keep: Collection[date]
) -> pd.DataFrame:
    """Blank the baseline weeks a source was never pulled for, so they do not read as zeros.

    The weeks before a run's first week are computed only as a baseline; GA4 and the ad platforms are
    pulled for the run's own weeks, so an earlier week without a single row of theirs is unknown, not 0.

    Args:
        kpis_long: Long KPI frame (``week_start`` as ``datetime.date``).
        pulled: ``{"ga4": weeks with GA4 rows, "ads": weeks with ad rows}``; a source left out is not
            touched (not configured: its KPIs are empty anyway, or spend comes from the Costs tab only).
        keep: The run's own weeks, never blanked.

    Returns:
        A copy with ``value`` NaN where the KPI reads a source that has no row in that baseline week.
    """
    source = kpis_long["kpi_id"].map(lambda k: CATALOG_BY_ID[k].source if k in CATALOG_BY_ID else "")
    week = kpis_long["week_start"]
    baseline = ~week.isin(list(keep))
    blank = pd.Series(False, index=kpis_long.index)
    if "ga4" in pulled:
        reads = (source == "ga4") | kpis_long["kpi_id"].isin(list(_READS_GA4))
        blank |= baseline & reads & ~week.isin(list(pulled["ga4"]))
    if "ads" in pulled:
        reads = (source == "ads") | kpis_long["kpi_id"].isin(list(_READS_ADS))
        blank |= baseline & reads & ~week.isin(list(pulled["ads"]))
    return kpis_long.assign(value=kpis_long["value"].mask(blank))
