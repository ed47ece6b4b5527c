"""Paired-metric notes of the Insights tab (KPIS.md §4): one KPI up while its partner is down, against the
trailing 4 weeks. Called by ``assets/weekly_kpis.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..catalog import CATALOG_BY_ID
from ..config import ALL, FunnelConfig
from ..frame import to_matrix
from ..weeks import NAT, dates_to_days, day_to_date, requested_weeks
from .rows import Insight

TRAILING_WEEKS = 4
DEFAULT_PAIRED_THRESHOLD = 0.10
_EPS = 1e-12  # so that an exact ±10% move counts despite float rounding of the change


@dataclass(frozen=True)
class MetricPair:
    """Two KPIs whose opposite moves deserve a note: ``first`` up by the threshold, ``second`` down by it.

    Attributes:
        first: The KPI that went up (its relative change is the insight's value).
        first_label: How the sentence names it.
        second: The KPI that went down.
        second_label: How the sentence names it.
        link: The word joining the two halves (``while``, ``and``, ``but``).
    """

    first: str
    first_label: str
    second: str
    second_label: str
    link: str


FLOW_MQL_TO_SQL = "flow_mql_to_sql"


def _with_flow_mql_to_sql(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the derived rows ``flow_mql_to_sql`` = new_sqls ÷ new_mqls per week and slice (NaN on 0 MQLs)."""
    keys = ["week_start", "channel"]
    mqls = frame.loc[frame["kpi_id"] == "new_mqls", [*keys, "value"]]
    sqls = frame.loc[frame["kpi_id"] == "new_sqls", [*keys, "value"]]
    both = mqls.merge(sqls, on=keys, suffixes=("_mqls", "_sqls"))
    mql_counts = both["value_mqls"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(mql_counts > 0, both["value_sqls"].to_numpy(dtype=np.float64) / mql_counts, np.nan)
    derived = both[keys].assign(kpi_id=FLOW_MQL_TO_SQL, value=ratio)
    return pd.concat([frame, derived[frame.columns.intersection(derived.columns)]], ignore_index=True)


PAIRED_METRICS: tuple[MetricPair, ...] = (
    MetricPair("sessions", "Sessions", "visit_to_lead_rate", "visit → lead rate", "while"),
    MetricPair("ad_cpc", "CPC", "ad_ctr", "CTR", "and"),
    # The flow rate (this week's SQLs per this week's MQLs), not the cohort rate: a recent cohort has
    # had no time to convert, so its rate always looks like a fall.
    MetricPair("new_mqls", "New MQLs", FLOW_MQL_TO_SQL, "MQL → SQL rate (SQLs ÷ MQLs of the week)", "but"),
    MetricPair("pipeline_created", "Pipeline created", "pipeline_coverage", "pipeline coverage", "but"),
)


def _signed_pct(change: float) -> str:
    sign = "+" if change >= 0 else "−"
    return f"{sign}{abs(change) * 100:.1f}%"


def _fmt(kpi_id: str, v: float) -> str:
    unit = CATALOG_BY_ID[kpi_id].unit if kpi_id in CATALOG_BY_ID else "ratio" if kpi_id == FLOW_MQL_TO_SQL else "count"
    if unit == "ratio":
        return f"{v * 100:.2f}%"
    if unit == "currency":
        return f"{v:,.2f}"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _relative_changes(matrix: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This week's value, its trailing mean and relative change, for rows ``targets`` of a week grid.

    ``matrix`` rows are consecutive weeks; row ``t`` is compared with the mean of rows ``t-4 .. t-1``.
    The change is NaN when any of the five values is missing or the mean is 0.
    """
    current = matrix[targets]
    trailing = np.stack([matrix[targets - k] for k in range(1, TRAILING_WEEKS + 1)])
    mean = trailing.mean(axis=0)
    ok = np.isfinite(current) & np.isfinite(mean) & (mean != 0)
    change = np.full(current.shape, np.nan)
    np.divide(current - mean, np.abs(mean), out=change, where=ok)
    return current, mean, change


def paired_metric_insights(
    kpis_long: pd.DataFrame,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    *,
    threshold: float = DEFAULT_PAIRED_THRESHOLD,
    slices: Sequence[str] | None = None,
) -> list[Insight]:
    """Paired-metric notes (KPIS.md §4): one KPI up while its partner is down, vs the trailing 4 weeks.

    For each requested week and slice, each KPI is compared with the mean of its 4 previous weeks (all
    read from ``kpis_long``; a week, slice or KPI without the 5 values, or with a trailing mean of 0, is
    skipped). A note is written when the first KPI rose by at least ``threshold`` (relative) and the second
    fell by at least ``threshold``: sessions vs visit → lead rate, CPC vs CTR, new MQLs vs cohort
    MQL → SQL, pipeline created vs pipeline coverage.

    Args:
        kpis_long: Long KPI frame ``week_start, kpi_id, channel, value`` holding the requested weeks and
            the 4 before each.
        weeks: First dates of the weeks to write notes for.
        cfg: Configuration.
        threshold: Smallest relative move that counts, e.g. 0.10 for ±10%.
        slices: Slices to look at; default All and every channel (a slice without a KPI's rows, such as a
            channel without ads for CPC, is skipped for that pair).

    Returns:
        ``kpis`` / ``paired_metric`` insights ordered by week, pair, slice; value = the first KPI's
        relative change (e.g. 0.25 for +25%).

    Raises:
        ValueError: If ``threshold`` is not above 0.
    """
    if not threshold > 0:
        raise ValueError(f"threshold: must be > 0, got {threshold!r}")
    week_days = requested_weeks(weeks, cfg.week_start)
    if not len(week_days) or kpis_long.empty:
        return []
    slice_list = list(slices) if slices is not None else [ALL, *cfg.channels]
    # A contiguous week grid from 4 weeks before the first requested week to the last one.
    first = int(week_days[0]) - 7 * TRAILING_WEEKS
    grid_days = np.arange(first, int(week_days[-1]) + 1, 7, dtype=np.int64)
    grid = [day_to_date(int(d)) for d in grid_days]
    targets = (week_days - first) // 7

    needed = {kpi for pair in PAIRED_METRICS for kpi in (pair.first, pair.second)} | {"new_sqls"}
    frame = _with_flow_mql_to_sql(kpis_long.loc[kpis_long["kpi_id"].isin(list(needed))])
    if frame.empty:
        return []
    # Normalise week_start to datetime.date so Timestamps or ISO strings match the grid.
    days = dates_to_days(frame["week_start"])
    week_start = pd.Series([day_to_date(int(d)) if d != NAT else None for d in days], dtype=object)
    frame = frame.assign(week_start=week_start.to_numpy())

    found: list[tuple[int, int, int, Insight]] = []
    for p, pair in enumerate(PAIRED_METRICS):
        a_now, a_mean, a_change = _relative_changes(to_matrix(frame, pair.first, grid, slice_list), targets)
        b_now, b_mean, b_change = _relative_changes(to_matrix(frame, pair.second, grid, slice_list), targets)
        with np.errstate(invalid="ignore"):
            hit = (a_change >= threshold - _EPS) & (b_change <= -threshold + _EPS)
        for t, s in zip(*np.nonzero(hit), strict=True):
            where = "" if slice_list[s] == ALL else f"{slice_list[s]}: "
            detail = (
                f"{where}{pair.first_label} {_signed_pct(a_change[t, s])} vs trailing 4-week mean "
                f"({_fmt(pair.first, a_now[t, s])} vs {_fmt(pair.first, a_mean[t, s])}) {pair.link} "
                f"{pair.second_label} {_signed_pct(b_change[t, s])} "
                f"({_fmt(pair.second, b_now[t, s])} vs {_fmt(pair.second, b_mean[t, s])})."
            )
            week = day_to_date(int(week_days[t]))
            found.append((t, p, s, Insight(week, "kpis", "paired_metric", detail, float(a_change[t, s]))))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]
