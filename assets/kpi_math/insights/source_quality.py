"""Insights about the sources themselves: GA4 quality flags, ad days not yet settled, time zones that differ
from the tracker's and sources not configured. Called by ``assets/weekly_kpis.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ..columns import flag_column
from ..weeks import NAT, dates_to_days, day_to_date
from .rows import Insight, plain_weeks, pluralize

SOURCE_NAMES: Mapping[str, str] = {
    "hubspot": "HubSpot",
    "ga4": "Google Analytics 4",
    "linkedin": "LinkedIn Ads",
    "google_ads": "Google Ads",
    "costs": "The Costs tab",
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
        "GA4 withheld rows with small counts from this week's data (thresholding, applied when Google "
        "signals or demographics are on): users and other small numbers may be understated",
    ),
    (
        "data_loss_from_other_row",
        "ga4_other_row",
        "GA4 folded some of this week's rows into '(other)' (too many distinct values): they count under "
        "channel Other, so other channels may be understated",
    ),
    (
        "sampled",
        "ga4_sampled",
        "GA4 answered with sampled data for this week: web numbers are estimates from a sample of sessions",
    ),
)


def ga4_quality_insights(flags: pd.DataFrame | None) -> list[Insight]:
    """GA4 data-quality flags per week: thresholding, the ``(other)`` row and sampling.

    Args:
        flags: One row per GA4 report answered for a week: ``week_start``, ``subject_to_thresholding``,
            ``data_loss_from_other_row``, ``sampled`` (bools; ``"true"`` strings accepted, a missing
            column or value is false). May be None or empty.

    Returns:
        One ``ga4`` insight per week and raised flag (``ga4_thresholding``, ``ga4_other_row``,
        ``ga4_sampled``); value = the number of the week's reports carrying it.
    """
    if flags is None or flags.empty:
        return []
    days = dates_to_days(flags["week_start"])
    valid = days != NAT
    out: list[Insight] = []
    for day in np.unique(days[valid]):
        in_week = days == day
        n_reports = int(in_week.sum())
        reports = pluralize(n_reports, "report")
        for column, code, sentence in _GA4_FLAGS:
            n = int((flag_column(flags, column) & in_week).sum())
            if n == 0:
                continue
            out.append(
                Insight(
                    week_start=day_to_date(int(day)),
                    source="ga4",
                    flag=code,
                    detail=f"{sentence} (flagged on {n} of the week's {n_reports} GA4 {reports}).",
                    value=float(n),
                )
            )
    return out


def unsettled_ads_insights(
    weeks: Iterable[date],
    lookback_end: date,
    lookback_days: int,
    *,
    sources: Sequence[str] = ("linkedin", "google_ads"),
) -> list[Insight]:
    """Weeks with days the ad platforms may still restate (not yet settled).

    Each run re-pulls the last ``lookback_days`` days ending ``lookback_end`` because the platforms restate
    recent days; a day from ``lookback_end - lookback_days + 1`` on (or later, not reported yet) is not
    settled.

    Args:
        weeks: First dates of the weeks to report on.
        lookback_end: Last day of the lookback window (the last day pulled).
        lookback_days: Length of the restatement window in days (>= 0).
        sources: The configured ad platforms (one insight per platform and week).

    Returns:
        One ``<platform>`` / ``ads_unsettled`` insight per platform and week with an unsettled day; value =
        the number of unsettled days of the week (1 to 7).

    Raises:
        ValueError: If ``lookback_days`` is negative.
    """
    if lookback_days < 0:
        raise ValueError(f"lookback_days: must be >= 0, got {lookback_days}")
    first_unsettled = lookback_end - timedelta(days=lookback_days - 1)
    out: list[Insight] = []
    for week in plain_weeks(weeks):
        last = week + timedelta(days=6)
        start = max(week, first_unsettled)
        n = (last - start).days + 1
        if n <= 0:
            continue
        span = "all 7 days" if n == 7 else f"{n} of its 7 days ({start.isoformat()} to {last.isoformat()})"
        for source in sources:
            name = SOURCE_NAMES.get(source, source)
            out.append(
                Insight(
                    week_start=week,
                    source=source,
                    flag="ads_unsettled",
                    detail=(
                        f"{name} numbers for this week are not settled: {span} fall within the last "
                        f"{lookback_days} days up to {lookback_end.isoformat()} that the platform may still "
                        "restate, so ad KPIs for this week may still change."
                    ),
                    value=float(n),
                )
            )
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
    """Flag, on every week, a source that reports dates in another time zone than the tracker's.

    Ad platforms and GA4 report calendar dates in their own time zone; those dates are bucketed as they
    are, never shifted (KPIS.md §1 "Week"). Names are compared ignoring case, and every UTC alias
    (``UTC``, ``Etc/UTC``, ``GMT``...) is the same zone. An unknown source time zone raises no flag.

    Args:
        source: ``ga4``, ``linkedin`` or ``google_ads``.
        source_tz: The time zone the source reports (IANA name), or None when unknown.
        reporting_tz: The ``timezone`` setting.
        weeks: First dates of the weeks to report on.

    Returns:
        One ``<source>`` / ``timezone_mismatch`` insight per week when the zones differ; value None.
    """
    if not source_tz or _same_zone(source_tz, reporting_tz):
        return []
    name = SOURCE_NAMES.get(source, source)
    detail = (
        f"{name} reports dates in {source_tz} while the tracker uses {reporting_tz}: its dates are bucketed "
        "as the source reports them, not shifted, so its weeks can be a few hours off the tracker's."
    )
    return [Insight(w, source, "timezone_mismatch", detail, None) for w in plain_weeks(weeks)]


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
