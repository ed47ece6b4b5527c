"""Insights naming the Targets and Costs rows the run left out (unknown KPI or channel, a group as a cost's
channel, a bad date, period or number). Called by ``assets/weekly_kpis.py`` with the problems the owner-tab
validation (``sheets_sync.owner_tabs``) found.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from .rows import Insight, plain_weeks, pluralize

# Rows named one by one per tab; past this one note counts the rest (`funnel-ledger check` lists all).
LISTED_OWNER_ROWS = 10


class RowProblem(Protocol):
    """One problem with one row of an owner tab (``sheets_sync.owner_tabs.OwnerTabProblem``)."""

    @property
    def tab(self) -> str: ...

    @property
    def row(self) -> int: ...

    @property
    def message(self) -> str: ...


def owner_tab_insights(problems: Iterable[RowProblem], weeks: Iterable[date]) -> list[Insight]:
    """One note per Targets or Costs row left out, on the latest week, naming the row and what is wrong.

    Args:
        problems: The owner-tab problems, in tab order (several may concern one row).
        weeks: The run's weeks; the notes go on the latest.

    Returns:
        ``targets`` / ``costs`` insights with flag ``row_left_out`` (value = the sheet row), at most
        :data:`LISTED_OWNER_ROWS` per tab, then one ``rows_left_out`` note counting the others.
    """
    plain = plain_weeks(weeks)
    if not plain:
        return []
    by_row: dict[tuple[str, int], list[str]] = {}
    for problem in problems:
        by_row.setdefault((problem.tab, problem.row), []).append(problem.message)
    out: list[Insight] = []
    per_tab: dict[str, int] = {}
    for (tab, row), messages in by_row.items():
        per_tab[tab] = per_tab.get(tab, 0) + 1
        if per_tab[tab] > LISTED_OWNER_ROWS:
            continue
        what = "; ".join(messages)
        detail = f"{tab} tab row {row} is left out of the numbers until it is fixed: {what}."
        out.append(Insight(plain[-1], tab.lower(), "row_left_out", detail, float(row)))
    for tab, n in per_tab.items():
        more = n - LISTED_OWNER_ROWS
        if more > 0:
            detail = (
                f"{more} more {tab} {pluralize(more, 'row')} {'is' if more == 1 else 'are'} left out of the "
                "numbers; `funnel-ledger check` lists every one."
            )
            out.append(Insight(plain[-1], tab.lower(), "rows_left_out", detail, float(more)))
    return out
