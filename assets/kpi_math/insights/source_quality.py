"""Insights about the sources themselves: GA4 quality flags, ad days not yet settled, time zones that differ
from the tracker's and sources not configured. Called by ``assets/weekly_kpis.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..columns import flag_column
from ..weeks import NAT, date_to_day, dates_to_days, day_to_date
from .rows import Insight, plain_weeks, pluralize
from .wording import describe_weeks

SOURCE_NAMES: Mapping[str, str] = {
    "hubspot": "HubSpot",
    "ga4": "Google Analytics 4",
    "linkedin": "LinkedIn Ads",
    "google_ads": "Google Ads",
    "costs": "The Costs tab",
    "targets": "The Targets tab",
    "pipeline": "The pipeline",
    "kpis": "The KPIs",
}
MISSING_SETTING: Mapping[str, str] = {
    "hubspot": "HUBSPOT_ACCESS_TOKEN",
    "ga4": "GA4_PROPERTY_ID",
    "linkedin": "LINKEDIN_ACCESS_TOKEN",
    "google_ads": "GOOGLE_ADS_DEVELOPER_TOKEN",
}
"""The setting named when a source is not configured (callers may name another one)."""

_GA4_FLAGS: tuple[tuple[str, str, str], ...] = (
    (
        "subject_to_thresholding",
        "ga4_thresholding",
        "GA4 withheld rows with small counts (thresholding, applied when Google signals or demographics are "
        "on), so users and other small numbers may be understated",
    ),
    (
        "data_loss_from_other_row",
        "ga4_other_row",
        "GA4 folded some rows into '(other)' (too many distinct values); they count under channel Other, so "
        "other channels may be understated",
    ),
    (
        "sampled",
        "ga4_sampled",
        "GA4 answered with sampled data, so web numbers are estimates from a sample of sessions",
    ),
)


def ga4_quality_insights(flags: pd.DataFrame | None, weeks: Iterable[date] | None = None) -> list[Insight]:
    """Once per run and flag: GA4 thresholding, the ``(other)`` row and sampling, with the weeks concerned.

    Args:
        flags: One row per GA4 report answered for a week: ``week_start``, ``subject_to_thresholding``,
            ``data_loss_from_other_row``, ``sampled`` (bools; ``"true"`` strings accepted, a missing
            column or value is false). May be None or empty.
        weeks: The run's weeks (the notes go on the latest; default: the latest week of ``flags``); flags
            of other weeks are ignored.

    Returns:
        One ``ga4`` insight per raised flag (``ga4_thresholding``, ``ga4_other_row``, ``ga4_sampled``);
        value = the number of weeks carrying it.
    """
    if flags is None or flags.empty:
        return []
    days = dates_to_days(flags["week_start"])
    run_weeks = plain_weeks(weeks) if weeks is not None else [day_to_date(int(d)) for d in np.unique(days[days != NAT])]
    if not run_weeks:
        return []
    in_run = np.isin(days, [date_to_day(w) for w in run_weeks])
    out: list[Insight] = []
    for column, code, sentence in _GA4_FLAGS:
        raised = flag_column(flags, column) & in_run
        if not raised.any():
            continue
        affected = sorted({day_to_date(int(d)) for d in days[raised]})
        reports = int(in_run[np.isin(days, days[raised])].sum())
        n = int(raised.sum())
        detail = (
            f"{sentence} in {describe_weeks(affected, run_weeks)} (flagged on {n} of {reports} GA4 "
            f"{pluralize(reports, 'report')})."
        )
        out.append(Insight(run_weeks[-1], "ga4", code, detail, float(len(affected))))
    return out


def unsettled_ads_insights(
    weeks: Iterable[date],
    lookback_end: date,
    lookback_days: int,
    *,
    sources: Sequence[str] = ("linkedin", "google_ads"),
) -> list[Insight]:
    """Once per run and platform: the weeks with days the ad platform may still restate (not yet settled).

    Each run re-pulls the last ``lookback_days`` days ending ``lookback_end`` because the platforms restate
    recent days; a day from ``lookback_end - lookback_days + 1`` on (or later, not reported yet) is not
    settled.

    Args:
        weeks: The run's weeks (the note goes on the latest).
        lookback_end: Last day of the lookback window (the last day pulled).
        lookback_days: Length of the restatement window in days (>= 0).
        sources: The configured ad platforms (one insight per platform).

    Returns:
        One ``<platform>`` / ``ads_unsettled`` insight per platform when a week has an unsettled day; value
        = the number of such weeks.

    Raises:
        ValueError: If ``lookback_days`` is negative.
    """
    if lookback_days < 0:
        raise ValueError(f"lookback_days: must be >= 0, got {lookback_days}")
    first_unsettled = lookback_end - timedelta(days=lookback_days - 1)
    run_weeks = plain_weeks(weeks)
    affected = [week for week in run_weeks if week + timedelta(days=6) >= first_unsettled]
    if not affected:
        return []
    out: list[Insight] = []
    for source in sources:
        name = SOURCE_NAMES.get(source, source)
        detail = (
            f"{name} numbers from {first_unsettled.isoformat()} on may still change (the platform restates "
            f"the last {lookback_days} days, up to {lookback_end.isoformat()}), so ad KPIs are not settled in "
            f"{describe_weeks(affected, run_weeks)}."
        )
        out.append(Insight(run_weeks[-1], source, "ads_unsettled", detail, float(len(affected))))
    return out


_UTC_ALIASES = frozenset(
    {"utc", "etc/utc", "uct", "etc/uct", "zulu", "etc/zulu", "universal", "etc/universal", "gmt", "etc/gmt"}
    | {"gmt0", "etc/gmt0", "gmt+0", "etc/gmt+0", "gmt-0", "etc/gmt-0", "greenwich", "etc/greenwich"}
)


def _same_zone(a: str, b: str) -> bool:
    x, y = a.strip().casefold(), b.strip().casefold()
    return x == y or (x in _UTC_ALIASES and y in _UTC_ALIASES)


def timezone_mismatch_insights(
    source: str, source_tz: str | None, reporting_tz: str, weeks: Iterable[date]
) -> list[Insight]:
    """Flag, once per run (on the latest week), a source that reports dates in another time zone.

    Ad platforms and GA4 report calendar dates in their own time zone; those dates are bucketed as they
    are, never shifted (KPIS.md §1 "Week"). Names are compared ignoring case, and every UTC alias
    (``UTC``, ``Etc/UTC``, ``GMT``...) is the same zone. An unknown source time zone raises no flag.

    Args:
        source: ``ga4``, ``linkedin`` or ``google_ads``.
        source_tz: The time zone the source reports (IANA name), or None when unknown.
        reporting_tz: The ``timezone`` setting.
        weeks: The run's weeks.

    Returns:
        One ``<source>`` / ``timezone_mismatch`` insight when the zones differ; value None.
    """
    if not source_tz or _same_zone(source_tz, reporting_tz):
        return []
    name = SOURCE_NAMES.get(source, source)
    detail = (
        f"{name} reports dates in {source_tz} while the tracker uses {reporting_tz}: its dates are bucketed "
        "as the source reports them, not shifted, so its weeks can be a few hours off the tracker's."
    )
    plain = plain_weeks(weeks)
    return [Insight(plain[-1], source, "timezone_mismatch", detail, None)] if plain else []


def source_status_insights(
    source: str, configured: bool, weeks: Iterable[date], *, missing: str | None = None
) -> list[Insight]:
    """Say, on the latest week, that a source is not configured and its KPIs are empty.

    Args:
        source: ``hubspot``, ``ga4``, ``linkedin``, ``google_ads`` or ``costs``.
        configured: Whether the source is configured.
        weeks: The weeks of the run; the insight goes on the latest.
        missing: What is missing, named in the sentence (default: the source's credential variable, e.g.
            ``LINKEDIN_ACCESS_TOKEN``).

    Returns:
        One ``<source>`` / ``source_not_configured`` insight, or none when configured; value None.
    """
    plain = plain_weeks(weeks)
    if configured or not plain:
        return []
    name = SOURCE_NAMES.get(source, source)
    what = missing or MISSING_SETTING.get(source)
    reason = f" ({what} missing)" if what else ""
    detail = f"{name} is not configured{reason}: its KPIs are empty."
    return [Insight(plain[-1], source, "source_not_configured", detail, None)]
