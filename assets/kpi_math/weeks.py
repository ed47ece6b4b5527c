"""Week arithmetic on integer day numbers (days since 1970-01-01 in the reporting time zone).

Every HubSpot instant is converted to the reporting time zone and reduced to its *local calendar day*;
a week is seven local days. Working on local days rather than on UTC instants makes DST changes a
non-issue: a week that contains a DST change is still exactly seven local dates long, and "before W's
end" is "local date before W's start + 7".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from .config import WeekStart

DAY_NS = 86_400_000_000_000
NAT = np.iinfo(np.int64).min
"""Sentinel for a missing instant or day, as pandas stores NaT."""
_EPOCH = date(1970, 1, 1)
# 1970-01-01 was a Thursday: Monday-based weekday of day d is (d + 3) % 7, Sunday-based is (d + 4) % 7.
_WEEKDAY_SHIFT = {"monday": 3, "sunday": 4}


def to_utc_ns(values: pd.Series | pd.Index | Iterable[object]) -> np.ndarray:
    """Instants as int64 nanoseconds since the epoch (UTC); ``NAT`` where missing.

    Tz-naive values are taken to be UTC, which is what HubSpot's ISO strings mean.

    Args:
        values: Timestamps (tz-aware, naive, or parseable strings).

    Returns:
        An int64 array of the same length.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if not isinstance(series.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(series.dtype):
            series = series.dt.tz_localize("UTC")
        else:
            series = pd.to_datetime(series, utc=True, format="ISO8601")
    return _ns_view(series.dt.tz_convert("UTC").dt.tz_localize(None))


def _ns_view(naive: pd.Series) -> np.ndarray:
    """int64 nanoseconds of a tz-naive datetime Series (NaT becomes ``NAT``)."""
    return np.asarray(naive.to_numpy(dtype="datetime64[ns]")).view(np.int64).copy()


def instant_ns(value: pd.Timestamp) -> int:
    """One instant (tz-aware, or naive meaning UTC) as int64 nanoseconds since the epoch."""
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.as_unit("ns").value)


def local_days(ns: np.ndarray, tz: str) -> np.ndarray:
    """Local calendar day (days since 1970-01-01) of each UTC instant in time zone ``tz``.

    Args:
        ns: int64 UTC nanoseconds, ``NAT`` where missing.
        tz: IANA time zone name.

    Returns:
        int64 day numbers, ``NAT`` where the input is missing.
    """
    ns = np.asarray(ns, dtype=np.int64)
    missing = ns == NAT
    if tz.upper() != "UTC":
        index = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz).tz_localize(None)
        ns = np.asarray(index.asi8, dtype=np.int64)
    days = np.floor_divide(ns, DAY_NS)
    days[missing] = NAT
    return days


def week_start_days(days: np.ndarray, week_start: WeekStart) -> np.ndarray:
    """First local day of the week containing each day (``NAT`` stays ``NAT``)."""
    days = np.asarray(days, dtype=np.int64)
    missing = days == NAT
    safe = np.where(missing, 0, days)
    starts = safe - (safe + _WEEKDAY_SHIFT[week_start]) % 7
    starts[missing] = NAT
    return starts


def week_start_of(ts: pd.Series, tz: str, week_start: WeekStart) -> pd.Series:
    """The reporting week (its first local date) of each UTC instant.

    The instant is converted to ``tz``, floored to its local date, and stepped back to the week's first
    day, so DST changes never move an instant into a neighbouring week.

    Args:
        ts: tz-aware (or naive = UTC) timestamps; NaT allowed.
        tz: IANA reporting time zone.
        week_start: ``"monday"`` or ``"sunday"``.

    Returns:
        A Series of ``datetime.date`` (``None`` for NaT) with the input's index.
    """
    starts = week_start_days(local_days(to_utc_ns(ts), tz), week_start)
    # numpy turns datetime64[D] into datetime.date (NaT into None) when cast to object.
    return pd.Series(starts.astype("datetime64[D]").astype(object), index=ts.index, dtype=object)


def date_to_day(value: date) -> int:
    """Day number of a calendar date (days since 1970-01-01)."""
    return (value - _EPOCH).days


def day_to_date(day: int) -> date:
    """Calendar date of a day number."""
    return _EPOCH + timedelta(days=day)


def dates_to_days(values: Iterable[object]) -> np.ndarray:
    """Day numbers of dates given as ``date``, ``Timestamp`` or ISO strings (``NAT`` where missing)."""
    parsed = pd.to_datetime(pd.Series(list(values), dtype=object), format="mixed")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    ns = _ns_view(parsed)
    days = np.floor_divide(ns, DAY_NS)
    days[ns == NAT] = NAT
    return days


def requested_weeks(weeks: Iterable[date], week_start: WeekStart) -> np.ndarray:
    """Validate week starts and return their sorted, de-duplicated day numbers.

    Args:
        weeks: First dates of the weeks to compute.
        week_start: The configured first weekday.

    Returns:
        Sorted unique int64 day numbers.

    Raises:
        ValueError: If a date is not the first day of a week under ``week_start``.
    """
    # A datetime/Timestamp is a date subclass; keep only its calendar date.
    days = np.array(sorted({date_to_day(w.date() if isinstance(w, datetime) else w) for w in weeks}), dtype=np.int64)
    misaligned = days[(days + _WEEKDAY_SHIFT[week_start]) % 7 != 0]
    if misaligned.size:
        bad = ", ".join(day_to_date(int(d)).isoformat() for d in misaligned[:3])
        raise ValueError(f"weeks: {bad} is not the first day of a {week_start}-start week")
    return days


def index_in(event_days: np.ndarray, sorted_days: np.ndarray) -> np.ndarray:
    """Position of each event day in ``sorted_days``; -1 where it is absent (or ``NAT``).

    Week starts are seven days apart, so a dense lookup table over the requested span replaces a binary
    search (several times faster on millions of rows).
    """
    event_days = np.asarray(event_days, dtype=np.int64)
    if sorted_days.size == 0:
        return np.full(event_days.shape, -1, dtype=np.int64)
    first = int(sorted_days[0])
    span = int(sorted_days[-1]) - first + 1
    if span > 10_000_000:
        pos = np.searchsorted(sorted_days, event_days)
        clipped = np.minimum(pos, sorted_days.size - 1)
        return np.where(sorted_days[clipped] == event_days, clipped, -1).astype(np.int64)
    table = np.full(span, -1, dtype=np.int64)
    table[sorted_days - first] = np.arange(sorted_days.size)
    offset = event_days - first
    inside = (event_days != NAT) & (offset >= 0) & (offset < span)
    return np.where(inside, table[np.where(inside, offset, 0)], -1)


def quarter_bounds(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First day of the calendar quarter of each day, and first day of the next quarter."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    q_month = months - months % 3
    start = q_month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    end = (q_month + 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return start, end
