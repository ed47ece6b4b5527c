"""When a weekly change is more than chance: the count behind each watched KPI and its sampling noise.

A week of 3 MQLs against a usual 2 is a 50% rise and means nothing; a week of 120 against 80 does. Every
KPI the Insights notes compare has a :class:`SampleRule`: what kind of number it is and which count it
rests on. From it come the two rules the anomaly and paired-metric notes apply (README "Insights"):

* **Minimum sample**: a count is compared only when it or its usual level is at least
  :data:`MIN_SAMPLE`; a rate, cost per item or amount only when the count behind it is at least
  :data:`MIN_SAMPLE` both this week and on average in the weeks before.
* **Sampling noise**: the spread a number shows from chance alone at that sample size: √mean for a count
  (Poisson), √(p(1−p)/n) for a share of n (binomial), mean ÷ √n for a cost or average per item, and
  mean × √(2/n) for an amount summed over n deals (whose sizes vary about as much as their mean). Spend
  and levels such as coverage have none.

Called by ``anomalies`` and ``paired_metrics``; vectorised over (weeks × slices) arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["count", "share", "per_item", "amount", "level"]
MIN_SAMPLE = 10


@dataclass(frozen=True)
class SampleRule:
    """What kind of number a KPI is and the count it rests on.

    Attributes:
        kind: ``count`` (the KPI is itself a count), ``share`` (a rate of ``sample`` trials), ``per_item``
            (a cost or average per ``sample`` item), ``amount`` (money summed over ``sample`` deals) or
            ``level`` (spend, coverage: no sampling noise).
        sample: The KPI counting the trials or items; None for ``count`` and ``level``.
    """

    kind: Kind
    sample: str | None = None


_COUNT = SampleRule("count")
SAMPLE_RULES: Mapping[str, SampleRule] = {
    **{
        kpi_id: _COUNT
        for kpi_id in (
            "sessions",
            "engaged_sessions",
            "users",
            "new_users",
            "key_events",
            "ad_impressions",
            "ad_clicks",
            "ad_conversions",
            "new_contacts",
            "new_leads",
            "new_mqls",
            "new_sqls",
            "new_opportunities",
            "new_customers",
            "meetings_booked",
            "new_deals",
            "deals_won",
        )
    },
    "engagement_rate": SampleRule("share", "sessions"),
    "visit_to_lead_rate": SampleRule("share", "sessions"),
    "ad_ctr": SampleRule("share", "ad_impressions"),
    "flow_mql_to_sql": SampleRule("share", "new_mqls"),
    "ad_cpc": SampleRule("per_item", "ad_clicks"),
    "ad_cpm": SampleRule("per_item", "ad_impressions"),
    "cost_per_lead": SampleRule("per_item", "new_leads"),
    "cost_per_mql": SampleRule("per_item", "new_mqls"),
    "cost_per_opportunity": SampleRule("per_item", "new_opportunities"),
    "cac": SampleRule("per_item", "new_customers"),
    "avg_deal_size": SampleRule("per_item", "deals_won"),
    "pipeline_created": SampleRule("amount", "new_deals"),
    "revenue_won": SampleRule("amount", "deals_won"),
    "ad_spend": SampleRule("level"),
    "total_spend": SampleRule("level"),
    "pipeline_coverage": SampleRule("level"),
}


def enough_sample(
    rule: SampleRule, value: np.ndarray, mean: np.ndarray, sample_now: np.ndarray, sample_mean: np.ndarray
) -> np.ndarray:
    """Whether each comparison rests on enough items (the minimum-sample rule).

    Args:
        rule: The KPI's rule.
        value: This week's values.
        mean: The usual level (mean of the weeks before).
        sample_now: This week's count behind the KPI (ignored for counts and levels).
        sample_mean: Its mean over the weeks before (ignored for counts and levels).
    """
    with np.errstate(invalid="ignore"):
        if rule.kind == "count":
            return np.fmax(value, mean) >= MIN_SAMPLE
        if rule.kind == "level":
            return np.isfinite(value) & np.isfinite(mean)
        return (sample_now >= MIN_SAMPLE) & (sample_mean >= MIN_SAMPLE)


def sampling_sd(rule: SampleRule, mean: np.ndarray, sample_now: np.ndarray) -> np.ndarray:
    """The spread chance alone gives this week's value around ``mean`` (see the module docstring).

    Args:
        rule: The KPI's rule.
        mean: The usual level.
        sample_now: This week's count behind the KPI (trials for a share, items otherwise).

    Returns:
        Standard deviations (0 for levels; NaN where the sample is missing or 0).
    """
    mean = np.asarray(mean, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule.kind == "count":
            return np.sqrt(np.fmax(mean, 1.0))
        if rule.kind == "level":
            return np.zeros_like(mean)
        n = np.where(sample_now > 0, sample_now, np.nan)
        if rule.kind == "share":
            p = np.clip(mean, 0.0, 1.0)
            # A usual rate of exactly 0 or 1 still has the noise of one item in n.
            return np.sqrt(np.fmax(p * (1 - p), 1.0 / n) / n)
        if rule.kind == "per_item":
            return np.abs(mean) / np.sqrt(n)
        return np.abs(mean) * np.sqrt(2.0 / n)
