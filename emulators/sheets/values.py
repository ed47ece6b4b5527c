"""The Sheets emulator's ``values`` endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear.

Each handler takes an :class:`~emulators.sheets.params.EndpointCall`; :mod:`emulators.sheets.routes` maps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulators.google_rpc import RpcError, invalid
from emulators.sheets.a1 import a1_box, column_letters, quote_title_always, range_text
from emulators.sheets.cells import input_value, number_format, render, scalar, trim_grid
from emulators.sheets.params import (
    DATE_RENDER_OPTIONS,
    DIMENSIONS,
    INPUT_OPTIONS,
    RENDER_OPTIONS,
    EndpointCall,
    enum_option,
    flag,
)
from emulators.sheets.store import (
    CELL_LIMIT_MESSAGE,
    JSON,
    Sheet,
    Spreadsheet,
    clamp,
    insert_rows,
    resolve_range,
    store_cell,
)

# One written value parsed to (userEnteredValue, numberFormat); None leaves the cell unchanged.
ParsedRows = list[list[tuple[JSON | None, JSON | None] | None]]


# ------------------------------------------------------------------------------------------- reads


def _read_range(book: Spreadsheet, text: str, params: Sequence[tuple[str, str]]) -> JSON:
    opts = dict(params)
    value_render = enum_option(opts.get("valueRenderOption"), "ValueRenderOption", RENDER_OPTIONS, "FORMATTED_VALUE")
    date_render = enum_option(
        opts.get("dateTimeRenderOption"), "DateTimeRenderOption", DATE_RENDER_OPTIONS, "SERIAL_NUMBER"
    )
    major = enum_option(opts.get("majorDimension"), "Dimension", DIMENSIONS, "ROWS")
    sheet, rng = resolve_range(book, text)
    r0, r1, c0, c1 = clamp(sheet, rng)
    grid = [[render(sheet.cells.get((r, c)), value_render, date_render) for c in range(c0, c1)] for r in range(r0, r1)]
    if major == "COLUMNS":
        grid = [list(col) for col in zip(*grid, strict=True)] if grid else []
    result: JSON = {"range": range_text(sheet.title, r0, c0, r1 - 1, c1 - 1), "majorDimension": major}
    trimmed = trim_grid(grid)
    if trimmed:
        result["values"] = trimmed
    return result


def get_values(call: EndpointCall) -> JSON:
    """``GET .../values/{range}``."""
    return _read_range(call.book, call.path_range, call.params)


def batch_get_values(call: EndpointCall) -> JSON:
    """``GET .../values:batchGet``."""
    ranges = [v for k, v in call.params if k == "ranges"]
    others = [(k, v) for k, v in call.params if k != "ranges"]
    result: JSON = {"spreadsheetId": call.book.spreadsheet_id}
    if ranges:
        result["valueRanges"] = [_read_range(call.book, r, others) for r in ranges]
    return result


# ------------------------------------------------------------------------------------------- writes


def _prepare_write(
    book: Spreadsheet, text: str, values: Any, major: Any, user_entered: bool, where: str
) -> tuple[Sheet, int, int, ParsedRows, JSON]:
    """Validate one ValueRange write; returns (sheet, row, col, parsed rows, response) without writing."""
    sheet, rng = resolve_range(book, text)
    dimension = enum_option(major, "Dimension", DIMENSIONS, "ROWS")
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
        rr0, rr1, cc0, cc1 = clamp(sheet, rng)
        canonical_requested = range_text(sheet.title, rr0, cc0, rr1 - 1, cc1 - 1)
        if rng.end_row is not None and r0 + height > rng.end_row:
            raise invalid(
                f"Requested writing within range [{canonical_requested}], but tried writing to row [{rng.end_row + 1}]"
            )
        if rng.end_col is not None and c0 + width > rng.end_col:
            raise invalid(
                f"Requested writing within range [{canonical_requested}], but tried writing to column "
                f"[{column_letters(rng.end_col)}]"
            )
    parsed: ParsedRows = []
    cells = 0
    for i, row in enumerate(rows):
        out_row: list[tuple[JSON | None, JSON | None] | None] = []
        for j, raw in enumerate(row):
            if raw is None:
                out_row.append(None)
                continue
            out_row.append(input_value(raw, user_entered, f"{where}[{i}][{j}]"))
            cells += 1
        parsed.append(out_row)
    if height == 0 or width == 0:
        start = range_text(sheet.title, r0, c0, r0, c0)
        return sheet, r0, c0, [], {"spreadsheetId": book.spreadsheet_id, "updatedRange": start}
    if r0 + height > sheet.rows or c0 + width > sheet.cols:
        raise invalid(
            f"Range ({quote_title_always(sheet.title)}!{a1_box(r0, c0, r0 + height - 1, c0 + width - 1)}) "
            f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )
    response: JSON = {
        "spreadsheetId": book.spreadsheet_id,
        "updatedRange": range_text(sheet.title, r0, c0, r0 + height - 1, c0 + width - 1),
        "updatedRows": sum(1 for row in parsed if any(v is not None for v in row)),
        "updatedColumns": sum(1 for j in range(width) if any(j < len(row) and row[j] is not None for row in parsed)),
        "updatedCells": cells,
    }
    return sheet, r0, c0, parsed, response


def _written(prepared: tuple[Sheet, int, int, ParsedRows, JSON]) -> set[tuple[int, int]]:
    """The (row, column) of every cell one prepared write sets."""
    _, r0, c0, parsed, _ = prepared
    return {(r0 + i, c0 + j) for i, row in enumerate(parsed) for j, item in enumerate(row) if item is not None}


def _write(sheet: Sheet, r0: int, c0: int, parsed: ParsedRows) -> None:
    for i, row in enumerate(parsed):
        for j, item in enumerate(row):
            if item is None:
                continue
            value, parsed_format = item
            key = (r0 + i, c0 + j)
            cell = sheet.cells.get(key, {})
            if value is None:
                cell.pop("userEnteredValue", None)
            else:
                cell["userEnteredValue"] = value
                if parsed_format and not number_format(cell):
                    cell.setdefault("userEnteredFormat", {})["numberFormat"] = parsed_format
            store_cell(sheet, key, cell)


def _updated_data(book: Spreadsheet, response: JSON, opts: Mapping[str, Any]) -> JSON:
    params = [
        ("valueRenderOption", opts.get("responseValueRenderOption") or "FORMATTED_VALUE"),
        ("dateTimeRenderOption", opts.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"),
    ]
    return _read_range(book, response["updatedRange"], params)


def _input_option(value: Any) -> bool:
    if not value:
        raise invalid("'valueInputOption' is required but not specified")
    return enum_option(value, "ValueInputOption", INPUT_OPTIONS, "RAW") == "USER_ENTERED"


def update_values(call: EndpointCall) -> JSON:
    """``PUT .../values/{range}``."""
    book, body, text = call.book, call.body, call.path_range
    opts = dict(call.params)
    user_entered = _input_option(opts.get("valueInputOption"))
    if body.get("range") and body["range"] != text:
        body_sheet, body_rng = resolve_range(book, str(body["range"]))
        url_sheet, url_rng = resolve_range(book, text)
        if (body_sheet.sheet_id, body_rng) != (url_sheet.sheet_id, url_rng):
            raise invalid(
                f"Invalid values[0]: The range in the request body ({body['range']}) does not match the "
                f"range in the URL ({text})."
            )
    sheet, r0, c0, parsed, response = _prepare_write(
        book, text, body.get("values"), body.get("majorDimension"), user_entered, "data.values"
    )
    _write(sheet, r0, c0, parsed)
    if flag(opts.get("includeValuesInResponse", False)):
        response["updatedData"] = _updated_data(book, response, opts)
    return response


def batch_update_values(call: EndpointCall) -> JSON:
    """``POST .../values:batchUpdate``; atomic: every range is validated before anything is written."""
    book, body = call.book, call.body
    user_entered = _input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    if not isinstance(data, list):
        raise invalid("Invalid value at 'data' (type.googleapis.com/google.apps.sheets.v4.ValueRange)")
    prepared = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not item.get("range"):
            raise invalid(f"Invalid data[{i}]: Unable to parse range: {item.get('range') if item else ''}")
        try:
            prepared.append(
                _prepare_write(
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
        _write(sheet, r0, c0, parsed)
        if body.get("includeValuesInResponse") and "updatedCells" in response:
            response["updatedData"] = _updated_data(book, response, body)
        responses.append(response)
    result.update(
        {
            # Rows and columns "where at least one cell was updated" (the API reference), so a column
            # written by two ranges counts once (gspread's recorded WorksheetTest.test_batch_update).
            "totalUpdatedRows": len({(p[0].sheet_id, row) for p in prepared for row, _ in _written(p)}),
            "totalUpdatedColumns": len({(p[0].sheet_id, col) for p in prepared for _, col in _written(p)}),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len({p[0].sheet_id for p in prepared if "updatedCells" in p[4]}),
            "responses": responses,
        }
    )
    return result


def append_values(call: EndpointCall) -> JSON:
    """``POST .../values/{range}:append``: write after the table found in the range, growing the grid."""
    book, body, text = call.book, call.body, call.path_range
    opts = dict(call.params)
    user_entered = _input_option(opts.get("valueInputOption"))
    insert = enum_option(opts.get("insertDataOption"), "InsertDataOption", ("OVERWRITE", "INSERT_ROWS"), "OVERWRITE")
    sheet, rng = resolve_range(book, text)
    r0, r1, c0, c1 = clamp(sheet, rng)
    if rng.end_row is not None and rng.end_row - (rng.start_row or 0) == 1 and rng.end_col == c0 + 1:
        # A single-cell range names the table's corner: look across the whole row width.
        r1, c1 = sheet.rows, sheet.cols
    table_start = next(
        (r for r in range(r0, r1) if any(scalar(sheet.cells.get((r, c))) != "" for c in range(c0, c1))), None
    )
    result: JSON = {"spreadsheetId": book.spreadsheet_id}
    if table_start is None:
        write_row = r0
    else:
        table_end = table_start
        while table_end + 1 < sheet.rows and any(
            scalar(sheet.cells.get((table_end + 1, c))) != "" for c in range(c0, c1)
        ):
            table_end += 1
        last_col = max(
            c for r in range(table_start, table_end + 1) for c in range(c0, c1) if scalar(sheet.cells.get((r, c))) != ""
        )
        result["tableRange"] = range_text(sheet.title, table_start, c0, table_end, last_col)
        write_row = table_end + 1
    values = body.get("values") or []
    dimension = enum_option(body.get("majorDimension"), "Dimension", DIMENSIONS, "ROWS")
    if dimension == "COLUMNS":
        width = max((len(col) for col in values), default=0)
        values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    height = len(values)
    width = max((len(row) for row in values), default=0)
    new_rows = height if insert == "INSERT_ROWS" else max(0, write_row + height - sheet.rows)
    new_cols = max(0, c0 + width - sheet.cols)
    if new_rows or new_cols:
        extra = (sheet.rows + new_rows) * (sheet.cols + new_cols) - sheet.grid_cells
        if book.total_cells() + extra > call.cell_limit:
            raise invalid(CELL_LIMIT_MESSAGE.format(call.cell_limit))
    if insert == "INSERT_ROWS" and height:
        insert_rows(sheet, write_row, height)
    grid = sheet.properties["gridProperties"]
    grid["rowCount"] = max(sheet.rows, write_row + height)
    grid["columnCount"] = sheet.cols + new_cols
    target = range_text(sheet.title, write_row, c0, write_row, c0)
    _, w_r0, w_c0, parsed, update = _prepare_write(book, target, values, "ROWS", user_entered, "data.values")
    _write(sheet, w_r0, w_c0, parsed)
    if flag(opts.get("includeValuesInResponse", False)) and "updatedCells" in update:
        update["updatedData"] = _updated_data(book, update, opts)
    result["updates"] = update
    return result


# ------------------------------------------------------------------------------------------- clears


def _clear(book: Spreadsheet, text: str) -> str:
    sheet, rng = resolve_range(book, text)
    r0, r1, c0, c1 = clamp(sheet, rng)
    for key in [k for k in sheet.cells if r0 <= k[0] < r1 and c0 <= k[1] < c1]:
        cell = sheet.cells[key]
        cell.pop("userEnteredValue", None)
        store_cell(sheet, key, cell)
    return range_text(sheet.title, r0, c0, r1 - 1, c1 - 1)


def clear_values(call: EndpointCall) -> JSON:
    """``POST .../values/{range}:clear`` (values only; formats and notes stay)."""
    return {"spreadsheetId": call.book.spreadsheet_id, "clearedRange": _clear(call.book, call.path_range)}


def batch_clear_values(call: EndpointCall) -> JSON:
    """``POST .../values:batchClear``."""
    book = call.book
    ranges = call.body.get("ranges") or []
    for r in ranges:  # validate every range first: the call is atomic
        sheet, rng = resolve_range(book, str(r))
        clamp(sheet, rng)
    result: JSON = {"spreadsheetId": book.spreadsheet_id}
    if ranges:
        result["clearedRanges"] = [_clear(book, str(r)) for r in ranges]
    return result
