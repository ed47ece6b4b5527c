"""Formats by unit: the cell pattern and the same text in notes, the CLI and Dagster previews."""

from __future__ import annotations

import math

import pytest

from sheets_sync.units import format_change, format_number, number_pattern, sheets_number_type

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "unit", "currency", "pattern", "text"),
    [
        (1234, "count", "USD", "#,##0", "1,234"),
        (97.88, "currency", "USD", '"$"#,##0.00', "$97.88"),
        (6765.4, "currency", "USD", '"$"#,##0', "$6,765"),
        (149597.9, "currency", "USD", '"$"#,##0', "$149,598"),
        (500.0, "currency", "USD", '"$"#,##0', "$500"),  # a whole amount shows no cents
        (-12.5, "currency", "USD", '"$"#,##0.00', "-$12.50"),
        (6765.4, "currency", "EUR", '"€"#,##0', "€6,765"),
        (97.88, "currency", "CHF", '"CHF "#,##0.00', "CHF 97.88"),
        (97.88, "currency", "JPY", '"¥"#,##0', "¥98"),  # no minor unit
        (1234.5, "currency_per_day", "USD", '"$"#,##0"/day"', "$1,235/day"),
        (0.286, "ratio", "USD", "0.0%", "28.6%"),
        (1.86, "multiple", "USD", '0.0"x"', "1.9x"),
        (10.615, "multiple", "USD", '0.0"x"', "10.6x"),
        (30.25, "days", "USD", '0.0" days"', "30.3 days"),  # half away from zero, as spreadsheets round
        (61.4, "seconds", "USD", '0" s"', "61 s"),
    ],
)
def test_every_unit_has_a_pattern_and_the_same_text(
    value: float, unit: str, currency: str, pattern: str, text: str
) -> None:
    assert number_pattern(unit, currency, value) == pattern
    assert format_number(value, unit, currency) == text


def test_empty_values_unknown_units_and_sheets_types() -> None:
    assert format_number(None, "count", "USD") == "(empty)"
    assert format_number(math.nan, "currency", "USD", empty="") == ""
    assert number_pattern("currency", "USD") == '"$"#,##0.00'  # an empty cell: as a small amount would read
    assert number_pattern("furlongs", "USD") is None
    assert format_number(2.5, "furlongs", "USD") == "2.5"
    assert [sheets_number_type(u) for u in ("count", "currency", "currency_per_day", "ratio", "multiple")] == [
        "NUMBER",
        "CURRENCY",
        "CURRENCY",
        "PERCENT",
        "NUMBER",
    ]


def test_changes_read_in_points_for_rates_and_relative_otherwise() -> None:
    assert format_change(0.35, "ratio") == "+35.0 pp"
    assert format_change(-0.114, "ratio") == "-11.4 pp"
    assert format_change(-0.2, "count") == "-20%"
    assert format_change(0.5, "currency") == "+50%"
    assert format_change(None, "count") == "n/a"
    assert (format_change(0.0, "count"), format_change(0.004, "count"), format_change(0.0, "ratio")) == (
        "0%",
        "0%",
        "0.0 pp",
    )
