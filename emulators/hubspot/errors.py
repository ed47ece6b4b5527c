"""HubSpot error bodies, and the request parsing that answers bad input with them.

Used by every route of :class:`~emulators.hubspot.HubSpotEmulator`: an ``_ApiError`` raised in a
handler becomes the JSON error response.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request

from emulators.hubspot.wire import JSON


class _ApiError(Exception):
    """An error to be rendered as a HubSpot error body."""

    def __init__(self, status: int, message: str, category: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.extra = extra


def _error_body(message: str, category: str, **extra: Any) -> JSON:
    body: JSON = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    body.update(extra)
    return body


def _not_found(path: str, object_id: str | None = None) -> _ApiError:
    if object_id is None:
        return _ApiError(404, f"Resource not found: {path}", "OBJECT_NOT_FOUND")
    return _ApiError(
        404,
        "Object not found.  objectId are usually numeric.",
        "OBJECT_NOT_FOUND",
        context={"id": [object_id]},
    )


def _split_multi(values: Iterable[str]) -> list[str]:
    """Flatten ``a&a`` repeated params and ``a,b`` comma lists into one ordered, de-duplicated list."""
    out: list[str] = []
    seen: set[str] = set()
    for raw in values:
        for part in raw.split(","):
            name = part.strip()
            if name and name not in seen:
                seen.add(name)
                out.append(name)
    return out


def _parse_bool(raw: str | None, name: str, default: bool = False) -> bool:
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise _ApiError(400, f"Invalid boolean for query parameter {name}: {raw!r}", "VALIDATION_ERROR")


def _parse_int(raw: Any, name: str, *, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise _ApiError(400, f"Invalid integer for {name}: {raw!r}", "VALIDATION_ERROR")
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise _ApiError(400, f"Invalid integer for {name}: {raw!r}", "VALIDATION_ERROR") from exc


def _json_body(request: Request) -> JSON:
    raw = request.get_data(cache=False)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _ApiError(400, f"Invalid input JSON: {exc}", "VALIDATION_ERROR") from exc
    if not isinstance(body, dict):
        raise _ApiError(400, "Invalid input JSON: expected an object", "VALIDATION_ERROR")
    return body
