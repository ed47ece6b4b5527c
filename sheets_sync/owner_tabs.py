"""The owner tabs (Targets, Costs): read-only for the pipeline, parsed and validated row by row.

A bad row never stops a run: :func:`read_targets` and :func:`read_costs` return the valid rows and an
:class:`OwnerTabProblem` per problem (tab, sheet row, what is wrong), which the weekly KPI step puts on
Insights and ``funnel-ledger check`` prints; the row is left out of every number and never booked to
another channel. :func:`parse_targets` and :func:`parse_costs` are the strict forms (raise on any problem).
Called by both writers' ``owner_tabs`` / ``read_owner_tabs`` and the xlsx writer's colours.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from sheets_sync.cells import cell_at, cell_text, is_blank_row, parse_week, to_number
from sheets_sync.tabs import COMMENT_PREFIX, COSTS_HEADER, COSTS_TAB, TARGETS_HEADER, TARGETS_TAB

ALL_SLICE = "All"
_LISTED_NAMES = 6  # a "(use one of ...)" hint lists at most this many names


class OwnerTabError(ValueError):
    """An owner tab (Targets, Costs) has invalid rows; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class OwnerTabProblem:
    """One problem with one row of an owner tab; the row is left out of the numbers.

    Attributes:
        tab: ``Targets`` or ``Costs``.
        row: The sheet row (the header is row 1).
        message: What is wrong and, where it helps, what to write instead.
    """

    tab: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.tab} tab row {self.row}: {self.message}"


@dataclass(frozen=True)
class OwnerTabRules:
    """What a valid row may name (built from the settings and the KPI catalog by the weekly KPI step).

    Attributes:
        kpi_ids: The KPI ids a target may name; None accepts any id.
        channels: The channel taxonomy; None accepts any channel name (no taxonomy at hand).
        groups: The channel group names (a target may name a group, a cost may not).
    """

    kpi_ids: frozenset[str] | None = None
    channels: tuple[str, ...] | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class OwnerTabs:
    """The owner tabs as the run uses them: the valid rows, and every problem of the rows left out.

    Attributes:
        targets: Valid Targets rows (:func:`read_targets`).
        costs: Valid Costs rows (:func:`read_costs`).
        problems: Problems in tab order, Targets first.
    """

    targets: pd.DataFrame
    costs: pd.DataFrame
    problems: tuple[OwnerTabProblem, ...] = field(default=())


def _suggestion(value: str, names: Iterable[str]) -> str:
    """`` (did you mean X?)`` for a near miss (case, a letter or two), else empty."""
    choices = list(names)
    by_case = {name.casefold(): name for name in choices}
    match = by_case.get(value.casefold())
    if match is None:
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.75)
        match = close[0] if close else None
    return f" (did you mean {match}?)" if match else ""


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_LISTED_NAMES])
    return shown + (", ..." if len(names) > _LISTED_NAMES else "")


# A date typed into a Google Sheet is read (effectiveValue) as its serial number: days since 1899-12-30
# (Sheets API reference, DateTimeRenderOption SERIAL_NUMBER). Numbers in this range are read as dates; others
# (20261001, 5) stay errors.
_SERIAL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = ((date(2000, 1, 1) - _SERIAL_EPOCH).days, (date(2100, 1, 1) - _SERIAL_EPOCH).days)


def _serial_date(value: object) -> date | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not (_SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]) or not float(value).is_integer():
        return None
    return _SERIAL_EPOCH + timedelta(days=int(value))


class _RowCheck:
    """Collects one row's problems (a row with any problem is left out)."""

    def __init__(self, tab: str, row: int) -> None:
        self.tab, self.row = tab, row
        self.problems: list[OwnerTabProblem] = []

    def add(self, message: str) -> None:
        self.problems.append(OwnerTabProblem(self.tab, self.row, message))

    def parse_date(self, value: object, column: str) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        serial = _serial_date(value)
        if serial is not None:
            return serial
        text = cell_text(value)
        if not text:
            self.add(f"{column} is empty (expected a date YYYY-MM-DD)")
            return None
        parsed = parse_week(text)
        if parsed is None:
            self.add(f"{column} '{text}' is not a date (YYYY-MM-DD)")
        return parsed

    def parse_number(self, value: object, column: str) -> float | None:
        # to_number refuses NaN and infinities: a target or cost must be a finite number.
        number = to_number(value) if not isinstance(value, bool) else None
        if number is not None:
            return float(number)
        text = cell_text(value)
        self.add(f"{column} is empty (expected a number)" if not text else f"{column} '{text}' is not a number")
        return None

    def check_period(self, start: date | None, end: date | None) -> None:
        if start is not None and end is not None and end < start:
            self.add(f"period_end {end.isoformat()} is before period_start {start.isoformat()}")


def _owner_rows(
    grid: Sequence[Sequence[object]], tab: str, header: Sequence[str], problems: list[OwnerTabProblem]
) -> Iterable[tuple[int, dict[str, object]]]:
    """The tab's data rows with their sheet row numbers; a missing column is a row-1 problem (no rows)."""
    if not grid or is_blank_row(grid[0]):
        return
    names = [cell_text(cell).lower() for cell in grid[0]]
    missing = [column for column in header if column not in names]
    if missing:
        problems.append(
            OwnerTabProblem(
                tab, 1, f"missing column(s) {', '.join(repr(m) for m in missing)} (expected {', '.join(header)})"
            )
        )
        return
    index = {column: names.index(column) for column in header}
    for row_number, row in enumerate(grid[1:], start=2):
        if is_blank_row(row) or cell_text(cell_at(row, 0)).startswith(COMMENT_PREFIX):
            continue
        yield row_number, {column: cell_at(row, i) for column, i in index.items()}


def _check_target_kpi(check: _RowCheck, kpi_id: str, rules: OwnerTabRules) -> None:
    if not kpi_id:
        check.add("kpi_id is empty")
    elif rules.kpi_ids is not None and kpi_id not in rules.kpi_ids:
        check.add(f"kpi_id '{kpi_id}' is not a known KPI{_suggestion(kpi_id, sorted(rules.kpi_ids))}")


def _check_target_channel(check: _RowCheck, channel: str, rules: OwnerTabRules) -> None:
    if not channel:
        check.add(f"channel is empty (use '{ALL_SLICE}' for the total)")
        return
    if rules.channels is None:
        return
    slices = [ALL_SLICE, *rules.groups, *rules.channels]
    if channel not in slices:
        check.add(f"channel '{channel}' is not {ALL_SLICE}, a channel group or a channel{_suggestion(channel, slices)}")


def read_targets(
    grid: Sequence[Sequence[object]], rules: OwnerTabRules | None = None
) -> tuple[pd.DataFrame, list[OwnerTabProblem]]:
    """Parse and validate the owner's Targets tab; rows with a problem are left out.

    Blank rows and rows whose first cell starts with ``#`` (such as the example row) are ignored. Extra
    columns are allowed; column order is free. A row is left out when its kpi_id is empty or unknown, its
    channel is empty or not All, a group or a channel (names must match exactly), a date is missing or not
    ``YYYY-MM-DD``, its period ends before it starts, or its target is not a number; and when its period
    overlaps an earlier valid row's for the same KPI and channel (the first row in tab order is kept).

    Args:
        grid: The tab's cells, header row first (empty list = tab missing); dates may be text
            (``YYYY-MM-DD``) or ``date``/``datetime`` objects.
        rules: The KPI ids and slice names a row may name (default: any).

    Returns:
        The valid rows (columns ``kpi_id``, ``channel``, ``period_start``/``period_end`` as
        ``datetime.date``, ``target`` float, in tab order) and every problem, as
        ``"Targets tab row N: ..."`` (N is the sheet row, header = 1).
    """
    rules = rules or OwnerTabRules()
    problems: list[OwnerTabProblem] = []
    records: list[dict[str, object]] = []
    kept: dict[tuple[str, str], list[tuple[date, date, int]]] = {}
    for row_number, row in _owner_rows(grid, TARGETS_TAB, TARGETS_HEADER, problems):
        check = _RowCheck(TARGETS_TAB, row_number)
        kpi_id, channel = cell_text(row["kpi_id"]), cell_text(row["channel"])
        _check_target_kpi(check, kpi_id, rules)
        _check_target_channel(check, channel, rules)
        start = check.parse_date(row["period_start"], "period_start")
        end = check.parse_date(row["period_end"], "period_end")
        check.check_period(start, end)
        target = check.parse_number(row["target"], "target")
        if not check.problems and start is not None and end is not None:
            # Two targets for the same KPI, slice and day would make attainment ambiguous.
            for other_start, other_end, other_row in kept.get((kpi_id, channel), []):
                if start <= other_end and other_start <= end:
                    check.add(
                        f"period {start.isoformat()}..{end.isoformat()} overlaps row {other_row} for "
                        f"{kpi_id} / {channel}"
                    )
                    break
        problems.extend(check.problems)
        if check.problems or start is None or end is None:
            continue
        kept.setdefault((kpi_id, channel), []).append((start, end, row_number))
        records.append(
            {"kpi_id": kpi_id, "channel": channel, "period_start": start, "period_end": end, "target": target}
        )
    return _frame(records, TARGETS_HEADER, number_column="target"), problems


def _check_cost_channel(check: _RowCheck, channel: str, rules: OwnerTabRules) -> None:
    if not channel:
        check.add("channel is empty (a cost belongs to one channel, e.g. Offline)")
        return
    channels = rules.channels
    if channels is None or channel in channels:
        return
    example = "Offline" if "Offline" in channels else channels[0]
    if channel == ALL_SLICE or channel in rules.groups:
        what = "the total" if channel == ALL_SLICE else "a channel group"
        check.add(
            f"channel '{channel}' is {what}; a cost belongs to one channel (e.g. {example}), so split it "
            "over its channels, one row each"
        )
        return
    hint = _suggestion(channel, [*channels, ALL_SLICE, *rules.groups]) or f" (use one of {_listed(channels)})"
    check.add(f"channel '{channel}' is not a channel{hint}")


def read_costs(
    grid: Sequence[Sequence[object]], rules: OwnerTabRules | None = None
) -> tuple[pd.DataFrame, list[OwnerTabProblem]]:
    """Parse and validate the owner's Costs tab; rows with a problem are left out.

    Blank rows and rows whose first cell starts with ``#`` (such as the example row) are ignored. A row is
    left out when its channel is empty, All, a group or not a channel of the taxonomy (names must match
    exactly; nothing is booked to Other or to a group), a date is missing or not ``YYYY-MM-DD``, its period
    ends before it starts, or its amount is not a number or is negative.

    Args:
        grid: The tab's cells, header row first (empty list = tab missing).
        rules: The channel names a row may name (default: any).

    Returns:
        The valid rows (columns ``channel``, ``period_start``/``period_end`` as ``datetime.date``,
        ``amount`` float >= 0, ``note`` str) and every problem, as ``"Costs tab row N: ..."``.
    """
    rules = rules or OwnerTabRules()
    problems: list[OwnerTabProblem] = []
    records: list[dict[str, object]] = []
    for row_number, row in _owner_rows(grid, COSTS_TAB, COSTS_HEADER, problems):
        check = _RowCheck(COSTS_TAB, row_number)
        channel = cell_text(row["channel"])
        _check_cost_channel(check, channel, rules)
        start = check.parse_date(row["period_start"], "period_start")
        end = check.parse_date(row["period_end"], "period_end")
        check.check_period(start, end)
        amount = check.parse_number(row["amount"], "amount")
        if amount is not None and amount < 0:
            check.add(f"amount {amount:g} is negative")
        problems.extend(check.problems)
        if check.problems:
            continue
        records.append(
            {
                "channel": channel,
                "period_start": start,
                "period_end": end,
                "amount": amount,
                "note": cell_text(row["note"]),
            }
        )
    return _frame(records, COSTS_HEADER, number_column="amount"), problems


def read_owner_tabs_from_grids(
    targets_grid: Sequence[Sequence[object]],
    costs_grid: Sequence[Sequence[object]],
    rules: OwnerTabRules | None = None,
) -> OwnerTabs:
    """Both owner tabs, validated: what the writers' ``owner_tabs`` return.

    Args:
        targets_grid: The Targets tab's cells (empty = missing).
        costs_grid: The Costs tab's cells (empty = missing).
        rules: The names rows may use (default: any).
    """
    targets, target_problems = read_targets(targets_grid, rules)
    costs, cost_problems = read_costs(costs_grid, rules)
    return OwnerTabs(targets=targets, costs=costs, problems=(*target_problems, *cost_problems))


def _rules(known_kpi_ids: Collection[str] | None, rules: OwnerTabRules | None) -> OwnerTabRules:
    if known_kpi_ids is None:
        return rules or OwnerTabRules()
    base = rules or OwnerTabRules()
    return OwnerTabRules(kpi_ids=frozenset(known_kpi_ids), channels=base.channels, groups=base.groups)


def _strict(result: tuple[pd.DataFrame, list[OwnerTabProblem]]) -> pd.DataFrame:
    frame, problems = result
    if problems:
        raise OwnerTabError([str(problem) for problem in problems])
    return frame


def parse_targets(
    grid: Sequence[Sequence[object]],
    known_kpi_ids: Iterable[str] | None = None,
    *,
    rules: OwnerTabRules | None = None,
) -> pd.DataFrame:
    """The strict form of :func:`read_targets`: every row valid, or :class:`OwnerTabError`.

    Args:
        grid: The tab's cells, header row first (empty list = tab missing).
        known_kpi_ids: When given, a ``kpi_id`` outside this set is an error (catches typos).
        rules: Channel names (and KPI ids, when ``known_kpi_ids`` is not given) a row may name.

    Raises:
        OwnerTabError: Any invalid row; the message lists every problem as
            ``"Targets tab row N: <column> ..."`` (N is the sheet row, header = 1).
    """
    known = None if known_kpi_ids is None else frozenset(known_kpi_ids)
    return _strict(read_targets(grid, _rules(known, rules)))


def parse_costs(grid: Sequence[Sequence[object]], *, rules: OwnerTabRules | None = None) -> pd.DataFrame:
    """The strict form of :func:`read_costs`: every row valid, or :class:`OwnerTabError`.

    Raises:
        OwnerTabError: Any invalid row, listing every problem as ``"Costs tab row N: <column> ..."``.
    """
    return _strict(read_costs(grid, rules))


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
    return read_targets([])[0]


def empty_costs() -> pd.DataFrame:
    """Return an empty Costs frame with the parsed column types."""
    return read_costs([])[0]
