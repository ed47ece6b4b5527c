"""The parsed GAQL query model of the Google Ads emulator, its date-range literals and condition matching.

Built by :mod:`emulators.google_ads.gaql_parser`; evaluated by :mod:`emulators.google_ads.report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from emulators.google_ads.fields import GaqlField

#: The predefined date ranges ``segments.date DURING <literal>`` accepts.
DURING_LITERALS = frozenset(
    {
        "TODAY",
        "YESTERDAY",
        "LAST_7_DAYS",
        "LAST_14_DAYS",
        "LAST_30_DAYS",
        "LAST_BUSINESS_WEEK",
        "THIS_MONTH",
        "LAST_MONTH",
        "THIS_WEEK_SUN_TODAY",
        "THIS_WEEK_MON_TODAY",
        "LAST_WEEK_SUN_SAT",
        "LAST_WEEK_MON_SUN",
    }
)


@dataclass(frozen=True)
class Condition:
    """One WHERE condition; LIKE and REGEXP_MATCH values are compiled patterns, dates ISO strings."""

    field: GaqlField
    operator: str  # = != < <= > >= IN NOT_IN LIKE NOT_LIKE REGEXP NOT_REGEXP BETWEEN IS_NULL IS_NOT_NULL
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class GaqlQuery:
    """A parsed GAQL query over ``campaign``.

    Attributes:
        select: Selected fields, in SELECT order, without duplicates.
        resource: The FROM resource (always ``campaign``).
        where: Conditions AND-ed together.
        order_by: ``(field, descending)`` pairs.
        limit: LIMIT value, or None.
        parameters: PARAMETERS clause, lower-cased names to raw values.
    """

    select: tuple[GaqlField, ...]
    resource: str
    where: tuple[Condition, ...] = ()
    order_by: tuple[tuple[GaqlField, bool], ...] = ()
    limit: int | None = None
    parameters: dict[str, str] = field(default_factory=dict)


def during_range(literal: str, today: date) -> tuple[date, date]:
    """Resolve a predefined GAQL date range literal against ``today`` (the account's local date)."""
    yesterday = today - timedelta(days=1)
    simple = {
        "TODAY": (today, today),
        "YESTERDAY": (yesterday, yesterday),
        "LAST_7_DAYS": (today - timedelta(days=7), yesterday),
        "LAST_14_DAYS": (today - timedelta(days=14), yesterday),
        "LAST_30_DAYS": (today - timedelta(days=30), yesterday),
        "THIS_MONTH": (today.replace(day=1), today),
        "THIS_WEEK_MON_TODAY": (today - timedelta(days=today.weekday()), today),
        "THIS_WEEK_SUN_TODAY": (today - timedelta(days=(today.weekday() + 1) % 7), today),
    }
    if literal in simple:
        return simple[literal]
    if literal == "LAST_MONTH":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    monday = today - timedelta(days=today.weekday() + 7)
    if literal == "LAST_WEEK_MON_SUN":
        return monday, monday + timedelta(days=6)
    if literal == "LAST_BUSINESS_WEEK":
        return monday, monday + timedelta(days=4)
    sunday = today - timedelta(days=(today.weekday() + 1) % 7 + 7)
    return sunday, sunday + timedelta(days=6)  # LAST_WEEK_SUN_SAT


def matches(condition: Condition, value: Any) -> bool:
    """Whether a row's value for the condition's field satisfies it (None is a missing value)."""
    op = condition.operator
    if op == "IS_NULL":
        return value is None
    if op == "IS_NOT_NULL":
        return value is not None
    if value is None:
        return op in ("!=", "NOT_IN", "NOT_LIKE", "NOT_REGEXP")
    values = condition.values
    if op == "=":
        return bool(value == values[0])
    if op == "!=":
        return bool(value != values[0])
    if op == "<":
        return bool(value < values[0])
    if op == "<=":
        return bool(value <= values[0])
    if op == ">":
        return bool(value > values[0])
    if op == ">=":
        return bool(value >= values[0])
    if op == "IN":
        return value in values
    if op == "NOT_IN":
        return value not in values
    if op == "BETWEEN":
        return bool(values[0] <= value <= values[1])
    matched = values[0].fullmatch(str(value)) is not None
    return matched if op in ("LIKE", "REGEXP") else not matched
