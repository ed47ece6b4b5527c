"""How Insights notes write numbers and weeks: a KPI's value in its unit ($6,765, 2.1%, 1.9x, 1,234), a
signed change (+81%) and a list of affected weeks (2026-06-01 to 2026-08-10 and 2026-09-07).

Pure helpers shared by the modules of this package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from ..catalog import CATALOG_BY_ID

# Ratios read as a multiple (1.9x), not a percentage: pages per session, LTV : CAC, pipeline coverage.
MULTIPLE_KPIS = frozenset({"pageviews_per_session", "ltv_to_cac", "pipeline_coverage"})
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}
_LISTED_RANGES = 4


def money(value: float, currency: str = "USD") -> str:
    """An amount in the reporting currency: cents below 1,000, none from 1,000 up (``$11.06``, ``$6,765``)."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    sign = "−" if value < 0 else ""
    digits = f"{abs(value):,.0f}" if abs(value) >= 1000 else f"{abs(value):,.2f}"
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency.upper()}"


def count(value: float) -> str:
    """A count: whole with thousands separators; a mean below 100 keeps one decimal (2.75 → 2.8)."""
    return f"{value:,.1f}" if abs(value) < 100 and not float(value).is_integer() else f"{value:,.0f}"


def kpi_value(kpi_id: str, value: float, currency: str = "USD") -> str:
    """A KPI value in its catalog unit, as a note writes it.

    Args:
        kpi_id: The KPI (unknown ids, such as a derived rate, read as a percentage when named ``*_rate``
            or ``*_to_*``, else as a count).
        value: The value (finite).
        currency: The reporting currency (ISO code).
    """
    kpi = CATALOG_BY_ID.get(kpi_id)
    unit = kpi.unit if kpi is not None else ("ratio" if "_to_" in kpi_id or kpi_id.endswith("rate") else "count")
    if kpi_id in MULTIPLE_KPIS or str(unit) == "multiple":
        return f"{value:,.1f}x"
    if unit in ("currency", "currency_per_day"):
        return money(value, currency) + ("/day" if unit == "currency_per_day" else "")
    if unit == "ratio":
        # Small rates (a CTR of 0.85%) need the second decimal to show a move; larger ones do not.
        return f"{value * 100:.2f}%" if abs(value) < 0.1 else f"{value * 100:.1f}%"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "seconds":
        return f"{value:,.0f} s"
    return count(value)


def signed_pct(change: float) -> str:
    """A relative change as a signed whole percentage (``+81%``, ``−22%``); one decimal below 10%."""
    sign = "+" if change >= 0 else "−"
    pct = abs(change) * 100
    # Rounded first, so that 9.9999999% (a float's 10%) reads as 10%, like an exact 10%.
    return f"{sign}{pct:.1f}%" if round(pct, 1) < 10 else f"{sign}{pct:.0f}%"


def kpi_name(kpi_id: str) -> str:
    """The catalog's display name, else the id."""
    kpi = CATALOG_BY_ID.get(kpi_id)
    return kpi.name if kpi is not None else kpi_id


def week_ranges(weeks: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive weeks (7 days apart) as ``(first, last)`` week starts, in order."""
    ranges: list[tuple[date, date]] = []
    for week in sorted(set(weeks)):
        if ranges and week - ranges[-1][1] == timedelta(days=7):
            ranges[-1] = (ranges[-1][0], week)
        else:
            ranges.append((week, week))
    return ranges


def describe_weeks(affected: Iterable[date], run_weeks: Sequence[date]) -> str:
    """The weeks a data-quality note concerns, in words.

    Args:
        affected: The weeks concerned.
        run_weeks: The weeks the run computed (all of them affected reads "every week of the run").

    Returns:
        e.g. ``"every week of the run (2026-06-01 to 2026-11-23)"``, ``"the week of 2026-11-09"`` or
        ``"4 weeks: 2026-06-01 to 2026-06-15 and 2026-09-07"``.
    """
    chosen = sorted(set(affected))
    if not chosen:
        return "no week"
    span = f"{chosen[0].isoformat()} to {chosen[-1].isoformat()}"
    if len(run_weeks) > 1 and set(run_weeks) <= set(chosen):
        return f"every week of the run ({span})"
    if len(chosen) == 1:
        return f"the week of {chosen[0].isoformat()}"
    parts = [a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in week_ranges(chosen)]
    if len(parts) > _LISTED_RANGES:
        shown = ", ".join(parts[:_LISTED_RANGES]) + f" and {len(parts) - _LISTED_RANGES} more stretches"
    else:
        shown = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{len(chosen)} weeks: {shown}"


def finite(value: float | None) -> bool:
    """Whether a value is a finite number."""
    return value is not None and math.isfinite(value)
