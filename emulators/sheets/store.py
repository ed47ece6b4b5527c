"""The Sheets emulator's data model: spreadsheets, their sheets and sparse cells, and A1 ranges resolved on them.

Held by :class:`emulators.sheets.app.SheetsEmulator`; every endpoint handler reads and changes it.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from emulators.google_rpc import invalid
from emulators.sheets.a1 import A1Range, a1_box, parse_a1_cells, quote_title_always, split_sheet
from emulators.sheets.grouping import DimensionGroups

JSON = dict[str, Any]
Cell = dict[str, Any]

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
DEFAULT_ROW_PX = 21
DEFAULT_COLUMN_PX = 100
CELL_LIMIT_MESSAGE = "This action would increase the number of cells in the workbook above the limit of {} cells."


@dataclass
class Sheet:
    """One worksheet: its ``properties`` JSON, sparse cells and the objects attached to it."""

    properties: JSON
    cells: dict[tuple[int, int], Cell]
    conditional_formats: list[JSON]
    charts: list[JSON]
    merges: list[JSON]
    basic_filter: JSON | None
    row_sizes: dict[int, JSON]
    column_sizes: dict[int, JSON]
    row_groups: DimensionGroups = field(default_factory=DimensionGroups)
    column_groups: DimensionGroups = field(default_factory=DimensionGroups)

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def rows(self) -> int:
        return int(self.properties["gridProperties"]["rowCount"])

    @property
    def cols(self) -> int:
        return int(self.properties["gridProperties"]["columnCount"])

    @property
    def grid_cells(self) -> int:
        return self.rows * self.cols


def new_sheet(sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLUMNS) -> Sheet:
    """An empty grid sheet with the given id, title, tab index and size."""
    props: JSON = {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
    return Sheet(props, {}, [], [], [], None, {}, {})


@dataclass
class Spreadsheet:
    """One spreadsheet: its ``properties`` JSON, its sheets in tab order and the seeded source of new ids."""

    spreadsheet_id: str
    properties: JSON
    sheets: list[Sheet]
    rng: random.Random
    next_chart_id: int
    developer_metadata: list[JSON] = field(default_factory=list)

    def sheet_by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def total_cells(self) -> int:
        return sum(s.grid_cells for s in self.sheets)


def _rgb(red: float, green: float, blue: float) -> JSON:
    # Sheets leaves zero channels out of a colour (black is {}).
    return {k: v for k, v in (("red", red), ("green", green), ("blue", blue)) if v}


#: The theme of a new spreadsheet, as spreadsheets.get answers it (gspread's recorded cassettes, e.g.
#: tests/cassettes/WorksheetTest.test_freeze.json at burnash/gspread 2c91373).
DEFAULT_THEME: JSON = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": color_type, "color": {"rgbColor": _rgb(*rgb)}}
        for color_type, rgb in (
            ("TEXT", (0, 0, 0)),
            ("BACKGROUND", (1, 1, 1)),
            ("ACCENT1", (0.25882354, 0.52156866, 0.95686275)),
            ("ACCENT2", (0.91764706, 0.2627451, 0.20784314)),
            ("ACCENT3", (0.9843137, 0.7372549, 0.015686275)),
            ("ACCENT4", (0.20392157, 0.65882355, 0.3254902)),
            ("ACCENT5", (1, 0.42745098, 0.003921569)),
            ("ACCENT6", (0.27450982, 0.7411765, 0.7764706)),
            ("LINK", (0.06666667, 0.33333334, 0.8)),
        )
    ],
}


def new_book(spreadsheet_id: str, title: str) -> Spreadsheet:
    """A fresh spreadsheet with the real API's default properties and one empty ``Sheet1``."""
    return Spreadsheet(
        spreadsheet_id=spreadsheet_id,
        properties={
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": {
                "backgroundColor": {"red": 1, "green": 1, "blue": 1},
                "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
                "verticalAlignment": "BOTTOM",
                "wrapStrategy": "OVERFLOW_CELL",
                "textFormat": {
                    "foregroundColor": {},
                    "fontFamily": "arial,sans,sans-serif",
                    "fontSize": 10,
                    "bold": False,
                    "italic": False,
                    "strikethrough": False,
                    "underline": False,
                    "foregroundColorStyle": {"rgbColor": {}},
                },
                "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
            },
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        },
        sheets=[new_sheet(0, "Sheet1", 0)],
        rng=random.Random(spreadsheet_id),
        next_chart_id=1,
    )


def store_cell(sheet: Sheet, key: tuple[int, int], cell: Cell) -> None:
    """Put a cell back on the sheet, dropping it (and an empty format) when nothing is left in it."""
    if cell.get("userEnteredFormat") == {}:
        cell.pop("userEnteredFormat")
    if cell:
        sheet.cells[key] = cell
    else:
        sheet.cells.pop(key, None)


def insert_rows(sheet: Sheet, at: int, count: int) -> None:
    """Shift cells at or below row ``at`` down by ``count`` and grow the grid."""
    sheet.cells = {((r + count if r >= at else r), c): cell for (r, c), cell in sheet.cells.items()}
    sheet.row_sizes = {(r + count if r >= at else r): p for r, p in sheet.row_sizes.items()}
    sheet.row_groups.insert(at, count)
    sheet.properties["gridProperties"]["rowCount"] = sheet.rows + count


def resolve_range(book: Spreadsheet, text: str) -> tuple[Sheet, A1Range]:
    """Parse an A1 range (sheet-qualified or not) against the spreadsheet."""
    bad = invalid(f"Unable to parse range: {text}")
    try:
        title, a1 = split_sheet(text.strip())
    except ValueError:
        raise bad from None
    if title is None:
        assert a1 is not None
        sheet = book.sheet_by_title(a1)
        if sheet is not None:
            return sheet, A1Range(sheet.title, None, None, None, None)
        sheet = book.sheets[0]
    else:
        found = book.sheet_by_title(title)
        if found is None:
            raise bad
        sheet = found
    if a1 is None:
        return sheet, A1Range(sheet.title, None, None, None, None)
    try:
        r0, r1, c0, c1 = parse_a1_cells(a1)
    except ValueError:
        raise bad from None
    return sheet, A1Range(sheet.title, r0, r1, c0, c1)


def clamp(sheet: Sheet, rng: A1Range, what: str | None = None) -> tuple[int, int, int, int]:
    """Resolve open ends against the grid; explicit bounds beyond the grid raise 'exceeds grid limits'."""
    r0 = rng.start_row or 0
    c0 = rng.start_col or 0
    r1 = rng.end_row if rng.end_row is not None else sheet.rows
    c1 = rng.end_col if rng.end_col is not None else sheet.cols
    if r1 > sheet.rows or c1 > sheet.cols or r0 >= max(sheet.rows, 1) or c0 >= max(sheet.cols, 1):
        shown = a1_box(r0, c0, max(r0, r1 - 1), max(c0, c1 - 1))
        prefix = f"{what}: " if what else ""
        raise invalid(
            f"{prefix}Range ({quote_title_always(sheet.title)}!{shown}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )
    return r0, r1, c0, c1
