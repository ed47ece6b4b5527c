"""The Google Sheet writer: the tracker model written with gspread in one read and one atomic batchUpdate.

Per run the writer makes exactly one read (``spreadsheets.get`` with grid data: every tab's values, the
Tracker's notes, the charts) and one write (``spreadsheets.batchUpdate``) whatever the number of weeks.
The write carries the values, the formats, the notes and the charts together because a batchUpdate is
atomic: either all of it lands or none of it does, so a failure never leaves a half-written tracker.
Values go in as typed ``userEnteredValue`` cells, which Sheets never parses: CRM text such as
``=HYPERLINK(...)`` stays text, exactly like a RAW values write.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gspread
import pandas as pd

from sheets_sync import insights_layout
from sheets_sync.cells import Cell, Grid
from sheets_sync.charts import ChartSpec
from sheets_sync.formats import rgb_fraction
from sheets_sync.notes import carry_notes
from sheets_sync.owner_tabs import OwnerTabRules, OwnerTabs, read_owner_tabs_from_grids
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import (
    CHARTS_TAB,
    COSTS_TAB,
    COSTS_TEMPLATE,
    DEFINITIONS_TAB,
    INSIGHTS_TAB,
    SNAPSHOTS_TAB,
    TAB_ORDER,
    TARGETS_TAB,
    TARGETS_TEMPLATE,
    TRACKER_TAB,
    TabGrids,
)
from sheets_sync.update import TrackerUpdate

CELL_LIMIT = 10_000_000  # Google Sheets' limit per spreadsheet
OUR_NOTE_PREFIX = "first reported"
READ_FIELDS = (
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
    "charts(chartId),data(rowData(values(effectiveValue,note))))"
)
GRID_MARGIN_ROWS = 50  # spare rows so the next runs rarely need to grow a tab


class TrackerLimitError(RuntimeError):
    """The write would push the spreadsheet past Google's 10-million-cell limit; nothing was written."""


def chart_id(key: str) -> int:
    """A stable chartId for one of our charts (kept across runs, so the chart is updated, not duplicated)."""
    return 700_000_000 + zlib.crc32(key.encode()) % 100_000_000


def _cell_value(effective: Mapping[str, Any] | None) -> Cell:
    if not effective:
        return None
    if "numberValue" in effective:
        number = effective["numberValue"]
        return int(number) if float(number).is_integer() and abs(number) < 2**53 else float(number)
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return str(effective["errorValue"].get("type", "#ERROR!"))
    return None


def _cell_data(value: Cell) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"stringValue": "TRUE" if value else "FALSE"}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


@dataclass
class SheetState:
    """What one read found: tabs by title with their properties, values and (Tracker) notes."""

    sheets: dict[str, dict[str, Any]] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    chart_ids: set[int] = field(default_factory=set)

    @property
    def total_cells(self) -> int:
        return sum(
            int(props["gridProperties"]["rowCount"]) * int(props["gridProperties"]["columnCount"])
            for props in self.sheets.values()
        )


def parse_spreadsheet(payload: Mapping[str, Any]) -> SheetState:
    """The spreadsheets.get answer as grids of cells (trailing empties trimmed, like values.get)."""
    state = SheetState()
    for sheet in payload.get("sheets", []):
        props = sheet.get("properties", {})
        title = str(props.get("title", ""))
        props.setdefault("gridProperties", {"rowCount": 1000, "columnCount": 26})
        state.sheets[title] = props
        for chart in sheet.get("charts", []) or []:
            state.chart_ids.add(int(chart.get("chartId", 0)))
        grid: Grid = []
        for data in sheet.get("data", []) or []:
            for r, row in enumerate(data.get("rowData", []) or []):
                values = [_cell_value((cell or {}).get("effectiveValue")) for cell in row.get("values", []) or []]
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


class GoogleSheetTracker:
    """The tracker in a Google Sheet, written through an injected ``gspread.Client``."""

    def __init__(self, client: gspread.Client, spreadsheet_id: str) -> None:
        self.client = client
        self.spreadsheet_id = spreadsheet_id
        self._state: SheetState | None = None
        self.requests = 0

    # --- reading ---------------------------------------------------------------------------------

    def read(self) -> SheetState:
        """The one read of a run (cached: later calls reuse it)."""
        if self._state is None:
            self.requests += 1
            payload = self.client.http_client.spreadsheets_get(
                self.spreadsheet_id, params={"includeGridData": "true", "fields": READ_FIELDS}
            )
            self._state = parse_spreadsheet(payload)
        return self._state

    def read_tabs(self) -> TabGrids:
        state = self.read()
        return TabGrids(
            tracker=state.grids.get(TRACKER_TAB, []),
            snapshots=state.grids.get(SNAPSHOTS_TAB, []),
            definitions=state.grids.get(DEFINITIONS_TAB, []),
            insights=state.grids.get(INSIGHTS_TAB, []),
        )

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        """The owner's Targets and Costs tabs, validated: the valid rows and a problem per bad row."""
        state = self.read()
        return read_owner_tabs_from_grids(state.grids.get(TARGETS_TAB, []), state.grids.get(COSTS_TAB, []), rules)

    def read_owner_tabs(self, known_kpi_ids: Iterable[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The valid rows of the Targets and Costs tabs (``owner_tabs`` also says which rows were left out)."""
        owner = self.owner_tabs(OwnerTabRules(kpi_ids=None if known_kpi_ids is None else frozenset(known_kpi_ids)))
        return owner.targets, owner.costs

    # --- writing ---------------------------------------------------------------------------------

    def write(self, update: TrackerUpdate, presentation: Presentation | None = None) -> dict[str, Any]:
        """Bring the sheet up to date in one atomic batchUpdate; returns the request counts and sizes."""
        state = self.read()
        plan = _Plan(state)
        for title in (*TAB_ORDER, CHARTS_TAB):
            if title not in state.sheets and (
                title in _PIPELINE_GRIDS
                or title in (TARGETS_TAB, COSTS_TAB)
                or (title == CHARTS_TAB and presentation and presentation.charts)
            ):
                plan.add_sheet(title)
        grids = {
            TRACKER_TAB: update.tracker,
            DEFINITIONS_TAB: update.definitions,
            INSIGHTS_TAB: update.insights if update.insights_replaced else None,
        }
        for title, grid in grids.items():
            if grid is not None:
                plan.replace_grid(title, grid, previous=state.grids.get(title, []))
        snapshot_rows = update.snapshot_rows_to_write
        if snapshot_rows:
            start = update.snapshots_existing_rows if not update.snapshots_header_needed else 0
            plan.write_rows(SNAPSHOTS_TAB, start, snapshot_rows)
        for title, template in ((TARGETS_TAB, TARGETS_TEMPLATE), (COSTS_TAB, COSTS_TEMPLATE)):
            if title not in state.sheets:
                plan.write_rows(title, 0, [list(row) for row in template])
                plan.freeze(title, rows=1, columns=0)
        for title in (SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB):
            if title not in state.sheets:
                plan.freeze(title, rows=1, columns=0)
        if update.insights_replaced:
            plan.requests.extend(insights_layout.sheets_requests(plan.ids[INSIGHTS_TAB], len(update.insights)))
        if presentation is not None:
            plan.present(update, presentation)
        plan.check_cell_limit()
        body = {"requests": plan.requests}
        if plan.requests:
            self.client.http_client.batch_update(self.spreadsheet_id, body)
            self.requests += 1
        self._state = None
        return {"batch_requests": len(plan.requests), "api_requests": self.requests}


_PIPELINE_GRIDS = (TRACKER_TAB, SNAPSHOTS_TAB, DEFINITIONS_TAB, INSIGHTS_TAB)


class _Plan:
    """The batchUpdate requests of one write, with the sheet sizes they lead to."""

    def __init__(self, state: SheetState) -> None:
        self.state = state
        self.requests: list[dict[str, Any]] = []
        self.sizes: dict[str, tuple[int, int]] = {
            title: (int(p["gridProperties"]["rowCount"]), int(p["gridProperties"]["columnCount"]))
            for title, p in state.sheets.items()
        }
        self.ids: dict[str, int] = {title: int(p["sheetId"]) for title, p in state.sheets.items()}
        self._resized: set[str] = set()

    def add_sheet(self, title: str) -> None:
        sheet_id = 100 + len(self.ids)
        while sheet_id in self.ids.values():
            sheet_id += 1
        self.ids[title] = sheet_id
        self.sizes[title] = (GRID_MARGIN_ROWS, 26)
        self.requests.append(
            {
                "addSheet": {
                    "properties": {
                        "sheetId": sheet_id,
                        "title": title,
                        "gridProperties": {"rowCount": GRID_MARGIN_ROWS, "columnCount": 26},
                    }
                }
            }
        )

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

    def write_rows(self, title: str, start_row: int, rows: Sequence[Sequence[Cell]]) -> None:
        if not rows:
            return
        width = max(len(row) for row in rows)
        self.ensure_size(title, start_row + len(rows), width)
        self.requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": self.ids[title], "rowIndex": start_row, "columnIndex": 0},
                    "rows": [{"values": [_cell_data(value) for value in row]} for row in rows],
                    "fields": "userEnteredValue",
                }
            }
        )

    def replace_grid(self, title: str, grid: Grid, *, previous: Grid) -> None:
        """Write the whole grid; cells the previous grid used beyond it are blanked (our range only)."""
        height = max(len(grid), len(previous))
        width = max([len(row) for row in grid] + [len(row) for row in previous] + [1])
        padded = [list(row) + [None] * (width - len(row)) for row in grid]
        padded += [[None] * width for _ in range(height - len(grid))]
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

    def present(self, update: TrackerUpdate, presentation: Presentation) -> None:
        """Formats, colours, notes, widths and charts of the Tracker (and the Charts tab)."""
        tracker = self.ids[TRACKER_TAB]
        width = max((len(row) for row in update.tracker), default=0)
        height = len(update.tracker)
        self.freeze(TRACKER_TAB, rows=presentation.frozen_rows, columns=presentation.frozen_columns)
        header = presentation.header_format
        self.requests.append(
            {
                "repeatCell": {
                    "range": {
                        "sheetId": tracker,
                        "startRowIndex": 0,
                        "endRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": width,
                    },
                    "cell": {
                        "userEnteredFormat": {
                            "textFormat": {"bold": header.bold},
                            "backgroundColor": rgb_fraction(header.background_hex),
                        }
                    },
                    "fields": "userEnteredFormat(textFormat.bold,backgroundColor)",
                }
            }
        )
        fills = {(fill.row, fill.col): fill.color_hex for fill in presentation.fills}
        bands = {
            row: band.color_hex
            for band in presentation.section_bands
            for row in range(band.first_row, band.last_row + 1)
        }
        formats = dict(presentation.row_formats)
        rows = []
        for r in range(1, height):
            cells = []
            for c in range(presentation.first_week_col, width):
                fmt: dict[str, Any] = {}
                pattern = formats.get(r)
                if pattern:
                    fmt["numberFormat"] = {"type": "NUMBER", "pattern": pattern}
                color = fills.get((r, c)) or bands.get(r)
                if color:
                    fmt["backgroundColor"] = rgb_fraction(color)
                cells.append({"userEnteredFormat": fmt} if fmt else {})
            rows.append({"values": cells})
        if rows and width > presentation.first_week_col:
            self.requests.append(
                {
                    "updateCells": {
                        "start": {"sheetId": tracker, "rowIndex": 1, "columnIndex": presentation.first_week_col},
                        "rows": rows,
                        "fields": "userEnteredFormat(numberFormat,backgroundColor)",
                    }
                }
            )
        self._notes(update, presentation, tracker)
        for column, pixels in enumerate(presentation.column_widths):
            self.requests.append(
                {
                    "updateDimensionProperties": {
                        "range": {
                            "sheetId": tracker,
                            "dimension": "COLUMNS",
                            "startIndex": column,
                            "endIndex": column + 1,
                        },
                        "properties": {"pixelSize": pixels},
                        "fields": "pixelSize",
                    }
                }
            )
        for spec in presentation.charts:
            self._chart(spec, tracker)

    def _notes(self, update: TrackerUpdate, presentation: Presentation, tracker_id: int) -> None:
        """Every note of the Tracker, moved with its row and week when rows or weeks were inserted.

        A note the owner typed stays (it is never overwritten by ours); our restatement notes are added.
        """
        old_grid = self.state.grids.get(TRACKER_TAB, [])
        carried = {(n.row, n.col): n.text for n in carry_notes(old_grid, self.state.notes, update)}
        final = dict(carried)
        for note in presentation.notes:
            existing = carried.get((note.row, note.col))
            if existing and not existing.startswith(OUR_NOTE_PREFIX):
                continue
            final[(note.row, note.col)] = note.text
        if not final and not self.state.notes:
            return
        height = max(len(update.tracker), len(old_grid))
        width = max([len(row) for row in update.tracker] + [len(row) for row in old_grid])
        rows = [
            {"values": [{"note": final[(r, c)]} if (r, c) in final else {} for c in range(width)]}
            for r in range(height)
        ]
        self.requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": tracker_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": rows,
                    "fields": "note",
                }
            }
        )

    def _chart(self, spec: ChartSpec, tracker_id: int) -> None:
        chart = {
            "title": spec.title,
            "basicChart": {
                "chartType": "COLUMN" if spec.kind == "bar" else "LINE",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 0,
                "axis": [
                    {"position": "BOTTOM_AXIS", "title": ""},
                    {"position": "LEFT_AXIS", "title": spec.left_axis_title},
                    *([{"position": "RIGHT_AXIS", "title": spec.right_axis_title}] if spec.right_axis_title else []),
                ],
                "domains": [{"domain": {"sourceRange": {"sources": [spec.categories_grid_range(tracker_id)]}}}],
                "series": [
                    {
                        "series": {"sourceRange": {"sources": [series.grid_range(tracker_id)]}},
                        "targetAxis": "RIGHT_AXIS" if series.axis == "right" else "LEFT_AXIS",
                        **({"dataLabel": {"type": "DATA"}} if spec.data_labels else {}),
                    }
                    for series in spec.series
                ],
            },
        }
        identifier = chart_id(spec.chart_id_key)
        if identifier in self.state.chart_ids:
            self.requests.append({"updateChartSpec": {"chartId": identifier, "spec": chart}})
            return
        self.requests.append(
            {
                "addChart": {
                    "chart": {
                        "chartId": identifier,
                        "spec": chart,
                        "position": {
                            "overlayPosition": {
                                "anchorCell": {
                                    "sheetId": self.ids[CHARTS_TAB],
                                    "rowIndex": spec.anchor_row,
                                    "columnIndex": spec.anchor_col,
                                },
                                "widthPixels": spec.width_px,
                                "heightPixels": spec.height_px,
                            }
                        },
                    }
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
