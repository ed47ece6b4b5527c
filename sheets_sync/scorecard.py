"""The Scorecard: the headline KPIs of the latest complete week, against the weeks before and the targets.

Pure and typed, separate from how a tab shows it (:mod:`sheets_sync.scorecard_tab`), so other readers (the
weekly digest, the CLI) can print its lines. :func:`build_scorecard` reads the Tracker as the run leaves it
(every week it holds, the current KPI versions) and the owner's targets.

Per KPI and slice (All, Inbound, Outbound, as far as the Tracker has the row; a group the Tracker collapses
because it repeats All is left out):

* the latest complete week and the week before; the change between them (percentage points for rates,
  relative for everything else), judged good or bad by the KPI's direction;
* the mean of the four complete weeks before the latest (a typical recent week);
* the week's target (:mod:`sheets_sync.target_fills` rules: flows prorated by days) and attainment
  (value ÷ target), coloured met / near / missed by direction;
* month to date and quarter to date: the complete weeks that start in the latest week's month (quarter),
  against the target prorated over exactly those weeks (pacing). Counts and money are summed; rates and
  unit costs are recomputed from the sums of their parts (:data:`RATIO_PARTS`: cost per lead = Σ spend ÷
  Σ leads); stocks and averages (open pipeline, coverage, users) have no period value.

Cohort KPIs of a week younger than the maturity age (:mod:`sheets_sync.maturity`) are ``immature``: shown,
never coloured as a miss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from sheets_sync.cells import as_stored, to_number
from sheets_sync.maturity import NO_MATURITY, CohortMaturity, is_cohort_section
from sheets_sync.tabs import FIRST_WEEK_COLUMN
from sheets_sync.target_fills import DAYS_IN_WEEK, FillStatus, is_prorated, period_target, target_index, target_status
from sheets_sync.units import format_change, format_number
from sheets_sync.update import TrackerUpdate

DEFAULT_SCORECARD_CHANNELS: tuple[str, ...] = ("All", "Inbound", "Outbound")
TRAILING_WEEKS = 4
# Rates and unit costs over a period: (numerator KPIs summed, denominator KPIs summed, scale). They are
# the catalog's own formulas (assets/kpi_math/catalog.py), applied to the period's sums.
RATIO_PARTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], float]] = {
    "cost_per_lead": (("total_spend",), ("new_leads",), 1.0),
    "cost_per_mql": (("total_spend",), ("new_mqls",), 1.0),
    "cost_per_opportunity": (("total_spend",), ("new_opportunities",), 1.0),
    "cac": (("total_spend",), ("new_customers",), 1.0),
    "win_rate": (("deals_won",), ("deals_won", "deals_lost"), 1.0),
    "avg_deal_size": (("revenue_won",), ("deals_won",), 1.0),
    "lead_to_customer_rate": (("new_customers",), ("new_leads",), 1.0),
    "visit_to_lead_rate": (("new_leads",), ("sessions",), 1.0),
    "engagement_rate": (("engaged_sessions",), ("sessions",), 1.0),
    "ad_ctr": (("ad_clicks",), ("ad_impressions",), 1.0),
    "ad_cpc": (("ad_spend",), ("ad_clicks",), 1.0),
    "ad_cpm": (("ad_spend",), ("ad_impressions",), 1000.0),
    "cohort_contact_to_lead": (("cohort_leads",), ("new_contacts",), 1.0),
    "cohort_lead_to_mql": (("cohort_mqls",), ("cohort_leads",), 1.0),
    "cohort_mql_to_sql": (("cohort_sqls",), ("cohort_mqls",), 1.0),
    "cohort_sql_to_opportunity": (("cohort_opportunities",), ("cohort_sqls",), 1.0),
    "cohort_opportunity_to_customer": (("cohort_customers",), ("cohort_opportunities",), 1.0),
    "cohort_contact_to_customer": (("cohort_customers",), ("new_contacts",), 1.0),
}
Status = FillStatus | Literal["immature"]


@dataclass(frozen=True)
class Period:
    """A month or quarter to date: its complete weeks so far."""

    kind: Literal["month", "quarter"]
    label: str
    weeks: tuple[date, ...]


@dataclass(frozen=True)
class Pace:
    """One KPI slice over a period to date.

    Attributes:
        value: Sum (flows) or ratio of sums (rates, unit costs); ``None`` when the KPI has no period value.
        target: The target over the same weeks (flows prorated by days; rates as is), ``None`` without one.
        pace: ``value ÷ target``.
        status: Met / near / missed by direction, ``immature`` for young cohorts, ``None`` without a target.
    """

    value: float | None = None
    target: float | None = None
    pace: float | None = None
    status: Status | None = None


@dataclass(frozen=True)
class ScorecardLine:
    """One KPI slice on the Scorecard (see the module docstring for each figure)."""

    kpi_id: str
    name: str
    channel: str
    unit: str
    direction: str
    latest: float | None
    previous: float | None
    change: float | None
    change_is_good: bool | None
    trailing_mean: float | None
    week_target: float | None
    attainment: float | None
    status: Status | None
    month: Pace
    quarter: Pace
    immature: bool

    def summary(self, currency: str) -> str:
        """The line in words, e.g. ``"New MQLs (All): 20, -9% vs the week before, 87% of target"``."""
        parts = [f"{self.name} ({self.channel}): {format_number(self.latest, self.unit, currency, empty='no value')}"]
        if self.change is not None:
            parts.append(f"{format_change(self.change, self.unit)} vs the week before")
        if self.immature:
            parts.append("immature cohort")
        elif self.attainment is not None:
            parts.append(f"{self.attainment:.0%} of target")
        if self.month.pace is not None:
            parts.append(f"month to date {self.month.pace:.0%} of target")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scorecard:
    """The Scorecard of one run.

    Attributes:
        week: The latest complete week's start (``None``: no complete week on the Tracker).
        previous_week: The week before it, when on the Tracker.
        as_of: The date the run's weeks were judged complete against.
        currency: Reporting currency.
        month: Month to date (weeks starting in ``week``'s month, up to it).
        quarter: Quarter to date.
        maturity: The cohort maturity rule applied.
        lines: KPI slices in Scorecard order.
    """

    week: date | None
    previous_week: date | None
    as_of: date
    currency: str
    month: Period
    quarter: Period
    maturity: CohortMaturity
    lines: tuple[ScorecardLine, ...]

    def headlines(self, channel: str = "All") -> list[str]:
        """One sentence per KPI for ``channel``, for a digest or a terminal."""
        return [line.summary(self.currency) for line in self.lines if line.channel == channel]


@dataclass(frozen=True)
class _Kpi:
    name: str
    section: str
    unit: str
    direction: str


def _tracker_series(
    update: TrackerUpdate,
) -> tuple[dict[tuple[str, str], dict[date, float]], dict[str, _Kpi], set[tuple[str, str]]]:
    """Values by week of every current-version KPI row, each KPI's metadata, and the rows the Tracker
    collapses (channels, and group rows that only repeat All)."""
    series: dict[tuple[str, str], dict[date, float]] = {}
    kpis: dict[str, _Kpi] = {}
    collapsed: set[tuple[str, str]] = set()
    for row, meta in zip(update.tracker[1:], update.tracker_rows, strict=True):
        if meta.key is None or meta.kind != "kpi" or not meta.current:
            continue
        if meta.level > 0:
            collapsed.add((meta.key.kpi_id, meta.key.channel))
        values: dict[date, float] = {}
        for index, week in enumerate(update.weeks):
            cell = row[FIRST_WEEK_COLUMN + index] if FIRST_WEEK_COLUMN + index < len(row) else None
            number = to_number(cell)
            if number is not None:
                values[week] = as_stored(float(number))
        series[(meta.key.kpi_id, meta.key.channel)] = values
        kpis[meta.key.kpi_id] = _Kpi(meta.name, meta.section, meta.unit, meta.direction)
    return series, kpis, collapsed


def _period(kind: Literal["month", "quarter"], week: date, complete: Sequence[date]) -> Period:
    if kind == "month":
        start = week.replace(day=1)
        label = week.strftime("%b %Y")
    else:
        first_month = 3 * ((week.month - 1) // 3) + 1
        start = date(week.year, first_month, 1)
        label = f"Q{(week.month - 1) // 3 + 1} {week.year}"
    weeks = tuple(w for w in complete if start <= w <= week)
    return Period(kind, label, weeks)


def _change(latest: float | None, previous: float | None, unit: str) -> float | None:
    if latest is None or previous is None:
        return None
    if unit == "ratio":
        return latest - previous
    return (latest - previous) / abs(previous) if previous else None


def build_scorecard(
    update: TrackerUpdate,
    targets: pd.DataFrame,
    *,
    kpi_ids: Sequence[str],
    currency: str,
    as_of: date | None = None,
    maturity: CohortMaturity = NO_MATURITY,
    channels: Sequence[str] = DEFAULT_SCORECARD_CHANNELS,
) -> Scorecard:
    """Compute the Scorecard from the Tracker as the run writes it.

    Args:
        update: The run's update (its Tracker holds every week so far).
        targets: Parsed Targets tab (may be empty).
        kpi_ids: The KPIs, in order (the ``scorecard`` setting); a KPI without a row is left out.
        currency: Reporting currency.
        as_of: Weeks ending after this day are in progress (default: the update's snapshot date).
        maturity: The cohort maturity rule.
        channels: Slices to show for each KPI.
    """
    as_of = as_of if as_of is not None else update.snapshot_at.date()
    complete = [w for w in update.weeks if w + timedelta(days=DAYS_IN_WEEK) <= as_of + timedelta(days=1)]
    week = complete[-1] if complete else None
    previous = week - timedelta(days=DAYS_IN_WEEK) if week is not None else None
    month = _period("month", week, complete) if week else Period("month", "", ())
    quarter = _period("quarter", week, complete) if week else Period("quarter", "", ())
    series, kpis, collapsed = _tracker_series(update)
    targets_by_slice = target_index(targets)
    lines: list[ScorecardLine] = []
    for kpi_id in kpi_ids:
        kpi = kpis.get(kpi_id)
        if kpi is None or week is None:
            continue
        for channel in channels:
            # A slice the Tracker collapses under All (it repeats All) would only repeat the line above.
            if (kpi_id, channel) not in series or (channel != "All" and (kpi_id, channel) in collapsed):
                continue
            context = _Context(kpi_id, channel, kpi, series, targets_by_slice.get((kpi_id, channel), []))
            lines.append(
                context.line(week, previous, [w for w in complete if w < week], month, quarter, as_of, maturity)
            )
    return Scorecard(
        week, previous if previous in update.weeks else None, as_of, currency, month, quarter, maturity, tuple(lines)
    )


@dataclass(frozen=True)
class _Context:
    kpi_id: str
    channel: str
    kpi: _Kpi
    series: Mapping[tuple[str, str], Mapping[date, float]]
    periods: Sequence[tuple[date, date, float]]

    def value(self, week: date | None, kpi_id: str | None = None) -> float | None:
        if week is None:
            return None
        return self.series.get((kpi_id or self.kpi_id, self.channel), {}).get(week)

    def line(
        self,
        week: date,
        previous: date | None,
        before: Sequence[date],
        month: Period,
        quarter: Period,
        as_of: date,
        maturity: CohortMaturity,
    ) -> ScorecardLine:
        unit, direction = self.kpi.unit, self.kpi.direction
        latest, prior = self.value(week), self.value(previous)
        change = _change(latest, prior, unit)
        good = None if not change else (change > 0) == (direction == "up")
        trailing = [v for w in before[-TRAILING_WEEKS:] if (v := self.value(w)) is not None]
        immature = is_cohort_section(self.kpi.section) and not maturity.is_mature(week, as_of)
        prorated = is_prorated(self.kpi_id, unit)
        target = period_target(self.periods, week, prorated=prorated) if self.periods else None
        attainment = latest / target if latest is not None and target else None
        status: Status | None = None
        if immature:
            status = "immature"
        elif latest is not None and target is not None:
            status = target_status(latest, target, direction)
        return ScorecardLine(
            kpi_id=self.kpi_id,
            name=self.kpi.name,
            channel=self.channel,
            unit=unit,
            direction=direction,
            latest=latest,
            previous=prior,
            change=change,
            change_is_good=good,
            trailing_mean=sum(trailing) / len(trailing) if trailing else None,
            week_target=target,
            attainment=attainment,
            status=status,
            month=self.pace(month, immature),
            quarter=self.pace(quarter, immature),
            immature=immature,
        )

    def pace(self, period: Period, immature: bool) -> Pace:
        if not period.weeks:
            return Pace()
        unit, direction = self.kpi.unit, self.kpi.direction
        if is_prorated(self.kpi_id, unit):
            present = [v for w in period.weeks if (v := self.value(w)) is not None]
            value = sum(present) if present else None
            weekly = [period_target(self.periods, w, prorated=True) for w in period.weeks] if self.periods else []
            target = sum(t for t in weekly if t is not None) if weekly and None not in weekly else None
        elif self.kpi_id in RATIO_PARTS:
            numerators, denominators, scale = RATIO_PARTS[self.kpi_id]
            # Only weeks with every part: a week without a spend source says nothing about cost per lead.
            weeks = [w for w in period.weeks if all(self.value(w, k) is not None for k in (*numerators, *denominators))]
            top = sum(self.value(w, k) or 0.0 for w in weeks for k in numerators)
            bottom = sum(self.value(w, k) or 0.0 for w in weeks for k in denominators)
            value = scale * top / bottom if weeks and bottom else None
            target = period_target(self.periods, period.weeks[-1], prorated=False) if self.periods else None
        else:
            return Pace()
        pace = value / target if value is not None and target else None
        status: Status | None = None
        if immature:
            status = "immature"
        elif value is not None and target is not None:
            status = target_status(value, target, direction)
        return Pace(value, target, pace, status)


def digest_text(card: Scorecard, link: str, *, channels: tuple[str, ...] = ("Inbound", "Outbound")) -> str:
    """The weekly digest: the Scorecard's All lines, the group lines that missed their target, and the link.

    Plain text that reads the same in Slack and in an e-mail; numbers formatted as on the sheet.

    Args:
        card: This run's Scorecard.
        link: Where the tracker is (the sheet's URL, or the workbook's path).
        channels: The slices whose missed targets are listed after the All lines.
    """
    if card.week is None:
        return f"Funnel Ledger: no complete week on the tracker yet.\nTracker: {link}"
    lines = [f"Funnel Ledger, week of {card.week.isoformat()} (all channels):"]
    lines += [f"- {text}" for text in card.headlines("All")]
    missed = [line for line in card.lines if line.channel in channels and line.status == "missed"]
    if missed:
        lines.append("Below target:")
        lines += [f"- {line.summary(card.currency)}" for line in missed]
    lines.append(f"Tracker: {link}")
    return "\n".join(lines)
