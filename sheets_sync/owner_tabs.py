"""The owner tabs (Targets, Costs): read-only for the pipeline, parsed into DataFrames.

Called by both writers' ``read_owner_tabs`` (and the xlsx writer's colours); errors name tab, row and column
so the owner can fix the sheet without reading code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import pandas as pd

from sheets_sync.cells import cell_at, cell_text, is_blank_row, parse_week, to_number
from sheets_sync.tabs import COMMENT_PREFIX, COSTS_HEADER, COSTS_TAB, TARGETS_HEADER, TARGETS_TAB


class OwnerTabError(ValueError):
    """An owner tab (Targets, Costs) has invalid rows; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def _parse_owner_date(value: object, tab: str, row_number: int, column: str, errors: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        errors.append(f"{tab} tab row {row_number}: {column} is empty (expected a date YYYY-MM-DD)")
        return None
    parsed = parse_week(text)
    if parsed is None:
        errors.append(f"{tab} tab row {row_number}: {column} '{text}' is not a date (YYYY-MM-DD)")
    return parsed


def _parse_owner_number(value: object, tab: str, row_number: int, column: str, errors: list[str]) -> float | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        number = to_number(value)
        if number is not None:
            return float(number)
    text = cell_text(value)
    if not text:
        errors.append(f"{tab} tab row {row_number}: {column} is empty (expected a number)")
    else:
        errors.append(f"{tab} tab row {row_number}: {column} '{text}' is not a number")
    return None


def _owner_rows(
    grid: Sequence[Sequence[object]], tab: str, header: Sequence[str]
) -> Iterable[tuple[int, dict[str, object]]]:
    if not grid or is_blank_row(grid[0]):
        return
    names = [cell_text(cell).lower() for cell in grid[0]]
    missing = [column for column in header if column not in names]
    if missing:
        raise OwnerTabError(
            [f"{tab} tab row 1: missing column(s) {', '.join(repr(m) for m in missing)} (expected {', '.join(header)})"]
        )
    index = {column: names.index(column) for column in header}
    for row_number, row in enumerate(grid[1:], start=2):
        if is_blank_row(row) or cell_text(cell_at(row, 0)).startswith(COMMENT_PREFIX):
            continue
        yield row_number, {column: cell_at(row, i) for column, i in index.items()}


def _check_period(start: date | None, end: date | None, tab: str, row_number: int, errors: list[str]) -> None:
    if start is not None and end is not None and end < start:
        errors.append(
            f"{tab} tab row {row_number}: period_end {end.isoformat()} is before period_start {start.isoformat()}"
        )


def parse_targets(grid: Sequence[Sequence[object]], known_kpi_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Parse the owner's Targets tab.

    Blank rows and rows whose first cell starts with ``#`` (such as the example row) are ignored. Extra
    columns are allowed; column order is free.

    Args:
        grid: The tab's cells, header row first (empty list = tab missing); dates may be text
            (``YYYY-MM-DD``) or ``date``/``datetime`` objects.
        known_kpi_ids: When given, a ``kpi_id`` outside this set is an error (catches typos).

    Returns:
        Columns ``kpi_id`` (str), ``channel`` (str), ``period_start``/``period_end`` (``datetime.date``),
        ``target`` (float); one row per valid target row, in tab order.

    Raises:
        OwnerTabError: Any invalid row; the message lists every problem as
            ``"Targets tab row N: <column> ..."`` (N is the sheet row, header = 1).
    """
    known = set(known_kpi_ids) if known_kpi_ids is not None else None
    errors: list[str] = []
    records: list[dict[str, object]] = []
    seen: dict[tuple[str, str], list[tuple[date, date, int]]] = {}
    for row_number, row in _owner_rows(grid, TARGETS_TAB, TARGETS_HEADER):
        kpi_id, channel = cell_text(row["kpi_id"]), cell_text(row["channel"])
        if not kpi_id:
            errors.append(f"{TARGETS_TAB} tab row {row_number}: kpi_id is empty")
        elif known is not None and kpi_id not in known:
            errors.append(f"{TARGETS_TAB} tab row {row_number}: kpi_id '{kpi_id}' is not a known KPI")
        if not channel:
            errors.append(f"{TARGETS_TAB} tab row {row_number}: channel is empty (use 'All' for the total)")
        start = _parse_owner_date(row["period_start"], TARGETS_TAB, row_number, "period_start", errors)
        end = _parse_owner_date(row["period_end"], TARGETS_TAB, row_number, "period_end", errors)
        _check_period(start, end, TARGETS_TAB, row_number, errors)
        target = _parse_owner_number(row["target"], TARGETS_TAB, row_number, "target", errors)
        if start is not None and end is not None and kpi_id and channel:
            # Two targets for the same KPI, slice and day would make attainment ambiguous.
            for other_start, other_end, other_row in seen.get((kpi_id, channel), []):
                if start <= other_end and other_start <= end:
                    errors.append(
                        f"{TARGETS_TAB} tab row {row_number}: period {start.isoformat()}..{end.isoformat()} "
                        f"overlaps row {other_row} for {kpi_id} / {channel}"
                    )
            seen.setdefault((kpi_id, channel), []).append((start, end, row_number))
        records.append(
            {"kpi_id": kpi_id, "channel": channel, "period_start": start, "period_end": end, "target": target}
        )
    if errors:
        raise OwnerTabError(errors)
    return _frame(records, TARGETS_HEADER, number_column="target")


def parse_costs(grid: Sequence[Sequence[object]]) -> pd.DataFrame:
    """Parse the owner's Costs tab.

    Blank rows and rows whose first cell starts with ``#`` (such as the example row) are ignored.

    Args:
        grid: The tab's cells, header row first (empty list = tab missing).

    Returns:
        Columns ``channel`` (str), ``period_start``/``period_end`` (``datetime.date``), ``amount`` (float,
        >= 0), ``note`` (str, may be empty).

    Raises:
        OwnerTabError: Any invalid row, listing every problem as ``"Costs tab row N: <column> ..."``.
    """
    errors: list[str] = []
    records: list[dict[str, object]] = []
    for row_number, row in _owner_rows(grid, COSTS_TAB, COSTS_HEADER):
        channel = cell_text(row["channel"])
        if not channel:
            errors.append(f"{COSTS_TAB} tab row {row_number}: channel is empty")
        start = _parse_owner_date(row["period_start"], COSTS_TAB, row_number, "period_start", errors)
        end = _parse_owner_date(row["period_end"], COSTS_TAB, row_number, "period_end", errors)
        _check_period(start, end, COSTS_TAB, row_number, errors)
        amount = _parse_owner_number(row["amount"], COSTS_TAB, row_number, "amount", errors)
        if amount is not None and amount < 0:
            errors.append(f"{COSTS_TAB} tab row {row_number}: amount {amount:g} is negative")
        records.append(
            {
                "channel": channel,
                "period_start": start,
                "period_end": end,
                "amount": amount,
                "note": cell_text(row["note"]),
            }
        )
    if errors:
        raise OwnerTabError(errors)
    return _frame(records, COSTS_HEADER, number_column="amount")


def _frame(records: list[dict[str, object]], columns: Sequence[str], *, number_column: str) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    frame[number_column] = frame[number_column].astype("float64")
    for column in columns:
        if column not in (number_column, "period_start", "period_end"):
            frame[column] = frame[column].astype(str)
    for column in ("period_start", "period_end"):
        frame[column] = frame[column].astype(object)
    return frame


def empty_targets() -> pd.DataFrame:
    """Return an empty Targets frame with the parsed column types."""
    return parse_targets([])


def empty_costs() -> pd.DataFrame:
    """Return an empty Costs frame with the parsed column types."""
    return parse_costs([])
