"""Rows of the tracker's Insights tab (KPIS.md §4): data-quality flags and paired-metric notes.

Every function is pure and returns ``list[Insight]``; a week with nothing to say gets no row. Details are
sentences a marketing lead can act on, with the numbers in them; ``value`` carries the headline number
(a count, a number of days, or a relative change) for sorting and charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from ..catalog import CATALOG_BY_ID
from ..channels import unmapped_sources
from ..columns import flag_column, ns_column, numeric_column, string_column
from ..config import ALL, FunnelConfig
from ..frame import to_matrix
from ..funnel import live_contacts
from ..weeks import (
    NAT,
    dates_to_days,
    day_to_date,
    index_in,
    instant_ns,
    local_days,
    requested_weeks,
    week_start_days,
)

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
TOP_UNKNOWN_SOURCES = 3
_MISSING = "no source"
LISTED_DEAL_IDS = 5
TRAILING_WEEKS = 4
DEFAULT_PAIRED_THRESHOLD = 0.10
_EPS = 1e-12  # so that an exact ±10% move counts despite float rounding of the change


@dataclass(frozen=True)
class Insight:
    """One row of the Insights tab.

    Attributes:
        week_start: The week the row is about.
        source: ``hubspot``, ``ga4``, ``linkedin``, ``google_ads``, ``costs``, ``pipeline`` or ``kpis``.
        flag: Short machine-readable code (e.g. ``ga4_thresholding``, ``unmapped_sources``).
        detail: A sentence with the numbers, for a marketing lead.
        value: The headline number, or None.
    """

    week_start: date
    source: str
    flag: str
    detail: str
    value: float | None


INSIGHT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Insight))


def insights_frame(insights: Iterable[Insight]) -> pd.DataFrame:
    """The Insights tab rows as a frame, sorted by week then source and flag (stable otherwise).

    Args:
        insights: Insights from any of this module's functions.

    Returns:
        DataFrame with columns ``week_start, source, flag, detail, value``.
    """
    rows = sorted(insights, key=lambda i: (i.week_start, i.source, i.flag))
    frame = pd.DataFrame([astuple(i) for i in rows], columns=list(INSIGHT_COLUMNS))
    return frame.astype({"week_start": object, "source": object, "flag": object, "detail": object})


# ---------------------------------------------------------------- helpers


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return singular if n == 1 else (plural or singular + "s")


def _has(n: int) -> str:
    return "has" if n == 1 else "have"


def _plain_weeks(weeks: Iterable[date]) -> list[date]:
    """Sorted distinct calendar dates (a datetime keeps only its date)."""
    return sorted({w.date() if isinstance(w, datetime) else w for w in weeks})


def _created_week_index(ns: np.ndarray, week_days: np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    """Requested-week position of each UTC instant, bucketed in the reporting time zone; -1 outside."""
    return index_in(week_start_days(local_days(ns, cfg.timezone), cfg.week_start), week_days)


def _id_sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


# ---------------------------------------------------------------- HubSpot data quality


def unmapped_source_insights(
    contacts: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Per week, the contacts created in it whose original source is missing or unknown (counted as Other).

    Contacts are those the funnel KPIs count (not archived, created at or before ``as_of``), bucketed by
    create instant in the reporting time zone. The detail lists the most frequent unknown values.

    Args:
        contacts: Contacts frame (``created_at``, ``analytics_source``, optional
            ``analytics_source_data_1`` and ``archived``).
        weeks: First dates of the weeks to report on.
        as_of: The run's as-of instant.
        cfg: Configuration (source map, time zone, week start).

    Returns:
        One ``hubspot`` / ``unmapped_sources`` insight per week with at least one such contact; value =
        their count.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    keep, created = live_contacts(contacts, as_of)
    kept = contacts.loc[keep]
    idx = _created_week_index(created[keep], week_days, cfg)
    in_week = idx >= 0
    if not in_week.any():
        return []
    unmapped = unmapped_sources(kept, cfg).to_numpy(dtype=bool) & in_week
    totals = np.bincount(idx[in_week], minlength=len(week_days))
    codes, uniques = pd.factorize(string_column(kept, "analytics_source")[unmapped], use_na_sentinel=True)
    unique_labels = [u.strip() if isinstance(u, str) and u.strip() else _MISSING for u in uniques]
    labels = np.array([*unique_labels, _MISSING], dtype=object)[codes]
    table = pd.DataFrame({"week": idx[unmapped], "label": labels})
    counts = table.groupby(["week", "label"], sort=False).size().reset_index(name="n")
    # Most frequent first; ties alphabetical so the sentence is stable from run to run.
    counts = counts.sort_values(["week", "n", "label"], ascending=[True, False, True], kind="stable")
    count_week = counts["week"].to_numpy(dtype=np.int64)

    out: list[Insight] = []
    for w in np.unique(count_week):
        group = counts.loc[count_week == w]
        n = int(group["n"].sum())
        total = int(totals[w])
        top = [f"{label} ({count})" for label, count in zip(group["label"], group["n"], strict=True)]
        shown = ", ".join(top[:TOP_UNKNOWN_SOURCES])
        rest = len(top) - TOP_UNKNOWN_SOURCES
        if rest > 0:
            shown += f" and {rest} other {_plural(rest, 'value')}"
        out.append(
            Insight(
                week_start=day_to_date(int(week_days[w])),
                source="hubspot",
                flag="unmapped_sources",
                detail=(
                    f"{n} of {total} {_plural(total, 'contact')} created this week {_has(n)} a missing or "
                    f"unknown original source and {'counts' if n == 1 else 'count'} under Other: {shown}."
                ),
                value=float(n),
            )
        )
    return out


def _counted_deals_by_week(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The requested week days, each deal's amount and the index of its creation week (-1 = not counted).

    Counted deals are those the deal KPIs count: not archived, created at or before ``as_of``, in the
    configured pipelines; the amount is ``amount_in_home_currency`` when present, else ``amount``.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    created = ns_column(deals, "created_at")
    keep = ~flag_column(deals, "archived") & (created != NAT) & (created <= instant_ns(as_of))
    if cfg.pipelines is not None:
        keep &= string_column(deals, "pipeline").astype(str).isin(list(cfg.pipelines)).to_numpy()
    home = numeric_column(deals, "amount_in_home_currency")
    amount = np.where(np.isnan(home), numeric_column(deals, "amount"), home)
    idx = np.where(keep, _created_week_index(created, week_days, cfg), -1)
    return week_days, amount, idx


def _shortened(items: Sequence[str]) -> str:
    """The first few items, then how many more (so a note stays one readable line)."""
    shown = ", ".join(items[:LISTED_DEAL_IDS])
    if len(items) > LISTED_DEAL_IDS:
        shown += f" and {len(items) - LISTED_DEAL_IDS} more"
    return shown


def deals_without_amount_insights(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Per week, the deals created in it that have no amount (they count with 0, KPIS.md §5.3).

    Deals are those the deal KPIs count: not archived, created at or before ``as_of``, in the configured
    pipelines. A deal has no amount when both ``amount_in_home_currency`` and ``amount`` are missing.

    Args:
        deals: Deals frame (``deal_id``, ``created_at``, ``amount``, optional ``amount_in_home_currency``,
            ``pipeline``, ``archived``).
        weeks: First dates of the weeks to report on.
        as_of: The run's as-of instant.
        cfg: Configuration (pipelines, time zone, week start).

    Returns:
        One ``hubspot`` / ``deals_without_amount`` insight per week with at least one such deal; value =
        their count.
    """
    week_days, amount, idx = _counted_deals_by_week(deals, weeks, as_of, cfg)
    in_week = idx >= 0
    missing = in_week & np.isnan(amount)
    if not missing.any():
        return []
    totals = np.bincount(idx[in_week], minlength=len(week_days))
    without = np.bincount(idx[missing], minlength=len(week_days))
    ids = string_column(deals, "deal_id").astype(str).to_numpy(dtype=object)

    out: list[Insight] = []
    for w in np.flatnonzero(without):
        n, total = int(without[w]), int(totals[w])
        listed = sorted((str(i) for i in ids[missing & (idx == w)]), key=_id_sort_key)
        shown = _shortened(listed)
        out.append(
            Insight(
                week_start=day_to_date(int(week_days[w])),
                source="hubspot",
                flag="deals_without_amount",
                detail=(
                    f"{n} of {total} {_plural(total, 'deal')} created this week {_has(n)} no amount and "
                    f"{'counts' if n == 1 else 'count'} with 0 in pipeline and revenue KPIs "
                    f"({_plural(n, 'deal id')} {shown})."
                ),
                value=float(n),
            )
        )
    return out


def archived_insights(
    contacts: pd.DataFrame,
    deals: pd.DataFrame,
    weeks: Iterable[date],
    *,
    meetings: pd.DataFrame | None = None,
) -> list[Insight]:
    """How many HubSpot records are archived, merged away or deleted, attached to the latest week.

    These counts describe the mirror as it stands, not a week, so they go on the newest week only. A record
    is counted when its ``archived`` flag is true (the warehouse marks deleted and merged-away records
    archived too).

    Args:
        contacts: Contacts frame (``archived``).
        deals: Deals frame (``archived``).
        weeks: The weeks of the run; the insights go on the latest.
        meetings: Meetings frame (``archived``), optional.

    Returns:
        One ``hubspot`` / ``archived_records`` insight per object type with at least one such record;
        value = the count.
    """
    plain = _plain_weeks(weeks)
    if not plain:
        return []
    latest = plain[-1]
    objects: list[tuple[str, str, pd.DataFrame | None]] = [
        ("contact", "contacts", contacts),
        ("deal", "deals", deals),
        ("meeting", "meetings", meetings),
    ]
    out: list[Insight] = []
    for singular, plural, frame in objects:
        if frame is None:
            continue
        n = int(flag_column(frame, "archived").sum())
        if n == 0:
            continue
        out.append(
            Insight(
                week_start=latest,
                source="hubspot",
                flag="archived_records",
                detail=(
                    f"{n} HubSpot {_plural(n, singular, plural)} {'is' if n == 1 else 'are'} archived, "
                    f"merged away or deleted and left out of every KPI (of {len(frame)} "
                    f"{_plural(len(frame), singular, plural)} in the mirror)."
                ),
                value=float(n),
            )
        )
    return out


# ---------------------------------------------------------------- GA4, ads and configuration

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
        reports = _plural(n_reports, "report")
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
    for week in _plain_weeks(weeks):
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
    return [Insight(w, source, "timezone_mismatch", detail, None) for w in _plain_weeks(weeks)]


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
    plain = _plain_weeks(weeks)
    if configured or not plain:
        return []
    name = SOURCE_NAMES.get(source, source)
    what = missing or MISSING_SETTING.get(source)
    reason = f" ({what} missing)" if what else ""
    detail = f"{name} is not configured{reason}: its KPIs are empty."
    return [Insight(plain[-1], source, "source_not_configured", detail, None)]


# ---------------------------------------------------------------- paired-metric notes


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


# An amount above this is far more likely a typo or a test record than a real deal.
IMPLAUSIBLE_AMOUNT = 1e9
# Records dated before this (1970 is what a zero epoch timestamp becomes) are most likely bad imports.
EARLIEST_PLAUSIBLE = pd.Timestamp("2000-01-01", tz="UTC")


def implausible_amount_insights(
    deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp, cfg: FunnelConfig
) -> list[Insight]:
    """Per week, the counted deals created in it whose amount is negative or above ``IMPLAUSIBLE_AMOUNT``.

    They still count as HubSpot holds them (the tracker never edits CRM data), so the pipeline and
    revenue KPIs of that week carry them; this note says which deals to fix.

    Args:
        deals: Deals frame (``deal_id``, ``created_at``, ``amount``, optional ``amount_in_home_currency``,
            ``pipeline``, ``archived``).
        weeks: First dates of the weeks to report on.
        as_of: The run's as-of instant.
        cfg: Configuration (pipelines, time zone, week start).

    Returns:
        One ``hubspot`` / ``implausible_amounts`` insight per week with at least one such deal; value =
        their count.
    """
    week_days, amount, idx = _counted_deals_by_week(deals, weeks, as_of, cfg)
    with np.errstate(invalid="ignore"):
        odd = (idx >= 0) & ((amount < 0) | (amount > IMPLAUSIBLE_AMOUNT))
    ids = string_column(deals, "deal_id").astype(str).to_numpy(dtype=object)
    out: list[Insight] = []
    for w in sorted({int(i) for i in idx[odd]}):
        chosen = odd & (idx == w)
        listed = sorted(
            ((str(i), float(a)) for i, a in zip(ids[chosen], amount[chosen], strict=True)),
            key=lambda pair: _id_sort_key(pair[0]),
        )
        shown = _shortened([f"{i}: {a:,.2f}" for i, a in listed])
        n = len(listed)
        out.append(
            Insight(
                week_start=day_to_date(int(week_days[w])),
                source="hubspot",
                flag="implausible_amounts",
                detail=(
                    f"{n} {_plural(n, 'deal')} created this week {_has(n)} a negative amount or one above "
                    f"{IMPLAUSIBLE_AMOUNT:,.0f} and {'counts' if n == 1 else 'count'} as entered in pipeline "
                    f"and revenue KPIs; check {_plural(n, 'deal id')} {shown}."
                ),
                value=float(n),
            )
        )
    return out


def implausible_date_insights(
    contacts: pd.DataFrame, deals: pd.DataFrame, weeks: Iterable[date], as_of: pd.Timestamp
) -> list[Insight]:
    """One note on the last week for contacts and deals created before 2000 or after the as-of instant.

    A record created after ``as_of`` counts in no week (KPIS.md: nothing after as-of); one from before
    2000 counts where its date falls (in open pipeline, say). Either way the date is most likely wrong.

    Args:
        contacts: Contacts frame (``contact_id``, ``created_at``, ``archived``).
        deals: Deals frame (``deal_id``, ``created_at``, ``archived``).
        weeks: First dates of the weeks to report on.
        as_of: The run's as-of instant.

    Returns:
        A ``hubspot`` / ``implausible_dates`` insight on the last week, value = the number of records, or
        nothing when every date is plausible.
    """
    plain = _plain_weeks(weeks)
    if not plain:
        return []
    earliest, latest = instant_ns(EARLIEST_PLAUSIBLE), instant_ns(as_of)
    found: list[str] = []
    for frame, kind, id_column in ((contacts, "contact", "contact_id"), (deals, "deal", "deal_id")):
        if frame.empty:
            continue
        created = ns_column(frame, "created_at")
        odd = ~flag_column(frame, "archived") & (created != NAT) & ((created < earliest) | (created > latest))
        ids = string_column(frame, id_column).astype(str).to_numpy(dtype=object)
        found += [f"{kind} {i}" for i in sorted((str(i) for i in ids[odd]), key=_id_sort_key)]
    if not found:
        return []
    shown = ", ".join(found[:LISTED_DEAL_IDS])
    if len(found) > LISTED_DEAL_IDS:
        shown += f" and {len(found) - LISTED_DEAL_IDS} more"
    n = len(found)
    detail = (
        f"{n} HubSpot {_plural(n, 'record')} {'is' if n == 1 else 'are'} dated before 2000 or after this run's "
        f"as-of date; a date after it counts in no week, one before 2000 counts where it falls: {shown}."
    )
    return [Insight(plain[-1], "hubspot", "implausible_dates", detail, float(n))]
