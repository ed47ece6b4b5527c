"""Single-metric anomalies for the Insights tab: a KPI far outside its range of the 8 weeks before
(spikes, drops, zeros after weeks of values). Called by ``assets/weekly_kpis.py``.

The rule, for each watched KPI, slice and week (README "Insights"):

* the baseline is the mean and standard deviation of the 8 weeks before (at least 4 with a value);
* the change must rest on enough items (the minimum-sample rule of :mod:`.significance`);
* z = (this week − mean) ÷ the larger of the standard deviation and the sampling noise; a week is noted
  when |z| ≥ :data:`ANOMALY_Z` and the move is at least :data:`ANOMALY_MIN_CHANGE` of the mean.

One note per week and KPI: the slice with the largest |z| leads, the other slices that moved follow.
The note's ``score`` is that |z|, which ranks it within its week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..catalog import CATALOG_BY_ID, CATALOG_POSITION
from ..config import ALL, FunnelConfig
from ..frame import to_matrix
from ..weeks import day_to_date, requested_weeks
from .rows import Insight
from .significance import SAMPLE_RULES, enough_sample, sampling_sd
from .trailing import trailing, week_grid, with_plain_weeks
from .wording import kpi_name, kpi_value, signed_pct

ANOMALY_TRAILING_WEEKS = 8
MIN_TRAILING_VALUES = 4
ANOMALY_Z = 4.0
ANOMALY_MIN_CHANGE = 0.15
# A spread of 0 with a move (a flat history) is as unusual as it gets; capped so scores stay comparable.
_MAX_SCORE = 99.0
# The KPIs watched: the ones a lead acts on or that reveal a broken source; cohort KPIs are left out
# (a young cohort always looks low), as are users (GA4 counts them per slice, never additively).
WATCHED_KPIS: tuple[str, ...] = tuple(
    sorted(
        (k for k in SAMPLE_RULES if k in CATALOG_BY_ID and k not in {"users", "engaged_sessions", "pipeline_coverage"}),
        key=lambda k: CATALOG_POSITION[k],
    )
)
_LISTED_SLICES = 3


@dataclass(frozen=True)
class _Hit:
    slice_name: str
    value: float
    mean: float
    change: float
    z: float
    zero_after_values: bool


def _subject(kpi_id: str, slice_name: str) -> str:
    name = kpi_name(kpi_id)
    return name if slice_name == ALL else f"{name} in {slice_name}"


def _sentence(kpi_id: str, hits: Sequence[_Hit], currency: str, weeks_before: int) -> str:
    """Plain words first (what moved, which way), then the figures."""
    lead = hits[0]
    subject = _subject(kpi_id, lead.slice_name)
    now, usual = kpi_value(kpi_id, lead.value, currency), kpi_value(kpi_id, lead.mean, currency)
    if lead.zero_after_values:
        words = f"{subject} dropped to zero after {weeks_before} weeks with values (a tracking or sync problem?)"
        figures = f"0 this week against {usual} on average before."
    else:
        words = f"{subject} {'jumped far above' if lead.change > 0 else 'fell far below'} the usual range"
        figures = (
            f"{now} this week against {usual} on average over the {weeks_before} weeks before "
            f"({signed_pct(lead.change)})."
        )
    text = f"{words}: {figures}"
    seen = {(lead.value, lead.mean)}
    also = []
    for hit in hits[1:]:
        if (hit.value, hit.mean) in seen:
            continue  # a group that is all of All (or a channel that is all of its group) says nothing new
        seen.add((hit.value, hit.mean))
        also.append(
            f"{hit.slice_name} {kpi_value(kpi_id, hit.value, currency)} vs {kpi_value(kpi_id, hit.mean, currency)} "
            f"({signed_pct(hit.change)})"
        )
    if also:
        more = len(also) - _LISTED_SLICES
        text += " Also " + ", ".join(also[:_LISTED_SLICES]) + (f" and {more} more" if more > 0 else "") + "."
    kpi = CATALOG_BY_ID.get(kpi_id)
    if kpi is not None and kpi.source == "ga4" and lead.change < 0:
        text += " If nothing changed on the site, check that the GA4 tag recorded the whole week."
    return text


def kpi_anomaly_insights(
    kpis_long: pd.DataFrame,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    *,
    currency: str = "USD",
    slices: Sequence[str] | None = None,
    kpi_ids: Sequence[str] = WATCHED_KPIS,
) -> list[Insight]:
    """Notes on KPIs far outside their range of the weeks before (see the module docstring).

    Args:
        kpis_long: Long KPI frame ``week_start, kpi_id, channel, value`` holding the requested weeks and
            the 8 before the first one (fewer: the first weeks are compared with what there is, at least 4).
        weeks: First dates of the weeks to write notes for.
        cfg: Configuration.
        currency: The reporting currency, for money in the sentences.
        slices: Slices to look at; default All, the groups and every channel.
        kpi_ids: The KPIs to watch (each needs a rule in :data:`~.significance.SAMPLE_RULES`).

    Returns:
        ``kpis`` / ``kpi_spike``, ``kpi_drop`` or ``kpi_zero`` insights, by week then catalog order; value
        = the leading slice's relative change, score = its |z|.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    if not len(week_days) or kpis_long.empty:
        return []
    slice_list = list(slices) if slices is not None else list(cfg.slices)
    grid = week_grid(week_days, ANOMALY_TRAILING_WEEKS)
    wanted = set(kpi_ids) | {r.sample for k in kpi_ids if (r := SAMPLE_RULES.get(k)) and r.sample}
    frame = with_plain_weeks(kpis_long.loc[kpis_long["kpi_id"].isin(list(wanted))])

    found: list[tuple[int, int, tuple[str, float, float], Insight]] = []
    for kpi_id in kpi_ids:
        rule = SAMPLE_RULES[kpi_id]
        stats = trailing(to_matrix(frame, kpi_id, grid.weeks, slice_list), grid.targets, ANOMALY_TRAILING_WEEKS)
        if rule.sample is not None:
            sample = trailing(
                to_matrix(frame, rule.sample, grid.weeks, slice_list), grid.targets, ANOMALY_TRAILING_WEEKS
            )
            sample_now, sample_mean = sample.current, sample.mean
        else:
            sample_now = sample_mean = np.full(stats.current.shape, np.nan)
        x, mean = stats.current, stats.mean
        spread = np.fmax(np.nan_to_num(stats.sd, nan=0.0), sampling_sd(rule, mean, sample_now))
        with np.errstate(invalid="ignore", divide="ignore"):
            change = (x - mean) / np.abs(mean)
            z = np.where(spread > 0, (x - mean) / spread, np.sign(x - mean) * _MAX_SCORE)
        hit = (
            np.isfinite(x)
            & np.isfinite(change)
            & (stats.n_values >= MIN_TRAILING_VALUES)
            & enough_sample(rule, x, mean, sample_now, sample_mean)
            & (np.abs(z) >= ANOMALY_Z)
            & (np.abs(change) >= ANOMALY_MIN_CHANGE)
        )
        for t in np.flatnonzero(hit.any(axis=1)):
            hits = sorted(
                (
                    _Hit(
                        slice_name=slice_list[s],
                        value=float(x[t, s]),
                        mean=float(mean[t, s]),
                        change=float(change[t, s]),
                        z=float(np.clip(z[t, s], -_MAX_SCORE, _MAX_SCORE)),
                        zero_after_values=bool(x[t, s] == 0 and stats.all_positive[t, s]),
                    )
                    for s in np.flatnonzero(hit[t])
                ),
                key=lambda h: (-abs(h.z), slice_list.index(h.slice_name)),
            )
            # The other slices must move the same way as the lead to be named with it.
            lead = hits[0]
            hits = [lead, *(h for h in hits[1:] if (h.change > 0) == (lead.change > 0))]
            flag = "kpi_zero" if lead.zero_after_values else ("kpi_spike" if lead.change > 0 else "kpi_drop")
            detail = _sentence(kpi_id, hits, currency, int(stats.n_values[t, slice_list.index(lead.slice_name)]))
            week = day_to_date(int(week_days[t]))
            # The value is the relative change, to a hundredth of a percent (the tab shows it as a number).
            note = Insight(week, "kpis", flag, detail, round(lead.change, 4), score=abs(lead.z))
            figures = (lead.slice_name, round(lead.value, 6), round(lead.mean, 6))
            found.append((int(t), CATALOG_POSITION.get(kpi_id, 0), figures, note))
    found.sort(key=lambda item: item[:2])
    # A note whose lead figures repeat an earlier one's in the same week says nothing new (marketing spend
    # is ad spend when there is no Costs row): the KPI earlier in the catalog keeps it.
    kept: list[Insight] = []
    seen: set[tuple[int, tuple[str, float, float]]] = set()
    for week_index, _, figures, note in found:
        if (week_index, figures) not in seen:
            seen.add((week_index, figures))
            kept.append(note)
    return kept
