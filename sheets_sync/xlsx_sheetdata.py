"""A worksheet's rows as raw XML: read the Snapshots tab without openpyxl, and append to it without re-serialising.

The Snapshots tab of a three-year tracker holds ~100k rows (36 MB of XML); openpyxl spends seconds parsing
it on every read and again on every write, and seconds serialising it back, although a run only ever
appends to it. This module lets :class:`~sheets_sync.xlsx_writer.XlsxTracker` handle the tab's
``<sheetData>`` as bytes:

* :func:`split_sheet_data` cuts a worksheet part into what comes before its rows, the rows, and what
  comes after (the writer loads the workbook with an empty ``<sheetData>`` in its place and splices the
  rows back into what openpyxl saves);
* :func:`read_rows` turns the rows into a grid, as ``openpyxl``'s read-only ``iter_rows(values_only=True)``
  and :func:`~sheets_sync.xlsx_cells.grid_from_rows` would, but only for the plain cells openpyxl itself
  writes (inline strings, unstyled numbers). Anything else (shared strings after a save in Excel, formulas,
  booleans, styled numbers that could be dates, rich text) returns ``None`` and the caller reads the tab
  with openpyxl, so both roads give the same grid.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from posixpath import dirname, join, normpath

from sheets_sync.cells import Cell, Grid

_ROW_START = re.compile(r'<row r="(\d+)"[^>]*?(/?)>')
# A cell in one of the shapes openpyxl writes: an inline string, an unstyled number, an empty styled cell.
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})\d+"(?: s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>([^<\r]+)</t></is></c>'
    r'|<c r="([A-Z]{1,3})\d+" t="n"><v>([-+0-9.eE]+)</v></c>'
    r'|<c r="([A-Z]{1,3})\d+"(?: s="\d+")?(?: t="n")? ?/>'
)
# The usual Snapshots row, matched whole: six inline strings and an optional number (one regex per row).
_PLAIN_ROW = re.compile(
    "".join(f'<c r="{column}\\d+" t="inlineStr"><is><t>([^<\\r]+)</t></is></c>' for column in "ABCDEF")
    + r'(?:<c r="G\d+" t="n"><v>([-+0-9.eE]+)</v></c>)?'
)
_REL = re.compile(r"<Relationship\b[^>]*?/>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class SheetParts:
    """Where a tab's worksheet lives in the package, and its XML cut around the rows."""

    name: str
    prefix: bytes
    rows: bytes
    suffix: bytes

    @property
    def empty_xml(self) -> bytes:
        """The worksheet with no rows: what openpyxl is given to load."""
        return self.prefix + b"<sheetData/>" + self.suffix


def split_sheet_data(xml: bytes) -> tuple[bytes, bytes, bytes] | None:
    """``(before, rows, after)`` of a worksheet's XML; ``None`` when it has no single ``<sheetData>``."""
    start = xml.find(b"<sheetData")
    if start < 0 or xml.find(b"<sheetData", start + 1) >= 0:
        return None
    opening = xml.find(b">", start)
    if opening < 0:
        return None
    if xml[opening - 1 : opening] == b"/":
        return xml[:start], b"", xml[opening + 1 :]
    if xml[start:opening] != b"<sheetData":
        return None
    end = xml.rfind(b"</sheetData>")
    if end < opening:
        return None
    return xml[:start], xml[opening + 1 : end], xml[end + len(b"</sheetData>") :]


def sheet_part_name(archive: zipfile.ZipFile, title: str) -> str | None:
    """The package path of the worksheet of tab ``title`` (``xl/worksheets/sheet3.xml``), ``None`` when absent."""
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except KeyError:
        return None
    rel_id = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*?/>", workbook):
        attrs = dict(_ATTR.findall(tag))
        if html.unescape(attrs.get("name", "")) == title:
            rel_id = attrs.get("id")
            break
    if rel_id is None:
        return None
    for tag in _REL.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("Id") == rel_id and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"), target))
            return path if path in archive.namelist() else None
    return None


def read_sheet_parts(archive: zipfile.ZipFile, title: str) -> SheetParts | None:
    """The tab's worksheet cut around its rows, or ``None`` when it is missing or laid out unexpectedly."""
    name = sheet_part_name(archive, title)
    if name is None:
        return None
    cut = split_sheet_data(archive.read(name))
    if cut is None:
        return None
    return SheetParts(name, *cut)


def _column(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _number(text: str) -> int | float:
    # As openpyxl casts a number cell's text.
    return float(text) if "." in text or "e" in text or "E" in text else int(text)


def _row_cells(content: str) -> list[Cell] | None:
    """One row's cells (trailing empty ones trimmed), or ``None`` when a cell is not of a known shape."""
    plain = _PLAIN_ROW.fullmatch(content)
    if plain is not None:
        cells: list[Cell] = [html.unescape(text) if "&" in text else text for text in plain.groups()[:6]]
        if plain.group(7) is not None:
            cells.append(_number(plain.group(7)))
        while cells and cells[-1] == "":
            cells.pop()
        return cells
    current: list[Cell] = []
    position = 0
    for match in _CELL.finditer(content):
        if match.start() != position:
            return None
        position = match.end()
        text_col, text_value, num_col, num_value, empty_col = match.groups()
        column = _column(text_col or num_col or empty_col)
        if column < len(current):
            return None
        current.extend([None] * (column - len(current)))
        if text_col is not None:
            current.append(html.unescape(text_value) if "&" in text_value else text_value)
        elif num_col is not None:
            current.append(_number(num_value))
        else:
            current.append(None)
    if position != len(content):
        return None
    while current and (current[-1] is None or current[-1] == ""):
        current.pop()
    return current


def read_rows(rows: bytes) -> Grid | None:
    """The grid of a ``<sheetData>``'s rows (trailing empty cells and rows trimmed), or ``None`` when a row or
    cell is not one of the plain shapes this reader knows (read the tab with openpyxl then)."""
    try:
        text = rows.decode("utf-8")
    except UnicodeDecodeError:
        return None
    grid: Grid = []
    last_used = 0
    chunks = text.split("</row>")
    if chunks.pop().strip():
        return None  # something after the last row
    try:
        for chunk in chunks:
            while True:  # a chunk is one row, after any self-closed (empty) rows
                match = _ROW_START.match(chunk)
                if match is None:
                    return None
                number = int(match.group(1))
                if number <= len(grid):
                    return None  # rows out of order: let openpyxl decide what that means
                grid.extend([] for _ in range(number - 1 - len(grid)))
                if not match.group(2):
                    break
                grid.append([])
                chunk = chunk[match.end() :]
            cells = _row_cells(chunk[match.end() :])
            if cells is None:
                return None
            grid.append(cells)
            if cells:
                last_used = number
    except ValueError:  # a number cell openpyxl would not read either
        return None
    return grid[:last_used]


def count_rows(grid: Grid, columns: int) -> int:
    """The last row (1-based) with a value in the first ``columns`` columns, as ``last_used_row`` counts it."""
    for index in range(len(grid) - 1, -1, -1):
        if any(cell is not None and cell != "" for cell in grid[index][:columns]):
            return index + 1
    return 0
