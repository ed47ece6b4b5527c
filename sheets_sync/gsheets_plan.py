"""The Google Sheet writer's batch: what one read found (:class:`SheetState`) and the requests of one write.

:class:`Plan` collects the ``batchUpdate`` requests of a run (new tabs, grid sizes, values, frozen panes)
and tracks the sheet sizes they lead to, so the write can be refused before anything is sent when it would
pass Google's cell limit. The Tracker's presentation and the Scorecard add their requests through
:mod:`sheets_sync.gsheets_tracker` and :mod:`sheets_sync.gsheets_styled`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sheets_sync.cells import Cell, Grid
from sheets_sync.gsheets_revision import Revision, read_revision
from sheets_sync.tabs import TRACKER_TAB

CELL_LIMIT = 10_000_000  # Google Sheets' limit per spreadsheet
GRID_MARGIN_ROWS = 50  # spare rows so the next runs rarely need to grow a tab
SHEETS_EPOCH = date(1899, 12, 30)  # day 0 of Sheets' date serial numbers
DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}


class TrackerLimitError(RuntimeError):
    """The write would push the spreadsheet past Google's 10-million-cell limit; nothing was written."""


def _cell_value(cell: Mapping[str, Any]) -> Cell:
    effective = cell.get("effectiveValue")
    if not effective:
        return None
    if "numberValue" in effective:
        number = effective["numberValue"]
        number_type = ((cell.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
        if number_type in ("DATE", "DATE_TIME"):
            # A date the owner typed (Targets, Costs) is a serial number under a date format: read it as
            # the ISO date the owner sees.
            return (SHEETS_EPOCH + timedelta(days=int(number))).isoformat()
        return int(number) if float(number).is_integer() and abs(number) < 2**53 else float(number)
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return str(effective["errorValue"].get("type", "#ERROR!"))
    return None


def cell_data(value: Cell) -> dict[str, Any]:
    """A typed ``CellData.userEnteredValue`` (Sheets never parses it: ``=...`` text stays text)."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"stringValue": "TRUE" if value else "FALSE"}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def date_cell(day: date) -> dict[str, Any]:
    """A real date cell: the serial number under a ``yyyy-mm-dd`` format."""
    return {
        "userEnteredValue": {"numberValue": (day - SHEETS_EPOCH).days},
        "userEnteredFormat": {"numberFormat": dict(DATE_FORMAT)},
    }


@dataclass
class SheetState:
    """What one read found: tabs by title with their properties, values, row groups, basic filters and
    conditional formats, the Tracker's notes, and the sheet's revision marker."""

    sheets: dict[str, dict[str, Any]] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    chart_ids: set[int] = field(default_factory=set)
    row_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    basic_filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    conditional_formats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    revision: Revision = field(default_factory=lambda: Revision(0))

    @property
    def total_cells(self) -> int:
        return sum(
            int(props["gridProperties"]["rowCount"]) * int(props["gridProperties"]["columnCount"])
            for props in self.sheets.values()
        )


def parse_spreadsheet(payload: Mapping[str, Any]) -> SheetState:
    """The spreadsheets.get answer as grids of cells (trailing empties trimmed, like values.get)."""
    state = SheetState(revision=read_revision(payload))
    for sheet in payload.get("sheets", []):
        props = sheet.get("properties", {})
        title = str(props.get("title", ""))
        props.setdefault("gridProperties", {"rowCount": 1000, "columnCount": 26})
        state.sheets[title] = props
        state.row_groups[title] = list(sheet.get("rowGroups", []) or [])
        if sheet.get("basicFilter"):
            state.basic_filters[title] = sheet["basicFilter"]
        state.conditional_formats[title] = list(sheet.get("conditionalFormats", []) or [])
        for chart in sheet.get("charts", []) or []:
            state.chart_ids.add(int(chart.get("chartId", 0)))
        grid: Grid = []
        for data in sheet.get("data", []) or []:
            for r, row in enumerate(data.get("rowData", []) or []):
                values = [_cell_value(cell or {}) for cell in row.get("values", []) or []]
                while values and values[-1] is None:
                    values.pop()
                grid.append(values)
                if title == TRACKER_TAB:
                    for c, cell in enumerate(row.get("values", []) or []):
                        if cell and cell.get("note"):
                            state.notes[(r, c)] = str(cell["note"])
        while grid and not grid[-1]:
            grid.pop()
        state.grids[title] = grid
    return state


class Plan:
    """The batchUpdate requests of one write, with the sheet sizes they lead to."""

    def __init__(self, state: SheetState) -> None:
        self.state = state
        self.requests: list[dict[str, Any]] = []
        self.sizes: dict[str, tuple[int, int]] = {
            title: (int(p["gridProperties"]["rowCount"]), int(p["gridProperties"]["columnCount"]))
            for title, p in state.sheets.items()
        }
        self.ids: dict[str, int] = {title: int(p["sheetId"]) for title, p in state.sheets.items()}

    def add_sheet(self, title: str, *, index: int | None = None) -> None:
        sheet_id = 100 + len(self.ids)
        while sheet_id in self.ids.values():
            sheet_id += 1
        self.ids[title] = sheet_id
        self.sizes[title] = (GRID_MARGIN_ROWS, 26)
        properties: dict[str, Any] = {
            "sheetId": sheet_id,
            "title": title,
            "gridProperties": {"rowCount": GRID_MARGIN_ROWS, "columnCount": 26},
        }
        if index is not None:
            properties["index"] = index
        self.requests.append({"addSheet": {"properties": properties}})

    def ensure_size(self, title: str, rows: int, columns: int) -> None:
        current_rows, current_columns = self.sizes[title]
        if rows <= current_rows and columns <= current_columns:
            return
        new_rows = max(current_rows, rows + GRID_MARGIN_ROWS if rows > current_rows else current_rows)
        new_columns = max(current_columns, columns)
        self.sizes[title] = (new_rows, new_columns)
        self.requests.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": self.ids[title],
                        "gridProperties": {"rowCount": new_rows, "columnCount": new_columns},
                    },
                    "fields": "gridProperties.rowCount,gridProperties.columnCount",
                }
            }
        )

    def write_cells(self, title: str, start_row: int, rows: Sequence[Sequence[dict[str, Any]]], fields: str) -> None:
        """One ``updateCells`` of ready ``CellData`` rows from column A of ``start_row``."""
        if not rows:
            return
        width = max(len(row) for row in rows)
        self.ensure_size(title, start_row + len(rows), width)
        self.requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": self.ids[title], "rowIndex": start_row, "columnIndex": 0},
                    "rows": [{"values": list(row)} for row in rows],
                    "fields": fields,
                }
            }
        )

    def write_rows(self, title: str, start_row: int, rows: Sequence[Sequence[Cell]]) -> None:
        self.write_cells(title, start_row, [[cell_data(value) for value in row] for row in rows], "userEnteredValue")

    def replace_grid(self, title: str, grid: Grid, *, previous: Grid, width_limit: int | None = None) -> None:
        """Write the whole grid; cells the previous grid used beyond it are blanked.

        Args:
            width_limit: Columns of the previous grid that were the pipeline's (a table's header width); the
                owner's cells right of them are left alone. None: every column of the previous grid.
        """
        if width_limit is not None:
            previous = [row[:width_limit] for row in previous]
            while previous and not any(cell not in (None, "") for cell in previous[-1]):
                previous.pop()
        height = max(len(grid), len(previous))
        width = max([len(row) for row in grid] + [len(row) for row in previous] + [1])
        self.write_block(title, grid, height, width)

    def write_block(self, title: str, grid: Grid, height: int, width: int) -> None:
        """Write ``grid`` from A1 over ``height`` × ``width`` cells, blanking the part it does not fill."""
        padded = [list(row) + [None] * (width - len(row)) for row in grid[:height]]
        padded += [[None] * width for _ in range(height - len(padded))]
        self.write_rows(title, 0, padded)

    def freeze(self, title: str, *, rows: int, columns: int) -> None:
        self.requests.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": self.ids[title],
                        "gridProperties": {"frozenRowCount": rows, "frozenColumnCount": columns},
                    },
                    "fields": "gridProperties.frozenRowCount,gridProperties.frozenColumnCount",
                }
            }
        )

    def dimension_size(self, title: str, dimension: str, index: int, pixels: int) -> None:
        self.requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": self.ids[title],
                        "dimension": dimension,
                        "startIndex": index,
                        "endIndex": index + 1,
                    },
                    "properties": {"pixelSize": pixels},
                    "fields": "pixelSize",
                }
            }
        )

    def check_cell_limit(self) -> None:
        total = sum(rows * columns for rows, columns in self.sizes.values())
        if total > CELL_LIMIT:
            raise TrackerLimitError(
                f"writing the tracker would take the spreadsheet to {total:,} cells, past Google's limit of "
                f"{CELL_LIMIT:,}; nothing was written. Move old Snapshots rows to another spreadsheet, or set "
                "'tracker_channels' to fewer slices"
            )
