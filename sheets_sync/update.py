"""The tracker model: what the Tracker, Snapshots, Definitions and Insights tabs should hold after a run.

Everything here is pure and writer-agnostic. A writer (openpyxl for a local ``.xlsx``, gspread for a Google
Sheet) reads the pipeline's tabs as plain 2-D cell grids (:class:`TabGrids`), calls :func:`build_update`
with the KPI values of the run, and writes back what the returned :class:`TrackerUpdate` says: the full
Tracker, Definitions and Insights grids, and the rows to append to Snapshots.

Rules (DESIGN.md §5):

* Tracker: ``Section, KPI, Channel, Unit, Type, Version`` then one column per week (``YYYY-MM-DD``, oldest
  left). Rows are KPI × version × channel. History is never dropped: existing rows and week columns are
  kept, values computed by this run overwrite their cells, new weeks and rows are inserted in order. A row's
  identity ``(kpi_id, kpi_version, channel)`` is recovered from the KPI name through the Definitions tab,
  which keeps every version ever used.
* Snapshots: append-only; a row is appended only when a value is new or differs from the latest snapshot
  of its ``(week_start, kpi_id, kpi_version, channel)``.
* Definitions: one row per ``kpi_id × kpi_version``; ``first_used`` is set once and preserved.
* Insights: data-quality flags and paired-metric notes per week (KPIS.md §4). A run's notes replace the
  notes of the weeks it computed (a rerun never duplicates them); other weeks' notes are kept. Newest week
  first.

The owner tabs (Targets, Costs) are read-only for the pipeline: :func:`parse_targets` and
:func:`parse_costs` turn their grids into DataFrames with errors that name tab, row and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import pandas as pd

Cell = str | float | int | None
"""One spreadsheet cell as the model sees it: text, a number or empty."""

Grid = list[list[Cell]]

TRACKER_TAB = "Tracker"
SNAPSHOTS_TAB = "Snapshots"
DEFINITIONS_TAB = "Definitions"
TARGETS_TAB = "Targets"
COSTS_TAB = "Costs"
INSIGHTS_TAB = "Insights"
PIPELINE_TABS: tuple[str, ...] = (TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB)
OWNER_TABS: tuple[str, ...] = (TARGETS_TAB, COSTS_TAB)
TAB_ORDER: tuple[str, ...] = (
    TRACKER_TAB,
    SNAPSHOTS_TAB,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    TARGETS_TAB,
    COSTS_TAB,
)

TRACKER_FIXED_HEADER: tuple[str, ...] = ("Section", "KPI", "Channel", "Unit", "Type", "Version")
FIRST_WEEK_COLUMN = len(TRACKER_FIXED_HEADER)
SNAPSHOTS_HEADER: tuple[str, ...] = (
    "snapshot_at",
    "run_id",
    "week_start",
    "kpi_id",
    "kpi_version",
    "channel",
    "value",
)
DEFINITIONS_HEADER: tuple[str, ...] = (
    "kpi_id",
    "kpi_version",
    "name",
    "section",
    "type",
    "unit",
    "direction",
    "definition",
    "settings",
    "first_used",
)
INSIGHTS_HEADER: tuple[str, ...] = ("week_start", "source", "flag", "detail", "value", "run_id", "noted_at")
TARGETS_HEADER: tuple[str, ...] = ("kpi_id", "channel", "period_start", "period_end", "target")
COSTS_HEADER: tuple[str, ...] = ("channel", "period_start", "period_end", "amount", "note")

# Rows whose first cell starts with "#" are comments in the owner tabs. The example row the pipeline writes
# when it creates a tab is such a comment, so it never becomes a real target or cost by accident.
COMMENT_PREFIX = "#"
TARGETS_TEMPLATE: tuple[tuple[Cell, ...], ...] = (
    TARGETS_HEADER,
    ("# example: revenue_won", "All", "2026-01-01", "2026-03-31", 250000),
)
COSTS_TEMPLATE: tuple[tuple[Cell, ...], ...] = (
    COSTS_HEADER,
    ("# example: Offline", "2026-01-01", "2026-01-31", 3000, "Rows starting with # are ignored"),
)

KpiType = Literal["leading", "lagging"]
Unit = Literal["count", "currency", "ratio", "days", "seconds", "currency_per_day"]
Direction = Literal["up", "down"]
UNITS: frozenset[str] = frozenset({"count", "currency", "ratio", "days", "seconds", "currency_per_day"})

# Values are compared after rounding to this many significant digits, so float noise from recomputation
# (0.1 + 0.2 vs 0.3) never appends a snapshot or counts as a restatement.
SIGNIFICANT_DIGITS = 9

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_VERSION = re.compile(r"^(\d+)\.(.*)$")


class TrackerLayoutError(ValueError):
    """A pipeline tab holds something the model cannot safely merge into (wrong header, corrupt row)."""


class OwnerTabError(ValueError):
    """An owner tab (Targets, Costs) has invalid rows; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class StaleUpdateError(RuntimeError):
    """The tracker changed between reading it and writing the update (another run wrote in between)."""


@dataclass(frozen=True)
class DefinitionRow:
    """One KPI version of the catalog, as shown on the Definitions tab.

    Attributes:
        kpi_id: Stable KPI id from KPIS.md, e.g. ``"new_leads"``.
        kpi_version: ``"<n>.<fp>"``, e.g. ``"1.a3f9c2"``.
        name: Display name, e.g. ``"New leads"``.
        section: Catalog section, e.g. ``"Funnel (flow)"``.
        kpi_type: ``"leading"`` or ``"lagging"``.
        unit: One of :data:`UNITS`.
        direction: ``"up"`` (higher is better) or ``"down"``.
        definition: Human-readable definition text.
        settings: The settings this version depends on, e.g. ``"timezone=UTC; stages=lead,..."``.
        catalog_order: Position in the catalog; orders sections and KPIs on the Tracker.
    """

    kpi_id: str
    kpi_version: str
    name: str
    section: str
    kpi_type: KpiType
    unit: Unit
    direction: Direction
    definition: str
    settings: str
    catalog_order: int


@dataclass(frozen=True)
class InsightRow:
    """One note on the Insights tab: a data-quality flag or a paired-metric observation for a week.

    Attributes:
        week_start: The week the note is about.
        source: Where it comes from, e.g. ``"ga4"``, ``"hubspot"``, ``"linkedin_ads"`` or ``"kpis"``.
        flag: Short stable code, e.g. ``"thresholding"``, ``"unmapped_source"``, ``"cpc_up_ctr_down"``.
        detail: Human-readable text; may quote CRM values (writers store it as text, never as a formula).
        value: The number behind the note (a count, a share, a change), or ``None``.
    """

    week_start: date
    source: str
    flag: str
    detail: str
    value: float | None


@dataclass(frozen=True)
class TabGrids:
    """What the tracker currently holds in the pipeline's tabs, header rows included.

    An empty list means the tab does not exist (or is empty). Rows may be ragged (trailing empty cells
    trimmed, as the Sheets API returns them).
    """

    tracker: Grid = field(default_factory=list)
    snapshots: Grid = field(default_factory=list)
    definitions: Grid = field(default_factory=list)
    insights: Grid = field(default_factory=list)


@dataclass(frozen=True, order=True)
class RowKey:
    """Identity of a Tracker row."""

    kpi_id: str
    kpi_version: str
    channel: str


@dataclass(frozen=True)
class TrackerRow:
    """Metadata of one Tracker data row, aligned with ``TrackerUpdate.tracker[1:]``.

    ``key`` is ``None`` for a row whose identity could not be recovered (kept verbatim at the end).
    """

    key: RowKey | None
    name: str
    section: str
    kpi_type: str
    unit: str
    direction: str


@dataclass(frozen=True)
class Restatement:
    """A Tracker cell whose previously shown, non-empty value changed in this run.

    Attributes:
        key: The row.
        week_start: The week column.
        old_value: Value shown before this run.
        new_value: Value written by this run (``None`` = now empty).
        first_reported_value: First non-empty value ever snapshotted for the cell (falls back to
            ``old_value`` when the Snapshots tab has no history for it).
        first_reported_on: UTC date of that snapshot, ``None`` without history.
        unit: The KPI's unit, for formatting the note.
    """

    key: RowKey
    week_start: date
    old_value: Cell
    new_value: Cell
    first_reported_value: Cell
    first_reported_on: date | None
    unit: str

    def note(self) -> str:
        """Return the cell note the Sheet writer attaches, e.g. ``"first reported 1,234 on 2026-11-24"``."""
        shown = format_value(self.first_reported_value, self.unit)
        if self.first_reported_on is None:
            return f"first reported {shown}"
        return f"first reported {shown} on {self.first_reported_on.isoformat()}"


@dataclass(frozen=True)
class UpdateSummary:
    """What a run changes, for logs and Dagster metadata.

    Attributes:
        snapshot_rows_appended: Data rows appended to Snapshots.
        tracker_rows_added: New Tracker rows.
        weeks_added: New week columns.
        cells_changed: Tracker cells whose value differs from before (empty → value included).
        restatements: Cells whose existing non-empty value changed.
        definitions_added: New Definitions rows (new KPI versions).
        unresolved_rows: Existing Tracker rows whose identity could not be recovered (kept, not updated).
        insights_rows: Insights rows noted by this run (0 when the run passed no insights).
    """

    snapshot_rows_appended: int
    tracker_rows_added: int
    weeks_added: int
    cells_changed: int
    restatements: list[Restatement]
    definitions_added: int
    unresolved_rows: int
    # Defaulted so summaries built before the Insights tab existed stay valid.
    insights_rows: int = 0


@dataclass(frozen=True)
class TrackerUpdate:
    """Everything a writer needs to bring the tracker up to date in one write per tab.

    Attributes:
        tracker: The full new Tracker grid (header row first).
        tracker_rows: Metadata of each Tracker data row (same order as ``tracker[1:]``).
        weeks: Week start of each week column (same order as ``tracker[0][6:]``).
        definitions: The full new Definitions grid (header row first).
        snapshots_append: Snapshots data rows to append after the existing ones.
        snapshots_header_needed: True when the Snapshots tab is empty and the header must be written first.
        snapshots_existing_rows: Rows (header included) the Snapshots tab held when it was read; a writer
            compares it with the tab at write time to detect a concurrent writer.
        snapshot_at: The run's snapshot instant (UTC).
        run_id: The run's id.
        summary: Counts and restatements.
        insights: The full new Insights grid (header row first); when the run passed no insights, the tab
            as it was read (possibly empty), which writers leave untouched.
        insights_replaced: True when the run passed insights and writers must (re)write the Insights tab
            from ``insights``; False means the tab is not the run's business and must not be touched.
    """

    tracker: Grid
    tracker_rows: list[TrackerRow]
    weeks: list[date]
    definitions: Grid
    snapshots_append: Grid
    snapshots_header_needed: bool
    snapshots_existing_rows: int
    snapshot_at: datetime
    run_id: str
    summary: UpdateSummary
    insights: Grid = field(default_factory=list)
    insights_replaced: bool = False

    @property
    def snapshot_rows_to_write(self) -> Grid:
        """Rows to append to the Snapshots tab, header first when the tab is empty."""
        if self.snapshots_header_needed:
            return [list(SNAPSHOTS_HEADER), *self.snapshots_append]
        return self.snapshots_append

    def cell_position(self, key: RowKey, week_start: date) -> tuple[int, int]:
        """Return the 0-based ``(row, column)`` of a cell in ``tracker`` (row 0 is the header).

        Raises:
            KeyError: The row or the week is not on the Tracker.
        """
        rows = {row.key: index + 1 for index, row in enumerate(self.tracker_rows) if row.key is not None}
        columns = {week: index + FIRST_WEEK_COLUMN for index, week in enumerate(self.weeks)}
        return rows[key], columns[week_start]


# --------------------------------------------------------------------------------------------------------
# Cell helpers


def format_value(value: Cell, unit: str) -> str:
    """Format a value for a human note: ratios as percentages, counts and currency with separators.

    Args:
        value: The cell value.
        unit: The KPI unit.

    Returns:
        The formatted text; ``"(empty)"`` for an empty value.
    """
    number = to_number(value)
    if number is None:
        return "(empty)" if value is None or value == "" else str(value)
    if unit == "ratio":
        return f"{number:.1%}"
    if unit == "count" and float(number).is_integer():
        return f"{int(number):,}"
    if unit in {"currency", "currency_per_day"}:
        return f"{number:,.2f}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def to_number(value: object) -> float | int | None:
    """Read a cell as a number, or ``None`` when it is empty, NaN/inf or not numeric.

    Accepts ints, floats and numeric text (``"1,234.5"`` included, because a Sheet read with formatted
    values returns text).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _existing_cell(value: object) -> Cell:
    """Normalise a cell read from a tab: numbers stay numbers, empty becomes None, other text is kept."""
    if value is None:
        return None
    number = to_number(value)
    if number is not None:
        return number
    if isinstance(value, float):  # NaN / inf read back from a file
        return None
    text = str(value)
    return None if not text.strip() else text


def _label_cell(value: object) -> Cell:
    """Normalise a label cell (Section, KPI, ...): kept as read, empty text becomes None."""
    if value is None or isinstance(value, int | float | str):
        return None if isinstance(value, str) and not value.strip() else value
    return _text(value)


def kpi_cell(value: object, unit: str) -> Cell:
    """Turn a computed KPI value into the cell to write: empty for NaN/inf/None, ints for whole counts.

    Args:
        value: The computed value (float, int, NaN or None).
        unit: The KPI unit; ``count`` values that are whole numbers become ints (``ad_conversions`` may be
            fractional and stays a float).

    Returns:
        The cell value.
    """
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if unit == "count" and number.is_integer():
        return int(number)
    return number


def same_value(a: Cell, b: Cell) -> bool:
    """Compare two cells the way Snapshots and restatements do.

    Empty equals empty; empty never equals a number (so empty vs 0 differs); numbers are equal when they
    agree to :data:`SIGNIFICANT_DIGITS` significant digits; non-numeric text compares as text.
    """
    x, y = to_number(a), to_number(b)
    a_empty = a is None or (isinstance(a, str) and not a.strip()) or (isinstance(a, float) and math.isnan(a))
    b_empty = b is None or (isinstance(b, str) and not b.strip()) or (isinstance(b, float) and math.isnan(b))
    if a_empty or b_empty:
        return a_empty and b_empty
    if x is None or y is None:
        return x is None and y is None and str(a) == str(b)
    return _rounded(x) == _rounded(y)


def _rounded(number: float) -> float:
    return float(f"{number:.{SIGNIFICANT_DIGITS}g}")


def parse_week(value: object) -> date | None:
    """Read a week header / ``week_start`` cell (``YYYY-MM-DD`` text, a date or a datetime)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if _ISO_DATE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None
    return None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _trimmed(row: Sequence[object]) -> list[object]:
    out = list(row)
    while out and (out[-1] is None or (isinstance(out[-1], str) and not out[-1].strip())):
        out.pop()
    return out


def _is_blank(row: Sequence[object]) -> bool:
    return not _trimmed(row)


def snapshot_timestamp(snapshot_at: datetime) -> str:
    """Format a snapshot instant as ISO 8601 UTC, e.g. ``"2026-11-24T06:00:00Z"``.

    Raises:
        ValueError: ``snapshot_at`` is naive.
    """
    if snapshot_at.tzinfo is None or snapshot_at.utcoffset() is None:
        raise ValueError("snapshot_at must be timezone-aware (UTC)")
    return snapshot_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _snapshot_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) >= 10:
        return parse_week(value[:10])
    return None


# --------------------------------------------------------------------------------------------------------
# KPI metadata known to the model: current definitions plus every version kept on the Definitions tab


@dataclass
class _KpiInfo:
    kpi_id: str
    kpi_version: str
    name: str
    section: str
    kpi_type: str
    unit: str
    direction: str
    definition: str
    settings: str
    first_used: str
    current: bool


def _header_index(header: Sequence[object], required: Sequence[str], tab: str) -> dict[str, int]:
    names = [_text(cell).lower() for cell in header]
    missing = [column for column in required if column not in names]
    if missing:
        raise TrackerLayoutError(
            f"{tab} tab row 1: missing column(s) {', '.join(repr(m) for m in missing)} (expected {', '.join(required)})"
        )
    return {column: names.index(column) for column in required}


def _cell_at(row: Sequence[object], index: int) -> object:
    return row[index] if index < len(row) else None


def _read_definitions_tab(grid: Grid) -> dict[tuple[str, str], _KpiInfo]:
    infos: dict[tuple[str, str], _KpiInfo] = {}
    if not grid or _is_blank(grid[0]):
        return infos
    index = _header_index(grid[0], DEFINITIONS_HEADER, DEFINITIONS_TAB)
    for row_number, row in enumerate(grid[1:], start=2):
        if _is_blank(row):
            continue
        values = {column: _text(_cell_at(row, i)) for column, i in index.items()}
        if not values["kpi_id"] or not values["kpi_version"]:
            raise TrackerLayoutError(f"{DEFINITIONS_TAB} tab row {row_number}: kpi_id and kpi_version are required")
        infos[(values["kpi_id"], values["kpi_version"])] = _KpiInfo(
            kpi_id=values["kpi_id"],
            kpi_version=values["kpi_version"],
            name=values["name"],
            section=values["section"],
            kpi_type=values["type"],
            unit=values["unit"],
            direction=values["direction"],
            definition=values["definition"],
            settings=values["settings"],
            first_used=values["first_used"],
            current=False,
        )
    return infos


def _merge_definitions(
    existing: dict[tuple[str, str], _KpiInfo], definitions: Sequence[DefinitionRow], first_used: str
) -> tuple[dict[tuple[str, str], _KpiInfo], int]:
    infos = dict(existing)
    added = 0
    for d in definitions:
        if d.unit not in UNITS:
            raise ValueError(f"KPI {d.kpi_id} {d.kpi_version}: unknown unit {d.unit!r}")
        key = (d.kpi_id, d.kpi_version)
        if key in infos and infos[key].current:
            raise ValueError(f"KPI {d.kpi_id} version {d.kpi_version} is defined twice")
        previous = infos.get(key)
        if previous is None:
            added += 1
        infos[key] = _KpiInfo(
            kpi_id=d.kpi_id,
            kpi_version=d.kpi_version,
            name=d.name,
            section=d.section,
            kpi_type=d.kpi_type,
            unit=d.unit,
            direction=d.direction,
            definition=d.definition,
            settings=d.settings,
            # first_used is history: once written it is never changed
            first_used=previous.first_used if previous is not None and previous.first_used else first_used,
            current=True,
        )
    return infos, added


class _Ordering:
    """Sort keys shared by the Tracker rows, the Definitions rows and the appended Snapshots rows."""

    _TYPE_RANK: Mapping[str, int] = {"leading": 0, "lagging": 1}

    def __init__(
        self,
        infos: Mapping[tuple[str, str], _KpiInfo],
        definitions: Sequence[DefinitionRow],
        channel_order: Sequence[str],
    ) -> None:
        self._infos = infos
        self._section_rank: dict[str, int] = {}
        self._kpi_rank: dict[str, int] = {}
        for d in sorted(definitions, key=lambda d: d.catalog_order):
            self._section_rank.setdefault(d.section, d.catalog_order)
            self._kpi_rank.setdefault(d.kpi_id, d.catalog_order)
        self._channel_rank = {channel: i for i, channel in enumerate(channel_order)}

    def kpi_key(self, kpi_id: str, kpi_version: str) -> tuple[Any, ...]:
        info = self._infos.get((kpi_id, kpi_version))
        kpi_type = info.kpi_type if info else ""
        section = info.section if info else ""
        # Old versions and retired KPIs keep their place next to the current catalog where possible;
        # anything unknown goes after it, alphabetically.
        section_rank = (0, self._section_rank[section], "") if section in self._section_rank else (1, 0, section)
        kpi_rank = (0, self._kpi_rank[kpi_id], "") if kpi_id in self._kpi_rank else (1, 0, kpi_id)
        return (self._TYPE_RANK.get(kpi_type, 2), section_rank, kpi_rank)

    def channel_key(self, channel: str) -> tuple[int, str]:
        return (self._channel_rank.get(channel, len(self._channel_rank)), channel)

    @staticmethod
    def version_key(kpi_version: str) -> tuple[int, str]:
        match = _VERSION.match(kpi_version)
        return (int(match.group(1)), match.group(2)) if match else (-1, kpi_version)

    def row_key(self, key: RowKey) -> tuple[Any, ...]:
        return (
            *self.kpi_key(key.kpi_id, key.kpi_version),
            self.channel_key(key.channel),
            self.version_key(key.kpi_version),
        )

    def definition_key(self, info: _KpiInfo) -> tuple[Any, ...]:
        return (*self.kpi_key(info.kpi_id, info.kpi_version), self.version_key(info.kpi_version))


# --------------------------------------------------------------------------------------------------------
# Inputs


_ValueKey = tuple[date, str, str, str]  # week_start, kpi_id, kpi_version, channel


def _read_values(values: pd.DataFrame) -> dict[_ValueKey, object]:
    required = ["week_start", "kpi_id", "kpi_version", "channel", "value"]
    missing = [column for column in required if column not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s): {', '.join(missing)}")
    out: dict[_ValueKey, object] = {}
    columns = [values[column].tolist() for column in required]
    for week_raw, kpi_id, kpi_version, channel, value in zip(*columns, strict=True):
        week = parse_week(week_raw)
        if week is None:
            raise ValueError(f"values: week_start {week_raw!r} is not a date")
        key = (week, str(kpi_id), str(kpi_version), str(channel))
        if key in out:
            raise ValueError(f"values: duplicate row for {key[0].isoformat()} {key[1]} {key[2]} {key[3]}")
        out[key] = value
    return out


@dataclass
class _TrackerRowState:
    key: RowKey | None
    fixed: list[Cell]
    cells: dict[date, Cell]


def _read_tracker_tab(
    grid: Grid, *infos_by_precedence: Mapping[tuple[str, str], _KpiInfo]
) -> tuple[list[date], list[_TrackerRowState]]:
    if not grid or _is_blank(grid[0]):
        return [], []
    header = grid[0]
    fixed = [_text(cell) for cell in header[:FIRST_WEEK_COLUMN]]
    if fixed != list(TRACKER_FIXED_HEADER):
        raise TrackerLayoutError(
            f"{TRACKER_TAB} tab row 1: expected columns {', '.join(TRACKER_FIXED_HEADER)} first, "
            f"found {', '.join(repr(f) for f in fixed)}; "
            "refusing to overwrite a tab the pipeline did not create"
        )
    weeks: list[date] = []
    for column, cell in enumerate(_trimmed(header)[FIRST_WEEK_COLUMN:], start=FIRST_WEEK_COLUMN):
        week = parse_week(cell)
        if week is None:
            raise TrackerLayoutError(
                f"{TRACKER_TAB} tab row 1, column {_column_letter(column)}: {cell!r} is not a week start "
                "date (YYYY-MM-DD)"
            )
        if week in weeks:
            raise TrackerLayoutError(f"{TRACKER_TAB} tab row 1: week {week.isoformat()} appears twice")
        weeks.append(week)

    # Names are looked up in the Definitions tab as it was (the name the row was written with) and in the
    # current catalog, so a renamed KPI still finds its row.
    by_name: dict[tuple[str, str], str] = {}
    for infos in infos_by_precedence:
        by_name.update({(info.name, info.kpi_version): info.kpi_id for info in infos.values()})
    rows: list[_TrackerRowState] = []
    seen: set[RowKey] = set()
    for row in grid[1:]:
        if _is_blank(row):
            continue
        # Label cells stay text: a version such as "1.120000" must not be read as the number 1.12.
        fixed_cells: list[Cell] = [_label_cell(_cell_at(row, i)) for i in range(FIRST_WEEK_COLUMN)]
        name, channel, version = _text(fixed_cells[1]), _text(fixed_cells[2]), _text(fixed_cells[5])
        kpi_id = by_name.get((name, version))
        key = RowKey(kpi_id, version, channel) if kpi_id and channel else None
        if key is not None and key in seen:
            key = None  # a duplicated row is kept verbatim rather than merged (never drop history)
        if key is not None:
            seen.add(key)
        cells: dict[date, Cell] = {}
        for i, week in enumerate(weeks):
            cell = _existing_cell(_cell_at(row, FIRST_WEEK_COLUMN + i))
            if cell is not None:
                cells[week] = cell
        rows.append(_TrackerRowState(key=key, fixed=fixed_cells, cells=cells))
    return weeks, rows


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass
class _SnapshotHistory:
    latest: dict[_ValueKey, Cell]
    first_reported: dict[_ValueKey, tuple[Cell, date | None]]
    rows: int


def _read_snapshots_tab(grid: Grid) -> _SnapshotHistory:
    history = _SnapshotHistory(latest={}, first_reported={}, rows=0)
    if not grid or _is_blank(grid[0]):
        return history
    header = [_text(cell).lower() for cell in _trimmed(grid[0])]
    if header != list(SNAPSHOTS_HEADER):
        raise TrackerLayoutError(
            f"{SNAPSHOTS_TAB} tab row 1: expected columns {', '.join(SNAPSHOTS_HEADER)}, "
            f"found {', '.join(repr(h) for h in header)}; the tab is append-only and cannot be rewritten"
        )
    last_non_blank = 0
    for row_number, row in enumerate(grid[1:], start=2):
        if _is_blank(row):
            continue
        last_non_blank = row_number - 1
        week = parse_week(_cell_at(row, 2))
        if week is None:
            raise TrackerLayoutError(
                f"{SNAPSHOTS_TAB} tab row {row_number}: week_start {_cell_at(row, 2)!r} is not a date (YYYY-MM-DD)"
            )
        key = (week, _text(_cell_at(row, 3)), _text(_cell_at(row, 4)), _text(_cell_at(row, 5)))
        value = _existing_cell(_cell_at(row, 6))
        # The tab is append-only, so the last row of a key is its latest snapshot.
        history.latest[key] = value
        if key not in history.first_reported and value is not None:
            history.first_reported[key] = (value, _snapshot_date(_cell_at(row, 0)))
    history.rows = last_non_blank + 1
    return history


# --------------------------------------------------------------------------------------------------------
# Insights


def _insight_value(value: object) -> Cell:
    """Turn an insight's number into the cell to write: empty for None/NaN/inf, ints for whole numbers."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    # A count such as "12 unmapped contacts" reads better as 12 than 12.0 in either writer.
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _insight_sort_key(week: date | None, row: Sequence[object]) -> tuple[int, int, str, str]:
    # Newest week first; rows whose week cannot be read go last (kept verbatim, never dropped).
    if week is None:
        return (1, 0, "", "")
    return (0, -week.toordinal(), _text(_cell_at(row, 1)), _text(_cell_at(row, 2)))


def _merge_insights(
    grid: Grid,
    insights: Sequence[InsightRow],
    computed_weeks: set[date],
    *,
    run_id: str,
    stamp: str,
) -> tuple[Grid, int]:
    """Replace the Insights rows of the weeks this run computed with ``insights``; keep the rest.

    Returns:
        The full new grid (header first) and the number of rows noted by this run.
    """
    if grid and not _is_blank(grid[0]):
        header = [_text(cell).lower() for cell in _trimmed(grid[0])]
        if header != list(INSIGHTS_HEADER):
            raise TrackerLayoutError(
                f"{INSIGHTS_TAB} tab row 1: expected columns {', '.join(INSIGHTS_HEADER)}, "
                f"found {', '.join(repr(h) for h in header)}; "
                "refusing to overwrite a tab the pipeline did not create"
            )

    new_rows: list[tuple[date, list[Cell]]] = []
    seen: set[tuple[date, str, str, str, Cell]] = set()
    for position, insight in enumerate(insights):
        week = parse_week(insight.week_start)
        if week is None:
            raise ValueError(f"insights[{position}]: week_start {insight.week_start!r} is not a date")
        if week not in computed_weeks:
            # Replacing by week is what keeps reruns free of duplicates; a note for a week this run did not
            # compute would be appended again by every run.
            raise ValueError(
                f"insights[{position}]: week {week.isoformat()} is not among the weeks computed by this run"
            )
        source, flag = str(insight.source).strip(), str(insight.flag).strip()
        if not source or not flag:
            raise ValueError(f"insights[{position}]: source and flag are required")
        detail = "" if insight.detail is None else str(insight.detail)
        value = _insight_value(insight.value)
        identity = (week, source, flag, detail, value)
        if identity in seen:
            continue  # the same note twice in one run is one note
        seen.add(identity)
        new_rows.append((week, [week.isoformat(), source, flag, detail, value, run_id, stamp]))

    kept: list[tuple[date | None, list[Cell]]] = []
    for row in grid[1:]:
        if _is_blank(row):
            continue
        week = parse_week(_cell_at(row, 0))
        if week is not None and week in computed_weeks:
            continue  # replaced by this run's notes for that week (possibly none: the week is clean now)
        cells: list[Cell] = [_label_cell(cell) for cell in _trimmed(row)]
        if week is not None:
            cells[0] = week.isoformat()
        kept.append((week, cells))

    rows: list[tuple[date | None, list[Cell]]] = [*kept, *new_rows]
    # sorted() is stable: notes sharing week, source and flag keep their order (tab order, then run order).
    rows.sort(key=lambda item: _insight_sort_key(item[0], item[1]))
    return [list(INSIGHTS_HEADER), *(cells for _, cells in rows)], len(new_rows)


# --------------------------------------------------------------------------------------------------------
# The update


def build_update(
    values: pd.DataFrame,
    definitions: Sequence[DefinitionRow],
    existing: TabGrids,
    *,
    run_id: str,
    snapshot_at: datetime,
    channel_order: Sequence[str],
    tracker_channels: set[str] | None = None,
    insights: Sequence[InsightRow] | None = None,
) -> TrackerUpdate:
    """Decide what the Tracker, Snapshots, Definitions and Insights tabs hold after this run.

    Args:
        values: KPI values of this run: columns ``week_start`` (date), ``kpi_id``, ``kpi_version``,
            ``channel``, ``value`` (float, NaN = empty). One row per key.
        definitions: The current catalog (one row per current KPI version).
        existing: The pipeline tabs as they are now.
        run_id: The run's id, written on each Snapshots row.
        snapshot_at: The run's snapshot instant (timezone-aware).
        channel_order: Order of slices on the Tracker, e.g. ``["All", "Inbound", "Outbound", ...]``.
        tracker_channels: Slices that get Tracker rows (``None`` = all). Snapshots always get every slice.
            Existing rows of other slices are kept but no longer updated.
        insights: This run's Insights notes, all for weeks present in ``values``. They replace the
            existing notes of every week in ``values`` (a week with no notes now has none on the tab); other
            weeks' notes are kept. ``None`` leaves the Insights tab untouched (and unvalidated).

    Returns:
        The update to write.

    Raises:
        TrackerLayoutError: A pipeline tab has an unexpected layout (nothing should be written).
        ValueError: ``values`` is malformed or references a KPI version with no definition, or an insight
            is for a week not in ``values`` or lacks a source or flag.
    """
    stamp = snapshot_timestamp(snapshot_at)
    first_used = snapshot_at.astimezone(UTC).date().isoformat()

    tab_infos = _read_definitions_tab(existing.definitions)
    infos, definitions_added = _merge_definitions(tab_infos, definitions, first_used)
    ordering = _Ordering(infos, definitions, channel_order)
    computed = _read_values(values)
    for _, kpi_id, kpi_version, _ in computed:
        if (kpi_id, kpi_version) not in infos:
            raise ValueError(f"values: KPI {kpi_id} version {kpi_version} has no definition")

    old_weeks, old_rows = _read_tracker_tab(existing.tracker, tab_infos, infos)
    history = _read_snapshots_tab(existing.snapshots)
    if insights is None:
        insights_grid: Grid = [list(row) for row in existing.insights]
        insights_noted = 0
    else:
        insights_grid, insights_noted = _merge_insights(
            existing.insights, insights, {key[0] for key in computed}, run_id=run_id, stamp=stamp
        )

    # ---- Tracker
    tracked = {key: value for key, value in computed.items() if tracker_channels is None or key[3] in tracker_channels}
    weeks = sorted(set(old_weeks) | {key[0] for key in tracked})
    states: dict[RowKey, _TrackerRowState] = {row.key: row for row in old_rows if row.key is not None}
    unresolved = [row for row in old_rows if row.key is None]
    rows_added = 0
    cells_changed = 0
    restatements: list[Restatement] = []
    for (week, kpi_id, kpi_version, channel), raw in tracked.items():
        key = RowKey(kpi_id, kpi_version, channel)
        state = states.get(key)
        if state is None:
            state = states[key] = _TrackerRowState(key=key, fixed=[], cells={})
            rows_added += 1
        unit = infos[(kpi_id, kpi_version)].unit
        new = kpi_cell(raw, unit)
        old = state.cells.get(week)
        if same_value(old, new):
            continue
        cells_changed += 1
        if old is not None:
            first_value, first_on = history.first_reported.get((week, kpi_id, kpi_version, channel), (old, None))
            restatements.append(Restatement(key, week, old, new, first_value, first_on, unit))
        state.cells[week] = new

    tracker: Grid = [[*TRACKER_FIXED_HEADER, *(week.isoformat() for week in weeks)]]
    tracker_rows: list[TrackerRow] = []
    for key in sorted(states, key=ordering.row_key):
        state = states[key]
        info = infos.get((key.kpi_id, key.kpi_version))
        assert info is not None  # rows are only resolved through infos
        tracker.append(
            [
                info.section,
                info.name,
                key.channel,
                info.unit,
                info.kpi_type.capitalize(),
                key.kpi_version,
                *(state.cells.get(week) for week in weeks),
            ]
        )
        tracker_rows.append(TrackerRow(key, info.name, info.section, info.kpi_type, info.unit, info.direction))
    for state in unresolved:
        tracker.append([*state.fixed, *(state.cells.get(week) for week in weeks)])
        tracker_rows.append(
            TrackerRow(
                key=None,
                name=_text(state.fixed[1]),
                section=_text(state.fixed[0]),
                kpi_type=_text(state.fixed[4]).lower(),
                unit=_text(state.fixed[3]),
                direction="",
            )
        )
    restatements.sort(key=lambda r: (ordering.row_key(r.key), r.week_start))

    # ---- Snapshots
    appended: Grid = []
    snapshot_order = sorted(computed, key=lambda k: (k[0], ordering.row_key(RowKey(k[1], k[2], k[3]))))
    for value_key in snapshot_order:
        week, kpi_id, kpi_version, channel = value_key
        cell = kpi_cell(computed[value_key], infos[(kpi_id, kpi_version)].unit)
        if value_key in history.latest and same_value(history.latest[value_key], cell):
            continue
        appended.append([stamp, run_id, week.isoformat(), kpi_id, kpi_version, channel, cell])

    # ---- Definitions
    definitions_grid: Grid = [list(DEFINITIONS_HEADER)]
    for info in sorted(infos.values(), key=ordering.definition_key):
        definitions_grid.append(
            [
                info.kpi_id,
                info.kpi_version,
                info.name,
                info.section,
                info.kpi_type,
                info.unit,
                info.direction,
                info.definition,
                info.settings,
                info.first_used or None,
            ]
        )

    return TrackerUpdate(
        tracker=tracker,
        tracker_rows=tracker_rows,
        weeks=weeks,
        definitions=definitions_grid,
        snapshots_append=appended,
        snapshots_header_needed=history.rows == 0,
        snapshots_existing_rows=history.rows,
        snapshot_at=snapshot_at.astimezone(UTC),
        run_id=run_id,
        summary=UpdateSummary(
            snapshot_rows_appended=len(appended),
            tracker_rows_added=rows_added,
            weeks_added=len(set(weeks) - set(old_weeks)),
            cells_changed=cells_changed,
            restatements=restatements,
            definitions_added=definitions_added,
            unresolved_rows=len(unresolved),
            insights_rows=insights_noted,
        ),
        insights=insights_grid,
        insights_replaced=insights is not None,
    )


# --------------------------------------------------------------------------------------------------------
# Owner tabs


def _parse_owner_date(value: object, tab: str, row_number: int, column: str, errors: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
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
    text = _text(value)
    if not text:
        errors.append(f"{tab} tab row {row_number}: {column} is empty (expected a number)")
    else:
        errors.append(f"{tab} tab row {row_number}: {column} '{text}' is not a number")
    return None


def _owner_rows(
    grid: Sequence[Sequence[object]], tab: str, header: Sequence[str]
) -> Iterable[tuple[int, dict[str, object]]]:
    if not grid or _is_blank(grid[0]):
        return
    names = [_text(cell).lower() for cell in grid[0]]
    missing = [column for column in header if column not in names]
    if missing:
        raise OwnerTabError(
            [f"{tab} tab row 1: missing column(s) {', '.join(repr(m) for m in missing)} (expected {', '.join(header)})"]
        )
    index = {column: names.index(column) for column in header}
    for row_number, row in enumerate(grid[1:], start=2):
        if _is_blank(row) or _text(_cell_at(row, 0)).startswith(COMMENT_PREFIX):
            continue
        yield row_number, {column: _cell_at(row, i) for column, i in index.items()}


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
        kpi_id, channel = _text(row["kpi_id"]), _text(row["channel"])
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
        channel = _text(row["channel"])
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
                "note": _text(row["note"]),
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
