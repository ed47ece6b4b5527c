"""Cell values for the Sheets emulator: number and date formats, rendering, and parsing what users type.

Used by the values endpoints, spreadsheets.get and the batchUpdate requests that read or write cells.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from emulators.google_rpc import RpcError, invalid
from emulators.sheets.store import JSON, Cell

_MAX_CELL_CHARS = 50_000
_SHEETS_EPOCH = datetime(1899, 12, 30)

_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm", re.IGNORECASE)
_NUMBER_CORE = re.compile(r"[#0,]*[#0](?:\.[#0]+)?|\.[#0]+")

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_PERCENT_TEXT = re.compile(r"([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?)\s*%")
_CURRENCY_TEXT = re.compile(r"(-?)\$((?:\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATETIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


# ------------------------------------------------------------------------------------------- rendering


def number_json(value: float) -> int | float:
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


def _sections(pattern: str) -> list[str]:
    """A pattern's ``;``-separated sections (positive;negative;zero;text), ``;`` inside quotes kept."""
    sections, current, quoted = [], "", False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append(current)
            current = ""
            continue
        current += char
    return [*sections, current]


def _format_number(value: float, number_format: Mapping[str, Any] | None) -> str:
    """Render a number like Sheets' FORMATTED_VALUE for simple patterns, else the automatic format.

    A pattern with a negative section (``+0%;-0%``) renders a negative number through that section, with
    no minus sign of its own (the section writes one if it wants one); a zero section renders zero.
    """
    if not number_format:
        return _general_number(value)
    kind = number_format.get("type", "NUMBER")
    sections = _sections(str(number_format.get("pattern") or ""))
    pattern = sections[0]
    if value < 0 and len(sections) > 1:
        pattern, value = sections[1], abs(value)
    elif value == 0 and len(sections) > 2:
        pattern = sections[2]
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
    # Sheets rounds the shown decimal digits half away from zero (30.25 shows as 30.3, 0.35 as 0.4), not
    # to the nearest binary float as Python's formatting does.
    rounded = Decimal(repr(abs(scaled))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}" if "," in int_part else f"{rounded:.{decimals}f}"
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


def scalar(cell: Cell | None) -> Any:
    """The cell's effective value as a Python scalar ("" when empty); formulas yield their text."""
    if not cell:
        return ""
    value = cell.get("userEnteredValue")
    if not value:
        return ""
    if "numberValue" in value:
        return number_json(float(value["numberValue"]))
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "formulaValue" in value:
        return str(value["formulaValue"])
    if "errorValue" in value:
        return str(value["errorValue"].get("type", "#ERROR!"))
    return str(value.get("stringValue", ""))


def number_format(cell: Cell | None) -> JSON | None:
    """The cell's ``userEnteredFormat.numberFormat``, or None."""
    if not cell:
        return None
    fmt = cell.get("userEnteredFormat") or {}
    found = fmt.get("numberFormat")
    return found if isinstance(found, dict) else None


def formatted(cell: Cell | None) -> str:
    """The cell's FORMATTED_VALUE text."""
    value = scalar(cell)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return _format_number(value, number_format(cell))
    return str(value)


def _is_date_format(cell: Cell | None) -> bool:
    nf = number_format(cell)
    return bool(nf) and nf is not None and nf.get("type") in ("DATE", "TIME", "DATE_TIME")


def render(cell: Cell | None, value_render: str, date_render: str) -> Any:
    """The cell as a values endpoint returns it under the given value and date-time render options."""
    if value_render == "FORMATTED_VALUE":
        return formatted(cell)
    value = scalar(cell)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if date_render == "FORMATTED_STRING" and is_number and _is_date_format(cell):
        return formatted(cell)
    return value


def effective_value(cell: Cell) -> JSON | None:
    """The cell's ``effectiveValue`` JSON (formulas are not evaluated), or None when it holds no value."""
    value = scalar(cell)
    if value == "" and not cell.get("userEnteredValue"):
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": value}


def trim_grid(grid: list[list[Any]]) -> list[list[Any]]:
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


# ------------------------------------------------------------------------------------------- input


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
        return {"numberValue": number_json(float(stripped.replace(",", "")))}, None
    match = _PERCENT_TEXT.fullmatch(stripped)
    if match and _has_digit(match.group(1)):
        value = float(match.group(1).replace(",", "")) / 100
        pattern = "0.00%" if match.group(2) else "0%"
        return {"numberValue": number_json(value)}, {"type": "PERCENT", "pattern": pattern}
    match = _CURRENCY_TEXT.fullmatch(stripped)
    if match:
        value = float(match.group(2).replace(",", "")) * (-1 if match.group(1) else 1)
        pattern = '"$"#,##0.00' if match.group(3) else '"$"#,##0'
        return {"numberValue": number_json(value)}, {"type": "CURRENCY", "pattern": pattern}
    try:
        if match := _ISO_DATE.fullmatch(stripped):
            year, month, day = (int(g) for g in match.groups())
            value = _serial(datetime(year, month, day))
            return {"numberValue": number_json(value)}, {"type": "DATE", "pattern": "yyyy-mm-dd"}
        if match := _US_DATE.fullmatch(stripped):
            month, day, year = (int(g) for g in match.groups())
            value = _serial(datetime(year, month, day))
            return {"numberValue": number_json(value)}, {"type": "DATE", "pattern": "M/d/yyyy"}
        if match := _ISO_DATETIME.fullmatch(stripped):
            parts = [int(g) if g else 0 for g in match.groups()]
            value = _serial(datetime(*parts))  # type: ignore[arg-type]
            return {"numberValue": number_json(value)}, {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
    except ValueError:
        pass  # not a real calendar date (2024-02-30): stays text, as in the UI
    return {"stringValue": text}, None


def input_value(raw: Any, user_entered: bool, where: str) -> tuple[JSON | None, JSON | None]:
    """Turn one written JSON value into (userEnteredValue, numberFormat); raises on bad types."""
    if isinstance(raw, bool):
        return {"boolValue": raw}, None
    if isinstance(raw, int | float):
        return {"numberValue": number_json(raw)}, None
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
