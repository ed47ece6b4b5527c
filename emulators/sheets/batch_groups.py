"""batchUpdate requests on row and column groups: add, update (collapse) and delete a dimension group.

Registered in :data:`GROUP_REQUESTS` for :mod:`emulators.sheets.batch_update`; the groups themselves are
:class:`~emulators.sheets.grouping.DimensionGroups` on each sheet, listed by ``spreadsheets.get`` as the
Sheet resource's ``rowGroups`` and ``columnGroups``. Request and reply shapes follow the API reference
(``AddDimensionGroupResponse.dimensionGroups``: all groups of the dimension after the change).
"""

from __future__ import annotations

import copy

from emulators.google_rpc import invalid
from emulators.sheets.batch_common import RequestHandler, dimension_range
from emulators.sheets.fields import apply_mask, required_field_mask
from emulators.sheets.grouping import DimensionGroups
from emulators.sheets.store import JSON, Sheet, Spreadsheet


def groups_of(sheet: Sheet, dimension: str) -> DimensionGroups:
    return sheet.row_groups if dimension == "ROWS" else sheet.column_groups


def groups_json(sheet: Sheet, dimension: str) -> list[JSON]:
    """``rowGroups`` / ``columnGroups`` of the Sheet resource (proto3 JSON: zeros and false omitted)."""
    out: list[JSON] = []
    groups = groups_of(sheet, dimension)
    for start, end, depth in groups.groups():
        rng: JSON = {"dimension": dimension, "endIndex": end}
        if sheet.sheet_id:
            rng["sheetId"] = sheet.sheet_id
        if start:
            rng["startIndex"] = start
        entry: JSON = {"range": rng, "depth": depth}
        if (start, end, depth) in groups.collapsed:
            entry["collapsed"] = True
        out.append(entry)
    return out


def _reply(kind: str, sheet: Sheet, dimension: str) -> JSON:
    return {kind: {"dimensionGroups": copy.deepcopy(groups_json(sheet, dimension))}}


def add_dimension_group(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    sheet, dimension, start, end = dimension_range(work, payload.get("range"), where)
    if end <= start:
        raise invalid(f"Invalid {where}: the range of a group must not be empty.")
    groups_of(sheet, dimension).add(start, end)
    return _reply("addDimensionGroup", sheet, dimension)


def delete_dimension_group(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    sheet, dimension, start, end = dimension_range(work, payload.get("range"), where)
    if not groups_of(sheet, dimension).delete(start, end):
        raise invalid(f"Invalid {where}: No dimension group found in the range [{start}, {end}).")
    return _reply("deleteDimensionGroup", sheet, dimension)


def update_dimension_group(work: Spreadsheet, payload: JSON, where: str) -> None:
    tree = required_field_mask(payload, where)
    group = payload.get("dimensionGroup")
    if not isinstance(group, dict):
        raise invalid(f"Invalid {where}: dimensionGroup is required")
    sheet, dimension, start, end = dimension_range(work, group.get("range"), where)
    depth = int(group.get("depth", 0))
    groups = groups_of(sheet, dimension)
    key = (start, end, depth)
    if key not in groups.groups():
        raise invalid(f"Invalid {where}: No dimension group with range [{start}, {end}) and depth {depth}.")
    current: JSON = {"collapsed": key in groups.collapsed}
    apply_mask(current, {k: v for k, v in group.items() if k == "collapsed"}, tree)
    if current.get("collapsed"):
        groups.collapsed.add(key)
    else:
        groups.collapsed.discard(key)


GROUP_REQUESTS: dict[str, RequestHandler] = {
    "addDimensionGroup": add_dimension_group,
    "deleteDimensionGroup": delete_dimension_group,
    "updateDimensionGroup": update_dimension_group,
}
