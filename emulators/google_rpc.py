"""What the Google API emulators (GA4, Sheets) share: ``google.rpc.Status`` errors and JSON bodies."""

from __future__ import annotations

import copy
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from emulators.server import json_response

JSON = dict[str, Any]

HTTP_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
SERVER_ERROR_MESSAGES = {500: "Internal error encountered.", 503: "The service is currently unavailable."}


class RpcError(Exception):
    """An error rendered as a ``google.rpc.Status`` body."""

    def __init__(self, code: int, message: str, details: list[JSON] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def invalid(message: str) -> RpcError:
    return RpcError(400, message)


def error_response(err: RpcError) -> Response:
    error: JSON = {"code": err.code, "message": err.message, "status": HTTP_STATUS_NAMES.get(err.code, "UNKNOWN")}
    if err.details:
        error["details"] = copy.deepcopy(err.details)
    headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if err.code == 401 else None
    return json_response({"error": error}, err.code, headers)


def json_body(request: Request) -> JSON:
    raw = request.get_data(cache=False)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise invalid(f"Invalid JSON payload received. {exc}") from exc
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object.")
    return body
