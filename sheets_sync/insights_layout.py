"""How the Insights tab is laid out so that wrapped notes never overlap, in both writers.

The detail column wraps and every cell sits at the top of its row. Google Sheets grows a row to fit its
wrapped text by itself (rows the pipeline never sizes), so the sheet only needs widths and the wrap; a
workbook row that openpyxl writes has no height, and LibreOffice and print preview then draw a long note
over the next rows, so the xlsx writer gives each row the height of its wrapped note
(:func:`xlsx_row_height`). Called by ``gsheets_writer`` and ``xlsx_tabs``.
"""

from __future__ import annotations

import textwrap
from typing import Any

DETAIL_COLUMN = 3  # 0-based: week_start, source, flag, detail, value, run_id, noted_at
SHEETS_COLUMN_PIXELS = (90, 100, 150, 640, 80, 270, 150)  # run_id: a 36-character UUID
XLSX_DETAIL_WIDTH = 90  # characters of the default font, the width the xlsx writer gives the column
XLSX_LINE_POINTS = 15.0  # one line of 11-point Calibri with its leading
# Text runs narrower than the "0" that column widths count in, but capitals and wide glyphs do not; a
# line of 0.9 × the width in characters never spills, at the cost of a little space under some notes.
_CHARS_PER_WIDTH = 0.9


def wrapped_lines(text: str, width_chars: float = XLSX_DETAIL_WIDTH) -> int:
    """How many lines ``text`` takes when wrapped at word boundaries in a column ``width_chars`` wide."""
    per_line = max(1, int(width_chars * _CHARS_PER_WIDTH))
    return sum(max(1, len(textwrap.wrap(paragraph, per_line))) for paragraph in text.split("\n"))


def xlsx_row_height(detail: object) -> float:
    """The row height (points) that shows the whole wrapped note of an Insights row."""
    text = "" if detail is None else str(detail)
    return XLSX_LINE_POINTS * wrapped_lines(text)


def sheets_requests(sheet_id: int, rows: int) -> list[dict[str, Any]]:
    """batchUpdate requests giving the Insights tab its column widths, top alignment and wrapped notes.

    Args:
        sheet_id: The Insights tab's sheet id.
        rows: Rows written (header included).
    """
    requests: list[dict[str, Any]] = [
        {
            "updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": i, "endIndex": i + 1},
                "properties": {"pixelSize": pixels},
                "fields": "pixelSize",
            }
        }
        for i, pixels in enumerate(SHEETS_COLUMN_PIXELS)
    ]
    every_cell = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": max(rows, 1)}
    requests.append(
        {
            "repeatCell": {
                "range": {**every_cell, "startColumnIndex": 0, "endColumnIndex": len(SHEETS_COLUMN_PIXELS)},
                "cell": {"userEnteredFormat": {"verticalAlignment": "TOP"}},
                "fields": "userEnteredFormat.verticalAlignment",
            }
        }
    )
    # WRAP: "Wrap lines that are longer than the cell width onto a new line" (Sheets WrapStrategy reference).
    requests.append(
        {
            "repeatCell": {
                "range": {**every_cell, "startColumnIndex": DETAIL_COLUMN, "endColumnIndex": DETAIL_COLUMN + 1},
                "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP"}},
                "fields": "userEnteredFormat.wrapStrategy",
            }
        }
    )
    return requests
