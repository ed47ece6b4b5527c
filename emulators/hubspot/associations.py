"""The HubSpot emulator's v4 association routes: batch read and one record's associations.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator`, dispatched by endpoint name. The batch read is
answered as HubSpot documents it ("Batch read associations", CRM API reference):

* **Per-object paging.** Each result carries its own ``paging.next.after`` when that object has more
  associations, and the client sends ``{"id", "after"}`` back for that object alone ("The 'paging' field
  will only be present if there are more pages and absent otherwise"). HubSpot does not publish the page
  size (community reports see 600+ ids in one answer, the v3 endpoints cut at 100 or 500); the emulator
  pages at :data:`BATCH_READ_PAGE_SIZE` so a client that ignores the cursor loses associations here.
  The cursor is opaque, like HubSpot's (``MC0yLTc1MDI%3D`` is base64 of ``0-2-7502``, "=" percent-encoded).
* **207 Multi-Status.** An input without associations (or unknown, or archived) is not left out
  silently: it comes back in ``errors`` as ``OBJECT_NOT_FOUND`` / ``crm.associations.NO_ASSOCIATIONS_FOUND``
  ("No contact is associated with deal 123."), a non-numeric id as ``VALIDATION_ERROR`` /
  ``crm.associations.INVALID_IDENTIFIER``, with ``numErrors``; the status is 207 whenever ``errors`` is
  not empty. The error objects have the fields recorded from HubSpot's answers (status, category,
  subCategory, message, context), not the ``links``/``errors`` its OpenAPI schema also lists.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import quote, unquote

from werkzeug.wrappers import Request, Response

from emulators.hubspot.errors import _ApiError, _json_body, _not_found, _parse_int
from emulators.hubspot.store import _ObjectStore
from emulators.hubspot.wire import _SINGULAR, JSON, _iso
from emulators.server import json_response

# HUBSPOT_DEFINED association type ids for the default (unlabelled/primary) association of each pair.
_ASSOCIATION_TYPE_IDS: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 1,
    ("companies", "contacts"): 2,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 5,
    ("companies", "deals"): 6,
    ("companies", "meetings"): 187,
    ("meetings", "companies"): 188,
    ("contacts", "meetings"): 199,
    ("meetings", "contacts"): 200,
    ("deals", "meetings"): 211,
    ("meetings", "deals"): 212,
}

_BATCH_READ_MAX_INPUTS = 1000
# GET /crm/v4/objects/{type}/{id}/associations/{toType}: ``limit`` defaults to 500, its maximum
# (hubspot-api-client 12 ``associations.v4.basic_api.get_page`` default; HubSpot's associations v4 guide).
_LIST_PAGE_SIZE = 500

#: Associations per object in one batch-read answer; the rest are behind that object's ``paging.next.after``.
BATCH_READ_PAGE_SIZE = 500


def _cursor(type_id: int, last_to_id: str) -> str:
    """HubSpot-style opaque cursor: base64 of ``0-<typeId>-<last id>``, "=" percent-encoded."""
    return quote(base64.b64encode(f"0-{type_id}-{last_to_id}".encode()).decode(), safe="")


def _after_id(after: object, type_id: int, from_id: str) -> int:
    """The last associated id a cursor of :func:`_cursor` stands for (400 when it is not one)."""
    try:
        decoded = base64.b64decode(unquote(str(after)), validate=True).decode()
        zero, cursor_type, last = decoded.split("-")
        if zero != "0" or int(cursor_type) != type_id:
            raise ValueError(decoded)
        return int(last)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _ApiError(
            400, f"Invalid paging cursor {str(after)[:40]!r} for object {from_id}", "VALIDATION_ERROR"
        ) from None


class _AssociationRoutes(_ObjectStore):
    """Association reads over the store's links (archived records have none)."""

    def _handle_associations_batch_read(self, request: Request, from_type: str, to_type: str) -> Response:
        source = self._resolve_type(from_type)
        target = self._resolve_type(to_type)
        type_id = _ASSOCIATION_TYPE_IDS.get((source, target))
        if type_id is None:
            raise _ApiError(400, f"Unsupported association {from_type} -> {to_type}", "VALIDATION_ERROR")
        started = _iso(self._wall_clock())
        body = _json_body(request)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise _ApiError(400, "Invalid input JSON: 'inputs' must be a list", "VALIDATION_ERROR")
        if len(inputs) > _BATCH_READ_MAX_INPUTS:
            raise _ApiError(
                400,
                f"Batch input limit exceeded: {len(inputs)} inputs, maximum is {_BATCH_READ_MAX_INPUTS}",
                "VALIDATION_ERROR",
            )
        # One answer per object id; a repeated id keeps its first cursor.
        cursors: dict[str, object] = {}
        for item in inputs:
            object_id = str(item.get("id") if isinstance(item, Mapping) else item)
            cursors.setdefault(object_id, item.get("after") if isinstance(item, Mapping) else None)
        results: list[JSON] = []
        errors: list[JSON] = []
        for object_id, after in cursors.items():
            if not object_id.isdigit():
                errors.append(self._invalid_identifier(object_id))
                continue
            record = self._records[source].get(object_id)
            to_ids = [] if record is None or record["archived"] else self._live_links(source, object_id, target)
            if after is not None:
                last = _after_id(after, type_id, object_id)
                to_ids = [t for t in to_ids if int(t) > last]
            if not to_ids:
                errors.append(self._no_associations(source, target, object_id))
                continue
            page = to_ids[:BATCH_READ_PAGE_SIZE]
            result: JSON = {
                "from": {"id": object_id},
                "to": [
                    {
                        "toObjectId": int(t),
                        "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
                    }
                    for t in page
                ],
            }
            if len(to_ids) > len(page):
                result["paging"] = {"next": {"after": _cursor(type_id, page[-1])}}
            results.append(result)
        answer: JSON = {"status": "COMPLETE", "results": results}
        if errors:
            answer["numErrors"] = len(errors)
            answer["errors"] = errors
        answer["startedAt"] = started
        answer["completedAt"] = _iso(self._wall_clock())
        return json_response(answer, 207 if errors else 200)

    @staticmethod
    def _invalid_identifier(object_id: str) -> JSON:
        return {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "subCategory": "crm.associations.INVALID_IDENTIFIER",
            "message": f"Invalid object identifier {object_id!r}.",
            "context": {"fromObjectId": [object_id]},
        }

    @staticmethod
    def _no_associations(source: str, target: str, object_id: str) -> JSON:
        return {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": f"No {_SINGULAR[target]} is associated with {_SINGULAR[source]} {object_id}.",
            "context": {
                "fromObjectId": [object_id],
                "fromObjectType": [_SINGULAR[source]],
                "toObjectType": [_SINGULAR[target]],
            },
        }

    def _handle_associations_list(self, request: Request, object_type: str, object_id: str, to_type: str) -> Response:
        source = self._resolve_type(object_type)
        target = self._resolve_type(to_type)
        type_id = _ASSOCIATION_TYPE_IDS.get((source, target))
        if type_id is None:
            raise _ApiError(400, f"Unsupported association {object_type} -> {to_type}", "VALIDATION_ERROR")
        record = self._records[source].get(object_id)
        if record is None or record["archived"]:
            raise _not_found(request.path, object_id)
        limit = min(max(_parse_int(request.args.get("limit"), "limit", default=_LIST_PAGE_SIZE), 1), _LIST_PAGE_SIZE)
        # The cursor is opaque to clients; here it is the first associated id of the next page.
        after = _parse_int(request.args.get("after") or None, "after", default=0)
        to_ids = [t for t in self._live_links(source, object_id, target) if int(t) >= after]
        page, rest = to_ids[:limit], to_ids[limit:]
        body: JSON = {
            "results": [
                {
                    "toObjectId": int(t),
                    "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}],
                }
                for t in page
            ]
        }
        if rest:
            body["paging"] = {
                "next": {
                    "after": rest[0],
                    "link": f"{request.host_url}crm/v4/objects/{object_type}/{object_id}/associations/{to_type}"
                    f"?after={rest[0]}",
                }
            }
        return json_response(body)
