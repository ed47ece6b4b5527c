"""The Sheets emulator's ``spreadsheets.batchUpdate``: validates each request and applies the batch atomically.

Routed from :mod:`emulators.sheets.routes`; the request kinds live in the ``batch_*`` modules.
"""

from __future__ import annotations

import copy

from emulators.google_rpc import RpcError, invalid
from emulators.sheets.batch_cells import CELL_REQUESTS
from emulators.sheets.batch_common import RequestHandler
from emulators.sheets.batch_dimensions import DIMENSION_REQUESTS
from emulators.sheets.batch_groups import GROUP_REQUESTS
from emulators.sheets.batch_metadata import METADATA_REQUESTS
from emulators.sheets.batch_objects import OBJECT_REQUESTS
from emulators.sheets.batch_sheets import SHEET_REQUESTS
from emulators.sheets.params import EndpointCall, flag
from emulators.sheets.spreadsheet_get import spreadsheet_json
from emulators.sheets.store import CELL_LIMIT_MESSAGE, JSON

_REQUEST_HANDLERS: dict[str, RequestHandler] = {
    **SHEET_REQUESTS,
    **CELL_REQUESTS,
    **DIMENSION_REQUESTS,
    **GROUP_REQUESTS,
    **OBJECT_REQUESTS,
    **METADATA_REQUESTS,
}

#: batchUpdate request kinds the emulator applies (anything else is a 400, as for an unknown field).
SUPPORTED_REQUESTS = frozenset(_REQUEST_HANDLERS)

# Real Sheets request kinds the emulator does not implement: refused with a message that says so.
_KNOWN_UNSUPPORTED_REQUESTS = frozenset(
    {
        "addBanding",
        "addDataSource",
        "addFilterView",
        "addNamedRange",
        "addProtectedRange",
        "addSlicer",
        "appendCells",
        "autoFill",
        "cancelDataSourceRefresh",
        "copyPaste",
        "cutPaste",
        "deleteBanding",
        "deleteDataSource",
        "deleteDuplicates",
        "deleteFilterView",
        "deleteNamedRange",
        "deleteProtectedRange",
        "deleteRange",
        "duplicateFilterView",
        "duplicateSheet",
        "findReplace",
        "insertRange",
        "pasteData",
        "randomizeRange",
        "refreshDataSource",
        "sortRange",
        "textToColumns",
        "trimWhitespace",
        "updateBanding",
        "updateDataSource",
        "updateEmbeddedObjectBorder",
        "updateEmbeddedObjectPosition",
        "updateFilterView",
        "updateNamedRange",
        "updateProtectedRange",
        "updateSlicerSpec",
    }
)


def _request_kind(req: object, i: int) -> str:
    """The one request kind set in ``requests[i]``; unknown or unsupported kinds are a 400."""
    if not isinstance(req, dict) or not req:
        raise invalid(f"Invalid requests[{i}]: No request set.")
    kinds = list(req)
    if len(kinds) > 1:
        raise invalid(
            f"Invalid value at 'requests[{i}]' (oneof), oneof field 'kind' is already set. Cannot set '{kinds[1]}'"
        )
    kind = str(kinds[0])
    if kind not in SUPPORTED_REQUESTS:
        if kind in _KNOWN_UNSUPPORTED_REQUESTS:
            raise invalid(f"Invalid requests[{i}].{kind}: {kind} is not supported by the Sheets emulator.")
        message = f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': Cannot find field."
        raise RpcError(
            400,
            message,
            [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": f"requests[{i}]", "description": message}],
                }
            ],
        )
    return kind


def batch_update(call: EndpointCall) -> JSON:
    """``POST /v4/spreadsheets/{id}:batchUpdate``; one invalid request leaves the spreadsheet untouched."""
    book, body = call.book, call.body
    requests_json = body.get("requests") or []
    if not isinstance(requests_json, list):
        raise invalid("Invalid JSON payload received. 'requests' must be a list.")
    # Work on a copy so that one invalid request leaves the spreadsheet untouched (batches are atomic).
    work = copy.deepcopy(book)
    replies: list[JSON] = []
    for i, req in enumerate(requests_json):
        kind = _request_kind(req, i)
        payload = req[kind]
        if not isinstance(payload, dict):
            raise invalid(f"Invalid requests[{i}].{kind}: expected an object.")
        where = f"requests[{i}].{kind}"
        before = work.total_cells()
        reply = _REQUEST_HANDLERS[kind](work, payload, where)
        after = work.total_cells()
        if after > call.cell_limit and after > before:
            raise invalid(f"Invalid {where}: {CELL_LIMIT_MESSAGE.format(call.cell_limit)}")
        replies.append(reply or {})
    book.properties, book.sheets, book.rng, book.next_chart_id, book.developer_metadata = (
        work.properties,
        work.sheets,
        work.rng,
        work.next_chart_id,
        work.developer_metadata,
    )
    result: JSON = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
    if flag(body.get("includeSpreadsheetInResponse", False)):
        grid = "true" if flag(body.get("responseIncludeGridData", False)) else "false"
        ranges = [("ranges", r) for r in body.get("responseRanges") or []]
        result["updatedSpreadsheet"] = spreadsheet_json(book, [("includeGridData", grid), *ranges])
    return result
