"""How a routed Sheets API call reaches its handler (:class:`EndpointCall`) and how handlers read its options.

Built by :class:`emulators.sheets.app.SheetsEmulator`; read by the values, get and batchUpdate handlers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulators.google_rpc import invalid
from emulators.sheets.store import JSON, Spreadsheet

Params = list[tuple[str, str]]

RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
DIMENSIONS = ("ROWS", "COLUMNS")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")


@dataclass(frozen=True, slots=True)
class EndpointCall:
    """One authenticated API call on one spreadsheet, as its endpoint handler receives it.

    Attributes:
        book: The spreadsheet named in the path (handlers change it in place).
        params: Query parameters in order (repeated ones such as ``ranges`` appear once each).
        body: The JSON body (``{}`` for GET).
        range_text: The percent-decoded A1 range of a ``values/{range}`` path, else None.
        cell_limit: Maximum cells the spreadsheet may hold.
    """

    book: Spreadsheet
    params: Params
    body: JSON
    range_text: str | None
    cell_limit: int

    @property
    def path_range(self) -> str:
        """The A1 range of a ``values/{range}`` path; routing only sends such paths to range handlers."""
        assert self.range_text is not None, "this endpoint has no range in its path"
        return self.range_text


def flag(value: Any) -> bool:
    """A boolean option from a query string or a JSON body."""
    # requests sends Python bools as "True"/"False"; JSON bodies carry real booleans (or null).
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def enum_option(value: Any, name: str, allowed: Sequence[str], default: str) -> str:
    """An enum option (``default`` when absent); a value outside ``allowed`` is a 400 naming the enum."""
    if value is None or value == "":
        return default
    text = str(value)
    if text not in allowed:
        raise invalid(f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{name}), \"{text}\"")
    return text
