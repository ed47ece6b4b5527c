"""Grid ranges that follow inserted, deleted and moved rows and columns, as Sheets moves them.

Called by :mod:`emulators.sheets.batch_dimensions`: the ranges of conditional format rules, the basic filter
and merges shift with the cells. A range grows when rows are inserted strictly inside it (not at its end),
shrinks when rows inside it are deleted and disappears with its last row; a moved block carries the ranges
lying wholly inside it, other ranges see the move as a delete then an insert.
"""

from __future__ import annotations

from collections.abc import Callable

from emulators.sheets.store import JSON, Sheet

Span = tuple[int, int | None]
SpanMap = Callable[[int, int | None], Span | None]

_KEYS = {"ROWS": ("startRowIndex", "endRowIndex"), "COLUMNS": ("startColumnIndex", "endColumnIndex")}


def inserted(at: int, count: int) -> SpanMap:
    def shift(start: int, end: int | None) -> Span:
        return (start + count if start >= at else start, None if end is None else end + count if end > at else end)

    return shift


def deleted(first: int, stop: int) -> SpanMap:
    count = stop - first

    def position(i: int) -> int:
        return i if i < first else first if i < stop else i - count

    def shift(start: int, end: int | None) -> Span | None:
        new_start, new_end = position(start), None if end is None else position(end)
        return None if new_end is not None and new_end <= new_start else (new_start, new_end)

    return shift


def moved(first: int, stop: int, destination: int) -> SpanMap:
    count = stop - first
    landing = destination - count if destination > first else destination
    remove, add = deleted(first, stop), inserted(landing, count)

    def shift(start: int, end: int | None) -> Span | None:
        if first <= start and end is not None and end <= stop:
            return (start - first + landing, end - first + landing)
        kept = remove(start, end)
        return None if kept is None else add(*kept)

    return shift


def _shift_range(grid_range: JSON, dimension: str, span_map: SpanMap) -> JSON | None:
    start_key, end_key = _KEYS[dimension]
    end = grid_range.get(end_key)
    span = span_map(int(grid_range.get(start_key, 0)), None if end is None else int(end))
    if span is None:
        return None
    out = dict(grid_range)
    out.pop(start_key, None)
    if span[0]:
        out[start_key] = span[0]  # proto3 JSON leaves zeros out
    if span[1] is not None:
        out[end_key] = span[1]
    return out


def shift_sheet_ranges(sheet: Sheet, dimension: str, span_map: SpanMap) -> None:
    """Move the sheet's conditional format, basic filter and merge ranges with its rows or columns."""
    rules = []
    for rule in sheet.conditional_formats:
        ranges = [r for r in (_shift_range(r, dimension, span_map) for r in rule.get("ranges", [])) if r]
        if ranges:
            rules.append({**rule, "ranges": ranges})
    sheet.conditional_formats = rules
    if sheet.basic_filter is not None:
        shifted = _shift_range(sheet.basic_filter.get("range", {}), dimension, span_map)
        sheet.basic_filter = None if shifted is None else {**sheet.basic_filter, "range": shifted}
    sheet.merges = [m for m in (_shift_range(m, dimension, span_map) for m in sheet.merges) if m]
