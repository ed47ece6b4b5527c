"""Local, faithful emulator of the Google Sheets API v4, driven by real gspread 6 in tests.

Contract: shared/reference/api-wire-formats.md §5-§6 and limits-and-reliability.md §1.2. The emulator root
stands in for ``https://sheets.googleapis.com``; the fixture's ``sheets`` part lists the spreadsheets::

    {"spreadsheets": [{"spreadsheetId": "1qFop...", "title": "Funnel KPIs"}]}

Each spreadsheet starts with one empty ``Sheet1`` (sheetId 0, 1000 rows x 26 columns).

Endpoints (request-count names in brackets):

* ``GET /v4/spreadsheets/{id}`` [``spreadsheets.get``] with ``includeGridData``, ``ranges`` and a
  ``fields`` mask (``sheets.data.rowData.values.note`` and ``sheets/data/...`` forms both work).
* ``POST /v4/spreadsheets/{id}:batchUpdate`` [``spreadsheets.batchUpdate``]; atomic (one invalid request
  fails the batch). Supported requests are listed in :data:`SUPPORTED_REQUESTS`.
* ``GET .../values/{range}`` [``values.get``], ``GET .../values:batchGet`` [``values.batchGet``],
  ``PUT .../values/{range}`` [``values.update``], ``POST .../values:batchUpdate`` [``values.batchUpdate``],
  ``POST .../values/{range}:append`` [``values.append``], ``POST .../values/{range}:clear``
  [``values.clear``] and ``POST .../values:batchClear`` [``values.batchClear``].

Semantics and deliberate simplifications:

* A1 ranges may be quoted (``'My Sheet'!A1:B2``, ``''`` escapes an apostrophe), percent-encoded in the path,
  whole-sheet (``Sheet1``), bounded (``A1:B2``), column/row spans (``A:A``, ``1:1``) or open-ended
  (``A2:Z``). A range without a sheet name that is not a sheet title refers to the first sheet. Responses
  use the canonical form the real API returns: unquoted when the title is a plain identifier
  (``Sheet1!A1:D5``), quoted otherwise (``'My Sheet'!A1:B2``), with open ends clamped to the grid.
* Writes never grow the grid except ``values.append`` (which inserts or adds rows like the real API):
  ``values.update``/``values.batchUpdate`` and ``updateCells`` beyond the grid answer 400
  ``Range ('Sheet1'!A1001) exceeds grid limits. Max rows: 1000, max columns: 26``. Reads beyond the grid
  answer the same error. Resize with ``updateSheetProperties``/``appendDimension`` first.
* ``RAW`` stores strings as strings (``=SUM(A1)`` stays text). ``USER_ENTERED`` parses numbers (``1,234``),
  booleans, formulas, percentages (``12.5%`` -> 0.125 with a ``PERCENT`` format), currency (``$1,234.50``),
  dates (``2024-01-15``, ``1/15/2024``, ``2024-01-15 10:30:00`` -> serial numbers with a ``DATE``/``DATE_TIME``
  format) and a leading apostrophe (forces text). ``null`` in written values leaves the cell unchanged.
* Formulas are stored (``userEnteredValue.formulaValue``) but not evaluated: their effective and formatted
  value is the formula text itself.
* ``FORMATTED_VALUE`` renders numbers through the cell's ``numberFormat`` when the pattern is simple
  (``0``, ``0.00``, ``#,##0.00``, ``0.0%``, ``"$"#,##0``, date/time patterns), else like Sheets' automatic
  format (``5`` -> ``"5"``, ``0.5`` -> ``"0.5"``, at most 15 significant digits); booleans are
  ``"TRUE"``/``"FALSE"``. ``UNFORMATTED_VALUE`` returns JSON numbers and booleans.
* Trailing empty cells and rows are trimmed on reads; interior empty rows come back as ``[]``.
* ``values.append`` looks for the table in the given range: the first row at or below the range start with
  data in the range's columns, extended down to the last row before a fully empty row. Values are written
  at the row after the table, starting at the range's first column (``OVERWRITE`` grows the grid when
  needed; ``INSERT_ROWS`` inserts new rows there). ``tableRange`` is omitted when no table is found.
* ``autoResizeDimensions`` sets each column to ``10 + 7 * longest formatted value`` pixels (at least 20)
  and each row to 21 pixels; the real widths depend on fonts.
* Quotas: read and write requests per rolling minute per user (the bearer token, or ``anonymous`` when no
  authentication is required), 429 ``RESOURCE_EXHAUSTED`` with Google's ``RATE_LIMIT_EXCEEDED`` body when
  spent. Reads are ``spreadsheets.get``, ``values.get`` and ``values.batchGet``; everything else is a write.
* Spreadsheets hold at most ``cell_limit`` cells (sum of rowCount x columnCount over sheets).
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from emulators._ratelimit import RollingWindowLimiter
from emulators.google_rpc import (
    SERVER_ERROR_MESSAGES,
    RpcError,
    error_response,
    invalid,
    json_body,
)
from emulators.server import RequestCounter, json_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from emulators.google_oauth import GoogleOAuthEmulator

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_ROWS",
    "SHEETS_SCOPE_PREFIXES",
    "SUPPORTED_REQUESTS",
    "SheetsEmulator",
    "column_letters",
]

JSON = dict[str, Any]
Cell = dict[str, Any]

#: A bearer token must carry one of these scope prefixes (Drive scopes also grant Sheets access).
SHEETS_SCOPE_PREFIXES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
_MAX_CELL_CHARS = 50_000
_DEFAULT_ROW_PX = 21
_DEFAULT_COLUMN_PX = 100
# Any stable fake project number; it only appears in quota error messages.
_PROJECT_NUMBER = "123456789012"
_SHEETS_EPOCH = datetime(1899, 12, 30)

_PERMISSION_MESSAGE = "The caller does not have permission"
_NOT_FOUND_MESSAGE = "Requested entity was not found."
_UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_MISSING_CREDENTIALS_MESSAGE = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or "
    "other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_CELL_LIMIT_MESSAGE = "This action would increase the number of cells in the workbook above the limit of {} cells."


#: batchUpdate request kinds the emulator applies (anything else is a 400, as for an unknown field).
SUPPORTED_REQUESTS = frozenset(
    {
        "addSheet",
        "deleteSheet",
        "updateSheetProperties",
        "updateSpreadsheetProperties",
        "updateCells",
        "repeatCell",
        "updateBorders",
        "mergeCells",
        "unmergeCells",
        "updateDimensionProperties",
        "autoResizeDimensions",
        "appendDimension",
        "insertDimension",
        "deleteDimension",
        "addConditionalFormatRule",
        "deleteConditionalFormatRule",
        "updateConditionalFormatRule",
        "setBasicFilter",
        "clearBasicFilter",
        "addChart",
        "updateChartSpec",
        "deleteEmbeddedObject",
    }
)
# Real Sheets request kinds the emulator does not implement: refused with a message that says so.
_KNOWN_UNSUPPORTED_REQUESTS = frozenset(
    {
        "addBanding",
        "addDataSource",
        "addDimensionGroup",
        "addFilterView",
        "addNamedRange",
        "addProtectedRange",
        "addSlicer",
        "appendCells",
        "autoFill",
        "cancelDataSourceRefresh",
        "copyPaste",
        "createDeveloperMetadata",
        "cutPaste",
        "deleteBanding",
        "deleteDataSource",
        "deleteDeveloperMetadata",
        "deleteDimensionGroup",
        "deleteDuplicates",
        "deleteFilterView",
        "deleteNamedRange",
        "deleteProtectedRange",
        "deleteRange",
        "duplicateFilterView",
        "duplicateSheet",
        "findReplace",
        "insertRange",
        "moveDimension",
        "pasteData",
        "randomizeRange",
        "refreshDataSource",
        "setDataValidation",
        "sortRange",
        "textToColumns",
        "trimWhitespace",
        "updateBanding",
        "updateDataSource",
        "updateDeveloperMetadata",
        "updateDimensionGroup",
        "updateEmbeddedObjectBorder",
        "updateEmbeddedObjectPosition",
        "updateFilterView",
        "updateNamedRange",
        "updateProtectedRange",
        "updateSlicerSpec",
    }
)

_READ_ENDPOINTS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})

_SPREADSHEET_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)(?::(batchUpdate))?")
_VALUES_BATCH_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)/values:(batchGet|batchUpdate|batchClear)")
_VALUES_RANGE_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)/values/(.+?)(?::(append|clear))?")
_A1 = re.compile(r"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE_TITLE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")


# ------------------------------------------------------------------------------------------- A1 notation


def column_letters(index: int) -> str:
    """Return the A1 column letters of a 0-based column index (0 -> ``A``, 26 -> ``AA``).

    Args:
        index: 0-based column index.

    Returns:
        The column letters.
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def _quote_title(title: str) -> str:
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE_TITLE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _a1(r0: int, c0: int, r1: int, c1: int) -> str:
    """A1 text of the inclusive cell box (r0, c0)-(r1, c1), 0-based."""
    start = f"{column_letters(c0)}{r0 + 1}"
    if (r0, c0) == (r1, c1):
        return start
    return f"{start}:{column_letters(c1)}{r1 + 1}"


def _range_text(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{_quote_title(title)}!{_a1(r0, c0, r1, c1)}"


@dataclass(frozen=True, slots=True)
class _A1Range:
    """A parsed A1 range; ``None`` bounds are open (whole rows/columns). Ends are exclusive."""

    title: str | None
    start_row: int | None
    end_row: int | None
    start_col: int | None
    end_col: int | None

    @property
    def whole_sheet(self) -> bool:
        return self.start_row is None and self.end_row is None and self.start_col is None and self.end_col is None


def _split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Sheet ''x'''!A1`` into (title, a1); title None when absent, a1 None when absent."""
    if text.startswith("'"):
        i, chars = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(chars), None
                if rest.startswith("!"):
                    return "".join(chars), rest[1:]
                raise ValueError(text)
            chars.append(ch)
            i += 1
        raise ValueError(text)
    if "!" in text:
        title, a1 = text.split("!", 1)
        return title, a1
    return None, text


def _parse_a1_part(a1: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Parse the cell part into (start_row, end_row, start_col, end_col), exclusive ends, None = open."""
    match = _A1.fullmatch(a1.strip())
    if match is None or not a1.strip():
        raise ValueError(a1)
    c0, r0, c1, r1 = match.groups()
    if c1 is None:  # single cell: both column and row are required
        if not c0 or not r0:
            raise ValueError(a1)
        row, col = int(r0) - 1, _column_index(c0)
        if row < 0:
            raise ValueError(a1)
        return row, row + 1, col, col + 1
    if not (c0 or r0) or not (c1 or r1):
        raise ValueError(a1)
    if (r0 and int(r0) == 0) or (r1 and int(r1) == 0):
        raise ValueError(a1)
    # A range's corners may be given in any order; the API normalises them. Open sides stay None.
    start_col: int | None = None
    end_col: int | None = None
    if c0 or c1:
        cols = sorted(_column_index(c) for c in (c0, c1) if c)
        start_col = cols[0] if c0 else 0
        end_col = cols[-1] + 1 if c1 else None
    start_row: int | None = None
    end_row: int | None = None
    if r0 or r1:
        rows = sorted(int(r) - 1 for r in (r0, r1) if r)
        start_row = rows[0] if r0 else 0
        end_row = rows[-1] + 1 if r1 else None
    return start_row, end_row, start_col, end_col


# ------------------------------------------------------------------------------------------- model


@dataclass
class _Sheet:
    """One worksheet: its ``properties`` JSON, sparse cells and the objects attached to it."""

    properties: JSON
    cells: dict[tuple[int, int], Cell]
    conditional_formats: list[JSON]
    charts: list[JSON]
    merges: list[JSON]
    basic_filter: JSON | None
    row_sizes: dict[int, JSON]
    column_sizes: dict[int, JSON]

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


def _new_sheet(sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLUMNS) -> _Sheet:
    props: JSON = {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
    return _Sheet(props, {}, [], [], [], None, {}, {})


@dataclass
class _Spreadsheet:
    spreadsheet_id: str
    properties: JSON
    sheets: list[_Sheet]
    rng: random.Random
    next_chart_id: int

    def sheet_by_title(self, title: str) -> _Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    def sheet_by_id(self, sheet_id: int) -> _Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def total_cells(self) -> int:
        return sum(s.grid_cells for s in self.sheets)


def _new_book(spreadsheet_id: str, title: str) -> _Spreadsheet:
    return _Spreadsheet(
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
                "textFormat": {"fontFamily": "arial,sans,sans-serif", "fontSize": 10},
            },
        },
        sheets=[_new_sheet(0, "Sheet1", 0)],
        rng=random.Random(spreadsheet_id),
        next_chart_id=1,
    )


# ------------------------------------------------------------------------------------------- values


def _number_json(value: float) -> int | float:
    """Integral floats as ints so JSON shows ``5`` (as Sheets does), not ``5.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _general_number(value: float) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "#NUM!"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm", re.IGNORECASE)
_NUMBER_CORE = re.compile(r"[#0,]*[#0](?:\.[#0]+)?|\.[#0]+")


def _format_date(value: float, pattern: str) -> str:
    moment = _SHEETS_EPOCH + timedelta(days=value)
    out: list[str] = []
    pos = 0
    last_was_hour = False
    for match in _DATE_TOKENS.finditer(pattern):
        out.append(pattern[pos : match.start()].replace('"', "").replace("\\", ""))
        pos = match.end()
        token = match.group(0).lower()
        if token in ("m", "mm") and (last_was_hour or pattern[pos : pos + 1] == ":"):
            out.append(f"{moment.minute:02d}" if token == "mm" else str(moment.minute))
            last_was_hour = False
            continue
        last_was_hour = token in ("h", "hh")
        rendered = {
            "yyyy": f"{moment.year:04d}",
            "yy": f"{moment.year % 100:02d}",
            "mmmm": moment.strftime("%B"),
            "mmm": moment.strftime("%b"),
            "mm": f"{moment.month:02d}",
            "m": str(moment.month),
            "dddd": moment.strftime("%A"),
            "ddd": moment.strftime("%a"),
            "dd": f"{moment.day:02d}",
            "d": str(moment.day),
            "hh": f"{moment.hour:02d}",
            "h": str(moment.hour),
            "ss": f"{moment.second:02d}",
            "s": str(moment.second),
            "am/pm": "AM" if moment.hour < 12 else "PM",
        }[token]
        out.append(rendered)
    out.append(pattern[pos:].replace('"', "").replace("\\", ""))
    return "".join(out)


def _format_number(value: float, number_format: Mapping[str, Any] | None) -> str:
    """Render a number like Sheets' FORMATTED_VALUE for simple patterns, else the automatic format."""
    if not number_format:
        return _general_number(value)
    kind = number_format.get("type", "NUMBER")
    pattern = str(number_format.get("pattern") or "").split(";", 1)[0]
    if kind in ("DATE", "TIME", "DATE_TIME") or (pattern and _DATE_TOKENS.search(pattern) and "0" not in pattern):
        if not pattern:
            pattern = {"DATE": "yyyy-mm-dd", "TIME": "hh:mm:ss", "DATE_TIME": "yyyy-mm-dd hh:mm:ss"}.get(
                kind, "yyyy-mm-dd"
            )
        try:
            return _format_date(value, pattern)
        except (OverflowError, ValueError):
            return _general_number(value)
    if not pattern:
        if kind == "PERCENT":
            pattern = "0.00%"
        elif kind == "CURRENCY":
            pattern = '"$"#,##0.00'
        else:
            return _general_number(value)
    match = _NUMBER_CORE.search(pattern)
    if match is None:
        return _general_number(value)
    prefix = pattern[: match.start()].replace('"', "").replace("\\", "")
    suffix = pattern[match.end() :].replace('"', "").replace("\\", "")
    core = match.group(0)
    int_part, _, frac_part = core.partition(".")
    scaled = value * 100 if "%" in suffix or "%" in prefix else value
    decimals = len(frac_part)
    text = f"{abs(scaled):,.{decimals}f}" if "," in int_part else f"{abs(scaled):.{decimals}f}"
    optional = frac_part.count("#")
    if optional and "." in text:
        # '#' decimals are shown only when significant.
        keep = len(frac_part) - optional
        head, _, tail = text.partition(".")
        tail = tail[:keep] + tail[keep:].rstrip("0")
        text = f"{head}.{tail}" if tail else head
    if int_part and set(int_part) <= {"#", ","} and text.startswith("0."):
        text = text[1:]
    sign = "-" if scaled < 0 and float(text.replace(",", "").replace(".", "") or 0) != 0 else ""
    return f"{sign}{prefix}{text}{suffix}"


def _scalar(cell: Cell | None) -> Any:
    """The cell's effective value as a Python scalar ("" when empty); formulas yield their text."""
    if not cell:
        return ""
    value = cell.get("userEnteredValue")
    if not value:
        return ""
    if "numberValue" in value:
        return _number_json(float(value["numberValue"]))
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "formulaValue" in value:
        return str(value["formulaValue"])
    if "errorValue" in value:
        return str(value["errorValue"].get("type", "#ERROR!"))
    return str(value.get("stringValue", ""))


def _number_format(cell: Cell | None) -> JSON | None:
    if not cell:
        return None
    fmt = cell.get("userEnteredFormat") or {}
    number_format = fmt.get("numberFormat")
    return number_format if isinstance(number_format, dict) else None


def _formatted(cell: Cell | None) -> str:
    scalar = _scalar(cell)
    if isinstance(scalar, bool):
        return "TRUE" if scalar else "FALSE"
    if isinstance(scalar, int | float):
        return _format_number(scalar, _number_format(cell))
    return str(scalar)


def _is_date_format(cell: Cell | None) -> bool:
    nf = _number_format(cell)
    return bool(nf) and nf is not None and nf.get("type") in ("DATE", "TIME", "DATE_TIME")


def _render(cell: Cell | None, render: str, date_render: str) -> Any:
    if render == "FORMATTED_VALUE":
        return _formatted(cell)
    scalar = _scalar(cell)
    is_number = isinstance(scalar, int | float) and not isinstance(scalar, bool)
    if date_render == "FORMATTED_STRING" and is_number and _is_date_format(cell):
        return _formatted(cell)
    return scalar


def _effective_value(cell: Cell) -> JSON | None:
    scalar = _scalar(cell)
    if scalar == "" and not cell.get("userEnteredValue"):
        return None
    if isinstance(scalar, bool):
        return {"boolValue": scalar}
    if isinstance(scalar, int | float):
        return {"numberValue": scalar}
    return {"stringValue": scalar}


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PERCENT_TEXT = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?)\s*%")
_CURRENCY_TEXT = re.compile(r"(-?)\$((?:\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def _serial(moment: datetime) -> float:
    delta = moment - _SHEETS_EPOCH
    return delta.days + delta.seconds / 86400


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _parse_user_entered(text: str) -> tuple[JSON | None, JSON | None]:
    """Parse typed text like the Sheets UI: (userEnteredValue or None to clear, numberFormat or None)."""
    stripped = text.strip()
    if text == "":
        return None, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    if _NUMBER_TEXT.fullmatch(stripped) and _has_digit(stripped):
        return {"numberValue": _number_json(float(stripped.replace(",", "")))}, None
    match = _PERCENT_TEXT.fullmatch(stripped)
    if match and _has_digit(match.group(1)):
        value = float(match.group(1).replace(",", "")) / 100
        pattern = "0.00%" if match.group(2) else "0%"
        return {"numberValue": _number_json(value)}, {"type": "PERCENT", "pattern": pattern}
    match = _CURRENCY_TEXT.fullmatch(stripped)
    if match:
        value = float(match.group(2).replace(",", "")) * (-1 if match.group(1) else 1)
        pattern = '"$"#,##0.00' if match.group(3) else '"$"#,##0'
        return {"numberValue": _number_json(value)}, {"type": "CURRENCY", "pattern": pattern}
    try:
        if match := _ISO_DATE.fullmatch(stripped):
            year, month, day = (int(g) for g in match.groups())
            value = _serial(datetime(year, month, day))
            return {"numberValue": _number_json(value)}, {"type": "DATE", "pattern": "yyyy-mm-dd"}
        if match := _US_DATE.fullmatch(stripped):
            month, day, year = (int(g) for g in match.groups())
            value = _serial(datetime(year, month, day))
            return {"numberValue": _number_json(value)}, {"type": "DATE", "pattern": "M/d/yyyy"}
        if match := _ISO_DATETIME.fullmatch(stripped):
            parts = [int(g) if g else 0 for g in match.groups()]
            value = _serial(datetime(*parts))  # type: ignore[arg-type]
            return {"numberValue": _number_json(value)}, {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
    except ValueError:
        pass  # not a real calendar date (2024-02-30): stays text, as in the UI
    return {"stringValue": text}, None


def _input_value(raw: Any, user_entered: bool, where: str) -> tuple[JSON | None, JSON | None]:
    """Turn one written JSON value into (userEnteredValue, numberFormat); raises on bad types."""
    if isinstance(raw, bool):
        return {"boolValue": raw}, None
    if isinstance(raw, int | float):
        return {"numberValue": _number_json(raw)}, None
    if isinstance(raw, str):
        if len(raw) > _MAX_CELL_CHARS:
            raise invalid(
                f"Your input contains more than the maximum of {_MAX_CELL_CHARS} characters in a single cell."
            )
        if user_entered:
            return _parse_user_entered(raw)
        return ({"stringValue": raw} if raw != "" else None), None
    raise RpcError(
        400,
        f"Invalid value at '{where}' (type.googleapis.com/google.protobuf.ListValue), {json.dumps(raw)}",
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [
                    {
                        "field": where,
                        "description": f"Invalid value at '{where}' "
                        f"(type.googleapis.com/google.protobuf.ListValue), {json.dumps(raw)}",
                    }
                ],
            }
        ],
    )


# ------------------------------------------------------------------------------------------- field masks

FieldTree = dict[str, "FieldTree | None"]


def _parse_fields(text: str) -> FieldTree | None:
    """Parse a FieldMask / partial-response selector (``a.b,c(d,e/f)``) into a tree; None = everything."""
    text = text.strip()
    if not text or text == "*":
        return None
    tokens = re.findall(r"[A-Za-z0-9_@*]+|[,()./]", text.replace(" ", ""))
    pos = 0

    def parse_list() -> FieldTree:
        nonlocal pos
        tree: FieldTree = {}
        while pos < len(tokens):
            name = tokens[pos]
            if name in ",().":
                raise invalid(f"Invalid field selection {text}")
            pos += 1
            sub: FieldTree | None = None
            if pos < len(tokens) and tokens[pos] in "./":
                pos += 1
                sub = parse_item_chain()
            elif pos < len(tokens) and tokens[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(tokens) or tokens[pos] != ")":
                    raise invalid(f"Invalid field selection {text}")
                pos += 1
            _merge_tree(tree, name, sub)
            if pos < len(tokens) and tokens[pos] == ",":
                pos += 1
                continue
            break
        return tree

    def parse_item_chain() -> FieldTree:
        nonlocal pos
        name = tokens[pos]
        pos += 1
        sub: FieldTree | None = None
        if pos < len(tokens) and tokens[pos] in "./":
            pos += 1
            sub = parse_item_chain()
        elif pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            sub = parse_list()
            pos += 1
        return {name: sub}

    tree = parse_list()
    if pos != len(tokens):
        raise invalid(f"Invalid field selection {text}")
    return None if "*" in tree else tree


def _merge_tree(tree: FieldTree, name: str, sub: FieldTree | None) -> None:
    if name in tree:
        existing = tree[name]
        if existing is None or sub is None:
            tree[name] = None
        else:
            for key, value in sub.items():
                _merge_tree(existing, key, value)
    else:
        tree[name] = sub


def _tree_has(tree: FieldTree | None, *path: str) -> bool:
    node: FieldTree | None = tree
    for name in path:
        if node is None:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def _project(value: Any, tree: FieldTree | None) -> Any:
    """Keep only the selected fields (lists are projected element-wise and keep their length)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [_project(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: _project(v, tree[k]) for k, v in value.items() if k in tree}
    return value


def _apply_mask(target: JSON, source: Mapping[str, Any], tree: FieldTree | None) -> None:
    """Copy the masked fields of ``source`` onto ``target``; masked fields absent from source are cleared."""
    if tree is None:
        target.clear()
        target.update(copy.deepcopy(dict(source)))
        return
    for key, sub in tree.items():
        if sub is None or not isinstance(source.get(key, {}), dict):
            if key in source:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
            continue
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
        _apply_mask(child, source.get(key) or {}, sub)
        if child:
            target[key] = child
        else:
            target.pop(key, None)


# ------------------------------------------------------------------------------------------- errors


def _quota_error(write: bool) -> RpcError:
    kind = "Write" if write else "Read"
    message = (
        f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' "
        f"of service 'sheets.googleapis.com' for consumer 'project_number:{_PROJECT_NUMBER}'."
    )
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {
            "consumer": f"projects/{_PROJECT_NUMBER}",
            "quota_limit": f"{kind}RequestsPerMinutePerUser",
            "quota_limit_value": "60",
            "quota_location": "global",
            "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
            "service": "sheets.googleapis.com",
        },
    }
    help_link = {
        "@type": "type.googleapis.com/google.rpc.Help",
        "links": [
            {
                "description": "Request a higher quota limit.",
                "url": "https://cloud.google.com/docs/quotas/help/request_increase",
            }
        ],
    }
    return RpcError(429, message, [detail, help_link])


def _auth_detail(reason: str) -> JSON:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": "sheets.googleapis.com", "method": "google.apps.sheets.v4.SpreadsheetsService"},
    }


def _flag(value: Any) -> bool:
    # requests sends Python bools as "True"/"False"; JSON bodies carry real booleans (or null).
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _enum(value: Any, name: str, allowed: Sequence[str], default: str) -> str:
    if value is None or value == "":
        return default
    text = str(value)
    if text not in allowed:
        raise invalid(f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{name}), \"{text}\"")
    return text


_RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
_DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
_DIMENSIONS = ("ROWS", "COLUMNS")
_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


# ------------------------------------------------------------------------------------------- emulator


class SheetsEmulator(RequestCounter):
    """WSGI app emulating the Google Sheets API v4 closely enough for real gspread 6.

    Attributes:
        forbidden_for: Service-account e-mails (token subjects) or raw bearer tokens the spreadsheets are
            "not shared with": their requests get 403 ``PERMISSION_DENIED``. Mutable between requests.
        auth_required: Whether an ``Authorization: Bearer`` header is required.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        oauth: GoogleOAuthEmulator | None = None,
        auth_required: bool = True,
        reads_per_minute: int = 60,
        writes_per_minute: int = 60,
        clock: Callable[[], float] = time.monotonic,
        cell_limit: int = 10_000_000,
        forbidden_for: Iterable[str] = (),
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``sheets`` part, ``{"spreadsheets": [{"spreadsheetId", "title"}]}``; each
                spreadsheet starts with one empty ``Sheet1`` (sheetId 0, 1000 x 26).
            oauth: When given, bearer tokens must be valid there with a spreadsheets (or drive) scope;
                otherwise any non-empty bearer token is accepted.
            auth_required: When False, requests without an ``Authorization`` header are served as user
                ``anonymous`` (for tests that inject a plain session into ``gspread.Client``).
            reads_per_minute: Read requests per user per rolling minute; 0 disables.
            writes_per_minute: Write requests per user per rolling minute; 0 disables.
            clock: Monotonic clock in seconds driving the quota windows (tests inject a fake one).
            cell_limit: Maximum cells per spreadsheet.
            forbidden_for: Initial value of :attr:`forbidden_for`.

        Raises:
            ValueError: When the fixture part is malformed or a limit is negative.
        """
        super().__init__()
        if reads_per_minute < 0 or writes_per_minute < 0 or cell_limit <= 0:
            raise ValueError("quota limits must be >= 0 and cell_limit > 0")
        self._oauth = oauth
        self.auth_required = auth_required
        self._reads_per_minute = reads_per_minute
        self._writes_per_minute = writes_per_minute
        self._clock = clock
        self.cell_limit = cell_limit
        self.forbidden_for: set[str] = set(forbidden_for)
        self._lock = threading.RLock()
        self._limiters: dict[tuple[str, bool], RollingWindowLimiter] = {}
        self._pending_failures: list[int] = []
        self._spreadsheets: dict[str, _Spreadsheet] = {}
        self.set_data(data or {})

    # ------------------------------------------------------------------ data and test controls

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace every spreadsheet with fresh ones from a fixture's ``sheets`` part.

        Args:
            data: ``{"spreadsheets": [{"spreadsheetId": str, "title": str}]}``.

        Raises:
            ValueError: When an entry lacks ``spreadsheetId`` or ids repeat.
        """
        books: dict[str, _Spreadsheet] = {}
        for i, entry in enumerate(data.get("spreadsheets", []) or []):
            if not isinstance(entry, Mapping) or not entry.get("spreadsheetId"):
                raise ValueError(f"sheets.spreadsheets[{i}]: spreadsheetId is required")
            sid = str(entry["spreadsheetId"])
            if sid in books:
                raise ValueError(f"sheets.spreadsheets[{i}]: duplicate spreadsheetId {sid!r}")
            books[sid] = _new_book(sid, str(entry.get("title") or "Untitled spreadsheet"))
        with self._lock:
            self._spreadsheets = books

    def add_spreadsheet(self, spreadsheet_id: str, title: str) -> None:
        """Add one empty spreadsheet (with ``Sheet1``) after construction.

        Args:
            spreadsheet_id: Its id.
            title: Its title.

        Raises:
            ValueError: When the id is already served.
        """
        with self._lock:
            if spreadsheet_id in self._spreadsheets:
                raise ValueError(f"spreadsheet {spreadsheet_id!r} already exists")
            self._spreadsheets[spreadsheet_id] = _new_book(spreadsheet_id, title)

    @property
    def spreadsheet_ids(self) -> list[str]:
        """Ids of the spreadsheets served."""
        with self._lock:
            return list(self._spreadsheets)

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """Make the next ``count`` API requests fail (after authentication).

        Args:
            count: Number of requests to fail.
            status: 500 (``INTERNAL``), 503 (``UNAVAILABLE``) or 429 (the write-quota body).

        Raises:
            ValueError: For another status.
        """
        if status not in (429, 500, 503):
            raise ValueError("status must be 429, 500 or 503")
        with self._lock:
            self._pending_failures.extend([status] * count)

    def reset_quotas(self) -> None:
        """Forget every recorded request in the per-user quota windows."""
        with self._lock:
            for limiter in self._limiters.values():
                limiter.reset()

    def _book(self, spreadsheet_id: str) -> _Spreadsheet:
        book = self._spreadsheets.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"unknown spreadsheet {spreadsheet_id!r}")
        return book

    def _sheet(self, spreadsheet_id: str, sheet_title: str) -> _Sheet:
        sheet = self._book(spreadsheet_id).sheet_by_title(sheet_title)
        if sheet is None:
            raise KeyError(f"unknown sheet {sheet_title!r} in {spreadsheet_id!r}")
        return sheet

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        """Titles of the spreadsheet's sheets in tab order."""
        with self._lock:
            return [s.title for s in self._book(spreadsheet_id).sheets]

    def sheet_properties(self, spreadsheet_id: str, sheet_title: str) -> JSON:
        """A copy of the sheet's ``properties`` JSON (sheetId, index, gridProperties...)."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).properties)

    def values(self, spreadsheet_id: str, sheet_title: str) -> list[list[Any]]:
        """The stored grid as Python values (numbers, bools, strings, formula text), trailing-trimmed.

        Args:
            spreadsheet_id: Spreadsheet id.
            sheet_title: Sheet title.

        Returns:
            Rows of values; empty cells are ``""``; trailing empty cells and rows are dropped.
        """
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return _trim([[_scalar(sheet.cells.get((r, c))) for c in range(sheet.cols)] for r in range(sheet.rows)])

    def notes(self, spreadsheet_id: str, sheet_title: str) -> dict[str, str]:
        """Cell notes keyed by A1 cell (``{"B2": "text"}``)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {
                _a1(r, c, r, c): str(cell["note"]) for (r, c), cell in sorted(sheet.cells.items()) if cell.get("note")
            }

    def formats(self, spreadsheet_id: str, sheet_title: str) -> dict[str, JSON]:
        """``userEnteredFormat`` of every formatted cell keyed by A1 cell."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {
                _a1(r, c, r, c): copy.deepcopy(cell["userEnteredFormat"])
                for (r, c), cell in sorted(sheet.cells.items())
                if cell.get("userEnteredFormat")
            }

    def charts(self, spreadsheet_id: str, sheet_title: str | None = None) -> list[JSON]:
        """Charts (``{chartId, spec, position}``) on one sheet, or on every sheet when title is None."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheets = [self._sheet(spreadsheet_id, sheet_title)] if sheet_title is not None else book.sheets
            return [copy.deepcopy(c) for s in sheets for c in s.charts]

    def conditional_formats(self, spreadsheet_id: str, sheet_title: str) -> list[JSON]:
        """The sheet's conditional format rules in priority order."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).conditional_formats)

    def frozen(self, spreadsheet_id: str, sheet_title: str) -> tuple[int, int]:
        """``(frozenRowCount, frozenColumnCount)`` of the sheet."""
        with self._lock:
            grid = self._sheet(spreadsheet_id, sheet_title).properties["gridProperties"]
            return int(grid.get("frozenRowCount", 0)), int(grid.get("frozenColumnCount", 0))

    def basic_filter(self, spreadsheet_id: str, sheet_title: str) -> JSON | None:
        """The sheet's basic filter (``{"range": GridRange, ...}``) or None."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).basic_filter)

    def merges(self, spreadsheet_id: str, sheet_title: str) -> list[JSON]:
        """The sheet's merged ranges (GridRange JSON)."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).merges)

    def column_widths(self, spreadsheet_id: str, sheet_title: str) -> dict[int, int]:
        """Explicit column pixel sizes by 0-based column index (columns never resized are absent)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {i: int(p["pixelSize"]) for i, p in sorted(sheet.column_sizes.items()) if "pixelSize" in p}

    def row_heights(self, spreadsheet_id: str, sheet_title: str) -> dict[int, int]:
        """Explicit row pixel sizes by 0-based row index (rows never resized are absent)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {i: int(p["pixelSize"]) for i, p in sorted(sheet.row_sizes.items()) if "pixelSize" in p}

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        # The raw URI keeps %2F/%3A inside ranges distinguishable from the path's own separators.
        raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path).split("?", 1)[0]
        response = self._dispatch(request, raw_path)
        return response(environ, start_response)

    def _route(self, method: str, raw_path: str) -> tuple[str, str, str | None] | None:
        """Map a request to (endpoint name, spreadsheet id, encoded range or None)."""
        if match := _VALUES_BATCH_PATH.fullmatch(raw_path):
            name = {"batchGet": "values.batchGet", "batchUpdate": "values.batchUpdate"}.get(
                match.group(2), "values.batchClear"
            )
            return name, unquote(match.group(1)), None
        if match := _VALUES_RANGE_PATH.fullmatch(raw_path):
            sid, encoded, suffix = match.groups()
            if suffix:
                return f"values.{suffix}", unquote(sid), encoded
            return ("values.update" if method == "PUT" else "values.get"), unquote(sid), encoded
        if match := _SPREADSHEET_PATH.fullmatch(raw_path):
            name = "spreadsheets.batchUpdate" if match.group(2) else "spreadsheets.get"
            return name, unquote(match.group(1)), None
        return None

    _METHODS: ClassVar[dict[str, str]] = {
        "values.batchGet": "GET",
        "values.batchUpdate": "POST",
        "values.batchClear": "POST",
        "values.append": "POST",
        "values.clear": "POST",
        "values.update": "PUT",
        "values.get": "GET",
        "spreadsheets.get": "GET",
        "spreadsheets.batchUpdate": "POST",
    }

    def _dispatch(self, request: Request, raw_path: str) -> Response:
        routed = self._route(request.method, raw_path)
        if routed is None:
            return self._finish("not_found", error_response(RpcError(404, f"Method not found: {raw_path}")))
        name, spreadsheet_id, encoded_range = routed
        if request.method != self._METHODS[name]:
            err = RpcError(405, f"Method {request.method} is not allowed for {raw_path}.")
            return self._finish(name, error_response(err))
        try:
            user = self._authenticate(request)
            self._admit(name, user)
            params = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
            handler = getattr(self, "_h_" + name.replace(".", "_"))
            with self._lock:
                book = self._spreadsheets.get(spreadsheet_id)
                if book is None:
                    raise RpcError(404, _NOT_FOUND_MESSAGE)
                range_text = unquote(encoded_range) if encoded_range is not None else None
                body = json_body(request) if request.method != "GET" else {}
                result = handler(book, params, body, range_text)
            response = json_response(result)
        except RpcError as err:
            response = error_response(err)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response

    def _authenticate(self, request: Request) -> str:
        """Return the quota user (token) after checking the bearer token and sharing."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            if self.auth_required:
                raise RpcError(401, _MISSING_CREDENTIALS_MESSAGE, [_auth_detail("CREDENTIALS_MISSING")])
            identities = {"anonymous"}
            user = "anonymous"
        else:
            identities = {token}
            user = token
            if self._oauth is not None:
                issued = self._oauth.token_info(token)
                if issued is None:
                    known = self._oauth.token_info(token, include_expired=True) is not None
                    reason = "ACCESS_TOKEN_EXPIRED" if known else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
                    raise RpcError(401, _UNAUTHENTICATED_MESSAGE, [_auth_detail(reason)])
                if not any(issued.has_scope(p) for p in SHEETS_SCOPE_PREFIXES):
                    raise RpcError(
                        403,
                        "Request had insufficient authentication scopes.",
                        [_auth_detail("ACCESS_TOKEN_SCOPE_INSUFFICIENT")],
                    )
                identities.add(issued.subject)
        if identities & self.forbidden_for:
            raise RpcError(403, _PERMISSION_MESSAGE)
        return user

    def _admit(self, name: str, user: str) -> None:
        """Apply injected faults, then the per-user per-minute quota of the request's kind."""
        write = name not in _READ_ENDPOINTS
        with self._lock:
            failure = self._pending_failures.pop(0) if self._pending_failures else None
            limiter = self._limiters.get((user, write))
            if limiter is None:
                limit = self._writes_per_minute if write else self._reads_per_minute
                limiter = self._limiters[(user, write)] = RollingWindowLimiter(limit, 60.0, clock=self._clock)
        if failure == 429:
            raise _quota_error(write=True)
        if failure is not None:
            raise RpcError(failure, SERVER_ERROR_MESSAGES[failure])
        if not limiter.acquire().allowed:
            raise _quota_error(write)

    # ------------------------------------------------------------------ range helpers

    def _resolve(self, book: _Spreadsheet, text: str) -> tuple[_Sheet, _A1Range]:
        """Parse an A1 range (sheet-qualified or not) against the spreadsheet."""
        bad = invalid(f"Unable to parse range: {text}")
        try:
            title, a1 = _split_sheet(text.strip())
        except ValueError:
            raise bad from None
        if title is None:
            assert a1 is not None
            sheet = book.sheet_by_title(a1)
            if sheet is not None:
                return sheet, _A1Range(sheet.title, None, None, None, None)
            sheet = book.sheets[0]
        else:
            found = book.sheet_by_title(title)
            if found is None:
                raise bad
            sheet = found
        if a1 is None:
            return sheet, _A1Range(sheet.title, None, None, None, None)
        try:
            r0, r1, c0, c1 = _parse_a1_part(a1)
        except ValueError:
            raise bad from None
        return sheet, _A1Range(sheet.title, r0, r1, c0, c1)

    @staticmethod
    def _clamp(sheet: _Sheet, rng: _A1Range, what: str | None = None) -> tuple[int, int, int, int]:
        """Resolve open ends against the grid; explicit bounds beyond the grid raise 'exceeds grid limits'."""
        r0 = rng.start_row or 0
        c0 = rng.start_col or 0
        r1 = rng.end_row if rng.end_row is not None else sheet.rows
        c1 = rng.end_col if rng.end_col is not None else sheet.cols
        if r1 > sheet.rows or c1 > sheet.cols or r0 >= max(sheet.rows, 1) or c0 >= max(sheet.cols, 1):
            shown = _a1(r0, c0, max(r0, r1 - 1), max(c0, c1 - 1))
            prefix = f"{what}: " if what else ""
            raise invalid(
                f"{prefix}Range ({_quote_title_always(sheet.title)}!{shown}) exceeds grid limits. "
                f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        return r0, r1, c0, c1

    # ------------------------------------------------------------------ values endpoints

    def _read_range(
        self, book: _Spreadsheet, text: str, params: Sequence[tuple[str, str]], defaults: Mapping[str, str]
    ) -> JSON:
        opts = {**defaults, **dict(params)}
        render = _enum(opts.get("valueRenderOption"), "ValueRenderOption", _RENDER_OPTIONS, "FORMATTED_VALUE")
        date_render = _enum(
            opts.get("dateTimeRenderOption"), "DateTimeRenderOption", _DATE_RENDER_OPTIONS, "SERIAL_NUMBER"
        )
        major = _enum(opts.get("majorDimension"), "Dimension", _DIMENSIONS, "ROWS")
        sheet, rng = self._resolve(book, text)
        r0, r1, c0, c1 = self._clamp(sheet, rng)
        grid = [[_render(sheet.cells.get((r, c)), render, date_render) for c in range(c0, c1)] for r in range(r0, r1)]
        if major == "COLUMNS":
            grid = [list(col) for col in zip(*grid, strict=True)] if grid else []
        result: JSON = {"range": _range_text(sheet.title, r0, c0, r1 - 1, c1 - 1), "majorDimension": major}
        trimmed = _trim(grid)
        if trimmed:
            result["values"] = trimmed
        return result

    def _h_values_get(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: str) -> JSON:
        return self._read_range(book, text, params, {})

    def _h_values_batchGet(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: None) -> JSON:
        ranges = [v for k, v in params if k == "ranges"]
        others = [(k, v) for k, v in params if k != "ranges"]
        result: JSON = {"spreadsheetId": book.spreadsheet_id}
        if ranges:
            result["valueRanges"] = [self._read_range(book, r, others, {}) for r in ranges]
        return result

    def _prepare_write(
        self, book: _Spreadsheet, text: str, values: Any, major: Any, user_entered: bool, where: str
    ) -> tuple[_Sheet, int, int, list[list[tuple[JSON | None, JSON | None] | None]], JSON]:
        """Validate one ValueRange write; returns (sheet, row, col, parsed rows, response) without writing."""
        sheet, rng = self._resolve(book, text)
        dimension = _enum(major, "Dimension", _DIMENSIONS, "ROWS")
        if values is None:
            values = []
        if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
            raise invalid(f"Invalid value at '{where}' (type.googleapis.com/google.protobuf.ListValue)")
        rows: list[list[Any]] = values
        if dimension == "COLUMNS":
            width = max((len(col) for col in rows), default=0)
            rows = [[col[i] if i < len(col) else None for col in rows] for i in range(width)]
        r0 = rng.start_row or 0
        c0 = rng.start_col or 0
        height = len(rows)
        width = max((len(row) for row in rows), default=0)
        single_cell = (
            rng.start_row is not None
            and rng.end_row == rng.start_row + 1
            and rng.start_col is not None
            and rng.end_col == rng.start_col + 1
        )
        # A single cell is only the anchor of the write; a larger range bounds it.
        if not single_cell and (rng.end_row is not None or rng.end_col is not None):
            rr0, rr1, cc0, cc1 = self._clamp(sheet, rng)
            canonical_requested = _range_text(sheet.title, rr0, cc0, rr1 - 1, cc1 - 1)
            if rng.end_row is not None and r0 + height > rng.end_row:
                raise invalid(
                    f"Requested writing within range [{canonical_requested}], but tried writing to row "
                    f"[{rng.end_row + 1}]"
                )
            if rng.end_col is not None and c0 + width > rng.end_col:
                raise invalid(
                    f"Requested writing within range [{canonical_requested}], but tried writing to column "
                    f"[{column_letters(rng.end_col)}]"
                )
        parsed: list[list[tuple[JSON | None, JSON | None] | None]] = []
        cells = 0
        for i, row in enumerate(rows):
            out_row: list[tuple[JSON | None, JSON | None] | None] = []
            for j, raw in enumerate(row):
                if raw is None:
                    out_row.append(None)
                    continue
                out_row.append(_input_value(raw, user_entered, f"{where}[{i}][{j}]"))
                cells += 1
            parsed.append(out_row)
        if height == 0 or width == 0:
            start = _range_text(sheet.title, r0, c0, r0, c0)
            return sheet, r0, c0, [], {"spreadsheetId": book.spreadsheet_id, "updatedRange": start}
        if r0 + height > sheet.rows or c0 + width > sheet.cols:
            raise invalid(
                f"Range ({_quote_title_always(sheet.title)}!{_a1(r0, c0, r0 + height - 1, c0 + width - 1)}) "
                f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        response: JSON = {
            "spreadsheetId": book.spreadsheet_id,
            "updatedRange": _range_text(sheet.title, r0, c0, r0 + height - 1, c0 + width - 1),
            "updatedRows": sum(1 for row in parsed if any(v is not None for v in row)),
            "updatedColumns": sum(
                1 for j in range(width) if any(j < len(row) and row[j] is not None for row in parsed)
            ),
            "updatedCells": cells,
        }
        return sheet, r0, c0, parsed, response

    @staticmethod
    def _write(sheet: _Sheet, r0: int, c0: int, parsed: list[list[tuple[JSON | None, JSON | None] | None]]) -> None:
        for i, row in enumerate(parsed):
            for j, item in enumerate(row):
                if item is None:
                    continue
                value, number_format = item
                key = (r0 + i, c0 + j)
                cell = sheet.cells.get(key, {})
                if value is None:
                    cell.pop("userEnteredValue", None)
                else:
                    cell["userEnteredValue"] = value
                    if number_format and not _number_format(cell):
                        cell.setdefault("userEnteredFormat", {})["numberFormat"] = number_format
                _store(sheet, key, cell)

    def _updated_data(self, book: _Spreadsheet, response: JSON, opts: Mapping[str, Any]) -> JSON:
        params = [
            ("valueRenderOption", opts.get("responseValueRenderOption") or "FORMATTED_VALUE"),
            ("dateTimeRenderOption", opts.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"),
        ]
        data = self._read_range(book, response["updatedRange"], params, {})
        return data

    def _h_values_update(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: str) -> JSON:
        opts = dict(params)
        user_entered = self._input_option(opts.get("valueInputOption"))
        if body.get("range") and body["range"] != text:
            body_sheet, body_rng = self._resolve(book, str(body["range"]))
            url_sheet, url_rng = self._resolve(book, text)
            if (body_sheet.sheet_id, body_rng) != (url_sheet.sheet_id, url_rng):
                raise invalid(
                    f"Invalid values[0]: The range in the request body ({body['range']}) does not match the "
                    f"range in the URL ({text})."
                )
        sheet, r0, c0, parsed, response = self._prepare_write(
            book, text, body.get("values"), body.get("majorDimension"), user_entered, "data.values"
        )
        self._write(sheet, r0, c0, parsed)
        if _flag(opts.get("includeValuesInResponse", False)):
            response["updatedData"] = self._updated_data(book, response, opts)
        return response

    @staticmethod
    def _input_option(value: Any) -> bool:
        if not value:
            raise invalid("'valueInputOption' is required but not specified")
        return _enum(value, "ValueInputOption", _INPUT_OPTIONS, "RAW") == "USER_ENTERED"

    def _h_values_batchUpdate(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: None) -> JSON:
        user_entered = self._input_option(body.get("valueInputOption"))
        data = body.get("data") or []
        if not isinstance(data, list):
            raise invalid("Invalid value at 'data' (type.googleapis.com/google.apps.sheets.v4.ValueRange)")
        prepared = []
        for i, item in enumerate(data):
            if not isinstance(item, dict) or not item.get("range"):
                raise invalid(f"Invalid data[{i}]: Unable to parse range: {item.get('range') if item else ''}")
            try:
                prepared.append(
                    self._prepare_write(
                        book,
                        str(item["range"]),
                        item.get("values"),
                        item.get("majorDimension"),
                        user_entered,
                        f"data[{i}].values",
                    )
                )
            except RpcError as err:
                raise RpcError(err.code, f"Invalid data[{i}]: {err.message}", err.details) from None
        result: JSON = {"spreadsheetId": book.spreadsheet_id}
        if not prepared:
            return result
        responses = []
        for sheet, r0, c0, parsed, response in prepared:
            self._write(sheet, r0, c0, parsed)
            if body.get("includeValuesInResponse") and "updatedCells" in response:
                response["updatedData"] = self._updated_data(book, response, body)
            responses.append(response)
        result.update(
            {
                "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
                "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
                "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
                "totalUpdatedSheets": len({p[0].sheet_id for p in prepared if "updatedCells" in p[4]}),
                "responses": responses,
            }
        )
        return result

    def _h_values_append(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: str) -> JSON:
        opts = dict(params)
        user_entered = self._input_option(opts.get("valueInputOption"))
        insert = _enum(opts.get("insertDataOption"), "InsertDataOption", ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE")
        sheet, rng = self._resolve(book, text)
        r0, r1, c0, c1 = self._clamp(sheet, rng)
        if rng.end_row is not None and rng.end_row - (rng.start_row or 0) == 1 and rng.end_col == c0 + 1:
            # A single-cell range names the table's corner: look across the whole row width.
            r1, c1 = sheet.rows, sheet.cols
        table_start = next(
            (r for r in range(r0, r1) if any(_scalar(sheet.cells.get((r, c))) != "" for c in range(c0, c1))), None
        )
        result: JSON = {"spreadsheetId": book.spreadsheet_id}
        if table_start is None:
            write_row = r0
        else:
            table_end = table_start
            while table_end + 1 < sheet.rows and any(
                _scalar(sheet.cells.get((table_end + 1, c))) != "" for c in range(c0, c1)
            ):
                table_end += 1
            last_col = max(
                c
                for r in range(table_start, table_end + 1)
                for c in range(c0, c1)
                if _scalar(sheet.cells.get((r, c))) != ""
            )
            result["tableRange"] = _range_text(sheet.title, table_start, c0, table_end, last_col)
            write_row = table_end + 1
        values = body.get("values") or []
        dimension = _enum(body.get("majorDimension"), "Dimension", _DIMENSIONS, "ROWS")
        if dimension == "COLUMNS":
            width = max((len(col) for col in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
        height = len(values)
        width = max((len(row) for row in values), default=0)
        new_rows = height if insert == "INSERT_ROWS" else max(0, write_row + height - sheet.rows)
        new_cols = max(0, c0 + width - sheet.cols)
        if new_rows or new_cols:
            extra = (sheet.rows + new_rows) * (sheet.cols + new_cols) - sheet.grid_cells
            if book.total_cells() + extra > self.cell_limit:
                raise invalid(_CELL_LIMIT_MESSAGE.format(self.cell_limit))
        if insert == "INSERT_ROWS" and height:
            _insert_rows(sheet, write_row, height)
        grid = sheet.properties["gridProperties"]
        grid["rowCount"] = max(sheet.rows, write_row + height)
        grid["columnCount"] = sheet.cols + new_cols
        target = _range_text(sheet.title, write_row, c0, write_row, c0)
        _, w_r0, w_c0, parsed, update = self._prepare_write(book, target, values, "ROWS", user_entered, "data.values")
        self._write(sheet, w_r0, w_c0, parsed)
        if _flag(opts.get("includeValuesInResponse", False)) and "updatedCells" in update:
            update["updatedData"] = self._updated_data(book, update, opts)
        result["updates"] = update
        return result

    def _clear(self, book: _Spreadsheet, text: str) -> str:
        sheet, rng = self._resolve(book, text)
        r0, r1, c0, c1 = self._clamp(sheet, rng)
        for key in [k for k in sheet.cells if r0 <= k[0] < r1 and c0 <= k[1] < c1]:
            cell = sheet.cells[key]
            cell.pop("userEnteredValue", None)
            _store(sheet, key, cell)
        return _range_text(sheet.title, r0, c0, r1 - 1, c1 - 1)

    def _h_values_clear(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: str) -> JSON:
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": self._clear(book, text)}

    def _h_values_batchClear(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: None) -> JSON:
        ranges = body.get("ranges") or []
        for r in ranges:  # validate every range first: the call is atomic
            sheet, rng = self._resolve(book, str(r))
            self._clamp(sheet, rng)
        result: JSON = {"spreadsheetId": book.spreadsheet_id}
        if ranges:
            result["clearedRanges"] = [self._clear(book, str(r)) for r in ranges]
        return result

    # ------------------------------------------------------------------ spreadsheets.get

    def _h_spreadsheets_get(self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: None) -> JSON:
        opts = dict(params)
        fields = _parse_fields(opts.get("fields", ""))
        include_grid = _flag(opts.get("includeGridData", False)) or (
            fields is not None and _tree_has(fields, "sheets", "data") and "sheets" in fields
        )
        ranges = [v for k, v in params if k == "ranges"]
        selected: list[tuple[_Sheet, list[tuple[int, int, int, int]]]] = []
        if ranges:
            for text_range in ranges:
                sheet, rng = self._resolve(book, text_range)
                box = self._clamp(sheet, rng)
                for existing, boxes in selected:
                    if existing is sheet:
                        boxes.append(box)
                        break
                else:
                    selected.append((sheet, [box]))
        else:
            selected = [(s, [(0, s.rows, 0, s.cols)]) for s in book.sheets]
        sheets_json = []
        for sheet, boxes in selected:
            entry = _sheet_json(sheet)
            if include_grid:
                entry["data"] = [_grid_data(sheet, *box) for box in boxes]
            sheets_json.append(entry)
        result: JSON = {
            "spreadsheetId": book.spreadsheet_id,
            "properties": copy.deepcopy(book.properties),
            "sheets": sheets_json,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        }
        return _project(result, fields) if fields is not None else result

    # ------------------------------------------------------------------ spreadsheets.batchUpdate

    def _h_spreadsheets_batchUpdate(
        self, book: _Spreadsheet, params: list[tuple[str, str]], body: JSON, text: None
    ) -> JSON:
        requests_json = body.get("requests") or []
        if not isinstance(requests_json, list):
            raise invalid("Invalid JSON payload received. 'requests' must be a list.")
        # Work on a copy so that one invalid request leaves the spreadsheet untouched (batches are atomic).
        work = copy.deepcopy(book)
        replies: list[JSON] = []
        for i, req in enumerate(requests_json):
            if not isinstance(req, dict) or not req:
                raise invalid(f"Invalid requests[{i}]: No request set.")
            kinds = list(req)
            if len(kinds) > 1:
                raise invalid(
                    f"Invalid value at 'requests[{i}]' (oneof), oneof field 'kind' is already set. "
                    f"Cannot set '{kinds[1]}'"
                )
            kind = kinds[0]
            if kind not in SUPPORTED_REQUESTS:
                if kind in _KNOWN_UNSUPPORTED_REQUESTS:
                    raise invalid(f"Invalid requests[{i}].{kind}: {kind} is not supported by the Sheets emulator.")
                message = (
                    f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': Cannot find field."
                )
                raise RpcError(
                    400,
                    message,
                    [
                        {
                            "@type": "type.googleapis.com/google.rpc.BadRequest",
                            "fieldViolations": [{"field": f"requests[{i}]", "description": message}],
                        }
                    ],
                )
            payload = req[kind]
            if not isinstance(payload, dict):
                raise invalid(f"Invalid requests[{i}].{kind}: expected an object.")
            where = f"requests[{i}].{kind}"
            before = work.total_cells()
            reply = getattr(self, "_r_" + kind)(work, payload, where)
            after = work.total_cells()
            if after > self.cell_limit and after > before:
                raise invalid(f"Invalid {where}: {_CELL_LIMIT_MESSAGE.format(self.cell_limit)}")
            replies.append(reply or {})
        book.properties, book.sheets, book.rng, book.next_chart_id = (
            work.properties,
            work.sheets,
            work.rng,
            work.next_chart_id,
        )
        result: JSON = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        if _flag(body.get("includeSpreadsheetInResponse", False)):
            grid = "true" if _flag(body.get("responseIncludeGridData", False)) else "false"
            ranges = [("ranges", r) for r in body.get("responseRanges") or []]
            result["updatedSpreadsheet"] = self._h_spreadsheets_get(
                book, [("includeGridData", grid), *ranges], {}, None
            )
        return result

    # ---- helpers shared by the batchUpdate requests

    @staticmethod
    def _grid(work: _Spreadsheet, raw: Any, where: str) -> tuple[_Sheet, int, int, int, int]:
        """Resolve a GridRange JSON to (sheet, r0, r1, c0, c1) with exclusive ends, validated."""
        if not isinstance(raw, dict):
            raise invalid(f"Invalid {where}: range is required")
        sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
        r0 = int(raw.get("startRowIndex", 0))
        c0 = int(raw.get("startColumnIndex", 0))
        r1 = int(raw["endRowIndex"]) if raw.get("endRowIndex") is not None else sheet.rows
        c1 = int(raw["endColumnIndex"]) if raw.get("endColumnIndex") is not None else sheet.cols
        if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
            raise invalid(f"Invalid {where}: Invalid range: start index must be <= end index and >= 0")
        if r1 > sheet.rows or c1 > sheet.cols:
            shown = _a1(r0, c0, max(r0, r1 - 1), max(c0, c1 - 1))
            raise invalid(
                f"Invalid {where}: Range ({_quote_title_always(sheet.title)}!{shown}) exceeds grid limits. "
                f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        return sheet, r0, r1, c0, c1

    @staticmethod
    def _dimension_range(work: _Spreadsheet, raw: Any, where: str) -> tuple[_Sheet, str, int, int]:
        """Resolve a DimensionRange JSON to (sheet, ROWS|COLUMNS, start, end), validated."""
        if not isinstance(raw, dict):
            raise invalid(f"Invalid {where}: range is required")
        sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
        dimension = raw.get("dimension")
        if dimension not in _DIMENSIONS:
            raise invalid(f"Invalid {where}: dimension must be ROWS or COLUMNS")
        size = sheet.rows if dimension == "ROWS" else sheet.cols
        start = int(raw.get("startIndex", 0))
        end = int(raw["endIndex"]) if raw.get("endIndex") is not None else size
        if start < 0 or end < start or end > size:
            raise invalid(
                f"Invalid {where}: Invalid dimension range: [{start}, {end}) on a sheet with {size} {dimension.lower()}"
            )
        return sheet, dimension, start, end

    @staticmethod
    def _fields(payload: JSON, where: str) -> FieldTree | None:
        fields = payload.get("fields")
        if not fields:
            raise invalid(f"Invalid {where}: At least one field must be specified in 'fields'.")
        return _parse_fields(str(fields))

    @staticmethod
    def _set_cell(sheet: _Sheet, key: tuple[int, int], data: Mapping[str, Any], tree: FieldTree | None) -> None:
        cell = copy.deepcopy(sheet.cells.get(key, {}))
        _apply_mask(cell, data, tree)
        for read_only in ("effectiveValue", "formattedValue", "effectiveFormat", "hyperlink"):
            cell.pop(read_only, None)
        value = cell.get("userEnteredValue")
        if value is not None and (not isinstance(value, dict) or len(value) != 1):
            raise invalid("Invalid userEnteredValue: exactly one of stringValue, numberValue, boolValue, formulaValue")
        if value == {}:
            cell.pop("userEnteredValue")
        _store(sheet, key, cell)

    # ---- sheets

    def _r_addSheet(self, work: _Spreadsheet, payload: JSON, where: str) -> JSON:
        props = copy.deepcopy(payload.get("properties") or {})
        if props.get("sheetType", "GRID") != "GRID":
            raise invalid(f"Invalid {where}: only GRID sheets are supported by the Sheets emulator.")
        title = props.get("title")
        if not title:
            n = len(work.sheets) + 1
            while work.sheet_by_title(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        if work.sheet_by_title(str(title)) is not None:
            raise invalid(
                f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.'
            )
        if "sheetId" in props:
            sheet_id = int(props["sheetId"])
            if sheet_id < 0 or work.sheet_by_id(sheet_id) is not None:
                raise invalid(f"Invalid {where}: Sheet with id {sheet_id} already exists.")
        else:
            sheet_id = work.rng.randrange(1, 2**31)
            while work.sheet_by_id(sheet_id) is not None:
                sheet_id = work.rng.randrange(1, 2**31)
        grid = props.get("gridProperties") or {}
        rows = int(grid.get("rowCount", DEFAULT_ROWS))
        cols = int(grid.get("columnCount", DEFAULT_COLUMNS))
        if rows <= 0 or cols <= 0:
            raise invalid(f"Invalid {where}: a sheet must have at least one row and one column.")
        index = min(max(int(props.get("index", len(work.sheets))), 0), len(work.sheets))
        sheet = _new_sheet(sheet_id, str(title), index, rows, cols)
        extra = {
            k: v for k, v in props.items() if k not in ("sheetId", "title", "index", "sheetType", "gridProperties")
        }
        sheet.properties.update(extra)
        sheet.properties["gridProperties"].update(
            {k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")}
        )
        work.sheets.insert(index, sheet)
        work.reindex()
        return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}

    def _r_deleteSheet(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No sheet with id: {payload.get('sheetId', 0)}")
        if len(work.sheets) == 1:
            raise invalid(f"Invalid {where}: You can't remove all the sheets in a document.")
        work.sheets.remove(sheet)
        work.reindex()

    def _r_updateSheetProperties(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        source = payload.get("properties") or {}
        sheet = work.sheet_by_id(int(source.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {source.get('sheetId', 0)}")
        tree = self._fields(payload, where)
        props = copy.deepcopy(sheet.properties)
        old_index = int(props["index"])
        _apply_mask(props, {**source, "sheetId": sheet.sheet_id}, tree)
        props["sheetId"] = sheet.sheet_id
        props.setdefault("sheetType", "GRID")
        title = str(props.get("title") or "")
        if not title:
            raise invalid(f"Invalid {where}: Sheet title must not be empty.")
        if title != sheet.title and work.sheet_by_title(title) is not None:
            raise invalid(
                f'Invalid {where}: A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = props.setdefault("gridProperties", {})
        rows, cols = int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
        if rows <= 0:
            raise invalid(f"Invalid {where}: You can't delete all the rows on the sheet.")
        if cols <= 0:
            raise invalid(f"Invalid {where}: You can't delete all the columns on the sheet.")
        if int(grid.get("frozenRowCount", 0)) >= rows:
            raise invalid(f"Invalid {where}: You can't freeze all visible rows on the sheet.")
        if int(grid.get("frozenColumnCount", 0)) >= cols:
            raise invalid(f"Invalid {where}: You can't freeze all visible columns on the sheet.")
        for key in ("frozenRowCount", "frozenColumnCount"):
            if grid.get(key) == 0:
                grid.pop(key)  # proto3 JSON drops zeros
        sheet.properties = props
        sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}
        new_index = int(props.get("index", old_index))
        if new_index != old_index:
            work.sheets.remove(sheet)
            work.sheets.insert(min(max(new_index, 0), len(work.sheets)), sheet)
        work.reindex()

    def _r_updateSpreadsheetProperties(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        tree = self._fields(payload, where)
        props = copy.deepcopy(work.properties)
        _apply_mask(props, payload.get("properties") or {}, tree)
        if not props.get("title"):
            raise invalid(f"Invalid {where}: Spreadsheet title must not be empty.")
        work.properties = props

    # ---- cells

    def _r_updateCells(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        tree = self._fields(payload, where)
        rows = payload.get("rows") or []
        data = [[c or {} for c in (row or {}).get("values") or []] for row in rows]
        if "range" in payload:
            sheet, r0, r1, c0, c1 = self._grid(work, payload["range"], where)
        else:
            start = payload.get("start") or {}
            sheet, r0, _, c0, _ = self._grid(work, {"sheetId": start.get("sheetId", 0)}, where)
            r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
            r1 = r0 + len(data)
            c1 = c0 + max((len(row) for row in data), default=0)
            self._grid(
                work,
                {
                    "sheetId": sheet.sheet_id,
                    "startRowIndex": r0,
                    "endRowIndex": max(r1, r0 + 1),
                    "startColumnIndex": c0,
                    "endColumnIndex": max(c1, c0 + 1),
                },
                where,
            )
        for r in range(r0, r1):
            row = data[r - r0] if r - r0 < len(data) else []
            width = c1 if "range" in payload else c0 + len(row)
            for c in range(c0, width):
                cell = row[c - c0] if c - c0 < len(row) else {}
                try:
                    self._set_cell(sheet, (r, c), cell, tree)
                except RpcError as err:
                    raise invalid(f"Invalid {where}: {err.message}") from None

    def _r_repeatCell(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        tree = self._fields(payload, where)
        sheet, r0, r1, c0, c1 = self._grid(work, payload.get("range"), where)
        cell = payload.get("cell") or {}
        for r in range(r0, r1):
            for c in range(c0, c1):
                try:
                    self._set_cell(sheet, (r, c), cell, tree)
                except RpcError as err:
                    raise invalid(f"Invalid {where}: {err.message}") from None

    def _r_updateBorders(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, r0, r1, c0, c1 = self._grid(work, payload.get("range"), where)
        for r in range(r0, r1):
            for c in range(c0, c1):
                sides = {
                    "top": payload.get("top") if r == r0 else payload.get("innerHorizontal"),
                    "bottom": payload.get("bottom") if r == r1 - 1 else payload.get("innerHorizontal"),
                    "left": payload.get("left") if c == c0 else payload.get("innerVertical"),
                    "right": payload.get("right") if c == c1 - 1 else payload.get("innerVertical"),
                }
                present: dict[str, JSON] = {k: v for k, v in sides.items() if isinstance(v, dict)}
                if not present:
                    continue
                cell = sheet.cells.get((r, c), {})
                borders = cell.setdefault("userEnteredFormat", {}).setdefault("borders", {})
                for side, border in present.items():
                    if border.get("style") == "NONE":
                        borders.pop(side, None)
                    else:
                        borders[side] = copy.deepcopy(border)
                if not borders:
                    cell["userEnteredFormat"].pop("borders")
                _store(sheet, (r, c), cell)

    def _r_mergeCells(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, r0, r1, c0, c1 = self._grid(work, payload.get("range"), where)
        merge_type = payload.get("mergeType", "MERGE_ALL")
        if merge_type == "MERGE_ALL":
            boxes = [(r0, r1, c0, c1)]
        elif merge_type == "MERGE_COLUMNS":
            boxes = [(r0, r1, c, c + 1) for c in range(c0, c1)]
        elif merge_type == "MERGE_ROWS":
            boxes = [(r, r + 1, c0, c1) for r in range(r0, r1)]
        else:
            raise invalid(f"Invalid {where}: unknown mergeType {merge_type}")
        # Like the UI, merging over existing merges replaces them (keeps re-runs idempotent).
        self._unmerge(sheet, r0, r1, c0, c1)
        sheet.merges.extend(
            _grid_range_json(sheet.sheet_id, a, b, c, d) for a, b, c, d in boxes if (b - a) * (d - c) > 1
        )

    @staticmethod
    def _unmerge(sheet: _Sheet, r0: int, r1: int, c0: int, c1: int) -> None:
        def overlaps(m: JSON) -> bool:
            return (
                m.get("startRowIndex", 0) < r1
                and r0 < m["endRowIndex"]
                and m.get("startColumnIndex", 0) < c1
                and c0 < m["endColumnIndex"]
            )

        sheet.merges = [m for m in sheet.merges if not overlaps(m)]

    def _r_unmergeCells(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, r0, r1, c0, c1 = self._grid(work, payload.get("range"), where)
        self._unmerge(sheet, r0, r1, c0, c1)

    # ---- dimensions

    def _r_updateDimensionProperties(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        tree = self._fields(payload, where)
        sheet, dimension, start, end = self._dimension_range(work, payload.get("range"), where)
        sizes = sheet.row_sizes if dimension == "ROWS" else sheet.column_sizes
        for i in range(start, end):
            props = sizes.get(i, {})
            _apply_mask(props, payload.get("properties") or {}, tree)
            if props:
                sizes[i] = props
            else:
                sizes.pop(i, None)

    def _r_autoResizeDimensions(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, dimension, start, end = self._dimension_range(work, payload.get("dimensions"), where)
        for i in range(start, end):
            if dimension == "ROWS":
                sheet.row_sizes.setdefault(i, {})["pixelSize"] = _DEFAULT_ROW_PX
                continue
            longest = max((len(_formatted(cell)) for (_, c), cell in sheet.cells.items() if c == i), default=0)
            sheet.column_sizes.setdefault(i, {})["pixelSize"] = max(20, 10 + 7 * longest)

    def _r_appendDimension(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {payload.get('sheetId', 0)}")
        length = int(payload.get("length", 0))
        if length <= 0:
            raise invalid(f"Invalid {where}: length must be greater than 0")
        dimension = payload.get("dimension")
        if dimension not in _DIMENSIONS:
            raise invalid(f"Invalid {where}: dimension must be ROWS or COLUMNS")
        key = "rowCount" if dimension == "ROWS" else "columnCount"
        sheet.properties["gridProperties"][key] += length

    def _r_insertDimension(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        raw = payload.get("range") or {}
        sheet = work.sheet_by_id(int(raw.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {raw.get('sheetId', 0)}")
        dimension = raw.get("dimension")
        size = sheet.rows if dimension == "ROWS" else sheet.cols
        start, end = int(raw.get("startIndex", 0)), int(raw.get("endIndex", 0))
        if dimension not in _DIMENSIONS or start < 0 or end <= start or start > size:
            raise invalid(f"Invalid {where}: Invalid dimension range [{start}, {end})")
        if dimension == "ROWS":
            _insert_rows(sheet, start, end - start)
        else:
            count = end - start
            sheet.cells = {(r, c + count if c >= start else c): v for (r, c), v in sheet.cells.items()}
            sheet.column_sizes = {(c + count if c >= start else c): p for c, p in sheet.column_sizes.items()}
            sheet.properties["gridProperties"]["columnCount"] += count

    def _r_deleteDimension(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, dimension, start, end = self._dimension_range(work, payload.get("range"), where)
        count = end - start
        size = sheet.rows if dimension == "ROWS" else sheet.cols
        if count >= size:
            noun = "rows" if dimension == "ROWS" else "columns"
            raise invalid(f"Invalid {where}: You can't delete all the {noun} on the sheet.")
        axis = 0 if dimension == "ROWS" else 1

        def moved(i: int) -> int | None:
            return None if start <= i < end else (i - count if i >= end else i)

        cells: dict[tuple[int, int], Cell] = {}
        for key, cell in sheet.cells.items():
            new = moved(key[axis])
            if new is not None:
                cells[(new, key[1]) if axis == 0 else (key[0], new)] = cell
        sheet.cells = cells
        sizes = sheet.row_sizes if axis == 0 else sheet.column_sizes
        shifted = {moved(i): p for i, p in sizes.items()}
        shifted.pop(None, None)
        if axis == 0:
            sheet.row_sizes = {int(k): v for k, v in shifted.items() if k is not None}
        else:
            sheet.column_sizes = {int(k): v for k, v in shifted.items() if k is not None}
        sheet.properties["gridProperties"]["rowCount" if axis == 0 else "columnCount"] = size - count

    # ---- conditional formats, filters, charts

    def _rule_sheet(self, work: _Spreadsheet, rule: Any, where: str) -> tuple[_Sheet, JSON]:
        if not isinstance(rule, dict) or not rule.get("ranges"):
            raise invalid(f"Invalid {where}: A conditional format rule must have at least one range.")
        if "booleanRule" not in rule and "gradientRule" not in rule:
            raise invalid(f"Invalid {where}: A conditional format rule must have a booleanRule or gradientRule.")
        resolved = [self._grid(work, r, where) for r in rule["ranges"]]
        sheets = {s.sheet_id for s, *_ in resolved}
        if len(sheets) != 1:
            raise invalid(f"Invalid {where}: All ranges of a conditional format rule must be on the same sheet.")
        stored = copy.deepcopy(rule)
        stored["ranges"] = [_grid_range_json(s.sheet_id, a, b, c, d) for s, a, b, c, d in resolved]
        return resolved[0][0], stored

    def _r_addConditionalFormatRule(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet, rule = self._rule_sheet(work, payload.get("rule"), where)
        index = int(payload.get("index", 0))
        if not 0 <= index <= len(sheet.conditional_formats):
            raise invalid(f"Invalid {where}: Invalid index {index} for conditional format rules.")
        sheet.conditional_formats.insert(index, rule)

    def _conditional_at(self, work: _Spreadsheet, payload: JSON, where: str) -> tuple[_Sheet, int]:
        sheet_id = int(payload.get("sheetId", 0))
        sheet = work.sheet_by_id(sheet_id)
        index = int(payload.get("index", 0))
        if sheet is None or not 0 <= index < len(sheet.conditional_formats):
            raise invalid(f"Invalid {where}: No conditional format on sheet: {sheet_id} at index: {index}")
        return sheet, index

    def _r_deleteConditionalFormatRule(self, work: _Spreadsheet, payload: JSON, where: str) -> JSON:
        sheet, index = self._conditional_at(work, payload, where)
        rule = sheet.conditional_formats.pop(index)
        return {"deleteConditionalFormatRule": {"rule": rule}}

    def _r_updateConditionalFormatRule(self, work: _Spreadsheet, payload: JSON, where: str) -> JSON:
        sheet, index = self._conditional_at(work, payload, where)
        old = sheet.conditional_formats[index]
        if "rule" in payload:
            new_sheet, rule = self._rule_sheet(work, payload["rule"], where)
            if new_sheet is not sheet:
                raise invalid(f"Invalid {where}: The rule must stay on sheet {sheet.sheet_id}.")
            sheet.conditional_formats[index] = rule
            return {
                "updateConditionalFormatRule": {"newRule": rule, "oldRule": old, "newIndex": index, "oldIndex": index}
            }
        new_index = int(payload.get("newIndex", index))
        if not 0 <= new_index < len(sheet.conditional_formats):
            raise invalid(f"Invalid {where}: Invalid newIndex {new_index}.")
        sheet.conditional_formats.insert(new_index, sheet.conditional_formats.pop(index))
        return {
            "updateConditionalFormatRule": {"newRule": old, "oldRule": old, "newIndex": new_index, "oldIndex": index}
        }

    def _r_setBasicFilter(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        flt = copy.deepcopy(payload.get("filter") or {})
        sheet, r0, r1, c0, c1 = self._grid(work, flt.get("range") or {"sheetId": 0}, where)
        flt["range"] = _grid_range_json(sheet.sheet_id, r0, r1, c0, c1)
        sheet.basic_filter = flt

    def _r_clearBasicFilter(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
        if sheet is None:
            raise invalid(f"Invalid {where}: No grid with id: {payload.get('sheetId', 0)}")
        sheet.basic_filter = None

    def _find_chart(self, work: _Spreadsheet, chart_id: Any, where: str) -> tuple[_Sheet, JSON]:
        for sheet in work.sheets:
            for chart in sheet.charts:
                if chart["chartId"] == chart_id:
                    return sheet, chart
        raise invalid(f"Invalid {where}: No chart with id: {chart_id}")

    def _check_sources(self, work: _Spreadsheet, spec: Any, where: str) -> None:
        """Every GridRange under a ``sources`` list of the chart spec must exist on the grid."""
        if isinstance(spec, dict):
            for key, value in spec.items():
                if key == "sources" and isinstance(value, list):
                    for source in value:
                        self._grid(work, source, where)
                else:
                    self._check_sources(work, value, where)
        elif isinstance(spec, list):
            for item in spec:
                self._check_sources(work, item, where)

    def _r_addChart(self, work: _Spreadsheet, payload: JSON, where: str) -> JSON:
        chart = copy.deepcopy(payload.get("chart") or {})
        if not isinstance(chart.get("spec"), dict):
            raise invalid(f"Invalid {where}: chart.spec is required")
        self._check_sources(work, chart["spec"], where)
        position = chart.get("position") or {}
        if position.get("newSheet"):
            raise invalid(f"Invalid {where}: charts on a new sheet are not supported by the Sheets emulator.")
        if "overlayPosition" in position:
            overlay = position["overlayPosition"]
            anchor = overlay.get("anchorCell") or {}
            sheet, *_ = self._grid(
                work,
                {
                    "sheetId": anchor.get("sheetId", 0),
                    "startRowIndex": anchor.get("rowIndex", 0),
                    "endRowIndex": int(anchor.get("rowIndex", 0)) + 1,
                    "startColumnIndex": anchor.get("columnIndex", 0),
                    "endColumnIndex": int(anchor.get("columnIndex", 0)) + 1,
                },
                where,
            )
            overlay.setdefault("widthPixels", 600)
            overlay.setdefault("heightPixels", 371)
        else:
            found = work.sheet_by_id(int(position.get("sheetId", 0)))
            if found is None:
                raise invalid(f"Invalid {where}: No grid with id: {position.get('sheetId', 0)}")
            sheet = found
        taken = {c["chartId"] for s in work.sheets for c in s.charts}
        if "chartId" in chart:
            if chart["chartId"] in taken:
                raise invalid(f"Invalid {where}: An object with id {chart['chartId']} already exists.")
        else:
            chart_id = work.rng.randrange(1, 2**31)
            while chart_id in taken:
                chart_id = work.rng.randrange(1, 2**31)
            chart["chartId"] = chart_id
        stored = {"chartId": chart["chartId"], "spec": chart["spec"], "position": position}
        if "border" in chart:
            stored["border"] = chart["border"]
        sheet.charts.append(stored)
        return {"addChart": {"chart": copy.deepcopy(stored)}}

    def _r_updateChartSpec(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        _, chart = self._find_chart(work, payload.get("chartId"), where)
        if not isinstance(payload.get("spec"), dict):
            raise invalid(f"Invalid {where}: spec is required")
        self._check_sources(work, payload["spec"], where)
        chart["spec"] = copy.deepcopy(payload["spec"])

    def _r_deleteEmbeddedObject(self, work: _Spreadsheet, payload: JSON, where: str) -> None:
        try:
            sheet, chart = self._find_chart(work, payload.get("objectId"), where)
        except RpcError:
            raise invalid(f"Invalid {where}: No object with id: {payload.get('objectId')}") from None
        sheet.charts.remove(chart)


def _quote_title_always(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty cells of every row, then trailing empty rows (as the API does)."""
    out: list[list[Any]] = []
    for row in grid:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return out


def _store(sheet: _Sheet, key: tuple[int, int], cell: Cell) -> None:
    if cell.get("userEnteredFormat") == {}:
        cell.pop("userEnteredFormat")
    if cell:
        sheet.cells[key] = cell
    else:
        sheet.cells.pop(key, None)


def _insert_rows(sheet: _Sheet, at: int, count: int) -> None:
    """Shift cells at or below row ``at`` down by ``count`` and grow the grid."""
    sheet.cells = {((r + count if r >= at else r), c): cell for (r, c), cell in sheet.cells.items()}
    sheet.row_sizes = {(r + count if r >= at else r): p for r, p in sheet.row_sizes.items()}
    sheet.properties["gridProperties"]["rowCount"] = sheet.rows + count


def _grid_range_json(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> JSON:
    """GridRange JSON; proto3 JSON omits zero-valued fields as the real API does."""
    out: JSON = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    if r0:
        out["startRowIndex"] = r0
    out["endRowIndex"] = r1
    if c0:
        out["startColumnIndex"] = c0
    out["endColumnIndex"] = c1
    return out


def _sheet_json(sheet: _Sheet) -> JSON:
    entry: JSON = {"properties": copy.deepcopy(sheet.properties)}
    if sheet.merges:
        entry["merges"] = copy.deepcopy(sheet.merges)
    if sheet.conditional_formats:
        entry["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
    if sheet.basic_filter is not None:
        entry["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    if sheet.charts:
        entry["charts"] = copy.deepcopy(sheet.charts)
    return entry


def _cell_json(cell: Cell | None) -> JSON:
    if not cell:
        return {}
    out = copy.deepcopy(cell)
    effective = _effective_value(cell)
    if effective is not None:
        out["effectiveValue"] = effective
        out["formattedValue"] = _formatted(cell)
    if "userEnteredFormat" in cell:
        out["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])
    return out


def _grid_data(sheet: _Sheet, r0: int, r1: int, c0: int, c1: int) -> JSON:
    """GridData for a box: rowData trimmed after the last non-empty row, each row after its last cell."""
    rows: list[JSON] = []
    by_row: dict[int, list[int]] = {}
    for r, c in sheet.cells:
        if r0 <= r < r1 and c0 <= c < c1:
            by_row.setdefault(r, []).append(c)
    last_row = max(by_row, default=r0 - 1)
    for r in range(r0, last_row + 1):
        cols = by_row.get(r)
        if not cols:
            rows.append({})
            continue
        rows.append({"values": [_cell_json(sheet.cells.get((r, c))) for c in range(c0, max(cols) + 1)]})
    data: JSON = {}
    if r0:
        data["startRow"] = r0
    if c0:
        data["startColumn"] = c0
    if rows:
        data["rowData"] = rows
    data["rowMetadata"] = [{"pixelSize": _DEFAULT_ROW_PX, **sheet.row_sizes.get(r, {})} for r in range(r0, r1)]
    data["columnMetadata"] = [{"pixelSize": _DEFAULT_COLUMN_PX, **sheet.column_sizes.get(c, {})} for c in range(c0, c1)]
    return data
