"""batchUpdate requests on objects attached to sheets: conditional format rules, basic filters and charts.

Registered in :data:`OBJECT_REQUESTS` for :mod:`emulators.sheets.batch_update`.
"""

from __future__ import annotations

import copy
from typing import Any

from emulators.google_rpc import RpcError, invalid
from emulators.sheets.batch_common import RequestHandler, grid, grid_range_json
from emulators.sheets.store import JSON, Sheet, Spreadsheet

# ------------------------------------------------------------------------------------------- conditional formats


def _rule_sheet(work: Spreadsheet, rule: Any, where: str) -> tuple[Sheet, JSON]:
    if not isinstance(rule, dict) or not rule.get("ranges"):
        raise invalid(f"Invalid {where}: A conditional format rule must have at least one range.")
    if "booleanRule" not in rule and "gradientRule" not in rule:
        raise invalid(f"Invalid {where}: A conditional format rule must have a booleanRule or gradientRule.")
    resolved = [grid(work, r, where) for r in rule["ranges"]]
    sheets = {s.sheet_id for s, *_ in resolved}
    if len(sheets) != 1:
        raise invalid(f"Invalid {where}: All ranges of a conditional format rule must be on the same sheet.")
    stored = copy.deepcopy(rule)
    stored["ranges"] = [grid_range_json(s.sheet_id, a, b, c, d) for s, a, b, c, d in resolved]
    return resolved[0][0], stored


def add_conditional_format_rule(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet, rule = _rule_sheet(work, payload.get("rule"), where)
    index = int(payload.get("index", 0))
    if not 0 <= index <= len(sheet.conditional_formats):
        raise invalid(f"Invalid {where}: Invalid index {index} for conditional format rules.")
    sheet.conditional_formats.insert(index, rule)


def _conditional_at(work: Spreadsheet, payload: JSON, where: str) -> tuple[Sheet, int]:
    sheet_id = int(payload.get("sheetId", 0))
    sheet = work.sheet_by_id(sheet_id)
    index = int(payload.get("index", 0))
    if sheet is None or not 0 <= index < len(sheet.conditional_formats):
        raise invalid(f"Invalid {where}: No conditional format on sheet: {sheet_id} at index: {index}")
    return sheet, index


def delete_conditional_format_rule(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    sheet, index = _conditional_at(work, payload, where)
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def update_conditional_format_rule(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    sheet, index = _conditional_at(work, payload, where)
    old = sheet.conditional_formats[index]
    if "rule" in payload:
        new_sheet, rule = _rule_sheet(work, payload["rule"], where)
        if new_sheet is not sheet:
            raise invalid(f"Invalid {where}: The rule must stay on sheet {sheet.sheet_id}.")
        sheet.conditional_formats[index] = rule
        return {"updateConditionalFormatRule": {"newRule": rule, "oldRule": old, "newIndex": index, "oldIndex": index}}
    new_index = int(payload.get("newIndex", index))
    if not 0 <= new_index < len(sheet.conditional_formats):
        raise invalid(f"Invalid {where}: Invalid newIndex {new_index}.")
    sheet.conditional_formats.insert(new_index, sheet.conditional_formats.pop(index))
    return {"updateConditionalFormatRule": {"newRule": old, "oldRule": old, "newIndex": new_index, "oldIndex": index}}


# ------------------------------------------------------------------------------------------- basic filter


def set_basic_filter(work: Spreadsheet, payload: JSON, where: str) -> None:
    flt = copy.deepcopy(payload.get("filter") or {})
    sheet, r0, r1, c0, c1 = grid(work, flt.get("range") or {"sheetId": 0}, where)
    flt["range"] = grid_range_json(sheet.sheet_id, r0, r1, c0, c1)
    sheet.basic_filter = flt


def clear_basic_filter(work: Spreadsheet, payload: JSON, where: str) -> None:
    sheet = work.sheet_by_id(int(payload.get("sheetId", 0)))
    if sheet is None:
        raise invalid(f"Invalid {where}: No grid with id: {payload.get('sheetId', 0)}")
    sheet.basic_filter = None


# ------------------------------------------------------------------------------------------- charts


def _find_chart(work: Spreadsheet, chart_id: Any, where: str) -> tuple[Sheet, JSON]:
    for sheet in work.sheets:
        for chart in sheet.charts:
            if chart["chartId"] == chart_id:
                return sheet, chart
    raise invalid(f"Invalid {where}: No chart with id: {chart_id}")


def _check_sources(work: Spreadsheet, spec: Any, where: str) -> None:
    """Every GridRange under a ``sources`` list of the chart spec must exist on the grid."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "sources" and isinstance(value, list):
                for source in value:
                    grid(work, source, where)
            else:
                _check_sources(work, value, where)
    elif isinstance(spec, list):
        for item in spec:
            _check_sources(work, item, where)


def add_chart(work: Spreadsheet, payload: JSON, where: str) -> JSON:
    chart = copy.deepcopy(payload.get("chart") or {})
    if not isinstance(chart.get("spec"), dict):
        raise invalid(f"Invalid {where}: chart.spec is required")
    _check_sources(work, chart["spec"], where)
    position = chart.get("position") or {}
    if position.get("newSheet"):
        raise invalid(f"Invalid {where}: charts on a new sheet are not supported by the Sheets emulator.")
    if "overlayPosition" in position:
        overlay = position["overlayPosition"]
        anchor = overlay.get("anchorCell") or {}
        sheet, *_ = grid(
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


def update_chart_spec(work: Spreadsheet, payload: JSON, where: str) -> None:
    _, chart = _find_chart(work, payload.get("chartId"), where)
    if not isinstance(payload.get("spec"), dict):
        raise invalid(f"Invalid {where}: spec is required")
    _check_sources(work, payload["spec"], where)
    chart["spec"] = copy.deepcopy(payload["spec"])


def delete_embedded_object(work: Spreadsheet, payload: JSON, where: str) -> None:
    try:
        sheet, chart = _find_chart(work, payload.get("objectId"), where)
    except RpcError:
        raise invalid(f"Invalid {where}: No object with id: {payload.get('objectId')}") from None
    sheet.charts.remove(chart)


OBJECT_REQUESTS: dict[str, RequestHandler] = {
    "addConditionalFormatRule": add_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "updateConditionalFormatRule": update_conditional_format_rule,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addChart": add_chart,
    "updateChartSpec": update_chart_spec,
    "deleteEmbeddedObject": delete_embedded_object,
}
