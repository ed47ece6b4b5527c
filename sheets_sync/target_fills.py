"""Target colours of Tracker week cells: which target applies to a week and whether it was met.

Used by :func:`~sheets_sync.presentation.build_presentation` for the fills both writers paint.

Rules (DESIGN.md §5, KPIS.md §1):

* A week cell is coloured when it holds a number, its row is the current version of a KPI and a target
  applies to the week: green ``met``, amber ``near`` (missed by at most 10 % of the target), red
  ``missed``. Direction ``up`` means higher is better, ``down`` lower is better. Weeks not complete at
  ``as_of`` are left uncoloured: a week in progress would show red for every count.
* A target row ``(kpi_id, channel, period_start, period_end, target)`` applies to a week when their days
  overlap. Flow KPIs (counts and currency sums over the week) get the target prorated by days: each
  overlapping row contributes ``target × overlap days ÷ period days``; when the rows cover only part of the
  week, the sum is scaled up to 7 days (the targets' daily rate over the whole week), so the first week of
  a quarter is not compared against a sliver of a target. Ratios, averages, unique users and point-in-time
  stocks (open and weighted pipeline) take the target as is, from the row covering most of the week.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from sheets_sync.cells import Cell, to_number
from sheets_sync.tabs import FIRST_WEEK_COLUMN
from sheets_sync.tracker_tab import RowKey, TrackerRow

FillStatus = Literal["met", "near", "missed"]
STATUS_COLORS: Mapping[FillStatus, str] = {"met": "#B7E1CD", "near": "#FCE8B2", "missed": "#F4C7C3"}
NEAR_TOLERANCE = 0.10
"""A result that misses its target by at most this share of the target is ``near`` (amber)."""

DAYS_IN_WEEK = 7

# Counts and currency KPIs that are not sums over the week's days, so a target for a longer period applies
# to a week as is rather than prorated: averages and unit costs, GA4 unique users (a month's users are not
# the sum of its weeks' users) and pipeline stocks measured at the week's end.
NON_PRORATED_KPIS: frozenset[str] = frozenset(
    {
        "users",
        "new_users",
        "avg_deal_size",
        "ad_cpc",
        "ad_cpm",
        "cac",
        "open_pipeline",
        "weighted_pipeline",
    }
)
_NON_PRORATED_PREFIXES = ("cost_per_",)


@dataclass(frozen=True)
class CellFill:
    """Background of one week cell, coloured against its target.

    Attributes:
        row: 0-based Tracker row (row 0 is the header).
        col: 0-based Tracker column.
        color_hex: ``"#RRGGBB"``.
        status: ``"met"``, ``"near"`` or ``"missed"``.
        target: The target the cell was compared with (prorated to the week when the KPI is a flow).
    """

    row: int
    col: int
    color_hex: str
    status: FillStatus
    target: float


def is_prorated(kpi_id: str, unit: str) -> bool:
    """Tell whether a KPI's target is prorated to a week by days (a count or currency sum over the week).

    Args:
        kpi_id: The KPI id.
        unit: The KPI unit.
    """
    if unit not in {"count", "currency"} or kpi_id in NON_PRORATED_KPIS:
        return False
    return not kpi_id.startswith(_NON_PRORATED_PREFIXES)


def target_status(value: float, target: float, direction: str) -> FillStatus:
    """Compare a value with its target by the KPI's direction.

    Args:
        value: The week's value.
        target: The target for the week.
        direction: ``"up"`` (higher is better) or ``"down"`` (lower is better).

    Returns:
        ``"met"`` when the target is reached, ``"near"`` when it is missed by at most
        :data:`NEAR_TOLERANCE` of the target, else ``"missed"``.
    """
    slack = NEAR_TOLERANCE * abs(target)
    if direction == "down":
        if value <= target:
            return "met"
        return "near" if value <= target + slack else "missed"
    if value >= target:
        return "met"
    return "near" if value >= target - slack else "missed"


TargetPeriods = list[tuple[date, date, float]]
"""A slice's target rows as ``(period_start, period_end, target)``, in tab order."""


def target_index(targets: pd.DataFrame) -> dict[tuple[str, str], TargetPeriods]:
    """Targets grouped by ``(kpi_id, channel)`` in tab order: one pass instead of a filter per cell."""
    index: dict[tuple[str, str], TargetPeriods] = {}
    if targets.empty:
        return index
    columns = [targets[name].tolist() for name in ("kpi_id", "channel", "period_start", "period_end", "target")]
    for kpi_id, channel, start, end, target in zip(*columns, strict=True):
        number = to_number(target)
        if number is not None and isinstance(start, date) and isinstance(end, date):
            index.setdefault((str(kpi_id), str(channel)), []).append((start, end, float(number)))
    return index


def period_target(periods: Sequence[tuple[date, date, float]], week_start: date, *, prorated: bool) -> float | None:
    """The target of one week from the ``(start, end, target)`` periods of its slice (module docstring rules)."""
    week_end = week_start + timedelta(days=DAYS_IN_WEEK - 1)
    overlaps: list[tuple[int, int, float]] = []  # overlap days, period days, target
    for start, end, target in periods:
        days = (min(end, week_end) - max(start, week_start)).days + 1
        if days > 0:
            overlaps.append((days, (end - start).days + 1, target))
    if not overlaps:
        return None
    if not prorated:
        # max() keeps the first of equals: ties go to the row listed first on the tab.
        return max(overlaps, key=lambda item: item[0])[2]
    covered = sum(days for days, _, _ in overlaps)
    total = sum(target * days / period for days, period, target in overlaps)
    return total * DAYS_IN_WEEK / min(covered, DAYS_IN_WEEK)


def week_target(targets: pd.DataFrame, kpi_id: str, channel: str, week_start: date, *, prorated: bool) -> float | None:
    """Return the target that applies to one week of a KPI slice, or ``None`` when no target row overlaps.

    Args:
        targets: Parsed Targets tab (:func:`~sheets_sync.owner_tabs.parse_targets`).
        kpi_id: The KPI id.
        channel: The slice (``"All"``, a group or a channel).
        week_start: First day of the week; the week is ``week_start .. week_start + 6`` inclusive.
        prorated: Prorate by days (flows) instead of taking the target as is (see the module docstring).
    """
    periods = target_index(targets).get((kpi_id, channel))
    return period_target(periods, week_start, prorated=prorated) if periods else None


def row_fills(
    row: Sequence[Cell],
    row_index: int,
    key: RowKey,
    meta: TrackerRow,
    weeks: Sequence[date],
    complete: Sequence[bool],
    periods: Sequence[tuple[date, date, float]],
) -> list[CellFill]:
    """Fills of one Tracker row's complete weeks that hold a number and have a target.

    Args:
        row: The row's cells on the new Tracker.
        row_index: Its 0-based Tracker row.
        key: Its identity.
        meta: Its metadata (unit and direction).
        weeks: The Tracker's weeks, left to right.
        complete: For each week, whether it was complete at ``as_of``.
        periods: The target rows of the row's slice.
    """
    fills: list[CellFill] = []
    prorated = is_prorated(key.kpi_id, meta.unit)
    for week_index, week in enumerate(weeks):
        col = FIRST_WEEK_COLUMN + week_index
        value = to_number(row[col]) if col < len(row) else None
        if value is None or not complete[week_index]:
            continue
        target = period_target(periods, week, prorated=prorated)
        if target is None:
            continue
        status = target_status(float(value), target, meta.direction)
        fills.append(CellFill(row_index, col, STATUS_COLORS[status], status, target))
    return fills
