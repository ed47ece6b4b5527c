"""The Google Sheet writer's Tracker reshape: the rows and columns move before the pipeline's block is written.

Adds to the write's :class:`~sheets_sync.gsheets_plan.Plan` the steps of a
:class:`~sheets_sync.tracker_reshape.Reshape` as Sheets' own ``moveDimension`` / ``insertDimension`` /
``deleteDimension`` requests, so that everything the owner attached to a row or a column (cells and notes
right of the weeks, hidden rows, row heights, their own rows below the Tracker) moves with it, the way Sheets
moves it when a person inserts a row. The Tracker's row groups are deleted first (their ranges are in the
old rows; the presentation adds them again). A basic filter or conditional format rule of the owner's that
reached the block's last week (or last row) is stretched to the new one, as a person would expect of a
filter "on the Tracker".
"""

from __future__ import annotations

from typing import Any

from sheets_sync.gsheets_plan import Plan
from sheets_sync.tabs import TRACKER_TAB
from sheets_sync.tracker_reshape import Reshape, plan_reshape
from sheets_sync.update import TrackerUpdate


def reshape_tracker(plan: Plan, update: TrackerUpdate) -> Reshape:
    """Queue the Tracker's reshape on ``plan``; returns it (the rows the pipeline then writes: ``extent``)."""
    state = plan.state
    origin = update.origin
    new_width = max((len(row) for row in update.tracker), default=0)
    old_grid = state.grids.get(TRACKER_TAB, [])
    owner_rows = {
        index for index, row in enumerate(old_grid) if any(cell not in (None, "") for cell in row[origin.old_width :])
    }
    owner_rows |= {row for row, column in state.notes if column >= origin.old_width}
    reshape = plan_reshape(origin, new_width, owner_rows)
    if TRACKER_TAB not in state.sheets:
        return reshape
    sheet_id = plan.ids[TRACKER_TAB]
    for group in state.row_groups.get(TRACKER_TAB, []):
        rng = group.get("range") or {}
        plan.requests.append(
            {
                "deleteDimensionGroup": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "ROWS",
                        "startIndex": int(rng.get("startIndex", 0)),
                        "endIndex": int(rng["endIndex"]),
                    }
                }
            }
        )
    rows, columns = plan.sizes[TRACKER_TAB]
    for kind, at, other in reshape.row_steps:
        if kind == "move":
            source = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}
            plan.requests.append({"moveDimension": {"source": source, "destinationIndex": other}})
        elif kind == "insert":
            rng = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + other}
            plan.requests.append({"insertDimension": {"range": rng, "inheritFromBefore": at > 0}})
            rows += other
        else:
            rng = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + other}
            plan.requests.append({"deleteDimension": {"range": rng}})
            rows -= other
    if reshape.columns_added:
        rng = {
            "sheetId": sheet_id,
            "dimension": "COLUMNS",
            "startIndex": reshape.columns_at,
            "endIndex": reshape.columns_at + reshape.columns_added,
        }
        plan.requests.append({"insertDimension": {"range": rng, "inheritFromBefore": reshape.columns_at > 0}})
        columns += reshape.columns_added
    plan.sizes[TRACKER_TAB] = (rows, columns)
    _stretch_owner_ranges(plan, update, reshape, new_width, sheet_id)
    return reshape


def _stretched(rng: dict[str, Any], update: TrackerUpdate, reshape: Reshape, new_width: int) -> dict[str, Any] | None:
    """The range stretched to the new block when it reached the old block's last column or row, else None."""
    origin = update.origin
    start_column, end_column = int(rng.get("startColumnIndex", 0)), rng.get("endColumnIndex")
    start_row, end_row = int(rng.get("startRowIndex", 0)), rng.get("endRowIndex")
    wide = end_column is not None and int(end_column) == origin.old_width and start_column < origin.old_width
    tall = end_row is not None and int(end_row) == origin.old_height and start_row < origin.old_height
    if not (wide and new_width > origin.old_width) and not (tall and reshape.changes_rows):
        return None
    out = dict(rng)
    if wide:
        out["endColumnIndex"] = new_width
    if tall:
        first = reshape.row_after(start_row)
        if first is None:
            return None
        if first:
            out["startRowIndex"] = first
        else:
            out.pop("startRowIndex", None)
        out["endRowIndex"] = len(update.tracker)
    return out


def _stretch_owner_ranges(plan: Plan, update: TrackerUpdate, reshape: Reshape, new_width: int, sheet_id: int) -> None:
    state = plan.state
    flt = state.basic_filters.get(TRACKER_TAB)
    if flt is not None:
        stretched = _stretched(flt.get("range") or {}, update, reshape, new_width)
        if stretched is not None:
            moved = {**flt, "range": {**stretched, "sheetId": sheet_id}}
            for spec in moved.get("filterSpecs", []) or []:
                if "columnIndex" in spec:
                    spec["columnIndex"] = reshape.column_after(int(spec["columnIndex"]))
            if "criteria" in moved:
                moved["criteria"] = {
                    str(reshape.column_after(int(column))): rule for column, rule in moved["criteria"].items()
                }
            plan.requests.append({"setBasicFilter": {"filter": moved}})
    for index, rule in enumerate(state.conditional_formats.get(TRACKER_TAB, [])):
        ranges = rule.get("ranges") or []
        stretched_ranges = [_stretched(r, update, reshape, new_width) for r in ranges]
        if not any(stretched_ranges):
            continue
        new_ranges = [{**(s or r), "sheetId": sheet_id} for r, s in zip(ranges, stretched_ranges, strict=True)]
        plan.requests.append(
            {
                "updateConditionalFormatRule": {
                    "index": index,
                    "sheetId": sheet_id,
                    "rule": {**rule, "ranges": new_ranges},
                }
            }
        )
