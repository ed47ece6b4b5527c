"""Local, faithful emulator of the Google Sheets API v4, driven by real gspread 6 in tests.

Started by :mod:`emulators.suite`, the tests and the benchmarks; :class:`SheetsEmulator` lives in ``app.py``.

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

Modules: ``app`` (the WSGI app, test controls and inspection), ``routes`` (path -> endpoint), ``access``
(tokens, sharing, injected faults, quotas), ``params`` (the call a handler receives, option parsing),
``values`` and ``spreadsheet_get`` (endpoints), ``batch_update`` (the batch) with its request kinds in
``batch_sheets``, ``batch_cells``, ``batch_dimensions`` and ``batch_objects`` (shared helpers in
``batch_common``), ``store`` (the data model), ``a1`` (A1 notation), ``cells`` (values and formats) and
``fields`` (field masks).
"""

from emulators.sheets.a1 import column_letters
from emulators.sheets.access import SHEETS_SCOPE_PREFIXES
from emulators.sheets.app import SheetsEmulator
from emulators.sheets.batch_update import SUPPORTED_REQUESTS
from emulators.sheets.store import DEFAULT_COLUMNS, DEFAULT_ROWS

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_ROWS",
    "SHEETS_SCOPE_PREFIXES",
    "SUPPORTED_REQUESTS",
    "SheetsEmulator",
    "column_letters",
]
