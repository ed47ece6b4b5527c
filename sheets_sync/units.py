"""How a number of each KPI unit reads: the cell number format (Sheets and Excel syntax) and the same text.

One rule set for every place a KPI value is shown: Tracker and Scorecard cells (both writers), restatement
notes ("first reported $6,765 on ..."), the CLI headlines and the Dagster metadata previews. Pure; used by
the presentation, the Scorecard, the writers, ``assets`` and ``pipelines``.

Rules, by the catalog's unit:

* ``count``: ``1,234``.
* ``currency``: the reporting currency's symbol, cents below 1,000 only (``$97.88``, ``$6,765``,
  ``$149,598``) and never on a whole amount (``$0``, ``$500``); a currency without a well-known symbol
  shows its code (``CHF 1,234``); currencies without minor units (JPY, KRW, ...) never show decimals.
* ``currency_per_day``: money as above, then ``/day``.
* ``ratio``: a percent with one decimal (``28.6%``).
* ``multiple``: one decimal and ``x`` (``1.9x``): pages per session, LTV : CAC, pipeline coverage.
* ``days``: ``30.3 days``; ``seconds``: ``61 s``.

Because money formats depend on the value (cents or not), formats are chosen per cell, not per row: a
pattern is the same in Google Sheets, Excel and LibreOffice, where a conditional format would not be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

# Symbols that read unambiguously in an en-US sheet; any other currency shows its ISO code.
CURRENCY_SYMBOLS: Mapping[str, str] = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "MXN": "MX$",
    "CNY": "CN¥",
    "ILS": "₪",
}
# ISO 4217 currencies with no minor unit: an amount never has cents.
ZERO_DECIMAL_CURRENCIES: frozenset[str] = frozenset({"JPY", "KRW", "CLP", "ISK", "VND", "HUF", "TWD", "UGX"})
CENTS_BELOW = 1000
"""Money below this shows cents (a $6.12 CPC needs them); from it up the cents are noise."""

SheetsNumberType = Literal["NUMBER", "CURRENCY", "PERCENT"]
UNITS_SHOWN: tuple[str, ...] = ("count", "currency", "currency_per_day", "ratio", "multiple", "days", "seconds")


def currency_prefix(currency: str) -> str:
    """The text written before an amount: ``$``, ``€``, or the code and a space (``CHF ``)."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def _money_decimals(value: float | None, currency: str) -> int:
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if value is None or not math.isfinite(value):
        return 2
    # Whole amounts need no ".00" ($0, $500); cents matter only on small amounts ($97.88, not $6,764.52).
    return 0 if abs(value) >= CENTS_BELOW or float(value).is_integer() else 2


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def number_pattern(unit: str, currency: str, value: float | None = None) -> str | None:
    """The number format pattern of one cell (the same syntax in Google Sheets, Excel and LibreOffice).

    Args:
        unit: The KPI unit.
        currency: ISO 4217 code of the reporting currency.
        value: The cell's value; decides whether money shows cents (``None``: an empty cell, with cents).

    Returns:
        The pattern, or ``None`` for an unknown unit (the cell keeps the default format).
    """
    if unit in ("currency", "currency_per_day"):
        decimals = _money_decimals(value, currency)
        core = "#,##0" + ("." + "0" * decimals if decimals else "")
        suffix = _quoted("/day") if unit == "currency_per_day" else ""
        return f"{_quoted(currency_prefix(currency))}{core}{suffix}"
    return {
        "count": "#,##0",
        "ratio": "0.0%",
        "multiple": '0.0"x"',
        "days": '0.0" days"',
        "seconds": '0" s"',
    }.get(unit)


def sheets_number_type(unit: str) -> SheetsNumberType:
    """The Sheets ``NumberFormat.type`` that goes with :func:`number_pattern` for a unit."""
    if unit in ("currency", "currency_per_day"):
        return "CURRENCY"
    if unit == "ratio":
        return "PERCENT"
    return "NUMBER"


def _fixed(number: float, decimals: int, *, grouped: bool = True) -> str:
    """``number`` with ``decimals`` digits, rounded half away from zero as spreadsheets show it (30.25 → 30.3)."""
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}" if grouped else f"{rounded:.{decimals}f}"


def format_number(value: float | int | None, unit: str, currency: str, *, empty: str = "(empty)") -> str:
    """The text a cell formatted with :func:`number_pattern` shows, for notes, logs and the CLI.

    Args:
        value: The number (``None`` or NaN for an empty cell).
        unit: The KPI unit.
        currency: ISO 4217 code of the reporting currency.
        empty: What an empty value reads as.
    """
    if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
        return empty
    number = float(value)
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    if unit in ("currency", "currency_per_day"):
        text = f"{sign}{currency_prefix(currency)}{_fixed(magnitude, _money_decimals(number, currency))}"
        return text + ("/day" if unit == "currency_per_day" else "")
    if unit == "ratio":
        return f"{sign}{_fixed(magnitude * 100, 1)}%"
    if unit == "multiple":
        return f"{sign}{_fixed(magnitude, 1)}x"
    if unit == "days":
        return f"{sign}{_fixed(magnitude, 1)} days"
    if unit == "seconds":
        return f"{sign}{_fixed(magnitude, 0)} s"
    if unit == "count":
        return f"{sign}{_fixed(magnitude, 0)}"
    return f"{sign}{_fixed(magnitude, 2)}".rstrip("0").rstrip(".")


def format_change(change: float | None, unit: str) -> str:
    """A week-over-week change as text: percentage points for percent KPIs, a relative % otherwise.

    Args:
        change: For ``ratio`` units the difference of the two rates (0.012 = +1.2 pp); for others the
            relative change (0.12 = +12%). ``None`` when undefined.
        unit: The KPI unit.
    """
    if change is None or not math.isfinite(change):
        return "n/a"
    # No change (as shown, after rounding) reads without a sign.
    if unit == "ratio":
        if round(change * 1000) == 0:
            return "0.0 pp"
    elif round(change * 100) == 0:
        return "0%"
    sign = "-" if change < 0 else "+"
    if unit == "ratio":
        return f"{sign}{_fixed(abs(change) * 100, 1)} pp"
    return f"{sign}{_fixed(abs(change) * 100, 0)}%"


CHANGE_PATTERNS: Mapping[str, str] = {
    # Percentage points are stored as the rate difference × 100 so the pattern can stay a plain number.
    "points": '+0.0" pp";-0.0" pp";0.0" pp"',
    "relative": "+0%;-0%;0%",
}
PERCENT_PATTERN = "0%"
