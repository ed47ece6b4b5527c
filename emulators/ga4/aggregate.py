"""The GA4 aggregation engine: sessions grouped into rows (date range x dimension values) and their metrics.

Called by :mod:`emulators.ga4.response`. Additive metrics are sums; user counts are distinct within a row (or
a total), and rates and averages are computed from the row's sessions, never averaged over other rows.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .request import ReportSpec
from .schema import DIMENSIONS, Property, Session


def metric_values(sessions: Iterable[Session], event_count: int) -> dict[str, float]:
    """Every metric over a set of distinct sessions (``event_count`` is attributed separately)."""
    n = engaged = pageviews = 0
    duration = key_events = 0.0
    users: set[str] = set()
    new_users: set[str] = set()
    for s in sessions:
        n += 1
        users.add(s.user)
        if s.new_user:
            new_users.add(s.user)
        engaged += s.engaged
        duration += s.duration_s
        pageviews += s.pageviews
        key_events += s.key_events
    engagement = engaged / n if n else 0.0
    return {
        "sessions": n,
        "totalUsers": len(users),
        "newUsers": len(new_users),
        "engagedSessions": engaged,
        "engagementRate": engagement,
        "bounceRate": 1.0 - engagement if n else 0.0,
        "averageSessionDuration": duration / n if n else 0.0,
        "screenPageViews": pageviews,
        "keyEvents": key_events,
        "eventCount": event_count,
    }


@dataclass
class Row:
    """One report row: a slice (date range, dimension values), the sessions in it and their metrics."""

    range_index: int
    dims: tuple[str, ...]
    sessions: dict[int, int]  # session idx -> events attributed to this row
    values: dict[str, float] = field(default_factory=dict)


def collect_rows(prop: Property, spec: ReportSpec) -> list[Row]:
    """Group the facts of every date range into rows, then drop rows failing the metric filter or all-zero ones.

    The rows come in first-seen order; the response sorts them.
    """
    getters = [DIMENSIONS[d][2] for d in spec.dimensions]
    groups: dict[tuple[int, tuple[str, ...]], dict[int, int]] = {}
    for r_index, rng in enumerate(spec.ranges):
        lo = bisect_left(prop.days, rng.start)
        hi = bisect_right(prop.days, rng.end)
        for s in prop.sessions[lo:hi]:
            facts: Sequence[tuple[str | None, int]] = s.events if spec.explode_events else ((None, s.event_total),)
            for event_name, count in facts:
                if spec.dimension_filter is not None and not spec.dimension_filter(s, event_name, rng.name):
                    continue
                key = (r_index, tuple(g(s, event_name, rng.name) for g in getters))
                bucket = groups.setdefault(key, {})
                bucket[s.idx] = bucket.get(s.idx, 0) + count

    rows: list[Row] = []
    for (r_index, dims), bucket in groups.items():
        row = Row(r_index, dims, bucket)
        row.values = metric_values((prop.by_idx[i] for i in bucket), sum(bucket.values()))
        if spec.metric_filter is not None and not spec.metric_filter(row.values):
            continue
        if spec.metrics and not spec.keep_empty and all(row.values[m] == 0 for m in spec.metrics):
            continue
        rows.append(row)
    return rows


def union_values(prop: Property, rows: Iterable[Row]) -> dict[str, float]:
    """Every metric over the union of the rows' sessions.

    Totals are computed this way so user counts stay distinct (a total is not the sum of its rows for
    totalUsers/newUsers).
    """
    union: dict[int, int] = {}
    for r in rows:
        for idx, count in r.sessions.items():
            union[idx] = union.get(idx, 0) + count
    return metric_values((prop.by_idx[i] for i in union), sum(union.values()))
