"""The Sheets emulator's WSGI app: fixture loading, test controls, inspection helpers and request dispatch.

Built by :mod:`emulators.suite`, the tests and the benchmarks; the endpoints live in sibling modules.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from emulators.google_rpc import RpcError, error_response, json_body
from emulators.server import RequestCounter, json_response
from emulators.sheets.a1 import a1_box
from emulators.sheets.access import QuotaGate, authenticate
from emulators.sheets.cells import scalar, trim_grid
from emulators.sheets.params import EndpointCall
from emulators.sheets.routes import HANDLERS, HTTP_METHODS, route
from emulators.sheets.store import JSON, Sheet, Spreadsheet, new_book

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from emulators.google_oauth import GoogleOAuthEmulator

_NOT_FOUND_MESSAGE = "Requested entity was not found."


class SheetsEmulator(RequestCounter):
    """WSGI app emulating the Google Sheets API v4 closely enough for real gspread 6.

    Attributes:
        forbidden_for: Service-account e-mails (token subjects) or raw bearer tokens the spreadsheets are
            "not shared with": their requests get 403 ``PERMISSION_DENIED``. Mutable between requests.
        auth_required: Whether an ``Authorization: Bearer`` header is required.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        oauth: GoogleOAuthEmulator | None = None,
        auth_required: bool = True,
        reads_per_minute: int = 60,
        writes_per_minute: int = 60,
        clock: Callable[[], float] = time.monotonic,
        cell_limit: int = 10_000_000,
        forbidden_for: Iterable[str] = (),
    ) -> None:
        """Create the emulator.

        Args:
            data: The fixture's ``sheets`` part, ``{"spreadsheets": [{"spreadsheetId", "title"}]}``; each
                spreadsheet starts with one empty ``Sheet1`` (sheetId 0, 1000 x 26).
            oauth: When given, bearer tokens must be valid there with a spreadsheets (or drive) scope;
                otherwise any non-empty bearer token is accepted.
            auth_required: When False, requests without an ``Authorization`` header are served as user
                ``anonymous`` (for tests that inject a plain session into ``gspread.Client``).
            reads_per_minute: Read requests per user per rolling minute; 0 disables.
            writes_per_minute: Write requests per user per rolling minute; 0 disables.
            clock: Monotonic clock in seconds driving the quota windows (tests inject a fake one).
            cell_limit: Maximum cells per spreadsheet.
            forbidden_for: Initial value of :attr:`forbidden_for`.

        Raises:
            ValueError: When the fixture part is malformed or a limit is negative.
        """
        super().__init__()
        if reads_per_minute < 0 or writes_per_minute < 0 or cell_limit <= 0:
            raise ValueError("quota limits must be >= 0 and cell_limit > 0")
        self._oauth = oauth
        self.auth_required = auth_required
        self.cell_limit = cell_limit
        self.forbidden_for: set[str] = set(forbidden_for)
        self._quota = QuotaGate(reads_per_minute=reads_per_minute, writes_per_minute=writes_per_minute, clock=clock)
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self.set_data(data or {})

    # ------------------------------------------------------------------ data and test controls

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace every spreadsheet with fresh ones from a fixture's ``sheets`` part.

        Args:
            data: ``{"spreadsheets": [{"spreadsheetId": str, "title": str}]}``.

        Raises:
            ValueError: When an entry lacks ``spreadsheetId`` or ids repeat.
        """
        books: dict[str, Spreadsheet] = {}
        for i, entry in enumerate(data.get("spreadsheets", []) or []):
            if not isinstance(entry, Mapping) or not entry.get("spreadsheetId"):
                raise ValueError(f"sheets.spreadsheets[{i}]: spreadsheetId is required")
            sid = str(entry["spreadsheetId"])
            if sid in books:
                raise ValueError(f"sheets.spreadsheets[{i}]: duplicate spreadsheetId {sid!r}")
            books[sid] = new_book(sid, str(entry.get("title") or "Untitled spreadsheet"))
        with self._lock:
            self._spreadsheets = books

    def add_spreadsheet(self, spreadsheet_id: str, title: str) -> None:
        """Add one empty spreadsheet (with ``Sheet1``) after construction.

        Args:
            spreadsheet_id: Its id.
            title: Its title.

        Raises:
            ValueError: When the id is already served.
        """
        with self._lock:
            if spreadsheet_id in self._spreadsheets:
                raise ValueError(f"spreadsheet {spreadsheet_id!r} already exists")
            self._spreadsheets[spreadsheet_id] = new_book(spreadsheet_id, title)

    @property
    def spreadsheet_ids(self) -> list[str]:
        """Ids of the spreadsheets served."""
        with self._lock:
            return list(self._spreadsheets)

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """Make the next ``count`` API requests fail (after authentication).

        Args:
            count: Number of requests to fail.
            status: 500 (``INTERNAL``), 503 (``UNAVAILABLE``) or 429 (the write-quota body).

        Raises:
            ValueError: For another status.
        """
        if status not in (429, 500, 503):
            raise ValueError("status must be 429, 500 or 503")
        self._quota.fail_next(count, status)

    def reset_quotas(self) -> None:
        """Forget every recorded request in the per-user quota windows."""
        self._quota.reset()

    def _book(self, spreadsheet_id: str) -> Spreadsheet:
        book = self._spreadsheets.get(spreadsheet_id)
        if book is None:
            raise KeyError(f"unknown spreadsheet {spreadsheet_id!r}")
        return book

    def _sheet(self, spreadsheet_id: str, sheet_title: str) -> Sheet:
        sheet = self._book(spreadsheet_id).sheet_by_title(sheet_title)
        if sheet is None:
            raise KeyError(f"unknown sheet {sheet_title!r} in {spreadsheet_id!r}")
        return sheet

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        """Titles of the spreadsheet's sheets in tab order."""
        with self._lock:
            return [s.title for s in self._book(spreadsheet_id).sheets]

    def sheet_properties(self, spreadsheet_id: str, sheet_title: str) -> JSON:
        """A copy of the sheet's ``properties`` JSON (sheetId, index, gridProperties...)."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).properties)

    def values(self, spreadsheet_id: str, sheet_title: str) -> list[list[Any]]:
        """The stored grid as Python values (numbers, bools, strings, formula text), trailing-trimmed.

        Args:
            spreadsheet_id: Spreadsheet id.
            sheet_title: Sheet title.

        Returns:
            Rows of values; empty cells are ``""``; trailing empty cells and rows are dropped.
        """
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return trim_grid([[scalar(sheet.cells.get((r, c))) for c in range(sheet.cols)] for r in range(sheet.rows)])

    def notes(self, spreadsheet_id: str, sheet_title: str) -> dict[str, str]:
        """Cell notes keyed by A1 cell (``{"B2": "text"}``)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {
                a1_box(r, c, r, c): str(cell["note"])
                for (r, c), cell in sorted(sheet.cells.items())
                if cell.get("note")
            }

    def formats(self, spreadsheet_id: str, sheet_title: str) -> dict[str, JSON]:
        """``userEnteredFormat`` of every formatted cell keyed by A1 cell."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {
                a1_box(r, c, r, c): copy.deepcopy(cell["userEnteredFormat"])
                for (r, c), cell in sorted(sheet.cells.items())
                if cell.get("userEnteredFormat")
            }

    def charts(self, spreadsheet_id: str, sheet_title: str | None = None) -> list[JSON]:
        """Charts (``{chartId, spec, position}``) on one sheet, or on every sheet when title is None."""
        with self._lock:
            book = self._book(spreadsheet_id)
            sheets = [self._sheet(spreadsheet_id, sheet_title)] if sheet_title is not None else book.sheets
            return [copy.deepcopy(c) for s in sheets for c in s.charts]

    def conditional_formats(self, spreadsheet_id: str, sheet_title: str) -> list[JSON]:
        """The sheet's conditional format rules in priority order."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).conditional_formats)

    def frozen(self, spreadsheet_id: str, sheet_title: str) -> tuple[int, int]:
        """``(frozenRowCount, frozenColumnCount)`` of the sheet."""
        with self._lock:
            grid = self._sheet(spreadsheet_id, sheet_title).properties["gridProperties"]
            return int(grid.get("frozenRowCount", 0)), int(grid.get("frozenColumnCount", 0))

    def basic_filter(self, spreadsheet_id: str, sheet_title: str) -> JSON | None:
        """The sheet's basic filter (``{"range": GridRange, ...}``) or None."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).basic_filter)

    def merges(self, spreadsheet_id: str, sheet_title: str) -> list[JSON]:
        """The sheet's merged ranges (GridRange JSON)."""
        with self._lock:
            return copy.deepcopy(self._sheet(spreadsheet_id, sheet_title).merges)

    def column_widths(self, spreadsheet_id: str, sheet_title: str) -> dict[int, int]:
        """Explicit column pixel sizes by 0-based column index (columns never resized are absent)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {i: int(p["pixelSize"]) for i, p in sorted(sheet.column_sizes.items()) if "pixelSize" in p}

    def row_heights(self, spreadsheet_id: str, sheet_title: str) -> dict[int, int]:
        """Explicit row pixel sizes by 0-based row index (rows never resized are absent)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id, sheet_title)
            return {i: int(p["pixelSize"]) for i, p in sorted(sheet.row_sizes.items()) if "pixelSize" in p}

    # ------------------------------------------------------------------ WSGI plumbing

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        # The raw URI keeps %2F/%3A inside ranges distinguishable from the path's own separators.
        raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path).split("?", 1)[0]
        response = self._dispatch(request, raw_path)
        return response(environ, start_response)

    def _dispatch(self, request: Request, raw_path: str) -> Response:
        routed = route(request.method, raw_path)
        if routed is None:
            return self._finish("not_found", error_response(RpcError(404, f"Method not found: {raw_path}")))
        name, spreadsheet_id, encoded_range = routed
        if request.method != HTTP_METHODS[name]:
            err = RpcError(405, f"Method {request.method} is not allowed for {raw_path}.")
            return self._finish(name, error_response(err))
        try:
            user = authenticate(
                request, oauth=self._oauth, auth_required=self.auth_required, forbidden_for=self.forbidden_for
            )
            self._quota.admit(name, user)
            params = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
            handler = HANDLERS[name]
            with self._lock:
                book = self._spreadsheets.get(spreadsheet_id)
                if book is None:
                    raise RpcError(404, _NOT_FOUND_MESSAGE)
                range_text = unquote(encoded_range) if encoded_range is not None else None
                body = json_body(request) if request.method != "GET" else {}
                result = handler(EndpointCall(book, params, body, range_text, self.cell_limit))
            response = json_response(result)
        except RpcError as err:
            response = error_response(err)
        return self._finish(name, response)

    def _finish(self, name: str, response: Response) -> Response:
        self._count(name, response.status_code)
        return response
