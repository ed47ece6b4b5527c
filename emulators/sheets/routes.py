"""URL routing of the Sheets emulator: raw request path -> endpoint name, spreadsheet id, range and handler.

Used by :class:`emulators.sheets.app.SheetsEmulator` to dispatch each request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from emulators.sheets import values
from emulators.sheets.batch_update import batch_update
from emulators.sheets.params import EndpointCall
from emulators.sheets.spreadsheet_get import get_spreadsheet
from emulators.sheets.store import JSON

_SPREADSHEET_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)(?::(batchUpdate))?")
_VALUES_BATCH_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)/values:(batchGet|batchUpdate|batchClear)")
_VALUES_RANGE_PATH = re.compile(r"/v4/spreadsheets/([^/:]+)/values/(.+?)(?::(append|clear))?")

#: Endpoint name (as counted by the emulator) -> the one HTTP method it accepts.
HTTP_METHODS: dict[str, str] = {
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

#: Endpoint name -> its handler.
HANDLERS: dict[str, Callable[[EndpointCall], JSON]] = {
    "values.get": values.get_values,
    "values.batchGet": values.batch_get_values,
    "values.update": values.update_values,
    "values.batchUpdate": values.batch_update_values,
    "values.append": values.append_values,
    "values.clear": values.clear_values,
    "values.batchClear": values.batch_clear_values,
    "spreadsheets.get": get_spreadsheet,
    "spreadsheets.batchUpdate": batch_update,
}


def route(method: str, raw_path: str) -> tuple[str, str, str | None] | None:
    """Map a request to (endpoint name, spreadsheet id, encoded range or None); None when no endpoint matches."""
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
