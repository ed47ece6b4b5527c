"""Paired-metric notes of the Insights tab (KPIS.md §4): one KPI up while its partner is down, against the
trailing 4 weeks. Called by ``assets/weekly_kpis.py``.

A move is noted only when it is more than chance at its sample size (:mod:`.significance`): both KPIs
rest on at least ``MIN_SAMPLE`` items this week and on average before, and each moved by at least
:data:`PAIRED_NOISE_Z` times its sampling noise, besides the relative ``threshold``. So "3 MQLs against a
usual 2" is never a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..config import ALL, FunnelConfig
from ..frame import to_matrix
from ..weeks import requested_weeks
from .rows import Insight
from .significance import SAMPLE_RULES, enough_sample, sampling_sd
from .trailing import Trailing, trailing, week_grid, with_plain_weeks
from .wording import kpi_value, signed_pct

TRAILING_WEEKS = 4
DEFAULT_PAIRED_THRESHOLD = 0.10
PAIRED_NOISE_Z = 2.0
_EPS = 1e-12  # so that an exact ±10% move counts despite float rounding of the change
_MAX_SCORE = 99.0


@dataclass(frozen=True)
class MetricPair:
    """Two KPIs whose opposite moves deserve a note: ``first`` up by the threshold, ``second`` down by it.

    Attributes:
        first: The KPI that went up (its relative change is the insight's value).
        first_label: How the figures name it.
        second: The KPI that went down.
        second_label: How the figures name it.
        headline: The plain words the note opens with.
    """

    first: str
    first_label: str
    second: str
    second_label: str
    headline: str


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
    MetricPair(
        "sessions", "sessions", "visit_to_lead_rate", "visit → lead rate", "More visits, but fewer became leads"
    ),
    MetricPair("ad_cpc", "CPC", "ad_ctr", "CTR", "Clicks cost more while fewer people clicked the ads"),
    # The flow rate (this week's SQLs per this week's MQLs), not the cohort rate: a recent cohort has
    # had no time to convert, so its rate always looks like a fall.
    MetricPair("new_mqls", "new MQLs", FLOW_MQL_TO_SQL, "SQLs per MQL of the week", "More MQLs, but fewer became SQLs"),
    MetricPair(
        "pipeline_created",
        "pipeline created",
        "pipeline_coverage",
        "pipeline coverage",
        "More pipeline created, but the quarter's coverage fell",
    ),
)


@dataclass(frozen=True)
class _Side:
    """One KPI of a pair: its values against the 4 weeks before, and whether each move beats chance."""

    stats: Trailing
    change: np.ndarray
    noise_z: np.ndarray
    sample_ok: np.ndarray


def _side(frame: pd.DataFrame, kpi_id: str, grid_weeks: list[date], targets: np.ndarray, slices: list[str]) -> _Side:
    rule = SAMPLE_RULES[kpi_id]
    stats = trailing(to_matrix(frame, kpi_id, grid_weeks, slices), targets, TRAILING_WEEKS)
    complete = stats.n_values == TRAILING_WEEKS
    if rule.sample is not None:
        sample = trailing(to_matrix(frame, rule.sample, grid_weeks, slices), targets, TRAILING_WEEKS)
        sample_now, sample_mean = sample.current, sample.mean
    else:
        sample_now = sample_mean = np.full(stats.current.shape, np.nan)
    x, mean = stats.current, stats.mean
    noise = sampling_sd(rule, mean, sample_now)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(complete & (mean != 0), (x - mean) / np.abs(mean), np.nan)
        noise_z = np.where(noise > 0, (x - mean) / noise, np.sign(x - mean) * _MAX_SCORE)
    return _Side(stats, change, noise_z, enough_sample(rule, x, mean, sample_now, sample_mean))


def paired_metric_insights(
    kpis_long: pd.DataFrame,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    *,
    threshold: float = DEFAULT_PAIRED_THRESHOLD,
    slices: Sequence[str] | None = None,
    currency: str = "USD",
) -> list[Insight]:
    """Paired-metric notes (KPIS.md §4): one KPI up while its partner is down, vs the trailing 4 weeks.

    For each requested week and slice, each KPI is compared with the mean of its 4 previous weeks (all
    read from ``kpis_long``; a week, slice or KPI without the 5 values, or with a trailing mean of 0, is
    skipped). A note is written when the first KPI rose by at least ``threshold`` (relative) and the second
    fell by at least ``threshold``, and each move is more than chance (the module docstring): sessions vs
    visit → lead rate, CPC vs CTR, new MQLs vs SQLs per MQL of the week, pipeline created vs coverage.

    Args:
        kpis_long: Long KPI frame ``week_start, kpi_id, channel, value`` holding the requested weeks and
            the 4 before each, with the counts the pairs rest on (sessions, ad clicks and impressions, new
            MQLs and SQLs, new deals).
        weeks: First dates of the weeks to write notes for.
        cfg: Configuration.
        threshold: Smallest relative move that counts, e.g. 0.10 for ±10%.
        slices: Slices to look at; default All and every channel (a slice without a KPI's rows, such as a
            channel without ads for CPC, is skipped for that pair).
        currency: The reporting currency, for money in the sentences.

    Returns:
        ``kpis`` / ``paired_metric`` insights ordered by week, pair, slice; value = the first KPI's
        relative change (e.g. 0.25 for +25%), score = the smaller of the two moves in units of their
        sampling noise.

    Raises:
        ValueError: If ``threshold`` is not above 0.
    """
    if not threshold > 0:
        raise ValueError(f"threshold: must be > 0, got {threshold!r}")
    week_days = requested_weeks(weeks, cfg.week_start)
    if not len(week_days) or kpis_long.empty:
        return []
    slice_list = list(slices) if slices is not None else [ALL, *cfg.channels]
    grid = week_grid(week_days, TRAILING_WEEKS)
    needed = {kpi for pair in PAIRED_METRICS for kpi in (pair.first, pair.second)} | {"new_sqls"}
    needed |= {r.sample for k in needed if (r := SAMPLE_RULES.get(k)) and r.sample}
    frame = _with_flow_mql_to_sql(kpis_long.loc[kpis_long["kpi_id"].isin(list(needed))])
    if frame.empty:
        return []
    frame = with_plain_weeks(frame)

    found: list[tuple[int, int, int, Insight]] = []
    for p, pair in enumerate(PAIRED_METRICS):
        a = _side(frame, pair.first, grid.weeks, grid.targets, slice_list)
        b = _side(frame, pair.second, grid.weeks, grid.targets, slice_list)
        with np.errstate(invalid="ignore"):
            hit = (
                (a.change >= threshold - _EPS)
                & (b.change <= -threshold + _EPS)
                & a.sample_ok
                & b.sample_ok
                & (a.noise_z >= PAIRED_NOISE_Z)
                & (b.noise_z <= -PAIRED_NOISE_Z)
            )
        for t, s in zip(*np.nonzero(hit), strict=True):
            where = "" if slice_list[s] == ALL else f"{slice_list[s]}: "
            figures = ", ".join(
                f"{label} {kpi_value(kpi, side.stats.current[t, s], currency)} vs "
                f"{kpi_value(kpi, side.stats.mean[t, s], currency)} ({signed_pct(side.change[t, s])})"
                for kpi, label, side in ((pair.first, pair.first_label, a), (pair.second, pair.second_label, b))
            )
            detail = f"{where}{pair.headline}. {figures[0].upper()}{figures[1:]}, against the 4 weeks before."
            score = float(min(abs(a.noise_z[t, s]), abs(b.noise_z[t, s]), _MAX_SCORE))
            week = grid.weeks[int(grid.targets[t])]
            change = round(float(a.change[t, s]), 4)  # to a hundredth of a percent, as the tab shows it
            found.append((t, p, s, Insight(week, "kpis", "paired_metric", detail, change, score)))
    found.sort(key=lambda item: item[:3])
    return [item[3] for item in found]
