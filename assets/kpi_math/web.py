"""Web KPIs from Google Analytics 4 (KPIS.md §3 "Web", §1 "Channels" and the GA4 non-additivity rule).

Day-grain GA4 numbers (sessions, engaged sessions, page views, key events, event counts) are additive:
they are summed per channel and expanded to the groups and All. Users, new users and the average session
duration are not: GA4 answers them at week grain for exactly one slice, and they are used as they come.
GA4 dates are the property's own calendar dates and are bucketed as they are (never shifted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import overload

import numpy as np
import pandas as pd

from .catalog import CATALOG_BY_ID, scroll_depth_kpi
from .channels import bincount_2d, expand_slices, safe_ratio
from .columns import numeric_column, string_column
from .config import ALL, OTHER, FunnelConfig
from .frame import Block, assemble
from .weeks import NAT, dates_to_days, day_to_date, index_in, requested_weeks, week_start_days

WEEK_GRAIN_WEB_KPIS: tuple[str, ...] = ("users", "new_users", "avg_session_duration_s")
"""Non-additive web KPIs, taken as is from ``ga4_weekly`` (one GA4 query per week and slice)."""
WEB_KPIS: tuple[str, ...] = (
    "sessions",
    "users",
    "new_users",
    "engaged_sessions",
    "engagement_rate",
    "avg_session_duration_s",
    "pageviews_per_session",
    "key_events",
)


def _taxonomy_positions(values: pd.Series, cfg: FunnelConfig) -> np.ndarray:
    """Position in ``cfg.channels`` of each channel name, matched ignoring case and surrounding spaces.

    A name outside the taxonomy (or missing) goes to ``Other``, like every unmapped source.

    Args:
        values: Channel names.
        cfg: Configuration.

    Returns:
        int64 positions aligned with ``values``.
    """
    lookup = {c.casefold(): i for i, c in enumerate(cfg.channels)}
    other = cfg.channels.index(OTHER)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    unique_pos = [lookup.get(str(u).strip().casefold(), other) for u in uniques]
    return np.array([*unique_pos, other], dtype=np.int64)[codes]


def _daily_week_index(frame: pd.DataFrame, week_days: np.ndarray, cfg: FunnelConfig) -> np.ndarray:
    """Requested-week position of each row's ``date`` (bucketed as is); -1 outside the requested weeks."""
    return index_in(week_start_days(dates_to_days(frame["date"]), cfg.week_start), week_days)


def _sum_by_channel(
    frame: pd.DataFrame, column: str, week_idx: np.ndarray, ch: np.ndarray, n_w: int, cfg: FunnelConfig
) -> np.ndarray:
    """Per-slice sums ``(n_weeks, n_slices)`` of a numeric column (missing values count as 0)."""
    weights = np.nan_to_num(numeric_column(frame, column), nan=0.0)
    return expand_slices(bincount_2d(week_idx, ch, n_w, len(cfg.channels), weights), cfg)


def _week_grain(
    ga4_weekly: pd.DataFrame | None,
    week_days: np.ndarray,
    cfg: FunnelConfig,
) -> dict[str, np.ndarray]:
    """``users``, ``new_users`` and ``avg_session_duration_s`` per (week, slice), NaN where not given."""
    shape = (len(week_days), len(cfg.slices))
    out = {kpi_id: np.full(shape, np.nan) for kpi_id in WEEK_GRAIN_WEB_KPIS}
    if ga4_weekly is None or ga4_weekly.empty:
        return out
    slice_pos = {s.casefold(): j for j, s in enumerate(cfg.slices)}
    codes, uniques = pd.factorize(string_column(ga4_weekly, "slice"), use_na_sentinel=True)
    unique_slice = [slice_pos.get(str(u).strip().casefold(), -1) for u in uniques]
    sj = np.array([*unique_slice, -1], dtype=np.int64)[codes]
    # Only exact week starts match: a week-grain number of another range is not this week's number.
    wi = index_in(dates_to_days(ga4_weekly["week_start"]), week_days)
    ok = (wi >= 0) & (sj >= 0)
    # A repeated (week, slice) keeps its last row, deterministically.
    cell = pd.Series(wi[ok] * len(cfg.slices) + sj[ok])
    last = ~cell.duplicated(keep="last").to_numpy()
    rows = np.flatnonzero(ok)[last]
    for kpi_id in WEEK_GRAIN_WEB_KPIS:
        values = numeric_column(ga4_weekly, kpi_id)
        out[kpi_id][wi[rows], sj[rows]] = values[rows]
    return out


def _scroll_depths(
    ga4_events: pd.DataFrame | None, depths: list[tuple[int, str]], week_days: np.ndarray, cfg: FunnelConfig
) -> dict[str, np.ndarray]:
    """``scroll_depth_<p>`` per (week, slice): the configured event's counts, summed like sessions."""
    n_w = len(week_days)
    shape = (n_w, len(cfg.slices))
    if ga4_events is None:
        return {f"scroll_depth_{p}": np.full(shape, np.nan) for p, _ in depths}
    if not len(ga4_events):
        return {f"scroll_depth_{p}": np.zeros(shape) for p, _ in depths}
    week_idx = _daily_week_index(ga4_events, week_days, cfg)
    ch = _taxonomy_positions(ga4_events["channel"], cfg)
    names = string_column(ga4_events, "event_name").to_numpy(dtype=object)
    out = {}
    for p, event_name in depths:
        hit = names == event_name
        rows = ga4_events.loc[hit]
        out[f"scroll_depth_{p}"] = _sum_by_channel(rows, "event_count", week_idx[hit], ch[hit], n_w, cfg)
    return out


def web_kpis(
    ga4_daily: pd.DataFrame | None,
    ga4_weekly: pd.DataFrame | None,
    ga4_events: pd.DataFrame | None,
    weeks: Iterable[date],
    cfg: FunnelConfig,
    *,
    scroll_depth_events: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Web KPIs for every requested week and every slice (All, groups, channels).

    Additive KPIs (``sessions``, ``engaged_sessions``, ``key_events``, ``scroll_depth_<p>``) are summed per
    channel and expanded, so ``All = groups = sum of channels``; ``engagement_rate`` and
    ``pageviews_per_session`` divide the slice's summed numerator by its summed sessions (empty without
    sessions). ``users``, ``new_users`` and ``avg_session_duration_s`` come from ``ga4_weekly`` as they are,
    never summed; a (week, slice) missing there is empty.

    Args:
        ga4_daily: One row per (date, channel): ``date`` (the property's calendar date), ``channel`` (a
            taxonomy name; matched ignoring case, anything else counts under Other), ``sessions``,
            ``engaged_sessions``, ``pageviews``, ``key_events``. None when GA4 is not configured: every
            web KPI is then empty for every slice (the rows still exist).
        ga4_weekly: Week-grain numbers asked from GA4 per slice: ``week_start``, ``slice`` (All, a group or
            a channel), ``users``, ``new_users``, ``avg_session_duration_s``. May be None or empty.
        ga4_events: Daily event counts: ``date``, ``channel``, ``event_name``, ``event_count``. Only read
            for scroll depth; None (not fetched) leaves the scroll-depth KPIs empty, an empty frame makes
            them 0.
        weeks: First dates of the weeks to compute.
        cfg: Configuration.
        scroll_depth_events: Scroll depth percentage (25, 50, 75, 100) -> GA4 event name (matched
            exactly: GA4 event names are case-sensitive). A percentage not configured has no KPI at all.

    Returns:
        Long frame ``week_start, kpi_id, channel, value``.

    Raises:
        ValueError: If a scroll depth percentage is not 25, 50, 75 or 100.
    """
    week_days = requested_weeks(weeks, cfg.week_start)
    n_w = len(week_days)
    shape = (n_w, len(cfg.slices))
    depths = sorted((scroll_depth_events or {}).items())
    for p, _ in depths:
        scroll_depth_kpi(p)  # validates p

    if ga4_daily is None:
        empty = [Block(kpi_id, cfg.slices, np.full(shape, np.nan)) for kpi_id in WEB_KPIS]
        empty += [Block(f"scroll_depth_{p}", cfg.slices, np.full(shape, np.nan)) for p, _ in depths]
        return assemble(week_days, empty, cfg.slices)

    week_idx = _daily_week_index(ga4_daily, week_days, cfg) if len(ga4_daily) else np.zeros(0, np.int64)
    ch = _taxonomy_positions(ga4_daily["channel"], cfg) if len(ga4_daily) else np.zeros(0, np.int64)

    def daily_sum(column: str) -> np.ndarray:
        return _sum_by_channel(ga4_daily, column, week_idx, ch, n_w, cfg)

    sessions = daily_sum("sessions")
    engaged = daily_sum("engaged_sessions")
    values: dict[str, np.ndarray] = {
        "sessions": sessions,
        "engaged_sessions": engaged,
        "engagement_rate": safe_ratio(engaged, sessions),
        "pageviews_per_session": safe_ratio(daily_sum("pageviews"), sessions),
        "key_events": daily_sum("key_events"),
        **_week_grain(ga4_weekly, week_days, cfg),
    }

    values.update(_scroll_depths(ga4_events, depths, week_days, cfg))
    return assemble(week_days, [Block(k, cfg.slices, v) for k, v in values.items()], cfg.slices)


@overload
def ga4_sessions_by_week_channel(ga4_daily: None, weeks: Iterable[date], cfg: FunnelConfig) -> None: ...


@overload
def ga4_sessions_by_week_channel(
    ga4_daily: pd.DataFrame,
    weeks: Iterable[date],
    cfg: FunnelConfig,
) -> pd.DataFrame: ...


def ga4_sessions_by_week_channel(
    ga4_daily: pd.DataFrame | None, weeks: Iterable[date], cfg: FunnelConfig
) -> pd.DataFrame | None:
    """GA4 sessions per (week, channel), the input of ``efficiency.visit_to_lead_rate``.

    Args:
        ga4_daily: Daily GA4 rows (``date``, ``channel``, ``sessions``), or None when GA4 is not configured.
        weeks: First dates of the weeks to compute.
        cfg: Configuration.

    Returns:
        ``week_start, channel, sessions``: one row per requested week and taxonomy channel (0 where there
        were no sessions), or None when ``ga4_daily`` is None (visit → lead rate is then empty).
    """
    if ga4_daily is None:
        return None
    week_days = requested_weeks(weeks, cfg.week_start)
    n_w, n_ch = len(week_days), len(cfg.channels)
    if len(ga4_daily):
        week_idx = _daily_week_index(ga4_daily, week_days, cfg)
        ch = _taxonomy_positions(ga4_daily["channel"], cfg)
        weights = np.nan_to_num(numeric_column(ga4_daily, "sessions"), nan=0.0)
        by_channel = bincount_2d(week_idx, ch, n_w, n_ch, weights)
    else:
        by_channel = np.zeros((n_w, n_ch))
    week_dates = [day_to_date(int(d)) for d in week_days for _ in range(n_ch)]
    return pd.DataFrame(
        {
            "week_start": pd.Series(week_dates, dtype=object),
            "channel": pd.Series(list(cfg.channels) * n_w, dtype=object),
            "sessions": by_channel.reshape(-1),
        }
    )


def _ga4_lookup(
    mapping: Mapping[str, str] | None,
    cfg: FunnelConfig,
) -> tuple[dict[str, str], dict[str, str]]:
    """(explicit map, same-name map), both keyed by casefolded GA4 group and valued by taxonomy names."""
    canonical = {c.casefold(): c for c in cfg.channels}
    explicit: dict[str, str] = {}
    for group, channel in (mapping or {}).items():
        name = canonical.get(str(channel).strip().casefold())
        if name is None:
            raise ValueError(f"ga4_channel_map.{group}: '{channel}' is not one of channels")
        explicit[str(group).strip().casefold()] = name
    return explicit, canonical


def map_ga4_channel_groups(
    groups: pd.Series,
    mapping: Mapping[str, str] | None,
    cfg: FunnelConfig,
) -> pd.Series:
    """Map GA4 ``sessionDefaultChannelGroup`` values to taxonomy channels (KPIS.md §1 "Channels").

    An explicit mapping (setting ``ga4_channel_map``, keys matched ignoring case) wins. Otherwise a group
    named like a channel maps to it (ignoring case: ``organic search`` -> ``Organic Search``), and every
    other group — ``Unassigned``, ``Cross-network``, ``Display`` (unless the taxonomy has a ``Display``
    channel), ``Paid Video``, ``(other)``, a missing value — maps to ``Other``.

    Args:
        groups: GA4 channel group names.
        mapping: The ``ga4_channel_map`` setting (GA4 group -> channel), or None.
        cfg: Configuration (the taxonomy).

    Returns:
        A Series of channel names with ``groups``' index.

    Raises:
        ValueError: If the mapping sends a group to a name that is not a channel.
    """
    explicit, canonical = _ga4_lookup(mapping, cfg)
    codes, uniques = pd.factorize(groups.astype(object), use_na_sentinel=True)
    keys = [str(u).strip().casefold() for u in uniques]
    unique_channel = [explicit.get(k, canonical.get(k, OTHER)) for k in keys]
    channel = np.array([*unique_channel, OTHER], dtype=object)[codes]
    return pd.Series(channel, index=groups.index, dtype=object)


def ga4_slice_filters(
    known_groups: Iterable[str], mapping: Mapping[str, str] | None, cfg: FunnelConfig
) -> dict[str, list[str] | None]:
    """The GA4 channel groups to filter on when asking week-grain users for each slice.

    Users are not additive, so each slice needs its own GA4 query restricted to the channel groups that
    map to it (an ``inListFilter`` on ``sessionDefaultChannelGroup``).

    Args:
        known_groups: GA4 channel groups seen in the property (e.g. from the daily report).
        mapping: The ``ga4_channel_map`` setting, or None.
        cfg: Configuration.

    Returns:
        Slice -> filter, for every slice in output order: ``None`` for All (no filter); the sorted GA4
        groups mapping to a channel, or to any channel of a group; ``[]`` for a slice no GA4 group maps
        to (its users are 0, no query needed).
    """
    distinct = sorted({g for g in known_groups if isinstance(g, str) and g.strip()})
    channel_of = map_ga4_channel_groups(pd.Series(distinct, dtype=object), mapping, cfg).tolist()
    by_channel: dict[str, list[str]] = {c: [] for c in cfg.channels}
    for group, channel in zip(distinct, channel_of, strict=True):
        by_channel[channel].append(group)
    filters: dict[str, list[str] | None] = {ALL: None}
    for group_name, members in cfg.channel_groups.items():
        filters[group_name] = sorted(g for c in members for g in by_channel[c])
    for channel in cfg.channels:
        filters[channel] = by_channel[channel]
    return filters


def weeks_with_rows(daily: pd.DataFrame, cfg: FunnelConfig) -> set[date]:
    """The weeks holding at least one row of a daily source table (``date`` column)."""
    days = week_start_days(dates_to_days(daily["date"]), cfg.week_start)
    return {day_to_date(int(d)) for d in np.unique(days[days != NAT])}


def without_unpulled_web_weeks(
    kpis_long: pd.DataFrame, ga4_daily: pd.DataFrame, ga4_events: pd.DataFrame | None, cfg: FunnelConfig
) -> pd.DataFrame:
    """Web KPIs of a week GA4 has not a single row for are empty, never 0 (called by the weekly KPI step).

    GA4 reports a row for every day that had a session, so a week without one was never pulled (only the
    KPIs were recomputed, or the property collected nothing yet): its input is missing, and a KPI whose
    input is missing is empty, like every web KPI when GA4 is not configured. Scroll depth likewise needs
    at least one row of its configured events in the week.

    Args:
        kpis_long: Long KPI frame (``week_start`` as ``datetime.date``).
        ga4_daily: The daily GA4 rows (``date``) the web KPIs were computed from.
        ga4_events: The daily event rows (``date``) of the configured scroll events, or None.
        cfg: Configuration (week start).

    Returns:
        A copy with ``value`` NaN for the web KPIs (and visit → lead rate, which divides by sessions) of
        those weeks.
    """
    kpi_id, week = kpis_long["kpi_id"].astype(str), kpis_long["week_start"]
    web = kpi_id.isin([k for k, kpi in CATALOG_BY_ID.items() if kpi.source == "ga4"]) | (kpi_id == "visit_to_lead_rate")
    scroll = kpi_id.str.startswith("scroll_depth_")
    blank = (web | scroll) & ~week.isin(list(weeks_with_rows(ga4_daily, cfg)))
    if ga4_events is not None:
        blank |= scroll & ~week.isin(list(weeks_with_rows(ga4_events, cfg)))
    return kpis_long.assign(value=kpis_long["value"].mask(blank))
