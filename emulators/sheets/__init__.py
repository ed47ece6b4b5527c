"""Local emulator of the Google Sheets API v4 (package front door; the app lives in :mod:`emulators.sheets.app`)."""

from emulators.sheets.app import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    SHEETS_SCOPE_PREFIXES,
    SUPPORTED_REQUESTS,
    SheetsEmulator,
    column_letters,
)

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_ROWS",
    "SHEETS_SCOPE_PREFIXES",
    "SUPPORTED_REQUESTS",
    "SheetsEmulator",
    "column_letters",
]
